//! An upload planned against the day (nothing written), and the plan applied in one transaction.

use super::columns::{DECISION, DOSE, LOT, NUMBER, REASON};
use super::problem::{Located, Problem, column_letter};
use super::read::read;
use super::record_of;
use super::typed::typed;
use crate::{Actor, OperationError, Operations};
use chrono::NaiveDate;
use sesshu_domain::{
    AdminId, AuditAction, AuditObject, Decision, DoseNumber, Duty, Lot, LotNumber,
    ReservationNumber, Scope, VenueId, day_start, tokyo_day,
};
use sesshu_store::{DoseStep, SheetLine, StoreError};
use sesshu_vault_open::Keyring;
use std::collections::{BTreeMap, BTreeSet};

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
