//! Personal data kept apart: sealed before it is stored, opened only with the
//! back office's key, which the public process's code cannot reach.

use crate::helpers::*;
use sesshu_domain::{Profile, UserType};
use sesshu_store::{Field, Owner};
use std::process::Command;

on_both_databases! {
    async fn a_ciphertext_moved_to_another_person_or_field_does_not_open(app) {
        app.member(app.fixture.uni, "hanako", UserType::Student).await;
        app.member(app.fixture.uni, "taro", UserType::Student).await;
        let hanako = Owner::login(app.fixture.uni.get(), "hanako");
        let taro = Owner::login(app.fixture.uni.get(), "taro");
        let data = app.store.personal_data(&hanako).await.unwrap();
        let (field, sealed) = data.iter().find(|(f, _)| *f == Field::Mail).unwrap();
        assert_eq!(app.vault.open(&hanako, *field, sealed).unwrap(), "hanako@example.ac.jp");
        assert!(app.vault.open(&taro, *field, sealed).is_err(), "moved to taro");
        assert!(app.vault.open(&hanako, Field::NameRoman, sealed).is_err(), "moved to another field");
        assert!(
            sesshu_vault_open::OpeningKey::generate().open(&hanako, *field, sealed).is_err(),
            "another key"
        );
        assert_eq!(
            app.store.personal_fields(&hanako).await.unwrap(),
            [Field::NameRoman, Field::NameKanji, Field::Mail].into_iter().collect()
        );
    }

    async fn rotation_reseals_everything_under_the_new_key(app) {
        for login in ["hanako", "taro", "jiro"] {
            app.member(app.fixture.uni, login, UserType::Student).await;
        }
        let new = sesshu_vault_open::OpeningKey::generate();
        let done = sesshu::keys::rotate(
            &app.store,
            &app.vault,
            new.sealing_key(),
            start_of_tests(),
            |_| {},
        )
        .await
        .unwrap();
        assert_eq!(done.resealed, 9, "three fields of three members");
        for login in ["hanako", "taro", "jiro"] {
            let owner = Owner::login(app.fixture.uni.get(), login);
            for (field, sealed) in app.store.personal_data(&owner).await.unwrap() {
                assert_eq!(&sealed.key_id, new.id());
                assert!(app.vault.open(&owner, field, &sealed).is_err(), "the old key no longer opens it");
                assert!(new.open(&owner, field, &sealed).is_ok());
            }
        }
        let again = sesshu::keys::rotate(&app.store, &app.vault, new.sealing_key(), start_of_tests(), |_| {})
            .await
            .unwrap();
        assert_eq!((again.resealed, again.already_new), (0, 9), "idempotent");
    }
}

#[tokio::test]
async fn nothing_personal_is_stored_in_clear() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    app.member(app.fixture.uni, "hanako", UserType::Student)
        .await;
    let owner = Owner::login(app.fixture.uni.get(), "hanako");
    let profile = Profile {
        display_name: Some("Zelda Unmistakable".into()),
        display_name_ja: Some("誤解のない名前".into()),
        name_kana: None,
        mail: Some(sesshu_domain::MailAddress::parse("zelda.unmistakable@example.ac.jp").unwrap()),
    };
    let sealed = sesshu_auth::seal_profile(app.vault.sealing_key(), &owner, &profile).unwrap();
    let mut login = sesshu_store::PersonLogin {
        institution: app.fixture.uni,
        subject: sesshu_domain::Subject::parse("hanako").unwrap(),
        user_type: Some(UserType::Student),
        department: None,
        at: start_of_tests(),
        personal: Some(sealed),
        consented: None,
        reassignable: false,
    };
    app.store.person_for_login(&login).await.unwrap();
    login.personal = None;
    app.store.person_for_login(&login).await.unwrap();
    // The database file and its write-ahead log hold everything written.
    let path = app.database_url.clone();
    let mut bytes = std::fs::read(&path).unwrap();
    bytes.extend(std::fs::read(format!("{path}-wal")).unwrap_or_default());
    let text = String::from_utf8_lossy(&bytes);
    assert!(text.contains("hanako"), "the check reads the right file");
    for secret in ["Zelda Unmistakable", "誤解のない名前", "zelda.unmistakable"] {
        assert!(!text.contains(secret), "{secret} is in the database file");
    }
}

