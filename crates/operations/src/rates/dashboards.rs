//! The dashboards' scope (who sees which institution), and every dashboard of a scope read at once.

use super::totals::{DayRates, SlotTotals, slot_day};
use crate::{Actor, OperationError, Operations, reference};
use chrono::{DateTime, Days, NaiveDate, Utc};
use sesshu_domain::{Catalog, Duty, Institution, InstitutionId, Language, Scope, tokyo_day};
use sesshu_store::{CampaignDay, DepartmentRates, MemberRates, SlotRates, VoucherRates};

/// What the dashboards are limited to, and the names they show; only
/// [`scope`] makes one, after checking the actor's duty and scope.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct RateScope {
    /// The institution the numbers are limited to; `None`: every one.
    pub institution: Option<Institution>,
    /// The institutions the actor may choose (and whose names rows show).
    pub institutions: Vec<Institution>,
    /// Venues and lanes, for the slots' names.
    pub catalog: Catalog,
    /// When the numbers were read.
    pub at: DateTime<Utc>,
}

impl RateScope {
    fn limit(&self) -> Option<InstitutionId> {
        self.institution.as_ref().map(|i| i.id)
    }

    /// An institution's name in `lang` (its id if it is not in scope).
    pub fn institution_name(&self, id: InstitutionId, lang: Language) -> String {
        self.institutions
            .iter()
            .find(|i| i.id == id)
            .map_or_else(|| id.to_string(), |i| i.name(lang).to_owned())
    }

    /// `venue / lane` of a slot in `lang`.
    pub fn venue_name(&self, slot: &SlotRates, lang: Language) -> (String, String) {
        (
            self.catalog
                .venue(slot.venue)
                .map_or_else(|| slot.venue.to_string(), |v| v.name(lang).to_owned()),
            self.catalog
                .lane(slot.lane)
                .map_or_else(|| slot.lane.to_string(), |l| l.name(lang).to_owned()),
        )
    }
}

/// The scope of the dashboards `actor` asked for: `asked` (operators and
/// system administrators: one institution, or `None` for all), or the
/// staff's own institution whatever they asked (another one: not found).
pub async fn scope(
    ops: &Operations,
    actor: &Actor,
    asked: Option<InstitutionId>,
) -> Result<RateScope, OperationError> {
    actor.may(Duty::Rates, Scope::Any)?;
    let limit = match asked {
        Some(id) => {
            actor.may(Duty::Rates, Scope::Institution(id))?;
            Some(id)
        }
        None => actor.role.institution(),
    };
    let institutions = reference::institutions_for(ops, actor, Duty::Rates).await?;
    let institution = match limit {
        Some(id) => Some(
            institutions
                .iter()
                .find(|i| i.id == id)
                .cloned()
                .ok_or(OperationError::NotFound)?,
        ),
        None => None,
    };
    Ok(RateScope {
        institution,
        institutions,
        catalog: reference::catalog(ops).await?,
        at: ops.now(),
    })
}

/// Every dashboard of a scope, read at the same moment (five statements,
/// not one transaction: a check-in between two shows in the later one).
#[derive(Clone, Debug)]
pub struct Dashboards {
    pub scope: RateScope,
    pub members: Vec<MemberRates>,
    pub departments: Vec<DepartmentRates>,
    /// Every slot of the campaign, in time order.
    pub slots: Vec<SlotRates>,
    /// Every day from the first booking or dose to the last, days without
    /// any as zeros.
    pub campaign: Vec<CampaignDay>,
    /// Every institution in scope, those with no dose given as zeros.
    pub vouchers: Vec<VoucherRates>,
}

/// The longest campaign whose days without bookings are filled in (a
/// stray old record would otherwise make a chart of years).
const MAX_FILLED_DAYS: u64 = 400;

impl Dashboards {
    /// The slots' days, each summed, in order.
    pub fn days(&self) -> Vec<DayRates> {
        let mut days: Vec<DayRates> = Vec::new();
        for slot in &self.slots {
            let day = slot_day(slot);
            let one = SlotTotals::of([slot]);
            match days.last_mut() {
                Some(last) if last.day == day => {
                    last.totals = last.totals.plus(one);
                }
                _ => days.push(DayRates { day, totals: one }),
            }
        }
        days
    }

    /// The slots of `day`.
    pub fn slots_of(&self, day: NaiveDate) -> Vec<&SlotRates> {
        self.slots.iter().filter(|s| slot_day(s) == day).collect()
    }

