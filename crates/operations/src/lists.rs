//! The office's lists of people: a venue day's recipients (接種者リスト),
//! an institution's reservations (予約者一覧) and the prefecture's list of
//! people vaccinated. Each read opens names for the whole list with one
//! `personal.view` entry, written before anything is opened; each file
//! handed out is audited as an export ([`record_export`]).

use crate::export::Encoding;
use crate::{Actor, OperationError, Operations, personal};
use chrono::{DateTime, NaiveDate, Utc};
use sesshu_domain::{
    AuditAction, AuditObject, DoseNumber, Duty, Institution, InstitutionId, LaneId, Person,
    ReservationNumber, Scope, Series, UserType, VenueId, day_start, tokyo_day,
};
use sesshu_vault::Field;
use sesshu_vault_open::Keyring;
use std::collections::BTreeMap;

/// A person's names as a list shows them (empty where not opened or not
/// held). Never logged.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Names {
    pub kanji: String,
    pub kana: String,
    pub roman: String,
}

impl std::fmt::Debug for Names {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Names").finish_non_exhaustive()
    }
}

impl Names {
    fn from(mut fields: BTreeMap<Field, String>) -> Self {
        let mut take = |field| fields.remove(&field).unwrap_or_default();
        Self {
            kanji: take(Field::NameKanji),
            kana: take(Field::NameKana),
            roman: take(Field::NameRoman),
        }
    }
}

/// Which recipient list: a day at a venue, optionally one lane.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecipientList {
    pub day: NaiveDate,
    pub venue: VenueId,
    pub lane: Option<LaneId>,
}

impl RecipientList {
    /// What the audit trail names: the venue, the day, the lane.
    pub fn objects(&self) -> Vec<AuditObject> {
        let mut objects = vec![AuditObject::Venue(self.venue), AuditObject::Day(self.day)];
        if let Some(lane) = self.lane {
            objects.push(AuditObject::Lane(lane));
        }
        objects
    }
}

/// Whether a recipient list is read to be shown or to be handed out as a
/// file (the audit entry says which).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListUse {
    Screen,
    Export,
}

/// One dose of the day, as the venue's list shows it.
#[derive(Clone, Debug)]
pub struct Recipient {
    pub starts_at: DateTime<Utc>,
    pub number: ReservationNumber,
    pub names: Names,
    pub institution: InstitutionId,
    pub user_type: Option<UserType>,
    pub dose: DoseNumber,
    pub lane: LaneId,
    pub checked_in: bool,
}

/// The doses of `list`'s day at its venue (and lane), in time order, with
/// the names opened: venue staff see their own venue's only.
pub async fn recipients(
    ops: &Operations,
    keys: &Keyring,
    actor: &Actor,
    list: &RecipientList,
    purpose: ListUse,
) -> Result<Vec<Recipient>, OperationError> {
    actor.may(Duty::CheckIn, Scope::Venue(list.venue))?;
    let from = day_start(list.day);
    let to = day_start(list.day.succ_opt().unwrap_or(list.day));
    let mut doses = Vec::new();
    for series in ops.store().series_at(list.venue, from, to).await? {
        for dose in &series.doses {
            let on_day = dose.venue == list.venue && tokyo_day(dose.starts_at) == list.day;
            if on_day && list.lane.is_none_or(|lane| lane == dose.lane) {
                doses.push((series.clone(), dose.clone()));
            }
        }
    }
    doses.sort_by(|(a, x), (b, y)| {
        (x.starts_at, x.lane, a.number.to_string()).cmp(&(
            y.starts_at,
            y.lane,
            b.number.to_string(),
        ))
    });
    let mut people = Vec::with_capacity(doses.len());
    for (series, _) in &doses {
        people.push(person(ops, series).await?);
    }
    let opened = personal::open_list(
        ops,
        keys,
        actor,
        &people.iter().collect::<Vec<_>>(),
        &[Field::NameKanji, Field::NameKana],
        match purpose {
            ListUse::Screen => "recipient list",
            ListUse::Export => "recipient list export",
        },
        list.objects(),
    )
    .await?;
    let mut rows = Vec::with_capacity(doses.len());
    for (((series, dose), person), fields) in doses.into_iter().zip(people).zip(opened) {
        let checked_in = ops
            .store()
            .check_ins(series.id)
            .await?
            .iter()
            .any(|(n, _)| *n == dose.number);
        rows.push(Recipient {
            starts_at: dose.starts_at,
            number: series.number,
            names: Names::from(fields),
            institution: person.institution,
            user_type: person.user_type,
            dose: dose.number,
            lane: dose.lane,
            checked_in,
        });
    }
    Ok(rows)
}

/// One active reservation of an institution's list.
#[derive(Clone, Debug)]
pub struct ReservationLine {
    pub series: Series,
    pub person: Person,
    pub names: Names,
}

