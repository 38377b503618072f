//! LDAP login against a real OpenLDAP `slapd` (started by the test scripts),
//! and member uploads into a directory the operator hosts.

use crate::helpers::*;
use ldap3::{LdapConnAsync, LdapConnSettings};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sesshu_domain::{
    AttributeMapping, BindAccount, FilterTemplate, HostedDirectory, InstitutionCode, InstitutionId,
    LdapSettings, LdapUrl, LoginMethod, SecretRef, Subject,
};
use sesshu_store::NewInstitution;
use std::collections::HashSet;
use std::path::Path;
use std::process::Command;

/// The private directory of the test scripts.
pub(crate) struct Slapd {
    url: String,
    ldaps_url: String,
    ca: String,
    base: String,
    admin_dn: String,
    admin_password_file: String,
}

fn var(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!("LDAP tests need {name}: run scripts/test.sh (or scripts/test-env.sh up && . .test-env/env)")
    })
}

impl Slapd {
    pub(crate) fn from_env() -> Self {
        Self {
            url: var("SESSHU_TEST_LDAP_URL"),
            ldaps_url: var("SESSHU_TEST_LDAPS_URL"),
            ca: var("SESSHU_TEST_LDAP_CA"),
            base: var("SESSHU_TEST_LDAP_BASE"),
            admin_dn: var("SESSHU_TEST_LDAP_ADMIN_DN"),
            admin_password_file: var("SESSHU_TEST_LDAP_ADMIN_PASSWORD_FILE"),
        }
    }

    async fn admin(&self) -> ldap3::Ldap {
        let (conn, mut ldap) = LdapConnAsync::with_settings(
            LdapConnSettings::new().set_no_tls_verify(true),
            &self.url,
        )
        .await
        .unwrap();
        ldap3::drive!(conn);
        let password = std::fs::read_to_string(&self.admin_password_file).unwrap();
        ldap.simple_bind(&self.admin_dn, password.trim())
            .await
            .unwrap()
            .success()
            .unwrap();
        ldap
    }

    /// A new organisational unit of this test's own: tests never see each
    /// other's entries.
    pub(crate) async fn fresh_people(&self) -> String {
        let ou = format!("t{}", uuidish());
        let dn = format!("ou={ou},{}", self.base);
        let mut ldap = self.admin().await;
        ldap.add(
            &dn,
            vec![
                ("objectClass", HashSet::from(["organizationalUnit"])),
                ("ou", HashSet::from([ou.as_str()])),
            ],
        )
        .await
        .unwrap()
        .success()
        .unwrap();
        dn
    }

    pub(crate) fn settings(&self, people: &str, ldaps: bool) -> LdapSettings {
        LdapSettings {
            url: LdapUrl::parse(if ldaps { &self.ldaps_url } else { &self.url }).unwrap(),
            starttls: !ldaps,
            ca_file: Some(self.ca.clone()),
            base: people.to_owned(),
            filter: FilterTemplate::parse("(&(objectClass=inetOrgPerson)(uid={login}))").unwrap(),
            search_as: None,
            timeout_seconds: 5,
            hosted: Some(HostedDirectory {
                people: people.to_owned(),
                admin: BindAccount {
                    dn: self.admin_dn.clone(),
                    password: SecretRef::File(self.admin_password_file.clone()),
                },
            }),
        }
    }
}

