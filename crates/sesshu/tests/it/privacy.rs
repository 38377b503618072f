//! Personal data never reaches a log line or an error page: the real
//! `sesshu` binary, at `RUST_LOG=debug`, runs a whole booking flow for a
//! member with recognisable personal data (uploaded with `sesshu members
//! import`), and afterwards no log line and no error response holds any of
//! it. Only the office's reservation page shows it: that is its job.
//!
//! Twice: once as `sesshu demo` (one process; its logs are always text),
//! once as production runs it, `sesshu serve` and `sesshu office` with
//! `log_format = "json"`, on the database the demo seeded.

use crate::helpers::{form_value, visible_text};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sesshu_domain::Clock;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

const INSTITUTION: &str = "demo";
const LOGIN: &str = "zq7canary";
const PASSWORD: &str = "Kx9-vQ2m-upload";
const WRONG_PASSWORD: &str = "Jw4-bR7t-mistyped";
const NAME_KANJI: &str = "漏洩 検知子";
const NAME_KANA: &str = "ろうえい けんちこ";
const NAME_ROMAN: &str = "Canary Leakworth";
const MAIL: &str = "canary.leakworth@leak-test.example";
/// A voucher (接種券) for the first dose: Sendai's code, a number to find.
const VOUCHER_NUMBER: &str = "7305184296";
const VOUCHER_LINE: &str = "110410097305184296";
/// The same with the municipality code's check digit wrong: refused, and
/// shown again in its field to correct.
const VOUCHER_MISTYPED: &str = "110410087305184296";
/// At the venue: the temperature typed in full-width digits (as a phone's
/// or Japanese keyboard may give it) and the reason of a postponement.
const TEMPERATURE: &str = "４１．９";
const POSTPONE_REASON: &str = "Zq7 canary fever, back in two weeks";
const OFFICE_LOGIN: &str = "admin";
const OFFICE_PASSWORD: &str = "demo-office-pass";

/// What must never show: (what it is, the value).
fn secrets() -> Vec<(&'static str, String)> {
    let mut secrets = vec![
        ("login", LOGIN.to_owned()),
        ("kanji name", NAME_KANJI.to_owned()),
        ("kana name", NAME_KANA.to_owned()),
        ("roman name", NAME_ROMAN.to_owned()),
        ("mail", MAIL.to_owned()),
        (
            "mail's local part",
            MAIL.split('@').next().unwrap().to_owned(),
        ),
        ("password", PASSWORD.to_owned()),
        ("wrong password", WRONG_PASSWORD.to_owned()),
        ("voucher number", VOUCHER_NUMBER.to_owned()),
        ("voucher's OCR line", VOUCHER_LINE.to_owned()),
    ];
    // Each part of a name on its own: a family name alone is a leak too.
    for (what, name) in [
        ("part of the kanji name", NAME_KANJI),
        ("part of the kana name", NAME_KANA),
        ("part of the roman name", NAME_ROMAN),
    ] {
        secrets.extend(name.split(' ').map(|part| (what, part.to_owned())));
    }
    secrets
}

/// How a value may be written: as it is, URL-encoded, JSON-escaped.
/// Lower case: matching ignores ASCII case.
fn spellings(value: &str) -> Vec<String> {
    let form = serde_urlencoded::to_string([("", value)]).unwrap();
    let form = form.trim_start_matches('=').to_owned();
    let escaped: String = value
        .chars()
        .map(|c| match c {
            c if c.is_ascii() => c.to_string(),
            c => format!("\\u{:04x}", u32::from(c)),
        })
        .collect();
    let mut all = vec![value.to_owned(), form.replace('+', "%20"), form, escaped];
    for s in &mut all {
        *s = s.to_lowercase();
    }
    all.sort();
    all.dedup();
    all
}

/// Which secrets `text` holds.
fn found_in(text: &str) -> Vec<(&'static str, String)> {
    let text = text.to_lowercase();
    secrets()
        .into_iter()
        .filter(|(_, value)| spellings(value).iter().any(|s| text.contains(s.as_str())))
        .collect()
}

