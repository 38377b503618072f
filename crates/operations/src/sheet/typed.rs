//! One row's cells checked and typed: marks, decision, and the time, lot, giver and arm given.

use super::columns::{
    ARM, ATTENDED, DECISION, GIVEN_BY, LOT, QUESTIONNAIRE, REASON, TIME, VOUCHER, decision_text,
    site_text, yes,
};
use super::problem::{Located, Problem};
use chrono::{NaiveDate, NaiveTime, TimeZone, Utc};
use sesshu_domain::{Decision, Lot, LotNumber, Site, TOKYO, Vaccinated, VenueId};
use std::collections::BTreeMap;

/// What a row says, checked cell by cell.
pub(super) struct Typed {
    pub(super) attended: bool,
    pub(super) questionnaire: bool,
    pub(super) decision: Option<Decision>,
    pub(super) given: Option<(Vaccinated, Lot)>,
    pub(super) voucher: bool,
}

pub(super) fn typed(
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
