//! Property-based fuzzing of the bulk fixes' reader (docs/fuzzing.md): no
//! file panics, whatever its bytes, and a refused one is refused with
//! problems that point into it (line, column). `PROPTEST_CASES` sets the
//! number of cases (a long run); without it the few that CI can afford.
//! Failures are not persisted: a shrunk case worth keeping becomes a
//! regression test here.

#![allow(clippy::unwrap_used, clippy::expect_used)] // panics are how tests fail

use crate::fixes::{self, COLUMNS, FixKind, REASON_MAX};
use proptest::prelude::*;
use proptest::test_runner::Config;
use sesshu_domain::{self as domain, Language};

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

fn fix_file() -> Vec<Vec<String>> {
    [
        COLUMNS.as_slice(),
        &["move", "ABCD-2345", "", "", "12", "電話で"],
        &["取消", "", "aoba", "s1", "", "moved away"],
        &["book", "", "aoba", "s2", "7", "髙橋さん①"],
    ]
    .iter()
    .map(|r| r.iter().map(|c| (*c).to_owned()).collect())
    .collect()
}

fn language() -> impl Strategy<Value = Language> {
    prop_oneof![Just(Language::Ja), Just(Language::En)]
}

/// A file is read whole into lines that say where they are, or refused
/// with problems that point into it.
fn read(bytes: &[u8], lang: Language) -> Result<(), TestCaseError> {
    match fixes::parse(bytes, lang) {
        Ok(file) => {
            let lines = files::lines(bytes);
            for line in &file.lines {
                prop_assert!((2..=lines).contains(&line.line), "line {}", line.line);
                prop_assert!(line.reason.chars().count() <= REASON_MAX);
                prop_assert_eq!(line.slot.is_none(), line.kind == FixKind::Cancel);
            }
        }
        Err(problems) => files::points_into(bytes, &problems, &COLUMNS)?,
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn any_bytes_are_fixes_or_their_problems(
        bytes in prop::collection::vec(any::<u8>(), 0..512),
        lang in language(),
    ) {
        read(&bytes, lang)?;
    }

    #[test]
    fn any_text_is_fixes_or_their_problems(text in "\\PC{0,300}", lang in language()) {
        read(text.as_bytes(), lang)?;
    }

    #[test]
    fn a_broken_fix_file_is_fixes_or_their_problems(
        mutations in prop::collection::vec(files::mutation(), 0..4),
        saving in files::saving(),
        damage in prop::collection::vec(files::damage(), 0..3),
        lang in language(),
    ) {
        read(&files::broken(fix_file(), &mutations, saving, &damage), lang)?;
    }

    /// However a valid file is saved, it reads as the same three lines.
    #[test]
    fn a_valid_fix_file_reads_the_same_however_it_was_saved(saving in files::saving()) {
        let file = fixes::parse(&files::save(&fix_file(), saving), Language::En).unwrap();
        let kinds: Vec<FixKind> = file.lines.iter().map(|l| l.kind).collect();
        prop_assert_eq!(kinds, [FixKind::Move, FixKind::Cancel, FixKind::Book]);
        prop_assert_eq!(file.lines.iter().map(|l| l.line).collect::<Vec<_>>(), [2, 3, 4]);
    }
}
