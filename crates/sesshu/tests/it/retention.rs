//! Retention on both databases, over one seeded campaign of three
//! institutions: `uni` (a roster: members with sealed names and mail,
//! bookings, vaccinations, vouchers, a no-show, a dose elsewhere, mails
//! sent and failed, a live session) and `ext` (no roster: people seen by a
//! login, with sealed data and a dose elsewhere) are past their time;
//! `staffonly` (its consent text promises two years) is not.
//!
//! The purge runs once through `sesshu retention purge` (for `ext`) and
//! once through the operation (the rest): the rates read the same before
//! and after, table by table; a dry run changes nothing; no seeded personal
//! value of the purged institutions is left in any text column of any
//! table, while `staffonly`'s are all still there; one audit entry per
//! purged institution holds its counts.

use crate::helpers::*;
use crate::venue_kit::{Desk, book};
use sesshu_domain::{
    AuditAction, AuditObject, InstitutionCode, InstitutionId, Language, LotNumber, MailAddress,
    Profile, PurgeCounts, RetentionMonths, RetentionRule, Role, Subject, UserType,
};
use sesshu_operations::noshows::{self, Cancelling};
use sesshu_operations::rates::{self, Table};
use sesshu_operations::retention::{self, Purge};
use sesshu_operations::vaccination;
use sesshu_operations::{Actor, OperationError, Operations};
use sesshu_store::{NewInstitution, NewLot, Owner, PersonLogin};
use sesshu_vault_open::Keyring;

const FIRST_DAY: &str = "2026-12-10";
const SECOND_DAY: &str = "2027-01-07";
/// The voucher number every vaccinated dose of the campaign is given.
const VOUCHER: &str = "0123456789";

fn actor(name: &str, role: Role) -> Actor {
    Actor {
        name: name.into(),
        role,
        origin: "127.0.0.1".into(),
    }
}

fn system() -> Actor {
    actor("admin:1", Role::SystemAdmin)
}

fn year() -> RetentionMonths {
    RetentionMonths::new(12).unwrap()
}

fn day(s: &str) -> chrono::NaiveDate {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// A login's personal values as seeded: the login, the names, the mail.
fn values_of(login: &str) -> Vec<String> {
    vec![
        login.to_owned(),
        format!("{login} Example"),
        format!("{login} 例"),
        format!("{login}@example.ac.jp"),
    ]
}

/// Runs SQL on the test's database (the seeding of what only the
/// dashboards or the mail worker would write).
async fn execute(app: &TestApp, sql: &str) {
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

/// Every value of every column of every table, as text (`table.column:
/// value`), in a stable order: what "nothing changed" and "no personal
/// value remains" are checked against.
async fn every_value(app: &TestApp) -> Vec<String> {
    let mut out = Vec::new();
    if app.backend == Backend::Sqlite {
        let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", app.database_url))
            .await
            .unwrap();
        let tables: Vec<String> = sqlx::query_scalar(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
             ORDER BY name",
        )
        .fetch_all(&pool)
        .await
        .unwrap();
        for table in tables {
            let columns: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT name FROM pragma_table_info('{table}') ORDER BY cid"
            )))
            .fetch_all(&pool)
            .await
            .unwrap();
            for column in columns {
                // `quote`: text as it is (quoted), a blob in hex.
                let values: Vec<Option<String>> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                    "SELECT quote(\"{column}\") FROM \"{table}\" ORDER BY 1"
                )))
                .fetch_all(&pool)
                .await
                .unwrap();
                out.extend(
                    values
                        .into_iter()
                        .map(|v| format!("{table}.{column}: {}", v.unwrap_or_default())),
                );
            }
        }
        pool.close().await;
    } else {
        let pool = sqlx::PgPool::connect(&app.database_url).await.unwrap();
        let columns: Vec<(String, String)> = sqlx::query_as(
            "SELECT table_name::text, column_name::text FROM information_schema.columns \
             WHERE table_schema = 'public' ORDER BY table_name, ordinal_position",
        )
        .fetch_all(&pool)
        .await
        .unwrap();
        for (table, column) in columns {
            let values: Vec<Option<String>> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT CAST(\"{column}\" AS TEXT) FROM \"{table}\" ORDER BY 1"
            )))
            .fetch_all(&pool)
            .await
            .unwrap();
            out.extend(
                values
                    .into_iter()
                    .map(|v| format!("{table}.{column}: {}", v.unwrap_or_default())),
            );
        }
        pool.close().await;
    }
    out
}

