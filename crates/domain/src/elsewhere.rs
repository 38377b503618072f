//! Doses received elsewhere (他所での接種): at another venue, a clinic,
//! abroad. A person declares them on the public side, the office enters,
//! corrects, confirms or imports them; they shorten or complete what the
//! person may still book here (see [`crate::booking::ToBook`]).
//!
//! A dose elsewhere belongs to a person's login at their institution (not
//! to a [`crate::Person`]), so that an office's history import holds for
//! people who have not signed in yet. The rules here are what every path
//! checks alike — the person's form, the API, the office's forms and the
//! import: a date not in the future, the second dose not before the first,
//! a product named, and a dose not had here as well.
//!
//! The import file ([`parse_import`], then [`check_import`]):
//!
//! | column | required | meaning |
//! |---|---|---|
//! | `institution` | yes | the institution's code |
//! | `member` | yes | the member's login id there |
//! | `date` | yes | the day the dose was given, `2026-11-02` (or `2026/11/02`) |
//! | `dose` | yes | `1` or `2` |
//! | `product` | yes | the vaccine given (its name) |
//! | `place` | no | where (a clinic, a town, a country) |

use crate::upload::{self, Row, UploadError};
use crate::{AdminId, DoseNumber, Institution, InstitutionId, Language, ParseError, Subject};
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::{BTreeMap, HashMap};

/// The longest product name kept, in characters.
pub const PRODUCT_MAX: usize = 100;
/// The longest place kept, in characters.
pub const PLACE_MAX: usize = 200;

/// Who said a dose was received elsewhere.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Source {
    /// The person, on the public side (counts for booking at once; the
    /// office may confirm or correct it).
    Declared,
    /// The office, on a reservation's page.
    Office,
    /// The office's history import.
    Import,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Declared => "declared",
            Source::Office => "office",
            Source::Import => "import",
        }
    }

    pub fn parse(s: &str) -> Result<Self, ParseError> {
        match s {
            "declared" => Ok(Source::Declared),
            "office" => Ok(Source::Office),
            "import" => Ok(Source::Import),
            _ => Err(ParseError::new(
                "source of a dose elsewhere",
                format!("unknown source {s:?}"),
            )),
        }
    }
}

/// A dose a person received elsewhere, as recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ElsewhereDose {
    pub dose: DoseNumber,
    pub given_on: NaiveDate,
    /// The vaccine given, as named (trimmed, at most [`PRODUCT_MAX`]).
    pub product: String,
    /// Where, as named (may be empty).
    pub place: String,
    pub source: Source,
    pub recorded_at: DateTime<Utc>,
    /// When and by whom the office confirmed it. The office's own entries
    /// and imports are confirmed by the account that made them.
    pub confirmed: Option<(DateTime<Utc>, AdminId)>,
}

impl ElsewhereDose {
    /// Whether the person may still change or withdraw it themselves: only
    /// their own declaration, until the office has confirmed it.
    pub fn is_own_declaration(&self) -> bool {
        self.source == Source::Declared && self.confirmed.is_none()
    }
}

/// What someone says about one dose received elsewhere, as typed.
#[derive(Clone, Copy, Debug)]
pub struct Entry<'a> {
    pub dose: DoseNumber,
    pub given_on: NaiveDate,
    pub product: &'a str,
    pub place: &'a str,
}

/// An [`Entry`] that passed the rules: what is stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Declaration {
    pub dose: DoseNumber,
    pub given_on: NaiveDate,
    pub product: String,
    pub place: String,
}

/// Why an entry is refused. Each names the field it is about and has a
/// message in both languages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Problem {
    /// The day has not come yet.
    InFuture,
    /// A second dose dated before the first one (that day).
    BeforeFirstDose(NaiveDate),
    /// A first dose dated after the second one (that day).
    AfterSecondDose(NaiveDate),
    /// No product named.
    NoProduct,
    /// The product is too long or holds control characters.
    ProductText,
    /// The place is too long or holds control characters.
    PlaceText,
    /// The dose is booked in a reservation here, or was given here.
    HeldHere,
    /// The office entered or confirmed it: only the office changes it.
    OfficeEntry,
    /// The person holds a reservation here: their history is settled with
    /// it, so they cancel it first (or ask the office).
    ReservedHere,
}

