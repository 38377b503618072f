//! Property-based fuzzing of the office's own readers (docs/fuzzing.md):
//! the day's sheet a venue brings back (XLSX) and the institution master
//! file (TOML). No input panics; a refusal says where: the sheet's problems
//! a line and column of the sheet, the master's a line and column of the
//! file (TOML's report) or the institution and field. `PROPTEST_CASES` sets
//! the number of cases (a long run); without it the few that CI can afford.
//! Failures are not persisted: a shrunk case worth keeping becomes a
//! regression test here.

#![allow(clippy::unwrap_used, clippy::expect_used)] // panics are how tests fail

use crate::reservations::fixture::{self, Office, actor};
use crate::{export, master, sheet};
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use sesshu_domain::{ReservationNumber, Role};
use sesshu_vault_open::{Keyring, OpeningKey};

/// `PROPTEST_CASES` when set, else `cases`; no failure file in the tree.
fn config(cases: u32) -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(cases);
    Config {
        failure_persistence: None,
        ..Config::with_cases(cases)
    }
}

/// Runs `property` over `strategy`, failing the test with the shrunk case.
fn check<S: Strategy>(
    cases: u32,
    strategy: S,
    property: impl Fn(S::Value) -> Result<(), TestCaseError>,
) {
    if let Err(failure) = TestRunner::new(config(cases)).run(&strategy, property) {
        panic!("{failure}");
    }
}

// The day's sheet.

/// A cell of the sheet as venue staff fill it in, or not.
fn sheet_cell(number: &str) -> impl Strategy<Value = String> + use<> {
    prop_oneof![
        Just(String::new()),
        Just(number.to_owned()),
        Just("ABCD-2345".to_owned()),
        Just("1".to_owned()),
        Just("2".to_owned()),
        Just("○".to_owned()),
        Just("はい".to_owned()),
        Just("接種".to_owned()),
        Just("延期/postpone".to_owned()),
        Just("左".to_owned()),
        Just("10:05".to_owned()),
        Just("25:99".to_owned()),
        Just("LOT-1".to_owned()),
        "\\PC{0,12}",
    ]
}

/// A sheet as a venue brings it back: the header (sometimes changed),
/// rows of plausible cells, written as a workbook and maybe damaged.
fn sheet_file(number: &str) -> impl Strategy<Value = Vec<u8>> + use<> {
    let header: Vec<String> = sheet::COLUMNS
        .iter()
        .map(|(ja, en)| format!("{ja} {en}"))
        .collect();
    (
        prop::collection::vec(
            prop::collection::vec(sheet_cell(number), sheet::COLUMNS.len()),
            0..6,
        ),
        prop::option::weighted(0.2, (any::<Index>(), "\\PC{0,8}")),
        prop::collection::vec(
            prop_oneof![
                any::<Index>().prop_map(|i| (i, None)),
                (any::<Index>(), any::<u8>()).prop_map(|(i, b)| (i, Some(b))),
            ],
            0..2,
        ),
    )
        .prop_map(move |(rows, renamed, damage)| {
            let mut header = header.clone();
            if let Some((column, title)) = renamed {
                let at = column.index(header.len());
                header[at] = title;
            }
            let header: Vec<&str> = header.iter().map(String::as_str).collect();
            let mut file = export::xlsx("2026-12-01", &header, &rows).unwrap();
            for (at, byte) in damage {
                let at = at.index(file.len());
                match byte {
                    None => file.truncate(at),
                    Some(b) => file[at] = b,
                }
            }
            file
        })
}

