//! Property-based fuzzing of the domain's readers (docs/fuzzing.md): the
//! CSV table every upload is read through, the slot file, the doses
//! elsewhere import, and the voucher's OCR line.
//!
//! For each: no input panics (random bytes, random text, and a valid file
//! changed, saved and damaged by [`files`]), and a refusal is the reader's
//! own error pointing into the file. `PROPTEST_CASES` sets the number of
//! cases (a long run); without it each property runs the few that CI can
//! afford. Failures are not persisted: a shrunk case worth keeping becomes
//! a regression test below.

#![allow(clippy::unwrap_used, clippy::expect_used)] // panics are how tests fail

use crate as domain;
use crate::upload::{self, UploadError};
use crate::voucher::{MunicipalityCode, Voucher, VoucherError};
use crate::{
    AttributeMapping, Catalog, ChangeDeadline, Contact, DoseNumber, Institution, InstitutionCode,
    InstitutionId, Lane, LaneId, Language, LoginMethod, MailSettings, Vaccine, VaccineId, Venue,
    VenueId, elsewhere, slot_csv,
};
use proptest::prelude::*;
use proptest::test_runner::Config;

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

fn bytes() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), 0..512)
}

fn language() -> impl Strategy<Value = Language> {
    prop_oneof![Just(Language::Ja), Just(Language::En)]
}

/// A valid table damaged: its header and rows, any changes, saving and
/// damage.
fn broken(valid: Vec<Vec<String>>) -> impl Strategy<Value = Vec<u8>> {
    (
        prop::collection::vec(files::mutation(), 0..4),
        files::saving(),
        prop::collection::vec(files::damage(), 0..3),
    )
        .prop_map(move |(m, s, d)| files::broken(valid.clone(), &m, s, &d))
}

fn table(rows: &[&[&str]]) -> Vec<Vec<String>> {
    rows.iter()
        .map(|r| r.iter().map(|c| (*c).to_owned()).collect())
        .collect()
}

// The table every upload is read through.

const KNOWN: [&str; 3] = ["action", "number", "reason"];

/// What a reader's row check does: a cell that must be a number.
fn read(bytes: &[u8], lang: Language) -> Result<Vec<(usize, u32)>, Vec<UploadError>> {
    upload::read_lines::<_, Vec<(&str, usize)>>(
        bytes,
        &KNOWN,
        &["action"],
        ("空です", "empty"),
        lang,
        |row| match row.get("number").map(str::parse::<u32>) {
            Some(Err(_)) => Err(vec![row.problem("number", "not a number")]),
            _ => Ok((row.line, 0)),
        },
    )
    .map(|read| read.lines)
}

fn upload_file() -> Vec<Vec<String>> {
    table(&[
        &["action", "number", "reason"],
        &["cancel", "1", "電話で"],
        &["move", "22", "moved away"],
        &["cancel", "333", "髙橋さん ① の件"],
    ])
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn any_bytes_are_read_or_refused_with_their_line(bytes in bytes(), lang in language()) {
        if let Err(problems) = read(&bytes, lang) {
            files::points_into(&bytes, &problems, &KNOWN)?;
        }
    }

    #[test]
    fn any_text_is_read_or_refused_with_its_line(text in "\\PC{0,300}", lang in language()) {
        if let Err(problems) = read(text.as_bytes(), lang) {
            files::points_into(text.as_bytes(), &problems, &KNOWN)?;
        }
    }

    #[test]
    fn a_broken_upload_is_read_or_refused_with_its_line(bytes in broken(upload_file()), lang in language()) {
        match read(&bytes, lang) {
            Ok(lines) => {
                let all = files::lines(&bytes);
                prop_assert!(lines.iter().all(|(line, _)| (2..=all).contains(line)), "{lines:?}");
            }
            Err(problems) => files::points_into(&bytes, &problems, &KNOWN)?,
        }
    }

    /// The line and column said are those a person finds the bad cell at,
    /// however the file was saved.
    #[test]
    fn a_bad_cell_is_found_where_it_is_however_the_file_was_saved(
        row in 1usize..4,
        saving in files::saving(),
        bad in "[a-z]{1,8}",
    ) {
        let mut rows = upload_file();
        rows[row][1] = bad;
        let bytes = files::save(&rows, saving);
        let problems = read(&bytes, Language::En).unwrap_err();
        prop_assert_eq!(problems.len(), 1, "{:?}", problems);
        prop_assert_eq!(problems[0].line, row + 1, "{:?}", saving);
        prop_assert_eq!(problems[0].column.clone(), Some((2, "number".to_owned())));
    }
}