fn uuidish() -> String {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    format!(
        "{}x{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// What Sesshu writes into hosted entries.
pub(crate) fn hosted_mapping() -> AttributeMapping {
    AttributeMapping {
        user_type: "employeeType".into(),
        staff: vec!["staff".into()],
        student: vec!["student".into()],
        department: Some("ou".into()),
        departments: Default::default(),
        display_name: Some("displayName".into()),
        display_name_ja: Some("cn;lang-ja".into()),
        name_kana: Some("cn;lang-ja;phonetic".into()),
        mail: Some("mail".into()),
    }
}

async fn institution(app: &TestApp, code: &str, settings: LdapSettings) -> InstitutionId {
    let new = NewInstitution {
        login: LoginMethod::Ldap(settings),
        attributes: hosted_mapping(),
        ..NewInstitution::builtin(
            InstitutionCode::parse(code).unwrap(),
            "ホスト大学",
            "Hosted University",
        )
    };
    app.store.upsert_institutions(&[new]).await.unwrap()[0].id
}

/// Runs `sesshu members import` against this test's database.
pub(crate) fn import(
    app: &TestApp,
    code: &str,
    csv: &[u8],
    extra: &[&str],
) -> (bool, String, String) {
    let dir = std::env::temp_dir().join(format!("sesshu_members_{}", uuidish()));
    std::fs::create_dir_all(&dir).unwrap();
    app.vault
        .write(&dir.join("vault.key"), &dir.join("vault.pub"))
        .unwrap();
    std::fs::write(
        dir.join("sesshu.toml"),
        format!(
            "database_url = {:?}\n[vault]\npublic_key_file = \"vault.pub\"\nprivate_key_file = \"vault.key\"\n",
            app.database_url
        ),
    )
    .unwrap();
    std::fs::write(dir.join("members.csv"), csv).unwrap();
    let mut args = vec![
        "members",
        "import",
        "--institution",
        code,
        "members.csv",
        "--config",
        "sesshu.toml",
    ];
    args.extend_from_slice(extra);
    let output = run(&dir, &args);
    let _ = std::fs::remove_dir_all(&dir);
    output
}

fn run(dir: &Path, args: &[&str]) -> (bool, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_sesshu"))
        .args(args)
        .current_dir(dir)
        .env_remove("RUST_LOG")
        .output()
        .unwrap();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

async fn login(
    app: &TestApp,
    code: &str,
    login: &str,
    password: &str,
) -> (StatusCode, Value, Client) {
    let client = app.client();
    let (status, body) = client
        .post(
            "/api/v1/login",
            &json!({"institution": code, "login": login, "password": password}),
        )
        .await;
    (status, body, client)
}

pub(crate) const MEMBERS: &str = "login,user_type,name_kanji,name_kana,name_roman,mail,department,password\n\
hanako,学生,青葉 花子,あおば はなこ,Hanako Aoba,hanako@hosted.example.ac.jp,eng,Initial-pass-1\n\
taro,教職員,髙橋 太郎,たかはし たろう,Taro Takahashi,,adm,Initial-pass-2\n";

on_both_databases! {
    async fn administrators_log_in_to_the_office_with_their_institutions_ldap(app) {
        let slapd = Slapd::from_env();
        let people = slapd.fresh_people().await;
        let id = institution(&app, "hosted", slapd.settings(&people, false)).await;
        let (ok, _, err) = import(&app, "hosted", MEMBERS.as_bytes(), &[]);
        assert!(ok, "{err}");
        let mut office = crate::office_kit::TestOffice::spawn(&app).await;
        let directory = sesshu_domain::StaffDirectory::Institution { institution: id };
        let entry = sesshu_domain::AuditEntry {
            at: start_of_tests(),
            actor: "test".into(),
            role: "test".into(),
            action: sesshu_domain::AuditAction::AdminCreate,
            objects: Vec::new(),
            detail: String::new(),
            origin: "local".into(),
        };
        app.store
            .insert_admin(
                &sesshu_store::NewAdmin {
                    directory,
                    login: Subject::parse("taro").unwrap(),
                    role: sesshu_domain::Role::InstitutionStaff { institution: id },
                    password_hash: None,
                    at: start_of_tests(),
                },
                &entry,
            )
            .await
            .unwrap();
        let key = directory.key();
        let certificate = office.certificate("taro's PC");
        let taro = office.browser(Some(&certificate));
        let login_page = taro.get("/login").await;
        assert!(login_page.html.contains("ホスト大学"), "the institution's directory is offered");

        let wrong = taro.post("/login", &[("directory", &key), ("login", "taro"), ("password", "nope")]).await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
        let no_account = taro
            .post("/login", &[("directory", &key), ("login", "hanako"), ("password", "Initial-pass-1")])
            .await;
        assert_eq!(no_account.status, StatusCode::UNAUTHORIZED, "a directory login is not an office account");
        let builtin = taro
            .post("/login", &[("directory", "builtin"), ("login", "taro"), ("password", "Initial-pass-2")])
            .await;
        assert_eq!(builtin.status, StatusCode::UNAUTHORIZED, "nor is the account in another directory");

        taro.log_in(&key, "Taro", "Initial-pass-2").await;
        let home = taro.get("/").await;
        assert_eq!(home.status, StatusCode::OK);
        assert!(visible_text(&home.html).contains("ホスト大学"), "their institution's overview");

        // Their roster, from the office: the counts, then an upload into
        // the hosted directory, previewed and written.
        let roster = taro.get("/members").await;
        let text = visible_text(&roster.html);
        assert!(roster.html.contains("id=\"member-counts\""), "{text}");
        assert!(text.contains("adm 1 1") && text.contains("eng 1 1"), "per department: {text}");
        let more = format!("{MEMBERS}jiro,学生,青葉 次郎,あおば じろう,Jiro Aoba,,eng,Initial-pass-3\n");
        let (cp932, _, _) = encoding_rs::SHIFT_JIS.encode(&more);
        let id_text = id.to_string();
        let preview = taro
            .upload_with(
                "/members/preview",
                &[("institution", &id_text), ("missing", "disable")],
                "members.csv",
                cp932.into_owned(),
            )
            .await;
        let text = visible_text(&preview.html);
        assert!(preview.html.contains("id=\"members-apply\""), "{text}");
        assert!(text.contains("jiro"), "{text}");
        assert_eq!(login(&app, "hosted", "jiro", "Initial-pass-3").await.0, StatusCode::UNAUTHORIZED);
        let confirmation = crate::office_reservations::confirmation_text(&preview.html);
        let applied = taro
            .post("/members", &[("institution", &id_text), ("missing", "disable"), ("text", &confirmation)])
            .await;
        let text = visible_text(&applied.html);
        assert!(text.contains("反映しました"), "{text}");
        assert!(text.contains("eng 2 2"), "the counts after: {text}");
        let (status, body, _) = login(&app, "hosted", "jiro", "Initial-pass-3").await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let entries = crate::office_kit::audited(&app, "members.import").await;
        assert!(entries.iter().any(|e| e.actor.starts_with("admin:") && e.detail.starts_with("1 added")),
            "{entries:?}");
        assert!(!crate::office_kit::audited(&app, "personal.view").await.is_empty(),
            "comparing opened the directory's entries: audited");
    }

    async fn members_uploaded_into_a_hosted_directory_log_in_with_their_names(app) {
        let slapd = Slapd::from_env();
        let people = slapd.fresh_people().await;
        let id = institution(&app, "hosted", slapd.settings(&people, false)).await;

        // As Excel saves it in Japan: CP932 (髙 included).
        let (cp932, _, unmappable) = encoding_rs::SHIFT_JIS.encode(MEMBERS);
        assert!(!unmappable);
        let (ok, out, err) = import(&app, "hosted", &cp932, &["--dry-run"]);
        assert!(ok, "{err}");
        assert!(out.contains("add (2)") && out.contains("nothing written"), "{out}");
        assert_eq!(login(&app, "hosted", "hanako", "Initial-pass-1").await.0, StatusCode::UNAUTHORIZED);

        let (ok, out, err) = import(&app, "hosted", &cp932, &[]);
        assert!(ok, "{err}");
        assert!(out.contains("2 changes written"), "{out}");

        let (status, body, _) = login(&app, "hosted", "hanako", "Initial-pass-1").await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["user_type"], "student");
        let (status, body, _) = login(&app, "hosted", "TARO", "Initial-pass-2").await;
        assert_eq!(status, StatusCode::OK, "logins are case-insensitive: {body}");
        assert_eq!(body["user_type"], "staff");
        let taro = app.store.person_by_subject(id, &Subject::parse("taro").unwrap()).await.unwrap().unwrap();
        let profile = app.personal(id, "taro").await;
        assert_eq!(profile.display_name_ja.as_deref(), Some("髙橋 太郎"));
        assert_eq!(profile.name_kana.as_deref(), Some("たかはし たろう"));
        assert_eq!(profile.display_name.as_deref(), Some("Taro Takahashi"));
        assert_eq!(taro.department.unwrap().as_str(), "adm");

        // The next upload: hanako moved, taro is gone.
        let next = "login,user_type,name_kanji,name_kana,name_roman,mail,department\n\
                    hanako,学生,青葉 花子,あおば はなこ,Hanako Aoba,hanako@hosted.example.ac.jp,sci\n";
        let (ok, out, err) = import(&app, "hosted", next.as_bytes(), &[]);
        assert!(ok, "{err}");
        assert!(out.contains("hanako (department)"), "{out}");
        assert!(out.contains("disable (not in the upload"), "{out}");
        assert_eq!(login(&app, "hosted", "taro", "Initial-pass-2").await.0, StatusCode::UNAUTHORIZED);
        let (status, _, _) = login(&app, "hosted", "hanako", "Initial-pass-1").await;
        assert_eq!(status, StatusCode::OK, "a password is kept when the upload has none");

        let (ok, out, err) = import(&app, "hosted", next.as_bytes(), &["--missing", "remove"]);
        assert!(ok, "{err}");
        assert!(out.contains("remove (not in the upload: deleted) (1):\n  taro"), "{out}");
    }

    async fn every_kind_of_failure_gets_the_same_answer(app) {
        let slapd = Slapd::from_env();
        let people = slapd.fresh_people().await;
        institution(&app, "hosted", slapd.settings(&people, true)).await;
        let (ok, _, err) = import(&app, "hosted", MEMBERS.as_bytes(), &[]);
        assert!(ok, "{err}");
        assert_eq!(
            login(&app, "hosted", "hanako", "Initial-pass-1").await.0,
            StatusCode::OK,
            "over ldaps://"
        );

        let mut down = slapd.settings(&people, false);
        down.url = LdapUrl::parse("ldap://127.0.0.1:9").unwrap();
        institution(&app, "down", down).await;
        let answers = [
            login(&app, "hosted", "hanako", "wrong-password").await,
            login(&app, "hosted", "nobody", "Initial-pass-1").await,
            login(&app, "hosted", "hanako", "").await,
            login(&app, "hosted", "*", "Initial-pass-1").await,
            login(&app, "hosted", "hanako)(uid=*", "Initial-pass-1").await,
            login(&app, "down", "hanako", "Initial-pass-1").await,
        ];
        for (status, body, _) in &answers {
            assert_eq!(*status, StatusCode::UNAUTHORIZED, "{body}");
            assert_eq!(*body, answers[0].1);
        }
        // A server that is down is not the person's fault: no lockout.
        for _ in 0..6 {
            assert_eq!(login(&app, "down", "hanako", "Initial-pass-1").await.0, StatusCode::UNAUTHORIZED);
        }
    }

    async fn a_login_without_the_user_type_works_but_books_nothing(app) {
        let slapd = Slapd::from_env();
        let people = slapd.fresh_people().await;
        institution(&app, "hosted", slapd.settings(&people, false)).await;
        // An entry the institution made without employeeType.
        let mut ldap = slapd.admin().await;
        let dn = format!("uid=jiro,{people}");
        ldap.add(
            &dn,
            vec![
                ("objectClass", HashSet::from(["inetOrgPerson"])),
                ("uid", HashSet::from(["jiro"])),
                ("cn", HashSet::from(["Jiro"])),
                ("sn", HashSet::from(["Jiro"])),
            ],
        )
        .await
        .unwrap()
        .success()
        .unwrap();
        ldap.extended(ldap3::exop::PasswordModify {
            user_id: Some(&dn),
            old_pass: None,
            new_pass: Some("jiro-password"),
        })
        .await
        .unwrap()
        .success()
        .unwrap();

        let f = app.fixture.clone();
        let first = app.slot(1, "2026-12-10", "10:00", f.lane_a, 5).await;
        let (status, body, jiro) = login(&app, "hosted", "jiro", "jiro-password").await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["user_type"], Value::Null);
        let (status, body) = jiro.book(first).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert_eq!(body["code"], "not_eligible");
        let (_, page) = jiro.page("/days").await;
        assert!(visible_text(&page).contains("教職員・学生の別が提供されなかった"), "{page}");
        assert!(visible_text(&page).contains("メールアドレスが提供されなかった"));
    }

    async fn a_directory_failing_part_way_reports_what_was_written(app) {
        let slapd = Slapd::from_env();
        let people = slapd.fresh_people().await;
        institution(&app, "hosted", slapd.settings(&people, false)).await;
        // Something else already holds taro's name (not a person: the upload
        // does not see it, and adding taro fails).
        let mut ldap = slapd.admin().await;
        ldap.add(
            &format!("uid=taro,{people}"),
            vec![
                ("objectClass", HashSet::from(["account"])),
                ("uid", HashSet::from(["taro"])),
            ],
        )
        .await
        .unwrap()
        .success()
        .unwrap();
        let (ok, _, err) = import(&app, "hosted", MEMBERS.as_bytes(), &[]);
        assert!(!ok);
        assert!(err.contains("at: add taro"), "{err}");
        assert!(err.contains("1 of 2 changes were written"), "{err}");
        assert!(err.contains("written: add hanako"), "{err}");
        assert_eq!(login(&app, "hosted", "hanako", "Initial-pass-1").await.0, StatusCode::OK);
    }

    async fn members_uploaded_into_the_built_in_directory_log_in(app) {
        let (ok, out, err) = import(&app, "uni", MEMBERS.as_bytes(), &[]);
        assert!(ok, "{err}");
        assert!(out.contains("written in one transaction"), "{out}");
        let (status, body, _) = login(&app, "uni", "hanako", "Initial-pass-1").await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let bad = MEMBERS.replace("hanako,学生", "hanako,teacher");
        let (ok, _, err) = import(&app, "uni", bad.as_bytes(), &[]);
        assert!(!ok);
        assert!(err.contains("line 2, column 2 (user_type)"), "{err}");
        assert!(err.contains("nothing changed"), "{err}");
        let gone = "login,user_type\nhanako,学生\n";
        let (ok, out, err) = import(&app, "uni", gone.as_bytes(), &[]);
        assert!(ok, "{err}");
        assert!(out.contains("disable (not in the upload"), "{out}");
        assert_eq!(login(&app, "uni", "taro", "Initial-pass-2").await.0, StatusCode::UNAUTHORIZED);
    }
}
