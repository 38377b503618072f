//! The write transactions that keep Sesshu correct under a rush, written once.
//!
//! Each backend opens a transaction and offers its statements through
//! [`WriteTx`]; the sequence of those statements — the part that decides
//! whether a slot can be overbooked or a booking lost — lives here, for both
//! databases.
//!
//! The guarantees, and what gives them:
//!
//! - **No slot goes past its capacity.** A place is taken only by
//!   [`WriteTx::take_place`], a single conditional update
//!   (`booked = booked + 1 WHERE booked < capacity`), atomic on both
//!   databases; a `CHECK (booked <= capacity)` backs it.
//! - **No institution goes past its quota in a slot.** `take_place` counts
//!   the places the institution's people hold there while the slot's row is
//!   locked (every change of a place takes that lock first), so two
//!   bookings cannot both see the last place of a quota.
//! - **One active series per person.** Checked first for a clean answer, and
//!   enforced by a partial unique index, so concurrent requests that both
//!   pass the check still cannot both commit.
//! - **A repeated request replays.** The idempotency key is claimed as the
//!   first write; a concurrent request with the same key waits on that row
//!   and then finds the series the first one made.
//! - **All or nothing.** Any refusal returns early and the caller drops the
//!   transaction, which rolls it back.
//! - **No deadlock.** Before touching places, a transaction locks every slot
//!   it may touch with [`WriteTx::lock_slots`]: first-dose slots first, then
//!   second-dose slots, each set in id order (the order of `(dose, id)`). All transactions take their
//!   locks in that one order, so none waits for another in a cycle.
//! - **No booking without its mail, no mail without its booking.** The mail
//!   job is written by [`WriteTx::insert_mail_job`] in the same transaction.

use crate::{
    BatchOp, Booked, DoseMove, Idempotency, NewMailJob, NewSeries, Reschedule, StoreError,
    StoreResult,
};
use chrono::{DateTime, Utc};
use sesshu_domain::{
    AuditEntry, CheckInToken, DoseNumber, Language, MailKind, PersonId, Rejection,
    ReservationNumber, Series, SeriesId, SeriesState, SlotId, VaccineId,
};
use std::future::Future;

/// The statements of one open write transaction.
pub trait WriteTx: Send {
    /// Records `key` for `person`; `false` if the person used it before.
    fn claim_key(
        &mut self,
        person: PersonId,
        key: &Idempotency,
        now: DateTime<Utc>,
    ) -> impl Future<Output = StoreResult<bool>> + Send;

    /// The fingerprint and series recorded with a key.
    fn key_record(
        &mut self,
        person: PersonId,
        key: &str,
    ) -> impl Future<Output = StoreResult<Option<(String, Option<SeriesId>)>>> + Send;

    fn set_key_series(
        &mut self,
        person: PersonId,
        key: &str,
        series: SeriesId,
    ) -> impl Future<Output = StoreResult<()>> + Send;

    fn has_active_series(
        &mut self,
        person: PersonId,
    ) -> impl Future<Output = StoreResult<bool>> + Send;

    /// Inserts a booked series; `None` if `number` is taken (the caller
    /// draws another). A second active series for the person is refused
    /// with `Rejected(AlreadyBooked)`.
    /// Inserts a booked series with its number and check-in token; `None`
    /// if the number is taken.
    fn insert_series(
        &mut self,
        number: &ReservationNumber,
        token: &CheckInToken,
        person: PersonId,
        vaccine: VaccineId,
        now: DateTime<Utc>,
    ) -> impl Future<Output = StoreResult<Option<SeriesId>>> + Send;

    fn insert_dose(
        &mut self,
        series: SeriesId,
        dose: DoseNumber,
        slot: SlotId,
    ) -> impl Future<Output = StoreResult<()>> + Send;

    fn set_dose_slot(
        &mut self,
        series: SeriesId,
        dose: DoseNumber,
        slot: SlotId,
    ) -> impl Future<Output = StoreResult<()>> + Send;