/// The lines of `dump` that hold `value` (a word of its own: `u1` is not
/// in `u10`).
fn holding<'a>(dump: &'a [String], value: &str) -> Vec<&'a String> {
    dump.iter()
        .filter(|line| {
            line.match_indices(value).any(|(i, _)| {
                let before = line[..i].chars().next_back();
                let after = line[i + value.len()..].chars().next();
                !before.is_some_and(char::is_alphanumeric)
                    && !after.is_some_and(char::is_alphanumeric)
            })
        })
        .collect()
}

/// Everything the rates read, as the store answers it and as the
/// dashboards' tables show it, for every institution and for each one.
async fn rates_now(app: &TestApp, ops: &Operations) -> Vec<String> {
    let now = ops.now();
    let mut out = Vec::new();
    let institutions: Vec<Option<InstitutionId>> = std::iter::once(None)
        .chain(
            app.store
                .institutions()
                .await
                .unwrap()
                .into_iter()
                .map(|i| Some(i.id)),
        )
        .collect();
    for limit in institutions {
        out.push(format!(
            "{limit:?} {:?}",
            app.store.member_rates(limit).await.unwrap()
        ));
        out.push(format!(
            "{limit:?} {:?}",
            app.store.department_rates(limit).await.unwrap()
        ));
        out.push(format!(
            "{limit:?} {:?}",
            app.store.slot_rates(limit, now).await.unwrap()
        ));
        out.push(format!(
            "{limit:?} {:?}",
            app.store.campaign_days(limit).await.unwrap()
        ));
        out.push(format!(
            "{limit:?} {:?}",
            app.store.voucher_rates(limit).await.unwrap()
        ));
        let scope = rates::scope(ops, &actor("admin:0", Role::Operator), limit)
            .await
            .unwrap();
        let dashboards = rates::dashboards(ops, scope).await.unwrap();
        for table in Table::ALL {
            out.push(format!(
                "{limit:?} {table:?} {:?}",
                rates::cells(&dashboards, table, None, Language::En)
            ));
        }
    }
    out
}

struct Campaign {
    ops: Operations,
    ext: InstitutionId,
}

/// The person of a login, with sealed names and mail when `personal`, and
/// the consent it gave.
async fn person(
    app: &TestApp,
    institution: InstitutionId,
    login: &str,
    user_type: UserType,
    personal: bool,
) -> sesshu_domain::PersonId {
    let personal = personal.then(|| {
        sesshu_auth::seal_profile(
            app.vault.sealing_key(),
            &Owner::login(institution.get(), login),
            &Profile {
                display_name: Some(format!("{login} Example")),
                display_name_ja: Some(format!("{login} 例")),
                name_kana: None,
                mail: Some(MailAddress::parse(&format!("{login}@example.ac.jp")).unwrap()),
            },
        )
        .unwrap()
    });
    app.store
        .person_for_login(&PersonLogin {
            institution,
            subject: Subject::parse(login).unwrap(),
            user_type: Some(user_type),
            department: None,
            at: start_of_tests(),
            personal,
            consented: Some("v1".into()),
            reassignable: false,
        })
        .await
        .unwrap()
        .id
}

