//! The institution master: `sesshu institutions import/export`, and what the
//! store keeps of it.

use crate::helpers::*;
use sesshu::master;
use sesshu_domain::{InstitutionCode, LoginMethod};
use std::path::Path;
use std::process::Command;

const MASTER: &str = r#"
[[institution]]
code = "aoba"
name_ja = "青葉大学"
name_en = "Aoba University"
eligible_user_types = ["staff", "student"]
deadline = { days_before = 2, at = "17:00" }
contact = { office_ja = "人事課", office_en = "Personnel", mail = "vaccine@aoba.example.ac.jp" }

[institution.login]
method = "ldap"
url = "ldaps://ldap.aoba.example.ac.jp"
base = "ou=people,dc=aoba,dc=example"
search_as = { dn = "cn=sesshu,dc=aoba,dc=example", password = { env = "AOBA_LDAP_PASSWORD" } }

[institution.attributes]
user_type = "employeeType"
staff = ["staff"]
student = ["student"]
department = "ou"
departments = { "工学部" = "eng" }

[institution.consent]
version = "2026-11"
text_ja = "同意文"
text_en = "Consent text"

[[institution.department]]
code = "eng"
name_ja = "工学部"
name_en = "Engineering"

[[institution]]
code = "kita"
name_ja = "北大学"
name_en = "Kita University"
eligible_user_types = ["staff"]
"#;

on_both_databases! {
    async fn a_master_round_trips_through_the_store(app) {
        let all = master::parse(MASTER).unwrap();
        let done = app.store.upsert_institutions(&all).await.unwrap();
        assert!(done.iter().all(|d| d.created));

        let aoba = app
            .store
            .institution_by_code(&InstitutionCode::parse("aoba").unwrap())
            .await
            .unwrap()
            .unwrap();
        assert!(matches!(aoba.login, LoginMethod::Ldap(_)));
        assert_eq!(aoba.consent.as_ref().unwrap().version, "2026-11");
        assert_eq!(aoba.departments.len(), 1);
        assert_eq!(aoba.deadline, all[0].deadline);

        // Exported, the master parses back to what was imported.
        let exported = master::render(&app.store.institutions().await.unwrap()).unwrap();
        let again = master::parse(&exported).unwrap();
        let imported: Vec<_> = again.iter().filter(|i| ["aoba", "kita"].contains(&i.code.as_str())).collect();
        assert_eq!(imported, all.iter().collect::<Vec<_>>());

        // Importing again updates in place; departments are replaced.
        let changed = MASTER.replace("name_en = \"Engineering\"", "name_en = \"Faculty of Engineering\"");
        let done = app.store.upsert_institutions(&master::parse(&changed).unwrap()).await.unwrap();
        assert!(done.iter().all(|d| !d.created));
        let aoba = app.store.institution(aoba.id).await.unwrap().unwrap();
        assert_eq!(aoba.departments[0].name_en, "Faculty of Engineering");
    }
}

