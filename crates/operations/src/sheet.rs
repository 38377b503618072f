//! The day's sheet, for a venue working offline (paper fallback): before the
//! day the venue downloads an XLSX with one row per reservation of the day
//! and the columns to fill (attended, questionnaire, decision, time, lot,
//! given by, arm, voucher); when the network is back it uploads the sheet.
//!
//! The upload is read whole first: every problem is reported with its line
//! and column (a reservation not of this day and venue, a lot not
//! registered or expired, a value that is not one of the column's), and
//! what the sheet says against what was recorded online meanwhile is shown
//! as a conflict and left as it is online. Then the plan is previewed, and
//! applied in one transaction with an entry per line and one for the sheet;
//! a line the transaction refuses (recorded online since the preview)
//! undoes the whole sheet and names its line.

use crate::lists::{self, ListUse, Listing, RecipientList};
use crate::{Actor, OperationError, Operations};
use chrono::{NaiveDate, NaiveTime, TimeZone, Utc};
use sesshu_domain::{
    AdminId, AuditAction, AuditObject, Decision, DoseNumber, DoseRecord, Duty, Language, Lot,
    LotNumber, ReservationNumber, Scope, Site, TOKYO, Vaccinated, VenueId, day_start, tokyo_day,
};
use sesshu_store::{DoseStep, SheetLine, StoreError};
use sesshu_vault_open::Keyring;
use std::collections::{BTreeMap, BTreeSet};

/// The sheet's columns, in order: (Japanese, English) titles.
pub const COLUMNS: [(&str, &str); 14] = [
    ("予約番号", "Reservation"),
    ("回", "Dose"),
    ("予約時刻", "Time booked"),
    ("氏名", "Name"),
    ("ふりがな", "Kana"),
    ("来場", "Attended"),
    ("予診票", "Questionnaire"),
    ("判断", "Decision"),
    ("延期の理由", "Reason (postponed)"),
    ("接種時刻", "Time given"),
    ("ロット番号", "Lot"),
    ("接種者", "Given by"),
    ("部位", "Arm"),
    ("接種券回収", "Voucher collected"),
];

const NUMBER: usize = 0;
const DOSE: usize = 1;
const ATTENDED: usize = 5;
const QUESTIONNAIRE: usize = 6;
const DECISION: usize = 7;
const REASON: usize = 8;
const TIME: usize = 9;
const LOT: usize = 10;
const GIVEN_BY: usize = 11;
const ARM: usize = 12;
const VOUCHER: usize = 13;

/// How a decision is written in the sheet (each form is read back).
fn decision_text(d: Decision) -> &'static str {
    match d {
        Decision::Vaccinate => "接種/vaccinate",
        Decision::Postpone => "延期/postpone",
        Decision::Contraindicated => "禁忌/contraindicated",
        Decision::Refused => "辞退/refused",
        Decision::Unwell => "体調不良/unwell",
    }
}

fn site_text(s: Site) -> &'static str {
    match s {
        Site::LeftArm => "左/left",
        Site::RightArm => "右/right",
    }
}

const YES: &str = "○";