impl Problem {
    /// The form field (and import column) the problem is in.
    pub fn field(self) -> &'static str {
        match self {
            Problem::InFuture | Problem::BeforeFirstDose(_) | Problem::AfterSecondDose(_) => "date",
            Problem::NoProduct | Problem::ProductText => "product",
            Problem::PlaceText => "place",
            Problem::HeldHere | Problem::OfficeEntry | Problem::ReservedHere => "dose",
        }
    }

    /// A stable code, for the API's `code` and the pages' query strings.
    pub fn code(self) -> &'static str {
        match self {
            Problem::InFuture => "date_in_future",
            Problem::BeforeFirstDose(_) => "before_first_dose",
            Problem::AfterSecondDose(_) => "after_second_dose",
            Problem::NoProduct => "no_product",
            Problem::ProductText => "product_invalid",
            Problem::PlaceText => "place_invalid",
            Problem::HeldHere => "dose_held_here",
            Problem::OfficeEntry => "confirmed_by_office",
            Problem::ReservedHere => "reservation_held",
        }
    }

    /// What the person or the office reads.
    pub fn message(self, lang: Language) -> String {
        use Language::{En, Ja};
        match (self, lang) {
            (Problem::InFuture, Ja) => "接種日が未来の日付です。".into(),
            (Problem::InFuture, En) => "The date is in the future.".into(),
            (Problem::BeforeFirstDose(first), Ja) => format!(
                "2回目の接種日が1回目 ({}) より前です。",
                first.format("%Y-%m-%d")
            ),
            (Problem::BeforeFirstDose(first), En) => format!(
                "The second dose is dated before the first ({}).",
                first.format("%Y-%m-%d")
            ),
            (Problem::AfterSecondDose(second), Ja) => format!(
                "1回目の接種日が2回目 ({}) より後です。",
                second.format("%Y-%m-%d")
            ),
            (Problem::AfterSecondDose(second), En) => format!(
                "The first dose is dated after the second ({}).",
                second.format("%Y-%m-%d")
            ),
            (Problem::NoProduct, Ja) => "ワクチンの種類を入力してください。".into(),
            (Problem::NoProduct, En) => "Please name the vaccine.".into(),
            (Problem::ProductText, Ja) => format!(
                "ワクチンの種類は{PRODUCT_MAX}文字以内で、改行などを含めずに入力してください。"
            ),
            (Problem::ProductText, En) => format!(
                "The vaccine's name must be at most {PRODUCT_MAX} characters, without line breaks."
            ),
            (Problem::PlaceText, Ja) => format!(
                "接種場所は{PLACE_MAX}文字以内で、改行などを含めずに入力してください。"
            ),
            (Problem::PlaceText, En) => format!(
                "The place must be at most {PLACE_MAX} characters, without line breaks."
            ),
            (Problem::HeldHere, Ja) => {
                "この回はこのシステムで予約済みか接種済みです。".into()
            }
            (Problem::HeldHere, En) => "This dose is booked or was given here.".into(),
            (Problem::OfficeEntry, Ja) => {
                "この回は事務局が記録・確認済みです。変更は事務局にお問い合わせください。".into()
            }
            (Problem::OfficeEntry, En) => {
                "The office has recorded or confirmed this dose. Please contact the office to change it."
                    .into()
            }
            (Problem::ReservedHere, Ja) => {
                "予約があるあいだは接種歴を変更できません。予約を取り消してから登録するか、事務局にお問い合わせください。"
                    .into()
            }
            (Problem::ReservedHere, En) => {
                "While you hold a reservation, your history cannot change. Cancel it first, or contact the office."
                    .into()
            }
        }
    }
}

/// `text` trimmed, if it has at most `max` characters and no control
/// character.
fn bounded(text: &str, max: usize) -> Option<String> {
    let text = text.trim();
    (text.chars().count() <= max && !text.chars().any(char::is_control)).then(|| text.to_owned())
}