fn sesshu(dir: &Path, args: &[&str]) -> (bool, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_sesshu"))
        .args(args)
        .current_dir(dir)
        .env_remove("RUST_LOG")
        .output()
        .expect("run sesshu");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn the_import_command_checks_the_whole_file_then_writes_it() {
    let dir = std::env::temp_dir().join(format!("sesshu_master_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("sesshu.toml"),
        "database_url = \"master.sqlite\"\n",
    )
    .unwrap();
    let bad = MASTER
        .replace(
            "eligible_user_types = [\"staff\"]",
            "eligible_user_types = []",
        )
        .replace("at = \"17:00\"", "at = \"5pm\"");
    std::fs::write(dir.join("bad.toml"), bad).unwrap();
    std::fs::write(dir.join("good.toml"), MASTER).unwrap();

    let (ok, _, err) = sesshu(
        &dir,
        &[
            "institutions",
            "import",
            "bad.toml",
            "--config",
            "sesshu.toml",
        ],
    );
    assert!(!ok);
    assert!(err.contains("nothing imported"), "{err}");
    assert!(err.contains("institution #1 (aoba): deadline.at"), "{err}");
    assert!(
        err.contains("institution #2 (kita): eligible_user_types"),
        "{err}"
    );

    let (ok, out, err) = sesshu(
        &dir,
        &[
            "institutions",
            "import",
            "good.toml",
            "--dry-run",
            "--config",
            "sesshu.toml",
        ],
    );
    assert!(ok, "{err}");
    assert!(out.contains("would create aoba (ldap login)"), "{out}");
    let (ok, out, _) = sesshu(&dir, &["institutions", "export", "--config", "sesshu.toml"]);
    assert!(ok);
    assert!(!out.contains("aoba"), "the dry run wrote nothing: {out}");

    let (ok, out, err) = sesshu(
        &dir,
        &[
            "institutions",
            "import",
            "good.toml",
            "--config",
            "sesshu.toml",
        ],
    );
    assert!(ok, "{err}");
    assert!(
        out.contains("created aoba") && out.contains("created kita"),
        "{out}"
    );
    let (ok, out, _) = sesshu(&dir, &["institutions", "export", "--config", "sesshu.toml"]);
    assert!(ok);
    assert_eq!(master::parse(&out).unwrap(), master::parse(MASTER).unwrap());
    assert!(
        out.contains("AOBA_LDAP_PASSWORD"),
        "secrets stay references: {out}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The fields of an institution's page as it shows them: what a browser
/// posts back when nothing is touched.
fn page_fields(html: &str) -> Vec<(String, String)> {
    let mut fields = Vec::new();
    for name in [
        "name_ja",
        "name_en",
        "office_ja",
        "office_en",
        "contact_mail",
        "phone",
        "url",
        "from",
        "days_before",
        "at",
        "consent_version",
    ] {
        fields.push((name.to_owned(), crate::helpers::form_value(html, name)));
    }
    for name in [
        "notice_ja",
        "notice_en",
        "consent_ja",
        "consent_en",
        "attributes",
        "login",
    ] {
        fields.push((name.to_owned(), textarea(html, name)));
    }
    for kind in ["staff", "student"] {
        if html.contains(&format!("name=\"user_type\" value=\"{kind}\" checked")) {
            fields.push(("user_type".into(), kind.into()));
        }
    }
    if html.contains("name=\"consent\" value=\"1\" checked") {
        fields.push(("consent".into(), "1".into()));
    }
    fields
}

fn textarea(html: &str, name: &str) -> String {
    let open = html
        .find(&format!("<textarea name=\"{name}\""))
        .expect(name);
    let start = open + html[open..].find('>').unwrap() + 1;
    let end = start + html[start..].find("</textarea>").unwrap();
    html[start..end]
        .replace("&#34;", "\"")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

fn set(fields: &mut Vec<(String, String)>, name: &str, value: &str) {
    fields.retain(|(k, _)| k != name);
    fields.push((name.to_owned(), value.to_owned()));
}

on_both_databases! {
    async fn the_master_is_edited_on_its_page_checked_and_audited(app) {
        use crate::office_kit::{TestOffice, audited};
        use sesshu_domain::Role;
        let mut office = TestOffice::spawn(&app).await;
        let operator = office.signed_in(&app, "op", Role::Operator).await;
        let list = operator.get("/institutions").await;
        assert!(list.html.contains("href=\"/institutions/uni\""), "{}", list.html);
        let page = operator.get("/institutions/uni").await;
        assert!(page.html.contains("readonly"), "login settings are read-only for operators");
        let mut fields = page_fields(&page.html);

        // Wrong TOML and a rule broken: every problem said, nothing saved.
        set(&mut fields, "attributes", "[attributes]\nuser_type = \n");
        set(&mut fields, "name_en", " ");
        let body: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let refused = operator.post("/institutions/uni", &body).await;
        let text = crate::helpers::visible_text(&refused.html);
        assert!(text.contains("attributes:") && text.contains("line 2"), "{text}");

        let mut fields = page_fields(&page.html);
        set(&mut fields, "notice_ja", "学生証を持ってきてください。");
        set(&mut fields, "consent", "1");
        set(&mut fields, "consent_version", "2026-12");
        set(&mut fields, "consent_ja", "同意します。");
        set(&mut fields, "consent_en", "I agree.");
        set(&mut fields, "attributes", &format!("{}\n[[department]]\ncode = \"eng\"\nname_ja = \"工学部\"\nname_en = \"Engineering\"\n", textarea(&page.html, "attributes")));
        // An operator's login settings are ignored.
        set(&mut fields, "login", "method = \"saml\"\n");
        let body: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let saved = operator.post("/institutions/uni", &body).await;
        assert_eq!(saved.location.as_deref(), Some("/institutions/uni?done=1"), "{}", crate::helpers::visible_text(&saved.html));
        let uni = app.store.institution_by_code(&InstitutionCode::parse("uni").unwrap()).await.unwrap().unwrap();
        assert_eq!(uni.mail.notice_ja, "学生証を持ってきてください。");
        assert_eq!(uni.consent.as_ref().unwrap().version, "2026-12");
        assert_eq!(uni.departments.len(), 1);
        assert_eq!(uni.login, LoginMethod::Builtin, "unchanged");
        let entries = audited(&app, "institution.change").await;
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].detail, "mail notice, consent, departments", "{entries:?}");

        // A system administrator changes login settings; the rules hold.
        let admin = office.signed_in(&app, "root", Role::SystemAdmin).await;
        let page = admin.get("/institutions/uni").await;
        assert!(!page.html.contains("readonly"));
        let mut fields = page_fields(&page.html);
        set(&mut fields, "login", "method = \"ldap\"\nurl = \"ldap://ldap.uni.example.ac.jp\"\nbase = \"\"\n");
        let body: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let refused = admin.post("/institutions/uni", &body).await;
        assert!(refused.html.contains("id=\"institution-problems\""), "{}", crate::helpers::visible_text(&refused.html));
        assert_eq!(app.store.institution(uni.id).await.unwrap().unwrap().login, LoginMethod::Builtin);

        // A new institution.
        let new = admin.get("/institutions/new").await;
        let mut fields = page_fields(&new.html);
        set(&mut fields, "code", "minami");
        set(&mut fields, "name_ja", "南大学");
        set(&mut fields, "name_en", "Minami University");
        let body: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let created = admin.post("/institutions/new", &body).await;
        assert_eq!(created.location.as_deref(), Some("/institutions/minami?done=1"), "{}", crate::helpers::visible_text(&created.html));
        let again = admin.post("/institutions/new", &body).await;
        assert!(crate::helpers::visible_text(&again.html).contains("minami exists"));
        assert_eq!(audited(&app, "institution.create").await.len(), 1);
    }
}