/// The day's sheet of `list`'s venue as an XLSX workbook, filled in with
/// what is recorded already; names opened with one `personal.view` entry
/// and the file audited as an export.
pub async fn download(
    ops: &Operations,
    keys: &Keyring,
    actor: &Actor,
    list: &RecipientList,
) -> Result<Vec<u8>, OperationError> {
    let recipients = lists::recipients(ops, keys, actor, list, ListUse::Export).await?;
    let mut rows = Vec::with_capacity(recipients.len());
    let mut lot_numbers = BTreeMap::new();
    for lot in ops.store().lots(list.venue).await? {
        lot_numbers.insert(lot.id, lot.number.to_string());
    }
    for r in &recipients {
        let series = ops
            .store()
            .series_by_number(&r.number)
            .await?
            .ok_or(OperationError::NotFound)?;
        let record = record_of(ops, series.id, r.dose).await?;
        let voucher = ops
            .store()
            .vouchers(series.id)
            .await?
            .into_iter()
            .any(|v| v.dose == r.dose && v.collected_at.is_some());
        let given = record.vaccinated.as_ref();
        let mark = |b: bool| if b { YES.to_owned() } else { String::new() };
        rows.push(vec![
            r.number.to_string(),
            r.dose.get().to_string(),
            r.starts_at
                .with_timezone(&TOKYO)
                .format("%H:%M")
                .to_string(),
            r.names.kanji.clone(),
            r.names.kana.clone(),
            mark(r.checked_in),
            mark(record.questionnaire_at.is_some()),
            record
                .decision
                .map(|(d, _)| decision_text(d).to_owned())
                .unwrap_or_default(),
            String::new(),
            given
                .map(|v| v.at.with_timezone(&TOKYO).format("%H:%M").to_string())
                .unwrap_or_default(),
            given
                .and_then(|v| lot_numbers.get(&v.lot).cloned())
                .unwrap_or_default(),
            given.map(|v| v.given_by.clone()).unwrap_or_default(),
            given
                .map(|v| site_text(v.site).to_owned())
                .unwrap_or_default(),
            mark(voucher),
        ]);
    }
    let header: Vec<String> = COLUMNS
        .iter()
        .map(|(ja, en)| format!("{ja} {en}"))
        .collect();
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    let title = list.day.format("%Y-%m-%d").to_string();
    let file = crate::export::xlsx(&title, &header, &rows).map_err(|e| {
        tracing::error!(error = %e, "the day's sheet could not be written");
        OperationError::Store(StoreError::corrupt("xlsx"))
    })?;
    lists::record_export(
        ops,
        actor,
        &Listing::Recipients(*list),
        rows.len(),
        lists::FileFormat::Xlsx,
    )
    .await?;
    Ok(file)
}

/// What is wrong with a cell (or the file), said in both languages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    /// Not an XLSX workbook, or no sheet in it.
    NotAWorkbook,
    /// Larger, once unpacked, than any day's sheet (a file packed to
    /// expand without end is refused before it is read).
    TooLarge,
    /// The first row is not the sheet's header.
    Header,
    /// Not a reservation of this day at this venue.
    UnknownReservation,
    /// The reservation has no such dose that day.
    UnknownDose,
    /// The same reservation and dose twice.
    Repeated,
    /// Not one of the values the column takes.
    Value,
    /// A time of day `HH:MM`.
    Time,
    /// A lot number not registered at the venue.
    UnknownLot,
    /// A lot expired, of another vaccine, or used up.
    LotRefused,
    /// A later column is filled and this one is empty.
    Missing,
    /// Who gave the vaccine, the lot, the time and the arm go together.
    Incomplete,
}

impl Problem {
    pub fn message(&self, lang: Language) -> &'static str {
        match (self, lang) {
            (Problem::NotAWorkbook, Language::Ja) => "Excel（.xlsx）のファイルではありません",
            (Problem::NotAWorkbook, Language::En) => "not an Excel (.xlsx) workbook",
            (Problem::TooLarge, Language::Ja) => {
                "ファイルが大きすぎます（展開すると当日シートの上限を超えます）"
            }
            (Problem::TooLarge, Language::En) => {
                "the file is too large once unpacked for a day's sheet"
            }
            (Problem::Header, Language::Ja) => "1行目が当日シートの見出しではありません",
            (Problem::Header, Language::En) => "the first row is not the day sheet's header",
            (Problem::UnknownReservation, Language::Ja) => "この日・この会場の予約ではありません",
            (Problem::UnknownReservation, Language::En) => {
                "not a reservation of this day at this venue"
            }
            (Problem::UnknownDose, Language::Ja) => "この日のこの回の接種はありません",
            (Problem::UnknownDose, Language::En) => "the reservation has no such dose that day",
            (Problem::Repeated, Language::Ja) => "同じ予約・回が2回あります",
            (Problem::Repeated, Language::En) => "the same reservation and dose twice",
            (Problem::Value, Language::Ja) => "この列の値ではありません",
            (Problem::Value, Language::En) => "not one of this column's values",
            (Problem::Time, Language::Ja) => "時刻は HH:MM で書いてください",
            (Problem::Time, Language::En) => "write the time as HH:MM",
            (Problem::UnknownLot, Language::Ja) => "この会場に登録されていないロットです",
            (Problem::UnknownLot, Language::En) => "a lot not registered at this venue",
            (Problem::LotRefused, Language::Ja) => {
                "このロットは使えません（期限切れ・別のワクチン・残りなし）"
            }
            (Problem::LotRefused, Language::En) => {
                "this lot gives no dose (expired, another vaccine, or used up)"
            }
            (Problem::Missing, Language::Ja) => "後の列が書かれているのに、この列が空です",
            (Problem::Missing, Language::En) => "a later column is filled and this one is empty",
            (Problem::Incomplete, Language::Ja) => {
                "接種時刻・ロット・接種者・部位はそろえて書いてください"
            }
            (Problem::Incomplete, Language::En) => {
                "the time given, lot, given by and arm go together"
            }
        }
    }
}