    /// Locks the rows of these slots until the transaction ends, first-dose
    /// slots before second-dose slots, each in id order (one call may hold
    /// both; several calls go first-dose set, then second-dose set), before
    /// taking or releasing places in them.
    fn lock_slots(&mut self, slots: &[SlotId]) -> impl Future<Output = StoreResult<()>> + Send;

    /// Takes one place for `person` if the slot is open, not started, not
    /// full, and the quota of the person's institution in it (if it has
    /// one) is not reached. Call it with the slot locked.
    fn take_place(
        &mut self,
        slot: SlotId,
        person: PersonId,
        now: DateTime<Utc>,
    ) -> impl Future<Output = StoreResult<bool>> + Send;

    /// Gives one place back.
    fn release_place(&mut self, slot: SlotId) -> impl Future<Output = StoreResult<()>> + Send;

    /// Whether a slot is closed for booking (closed, or already started).
    fn slot_closed(
        &mut self,
        slot: SlotId,
        now: DateTime<Utc>,
    ) -> impl Future<Output = StoreResult<Option<bool>>> + Send;

    /// Loads a series made in this transaction (no lock: nobody else can
    /// see it yet).
    fn read_series(
        &mut self,
        series: SeriesId,
    ) -> impl Future<Output = StoreResult<Option<Series>>> + Send;

    /// Loads a series and locks it against concurrent changes until the
    /// transaction ends.
    fn lock_series(
        &mut self,
        series: SeriesId,
    ) -> impl Future<Output = StoreResult<Option<Series>>> + Send;

    /// Sets the series' state and its check-in token (a new one at every
    /// change, none once cancelled: the old QR code checks no one in).
    fn set_state(
        &mut self,
        series: SeriesId,
        state: SeriesState,
        token: Option<&CheckInToken>,
        now: DateTime<Utc>,
    ) -> impl Future<Output = StoreResult<()>> + Send;

    /// Queues a mail in this transaction: it exists if and only if the
    /// change it tells of commits.
    fn insert_mail_job(&mut self, job: &NewMailJob)
    -> impl Future<Output = StoreResult<()>> + Send;

    /// Appends to the audit trail in this transaction (the office's
    /// bookings and changes for a person).
    fn append_audit(&mut self, entry: &AuditEntry) -> impl Future<Output = StoreResult<()>> + Send;
}

/// See [`crate::Store::book`].
pub async fn book<T: WriteTx>(tx: &mut T, req: &NewSeries) -> StoreResult<Booked> {
    if let Some(key) = &req.idempotency
        && !tx.claim_key(req.person, key, req.now).await?
    {
        return replay(tx, req.person, key).await;
    }
    if tx.has_active_series(req.person).await? {
        return Err(Rejection::AlreadyBooked.into());
    }
    let series = insert_series(tx, req).await?;

    // One statement for both sets: it locks in (dose, id) order.
    let mut touched = req.first.clone();
    touched.extend(req.second.iter().flatten());
    tx.lock_slots(&touched).await?;
    // The appointment the person chose: the first dose's, or the second's
    // when the first was received elsewhere; then the second dose, if it
    // follows.
    let (chosen_dose, chosen, follows) = match (&req.second, req.second_dose_only()) {
        (Some(second), true) => (DoseNumber::SECOND, second.as_slice(), None),
        (second, _) => (DoseNumber::FIRST, req.first.as_slice(), second.as_deref()),
    };
    let slot = match take_first_free(tx, chosen, req.person, req.now).await? {
        Some(slot) => slot,
        None => match chosen {
            [only] => return Err(why_not(tx, *only, req.now).await?.into()),
            _ => return Err(Rejection::SlotFull.into()),
        },
    };
    tx.insert_dose(series, chosen_dose, slot).await?;

    if let Some(candidates) = follows {
        let slot = take_first_free(tx, candidates, req.person, req.now)
            .await?
            .ok_or(Rejection::NoSecondDoseSlot)?;
        tx.insert_dose(series, DoseNumber::SECOND, slot).await?;
    }

    if let Some(key) = &req.idempotency {
        tx.set_key_series(req.person, &key.key, series).await?;
    }
    // Made in this transaction: nobody else sees it yet, nothing to lock.
    let created = tx.read_series(series).await?.ok_or(StoreError::NotFound)?;
    tx.insert_mail_job(&NewMailJob::event(
        MailKind::Booked,
        &created,
        req.language,
        req.now,
    ))
    .await?;
    if let Some(entry) = &req.audit {
        tx.append_audit(entry).await?;
    }
    Ok(Booked::Created(created))
}

