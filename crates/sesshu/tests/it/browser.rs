//! The recipient journey in a real headless Chromium, at phone size, in
//! Japanese and in English: `e2e/recipient.mjs` drives the browser against a
//! test application; screenshots are kept under
//! `$SESSHU_TEST_ARTIFACTS/browser` (else `target/test-artifacts/browser`).
//!
//! Needs `e2e/node_modules` (playwright-core) and Debian's chromium:
//! `scripts/test-env.sh install`. Never skipped: a missing browser fails.

use crate::helpers::*;
use crate::ldap::{MEMBERS, Slapd, hosted_mapping, import};
use sesshu_domain::{ConsentText, Contact, InstitutionCode, LoginMethod, UserType};
use sesshu_store::NewInstitution;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const FIRST_DAY: &str = "2026-12-10";
const CHANGE_DAY: &str = "2026-12-11";
/// Longest a run of the script may take before it is killed.
const NODE_TIMEOUT: Duration = Duration::from_secs(180);

/// One browser at a time: each is several processes, and the machine may be
/// running the rest of the suite too.
pub(crate) static ONE_BROWSER: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

pub(crate) fn e2e_dir() -> PathBuf {
    match std::env::var_os("SESSHU_E2E_DIR") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../e2e")),
    }
}

pub(crate) fn artifacts_dir() -> PathBuf {
    match std::env::var_os("SESSHU_TEST_ARTIFACTS") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir).join("browser"),
        _ => PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../target/test-artifacts/browser"
        )),
    }
}

/// A browser script ready to run: the script in `e2e/` (checked to be
/// there, with the browser driver installed), its screenshots' folder
/// `<artifacts>/<shots>` and a work folder `<temp>/<work>` of its own.
pub(crate) fn prepare_script(script: &str, shots: &str, work: &str) -> (PathBuf, PathBuf, PathBuf) {
    let e2e = e2e_dir();
    let script = e2e.join(script);
    assert!(script.is_file(), "missing {}", script.display());
    assert!(
        e2e.join("node_modules/playwright-core/package.json")
            .is_file(),
        "{} has no node_modules/playwright-core: run `scripts/test-env.sh install` \
         (it also installs Debian's chromium and Japanese fonts)",
        e2e.display()
    );
    let artifacts = artifacts_dir();
    std::fs::create_dir_all(&artifacts).expect("artifacts dir");
    let artifacts = std::fs::canonicalize(&artifacts)
        .expect("artifacts dir")
        .join(shots);
    std::fs::create_dir_all(&artifacts).expect("artifacts dir");
    let work = std::env::temp_dir().join(work);
    std::fs::create_dir_all(&work).expect("work dir");
    (script, artifacts, work)
}

/// What one run of `node recipient.mjs` did.
pub(crate) struct NodeRun {
    pub(crate) success: bool,
    pub(crate) status: String,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
    pub(crate) took: Duration,
}

/// Runs `node script` with `env`, its output going to files in `work` (no pipe
/// can fill up), killed after [`NODE_TIMEOUT`].
pub(crate) async fn run_node(
    script: &Path,
    env: &[(&str, String)],
    work: &Path,
    name: &str,
) -> NodeRun {
    let out_path = work.join(format!("{name}.stdout"));
    let err_path = work.join(format!("{name}.stderr"));
    let out = std::fs::File::create(&out_path).expect("stdout file");
    let err = std::fs::File::create(&err_path).expect("stderr file");
    let node = std::env::var_os("NODE").unwrap_or_else(|| "node".into());
    let started = Instant::now();
    let mut command = Command::new(&node);
    command
        .arg(script)
        .current_dir(script.parent().expect("e2e dir"))
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err);
    for (key, value) in env {
        command.env(key, value);
    }
    let mut child = command
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {node:?} (is Node.js installed?): {e}"));
    let pid = child.id();
    let waited = tokio::time::timeout(
        NODE_TIMEOUT,
        tokio::task::spawn_blocking(move || child.wait()),
    )
    .await;
    let status = match waited {
        Ok(Ok(Ok(status))) => status.to_string(),
        Ok(other) => format!("could not wait for node: {other:?}"),
        Err(_) => {
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
            format!("killed after {} s", NODE_TIMEOUT.as_secs())
        }
    };
    let took = started.elapsed();
    NodeRun {
        success: status == "exit status: 0",
        status,
        stdout: std::fs::read_to_string(&out_path).unwrap_or_default(),
        stderr: std::fs::read_to_string(&err_path).unwrap_or_default(),
        took,
    }
}

/// Who logs in, and how.
struct Journey {
    institution: &'static str,
    login: &'static str,
    password: &'static str,
    /// A phrase of the consent text the login asks for, if it does.
    consent: Option<&'static str>,
    /// The login happens at a SAML IdP (GakuNin).
    gakunin: bool,
    contact_mail: &'static str,
}

const BUILT_IN: Journey = Journey {
    institution: "uni",
    login: "hanako",
    password: "secret",
    consent: None,
    gakunin: false,
    contact_mail: "vaccine@uni.example.ac.jp",
};