// The slot file.

fn catalog() -> Catalog {
    Catalog {
        venues: vec![Venue {
            id: VenueId::new(1),
            name_ja: "本部会場".into(),
            name_en: "Main hall".into(),
        }],
        lanes: vec![Lane {
            id: LaneId::new(1),
            venue: VenueId::new(1),
            name_ja: "A".into(),
            name_en: "A".into(),
        }],
        vaccines: vec![Vaccine {
            id: VaccineId::new(1),
            name_ja: "モデルナ".into(),
            name_en: "Moderna".into(),
            second_dose_after: None,
            codes: Default::default(),
        }],
    }
}

fn institution(id: i64, code: &str) -> Institution {
    Institution {
        id: InstitutionId::new(id),
        code: InstitutionCode::parse(code).unwrap(),
        name_ja: code.into(),
        name_en: code.into(),
        contact: Contact::default(),
        mail: MailSettings::default(),
        eligible_user_types: Default::default(),
        deadline: ChangeDeadline::default(),
        login: LoginMethod::Builtin,
        attributes: AttributeMapping::default(),
        consent: None,
        departments: Vec::new(),
    }
}

fn slot_file() -> Vec<Vec<String>> {
    let mut rows = vec![slot_csv::COLUMNS.iter().map(|c| (*c).to_owned()).collect()];
    for (date, start, end) in [
        ("2026-12-10", "09:00", "09:30"),
        ("2026/12/10", "09:30", "10:00"),
        ("2026-12-11", "09:00", "09:30"),
    ] {
        rows.push(
            [
                date,
                start,
                end,
                "本部会場",
                "A",
                "20",
                "Moderna",
                "1",
                "aoba",
                "学生 staff",
                "2026-12-01 10:00",
            ]
            .map(str::to_owned)
            .to_vec(),
        );
    }
    rows
}

fn slots(bytes: &[u8], lang: Language) -> Result<(), TestCaseError> {
    let institutions = [institution(1, "aoba")];
    match slot_csv::parse(bytes, &catalog(), &institutions, &[], lang) {
        Ok(rows) => {
            let all = files::lines(bytes);
            prop_assert!(rows.iter().all(|r| (2..=all).contains(&r.line)));
            prop_assert!(rows.iter().all(|r| r.starts_at < r.ends_at));
        }
        Err(problems) => files::points_into(bytes, &problems, &slot_csv::COLUMNS)?,
    }
    Ok(())
}

// The doses elsewhere import.

fn history_file() -> Vec<Vec<String>> {
    table(&[
        &["institution", "member", "date", "dose", "product", "place"],
        &["aoba", "s1", "2026-11-02", "1", "モデルナ", "仙台市"],
        &["AOBA", "s2", "2026/10/01", "2", "Pfizer", ""],
    ])
}

fn history(bytes: &[u8], lang: Language) -> Result<(), TestCaseError> {
    let institutions = [institution(1, "aoba")];
    match elsewhere::parse_import(bytes, &institutions, lang) {
        Ok(file) => {
            let all = files::lines(bytes);
            prop_assert!(file.rows.iter().all(|r| (2..=all).contains(&r.line)));
        }
        Err(problems) => files::points_into(bytes, &problems, &elsewhere::COLUMNS)?,
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(128))]

    #[test]
    fn any_slot_file_is_read_or_refused_with_its_line(bytes in bytes(), lang in language()) {
        slots(&bytes, lang)?;
    }

    #[test]
    fn a_broken_slot_file_is_read_or_refused_with_its_line(bytes in broken(slot_file()), lang in language()) {
        slots(&bytes, lang)?;
    }

    #[test]
    fn any_history_file_is_read_or_refused_with_its_line(bytes in bytes(), lang in language()) {
        history(&bytes, lang)?;
    }

    #[test]
    fn a_broken_history_file_is_read_or_refused_with_its_line(bytes in broken(history_file()), lang in language()) {
        history(&bytes, lang)?;
    }
}

// The voucher's OCR line.

/// Digits as a person types them: half- or full-width, with the spaces and
/// hyphens the reader ignores between them.
fn typed(digits: &str) -> impl Strategy<Value = String> + use<> {
    let digits: Vec<char> = digits.chars().collect();
    prop::collection::vec(
        (
            any::<bool>(),
            prop_oneof![Just(""), Just(" "), Just("-"), Just("\u{3000}"), Just("ー")],
        ),
        digits.len(),
    )
    .prop_map(move |forms| {
        digits
            .iter()
            .zip(forms)
            .map(|(d, (wide, gap))| {
                let d = if wide {
                    char::from_u32(u32::from(*d) - u32::from('0') + u32::from('０')).unwrap()
                } else {
                    *d
                };
                format!("{d}{gap}")
            })
            .collect()
    })
}