/// See [`crate::Store::reschedule`].
pub async fn reschedule<T: WriteTx>(tx: &mut T, req: &Reschedule) -> StoreResult<Series> {
    let series = tx
        .lock_series(req.series)
        .await?
        .ok_or(StoreError::NotFound)?;
    if !series.is_active() {
        return Err(Rejection::NotActive.into());
    }
    for dose in [DoseNumber::FIRST, DoseNumber::SECOND] {
        let mut touched: Vec<SlotId> = Vec::new();
        for m in req.moves.iter().filter(|m| m.dose == dose) {
            touched.extend(series.dose(dose).map(|d| d.slot));
            touched.extend(&m.candidates);
        }
        tx.lock_slots(&touched).await?;
    }
    // Release first: a dose may move within the places it frees.
    for DoseMove { dose, .. } in &req.moves {
        let held = series.dose(*dose).ok_or(StoreError::NotFound)?;
        tx.release_place(held.slot).await?;
    }
    for DoseMove {
        dose,
        candidates,
        when_full,
    } in &req.moves
    {
        let slot = take_first_free(tx, candidates, series.person, req.now)
            .await?
            .ok_or(*when_full)?;
        tx.set_dose_slot(series.id, *dose, slot).await?;
    }
    let token = CheckInToken::generate(&mut rand::rng());
    tx.set_state(series.id, SeriesState::Booked, Some(&token), req.now)
        .await?;
    let moved = tx
        .lock_series(series.id)
        .await?
        .ok_or(StoreError::NotFound)?;
    tx.insert_mail_job(&NewMailJob::event(
        MailKind::Changed,
        &moved,
        req.language,
        req.now,
    ))
    .await?;
    if let Some(entry) = &req.audit {
        tx.append_audit(entry).await?;
    }
    Ok(moved)
}

/// See [`crate::Store::cancel`].
pub async fn cancel<T: WriteTx>(
    tx: &mut T,
    id: SeriesId,
    language: Language,
    now: DateTime<Utc>,
) -> StoreResult<Series> {
    end(tx, id, &Ending::cancelled(language), now).await
}

/// How a series ends early: the mail that tells the person (a
/// cancellation, a postponement, a missed appointment, …), and the doses
/// already given, whose places stay taken (they were used).
#[derive(Clone, Debug)]
pub struct Ending {
    pub mail: MailKind,
    pub language: Language,
    pub given: Vec<DoseNumber>,
}

impl Ending {
    /// Cancelled by the person or the office: every place is released.
    pub fn cancelled(language: Language) -> Self {
        Self {
            mail: MailKind::Cancelled,
            language,
            given: Vec::new(),
        }
    }
}

/// Ends an active series as `ending` says: the places of the doses not
/// given are released, the series is cancelled (its check-in token with
/// it) and the mail is queued, in the caller's transaction. A series
/// already ended is left as it is.
pub async fn end<T: WriteTx>(
    tx: &mut T,
    id: SeriesId,
    ending: &Ending,
    now: DateTime<Utc>,
) -> StoreResult<Series> {
    let series = tx.lock_series(id).await?.ok_or(StoreError::NotFound)?;
    if !series.is_active() {
        return Ok(series);
    }
    // `doses` is in dose order: first-dose slots are locked first.
    for dose in &series.doses {
        if ending.given.contains(&dose.number) {
            continue;
        }
        tx.lock_slots(&[dose.slot]).await?;
        tx.release_place(dose.slot).await?;
    }
    tx.set_state(id, SeriesState::Cancelled, None, now).await?;
    let cancelled = tx.lock_series(id).await?.ok_or(StoreError::NotFound)?;
    tx.insert_mail_job(&NewMailJob::event(
        ending.mail,
        &cancelled,
        ending.language,
        now,
    ))
    .await?;
    Ok(cancelled)
}

