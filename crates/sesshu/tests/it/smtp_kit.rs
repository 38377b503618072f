//! A real SMTP server for the mail tests: PyPI `aiosmtpd` (installed in the
//! test venv by `scripts/test-env.sh install`) on a free loopback port,
//! storing every message it accepts in a Maildir. aiosmtpd adds the envelope
//! as `X-MailFrom` and `X-RcptTo` headers, so tests see the recipients too.

#![allow(dead_code)]

use mail_parser::{Message, MessageParser, MimeHeaders};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn repo() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

fn python() -> PathBuf {
    let venv = repo().join(".test-env/venv/bin/python");
    assert!(
        venv.exists(),
        "mail tests need the test venv with aiosmtpd: run scripts/test-env.sh install"
    );
    venv
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("address")
        .port()
}

/// One received mail: the raw bytes as the server stored them.
#[derive(Clone, Debug)]
pub struct Received {
    pub raw: Vec<u8>,
}

impl Received {
    pub fn parsed(&self) -> Message<'_> {
        MessageParser::default()
            .parse(&self.raw)
            .expect("a parsable mail")
    }

    fn header(&self, name: &str) -> String {
        self.parsed()
            .header_raw(name)
            .map(|v| v.trim().to_owned())
            .unwrap_or_default()
    }

    /// The envelope recipients, as the server saw them.
    pub fn rcpt_to(&self) -> String {
        self.header("X-RcptTo")
    }

    pub fn message_id(&self) -> String {
        self.parsed().message_id().unwrap_or_default().to_owned()
    }

    pub fn subject(&self) -> String {
        self.parsed().subject().unwrap_or_default().to_owned()
    }

    pub fn text(&self) -> String {
        self.parsed()
            .body_text(0)
            .map(|t| t.into_owned())
            .unwrap_or_default()
    }

    pub fn html(&self) -> String {
        self.parsed()
            .body_html(0)
            .map(|t| t.into_owned())
            .unwrap_or_default()
    }

    /// The image the HTML part shows as `cid:{content_id}`: its bytes, if
    /// the mail has a part with that Content-ID (and the HTML refers to it).
    pub fn inline_image(&self, content_id: &str) -> Option<Vec<u8>> {
        let message = self.parsed();
        let html = message.body_html(0)?;
        if !html.contains(&format!("src=\"cid:{content_id}\"")) {
            return None;
        }
        message
            .parts
            .iter()
            .find(|part| part.content_id() == Some(content_id))
            .map(|part| part.contents().to_vec())
    }

    /// The calendar attachment, if the mail has one.
    pub fn ics(&self) -> Option<String> {
        let message = self.parsed();
        message
            .attachments()
            .find(|part| part.is_content_type("text", "calendar"))
            .map(|part| String::from_utf8_lossy(part.contents()).into_owned())
    }
}

/// An aiosmtpd server with its Maildir; killed on drop.
#[derive(Debug)]
pub struct SmtpServer {
    child: Option<Child>,
    pub port: u16,
    dir: PathBuf,
}

impl SmtpServer {
    pub fn start() -> Self {
        let dir = std::env::temp_dir().join(format!(
            "sesshu_smtp_{}_{}",
            std::process::id(),
            free_port()
        ));
        for sub in ["tmp", "new", "cur"] {
            std::fs::create_dir_all(dir.join(sub)).expect("Maildir");
        }
        let mut server = Self {
            child: None,
            port: free_port(),
            dir,
        };
        server.resume();
        server
    }

    /// Stops the server: connections are refused until [`Self::resume`].
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server (again) on the same port and Maildir.
    pub fn resume(&mut self) {
        assert!(self.child.is_none(), "already running");
        let child = Command::new(python())
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{}", self.port))
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&self.dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start aiosmtpd");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(Instant::now() < deadline, "aiosmtpd did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn maildir(&self) -> &Path {
        &self.dir
    }

    /// Every mail received so far, oldest first.
    pub fn received(&self) -> Vec<Received> {
        let mut files: Vec<(std::time::SystemTime, String, PathBuf)> = ["new", "cur"]
            .iter()
            .flat_map(|sub| std::fs::read_dir(self.dir.join(sub)).expect("Maildir"))
            .map(|entry| entry.expect("entry").path())
            .map(|path| {
                let modified = path.metadata().and_then(|m| m.modified()).expect("mtime");
                let name = path.file_name().unwrap().to_string_lossy().into_owned();
                (modified, name, path)
            })
            .collect();
        files.sort();
        files
            .into_iter()
            .map(|(_, _, path)| Received {
                raw: std::fs::read(path).expect("mail file"),
            })
            .collect()
    }

    /// Waits until at least `n` mails have arrived (up to `timeout`).
    pub async fn wait_for(&self, n: usize, timeout: Duration) -> Vec<Received> {
        let deadline = Instant::now() + timeout;
        loop {
            let received = self.received();
            if received.len() >= n || Instant::now() >= deadline {
                return received;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
