//! The no-show cancellation (未接種者予約取消): once a day's last slot has
//! ended, the reservations of that day whose dose nobody checked in, per
//! venue and institution; then, confirmed, all of them cancelled in one
//! transaction with one `noshows.cancel` entry holding the count.
//!
//! A missed first dose releases the second dose's place (free for others
//! at once); a missed second dose keeps the place of a first dose that was
//! attended. Each person gets the `no_show` mail (how to book again) in
//! the language of their last mail. A late check-in that commits before
//! the batch wins: that reservation is skipped and reported.
//!
//! Who: those who change reservations for their people
//! ([`Duty::ChangeReservations`]): system administrators and operators for
//! every institution, an institution's staff for its people only (they see
//! and cancel only theirs, at any venue); venue staff do not. The office
//! page and `sesshu noshows` call the same two functions.

use crate::reservations::read_failed;
use crate::{Actor, OperationError, Operations};
use chrono::{DateTime, Days, NaiveDate, Utc};
use sesshu_domain::{
    AuditAction, AuditObject, DoseNumber, Duty, InstitutionId, Scope, VenueId, day_start,
};
use sesshu_store::{NoShowCancel, NoShowOutcome, NoShowQuery, SlotQuery};

pub use sesshu_store::{NoShow, NoShowSkip};

/// The no-shows of one venue and one institution.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoShowGroup {
    pub venue: VenueId,
    pub institution: InstitutionId,
    /// In time order, then by reservation number.
    pub noshows: Vec<NoShow>,
}

impl NoShowGroup {
    pub fn count(&self) -> usize {
        self.noshows.len()
    }

    /// How many missed their dose `dose`.
    pub fn of_dose(&self, dose: DoseNumber) -> usize {
        self.noshows.iter().filter(|n| n.dose == dose).count()
    }
}

/// The no-shows of a day as `actor` may see them (an institution's staff:
/// only their people's), grouped per venue then institution.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoShowList {
    pub day: NaiveDate,
    pub venue: Option<VenueId>,
    /// The institution the list is limited to (the actor's).
    pub institution: Option<InstitutionId>,
    pub groups: Vec<NoShowGroup>,
}

impl NoShowList {
    pub fn count(&self) -> usize {
        self.groups.iter().map(NoShowGroup::count).sum()
    }

    /// The count of each venue, in the groups' order.
    pub fn per_venue(&self) -> Vec<(VenueId, usize)> {
        let mut out: Vec<(VenueId, usize)> = Vec::new();
        for g in &self.groups {
            match out.last_mut() {
                Some((venue, n)) if *venue == g.venue => *n += g.count(),
                _ => out.push((g.venue, g.count())),
            }
        }
        out
    }

    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }
}

/// A day asked for, and whether its no-shows may be seen and cancelled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Listing {
    Ready(NoShowList),
    /// The day's last slot (at the venue) has not ended: from then on.
    /// (A future day; today until the last slot is over.)
    NotYet(DateTime<Utc>),
}

/// What the batch did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoShowsCancelled {
    pub day: NaiveDate,
    pub venue: Option<VenueId>,
    /// Cancelled, as they were listed, grouped as the list is.
    pub cancelled: Vec<NoShowGroup>,
    /// Listed, then found otherwise under the lock: not cancelled.
    pub skipped: Vec<(NoShow, NoShowSkip)>,
}

impl NoShowsCancelled {
    pub fn count(&self) -> usize {
        self.cancelled.iter().map(NoShowGroup::count).sum()
    }
}

/// How a cancellation asked for ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cancelling {
    Done(NoShowsCancelled),
    /// Too early, as [`Listing::NotYet`]: nothing changed.
    NotYet(DateTime<Utc>),
}