/// See [`crate::Store::apply_batch`].
///
/// Every series the batch changes is locked first, in id order, and then
/// every slot it may touch, in the one global order (first-dose slots, then
/// second-dose slots, by id) — a single change locks a series before its
/// slots too, so a batch and the rush it runs into never wait in a cycle.
/// Then the changes are made one after the other, each seeing the places
/// the ones before it freed or took.
pub async fn batch<T: WriteTx>(
    tx: &mut T,
    batch: &[BatchOp],
    audit: &AuditEntry,
) -> StoreResult<Vec<Series>> {
    let mut series: Vec<SeriesId> = batch
        .iter()
        .filter_map(|op| match op {
            BatchOp::Book(_) => None,
            BatchOp::Move(r) => Some(r.series),
            BatchOp::Cancel { series, .. } => Some(*series),
        })
        .collect();
    series.sort_unstable();
    series.dedup();
    let mut slots: [Vec<SlotId>; 2] = [Vec::new(), Vec::new()];
    let mut add = |dose: DoseNumber, more: &[SlotId]| {
        slots[usize::from(dose != DoseNumber::FIRST)].extend_from_slice(more);
    };
    for id in series {
        let held = tx.lock_series(id).await?.ok_or(StoreError::NotFound)?;
        for dose in &held.doses {
            add(dose.number, &[dose.slot]);
        }
    }
    for op in batch {
        match op {
            BatchOp::Book(req) => {
                add(DoseNumber::FIRST, &req.first);
                add(
                    DoseNumber::SECOND,
                    req.second.as_deref().unwrap_or_default(),
                );
            }
            BatchOp::Move(req) => {
                for m in &req.moves {
                    add(m.dose, &m.candidates);
                }
            }
            BatchOp::Cancel { .. } => {}
        }
    }
    for mut set in slots {
        set.sort_unstable();
        set.dedup();
        tx.lock_slots(&set).await?;
    }

    let mut done = Vec::with_capacity(batch.len());
    for (index, op) in batch.iter().enumerate() {
        let outcome = match op {
            BatchOp::Book(req) => book(tx, req).await.map(|b| b.series().clone()),
            BatchOp::Move(req) => reschedule(tx, req).await,
            BatchOp::Cancel {
                series,
                language,
                audit,
            } => match cancel(tx, *series, *language, audit.at).await {
                Ok(s) => tx.append_audit(audit).await.map(|()| s),
                Err(e) => Err(e),
            },
        };
        match outcome {
            Ok(series) => done.push(series),
            // The whole batch is tried again: no change of it is to blame.
            Err(StoreError::Contention) => return Err(StoreError::Contention),
            Err(e) => {
                return Err(StoreError::InBatch {
                    index,
                    source: Box::new(e),
                });
            }
        }
    }
    tx.append_audit(audit).await?;
    Ok(done)
}

/// What the no-show batch reads in its transaction besides the booking
/// statements.
pub trait NoShowTx: WriteTx {
    /// The doses of a series checked in (read after the series is locked:
    /// a check-in locks the series too, so none can commit in between).
    fn checked_in(
        &mut self,
        series: SeriesId,
    ) -> impl Future<Output = StoreResult<Vec<DoseNumber>>> + Send;
}

