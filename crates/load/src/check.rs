//! Consistency checks after the run: what the 201 answers say was booked
//! must be what the availability shows was taken.

use crate::api::{Outcome, Slot};
use crate::run::{Attempt, Plan};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Fail,
    Skipped,
}

#[derive(Debug, Serialize)]
pub struct Check {
    pub name: &'static str,
    pub status: Status,
    pub detail: String,
}

pub(crate) fn check(name: &'static str, pass: bool, detail: String) -> Check {
    Check {
        name,
        status: if pass { Status::Pass } else { Status::Fail },
        detail,
    }
}

/// Inputs of the checks.
#[derive(Debug)]
pub struct Evidence<'a> {
    pub login_outcomes: &'a [Outcome],
    pub attempts: &'a [Attempt],
    pub plan: &'a Plan,
    pub before: &'a [Slot],
    pub after: &'a [Slot],
}

pub fn run_checks(e: &Evidence<'_>) -> Vec<Check> {
    let successes: Vec<&Attempt> = e
        .attempts
        .iter()
        .filter(|a| a.outcome.is_success())
        .collect();
    let all_outcomes = || {
        e.login_outcomes
            .iter()
            .chain(e.attempts.iter().map(|a| &a.outcome))
    };
    let mut checks = Vec::new();

    let failed_logins = e
        .login_outcomes
        .iter()
        .filter(|o| !o.is_success() && !o.is_busy())
        .count();
    checks.push(check(
        "every person logged in",
        failed_logins == 0,
        format!(
            "{failed_logins} of {} logins failed",
            e.login_outcomes.iter().filter(|o| !o.is_busy()).count()
        ),
    ));

    let server_errors = all_outcomes()
        .filter(|o| o.is_server_error() && !o.is_busy())
        .count();
    checks.push(check(
        "no 5xx answer but the deliberate 503 busy",
        server_errors == 0,
        format!("{server_errors} answers were 5xx"),
    ));

    let transport = all_outcomes()
        .filter(|o| matches!(o, Outcome::Transport(_)))
        .count();
    checks.push(check(
        "every request got an HTTP answer",
        transport == 0,
        format!("{transport} transport errors"),
    ));

    // What the 201 answers say was taken, per slot.
    let mut taken: BTreeMap<i64, i64> = BTreeMap::new();
    let mut malformed = 0_usize;
    for attempt in &successes {
        let Some(doses) = &attempt.doses else {
            malformed += 1;
            continue;
        };
        let first_ok = doses
            .iter()
            .any(|d| d.dose == 1 && d.slot_id == attempt.slot_id);
        let second_ok = doses.iter().any(|d| d.dose == 2);
        if doses.len() != 2 || !first_ok || !second_ok {
            malformed += 1;
        }
        for dose in doses {
            *taken.entry(dose.slot_id).or_default() += 1;
        }
    }
    checks.push(check(
        "every 201 lists dose 1 in the booked slot and a dose 2",
        malformed == 0,
        format!("{malformed} of {} answers did not", successes.len()),
    ));

    let before: BTreeMap<i64, &Slot> = e.before.iter().map(|s| (s.slot_id, s)).collect();
    let after: BTreeMap<i64, &Slot> = e.after.iter().map(|s| (s.slot_id, s)).collect();
    let common: BTreeSet<i64> = before
        .keys()
        .filter(|id| after.contains_key(id))
        .copied()
        .collect();
    let free_sum = |slots: &BTreeMap<i64, &Slot>| -> i64 {
        common
            .iter()
            .filter_map(|id| slots.get(id))
            .map(|s| s.free)
            .sum()
    };
    let dropped = free_sum(&before) - free_sum(&after);
    let expected_drop = 2 * i64::try_from(successes.len()).unwrap_or(i64::MAX);
    checks.push(check(
        "total free places dropped by 2 × successes",
        dropped == expected_drop,
        format!(
            "dropped by {dropped}, expected {expected_drop} ({} slots compared)",
            common.len()
        ),
    ));

    let missing = before.len() - common.len();
    let mut mismatched = 0_usize;
    for id in &common {
        let (Some(b), Some(a)) = (before.get(id), after.get(id)) else {
            continue;
        };
        if b.free - a.free != taken.get(id).copied().unwrap_or(0) {
            mismatched += 1;
        }
    }
    let unknown = taken.keys().filter(|id| !common.contains(id)).count();
    checks.push(check(
        "each slot dropped by exactly the places the 201s took in it",
        mismatched == 0 && missing == 0 && unknown == 0,
        format!(
            "{mismatched} slots differ; {missing} slots no longer listed; \
             {unknown} booked slots outside the range"
        ),
    ));

    let out_of_bounds = e
        .after
        .iter()
        .filter(|s| s.free < 0 || s.free > s.capacity)
        .count();
    checks.push(check(
        "every slot has 0 <= free <= capacity",
        out_of_bounds == 0,
        format!("{out_of_bounds} of {} slots out of bounds", e.after.len()),
    ));

    let full_refused: BTreeSet<i64> = e
        .attempts
        .iter()
        .filter(|a| a.outcome.is_refusal("slot_full"))
        .map(|a| a.slot_id)
        .collect();
    let refused_with_room = full_refused
        .iter()
        .filter(|id| after.get(id).is_none_or(|s| s.free != 0))
        .count();
    checks.push(check(
        "slot_full only for slots left with no free place",
        refused_with_room == 0,
        format!(
            "{refused_with_room} of {} slots answered slot_full still had places",
            full_refused.len()
        ),
    ));

    let other_failures = e
        .attempts
        .iter()
        .filter(|a| {
            !a.outcome.is_success() && !a.outcome.is_refusal("slot_full") && !a.outcome.is_busy()
        })
        .count();
    let got = successes.len() as u64;
    let most = e.plan.max_successes;
    checks.push(if other_failures == 0 {
        check(
            "successes = min(free, people sent) summed over target slots",
            got == most,
            format!("{got} successes, {most} possible"),
        )
    } else {
        Check {
            name: "successes = min(free, people sent) summed over target slots",
            status: if got <= most {
                Status::Skipped
            } else {
                Status::Fail
            },
            detail: format!(
                "{got} successes, at most {most} possible; not exact because \
                 {other_failures} bookings failed other than slot_full"
            ),
        }
    });
    checks
}