/// An institution and its people's reservations, names opened.
#[derive(Clone, Debug)]
pub struct InstitutionReservations {
    pub institution: Institution,
    pub lines: Vec<ReservationLine>,
}

/// Every active reservation of `institution`'s people with their names,
/// for its reservation list; institution staff get their own only.
pub async fn institution_reservations(
    ops: &Operations,
    keys: &Keyring,
    actor: &Actor,
    institution: InstitutionId,
) -> Result<InstitutionReservations, OperationError> {
    actor.may(Duty::ViewReservations, Scope::Institution(institution))?;
    let found = crate::reference::institution(ops, institution).await?;
    let series = ops.store().series_of_institution(institution).await?;
    let mut people = Vec::with_capacity(series.len());
    for s in &series {
        people.push(person(ops, s).await?);
    }
    let opened = personal::open_list(
        ops,
        keys,
        actor,
        &people.iter().collect::<Vec<_>>(),
        &[Field::NameKanji, Field::NameKana],
        "reservation list export",
        vec![AuditObject::Institution(institution)],
    )
    .await?;
    let lines = series
        .into_iter()
        .zip(people)
        .zip(opened)
        .map(|((series, person), fields)| ReservationLine {
            series,
            person,
            names: Names::from(fields),
        })
        .collect();
    Ok(InstitutionReservations {
        institution: found,
        lines,
    })
}

/// Days from one to another, both included.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Period {
    from: NaiveDate,
    to: NaiveDate,
}

impl Period {
    /// The period, or `None` if it ends before it starts.
    pub fn new(from: NaiveDate, to: NaiveDate) -> Option<Self> {
        (from <= to).then_some(Self { from, to })
    }

    pub fn from(&self) -> NaiveDate {
        self.from
    }

    pub fn to(&self) -> NaiveDate {
        self.to
    }
}

/// A dose given (checked in), with its series, person and names.
#[derive(Clone, Debug)]
pub struct GivenDose {
    pub series: Series,
    pub dose: DoseNumber,
    pub at: DateTime<Utc>,
    pub person: Person,
    pub names: Names,
}

/// Every dose checked in during `period`, in time order, with the names
/// (kanji, kana, roman) opened: the rows of the prefecture's list.
pub async fn doses_given(
    ops: &Operations,
    keys: &Keyring,
    actor: &Actor,
    period: Period,
) -> Result<Vec<GivenDose>, OperationError> {
    actor.may(Duty::PrefectureList, Scope::Any)?;
    let (from, to) = (period.from, period.to);
    let given = ops
        .store()
        .checked_in_between(day_start(from), day_start(to.succ_opt().unwrap_or(to)))
        .await?;
    let mut doses = Vec::with_capacity(given.len());
    let mut people = Vec::with_capacity(given.len());
    for (series, dose, at) in given {
        let Some(series) = ops.store().series(series).await? else {
            continue;
        };
        let Some(person) = ops.store().person(series.person).await? else {
            continue;
        };
        doses.push((series, dose, at));
        people.push(person);
    }
    let opened = personal::open_list(
        ops,
        keys,
        actor,
        &people.iter().collect::<Vec<_>>(),
        &[Field::NameKanji, Field::NameKana, Field::NameRoman],
        "prefecture list export",
        vec![AuditObject::Period(from, to)],
    )
    .await?;
    Ok(doses
        .into_iter()
        .zip(people)
        .zip(opened)
        .map(|(((series, dose, at), person), fields)| GivenDose {
            series,
            dose,
            at,
            person,
            names: Names::from(fields),
        })
        .collect())
}

async fn person(ops: &Operations, series: &Series) -> Result<Person, OperationError> {
    ops.store()
        .person(series.person)
        .await?
        .ok_or(OperationError::NotFound)
}

/// A list handed out as a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Listing {
    Recipients(RecipientList),
    Reservations(InstitutionId),
    Prefecture(Period),
    /// The vaccinations whose voucher is missing, of one institution or
    /// of all (`None`).
    MissingVouchers(Option<InstitutionId>),
}

impl Listing {
    fn may(&self, actor: &Actor) -> Result<(), OperationError> {
        match self {
            Listing::Recipients(list) => actor.may(Duty::CheckIn, Scope::Venue(list.venue))?,
            Listing::Reservations(id) => {
                actor.may(Duty::ViewReservations, Scope::Institution(*id))?
            }
            Listing::Prefecture(_) => actor.may(Duty::PrefectureList, Scope::Any)?,
            Listing::MissingVouchers(institution) => {
                crate::vouchers::may_list(actor, *institution)?
            }
        }
        Ok(())
    }

    fn action(&self) -> AuditAction {
        match self {
            Listing::Recipients(_) => AuditAction::ExportRecipients,
            Listing::Reservations(_) => AuditAction::ExportReservations,
            Listing::Prefecture(_) => AuditAction::ExportPrefecture,
            Listing::MissingVouchers(_) => AuditAction::ExportMissingVouchers,
        }
    }