/// A problem at a line (1 = the header) and column (`A`…), if it is in a
/// cell.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Located {
    pub line: usize,
    pub column: Option<char>,
    pub problem: Problem,
}

impl Located {
    fn at(line: usize, column: usize, problem: Problem) -> Self {
        Self {
            line,
            column: Some(column_letter(column)),
            problem,
        }
    }
}

fn column_letter(index: usize) -> char {
    char::from(b'A' + u8::try_from(index).unwrap_or(25).min(25))
}

/// What the sheet says against what was recorded online meanwhile: shown,
/// not applied (online stays).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Conflict {
    pub line: usize,
    pub column: char,
    pub number: ReservationNumber,
    /// What is recorded online, and what the sheet says (codes and lot
    /// numbers: no personal value).
    pub online: String,
    pub sheet: String,
}

/// What one line adds.
#[derive(Clone, Debug)]
pub struct Planned {
    pub line: usize,
    pub number: ReservationNumber,
    pub dose: DoseNumber,
    /// The additions, as the preview lists them (`check-in`, `questionnaire`,
    /// `vaccinate`, `lot AB-1 left_arm`, `voucher`).
    pub adds: Vec<String>,
    change: SheetLine,
}

/// The sheet read against the day.
#[derive(Clone, Debug, Default)]
pub struct Plan {
    pub lines: Vec<Planned>,
    pub conflicts: Vec<Conflict>,
    pub problems: Vec<Located>,
}

/// One row as typed.
#[derive(Debug)]
struct Row {
    line: usize,
    cells: Vec<String>,
}

