//! Generated invalid files through the real imports, on both databases:
//! the operations the office's upload pages call (member roster, slots
//! from a CSV, bulk fixes, the doses elsewhere import, the day's sheet),
//! each fed files made from a valid one — changed, re-saved, damaged, and
//! given a line no reader takes (docs/fuzzing.md). Every refusal must leave
//! the store as it was: the slots, the members, the doses elsewhere, the
//! reservations and their doses, check-ins and vouchers, and the audit
//! trail (less the `personal.view` entry a roster's comparison is audited
//! with, which reads and changes nothing). The files are drawn from a fixed
//! seed; `PROPTEST_CASES` sets how many per import.

use crate::helpers::*;
use crate::vaccination::Day;
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use sesshu_auth::PasswordPolicy;
use sesshu_auth::roster::MissingMembers;
use sesshu_domain::upload;
use sesshu_domain::{self as domain, Language, ReservationNumber, Role};
use sesshu_operations::lists::RecipientList;
use sesshu_operations::members::{self, MembersUpload};
use sesshu_operations::{Actor, elsewhere, export, fixes, sheet, slots};
use sesshu_store::SlotQuery;
use sesshu_vault_open::Keyring;

#[path = "../../../domain/src/fuzz/files.rs"]
#[allow(dead_code)] // the position checks are the unit tests'; these files are fed whole
mod files;

/// How many files each import is fed.
fn cases() -> usize {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(12)
}

/// `cases()` values of `strategy`, the same on every run.
fn drawn<S: Strategy>(strategy: S) -> Vec<S::Value> {
    let mut runner = TestRunner::deterministic();
    (0..cases())
        .map(|_| strategy.new_tree(&mut runner).unwrap().current())
        .collect()
}

fn table(text: &str) -> Vec<Vec<String>> {
    text.lines()
        .map(|l| l.split(',').map(str::to_owned).collect())
        .collect()
}

/// Files made from `valid`: changed, saved, damaged, then a line of more
/// cells than any header has.
fn invalid_csv(valid: &str) -> Vec<Vec<u8>> {
    let valid = table(valid);
    drawn((
        prop::collection::vec(files::mutation(), 0..3),
        files::saving(),
        prop::collection::vec(files::damage(), 0..2),
    ))
    .into_iter()
    .map(|(mutations, saving, damage)| {
        let mut bytes = files::broken(valid.clone(), &mutations, saving, &damage);
        bytes.extend_from_slice(format!("\n{}\n", ",".repeat(40)).as_bytes());
        bytes
    })
    .collect()
}

/// What the store holds that an import could change.
async fn snapshot(app: &TestApp, reservations: &[ReservationNumber]) -> Vec<String> {
    let store = &app.store;
    let uni = app.fixture.uni;
    let all = SlotQuery::between(tokyo("2020-01-01", "00:00"), tokyo("2035-01-01", "00:00"));
    let mut seen = vec![
        format!("{:?}", store.slots(&all).await.unwrap()),
        format!("{:?}", store.elsewhere_of_institution(uni).await.unwrap()),
    ];
    for m in store.members(uni).await.unwrap() {
        seen.push(format!(
            "member {} {} {:?} {:?} {:?} {}",
            m.login.as_str(),
            m.password_hash,
            m.user_type,
            m.department,
            m.personal_fields,
            m.disabled
        ));
    }
    for number in reservations {
        let series = store.series_by_number(number).await.unwrap().unwrap();
        seen.push(format!(
            "{series:?} {:?} {:?} {:?}",
            store.check_ins(series.id).await.unwrap(),
            store.dose_records(series.id).await.unwrap(),
            store.vouchers(series.id).await.unwrap()
        ));
    }
    seen.extend(
        app.audit_text()
            .await
            .lines()
            .filter(|l| !l.starts_with("personal.view "))
            .map(str::to_owned),
    );
    seen
}

/// Feeds every file to `import`, which says whether it refused the file;
/// a refused file must leave the store as it was. Returns how many were
/// refused.
async fn fed<F: Future<Output = bool>>(
    app: &TestApp,
    reservations: &[ReservationNumber],
    what: &str,
    files: Vec<Vec<u8>>,
    mut import: impl FnMut(Vec<u8>) -> F,
) -> usize {
    let mut refused = 0;
    for (i, file) in files.into_iter().enumerate() {
        let before = snapshot(app, reservations).await;
        if import(file).await {
            refused += 1;
            assert_eq!(
                snapshot(app, reservations).await,
                before,
                "{what} file {i}: refused, yet the store changed"
            );
        }
    }
    refused
}

/// The page's reading of an upload: its text, or `None` when it cannot be
/// decoded (refused before any operation is called).
fn text(file: &[u8]) -> Option<String> {
    upload::decode(file, Language::En).ok()
}