/// The campaign (see the module's text); the clock left on 1 February
/// 2028, when `uni` (ended 7 January 2027, the default year) and `ext`
/// (six months) are past their time and `staffonly` (two years) is not.
async fn campaign(app: &TestApp) -> Campaign {
    let f = app.fixture.clone();
    let ext = app
        .store
        .insert_institution(&NewInstitution::builtin(
            InstitutionCode::parse("ext").unwrap(),
            "ext大学",
            "ext University",
        ))
        .await
        .unwrap();
    for login in ["rt-uni-a", "rt-uni-b", "rt-uni-c"] {
        app.member(f.uni, login, UserType::Staff).await;
    }
    app.member(f.staff_only, "rt-staff-a", UserType::Staff)
        .await;

    let first = app.slot(1, FIRST_DAY, "10:00", f.lane_a, 10).await;
    let second = app.slot(2, SECOND_DAY, "10:00", f.lane_a, 10).await;
    let at = tokyo("2026-12-01", "12:00");
    let a = book(
        app,
        person(app, f.uni, "rt-uni-a", UserType::Staff, false).await,
        first,
        second,
        at,
    )
    .await;
    let b = book(
        app,
        person(app, f.uni, "rt-uni-b", UserType::Staff, false).await,
        first,
        second,
        at,
    )
    .await;
    book(
        app,
        person(app, f.uni, "rt-uni-c", UserType::Staff, false).await,
        first,
        second,
        at,
    )
    .await;
    let s = book(
        app,
        person(app, f.staff_only, "rt-staff-a", UserType::Staff, false).await,
        first,
        second,
        at,
    )
    .await;
    let e = book(
        app,
        person(app, ext, "rt-ext-a", UserType::Staff, true).await,
        first,
        second,
        at,
    )
    .await;
    person(app, ext, "rt-ext-b", UserType::Student, true).await;

    // Doses elsewhere, with the place the person typed.
    for (institution, subject) in [
        (f.uni, "rt-uni-c"),
        (ext, "rt-ext-b"),
        (f.staff_only, "rt-staff-a"),
    ] {
        let at = match app.backend {
            Backend::Sqlite => tokyo("2026-11-30", "09:00").timestamp().to_string(),
            Backend::Postgres => "'2026-11-30 09:00:00+09'".to_owned(),
        };
        execute(
            app,
            &format!(
                "INSERT INTO external_doses (institution_id, subject, dose, given_on, product, \
                 place, source, recorded_at) VALUES ({institution}, '{subject}', 1, '2026-11-01', \
                 'Moderna', '{subject} clinic', 'declared', {at})"
            ),
        )
        .await;
    }

    let role = Role::VenueStaff { venue: f.venue };
    let by = app.admin_account(role).await;
    let ops = Operations::new(app.store.clone(), app.clock.clone());
    let desk_actor = actor(&format!("admin:{by}"), role);
    app.clock.set(tokyo(FIRST_DAY, "09:30"));
    let lot = vaccination::register_lot(
        &ops,
        &desk_actor,
        NewLot {
            venue: f.venue,
            vaccine: f.vaccine,
            number: LotNumber::parse("AB-1234").unwrap(),
            expires_on: day("2027-03-31"),
            doses: 20,
        },
    )
    .await
    .unwrap();
    let desk = Desk {
        ops: ops.clone(),
        keys: Keyring::new([app.vault.clone()]),
        actor: desk_actor,
        by,
        lot,
    };
    for series in [&a, &b, &s, &e] {
        desk.check_in(series).await;
    }
    app.clock.set(tokyo(FIRST_DAY, "10:30"));
    for series in [&a, &b, &s, &e] {
        desk.vaccinate(series, 1, tokyo(FIRST_DAY, "10:05")).await;
    }
    desk.voucher(&a, 1, ("041009", VOUCHER), true).await;
    desk.voucher(&s, 1, ("041009", VOUCHER), true).await;
    desk.voucher(&e, 1, ("041009", VOUCHER), false).await;

    // rt-uni-c did not come: the batch cancels the reservation (a
    // `no_show` mail, which the rates count).
    app.clock.set(tokyo(FIRST_DAY, "18:00"));
    let operator = app.admin_account(Role::Operator).await;
    let cancelled = noshows::cancel(
        &ops,
        &actor(&format!("admin:{operator}"), Role::Operator),
        day(FIRST_DAY),
        None,
    )
    .await
    .unwrap();
    assert!(
        matches!(&cancelled, Cancelling::Done(d) if d.count() == 1),
        "{cancelled:?}"
    );

    app.clock.set(tokyo(SECOND_DAY, "09:30"));
    desk.check_in(&a).await;
    desk.vaccinate(&a, 2, tokyo(SECOND_DAY, "09:35")).await;

    // The mail worker's traces: a sent mail's SMTP reply and a failed
    // one's error, each quoting the address.
    for (login, state, column) in [
        ("rt-uni-a", "sent", "smtp_reply"),
        ("rt-uni-b", "failed", "last_error"),
        ("rt-staff-a", "sent", "smtp_reply"),
    ] {
        execute(
            app,
            &format!(
                "UPDATE mail_jobs SET state = '{state}', {column} = '250 OK <{login}@example.ac.jp>' \
                 WHERE kind = 'booked' AND person_id = \
                 (SELECT id FROM persons WHERE subject = '{login}')"
            ),
        )
        .await;
    }

    // Live sessions of a `uni` and a `staffonly` person (real logins).
    app.clock.set(tokyo("2028-02-01", "09:00"));
    app.client().login("uni", "rt-uni-a", "secret").await;
    app.client()
        .login("staffonly", "rt-staff-a", "secret")
        .await;

    // The retention each consent text promises. (`ext`'s end lies in the
    // past of the machine's clock too: `sesshu retention` runs on it.)
    for (institution, ended, months) in [
        (f.uni, SECOND_DAY, None),
        (ext, "2025-01-31", Some(6)),
        (f.staff_only, SECOND_DAY, Some(24)),
    ] {
        let rule = RetentionRule {
            campaign_ended_on: Some(day(ended)),
            months: months.map(|m| RetentionMonths::new(m).unwrap()),
        };
        retention::set(&ops, &system(), institution, rule)
            .await
            .unwrap();
    }
    app.clock.set(tokyo("2028-02-01", "10:00"));
    Campaign { ops, ext }
}