/// Reads and checks a sheet uploaded for `venue`'s `day` against what is
/// recorded now: nothing is written.
pub async fn plan(
    ops: &Operations,
    keys: &Keyring,
    actor: &Actor,
    venue: VenueId,
    day: NaiveDate,
    file: &[u8],
) -> Result<Plan, OperationError> {
    actor.may(Duty::CheckIn, Scope::Venue(venue))?;
    let rows = match read(file) {
        Ok(rows) => rows,
        Err(problem) => {
            return Ok(Plan {
                problems: vec![problem],
                ..Plan::default()
            });
        }
    };
    let from = day_start(day);
    let to = day_start(day.succ_opt().unwrap_or(day));
    let mut due = BTreeMap::new();
    for series in ops.store().series_at(venue, from, to).await? {
        for dose in &series.doses {
            if dose.venue == venue && tokyo_day(dose.starts_at) == day {
                due.insert((series.number.clone(), dose.number), series.clone());
            }
        }
    }
    let lots: BTreeMap<LotNumber, Lot> = ops
        .store()
        .lots(venue)
        .await?
        .into_iter()
        .map(|l| (l.number.clone(), l))
        .collect();
    let mut lot_use: BTreeMap<LotNumber, u32> = BTreeMap::new();
    let mut seen = BTreeSet::new();
    let mut plan = Plan::default();
    for row in rows {
        let line = row.line;
        let cell = |c: usize| row.cells.get(c).map(|s| s.trim()).unwrap_or("");
        let Ok(number) = ReservationNumber::parse(cell(NUMBER)) else {
            plan.problems
                .push(Located::at(line, NUMBER, Problem::UnknownReservation));
            continue;
        };
        let Some(dose) = cell(DOSE)
            .parse::<u8>()
            .ok()
            .and_then(|d| DoseNumber::new(d).ok())
        else {
            plan.problems.push(Located::at(line, DOSE, Problem::Value));
            continue;
        };
        let Some(series) = due.get(&(number.clone(), dose)) else {
            let known = due.keys().any(|(n, _)| *n == number);
            plan.problems.push(if known {
                Located::at(line, DOSE, Problem::UnknownDose)
            } else {
                Located::at(line, NUMBER, Problem::UnknownReservation)
            });
            continue;
        };
        if !seen.insert((number.clone(), dose)) {
            plan.problems
                .push(Located::at(line, NUMBER, Problem::Repeated));
            continue;
        }
        let typed = match typed(line, &row.cells, day, &lots, series.vaccine, venue) {
            Ok(t) => t,
            Err(mut problems) => {
                plan.problems.append(&mut problems);
                continue;
            }
        };
        if let Some((_, lot)) = &typed.given {
            let used = lot_use.entry(lot.number.clone()).or_default();
            *used += 1;
            if lot.used + *used > lot.doses {
                plan.problems
                    .push(Located::at(line, LOT, Problem::LotRefused));
                continue;
            }
        }
        let checked_in = ops
            .store()
            .check_ins(series.id)
            .await?
            .iter()
            .any(|(n, _)| *n == dose);
        let record = record_of(ops, series.id, dose).await?;
        let collected = ops
            .store()
            .vouchers(series.id)
            .await?
            .into_iter()
            .any(|v| v.dose == dose && v.collected_at.is_some());
        let mut planned = Planned {
            line,
            number: number.clone(),
            dose,
            adds: Vec::new(),
            change: SheetLine {
                series: series.id,
                dose,
                check_in: false,
                steps: Vec::new(),
                collect_voucher: false,
                audit: actor.entry(
                    ops.now(),
                    AuditAction::SheetApply,
                    vec![
                        AuditObject::Series(series.id),
                        AuditObject::Person(series.person),
                        AuditObject::Venue(venue),
                    ],
                    String::new(),
                ),
            },
        };
        if typed.attended && !checked_in {
            planned.change.check_in = true;
            planned.adds.push("check-in".into());
        }
        if typed.questionnaire && record.questionnaire_at.is_none() {
            planned.change.steps.push(DoseStep::Questionnaire(None));
            planned.adds.push("questionnaire".into());
        }
        let mut conflict = |column: usize, online: String, sheet: String| {
            plan.conflicts.push(Conflict {
                line,
                column: column_letter(column),
                number: number.clone(),
                online,
                sheet,
            });
        };
        let mut decided = record.decision.map(|(d, _)| d);
        match (typed.decision, decided) {
            (Some(d), None) => {
                let person = ops
                    .store()
                    .person(series.person)
                    .await?
                    .ok_or(OperationError::NotFound)?;
                let target = crate::vaccination::Target {
                    found: crate::reservations::Reservation {
                        series: series.clone(),
                        person,
                    },
                    dose,
                    venue,
                };
                let reason = Some(cell(REASON)).filter(|r| !r.is_empty());
                planned
                    .change
                    .steps
                    .push(crate::vaccination::decision_step(ops, keys, &target, d, reason).await?);
                planned.adds.push(d.as_str().to_owned());
                decided = Some(d);
            }
            (Some(d), Some(online)) if d != online => {
                conflict(DECISION, online.as_str().into(), d.as_str().into());
            }
            _ => {}
        }
        match (&typed.given, &record.vaccinated) {
            (Some((given, lot)), None) if decided == Some(Decision::Vaccinate) => {
                planned.change.steps.push(DoseStep::Vaccination {
                    given: given.clone(),
                    day,
                });
                planned
                    .adds
                    .push(format!("lot {} {}", lot.number, given.site.as_str()));
            }
            (Some(_), None) => {
                plan.problems
                    .push(Located::at(line, DECISION, Problem::Missing));
                continue;
            }
            (Some((given, lot)), Some(online))
                if online.lot != given.lot || online.site != given.site =>
            {
                let online_lot = lots
                    .values()
                    .find(|l| l.id == online.lot)
                    .map_or_else(|| online.lot.to_string(), |l| l.number.to_string());
                conflict(
                    LOT,
                    format!("lot {online_lot} {}", online.site.as_str()),
                    format!("lot {} {}", lot.number, given.site.as_str()),
                );
            }
            _ => {}
        }
        if typed.voucher && !collected {
            planned.change.collect_voucher = true;
            planned.adds.push("voucher".into());
        }
        if !planned.adds.is_empty() {
            planned.change.audit.detail = format!(
                "dose {}, sheet line {line}: {}",
                dose.get(),
                planned.adds.join(", ")
            );
            plan.lines.push(planned);
        }
    }
    Ok(plan)
}

