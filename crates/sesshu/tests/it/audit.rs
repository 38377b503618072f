//! The audit trail: a hash chain that `sesshu audit verify` follows; an
//! altered or removed entry is found where it is.

use crate::helpers::*;
use sesshu_domain::AuditEntry;

fn entry(n: usize) -> AuditEntry {
    AuditEntry {
        at: start_of_tests() + chrono::Duration::seconds(n as i64),
        actor: "admin:1".into(),
        role: "operator".into(),
        action: sesshu_domain::AuditAction::PersonalView,
        objects: vec![sesshu_domain::AuditObject::Person(
            sesshu_domain::PersonId::new(n as i64),
        )],
        detail: String::new(),
        origin: "192.0.2.7".into(),
    }
}

/// Runs raw SQL against the test's database (as someone with database
/// access tampering with it would).
async fn tamper(app: &TestApp, sql: &str) {
    if app.backend == Backend::Sqlite {
        let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", app.database_url))
            .await
            .unwrap();
        sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
    } else {
        let pool = sqlx::PgPool::connect(&app.database_url).await.unwrap();
        sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
    }
}

async fn broken_at(app: &TestApp) -> Option<i64> {
    match sesshu::audit::verify(&app.store).await {
        Ok(_) => None,
        Err(sesshu::audit::VerifyError::Broken(b)) => Some(b.seq),
        Err(e) => panic!("{e}"),
    }
}

on_both_databases! {
    async fn an_intact_chain_verifies_and_tampering_is_found(app) {
        assert_eq!(sesshu::audit::verify(&app.store).await.unwrap(), 0);
        for n in 1..=5 {
            let record = app.store.audit(&entry(n)).await.unwrap();
            assert_eq!(record.seq, n as i64);
        }
        assert_eq!(sesshu::audit::verify(&app.store).await.unwrap(), 5);
        let latest = app.store.audit_latest(None, 2).await.unwrap();
        assert_eq!(latest.iter().map(|r| r.seq).collect::<Vec<_>>(), vec![5, 4]);

        tamper(&app, "UPDATE audit_log SET objects = '[\"person:99\"]' WHERE seq = 3").await;
        assert_eq!(broken_at(&app).await, Some(3), "an altered entry");
        tamper(&app, "UPDATE audit_log SET objects = '[\"person:3\"]' WHERE seq = 3").await;
        assert_eq!(broken_at(&app).await, None, "restored");

        tamper(&app, "DELETE FROM audit_log WHERE seq = 2").await;
        assert_eq!(broken_at(&app).await, Some(2), "a removed entry");
    }

    async fn removing_the_newest_entries_is_found_too(app) {
        for n in 1..=4 {
            app.store.audit(&entry(n)).await.unwrap();
        }
        tamper(&app, "DELETE FROM audit_log WHERE seq = 4").await;
        assert_eq!(broken_at(&app).await, Some(4));
    }

    async fn concurrent_appends_keep_one_chain(app) {
        let appends = (1..=20).map(|n| {
            let store = app.store.clone();
            async move { store.audit(&entry(n)).await.unwrap() }
        });
        let records = futures::future::join_all(appends).await;
        let mut seqs: Vec<i64> = records.iter().map(|r| r.seq).collect();
        seqs.sort();
        assert_eq!(seqs, (1..=20).collect::<Vec<_>>());
        assert_eq!(sesshu::audit::verify(&app.store).await.unwrap(), 20);
    }
}

#[test]
fn the_verify_command_reports_the_first_broken_link() {
    let dir = std::env::temp_dir().join(format!("sesshu_audit_cli_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("sesshu.toml"), "database_url = \"audit.sqlite\"\n").unwrap();
    std::fs::write(
        dir.join("master.toml"),
        "[[institution]]\ncode = \"kita\"\nname_ja = \"北大学\"\nname_en = \"Kita\"\neligible_user_types = [\"staff\"]\n",
    )
    .unwrap();
    let sesshu = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_sesshu"))
            .args(args)
            .current_dir(&dir)
            .env_remove("RUST_LOG")
            .output()
            .unwrap()
    };
    // Two audited changes: the imports.
    for _ in 0..2 {
        assert!(
            sesshu(&[
                "institutions",
                "import",
                "master.toml",
                "--config",
                "sesshu.toml"
            ])
            .status
            .success()
        );
    }
    let ok = sesshu(&["audit", "verify", "--config", "sesshu.toml"]);
    assert!(ok.status.success());
    assert!(String::from_utf8_lossy(&ok.stdout).contains("2 audit entries; the chain is intact"));

    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let pool =
            sqlx::SqlitePool::connect(&format!("sqlite://{}", dir.join("audit.sqlite").display()))
                .await
                .unwrap();
        sqlx::query("UPDATE audit_log SET actor = 'cli:nobody' WHERE seq = 1")
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
    });
    let broken = sesshu(&["audit", "verify", "--config", "sesshu.toml"]);
    assert!(!broken.status.success());
    let stderr = String::from_utf8_lossy(&broken.stderr);
    assert!(
        stderr.contains("the audit chain breaks at entry 1: it was altered"),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