/// A line without its colour codes (`tracing`'s text format writes them).
fn without_colours(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' && chars.peek() == Some(&'[') {
            chars.next();
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The echoes allowed in a page that is not the office's: a form shown
/// again with a problem keeps what its user typed (their own input, back to
/// them), only in that field's attribute: the login form after a wrong
/// password (the login), the voucher's form after a mistyped voucher.
fn without_echoes(html: &str) -> (String, usize) {
    let mut html = html.to_owned();
    let mut echoes = 0;
    for (field, typed) in [("login", LOGIN), ("ocr_line", VOUCHER_MISTYPED)] {
        let (rest, echoed) = without_echo(&html, field, typed);
        html = rest;
        echoes += usize::from(echoed);
    }
    (html, echoes)
}

/// `html` with `value="TYPED"` of the input named `field` emptied.
fn without_echo(html: &str, field: &str, typed: &str) -> (String, bool) {
    let Some(start) = html.find(&format!("<input name=\"{field}\"")) else {
        return (html.to_owned(), false);
    };
    let end = html[start..].find('>').map_or(html.len(), |e| start + e);
    let echo = format!("value=\"{typed}\"");
    match html[start..end].find(&echo) {
        Some(at) => {
            let at = start + at;
            let mut out = html[..at].to_owned();
            out.push_str("value=\"\"");
            out.push_str(&html[at + echo.len()..]);
            (out, true)
        }
        None => (html.to_owned(), false),
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A `sesshu` child process whose output goes to files.
#[derive(Debug)]
struct Process {
    name: &'static str,
    child: Option<Child>,
    stdout: PathBuf,
    stderr: PathBuf,
}

fn sesshu(dir: &Path, name: &'static str, args: &[&str]) -> (Command, PathBuf, PathBuf) {
    let stdout = dir.join(format!("{name}.stdout"));
    let stderr = dir.join(format!("{name}.stderr"));
    let mut command = Command::new(env!("CARGO_BIN_EXE_sesshu"));
    command
        .args(args)
        .current_dir(dir)
        .env("RUST_LOG", "debug")
        .stdin(Stdio::null())
        .stdout(File::create(&stdout).unwrap())
        .stderr(File::create(&stderr).unwrap());
    // Settings of the test environment are not this process's.
    for (key, _) in std::env::vars() {
        if key.starts_with("SESSHU_") {
            command.env_remove(key);
        }
    }
    (command, stdout, stderr)
}

impl Process {
    fn start(dir: &Path, name: &'static str, args: &[&str]) -> Process {
        let (mut command, stdout, stderr) = sesshu(dir, name, args);
        Process {
            name,
            child: Some(command.spawn().expect("start sesshu")),
            stdout,
            stderr,
        }
    }

    /// The end of its stderr, for failure messages.
    fn tail(&self) -> String {
        let text = std::fs::read_to_string(&self.stderr).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(15)..].join("\n")
    }

    /// `Some` once it has exited.
    fn exited(&mut self) -> Option<ExitStatus> {
        self.child.as_mut().and_then(|c| c.try_wait().unwrap())
    }

    /// SIGTERM, as a service manager stops it; then waits for it to exit.
    async fn stop(&mut self) {
        let pid = self.child.as_ref().expect("running").id();
        let status = Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()
            .unwrap();
        assert!(status.success(), "kill -TERM {}", self.name);
        let deadline = Instant::now() + Duration::from_secs(20);
        let exit = loop {
            if let Some(exit) = self.exited() {
                break exit;
            }
            assert!(
                Instant::now() < deadline,
                "{} did not stop on SIGTERM:\n{}",
                self.name,
                self.tail()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        self.child = None;
        assert!(
            exit.success(),
            "{} exited with {exit}:\n{}",
            self.name,
            self.tail()
        );
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Runs a command to its end; its stdout and stderr files.
async fn run(dir: &Path, name: &'static str, args: &[&str]) -> (PathBuf, PathBuf) {
    let (mut command, stdout, stderr) = sesshu(dir, name, args);
    let status = tokio::task::spawn_blocking(move || command.status())
        .await
        .unwrap()
        .expect("run sesshu");
    assert!(
        status.success(),
        "{name} failed:\n{}\n{}",
        std::fs::read_to_string(&stdout).unwrap_or_default(),
        std::fs::read_to_string(&stderr).unwrap_or_default()
    );
    (stdout, stderr)
}

/// Polls `probe` until it answers; fails early if `process` exits.
async fn wait_until_up<F, Fut>(process: &mut Process, probe: F) -> bool
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if process.exited().is_some() {
            return false;
        }
        if probe().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "{} did not answer in 30 s:\n{}",
        process.name,
        process.tail()
    );
}

/// Starts a server on fresh ports, again if another process took a port
/// between our look and its bind.
async fn start_server<F, Fut>(
    dir: &Path,
    name: &'static str,
    args: impl Fn(u16, u16) -> Vec<String>,
    probe: F,
) -> (Process, u16, u16)
where
    F: Fn(u16, u16) -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..3 {
        let (port, other) = (free_port(), free_port());
        let args = args(port, other);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let mut process = Process::start(dir, name, &args);
        if wait_until_up(&mut process, || probe(port, other)).await {
            return (process, port, other);
        }
        assert!(
            process.tail().contains("in use"),
            "{name} exited while starting:\n{}",
            process.tail()
        );
    }
    panic!("{name}: no free ports after three tries");
}

/// One response as received.
#[derive(Debug)]
struct Seen {
    request: String,
    status: StatusCode,
    body: String,
    /// The office's reservation page: it shows the person, by design.
    shows_person: bool,
}

#[derive(Debug)]
struct Answer {
    request: String,
    status: StatusCode,
    location: Option<String>,
    body: String,
}

impl Answer {
    fn expect(self, status: StatusCode) -> Answer {
        assert_eq!(self.status, status, "{}: {}", self.request, self.body);
        self
    }

    fn redirects_to(self, location: &str) -> Answer {
        assert_eq!(
            self.location.as_deref(),
            Some(location),
            "{} ({}): {}",
            self.request,
            self.status,
            self.body
        );
        self
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
}

/// One site as one browser (or script) sees it: its own cookies.
#[derive(Debug)]
struct Site {
    http: reqwest::Client,
    base: String,
}

impl Site {
    fn public(base: &str) -> Site {
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Site {
            http,
            base: base.to_owned(),
        }
    }

    /// The office with the demo's browser certificate, trusting its CA.
    fn office(base: &str, pki: &Path) -> Site {
        let read = |path: PathBuf| std::fs::read(path).unwrap();
        let ca = read(pki.join("ca").join(sesshu_pki::CA_CERT));
        let mut identity = read(pki.join("office-browser.key"));
        identity.extend_from_slice(&read(pki.join("office-browser.pem")));
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .tls_certs_only([reqwest::Certificate::from_pem(&ca).unwrap()])
            .identity(reqwest::Identity::from_pem(&identity).unwrap())
            .build()
            .unwrap();
        Site {
            http,
            base: base.to_owned(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

/// Every response of the flow, kept for the checks at the end.
#[derive(Debug, Default)]
struct Record {
    seen: Vec<Seen>,
}

impl Record {
    async fn send(&mut self, site: &Site, request: reqwest::RequestBuilder) -> Answer {
        self.send_as(site, request, false).await
    }

    async fn send_as(
        &mut self,
        site: &Site,
        request: reqwest::RequestBuilder,
        shows_person: bool,
    ) -> Answer {
        let request = request.build().unwrap();
        let label = format!("{} {}", request.method(), request.url());
        let response = site.http.execute(request).await.expect(&label);
        let status = response.status();
        let location = response
            .headers()
            .get("location")
            .map(|v| v.to_str().unwrap().to_owned());
        let body = response.text().await.unwrap();
        self.seen.push(Seen {
            request: label.clone(),
            status,
            body: body.clone(),
            shows_person,
        });
        Answer {
            request: label,
            status,
            location,
            body,
        }
    }

    async fn get(&mut self, site: &Site, path: &str) -> Answer {
        self.send(site, site.http.get(site.url(path))).await
    }

    async fn form(&mut self, site: &Site, path: &str, fields: &impl serde::Serialize) -> Answer {
        self.send(site, site.http.post(site.url(path)).form(fields))
            .await
    }

    async fn json(&mut self, site: &Site, method: Method, path: &str, body: Value) -> Answer {
        let request = site.http.request(method, site.url(path)).json(&body);
        self.send(site, request).await
    }
}

/// The fields of the first form of `html` posting to `action`, as filled.
fn form_fields(html: &str, action: &str) -> Vec<(String, String)> {
    let start = html
        .find(&format!("action=\"{action}\""))
        .unwrap_or_else(|| panic!("no form to {action}"));
    let form = &html[start..start + html[start..].find("</form>").unwrap()];
    ["csrf", "slot", "day", "idem", "number"]
        .into_iter()
        .filter(|name| form.contains(&format!("name=\"{name}\"")))
        .map(|name| (name.to_owned(), form_value(form, name)))
        .collect()
}

/// Days with first-dose slots, well before any change deadline, and their
/// slots.
async fn first_dose_days(record: &mut Record, site: &Site) -> Vec<(String, Vec<i64>)> {
    let today = sesshu_domain::tokyo_day(sesshu_domain::SystemClock.now());
    let day = |n| {
        (today + chrono::Days::new(n))
            .format("%Y-%m-%d")
            .to_string()
    };
    let path = format!("/api/v1/availability?from={}&to={}", day(8), day(14));
    let answer = record.get(site, &path).await.expect(StatusCode::OK);
    let mut days: Vec<(String, Vec<i64>)> = Vec::new();
    for slot in answer.json().as_array().unwrap() {
        if slot["dose"] != 1 || slot["free"].as_i64().unwrap() < 2 {
            continue;
        }
        let date = slot["starts_at"].as_str().unwrap()[..10].to_owned();
        let id = slot["slot_id"].as_i64().unwrap();
        match days.iter_mut().find(|(d, _)| *d == date) {
            Some((_, ids)) => ids.push(id),
            None => days.push((date, vec![id])),
        }
    }
    days.sort();
    assert!(days.len() >= 2, "first-dose days: {days:?}");
    days
}

/// The whole flow: the member on the API and the pages, then the office.
async fn booking_flow(public: &str, office: &str, pki: &Path, data: &Path) -> Record {
    let mut record = Record::default();
    let r = &mut record;

    // The API logs in (a wrong password first); a series left from an
    // earlier run of the flow is cancelled.
    let api = Site::public(public);
    let login =
        |password: &str| json!({"institution": INSTITUTION, "login": LOGIN, "password": password});
    r.json(&api, Method::POST, "/api/v1/login", login(WRONG_PASSWORD))
        .await
        .expect(StatusCode::UNAUTHORIZED);
    r.json(&api, Method::POST, "/api/v1/login", login(PASSWORD))
        .await
        .expect(StatusCode::OK);
    let mine = r.get(&api, "/api/v1/me/reservations").await;
    for series in mine.json().as_array().unwrap() {
        if series["state"] == "booked" {
            let path = format!("/api/v1/me/reservations/{}", series["id"].as_str().unwrap());
            r.send(&api, api.http.delete(api.url(&path)))
                .await
                .expect(StatusCode::OK);
        }
    }
    let days = first_dose_days(r, &api).await;
    let (day_a, day_b) = (&days[0], &days[1]);

    // The pages: a wrong password, then book (a form without its CSRF token
    // first), change, cancel; a page that does not exist.
    let page = Site::public(public);
    let form = r.get(&page, "/login/demo").await.expect(StatusCode::OK);
    let csrf = form_value(&form.body, "csrf");
    let login = |password| {
        [
            ("csrf", csrf.as_str()),
            ("login", LOGIN),
            ("password", password),
        ]
    };
    r.form(&page, "/login/demo", &login(WRONG_PASSWORD))
        .await
        .expect(StatusCode::UNAUTHORIZED);
    r.form(&page, "/login/demo", &login(PASSWORD))
        .await
        .expect(StatusCode::SEE_OTHER);
    let day = r.get(&page, &format!("/days/{}", day_a.0)).await;
    let fields = form_fields(&day.body, "/reservations");
    let no_token: Vec<_> = fields.iter().filter(|(name, _)| name != "csrf").collect();
    r.form(&page, "/reservations", &no_token)
        .await
        .expect(StatusCode::FORBIDDEN);
    r.form(&page, "/reservations", &fields)
        .await
        .redirects_to("/me?done=booked");
    r.get(&page, "/me?done=booked").await.expect(StatusCode::OK);
    let day = r.get(&page, &format!("/days/{}", day_b.0)).await;
    r.form(&page, "/me/change", &form_fields(&day.body, "/me/change"))
        .await
        .redirects_to("/me?done=changed");
    r.get(&page, "/me?done=changed")
        .await
        .expect(StatusCode::OK);
    let confirm = r.get(&page, "/me/cancel").await.expect(StatusCode::OK);
    r.form(
        &page,
        "/me/cancel",
        &form_fields(&confirm.body, "/me/cancel"),
    )
    .await
    .redirects_to("/me?done=cancelled");
    r.get(&page, "/me?done=cancelled")
        .await
        .expect(StatusCode::OK);
    r.get(&page, "/no/such/page")
        .await
        .expect(StatusCode::NOT_FOUND);

    // The API: book, a second series (conflict), change, cancel, book
    // again; a malformed body (with personal data in it), a form where JSON
    // belongs, an unknown series, an unknown endpoint.
    let reservations = "/api/v1/me/reservations";
    let slot = |id: i64| json!({ "slot_id": id });
    let first = r
        .json(&api, Method::POST, reservations, slot(day_a.1[0]))
        .await;
    let series = format!(
        "{reservations}/{}",
        first.expect(StatusCode::CREATED).json()["id"]
            .as_str()
            .unwrap()
    );
    r.json(&api, Method::POST, reservations, slot(day_b.1[0]))
        .await
        .expect(StatusCode::CONFLICT);
    r.json(&api, Method::PATCH, &series, slot(day_b.1[0]))
        .await
        .expect(StatusCode::OK);
    r.send(&api, api.http.delete(api.url(&series)))
        .await
        .expect(StatusCode::OK);
    let again = r
        .json(&api, Method::POST, reservations, slot(day_a.1[1]))
        .await;
    let number = again.expect(StatusCode::CREATED).json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let listed = r.get(&api, reservations).await.expect(StatusCode::OK);
    assert!(listed.body.contains(&number), "{}", listed.body);

    // Its vouchers: on the page (mistyped first, then the code and number
    // apart), then through the API (mistyped, then the OCR line).
    let me = r.get(&page, "/me").await.expect(StatusCode::OK);
    let csrf = form_value(&me.body, "csrf");
    let voucher = |fields: &[(&'static str, &'static str)]| {
        let mut all = vec![("csrf", csrf.clone()), ("dose", "1".to_owned())];
        all.extend(fields.iter().map(|(k, v)| (*k, (*v).to_owned())));
        all
    };
    let mistyped = r
        .form(
            &page,
            "/me/voucher",
            &voucher(&[("ocr_line", VOUCHER_MISTYPED)]),
        )
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        mistyped
            .body
            .contains(&format!("value=\"{VOUCHER_MISTYPED}\"")),
        "shown again to correct"
    );
    let parts = [
        ("municipality_code", &VOUCHER_LINE[2..8]),
        ("voucher_number", VOUCHER_NUMBER),
    ];
    r.form(&page, "/me/voucher", &voucher(&parts))
        .await
        .redirects_to("/me?done=voucher");
    r.get(&page, "/me?done=voucher")
        .await
        .expect(StatusCode::OK);
    let path = format!("{reservations}/{number}/doses/1/voucher");
    r.json(
        &api,
        Method::PUT,
        &path,
        json!({ "ocr_line": VOUCHER_MISTYPED }),
    )
    .await
    .expect(StatusCode::UNPROCESSABLE_ENTITY);
    r.json(
        &api,
        Method::PUT,
        &path,
        json!({ "ocr_line": VOUCHER_LINE }),
    )
    .await
    .expect(StatusCode::NO_CONTENT);
    let malformed = api
        .http
        .post(api.url(reservations))
        .header("content-type", "application/json")
        .body(format!("{{\"slot_id\": \"{LOGIN}\", \"mail\": \"{MAIL}\""));
    r.send(&api, malformed)
        .await
        .expect(StatusCode::BAD_REQUEST);
    r.form(
        &api,
        "/api/v1/login",
        &[
            ("institution", INSTITUTION),
            ("login", LOGIN),
            ("password", PASSWORD),
        ],
    )
    .await
    .expect(StatusCode::UNSUPPORTED_MEDIA_TYPE);
    r.send(
        &api,
        api.http
            .delete(api.url("/api/v1/me/reservations/ZZZZ-ZZZZ")),
    )
    .await
    .expect(StatusCode::NOT_FOUND);
    r.get(&api, "/api/v1/nowhere")
        .await
        .expect(StatusCode::NOT_FOUND);

    // The office: a wrong password, then the reservation with the person;
    // a page that does not exist, an unknown reservation, a form without
    // its CSRF token, a form that does not parse.
    let office = Site::office(office, pki);
    let form = r.get(&office, "/login").await.expect(StatusCode::OK);
    let csrf = form_value(&form.body, "csrf");
    let login = |password| {
        [
            ("csrf", csrf.as_str()),
            ("directory", "builtin"),
            ("login", OFFICE_LOGIN),
            ("password", password),
        ]
    };
    let refused = r.form(&office, "/login", &login(WRONG_PASSWORD)).await;
    assert!(refused.status.is_client_error(), "{}", refused.status);
    r.form(&office, "/login", &login(OFFICE_PASSWORD))
        .await
        .redirects_to("/");
    let path = format!("/reservations/{number}");
    let shown = r
        .send_as(&office, office.http.get(office.url(&path)), true)
        .await
        .expect(StatusCode::OK);
    let text = visible_text(&shown.body);
    for value in [NAME_KANJI, NAME_KANA, NAME_ROMAN, MAIL, LOGIN] {
        assert!(text.contains(value), "the office shows {value}: {text}");
    }
    let csrf = form_value(&shown.body, "csrf");
    r.get(&office, "/no/such/page")
        .await
        .expect(StatusCode::NOT_FOUND);
    r.get(&office, "/reservations/ZZZZ-ZZZZ")
        .await
        .expect(StatusCode::NOT_FOUND);
    r.form(&office, &format!("/checkin/{number}"), &[("dose", "1")])
        .await
        .expect(StatusCode::FORBIDDEN);
    let garbage = [("csrf", csrf.as_str()), ("login", LOGIN), ("mail", MAIL)];
    r.form(&office, "/admins", &garbage)
        .await
        .expect(StatusCode::BAD_REQUEST);
    vaccination_day(r, &office, data, &number).await;
    record
}

/// The canary's day at the venue: a slot today (the demo's start tomorrow)
/// takes the reservation, then the desk checks the person in, records the
/// questionnaire and postpones the dose with a reason, all through the
/// office's pages.
async fn vaccination_day(r: &mut Record, office: &Site, data: &Path, number: &str) {
    use sesshu_store::prelude::*;
    let store =
        sesshu_store_sqlite::SqliteStore::connect(data.join("demo.sqlite").to_str().unwrap())
            .await
            .unwrap();
    let catalog = store.catalog().await.unwrap();
    let lane = &catalog.lanes[0];
    let now = sesshu_domain::SystemClock.now();
    // Early today in Tokyo, whatever the hour the test runs at; booked as
    // of the day's start (the store's booking only asks that the slot has
    // not started).
    let day_start = sesshu_domain::day_start(sesshu_domain::tokyo_day(now));
    let starts_at = day_start + chrono::Duration::minutes(1);
    let slot = store
        .insert_slots(&[sesshu_store::NewSlot {
            venue: lane.venue,
            lane: lane.id,
            vaccine: catalog.vaccines[0].id,
            dose: sesshu_domain::DoseNumber::FIRST,
            starts_at,
            ends_at: starts_at + chrono::Duration::minutes(30),
            capacity: 5,
            opens_at: day_start - chrono::Duration::days(1),
            eligibility: sesshu_domain::SlotEligibility::default(),
        }])
        .await
        .unwrap()[0];
    let number = sesshu_domain::ReservationNumber::parse(number).unwrap();
    let series = store.series_by_number(&number).await.unwrap().unwrap();
    store
        .cancel(series.id, sesshu_domain::Language::Ja, now)
        .await
        .unwrap();
    let today = store
        .book(&sesshu_store::NewSeries {
            person: series.person,
            vaccine: series.vaccine,
            first: vec![slot],
            second: None,
            idempotency: None,
            language: sesshu_domain::Language::Ja,
            audit: None,
            now: day_start,
        })
        .await
        .unwrap();
    let number = today.series().number.to_string();

    let desk = r.get(office, "/checkin").await.expect(StatusCode::OK);
    let csrf = form_value(&desk.body, "csrf");
    let found = r
        .form(
            office,
            "/checkin",
            &[("csrf", csrf.as_str()), ("lookup", number.as_str())],
        )
        .await;
    assert_eq!(found.status, StatusCode::SEE_OTHER, "{}", found.body);
    let path = format!("/checkin/{number}");
    r.send_as(office, office.http.get(office.url(&path)), true)
        .await
        .expect(StatusCode::OK);
    r.form(office, &path, &[("csrf", csrf.as_str())]).await;
    let dose = format!("{path}/dose/1");
    r.send_as(office, office.http.get(office.url(&dose)), true)
        .await
        .expect(StatusCode::OK);
    let mut answers: Vec<(&str, &str)> = vec![
        ("csrf", csrf.as_str()),
        ("temperature", TEMPERATURE),
        ("collected", "1"),
    ];
    for concern in sesshu_domain::Concern::ALL {
        let yes = concern == sesshu_domain::Concern::SevereAllergy;
        answers.push((concern.as_str(), if yes { "yes" } else { "no" }));
    }
    let recorded = r
        .form(office, &format!("{dose}/questionnaire"), &answers)
        .await;
    assert_eq!(recorded.status, StatusCode::SEE_OTHER, "{}", recorded.body);
    // The doctor's view opens the answers: shown, audited, never logged.
    let shown = r
        .send_as(office, office.http.get(office.url(&dose)), true)
        .await
        .expect(StatusCode::OK);
    assert!(
        shown.body.contains("41.9"),
        "the doctor sees the temperature: {:?} {}",
        recorded.location,
        visible_text(&shown.body)
    );
    let decided = r
        .form(
            office,
            &format!("{dose}/decision"),
            &[
                ("csrf", csrf.as_str()),
                ("decision", "postpone"),
                ("reason", POSTPONE_REASON),
            ],
        )
        .await;
    assert_eq!(decided.status, StatusCode::SEE_OTHER, "{}", decided.body);
    let records = store.dose_records(today.series().id).await.unwrap();
    assert_eq!(
        records[0].decision.map(|(d, _)| d),
        Some(sesshu_domain::Decision::Postpone)
    );
}

/// What leaked into the responses (all but the office's reservation page):
/// which value, in the answer to which request.
fn leaks_in_responses(record: &Record, echoes: &mut usize) -> Vec<String> {
    let mut leaks = Vec::new();
    for seen in record.seen.iter().filter(|s| !s.shows_person) {
        let (body, echoed) = without_echoes(&seen.body);
        *echoes += echoed;
        let kind = if seen.status.is_client_error() || seen.status.is_server_error() {
            "error response"
        } else {
            "response"
        };
        for (what, value) in found_in(&body) {
            leaks.push(format!(
                "{what} {value:?} in the {kind} to {} ({}): {}",
                seen.request,
                seen.status,
                excerpt(&body, &value)
            ));
        }
    }
    leaks
}

fn excerpt(text: &str, value: &str) -> String {
    let lower = text.to_lowercase();
    let at = spellings(value)
        .iter()
        .find_map(|s| lower.find(s.as_str()))
        .unwrap_or(0);
    // Offsets in the lower-case text: the same for these texts, and kept
    // on a character boundary whatever happens.
    let start = text.floor_char_boundary(at.saturating_sub(80));
    let end = text.ceil_char_boundary((at + 120).min(text.len()));
    text[start..end].replace('\n', " ")
}

/// What leaked into the log files: which value, in which file and line.
fn leaks_in_logs(files: &[PathBuf]) -> Vec<String> {
    let mut leaks = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(file).unwrap();
        for (n, line) in text.lines().enumerate() {
            let line = without_colours(line);
            for (what, value) in found_in(&line) {
                leaks.push(format!(
                    "{what} {value:?} in {}:{}: {}",
                    file.display(),
                    n + 1,
                    excerpt(&line, &value)
                ));
            }
        }
    }
    leaks
}

/// The logs are there, and at the level asked: the request lines of the
/// routes the flow used (a leak check of silent logs would prove nothing).
fn assert_logged(files: &[PathBuf], expected: &[&str], min_lines: usize, json_lines: bool) {
    let mut all = String::new();
    for file in files {
        let text = std::fs::read_to_string(file).unwrap();
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let line = without_colours(line);
            if json_lines {
                assert!(
                    serde_json::from_str::<Value>(&line).is_ok(),
                    "not a JSON log line in {}: {line}",
                    file.display()
                );
            }
            all.push_str(&line);
            all.push('\n');
        }
    }
    assert!(
        all.lines().count() >= min_lines,
        "fewer than {min_lines} log lines in {files:?}"
    );
    for wanted in expected {
        assert!(
            all.contains(wanted),
            "no log line has {wanted:?} ({files:?})"
        );
    }
}

fn members_csv(dir: &Path, name: &str, department: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(
        &path,
        format!(
            "login,user_type,name_kanji,name_kana,name_roman,mail,department,password\n\
             {LOGIN},学生,{NAME_KANJI},{NAME_KANA},{NAME_ROMAN},{MAIL},{department},{PASSWORD}\n"
        ),
    )
    .unwrap();
    path
}

/// A path as a TOML string.
fn toml_path(path: &Path) -> String {
    format!("{:?}", path.to_str().unwrap())
}

/// Writes a configuration file: the demo's database, its key pair (the
/// private key for the office and the upload only), JSON or text logs.
fn config(dir: &Path, name: &str, data: &Path, private_key: bool, rest: &str) -> String {
    let path = dir.join(name);
    let mut text = format!(
        "database_url = {}\n{rest}\n[vault]\npublic_key_file = {}\n",
        toml_path(&data.join("demo.sqlite")),
        toml_path(&data.join("vault.pub")),
    );
    if private_key {
        text.push_str(&format!(
            "private_key_file = {}\n",
            toml_path(&data.join("vault.key"))
        ));
    }
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_owned()
}

/// The office's `[office]` table: the demo's certificates.
fn office_table(pki: &Path, port: u16) -> String {
    let ca = pki.join("ca");
    format!(
        "[office]\nlisten = \"127.0.0.1:{port}\"\ntls_cert = {}\ntls_key = {}\n\
         client_ca = {}\nclient_crl = {}\n",
        toml_path(&pki.join("server.pem")),
        toml_path(&pki.join("server.key")),
        toml_path(&ca.join(sesshu_pki::CA_CERT)),
        toml_path(&ca.join(sesshu_pki::CRL)),
    )
}

/// `sesshu members import` of one member; its output and its log.
async fn import(
    dir: &Path,
    data: &Path,
    format: &'static str,
    department: &str,
) -> (PathBuf, PathBuf) {
    let name = if format == "json" {
        "import-json"
    } else {
        "import-text"
    };
    let csv = members_csv(dir, &format!("{name}.csv"), department);
    let config = config(
        dir,
        &format!("{name}.toml"),
        data,
        true,
        &format!("log_format = \"{format}\""),
    );
    let csv = csv.to_str().unwrap();
    let args = [
        "members",
        "import",
        "--institution",
        INSTITUTION,
        csv,
        "--missing",
        "keep",
        "--config",
        &config,
    ];
    run(dir, name, &args).await
}

/// Removes the run's folder unless the test failed (its logs explain why).
#[derive(Debug)]
struct Workspace(PathBuf);

impl Drop for Workspace {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("logs kept in {}", self.0.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

async fn healthy(port: u16) -> bool {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    let url = format!("http://127.0.0.1:{port}/healthz");
    matches!(client.get(url).send().await, Ok(r) if r.status() == StatusCode::OK)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn personal_data_reaches_no_log_line_and_no_error_page() {
    sesshu::app::install_tls_provider();
    let work = Workspace(std::env::temp_dir().join(format!(
        "sesshu_privacy_{}_{}",
        std::process::id(),
        free_port()
    )));
    let dir = work.0.clone();
    let data = dir.join("data");
    std::fs::create_dir_all(&data).unwrap();
    let pki = data.join("office-pki");
    let mut leaks = Vec::new();
    let mut echoes = 0;

    // 1. The demo: one process; its logs are text (`run_demo` does not
    // read `log_format`).
    let data_arg = data.to_str().unwrap().to_owned();
    let (mut demo, port, office_port) = start_server(
        &dir,
        "demo",
        |port, office| {
            let (port, office) = (port.to_string(), office.to_string());
            [
                "demo",
                "--data",
                &data_arg,
                "--port",
                &port,
                "--office-port",
                &office,
            ]
            .map(str::to_owned)
            .to_vec()
        },
        |port, _| healthy(port),
    )
    .await;
    let (preview, import_log) = import(&dir, &data, "text", "eng").await;
    let preview = std::fs::read_to_string(preview).unwrap();
    assert!(preview.contains("add (1)"), "{preview}");
    let public = format!("http://127.0.0.1:{port}");
    let office = format!("https://127.0.0.1:{office_port}");
    let record = booking_flow(&public, &office, &pki, &data).await;
    demo.stop().await;
    let demo_logs = [demo.stdout.clone(), demo.stderr.clone()];
    let expected = [
        "/api/v1/me/reservations",
        "/api/v1/login",
        "/login/{code}",
        "/me/change",
        "/me/voucher",
        "/api/v1/me/reservations/{id}/doses/{dose}/voucher",
        "/reservations/{number}",
        "/checkin/{number}/dose/{dose}/questionnaire",
        "/checkin/{number}/dose/{dose}/decision",
        "login refused",
        "office login refused",
        "finished processing request",
        "shutting down",
    ];
    assert_logged(&demo_logs, &expected, 100, false);
    assert_logged(
        std::slice::from_ref(&import_log),
        &["sqlx::query"],
        5,
        false,
    );
    leaks.extend(leaks_in_logs(&demo_logs));
    leaks.extend(leaks_in_logs(&[import_log]));
    leaks.extend(leaks_in_responses(&record, &mut echoes));

    // 2. As in production: `serve` and `office`, each with its own
    // configuration and JSON logs, on the database the demo seeded.
    let (mut serve, port, _) = start_server(
        &dir,
        "serve",
        |port, _| {
            let rest = format!(
                "listen = \"127.0.0.1:{port}\"\npublic_origin = \"http://127.0.0.1:{port}\"\n\
                 secure_cookies = false\nlog_format = \"json\""
            );
            let config = config(&dir, "serve.toml", &data, false, &rest);
            ["serve", "--config", &config].map(str::to_owned).to_vec()
        },
        |port, _| healthy(port),
    )
    .await;
    let (mut office, _, office_port) = start_server(
        &dir,
        "office",
        |_, port| {
            // `[office]` last: a table takes the keys after it.
            let config = config(&dir, "office.toml", &data, true, "log_format = \"json\"");
            let mut text = std::fs::read_to_string(&config).unwrap();
            // Its mail worker opens the canary's address and sends to files.
            text.push_str(&format!(
                "[mail]\nfrom = \"vaccine@demo.example.ac.jp\"\noutbox = {}\npoll_seconds = 1\n",
                toml_path(&dir.join("outbox"))
            ));
            text.push_str(&office_table(&pki, port));
            std::fs::write(&config, text).unwrap();
            ["office", "--config", &config].map(str::to_owned).to_vec()
        },
        |_, port| {
            let site = Site::office(&format!("https://127.0.0.1:{port}"), &pki);
            async move {
                matches!(
                    site.http.get(site.url("/login")).send().await,
                    Ok(r) if r.status() == StatusCode::OK
                )
            }
        },
    )
    .await;
    // An update this time: the member's department changes.
    let (preview, import_log) = import(&dir, &data, "json", "sci").await;
    let preview = std::fs::read_to_string(preview).unwrap();
    assert!(preview.contains("update (1)"), "{preview}");
    let public = format!("http://127.0.0.1:{port}");
    let office_url = format!("https://127.0.0.1:{office_port}");
    let record = booking_flow(&public, &office_url, &pki, &data).await;
    serve.stop().await;
    office.stop().await;
    let expected = [
        "/api/v1/me/reservations",
        "/login/{code}",
        "login refused",
        "shutting down",
    ];
    assert_logged(std::slice::from_ref(&serve.stderr), &expected, 100, true);
    let expected = [
        "/reservations/{number}",
        "/checkin/{number}/dose/{dose}/questionnaire",
        "/checkin/{number}/dose/{dose}/decision",
        "office login refused",
        "mail worker started",
        "mail worker stopped",
        "shutting down",
    ];
    assert_logged(std::slice::from_ref(&office.stderr), &expected, 20, true);
    assert_logged(std::slice::from_ref(&import_log), &["sqlx::query"], 5, true);
    leaks.extend(leaks_in_logs(&[
        serve.stdout.clone(),
        serve.stderr.clone(),
        office.stdout.clone(),
        office.stderr.clone(),
        import_log,
    ]));
    leaks.extend(leaks_in_responses(&record, &mut echoes));

    // The login form shown again after a wrong password keeps the login
    // typed, the voucher's form the mistyped voucher: the echoes
    // `without_echoes` lets through.
    eprintln!("forms echoed what was typed {echoes} times");
    assert!(
        leaks.is_empty(),
        "personal data leaked ({} places; logs kept in {}):\n{}",
        leaks.len(),
        dir.display(),
        leaks.join("\n")
    );
}