/// How applying a sheet ended.
#[derive(Debug)]
pub enum Applied {
    /// Every line applied: how many.
    Done(usize),
    /// Problems in the file: nothing applied.
    Refused(Plan),
    /// The transaction refused a line (recorded online since the
    /// preview): nothing applied.
    LineRefused {
        line: usize,
        refusal: sesshu_domain::DoseRefusal,
    },
}

/// Plans the sheet again and, if it has no problem, applies every line in
/// one transaction (conflicts stay as they are online).
pub async fn apply(
    ops: &Operations,
    keys: &Keyring,
    actor: &Actor,
    by: AdminId,
    venue: VenueId,
    day: NaiveDate,
    file: &[u8],
) -> Result<Applied, OperationError> {
    let plan = plan(ops, keys, actor, venue, day, file).await?;
    if !plan.problems.is_empty() {
        return Ok(Applied::Refused(plan));
    }
    let lines: Vec<SheetLine> = plan.lines.iter().map(|p| p.change.clone()).collect();
    let entry = actor.entry(
        ops.now(),
        AuditAction::SheetApply,
        vec![AuditObject::Venue(venue), AuditObject::Day(day)],
        format!(
            "{} lines applied, {} conflicts left as online",
            lines.len(),
            plan.conflicts.len()
        ),
    );
    match ops.store().apply_sheet(by, &lines, &entry).await {
        Ok(()) => Ok(Applied::Done(lines.len())),
        Err(StoreError::InBatch { index, source }) => match *source {
            StoreError::DoseRefused(refusal) => Ok(Applied::LineRefused {
                line: plan.lines[index].line,
                refusal,
            }),
            other => Err(other.into()),
        },
        Err(e) => Err(e.into()),
    }
}

/// What a row says, checked cell by cell.
struct Typed {
    attended: bool,
    questionnaire: bool,
    decision: Option<Decision>,
    given: Option<(Vaccinated, Lot)>,
    voucher: bool,
}

fn typed(
    line: usize,
    cells: &[String],
    day: NaiveDate,
    lots: &BTreeMap<LotNumber, Lot>,
    vaccine: sesshu_domain::VaccineId,
    venue: VenueId,
) -> Result<Typed, Vec<Located>> {
    let cell = |c: usize| cells.get(c).map(|s| s.trim()).unwrap_or("");
    let mut problems = Vec::new();
    let mut mark = |c: usize| match yes(cell(c)) {
        Some(b) => b,
        None => {
            problems.push(Located::at(line, c, Problem::Value));
            false
        }
    };
    let attended = mark(ATTENDED);
    let questionnaire = mark(QUESTIONNAIRE);
    let voucher = mark(VOUCHER);
    let decision = match cell(DECISION) {
        "" => None,
        text => match Decision::ALL
            .into_iter()
            .find(|d| decision_text(*d).split('/').any(|w| w == text) || decision_text(*d) == text)
        {
            Some(d) => Some(d),
            None => {
                problems.push(Located::at(line, DECISION, Problem::Value));
                None
            }
        },
    };
    let filled: Vec<usize> = [TIME, LOT, GIVEN_BY, ARM]
        .into_iter()
        .filter(|c| !cell(*c).is_empty())
        .collect();
    let mut given = None;
    if !filled.is_empty() {
        if filled.len() < 4 {
            for c in [TIME, LOT, GIVEN_BY, ARM] {
                if cell(c).is_empty() {
                    problems.push(Located::at(line, c, Problem::Incomplete));
                }
            }
        } else {
            let time = NaiveTime::parse_from_str(cell(TIME), "%H:%M")
                .ok()
                .and_then(|t| TOKYO.from_local_datetime(&day.and_time(t)).single())
                .map(|t| t.with_timezone(&Utc));
            let site = Site::ALL.into_iter().find(|s| {
                site_text(*s).split('/').any(|w| w == cell(ARM)) || site_text(*s) == cell(ARM)
            });
            let lot = LotNumber::parse(cell(LOT)).ok().and_then(|n| lots.get(&n));
            if time.is_none() {
                problems.push(Located::at(line, TIME, Problem::Time));
            }
            if site.is_none() {
                problems.push(Located::at(line, ARM, Problem::Value));
            }
            match lot {
                None => problems.push(Located::at(line, LOT, Problem::UnknownLot)),
                Some(lot) if lot.gives(venue, vaccine, day).is_err() => {
                    problems.push(Located::at(line, LOT, Problem::LotRefused));
                }
                Some(_) => {}
            }
            if let (Some(at), Some(site), Some(lot)) = (time, site, lot) {
                given = Some((
                    Vaccinated {
                        at,
                        lot: lot.id,
                        given_by: cell(GIVEN_BY).chars().take(100).collect(),
                        site,
                    },
                    lot.clone(),
                ));
            }
        }
        if decision.is_none() {
            problems.push(Located::at(line, DECISION, Problem::Missing));
        }
    }
    if (decision.is_some() || given.is_some()) && !questionnaire {
        problems.push(Located::at(line, QUESTIONNAIRE, Problem::Missing));
    }
    if (questionnaire || voucher) && !attended {
        problems.push(Located::at(line, ATTENDED, Problem::Missing));
    }
    if decision == Some(Decision::Postpone) && cell(REASON).is_empty() {
        problems.push(Located::at(line, REASON, Problem::Missing));
    }
    if problems.is_empty() {
        Ok(Typed {
            attended,
            questionnaire,
            decision,
            given,
            voucher,
        })
    } else {
        Err(problems)
    }
}