/// A sheet is planned, each problem at a line (1 = the header) and a
/// column the sheet has; a line planned is one of its rows.
fn planned(office: &Office, keys: &Keyring, file: &[u8]) -> Result<(), TestCaseError> {
    let desk = actor(Role::VenueStaff {
        venue: office.venue,
    });
    let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
    let runtime = tokio::runtime::Handle::current();
    let plan = tokio::task::block_in_place(|| {
        runtime.block_on(sheet::plan(
            &office.ops,
            keys,
            &desk,
            office.venue,
            day,
            file,
        ))
    })
    .map_err(|e| TestCaseError::fail(format!("not a refusal but {e:?}")))?;
    let last = char::from(b'A' + u8::try_from(sheet::COLUMNS.len() - 1).unwrap());
    for problem in &plan.problems {
        prop_assert!(problem.line >= 1, "{problem:?}");
        if let Some(column) = problem.column {
            prop_assert!(('A'..=last).contains(&column), "{problem:?}");
        }
    }
    for line in &plan.lines {
        prop_assert!(line.line >= 2, "{line:?}");
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn any_sheet_is_planned_or_refused_where_it_is_wrong() {
    let office = fixture::office("fuzz-sheet").await;
    let number: ReservationNumber = office.booked().await;
    let keys = Keyring::new([OpeningKey::generate()]);
    // The generator's rows reach the row checks: an undamaged sheet with the
    // reservation's row is planned line by line.
    let header: Vec<String> = sheet::COLUMNS
        .iter()
        .map(|(ja, en)| format!("{ja} {en}"))
        .collect();
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    let mut row = vec![String::new(); sheet::COLUMNS.len()];
    row[0] = number.to_string();
    row[1] = "1".into();
    row[5] = "○".into();
    let file = export::xlsx("2026-12-01", &header, &[row]).unwrap();
    let desk = actor(Role::VenueStaff {
        venue: office.venue,
    });
    let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
    let plan = sheet::plan(&office.ops, &keys, &desk, office.venue, day, &file)
        .await
        .unwrap();
    assert!(plan.problems.is_empty(), "{:?}", plan.problems);
    assert_eq!(plan.lines[0].adds, ["check-in"]);

    check(64, sheet_file(&number.to_string()), |file| {
        planned(&office, &keys, &file)
    });
    check(64, prop::collection::vec(any::<u8>(), 0..512), |file| {
        planned(&office, &keys, &file)
    });
}

// The institution master file.

const MASTER: &str = include_str!("../../sesshu/demo/institutions.toml");

/// A change to the master file's text.
#[derive(Clone, Debug)]
enum Edit {
    DropLine(Index),
    RepeatLine(Index),
    SwapLines(Index, Index),
    /// The value after a line's `=` becomes any text.
    Value(Index, String),
    Insert(Index, String),
    Truncate(Index),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        1 => any::<Index>().prop_map(Edit::DropLine),
        1 => any::<Index>().prop_map(Edit::RepeatLine),
        1 => (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Edit::SwapLines(a, b)),
        3 => (
            any::<Index>(),
            prop_oneof![
                "\\PC{0,12}",
                Just("\"\"".to_owned()),
                Just("[]".to_owned()),
                Just("99999999999999999999".to_owned()),
                Just("\"25:00\"".to_owned()),
                Just("{ days_before = 61, at = \"12:00\" }".to_owned()),
                Just("\"ldap://[::1\"".to_owned()),
            ]
        )
            .prop_map(|(i, v)| Edit::Value(i, v)),
        1 => (any::<Index>(), prop_oneof![
            Just("\"".to_owned()),
            Just("[[institution]]\n".to_owned()),
            Just("[institution.login]\n".to_owned()),
            Just("\u{feff}".to_owned()),
            "\\PC{0,8}",
        ])
            .prop_map(|(i, s)| Edit::Insert(i, s)),
        1 => any::<Index>().prop_map(Edit::Truncate),
    ]
}

fn edited(text: &str, edits: &[Edit]) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let mut tail = None;
    for edit in edits {
        if lines.is_empty() {
            break;
        }
        let n = lines.len();
        match edit {
            Edit::DropLine(i) => {
                lines.remove(i.index(n));
            }
            Edit::RepeatLine(i) => {
                let line = lines[i.index(n)].clone();
                lines.insert(i.index(n), line);
            }
            Edit::SwapLines(a, b) => lines.swap(a.index(n), b.index(n)),
            Edit::Value(i, value) => {
                let line = &mut lines[i.index(n)];
                if let Some(at) = line.find('=') {
                    line.replace_range(at + 1.., &format!(" {value}"));
                }
            }
            Edit::Insert(i, s) => lines.insert(i.index(n + 1), s.clone()),
            Edit::Truncate(i) => tail = Some(*i),
        }
    }
    let mut text = lines.join("\n");
    if let Some(i) = tail {
        let mut at = i.index(text.len() + 1);
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        text.truncate(at);
    }
    text
}

/// Every problem of a refused master file says where: TOML's line and
/// column within the file, or the institution (within the file's tables)
/// and the field.
fn master_read(text: &str) -> Result<(), TestCaseError> {
    let Err(errors) = master::parse(text) else {
        return Ok(());
    };
    prop_assert!(!errors.0.is_empty(), "a refusal without a problem");
    let lines = text.split('\n').count();
    let tables = text.matches("[[institution]]").count();
    for error in &errors.0 {
        if let Some(rest) = error.strip_prefix("TOML parse error at line ") {
            let (line, rest) = rest.split_once(", column ").unwrap_or_default();
            let column = rest.split(|c: char| !c.is_ascii_digit()).next();
            let line: usize = line.parse().unwrap_or(0);
            let column: usize = column.and_then(|c| c.parse().ok()).unwrap_or(0);
            prop_assert!(
                (1..=lines).contains(&line),
                "line {line} of {lines}: {error}"
            );
            prop_assert!(column >= 1, "{error}");
        } else if let Some(rest) = error.strip_prefix("institution #") {
            let n: usize = rest
                .split(|c: char| !c.is_ascii_digit())
                .next()
                .and_then(|n| n.parse().ok())
                .unwrap_or(0);
            prop_assert!(
                (1..=tables).contains(&n),
                "institution {n} of {tables}: {error}"
            );
            prop_assert!(rest.contains("): "), "no field named: {error}");
        } else {
            prop_assert!(false, "a problem that says not where: {error}");
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn any_text_is_a_master_or_says_where_it_is_wrong(text in "\\PC{0,300}") {
        master_read(&text)?;
    }

    #[test]
    fn an_edited_master_is_a_master_or_says_where_it_is_wrong(
        edits in prop::collection::vec(edit(), 1..4),
    ) {
        master_read(&edited(MASTER, &edits))?;
    }
}
