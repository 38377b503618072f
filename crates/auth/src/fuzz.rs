//! Property-based fuzzing of the member roster's reader (docs/fuzzing.md):
//! no upload panics, whatever its bytes, and a refused one is refused with
//! problems that point into it (line, column), as the office's table shows
//! them. `PROPTEST_CASES` sets the number of cases (a long run); without it
//! the few that CI can afford. Failures are not persisted: a shrunk case
//! worth keeping becomes a regression test here.

#![allow(clippy::unwrap_used, clippy::expect_used)] // panics are how tests fail

use crate::roster::{self, MissingMembers, RosterError};
use proptest::prelude::*;
use proptest::test_runner::Config;
use sesshu_domain as domain;

#[path = "../../domain/src/fuzz/files.rs"]
mod files;

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

/// The roster's columns, as `roster`'s documentation lists them.
const COLUMNS: [&str; 8] = [
    "login",
    "user_type",
    "name_kanji",
    "name_kana",
    "name_roman",
    "mail",
    "department",
    "password",
];

fn roster_file() -> Vec<Vec<String>> {
    [
        COLUMNS.as_slice(),
        &[
            "hanako",
            "学生",
            "青葉 花子",
            "あおば はなこ",
            "Hanako Aoba",
            "hanako@example.ac.jp",
            "med",
            "initial-pass-1",
        ],
        &[
            "taro",
            "staff",
            "髙橋 太郎",
            "",
            "Taro Takahashi",
            "",
            "",
            "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA",
        ],
        &["jiro", "教職員", "", "", "", "", "eng", "initial-pass-3"],
    ]
    .iter()
    .map(|r| r.iter().map(|c| (*c).to_owned()).collect())
    .collect()
}

/// An upload as the office reads it: decoded, parsed whole, planned
/// against an empty directory. Any refusal points into the file.
fn upload(bytes: &[u8]) -> Result<(), TestCaseError> {
    let refused: Vec<RosterError> = match roster::decode(bytes) {
        Err(e) => vec![e],
        Ok(text) => match roster::parse(&text) {
            Err(problems) => problems,
            Ok(rows) => {
                let lines = files::lines(bytes);
                prop_assert!(rows.iter().all(|r| (2..=lines).contains(&r.line)));
                match roster::plan(rows, Vec::new(), MissingMembers::Disable) {
                    Ok(plan) => {
                        prop_assert!(plan.update.is_empty() && plan.disable.is_empty());
                        return Ok(());
                    }
                    Err(problems) => problems,
                }
            }
        },
    };
    files::points_into(bytes, &refused, &COLUMNS)
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn any_bytes_are_a_roster_or_its_problems(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        upload(&bytes)?;
    }

    #[test]
    fn any_text_is_a_roster_or_its_problems(text in "\\PC{0,300}") {
        upload(text.as_bytes())?;
    }

    #[test]
    fn a_broken_roster_is_a_roster_or_its_problems(
        mutations in prop::collection::vec(files::mutation(), 0..4),
        saving in files::saving(),
        damage in prop::collection::vec(files::damage(), 0..3),
    ) {
        upload(&files::broken(roster_file(), &mutations, saving, &damage))?;
    }

    /// However a valid roster is saved, it reads as the same members.
    #[test]
    fn a_valid_roster_reads_the_same_however_it_was_saved(saving in files::saving()) {
        let text = roster::decode(&files::save(&roster_file(), saving)).unwrap();
        let rows = roster::parse(&text).unwrap();
        let logins: Vec<&str> = rows.iter().map(|r| r.login.as_str()).collect();
        prop_assert_eq!(logins, ["hanako", "taro", "jiro"]);
        prop_assert_eq!(rows.iter().map(|r| r.line).collect::<Vec<_>>(), [2, 3, 4]);
    }
}