/// The no-shows of `day` (at `venue`, or every venue), if `actor` may
/// change reservations and the day's last slot has ended.
pub async fn list(
    ops: &Operations,
    actor: &Actor,
    day: NaiveDate,
    venue: Option<VenueId>,
) -> Result<Listing, OperationError> {
    let query = query(ops, actor, day, venue).await?;
    if let Some(from) = not_before(ops, day, venue).await? {
        return Ok(Listing::NotYet(from));
    }
    let noshows = ops.store().no_shows(&query).await?;
    Ok(Listing::Ready(NoShowList {
        day,
        venue,
        institution: query.institution,
        groups: group(noshows),
    }))
}

/// Reads the no-shows of `day` again and cancels them all in one
/// transaction, as [`list`] would show them to `actor` now.
pub async fn cancel(
    ops: &Operations,
    actor: &Actor,
    day: NaiveDate,
    venue: Option<VenueId>,
) -> Result<Cancelling, OperationError> {
    cancel_with_progress(ops, actor, day, venue, &|_, _| {}).await
}

/// [`cancel`], telling `progress(done, of)` while it prepares each
/// person's mail (before the transaction).
pub async fn cancel_with_progress(
    ops: &Operations,
    actor: &Actor,
    day: NaiveDate,
    venue: Option<VenueId>,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<Cancelling, OperationError> {
    let list = match list(ops, actor, day, venue).await? {
        Listing::Ready(list) => list,
        Listing::NotYet(from) => return Ok(Cancelling::NotYet(from)),
    };
    let noshows: Vec<NoShow> = list.groups.into_iter().flat_map(|g| g.noshows).collect();
    if noshows.is_empty() {
        return Ok(Cancelling::Done(NoShowsCancelled {
            day,
            venue,
            cancelled: Vec::new(),
            skipped: Vec::new(),
        }));
    }
    let bookings = ops.bookings();
    let mut batch = Vec::with_capacity(noshows.len());
    for (i, n) in noshows.iter().enumerate() {
        progress(i, noshows.len());
        let slot = n.slot().ok_or(OperationError::NotFound)?;
        batch.push(NoShowCancel {
            series: n.series.id,
            dose: n.dose,
            slot,
            language: bookings
                .last_language(n.series.id)
                .await
                .map_err(read_failed)?,
        });
    }
    progress(noshows.len(), noshows.len());

    let mut objects = vec![AuditObject::Day(day)];
    objects.extend(venue.map(AuditObject::Venue));
    objects.extend(list.institution.map(AuditObject::Institution));
    let now = ops.now();
    let audit = |outcomes: &[NoShowOutcome]| {
        let mut objects = objects.clone();
        let mut cancelled = 0;
        for outcome in outcomes {
            if let NoShowOutcome::Cancelled(series) = outcome {
                cancelled += 1;
                objects.push(AuditObject::Series(series.id));
            }
        }
        actor.entry(
            now,
            AuditAction::NoShowsCancel,
            objects,
            format!(
                "cancelled {cancelled}, skipped {}",
                outcomes.len() - cancelled
            ),
        )
    };
    let outcomes = ops.store().cancel_no_shows(&batch, now, &audit).await?;

    let mut cancelled = Vec::new();
    let mut skipped = Vec::new();
    for outcome in outcomes {
        let id = match &outcome {
            NoShowOutcome::Cancelled(series) => series.id,
            NoShowOutcome::Skipped(id, _) => *id,
        };
        let Some(listed) = noshows.iter().find(|n| n.series.id == id).cloned() else {
            continue;
        };
        match outcome {
            NoShowOutcome::Cancelled(_) => cancelled.push(listed),
            NoShowOutcome::Skipped(_, why) => skipped.push((listed, why)),
        }
    }
    Ok(Cancelling::Done(NoShowsCancelled {
        day,
        venue,
        cancelled: group(cancelled),
        skipped,
    }))
}

/// The query `actor` may make: every institution, or only its own.
async fn query(
    ops: &Operations,
    actor: &Actor,
    day: NaiveDate,
    venue: Option<VenueId>,
) -> Result<NoShowQuery, OperationError> {
    actor.may(Duty::ChangeReservations, Scope::Any)?;
    let institution = actor.role.institution();
    if let Some(institution) = institution {
        actor.may(Duty::ChangeReservations, Scope::Institution(institution))?;
    }
    if let Some(venue) = venue
        && ops.store().catalog().await?.venue(venue).is_none()
    {
        return Err(OperationError::NotFound);
    }
    Ok(NoShowQuery {
        day,
        venue,
        institution,
    })
}

/// When the no-shows of `day` (at `venue`) may be cancelled, if not yet:
/// the end of its last slot, or of the day when it has none.
async fn not_before(
    ops: &Operations,
    day: NaiveDate,
    venue: Option<VenueId>,
) -> Result<Option<DateTime<Utc>>, OperationError> {
    let next = day.checked_add_days(Days::new(1)).unwrap_or(day);
    let slots = ops
        .store()
        .slots(&SlotQuery {
            venue,
            include_closed: true,
            ..SlotQuery::between(day_start(day), day_start(next))
        })
        .await?;
    let from = slots
        .iter()
        .map(|s| s.ends_at)
        .max()
        .unwrap_or_else(|| day_start(next));
    Ok((ops.now() < from).then_some(from))
}

/// Per venue, then institution; each group in time order, then number.
fn group(mut noshows: Vec<NoShow>) -> Vec<NoShowGroup> {
    noshows.sort_by(|a, b| {
        (
            a.venue(),
            a.institution,
            a.starts_at(),
            a.series.number.compact(),
        )
            .cmp(&(
                b.venue(),
                b.institution,
                b.starts_at(),
                b.series.number.compact(),
            ))
    });
    let mut groups: Vec<NoShowGroup> = Vec::new();
    for n in noshows {
        let Some(venue) = n.venue() else { continue };
        match groups.last_mut() {
            Some(g) if g.venue == venue && g.institution == n.institution => g.noshows.push(n),
            _ => groups.push(NoShowGroup {
                venue,
                institution: n.institution,
                noshows: vec![n],
            }),
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reservations::fixture::{self, actor};
    use sesshu_domain::{Denied, Role};

    #[tokio::test]
    async fn venue_staff_may_not_and_nothing_is_written() {
        let office = fixture::office("noshows-venue").await;
        office.booked().await;
        let venue = actor(Role::VenueStaff {
            venue: office.venue,
        });
        let refused = cancel(&office.ops, &venue, office.day(), None).await;
        assert!(
            matches!(refused, Err(OperationError::Denied(Denied::Forbidden))),
            "{refused:?}"
        );
        assert_eq!(office.audited().await, 0);
    }

    #[tokio::test]
    async fn today_is_refused_until_its_last_slot_has_ended() {
        let office = fixture::office("noshows-today").await;
        let number = office.booked().await;
        let operator = actor(Role::Operator);
        let noon_end = day_start(office.day()) + chrono::Duration::minutes(12 * 60 + 30);
        let listed = list(&office.ops, &operator, office.day(), None)
            .await
            .unwrap();
        assert_eq!(listed, Listing::NotYet(noon_end));
        let refused = cancel(&office.ops, &operator, office.day(), Some(office.venue))
            .await
            .unwrap();
        assert_eq!(refused, Cancelling::NotYet(noon_end));
        let series = office
            .ops
            .store()
            .series_by_number(&number)
            .await
            .unwrap()
            .unwrap();
        assert!(series.is_active());
        assert_eq!(office.audited().await, 0);

        // The day before had nothing: listed, empty; cancelling writes nothing.
        let yesterday = office.day().pred_opt().unwrap();
        let Listing::Ready(empty) = list(&office.ops, &operator, yesterday, None).await.unwrap()
        else {
            panic!("a past day is listed");
        };
        assert!(empty.is_empty());
        let Cancelling::Done(done) = cancel(&office.ops, &operator, yesterday, None)
            .await
            .unwrap()
        else {
            panic!("a past day is cancelled");
        };
        assert_eq!(done.count(), 0);
        assert_eq!(office.audited().await, 0);
    }
}