impl Declaration {
    /// Checks `entry` on `today` (Tokyo) against the person's other doses
    /// received elsewhere (`others`: dose and day; an entry for the same
    /// dose is the one being replaced and is ignored) and the doses they
    /// hold here (`here`: booked in an active reservation, or given).
    /// Every problem is reported.
    pub fn check(
        entry: Entry<'_>,
        today: NaiveDate,
        others: &[(DoseNumber, NaiveDate)],
        here: &[DoseNumber],
    ) -> Result<Self, Vec<Problem>> {
        let mut problems = Vec::new();
        if entry.given_on > today {
            problems.push(Problem::InFuture);
        }
        for &(dose, day) in others.iter().filter(|(d, _)| *d != entry.dose) {
            if entry.dose == DoseNumber::SECOND && dose == DoseNumber::FIRST && entry.given_on < day
            {
                problems.push(Problem::BeforeFirstDose(day));
            }
            if entry.dose == DoseNumber::FIRST && dose == DoseNumber::SECOND && entry.given_on > day
            {
                problems.push(Problem::AfterSecondDose(day));
            }
        }
        let product = bounded(entry.product, PRODUCT_MAX);
        match &product {
            None => problems.push(Problem::ProductText),
            Some(p) if p.is_empty() => problems.push(Problem::NoProduct),
            Some(_) => {}
        }
        let place = bounded(entry.place, PLACE_MAX);
        if place.is_none() {
            problems.push(Problem::PlaceText);
        }
        if here.contains(&entry.dose) {
            problems.push(Problem::HeldHere);
        }
        match (product, place) {
            (Some(product), Some(place)) if problems.is_empty() => Ok(Declaration {
                dose: entry.dose,
                given_on: entry.given_on,
                product,
                place,
            }),
            _ => Err(problems),
        }
    }
}

/// The person's own rule on top of [`Declaration::check`]: they may
/// declare, change or withdraw a dose only while they hold no reservation
/// here (`reserved`), and only if the dose's entry (`existing`) is theirs
/// and not yet confirmed.
pub fn check_own(reserved: bool, existing: Option<&ElsewhereDose>) -> Result<(), Problem> {
    if existing.is_some_and(|e| !e.is_own_declaration()) {
        return Err(Problem::OfficeEntry);
    }
    if reserved {
        return Err(Problem::ReservedHere);
    }
    Ok(())
}

/// A dose of `(dose, day)`, as [`Declaration::check`] takes the others.
pub fn days(doses: &[ElsewhereDose]) -> Vec<(DoseNumber, NaiveDate)> {
    doses.iter().map(|d| (d.dose, d.given_on)).collect()
}

/// The columns of the import file.
pub const COLUMNS: [&str; 6] = ["institution", "member", "date", "dose", "product", "place"];
const REQUIRED: [&str; 5] = ["institution", "member", "date", "dose", "product"];

/// A line of the import file, read but not yet checked against the
/// records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportRow {
    pub line: usize,
    pub institution: InstitutionId,
    pub member: Subject,
    pub dose: DoseNumber,
    pub given_on: NaiveDate,
    pub product: String,
    pub place: String,
}

/// An import file, read: its rows, and where its columns are (for the
/// problems found when the rows are checked against the records).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportFile {
    pub rows: Vec<ImportRow>,
    columns: Vec<(&'static str, usize)>,
}

impl ImportFile {
    /// A problem with the cell of `column` on `line`.
    fn problem(&self, line: usize, column: &str, message: String) -> UploadError {
        UploadError {
            line,
            column: self
                .columns
                .iter()
                .find(|(name, _)| *name == column)
                .map(|(name, i)| (i + 1, (*name).to_owned())),
            message,
        }
    }
}

/// A line of the import file that passed every rule: what is stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportLine {
    pub line: usize,
    pub institution: InstitutionId,
    pub member: Subject,
    pub declaration: Declaration,
}

fn say(lang: Language, ja: &str, en: &str) -> String {
    lang.pick(ja, en).to_owned()
}

/// A day as offices type it: `2026-11-02` or `2026/11/02`.
pub fn parse_day(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(text, "%Y/%m/%d"))
        .ok()
}

/// Reads an import file (UTF-8 with or without BOM, or CP932). An
/// institution not in `institutions` (those the importer may import for)
/// is refused as unknown, so that staff learn nothing of the others. Every
/// problem is reported with its line and column.
pub fn parse_import(
    bytes: &[u8],
    institutions: &[Institution],
    lang: Language,
) -> Result<ImportFile, Vec<UploadError>> {
    let read = upload::read_lines(
        bytes,
        &COLUMNS,
        &REQUIRED,
        ("接種歴の行がありません", "the file has no doses"),
        lang,
        |row| parse_row(row, institutions, lang),
    )?;
    Ok(ImportFile {
        rows: read.lines,
        columns: read.columns,
    })
}