/// Texts of the 18 bytes a sealed voucher has: maybe `-`, a dose digit,
/// then digits, hyphens and wide characters, padded with `0`.
fn sealed_length_text() -> impl Strategy<Value = String> {
    (
        any::<bool>(),
        "[12]",
        prop::collection::vec(
            prop_oneof![Just('5'), Just('-'), Just('é'), Just('①')],
            0..17,
        ),
    )
        .prop_map(|(untyped, dose, chars)| {
            let mut text = if untyped {
                "-".to_owned()
            } else {
                String::new()
            };
            text.push_str(&dose);
            for c in chars {
                if text.len() + c.len_utf8() <= 18 {
                    text.push(c);
                }
            }
            while text.len() < 18 {
                text.push('0');
            }
            text
        })
}

/// An OCR line with a right check digit: the digits, and the dose.
fn ocr_line() -> impl Strategy<Value = (String, DoseNumber)> {
    ("[0-9]", 1u8..=2, "[0-9]{5}", "[0-9]{10}").prop_map(|(ticket, dose, code, number)| {
        let sum: u32 = code
            .bytes()
            .zip([6, 5, 4, 3, 2])
            .map(|(d, w)| u32::from(d - b'0') * w)
            .sum();
        let check = (11 - sum % 11) % 10;
        (
            format!("{ticket}{dose}{code}{check}{number}"),
            DoseNumber::new(dose).unwrap(),
        )
    })
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn any_text_is_a_voucher_or_a_voucher_error(text in "\\PC{0,40}", first in any::<bool>()) {
        let dose = if first { DoseNumber::FIRST } else { DoseNumber::SECOND };
        let digits = text.chars().filter(|c| c.is_ascii_digit() || ('０'..='９').contains(c)).count();
        for refused in [
            Voucher::from_ocr_line(&text, dose).err(),
            Voucher::from_parts(&text, &text, dose).err(),
            MunicipalityCode::parse(&text).err(),
            Voucher::from_text(&text).err(),
        ].into_iter().flatten() {
            if let VoucherError::Length { found, .. } = refused {
                prop_assert!(found <= digits, "{found} digits counted in {digits}");
            }
        }
    }

    /// What the vault holds is read back by its length in bytes: a text of
    /// that length with wide characters in it is refused, not sliced.
    #[test]
    fn a_sealed_text_of_the_right_length_is_a_voucher_or_a_voucher_error(
        text in sealed_length_text(),
    ) {
        if let Ok(voucher) = Voucher::from_text(&text) {
            prop_assert_eq!(voucher.to_text(), text);
        }
    }

    #[test]
    fn a_typed_ocr_line_reads_back_as_sealed((line, dose) in ocr_line().prop_flat_map(|(l, d)| (typed(&l), Just(d)))) {
        let voucher = Voucher::from_ocr_line(&line, dose).unwrap();
        prop_assert_eq!(voucher.dose(), dose);
        prop_assert_eq!(Voucher::from_text(&voucher.to_text()).unwrap(), voucher);
    }

    #[test]
    fn an_ocr_line_one_digit_short_or_long_says_how_many(
        (line, dose) in ocr_line(),
        longer in any::<bool>(),
    ) {
        let line = if longer { format!("{line}0") } else { line[..17].to_owned() };
        prop_assert_eq!(
            Voucher::from_ocr_line(&line, dose).unwrap_err(),
            VoucherError::Length { expected: 18, found: line.len() }
        );
    }
}

// Cases the fuzzing found, kept as they shrank.

/// `from_text` sliced a 17-byte rest at bytes 1 and 7, inside a wide
/// character: a panic where a refusal was due.
#[test]
fn a_sealed_text_with_wide_characters_is_refused() {
    assert_eq!(
        Voucher::from_text("-10①①0①éé0"),
        Err(VoucherError::NotDigits)
    );
}

/// The csv reader ends a record at a lone `\r` (a Macintosh CSV); the
/// line said counted only `\n`, so every problem was "line 1".
#[test]
fn a_macintosh_csv_says_the_line_of_its_bad_cell() {
    let problems = read(b"action,number\rcancel,1\rcancel,x\r", Language::En).unwrap_err();
    assert_eq!(problems[0].line, 3);
    let error = upload::decode(b"action\rcancel\r\xff\xff\r", Language::En).unwrap_err();
    assert_eq!(error.line, 3);
}