/// Runs `sesshu` on the test's database.
fn sesshu(app: &TestApp, args: &[&str]) -> std::process::Output {
    let dir = std::env::temp_dir().join(unique("sesshu_retention_cli"));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("sesshu.toml"),
        format!(
            "database_url = {:?}\n[retention]\ndefault_months = 12\n",
            app.database_url
        ),
    )
    .unwrap();
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_sesshu"));
    command
        .args(args)
        .args(["--config", "sesshu.toml"])
        .current_dir(&dir)
        .env_remove("RUST_LOG")
        .env("LANG", "C");
    for (key, _) in std::env::vars() {
        if key.starts_with("SESSHU_") {
            command.env_remove(key);
        }
    }
    command.output().unwrap()
}

fn codes(purges: &[Purge]) -> Vec<&str> {
    purges.iter().map(|p| p.code.as_str()).collect()
}

on_both_databases! {
    async fn the_purge_leaves_the_rates_as_they_were_and_no_personal_value_behind(app) {
        let f = app.fixture.clone();
        let campaign = campaign(&app).await;
        let ops = &campaign.ops;
        let purged_logins = ["rt-uni-a", "rt-uni-b", "rt-uni-c", "rt-ext-a", "rt-ext-b"];
        let before = every_value(&app).await;
        for login in purged_logins.iter().chain(&["rt-staff-a"]) {
            assert!(!holding(&before, login).is_empty(), "{login} seeded");
        }
        assert!(!holding(&before, "rt-uni-a@example.ac.jp").is_empty(), "the SMTP reply seeded");
        let rates_before = rates_now(&app, ops).await;
        let staff_only_before = app.store.personal_counts(f.staff_only).await.unwrap();
        assert!(staff_only_before.personal_data > 0 && staff_only_before.dose_data > 0);

        // Who may: system administrators only.
        let refused = retention::purge(ops, &actor("admin:2", Role::Operator), year(), None).await;
        assert!(matches!(refused, Err(OperationError::Denied(_))), "{refused:?}");

        // The dry run: what would go, per institution and kind; nothing changes.
        let planned = retention::dry_run(ops, &system(), year(), None).await.unwrap();
        assert_eq!(codes(&planned), ["uni", "ext"]);
        let uni = &planned[0];
        assert_eq!(uni.kept_until, day("2028-01-07"));
        assert_eq!(
            uni.counts,
            PurgeCounts {
                // Three members' names (roman, kanji) and mail.
                personal_data: 9,
                // a and b's questionnaires of dose 1, a's of dose 2, a's
                // voucher number.
                dose_data: 4,
                members: 3,
                persons: 3,
                external_doses: 1,
                consents: 3,
                sessions: 1,
                idempotency_keys: 0,
                // The booking mails of a, b and c, c's no-show mail.
                mails: 4,
                // a's and b's (c's went with the cancellation).
                check_in_tokens: 2,
                // a's two doses, b's first.
                given_by: 3,
            }
        );
        assert_eq!(planned[1].kept_until, day("2025-07-31"));
        assert_eq!(planned[1].counts.personal_data, 6);
        assert_eq!(planned[1].counts.persons, 2);
        assert_eq!(every_value(&app).await, before, "a dry run changes nothing");

        // The command: its dry run says the same, then it purges `ext`.
        let dry = sesshu(&app, &["retention", "purge", "--dry-run", "--institution", "ext"]);
        let said = String::from_utf8_lossy(&dry.stdout);
        assert!(dry.status.success(), "{said} {}", String::from_utf8_lossy(&dry.stderr));
        assert!(said.contains("ext (kept until 2025-07-31):"), "{said}");
        assert!(said.contains("sealed names and mail addresses deleted: 6"), "{said}");
        assert!(said.contains("nothing changed"), "{said}");
        assert_eq!(every_value(&app).await, before, "the command's dry run changes nothing");
        let done = sesshu(&app, &["retention", "purge", "--institution", "ext"]);
        let said = String::from_utf8_lossy(&done.stdout);
        assert!(done.status.success(), "{said} {}", String::from_utf8_lossy(&done.stderr));
        assert!(said.contains("purged the personal data of 1 institutions"), "{said}");
        for login in ["rt-ext-a", "rt-ext-b"] {
            assert!(!said.contains(login), "no login in the report: {said}");
        }

        // The operation purges the rest: `uni` (`ext` has nothing left).
        let purged = retention::purge(ops, &system(), year(), None).await.unwrap();
        assert_eq!(codes(&purged), ["uni"]);
        assert_eq!(purged[0].counts, planned[0].counts, "as the dry run said");
        assert!(retention::purge(ops, &system(), year(), None).await.unwrap().is_empty());
        assert!(retention::dry_run(ops, &system(), year(), None).await.unwrap().is_empty());

        // The rates read the same, every table, all and each institution.
        assert_eq!(rates_now(&app, ops).await, rates_before);

        // No personal value of `uni` or `ext` anywhere; `staffonly`'s all there.
        let after = every_value(&app).await;
        for login in purged_logins {
            for value in values_of(login) {
                assert_eq!(holding(&after, &value), Vec::<&String>::new(), "{value}");
            }
            assert!(
                app.personal(if login.starts_with("rt-ext") { campaign.ext } else { f.uni }, login)
                    .await
                    == Profile::default(),
                "{login}'s sealed data is gone"
            );
        }
        assert_eq!(holding(&after, "Dr Sato").len(), 1, "staffonly's dose record only");
        assert_eq!(
            app.store.personal_counts(f.staff_only).await.unwrap(),
            staff_only_before,
            "staffonly untouched"
        );
        assert!(holding(&after, "rt-staff-a").len() >= 3, "staffonly's login stays");
        assert!(!holding(&after, "rt-staff-a@example.ac.jp").is_empty(), "its SMTP reply too");
        assert_eq!(app.personal(f.staff_only, "rt-staff-a").await.mail.unwrap().as_str(), "rt-staff-a@example.ac.jp");
        // The members of the roster are still counted, and log in no more.
        let (status, _) = app
            .client()
            .post(
                "/api/v1/login",
                &serde_json::json!({"institution": "uni", "login": "rt-uni-a", "password": "secret"}),
            )
            .await;
        assert_eq!(status, reqwest::StatusCode::UNAUTHORIZED);

        // One audit entry per purge, with its counts; the settings audited.
        let trail = app.audit_text().await;
        let purges: Vec<&str> = trail
            .lines()
            .filter(|l| l.starts_with(AuditAction::RetentionPurge.code()))
            .collect();
        assert_eq!(purges.len(), 2, "{trail}");
        let ext = format!("{:?}", [AuditObject::Institution(campaign.ext)]);
        assert!(purges[0].contains(&ext), "{}", purges[0]);
        assert!(purges[0].contains("cli:"), "{}", purges[0]);
        assert!(purges[1].contains(&format!("kept_until=2028-01-07 {}", planned[0].counts.detail())), "{}", purges[1]);
        assert_eq!(trail.matches(AuditAction::RetentionSet.code()).count(), 3);
        let statuses = retention::statuses(ops, &system(), year()).await.unwrap();
        let status = |id| statuses.iter().find(|s| s.institution == id).unwrap();
        assert!(status(f.uni).purged_at.is_some() && status(campaign.ext).purged_at.is_some());
        assert!(!status(f.staff_only).due && status(f.staff_only).purged_at.is_none());
    }

    async fn nothing_is_due_before_the_day_after_the_last_day_kept(app) {
        let f = app.fixture.clone();
        let ops = Operations::new(app.store.clone(), app.clock.clone());
        app.member(f.uni, "rt-early", UserType::Staff).await;
        let rule = RetentionRule { campaign_ended_on: Some(day("2027-01-31")), months: None };
        retention::set(&ops, &system(), f.uni, rule).await.unwrap();
        // 31 January 2028, 23:59 in Tokyo: still kept.
        app.clock.set(tokyo("2028-01-31", "23:59"));
        assert!(retention::dry_run(&ops, &system(), year(), None).await.unwrap().is_empty());
        assert!(retention::purge(&ops, &system(), year(), None).await.unwrap().is_empty());
        assert!(app.personal(f.uni, "rt-early").await.mail.is_some());
        // The campaign goes on again: never due.
        app.clock.set(tokyo("2028-02-01", "00:00"));
        assert_eq!(codes(&retention::dry_run(&ops, &system(), year(), None).await.unwrap()), ["uni"]);
        retention::set(&ops, &system(), f.uni, RetentionRule::default()).await.unwrap();
        assert!(retention::purge(&ops, &system(), year(), None).await.unwrap().is_empty());
        assert!(app.personal(f.uni, "rt-early").await.mail.is_some());
        assert!(!app.audit_text().await.contains(AuditAction::RetentionPurge.code()));
        // An institution that does not exist.
        let missing = retention::set(&ops, &system(), InstitutionId::new(999_999), rule).await;
        assert!(matches!(missing, Err(OperationError::NotFound)), "{missing:?}");
    }
}

/// PostgreSQL's roles: the back office reads and sets the retention; the
/// public process has no privilege on it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_public_role_cannot_read_or_set_retention() {
    let Some(app) = TestApp::spawn_postgres().await else {
        return;
    };
    let (public, _) = app.public_role_store().await;
    assert!(public.retention_rules().await.is_err());
    let ops = Operations::new(public, app.clock.clone());
    let rule = RetentionRule {
        campaign_ended_on: Some(day("2027-01-31")),
        months: None,
    };
    assert!(
        retention::set(&ops, &system(), app.fixture.uni, rule)
            .await
            .is_err()
    );
}