/// The public process's crates cannot open personal data: none of them
/// depends on the opening crate, nor on the back office's use cases
/// (`sesshu-operations`; the binary links both for the back office). And
/// those use cases link no HTTP crate.
#[test]
fn the_public_side_does_not_link_the_private_key_code() {
    let host = Command::new("rustc")
        .args(["--print", "host-tuple"])
        .output()
        .expect("rustc");
    let host = String::from_utf8(host.stdout).unwrap();
    let output = Command::new(env!("CARGO"))
        .args([
            "metadata",
            "--format-version",
            "1",
            "--offline",
            "--all-features",
        ])
        .args(["--filter-platform", host.trim()])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let nodes = metadata["resolve"]["nodes"].as_array().unwrap();
    let id_of = |name: &str| {
        metadata["packages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .map(|p| p["id"].as_str().unwrap().to_owned())
            .unwrap()
    };
    let name_of = |id: &str| {
        metadata["packages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["id"] == id)
            .map(|p| p["name"].as_str().unwrap().to_owned())
            .unwrap()
    };
    // Every package `name` links (normal dependencies, transitively).
    let linked = |name: &str| {
        let mut stack = vec![id_of(name)];
        let mut seen = std::collections::HashSet::new();
        while let Some(id) = stack.pop() {
            if !seen.insert(id.clone()) {
                continue;
            }
            let node = nodes.iter().find(|n| n["id"] == id.as_str()).unwrap();
            for dep in node["deps"].as_array().unwrap() {
                let normal = dep["dep_kinds"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|k| k["kind"].is_null());
                if normal {
                    stack.push(dep["pkg"].as_str().unwrap().to_owned());
                }
            }
        }
        seen
    };
    let opening = id_of("sesshu-vault-open");
    // The back office's use cases open personal data (rosters) too.
    let operations = id_of("sesshu-operations");
    for public in [
        "sesshu-web",
        "sesshu-auth",
        "sesshu-core",
        "sesshu-store",
        "sesshu-saml",
        "sesshu-http",
        "sesshu-qr",
    ] {
        let linked = linked(public);
        assert!(
            !linked.contains(&opening),
            "{public} depends on sesshu-vault-open"
        );
        assert!(
            !linked.contains(&operations),
            "{public} depends on sesshu-operations"
        );
    }
    // The check-in code's drawing (on the public page) sends no mail.
    assert!(
        !linked("sesshu-qr").contains(&id_of("sesshu-mail")),
        "sesshu-qr depends on sesshu-mail"
    );
    assert!(
        linked("sesshu-web").contains(&id_of("sesshu-qr")),
        "the page \"my reservation\" draws the code"
    );
    // The back office's use cases know nothing of HTTP.
    for id in linked("sesshu-operations") {
        let name = name_of(&id);
        assert!(
            ![
                "axum",
                "tower",
                "tower-http",
                "tower-sessions",
                "hyper",
                "http",
                "reqwest",
                "sesshu-http",
                "sesshu-web",
                "sesshu-office",
            ]
            .contains(&name.as_str()),
            "sesshu-operations depends on {name}"
        );
    }
}

/// On PostgreSQL the public process logs in with a role that may write
/// personal data but not read it (grants in the migrations).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_public_database_role_writes_personal_data_but_cannot_read_it() {
    let Some(app) = TestApp::spawn_postgres().await else {
        return;
    };
    let (public, public_url) = app.public_role_store().await;

    // It books and records logins with their sealed personal data …
    let owner = Owner::login(app.fixture.uni.get(), "hanako");
    let profile = Profile {
        display_name: Some("Hanako".into()),
        ..Profile::default()
    };
    let person = public
        .person_for_login(&sesshu_store::PersonLogin {
            institution: app.fixture.uni,
            subject: sesshu_domain::Subject::parse("hanako").unwrap(),
            user_type: Some(UserType::Student),
            department: None,
            at: start_of_tests(),
            personal: Some(
                sesshu_auth::seal_profile(app.vault.sealing_key(), &owner, &profile).unwrap(),
            ),
            consented: None,
            reassignable: false,
        })
        .await
        .unwrap();
    let f = app.fixture.clone();
    let first = app.slot(1, "2026-12-10", "10:00", f.lane_a, 5).await;
    let second = app.slot(2, "2027-01-07", "10:00", f.lane_a, 5).await;
    public
        .book(&sesshu_store::NewSeries {
            person: person.id,
            vaccine: f.vaccine,
            first: vec![first],
            second: Some(vec![second]),
            idempotency: None,
            language: sesshu_domain::Language::Ja,
            audit: None,
            now: start_of_tests(),
        })
        .await
        .unwrap();
    assert_eq!(
        public.personal_fields(&owner).await.unwrap(),
        [Field::NameRoman].into_iter().collect()
    );

    // … but cannot read a sealed value back.
    let error = public.personal_data(&owner).await.unwrap_err();
    assert!(
        format!("{error:?}").contains("permission denied"),
        "{error:?}"
    );
    let raw = sqlx::PgPool::connect(&public_url).await.unwrap();
    let denied = sqlx::query("SELECT sealed FROM personal_data")
        .fetch_all(&raw)
        .await;
    assert!(
        denied
            .unwrap_err()
            .to_string()
            .contains("permission denied")
    );
    // Nor reach the back office's tables: accounts, check-ins, the audit trail.
    for statement in [
        "SELECT * FROM admin_accounts",
        "SELECT * FROM check_ins",
        "SELECT * FROM audit_log",
        "INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '')",
    ] {
        let denied = sqlx::query(sqlx::AssertSqlSafe(statement))
            .execute(&raw)
            .await;
        assert!(
            denied
                .as_ref()
                .is_err_and(|e| e.to_string().contains("permission denied")),
            "{statement}: {denied:?}"
        );
    }
    raw.close().await;
    // The back office's role (here the owner) reads it.
    assert_eq!(
        app.personal(app.fixture.uni, "hanako")
            .await
            .display_name
            .as_deref(),
        Some("Hanako")
    );
}