on_both_databases! {
    async fn no_refused_import_changes_anything(app) {
        let day = Day::new(&app).await;
        let booked = [day.booked(&app).await, day.booked(&app).await];
        let f = app.fixture.clone();
        let ops = day.ops.clone();
        let admin = Actor { name: "admin:fuzz".into(), role: Role::SystemAdmin, origin: "127.0.0.1".into() };
        let by = app.admin_account(Role::SystemAdmin).await;
        let keys = Keyring::new([app.vault.clone()]);
        let catalog = sesshu_operations::reference::catalog(&ops).await.unwrap();
        let (venue, lane, vaccine) = (&catalog.venues[0], &catalog.lanes[0], &catalog.vaccines[0]);
        let n = cases();

        let roster = "login,user_type,name_kanji,name_roman,password\n\
                      hanako,student,青葉 花子,Hanako Aoba,initial-pass-1\n\
                      taro,staff,広瀬 太郎,Taro Hirose,initial-pass-2";
        let passwords = PasswordPolicy::insecure_fast_for_tests();
        let refused = fed(&app, &booked, "roster", invalid_csv(roster), |file| {
            let (ops, admin, keys, passwords) = (&ops, &admin, &keys, &passwords);
            async move {
                let Some(text) = text(&file) else { return true };
                let upload = MembersUpload { institution: f.uni, text, missing: MissingMembers::Keep };
                match members::apply(ops, admin, keys, passwords, &upload).await.unwrap() {
                    members::Applied::Problems(_) | members::Applied::Unplanned(_) => true,
                    other => {
                        assert!(!matches!(other, members::Applied::Failed(_)), "{other:?}");
                        false
                    }
                }
            }
        }).await;
        assert!(refused * 4 >= n * 3, "roster: {refused} of {n} refused");

        let slot_file = format!(
            "date,start,end,venue,lane,capacity,vaccine,dose\n\
             2026-12-20,09:00,09:30,{},{},10,{},1\n\
             2026-12-20,09:30,10:00,{},{},10,{},1",
            venue.name_ja, lane.name_ja, vaccine.name_en, venue.name_en, lane.name_en, vaccine.name_ja
        );
        let refused = fed(&app, &booked, "slots", invalid_csv(&slot_file), |file| {
            let (ops, admin) = (&ops, &admin);
            async move {
                let Some(text) = text(&file) else { return true };
                matches!(
                    slots::import_slots(ops, admin, &text, Language::En).await.unwrap(),
                    slots::SlotsImported::Problems(_)
                )
            }
        }).await;
        assert!(refused * 4 >= n * 3, "slots: {refused} of {n} refused");

        let fix_file = format!("action,reservation,reason\ncancel,{},moved away\ncancel,{},電話で", booked[0], booked[1]);
        let refused = fed(&app, &booked, "fixes", invalid_csv(&fix_file), |file| {
            let (ops, admin) = (&ops, &admin);
            async move {
                let Some(text) = text(&file) else { return true };
                matches!(
                    fixes::apply(ops, admin, &text, Language::En).await.unwrap(),
                    fixes::Applied::Problems(_)
                )
            }
        }).await;
        assert!(refused * 4 >= n * 3, "fixes: {refused} of {n} refused");

        let history = "institution,member,date,dose,product,place\n\
                       uni,hanako,2026-11-02,1,Moderna,Sendai\n\
                       uni,taro,2026/10/01,1,Pfizer,";
        let refused = fed(&app, &booked, "history", invalid_csv(history), |file| {
            let (ops, admin) = (&ops, &admin);
            async move {
                let Some(text) = text(&file) else { return true };
                matches!(
                    elsewhere::apply_import(ops, admin, by, &text, Language::En).await.unwrap(),
                    elsewhere::ImportApplied::Problems(_)
                )
            }
        }).await;
        assert!(refused * 4 >= n * 3, "history: {refused} of {n} refused");

        // The day's sheet: the reservations' rows with any marks, one with a
        // lot the venue does not have; maybe damaged once written.
        let list = RecipientList { day: chrono::NaiveDate::from_ymd_opt(2026, 12, 10).unwrap(), venue: f.venue, lane: None };
        let downloaded = sheet::download(&ops, &keys, &day.desk, &list).await.unwrap();
        let header: Vec<String> = sheet::COLUMNS.iter().map(|(ja, en)| format!("{ja} {en}")).collect();
        let header: Vec<&str> = header.iter().map(String::as_str).collect();
        let numbers: Vec<String> = booked.iter().map(ToString::to_string).collect();
        let mark = prop_oneof![Just(""), Just("○"), Just("1"), Just("接種"), Just("左"), Just("10:05"), Just("maybe")];
        let sheets: Vec<Vec<u8>> = drawn((
            prop::collection::vec(mark.prop_map(str::to_owned), sheet::COLUMNS.len() - 2),
            prop::option::weighted(0.3, any::<Index>()),
        ))
        .into_iter()
        .map(|(marks, damage)| {
            let mut row = vec![numbers[0].clone(), "1".to_owned()];
            row.extend(marks);
            let mut bad = vec![String::new(); sheet::COLUMNS.len()];
            bad[..2].clone_from_slice(&[numbers[1].clone(), "1".to_owned()]);
            for (column, value) in [(5, "○"), (6, "○"), (7, "接種"), (9, "10:05"), (10, "NOPE-1"), (11, "Dr Ito"), (12, "左")] {
                bad[column] = value.to_owned();
            }
            let mut file = export::xlsx("2026-12-10", &header, &[row, bad]).unwrap();
            if let Some(at) = damage {
                file.truncate(at.index(file.len()));
            }
            file
        })
        .chain([downloaded[..downloaded.len() / 2].to_vec()])
        .collect();
        let refused = fed(&app, &booked, "sheet", sheets, |file| {
            let (ops, keys, day) = (&ops, &keys, &day);
            async move {
                !matches!(
                    sheet::apply(ops, keys, &day.desk, day.by, day.venue, list.day, &file).await.unwrap(),
                    sheet::Applied::Done(_)
                )
            }
        }).await;
        assert_eq!(refused, n + 1, "every sheet has a lot the venue does not have");

        // What the snapshot compares sees an import: the valid fix file, applied, changes it.
        let before = snapshot(&app, &booked).await;
        let applied = fixes::apply(&ops, &admin, &fix_file, Language::En).await.unwrap();
        assert!(matches!(applied, fixes::Applied::Applied { .. }), "{applied:?}");
        assert_ne!(snapshot(&app, &booked).await, before);
    }
}