    /// The day whose slots to show when none is asked for: today if it
    /// has slots, else the next day that has, else the last one.
    pub fn default_day(&self) -> Option<NaiveDate> {
        let today = tokyo_day(self.scope.at);
        self.slots
            .iter()
            .map(slot_day)
            .find(|d| *d >= today)
            .or_else(|| self.slots.last().map(slot_day))
    }
}

/// Reads every dashboard of `scope`.
pub async fn dashboards(ops: &Operations, scope: RateScope) -> Result<Dashboards, OperationError> {
    let store = ops.store();
    let limit = scope.limit();
    let (members, departments, slots, campaign, vouchers) = tokio::try_join!(
        store.member_rates(limit),
        store.department_rates(limit),
        store.slot_rates(limit, scope.at),
        store.campaign_days(limit),
        store.voucher_rates(limit),
    )?;
    let vouchers = scope
        .institutions
        .iter()
        .filter(|i| limit.is_none_or(|l| l == i.id))
        .map(|i| {
            vouchers
                .iter()
                .find(|v| v.institution == i.id)
                .cloned()
                .unwrap_or(VoucherRates {
                    institution: i.id,
                    vaccinated: 0,
                    collected: 0,
                    missing: 0,
                    missing_number_given: 0,
                })
        })
        .collect();
    Ok(Dashboards {
        campaign: filled(campaign),
        scope,
        members,
        departments,
        slots,
        vouchers,
    })
}

/// The campaign's days with the days between them as zeros.
fn filled(days: Vec<CampaignDay>) -> Vec<CampaignDay> {
    let (Some(first), Some(last)) = (days.first(), days.last()) else {
        return days;
    };
    let span = u64::try_from((last.day - first.day).num_days()).unwrap_or(u64::MAX);
    if span > MAX_FILLED_DAYS {
        return days;
    }
    let mut out = Vec::with_capacity(usize::try_from(span + 1).unwrap_or(0));
    let mut known = days.iter().peekable();
    let mut day = first.day;
    while day <= last.day {
        match known.peek() {
            Some(d) if d.day == day => out.extend(known.next().copied()),
            _ => out.push(CampaignDay {
                day,
                bookings: 0,
                vaccinations: 0,
            }),
        }
        let Some(next) = day.checked_add_days(Days::new(1)) else {
            break;
        };
        day = next;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{actor, empty_office};
    use sesshu_domain::{Denied, Role};

    #[test]
    fn the_campaign_has_every_day_between_its_first_and_last() {
        let day = |d: &str| NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap();
        let days = filled(vec![
            CampaignDay {
                day: day("2026-12-01"),
                bookings: 3,
                vaccinations: 0,
            },
            CampaignDay {
                day: day("2026-12-04"),
                bookings: 1,
                vaccinations: 2,
            },
        ]);
        let seen: Vec<(String, u64, u64)> = days
            .iter()
            .map(|d| (d.day.to_string(), d.bookings, d.vaccinations))
            .collect();
        assert_eq!(
            seen,
            vec![
                ("2026-12-01".into(), 3, 0),
                ("2026-12-02".into(), 0, 0),
                ("2026-12-03".into(), 0, 0),
                ("2026-12-04".into(), 1, 2),
            ]
        );
        assert!(filled(Vec::new()).is_empty());
    }

    #[tokio::test]
    async fn institution_staff_see_their_institution_only_and_venue_staff_nothing() {
        let ops = empty_office("rates-scope").await;
        let mine = InstitutionId::new(1);
        let staff = actor(Role::InstitutionStaff { institution: mine });
        let other = scope(&ops, &staff, Some(InstitutionId::new(2))).await;
        assert!(
            matches!(other, Err(OperationError::Denied(Denied::NotFound))),
            "{other:?}"
        );
        let venue = actor(Role::VenueStaff {
            venue: sesshu_domain::VenueId::new(1),
        });
        let refused = scope(&ops, &venue, None).await;
        assert!(
            matches!(refused, Err(OperationError::Denied(Denied::Forbidden))),
            "{refused:?}"
        );
        // An operator asking for an institution that does not exist.
        let missing = scope(&ops, &actor(Role::Operator), Some(InstitutionId::new(9))).await;
        assert!(
            matches!(missing, Err(OperationError::NotFound)),
            "{missing:?}"
        );
        let all = scope(&ops, &actor(Role::Operator), None).await.unwrap();
        assert!(all.institution.is_none());
        let read = dashboards(&ops, all).await.unwrap();
        assert!(read.members.is_empty() && read.slots.is_empty() && read.vouchers.is_empty());
        assert_eq!(read.default_day(), None);
    }
}