/// See [`crate::NoShowStore::cancel_no_shows`].
///
/// Every series is locked first, in id order, then every slot of their
/// doses in the one global order (first-dose slots, then second-dose slots,
/// by id), as [`batch`] does: the bookings taking the places it frees and
/// the check-ins at the desk never wait for it in a cycle. Under its lock
/// each series is checked again: still active, the missed dose still in the
/// slot it was listed in, and still not checked in. A check-in that
/// committed first wins (the series is skipped); one that comes after
/// finds the series cancelled and records nothing. The doses checked in
/// (attended) keep their places; the others are released, so a missed
/// first dose frees its second dose's place for others at once.
pub async fn cancel_no_shows<T: NoShowTx>(
    tx: &mut T,
    noshows: &[crate::NoShowCancel],
    now: DateTime<Utc>,
    audit: &crate::NoShowAudit<'_>,
) -> StoreResult<Vec<crate::NoShowOutcome>> {
    use crate::{NoShowOutcome, NoShowSkip};
    let mut order: Vec<&crate::NoShowCancel> = noshows.iter().collect();
    order.sort_by_key(|n| n.series);
    order.dedup_by_key(|n| n.series);
    let mut locked = Vec::with_capacity(order.len());
    let mut slots: [Vec<SlotId>; 2] = [Vec::new(), Vec::new()];
    for n in order {
        let series = tx.lock_series(n.series).await?;
        for dose in series.iter().flat_map(|s| &s.doses) {
            slots[usize::from(dose.number != DoseNumber::FIRST)].push(dose.slot);
        }
        locked.push((n, series));
    }
    for mut set in slots {
        set.sort_unstable();
        set.dedup();
        tx.lock_slots(&set).await?;
    }
    let mut outcomes = Vec::with_capacity(locked.len());
    for (n, series) in locked {
        let skip = |why| NoShowOutcome::Skipped(n.series, why);
        let Some(series) = series else {
            outcomes.push(skip(NoShowSkip::Missing));
            continue;
        };
        if !series.is_active() {
            outcomes.push(skip(NoShowSkip::NotActive));
            continue;
        }
        if series.dose(n.dose).map(|d| d.slot) != Some(n.slot) {
            outcomes.push(skip(NoShowSkip::Moved));
            continue;
        }
        let attended = tx.checked_in(series.id).await?;
        if attended.contains(&n.dose) {
            outcomes.push(skip(NoShowSkip::CheckedIn));
            continue;
        }
        let ending = Ending {
            mail: MailKind::NoShow,
            language: n.language,
            given: attended,
        };
        outcomes.push(NoShowOutcome::Cancelled(
            end(tx, series.id, &ending, now).await?,
        ));
    }
    tx.append_audit(&audit(&outcomes)).await?;
    Ok(outcomes)
}

async fn replay<T: WriteTx>(
    tx: &mut T,
    person: PersonId,
    key: &Idempotency,
) -> StoreResult<Booked> {
    let (fingerprint, series) = tx
        .key_record(person, &key.key)
        .await?
        .ok_or(StoreError::NotFound)?;
    if fingerprint != key.fingerprint {
        return Err(StoreError::IdempotencyKeyReused);
    }
    let series = series.ok_or_else(|| StoreError::corrupt("idempotency key without series"))?;
    let series = tx.lock_series(series).await?.ok_or(StoreError::NotFound)?;
    Ok(Booked::Replayed(series))
}

async fn insert_series<T: WriteTx>(tx: &mut T, req: &NewSeries) -> StoreResult<SeriesId> {
    // 40 bits of number: a collision is rare enough that a few draws suffice.
    let token = CheckInToken::generate(&mut rand::rng());
    for _ in 0..8 {
        let number = ReservationNumber::generate(&mut rand::rng());
        if let Some(id) = tx
            .insert_series(&number, &token, req.person, req.vaccine, req.now)
            .await?
        {
            return Ok(id);
        }
    }
    Err(StoreError::Conflict("no free reservation number".into()))
}

async fn take_first_free<T: WriteTx>(
    tx: &mut T,
    candidates: &[SlotId],
    person: PersonId,
    now: DateTime<Utc>,
) -> StoreResult<Option<SlotId>> {
    for &slot in candidates {
        if tx.take_place(slot, person, now).await? {
            return Ok(Some(slot));
        }
    }
    Ok(None)
}

async fn why_not<T: WriteTx>(
    tx: &mut T,
    slot: SlotId,
    now: DateTime<Utc>,
) -> StoreResult<Rejection> {
    match tx.slot_closed(slot, now).await? {
        None => Err(StoreError::NotFound),
        Some(true) => Ok(Rejection::SlotClosed),
        Some(false) => Ok(Rejection::SlotFull),
    }
}
