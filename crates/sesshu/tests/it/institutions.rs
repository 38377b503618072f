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