/// A mark: empty is no; ○, ✓, x, 1, yes, はい, 済 are yes.
fn yes(text: &str) -> Option<bool> {
    match text {
        "" => Some(false),
        "○" | "〇" | "✓" | "✔" | "x" | "X" | "1" | "yes" | "Yes" | "YES" | "はい" | "済" => {
            Some(true)
        }
        _ => None,
    }
}

/// The rows of the workbook's first sheet, after its header.
fn read(file: &[u8]) -> Result<Vec<Row>, Located> {
    use calamine::{Data, Reader, Xlsx};
    let whole = |problem| Located {
        line: 1,
        column: None,
        problem,
    };
    unpacked_size_within(file, UNPACKED_LIMIT).map_err(whole)?;
    let mut workbook: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(file))
        .map_err(|_| whole(Problem::NotAWorkbook))?;
    let range = workbook
        .worksheet_range_at(0)
        .ok_or_else(|| whole(Problem::NotAWorkbook))?
        .map_err(|_| whole(Problem::NotAWorkbook))?;
    let text = |data: &Data| -> String {
        match data {
            Data::Empty => String::new(),
            Data::String(s) | Data::DateTimeIso(s) => s.clone(),
            Data::Int(i) => i.to_string(),
            Data::Float(f) if f.fract() == 0.0 => format!("{f:.0}"),
            Data::Float(f) => f.to_string(),
            Data::Bool(b) => if *b { "1" } else { "" }.to_owned(),
            // A time typed into a cell Excel formats as a time: its fraction
            // of the day.
            Data::DateTime(t) => {
                let minutes = (t.as_f64().fract() * 1440.0).round() as u32;
                format!("{:02}:{:02}", minutes / 60 % 24, minutes % 60)
            }
            Data::DurationIso(s) => s.clone(),
            Data::Error(_) => "#ERROR".to_owned(),
        }
    };
    let Some((first_row, first_col)) = range.start() else {
        return Err(whole(Problem::Header));
    };
    let (last_row, _) = range.end().unwrap_or((first_row, first_col));
    let row_cells = |r: u32| -> Vec<String> {
        (0..u32::try_from(COLUMNS.len()).unwrap_or(0))
            .map(|c| range.get_value((r, c)).map(text).unwrap_or_default())
            .collect()
    };
    let header = row_cells(first_row);
    let header_ok = first_col == 0
        && header
            .iter()
            .zip(COLUMNS)
            .all(|(h, (ja, en))| h.contains(ja) || h.contains(en));
    if !header_ok {
        return Err(whole(Problem::Header));
    }
    let mut rows = Vec::new();
    for r in first_row + 1..=last_row {
        let cells = row_cells(r);
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        rows.push(Row {
            line: usize::try_from(r).unwrap_or(usize::MAX).saturating_add(1),
            cells,
        });
    }
    Ok(rows)
}