fn parse_row(
    row: &Row,
    institutions: &[Institution],
    lang: Language,
) -> Result<ImportRow, Vec<UploadError>> {
    let mut problems = Vec::new();
    let required = say(lang, "必須です", "is required");
    let need = |column: &str, problems: &mut Vec<UploadError>| {
        let value = row.get(column);
        if value.is_none() {
            problems.push(row.problem(column, required.clone()));
        }
        value
    };
    let institution = need("institution", &mut problems).and_then(|code| {
        let found = institutions
            .iter()
            .find(|i| i.code.as_str().eq_ignore_ascii_case(code));
        if found.is_none() {
            problems.push(row.problem(
                "institution",
                match lang {
                    Language::Ja => format!("機関 {code:?} はありません"),
                    Language::En => format!("no institution {code:?}"),
                },
            ));
        }
        found.map(|i| i.id)
    });
    let member = need("member", &mut problems).and_then(|v| match Subject::parse(v) {
        Ok(s) => Some(s),
        Err(e) => {
            problems.push(row.problem("member", e.reason));
            None
        }
    });
    let given_on = need("date", &mut problems).and_then(|v| {
        let day = parse_day(v);
        if day.is_none() {
            problems.push(row.problem(
                "date",
                match lang {
                    Language::Ja => format!("{v:?} は日付 (2026-11-02) ではありません"),
                    Language::En => format!("{v:?} is not a date like 2026-11-02"),
                },
            ));
        }
        day
    });
    let dose = need("dose", &mut problems).and_then(|v| {
        let dose = v.parse::<DoseNumber>().ok();
        if dose.is_none() {
            problems.push(row.problem(
                "dose",
                say(lang, "1 か 2 を入れてください", "must be 1 or 2"),
            ));
        }
        dose
    });
    let product = need("product", &mut problems).map(str::to_owned);
    let place = row.get("place").unwrap_or_default().to_owned();
    match (institution, member, given_on, dose, product) {
        (Some(institution), Some(member), Some(given_on), Some(dose), Some(product))
            if problems.is_empty() =>
        {
            Ok(ImportRow {
                line: row.line,
                institution,
                member,
                dose,
                given_on,
                product,
                place,
            })
        }
        _ => Err(problems),
    }
}

/// Who a dose elsewhere belongs to: an institution and a member's login.
pub type Whose = (InstitutionId, String);

