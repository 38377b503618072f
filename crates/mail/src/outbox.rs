//! The outbox folder as the office reads it: the `.eml` files, newest
//! first, with their subjects; one file by its plain name only.

use chrono::{DateTime, Utc};
use mail_parser::MessageParser;
use std::io;
use std::path::Path;

/// A mail in the outbox folder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutboxEntry {
    pub name: String,
    pub modified: DateTime<Utc>,
    pub size: u64,
    pub subject: String,
    /// Without the angle brackets: `sesshu-mail-{job}@{domain}` names the job.
    pub message_id: Option<String>,
}

/// A plain `*.eml` file name: no path, no hidden file.
fn plain_name(name: &str) -> bool {
    name.ends_with(".eml")
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && !name.contains("..")
}

/// The newest `limit` mails of `dir`.
pub fn list(dir: &Path, limit: usize) -> io::Result<Vec<OutboxEntry>> {
    let mut entries = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let meta = entry.metadata()?;
        if !meta.is_file() || !plain_name(&name) {
            continue;
        }
        entries.push((meta.modified()?, name, meta.len()));
    }
    entries.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| b.1.cmp(&a.1)));
    entries
        .into_iter()
        .take(limit)
        .map(|(modified, name, size)| {
            let raw = std::fs::read(dir.join(&name))?;
            let headers = MessageParser::default().parse_headers(&raw);
            let headers = headers.as_ref();
            Ok(OutboxEntry {
                name,
                modified: modified.into(),
                size,
                subject: headers
                    .and_then(|m| m.subject())
                    .unwrap_or_default()
                    .to_owned(),
                message_id: headers.and_then(|m| m.message_id()).map(str::to_owned),
            })
        })
        .collect()
}

/// The raw mail `name` of `dir`; `NotFound` for anything but a plain
/// `.eml` file name of that folder.
pub fn read(dir: &Path, name: &str) -> io::Result<Vec<u8>> {
    if !plain_name(name) {
        return Err(io::Error::new(
            io::ErrorKind::NotFound,
            "not an outbox mail",
        ));
    }
    let path = dir.join(name);
    if !std::fs::symlink_metadata(&path)?.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::NotFound,
            "not an outbox mail",
        ));
    }
    std::fs::read(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_mail_file_names_are_read() {
        let dir = std::env::temp_dir().join(format!("sesshu_outbox_{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("a1b2.eml"),
            "Subject: =?utf-8?b?5LqI57SE?=\r\n\r\nx\r\n",
        )
        .unwrap();
        std::fs::write(dir.join("notes.txt"), "x").unwrap();
        assert!(read(&dir, "a1b2.eml").is_ok());
        for bad in [
            "../a1b2.eml",
            "/etc/passwd",
            "notes.txt",
            ".hidden.eml",
            "a/../a1b2.eml",
            "..eml",
        ] {
            assert!(read(&dir, bad).is_err(), "{bad}");
        }
        let listed = list(&dir, 10).unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].subject, "予約");
        assert_eq!(listed[0].message_id, None);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// A mail written by the folder transport reads back whole: the id,
    /// text and HTML (with its check-in code) as alternatives, and the
    /// calendar file beside them.
    #[tokio::test]
    async fn a_mail_written_to_the_folder_reads_back_whole() {
        use crate::{Envelope, MailTransport, build, render};
        use mail_parser::{MimeHeaders, PartType};
        use sesshu_domain::{Language, MailAddress, MailKind};

        let dir = std::env::temp_dir().join(format!("sesshu_outbox_rt_{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let transport = MailTransport::folder(&dir).unwrap();
        let institution = crate::compose::tests::institution();
        let letter = crate::compose::tests::letter(&institution, MailKind::Booked, Language::En);
        let envelope = Envelope {
            from: MailAddress::parse("noreply@aoba.example.ac.jp").unwrap(),
            from_name: "Aoba University".into(),
            reply_to: Some(MailAddress::parse("vaccine@aoba.example.ac.jp").unwrap()),
            to: MailAddress::parse("hanako@example.ac.jp").unwrap(),
            message_id: "<sesshu-mail-42@vaccine.example.ac.jp>".into(),
        };
        let message = build(
            &render(&letter).unwrap(),
            &envelope,
            chrono::DateTime::from_timestamp(1_796_000_000, 0).unwrap(),
        )
        .unwrap();
        let accepted = transport.send(&message).await.unwrap();

        let listed = list(&dir, 10).unwrap();
        assert_eq!(listed.len(), 1, "one file per mail");
        let entry = &listed[0];
        assert!(accepted.reply.contains(&entry.name), "{}", accepted.reply);
        assert_eq!(entry.subject, "Vaccination booking confirmed (KX7M-4QP9)");
        assert_eq!(
            entry.message_id.as_deref(),
            Some("sesshu-mail-42@vaccine.example.ac.jp")
        );

        let raw = read(&dir, &entry.name).unwrap();
        let mail = MessageParser::default().parse(&raw).unwrap();
        assert_eq!(
            mail.message_id(),
            Some("sesshu-mail-42@vaccine.example.ac.jp")
        );
        let to = mail.to().and_then(|a| a.first()).and_then(|a| a.address());
        assert_eq!(to, Some("hanako@example.ac.jp"));
        let reply_to = mail
            .reply_to()
            .and_then(|a| a.first())
            .and_then(|a| a.address());
        assert_eq!(reply_to, Some("vaccine@aoba.example.ac.jp"));
        let kind = |part: &mail_parser::MessagePart<'_>| {
            part.content_type()
                .map(|c| format!("{}/{}", c.ctype(), c.subtype().unwrap_or_default()))
                .unwrap_or_default()
        };
        // multipart/mixed [ multipart/alternative [ text/plain,
        //   multipart/related [ text/html, image/png ] ], text/calendar ]
        let root = &mail.parts[0];
        assert_eq!(kind(root), "multipart/mixed");
        let PartType::Multipart(children) = &root.body else {
            panic!("not multipart: {:?}", root.body);
        };
        let children: Vec<_> = children.iter().map(|&i| &mail.parts[i as usize]).collect();
        assert_eq!(children.len(), 2);
        assert_eq!(kind(children[0]), "multipart/alternative");
        let PartType::Multipart(alternatives) = &children[0].body else {
            panic!("not multipart");
        };
        let alternatives: Vec<_> = alternatives
            .iter()
            .map(|&i| kind(&mail.parts[i as usize]))
            .collect();
        assert_eq!(alternatives, ["text/plain", "multipart/related"]);
        let calendar = children[1];
        assert_eq!(kind(calendar), "text/calendar");
        assert_eq!(calendar.attachment_name(), Some("reservation.ics"));
        let ics = calendar.text_contents().unwrap();
        assert_eq!(ics.matches("BEGIN:VEVENT").count(), 2, "{ics}");
        assert!(ics.contains("DTSTART:20261210T010000Z"), "{ics}");
        assert!(mail.body_text(0).unwrap().contains("KX7M-4QP9"));
        assert!(mail.body_html(0).unwrap().contains("KX7M-4QP9"));

        std::fs::remove_dir_all(&dir).unwrap();
    }
}