async fn recipient_journey(lang: &'static str, journey: Journey) {
    let (script, artifacts, work) = prepare_script(
        "recipient.mjs",
        journey.institution,
        &format!(
            "sesshu_browser_{}_{lang}_{}",
            std::process::id(),
            journey.institution
        ),
    );

    let (app, idp_url, _idp) = start_app(&journey).await;
    let f = app.fixture.clone();
    if journey.institution == "uni" {
        app.member(f.uni, journey.login, UserType::Student).await;
    } else if !journey.gakunin {
        ldap_institution_with_consent(&app, journey.institution).await;
    }

    for (first, second, time) in [
        (FIRST_DAY, "2027-01-07", "10:00"),
        (CHANGE_DAY, "2027-01-08", "14:00"),
    ] {
        for lane in [f.lane_a, f.lane_b] {
            app.slot(1, first, time, lane, 5).await;
            app.slot(2, second, time, lane, 5).await;
        }
    }

    let env = |phase: &str| {
        vec![
            ("BASE_URL", app.base.clone()),
            ("UI_LANG", lang.to_owned()),
            ("INSTITUTION", journey.institution.to_owned()),
            ("LOGIN", journey.login.to_owned()),
            ("PASSWORD", journey.password.to_owned()),
            ("CONSENT", journey.consent.unwrap_or_default().to_owned()),
            ("IDP_URL", idp_url.clone()),
            ("PHASE", phase.to_owned()),
            (
                "STATE_FILE",
                work.join("state.json").to_string_lossy().into_owned(),
            ),
            ("ARTIFACTS", artifacts.to_string_lossy().into_owned()),
            ("FIRST_DAY", FIRST_DAY.to_owned()),
            ("CHANGE_DAY", CHANGE_DAY.to_owned()),
            // The default deadline: three days before, at noon.
            ("DEADLINE", "2026-12-07 12:00".to_owned()),
            ("CONTACT_MAIL", journey.contact_mail.to_owned()),
        ]
    };

    let _one_browser = ONE_BROWSER.lock().await;
    for phase in ["journey", "deadline"] {
        if phase == "deadline" {
            // Past the change deadline of the booking on FIRST_DAY.
            app.clock.set(tokyo("2026-12-07", "12:00"));
        }
        let name = format!("{lang}-{}-{phase}", journey.institution);
        let run = run_node(&script, &env(phase), &work, &name).await;
        eprintln!(
            "browser {lang} {phase}: {} in {:.1} s\n{}{}",
            run.status,
            run.took.as_secs_f64(),
            run.stdout,
            run.stderr
        );
        assert!(
            run.success,
            "the {lang} {phase} in the browser failed ({}); screenshots in {}\n\
             --- stdout\n{}\n--- stderr\n{}",
            run.status,
            artifacts.display(),
            run.stdout,
            run.stderr
        );
    }
    let _ = std::fs::remove_dir_all(&work);
}

/// The app, and for a GakuNin journey the test IdP's URL and process.
#[cfg(feature = "saml")]
async fn start_app(journey: &Journey) -> (TestApp, String, Option<crate::saml::BrowserIdp>) {
    if journey.gakunin {
        let (app, idp) = crate::saml::app_with_browser_idp().await;
        let url = idp.url();
        (app, url, Some(idp))
    } else {
        (TestApp::spawn(Backend::Sqlite).await, String::new(), None)
    }
}

#[cfg(not(feature = "saml"))]
async fn start_app(_: &Journey) -> (TestApp, String, Option<()>) {
    (TestApp::spawn(Backend::Sqlite).await, String::new(), None)
}

/// An institution `hosted` whose people log in with the LDAP directory the
/// operator hosts (members uploaded there), and which requires consent.
async fn ldap_institution_with_consent(app: &TestApp, code: &str) {
    let slapd = Slapd::from_env();
    let people = slapd.fresh_people().await;
    let new = NewInstitution {
        login: LoginMethod::Ldap(slapd.settings(&people, false)),
        attributes: hosted_mapping(),
        consent: Some(ConsentText {
            version: "2026-11".into(),
            text_ja: "ホスト大学は氏名とメールアドレスを提供します。".into(),
            text_en: "Hosted University gives your name and mail address.".into(),
        }),
        contact: Contact {
            office_ja: "学生課".into(),
            office_en: "Student Affairs".into(),
            mail: "vaccine@hosted.example.ac.jp".into(),
            ..Contact::default()
        },
        ..NewInstitution::builtin(
            InstitutionCode::parse(code).unwrap(),
            "ホスト大学",
            "Hosted University",
        )
    };
    app.store.upsert_institutions(&[new]).await.unwrap();
    let (ok, _, err) = import(app, code, MEMBERS.as_bytes(), &[]);
    assert!(ok, "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recipient_journey_in_japanese() {
    recipient_journey("ja", BUILT_IN).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recipient_journey_in_english() {
    recipient_journey("en", BUILT_IN).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recipient_journey_through_ldap_and_consent() {
    let journey = Journey {
        institution: "hosted",
        login: "hanako",
        password: "Initial-pass-1",
        consent: Some("ホスト大学は氏名とメールアドレスを提供します。"),
        gakunin: false,
        contact_mail: "vaccine@hosted.example.ac.jp",
    };
    recipient_journey("ja", journey).await;
}

#[cfg(feature = "saml")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recipient_journey_through_gakunin_in_english() {
    let journey = Journey {
        institution: "gakunin",
        login: "hanako",
        password: "secret",
        consent: None,
        gakunin: true,
        contact_mail: "vaccine@gakunin.example.ac.jp",
    };
    recipient_journey("en", journey).await;
}