/// Checks the rows of an import as a whole on `today`: each against the
/// rules of [`Declaration::check`], with the file's own doses of the person
/// before those stored (`stored`), against the doses they hold here
/// (`here`); a person's dose twice in the file is refused. Every problem
/// is reported, with its line and column.
pub fn check_import(
    file: &ImportFile,
    today: NaiveDate,
    stored: &HashMap<Whose, Vec<ElsewhereDose>>,
    here: &HashMap<Whose, Vec<DoseNumber>>,
    lang: Language,
) -> Result<Vec<ImportLine>, Vec<UploadError>> {
    let whose = |r: &ImportRow| (r.institution, r.member.as_str().to_owned());
    // The file's doses per person, with the line each is on.
    let mut in_file: HashMap<Whose, BTreeMap<DoseNumber, (usize, NaiveDate)>> = HashMap::new();
    let mut errors = Vec::new();
    for row in &file.rows {
        let doses = in_file.entry(whose(row)).or_default();
        if let Some((first, _)) = doses.get(&row.dose) {
            errors.push(file.problem(
                row.line,
                "dose",
                match lang {
                    Language::Ja => format!("{first} 行目と同じ人の同じ回です"),
                    Language::En => format!("the same member's dose as line {first}"),
                },
            ));
        } else {
            doses.insert(row.dose, (row.line, row.given_on));
        }
    }
    let mut lines = Vec::with_capacity(file.rows.len());
    for row in &file.rows {
        let key = whose(row);
        let mut others: BTreeMap<DoseNumber, NaiveDate> = stored
            .get(&key)
            .map(|doses| doses.iter().map(|d| (d.dose, d.given_on)).collect())
            .unwrap_or_default();
        for (dose, (_, day)) in in_file.get(&key).into_iter().flatten() {
            others.insert(*dose, *day);
        }
        let others: Vec<(DoseNumber, NaiveDate)> = others.into_iter().collect();
        let entry = Entry {
            dose: row.dose,
            given_on: row.given_on,
            product: &row.product,
            place: &row.place,
        };
        let held = here.get(&key).map_or(&[][..], Vec::as_slice);
        match Declaration::check(entry, today, &others, held) {
            Ok(declaration) => lines.push(ImportLine {
                line: row.line,
                institution: row.institution,
                member: row.member.clone(),
                declaration,
            }),
            Err(problems) => errors.extend(
                problems
                    .into_iter()
                    .map(|p| file.problem(row.line, p.field(), p.message(lang))),
            ),
        }
    }
    if errors.is_empty() {
        Ok(lines)
    } else {
        errors.sort_by_key(|e| (e.line, e.column.as_ref().map(|c| c.0)));
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        AttributeMapping, ChangeDeadline, Contact, InstitutionCode, LoginMethod, MailSettings,
    };

    fn day(text: &str) -> NaiveDate {
        parse_day(text).unwrap()
    }

    fn entry(dose: u8, given_on: &str, product: &'static str) -> Entry<'static> {
        Entry {
            dose: DoseNumber::new(dose).unwrap(),
            given_on: day(given_on),
            product,
            place: " 仙台市 ",
        }
    }

    const TODAY: &str = "2026-12-01";

    #[test]
    fn a_dose_of_the_past_with_a_product_is_kept_trimmed() {
        let declared =
            Declaration::check(entry(1, "2026-11-02", " モデルナ "), day(TODAY), &[], &[]);
        assert_eq!(
            declared,
            Ok(Declaration {
                dose: DoseNumber::FIRST,
                given_on: day("2026-11-02"),
                product: "モデルナ".into(),
                place: "仙台市".into(),
            })
        );
        let today = Declaration::check(entry(1, TODAY, "Moderna"), day(TODAY), &[], &[]);
        assert!(today.is_ok(), "today is not the future");
    }

    #[test]
    fn every_problem_of_an_entry_is_reported() {
        let too_long = "x".repeat(PRODUCT_MAX + 1);
        let problems = Declaration::check(
            Entry {
                product: &too_long,
                place: "a\nb",
                ..entry(2, "2026-12-02", "")
            },
            day(TODAY),
            &[(DoseNumber::FIRST, day("2026-12-05"))],
            &[DoseNumber::SECOND],
        )
        .unwrap_err();
        assert_eq!(
            problems,
            [
                Problem::InFuture,
                Problem::BeforeFirstDose(day("2026-12-05")),
                Problem::ProductText,
                Problem::PlaceText,
                Problem::HeldHere,
            ]
        );
        let empty = Declaration::check(entry(1, "2026-11-02", "  "), day(TODAY), &[], &[]);
        assert_eq!(empty, Err(vec![Problem::NoProduct]));
    }

    #[test]
    fn the_second_dose_comes_on_or_after_the_first_and_not_the_other_way() {
        let first = [(DoseNumber::FIRST, day("2026-10-01"))];
        let second = [(DoseNumber::SECOND, day("2026-10-29"))];
        let check = |e, others: &[(DoseNumber, NaiveDate)]| {
            Declaration::check(e, day(TODAY), others, &[]).map(|_| ())
        };
        assert_eq!(check(entry(2, "2026-10-01", "p"), &first), Ok(()));
        assert_eq!(
            check(entry(2, "2026-09-30", "p"), &first),
            Err(vec![Problem::BeforeFirstDose(day("2026-10-01"))])
        );
        assert_eq!(
            check(entry(1, "2026-10-30", "p"), &second),
            Err(vec![Problem::AfterSecondDose(day("2026-10-29"))])
        );
        assert_eq!(
            check(entry(1, "2026-11-30", "p"), &first),
            Ok(()),
            "the dose being replaced is no other"
        );
    }

    #[test]
    fn a_person_changes_only_their_own_unconfirmed_declaration_without_a_reservation() {
        let declared = ElsewhereDose {
            dose: DoseNumber::FIRST,
            given_on: day("2026-11-02"),
            product: "p".into(),
            place: String::new(),
            source: Source::Declared,
            recorded_at: DateTime::from_timestamp(0, 0).unwrap(),
            confirmed: None,
        };
        assert_eq!(check_own(false, None), Ok(()));
        assert_eq!(check_own(false, Some(&declared)), Ok(()));
        assert_eq!(check_own(true, None), Err(Problem::ReservedHere));
        let confirmed = ElsewhereDose {
            confirmed: Some((declared.recorded_at, AdminId::new(1))),
            ..declared.clone()
        };
        assert_eq!(
            check_own(false, Some(&confirmed)),
            Err(Problem::OfficeEntry)
        );
        let imported = ElsewhereDose {
            source: Source::Import,
            ..declared
        };
        assert_eq!(check_own(false, Some(&imported)), Err(Problem::OfficeEntry));
    }

    #[test]
    fn every_problem_has_both_languages_and_a_distinct_code() {
        let all = [
            Problem::InFuture,
            Problem::BeforeFirstDose(day(TODAY)),
            Problem::AfterSecondDose(day(TODAY)),
            Problem::NoProduct,
            Problem::ProductText,
            Problem::PlaceText,
            Problem::HeldHere,
            Problem::OfficeEntry,
            Problem::ReservedHere,
        ];
        let codes: std::collections::BTreeSet<_> = all.iter().map(|p| p.code()).collect();
        assert_eq!(codes.len(), all.len());
        for p in all {
            assert_ne!(p.message(Language::Ja), p.message(Language::En));
            assert!(COLUMNS.contains(&p.field()), "{p:?}");
        }
    }

    #[test]
    fn sources_round_trip() {
        for s in [Source::Declared, Source::Office, Source::Import] {
            assert_eq!(Source::parse(s.as_str()), Ok(s));
        }
        assert!(Source::parse("rumour").is_err());
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

    fn import(text: &str) -> Result<Vec<ImportLine>, Vec<String>> {
        let institutions = [institution(1, "aoba")];
        let file = parse_import(text.as_bytes(), &institutions, Language::En)
            .map_err(|e| e.iter().map(ToString::to_string).collect::<Vec<_>>())?;
        let stored = HashMap::from([(
            (InstitutionId::new(1), "s2".to_owned()),
            vec![ElsewhereDose {
                dose: DoseNumber::FIRST,
                given_on: day("2026-10-10"),
                product: "p".into(),
                place: String::new(),
                source: Source::Declared,
                recorded_at: DateTime::from_timestamp(0, 0).unwrap(),
                confirmed: None,
            }],
        )]);
        let here = HashMap::from([(
            (InstitutionId::new(1), "s3".to_owned()),
            vec![DoseNumber::FIRST],
        )]);
        check_import(&file, day(TODAY), &stored, &here, Language::En)
            .map_err(|e| e.iter().map(ToString::to_string).collect())
    }

    #[test]
    fn an_import_is_read_whatever_the_column_order() {
        let lines = import(
            "member,dose,date,product,institution,place\n\
             s1,1,2026/10/01,Moderna,AOBA,Sendai\n\
             s1,2,2026-10-29,Moderna,aoba,\n\
             s2,2,2026-11-07,Pfizer,aoba,\n",
        )
        .unwrap();
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[0].line, 2);
        assert_eq!(lines[0].member.as_str(), "s1");
        assert_eq!(lines[0].declaration.place, "Sendai");
        assert_eq!(lines[1].declaration.given_on, day("2026-10-29"));
    }

    #[test]
    fn every_problem_of_an_import_names_its_line_and_column() {
        let problems = import(
            "institution,member,date,dose,product\n\
             aoba,s1,2026-10-01,3,Moderna\n\
             other,s1,yesterday,1,\n\
             aoba,s2,2026-10-01,2,Pfizer\n\
             aoba,s3,2026-10-01,1,Pfizer\n\
             aoba,s4,2026-12-24,1,Pfizer\n",
        )
        .unwrap_err();
        assert_eq!(
            problems,
            [
                "line 2, column 4 (dose): must be 1 or 2",
                "line 3, column 1 (institution): no institution \"other\"",
                "line 3, column 3 (date): \"yesterday\" is not a date like 2026-11-02",
                "line 3, column 5 (product): is required",
            ],
            "the cells first: the records are not read for a file that does not parse"
        );
        let problems = import(
            "dose,institution,member,date,product\n\
             2,aoba,s2,2026-10-01,Pfizer\n\
             1,aoba,s3,2026-10-01,Pfizer\n\
             1,aoba,s4,2026-12-24,Pfizer\n\
             1,aoba,s5,2026-10-01,Pfizer\n\
             1,aoba,s5,2026-10-02,Pfizer\n\
             2,aoba,s6,2026-10-01,Pfizer\n\
             1,aoba,s6,2026-10-05,Pfizer\n",
        )
        .unwrap_err();
        assert_eq!(
            problems,
            [
                "line 2, column 4 (date): The second dose is dated before the first (2026-10-10).",
                "line 3, column 1 (dose): This dose is booked or was given here.",
                "line 4, column 4 (date): The date is in the future.",
                "line 6, column 1 (dose): the same member's dose as line 5",
                "line 7, column 4 (date): The second dose is dated before the first (2026-10-05).",
                "line 8, column 4 (date): The first dose is dated after the second (2026-10-01).",
            ]
        );
    }
}