    fn objects(&self) -> Vec<AuditObject> {
        match self {
            Listing::Recipients(list) => list.objects(),
            Listing::Reservations(id) => vec![AuditObject::Institution(*id)],
            Listing::Prefecture(period) => vec![AuditObject::Period(period.from, period.to)],
            Listing::MissingVouchers(institution) => institution
                .map(AuditObject::Institution)
                .into_iter()
                .collect(),
        }
    }
}

/// The kind of file a list is handed out as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileFormat {
    Xlsx,
    Csv(Encoding),
}

impl FileFormat {
    /// `xlsx`, `utf8` or `cp932`, as the audit trail names it.
    pub fn code(self) -> &'static str {
        match self {
            FileFormat::Xlsx => "xlsx",
            FileFormat::Csv(encoding) => encoding.code(),
        }
    }
}

/// Records that `listing` was handed out as a file of `rows` rows (its
/// `export.*` entry), once the file is built and before it is handed out.
pub async fn record_export(
    ops: &Operations,
    actor: &Actor,
    listing: &Listing,
    rows: usize,
    format: FileFormat,
) -> Result<(), OperationError> {
    listing.may(actor)?;
    let entry = actor.entry(
        ops.now(),
        listing.action(),
        listing.objects(),
        format!("{rows} rows, {}", format.code()),
    );
    ops.store().audit(&entry).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::actor;
    use crate::testing::empty_office;
    use sesshu_domain::{Denied, Role};

    fn hall_on_the_tenth() -> RecipientList {
        RecipientList {
            day: NaiveDate::from_ymd_opt(2026, 12, 10).unwrap(),
            venue: VenueId::new(1),
            lane: None,
        }
    }

    #[tokio::test]
    async fn venue_staff_may_not_read_another_venues_list_and_nothing_is_audited() {
        let ops = empty_office("other-venue").await;
        let gym_staff = actor(Role::VenueStaff {
            venue: VenueId::new(2),
        });
        let refused = recipients(
            &ops,
            &Keyring::default(),
            &gym_staff,
            &hall_on_the_tenth(),
            ListUse::Screen,
        )
        .await;
        assert!(
            matches!(refused, Err(OperationError::Denied(Denied::NotFound))),
            "{refused:?}"
        );
        let refused = record_export(
            &ops,
            &gym_staff,
            &Listing::Recipients(hall_on_the_tenth()),
            0,
            FileFormat::Xlsx,
        )
        .await;
        assert!(refused.is_err(), "{refused:?}");
        assert_eq!(ops.store().audit_head().await.unwrap(), None);
    }

    #[tokio::test]
    async fn venue_staff_may_not_export_the_prefectures_list() {
        let ops = empty_office("prefecture").await;
        let staff = actor(Role::VenueStaff {
            venue: VenueId::new(1),
        });
        let period = Period::new(
            NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
            NaiveDate::from_ymd_opt(2026, 12, 31).unwrap(),
        )
        .unwrap();
        let refused = doses_given(&ops, &Keyring::default(), &staff, period).await;
        assert!(
            matches!(refused, Err(OperationError::Denied(Denied::Forbidden))),
            "{refused:?}"
        );
        assert_eq!(ops.store().audit_head().await.unwrap(), None);
    }

    #[tokio::test]
    async fn an_empty_day_is_still_audited_once_as_a_view_and_once_as_an_export() {
        let ops = empty_office("empty-day").await;
        let staff = actor(Role::VenueStaff {
            venue: VenueId::new(1),
        });
        let list = hall_on_the_tenth();
        let rows = recipients(&ops, &Keyring::default(), &staff, &list, ListUse::Export)
            .await
            .unwrap();
        assert!(rows.is_empty());
        record_export(
            &ops,
            &staff,
            &Listing::Recipients(list),
            rows.len(),
            FileFormat::Csv(Encoding::Cp932),
        )
        .await
        .unwrap();
        let trail = ops.store().audit_latest(None, 10).await.unwrap();
        let entries: Vec<_> = trail
            .iter()
            .map(|r| (r.entry.action, r.entry.detail.as_str()))
            .collect();
        assert_eq!(
            entries,
            [
                (AuditAction::ExportRecipients, "0 rows, cp932"),
                (
                    AuditAction::PersonalView,
                    "recipient list export: 0 people: name_kanji,name_kana"
                ),
            ]
        );
        assert_eq!(trail[0].entry.objects, list.objects());
    }

    #[test]
    fn a_period_may_not_end_before_it_starts() {
        let first = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let last = NaiveDate::from_ymd_opt(2026, 12, 31).unwrap();
        assert!(Period::new(last, first).is_none());
        assert!(Period::new(first, first).is_some());
    }
}