/// The most a sheet may hold once unpacked, all its parts together: a
/// day's sheet of a few thousand rows is well under 10 MiB.
const UNPACKED_LIMIT: u64 = 64 * 1024 * 1024;

/// Unpacks every part of the workbook (a zip) into nothing, counting, and
/// stops as soon as `limit` is passed: what the parts' headers say of their
/// size is not trusted.
fn unpacked_size_within(file: &[u8], limit: u64) -> Result<(), Problem> {
    let mut zip =
        zip::ZipArchive::new(std::io::Cursor::new(file)).map_err(|_| Problem::NotAWorkbook)?;
    let mut left = limit;
    for index in 0..zip.len() {
        let part = zip.by_index(index).map_err(|_| Problem::NotAWorkbook)?;
        let read = std::io::copy(
            &mut std::io::Read::take(part, left + 1),
            &mut std::io::sink(),
        )
        .map_err(|_| Problem::NotAWorkbook)?;
        left = left.checked_sub(read).ok_or(Problem::TooLarge)?;
    }
    Ok(())
}

async fn record_of(
    ops: &Operations,
    series: sesshu_domain::SeriesId,
    dose: DoseNumber,
) -> Result<DoseRecord, OperationError> {
    Ok(ops
        .store()
        .dose_records(series)
        .await?
        .into_iter()
        .find(|r| r.dose == dose)
        .unwrap_or_else(|| DoseRecord::empty(series, dose)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_read_as_people_write_them() {
        for y in ["○", "✓", "x", "1", "はい", "済"] {
            assert_eq!(yes(y), Some(true), "{y}");
        }
        assert_eq!(yes(""), Some(false));
        assert_eq!(yes("maybe"), None);
    }

    #[test]
    fn a_workbook_without_the_header_is_refused_at_line_one() {
        let file = crate::export::xlsx("x", &["a", "b"], &[vec!["1".into(), "2".into()]]).unwrap();
        assert_eq!(read(&file).unwrap_err().problem, Problem::Header);
        assert_eq!(
            read(b"not a zip").unwrap_err().problem,
            Problem::NotAWorkbook
        );
    }

    #[test]
    fn a_file_that_unpacks_without_end_is_refused_before_it_is_read() {
        use std::io::Write;
        let mut packed = std::io::Cursor::new(Vec::new());
        let mut zip = zip::ZipWriter::new(&mut packed);
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        zip.start_file("xl/worksheets/sheet1.xml", options).unwrap();
        let zeros = vec![b'0'; 1024 * 1024];
        for _ in 0..3 {
            zip.write_all(&zeros).unwrap();
        }
        zip.finish().unwrap();
        let file = packed.into_inner();
        assert!(file.len() < 64 * 1024, "packed small: {} bytes", file.len());
        assert_eq!(
            unpacked_size_within(&file, 2 * 1024 * 1024),
            Err(Problem::TooLarge)
        );
        assert_eq!(unpacked_size_within(&file, 4 * 1024 * 1024), Ok(()));
        let sheet = crate::export::xlsx("x", &["a"], &[vec!["1".into()]]).unwrap();
        assert_eq!(unpacked_size_within(&sheet, UNPACKED_LIMIT), Ok(()));
    }

    #[test]
    fn a_row_reads_back_from_the_sheet_it_was_written_in() {
        let header: Vec<String> = COLUMNS.iter().map(|(j, e)| format!("{j} {e}")).collect();
        let header: Vec<&str> = header.iter().map(String::as_str).collect();
        let mut row: Vec<String> = vec![String::new(); COLUMNS.len()];
        row[NUMBER] = "ABCD-2345".into();
        row[DOSE] = "1".into();
        row[TIME] = "10:05".into();
        let file = crate::export::xlsx("2026-12-10", &header, &[row]).unwrap();
        let rows = read(&file).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].line, 2);
        assert_eq!(rows[0].cells[NUMBER], "ABCD-2345");
        assert_eq!(rows[0].cells[TIME], "10:05");
    }
}
