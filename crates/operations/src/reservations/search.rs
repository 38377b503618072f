//! The office's reservation search: by institution, day, slot and state,
//! and by a person's name or mail (which opens the candidates' personal
//! data, audited once for the search).

use crate::personal;
use crate::{Actor, OperationError, Operations};
use chrono::NaiveDate;
use sesshu_domain::{
    AuditObject, Duty, InstitutionId, Person, Scope, Series, SeriesState, SlotId, day_start,
};
use sesshu_store::SeriesSearch;
use sesshu_vault::Field;
use sesshu_vault_open::Keyring;

/// At most this many reservations in one search.
pub const SEARCH_LIMIT: u32 = 200;

/// What the office searches for; every filter given must hold.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SearchFilter {
    /// The institution of the people (none: every institution the role
    /// may see; institution staff always search their own).
    pub institution: Option<InstitutionId>,
    /// A dose on this day (Tokyo).
    pub day: Option<NaiveDate>,
    /// A dose in this slot.
    pub slot: Option<SlotId>,
    pub state: Option<SeriesState>,
    /// Part of a name (kanji, kana, roman) or mail, however spaced or
    /// cased; empty: no name is opened.
    pub name: String,
}

/// One reservation found.
#[derive(Clone, Debug)]
pub struct FoundReservation {
    pub series: Series,
    pub institution: InstitutionId,
    /// When searched by name: the name (or mail) that matched, as shown.
    pub name: Option<String>,
}

/// What a search found, newest first.
#[derive(Clone, Debug)]
pub struct Found {
    pub reservations: Vec<FoundReservation>,
    /// The store had [`SEARCH_LIMIT`] or more: there may be more.
    pub more: bool,
}

/// The reservations matching `filter` that `actor` may view. With a name,
/// the candidates' names and mail are opened (one `personal.view` entry for
/// the search, written first) and only those that match are kept.
pub async fn search(
    ops: &Operations,
    keys: &Keyring,
    actor: &Actor,
    filter: &SearchFilter,
) -> Result<Found, OperationError> {
    actor.may(Duty::ViewReservations, Scope::Any)?;
    if let Some(id) = filter.institution {
        actor.may(Duty::ViewReservations, Scope::Institution(id))?;
    }
    // Roles bound to no institution may search them all at once;
    // institution staff search their own.
    let institution = filter.institution.or(actor.role.institution());
    let found = ops
        .store()
        .search_series(&SeriesSearch {
            institution,
            between: filter
                .day
                .map(|d| (day_start(d), day_start(d.succ_opt().unwrap_or(d)))),
            slot: filter.slot,
            state: filter.state,
            limit: SEARCH_LIMIT,
        })
        .await?;
    let more = found.len() >= SEARCH_LIMIT as usize;
    let mut people = Vec::with_capacity(found.len());
    for series in &found {
        let person = ops
            .store()
            .person(series.person)
            .await?
            .ok_or(OperationError::NotFound)?;
        people.push(person);
    }
    // The store's filter named the institution; this keeps a role within
    // its own whatever was asked.
    let keep: Vec<bool> = people
        .iter()
        .map(|p| {
            actor
                .may(Duty::ViewReservations, Scope::Institution(p.institution))
                .is_ok()
        })
        .collect();
    let name = filter.name.trim();
    let names = if name.is_empty() {
        vec![None; found.len()]
    } else {
        matching_names(ops, keys, actor, &people, &keep, name).await?
    };
    let reservations = found
        .into_iter()
        .zip(people)
        .zip(keep)
        .zip(names)
        .filter(|(((_, _), kept), matched)| *kept && (name.is_empty() || matched.is_some()))
        .map(|(((series, person), _), name)| FoundReservation {
            series,
            institution: person.institution,
            name,
        })
        .collect();
    Ok(Found { reservations, more })
}

/// For each of `people`: the name (or mail) to show if one of their names
/// or their mail contains `name`; `None` if none does or it is not `kept`.
async fn matching_names(
    ops: &Operations,
    keys: &Keyring,
    actor: &Actor,
    people: &[Person],
    kept: &[bool],
    name: &str,
) -> Result<Vec<Option<String>>, OperationError> {
    let candidates: Vec<&Person> = people
        .iter()
        .zip(kept)
        .filter(|(_, k)| **k)
        .map(|(p, _)| p)
        .collect();
    let opened = personal::open_list(
        ops,
        keys,
        actor,
        &candidates,
        &[
            Field::NameKanji,
            Field::NameKana,
            Field::NameRoman,
            Field::Mail,
        ],
        "reservation search by name",
        vec![AuditObject::ReservationSearch],
    )
    .await?;
    let wanted = fold(name);
    let mut opened = opened.into_iter();
    Ok(kept
        .iter()
        .map(|k| {
            if !*k {
                return None;
            }
            let fields = opened.next().unwrap_or_default();
            fields.values().any(|v| fold(v).contains(&wanted)).then(|| {
                [Field::NameKanji, Field::NameRoman, Field::Mail]
                    .iter()
                    .find_map(|f| fields.get(f).cloned())
                    .unwrap_or_default()
            })
        })
        .collect())
}

/// For matching a name however it was typed: lower case, no spaces
/// (Japanese names are written with or without the space).
fn fold(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{self, actor};
    use super::*;
    use sesshu_domain::{Denied, Role};

    fn no_keys() -> Keyring {
        Keyring::new([])
    }

    #[tokio::test]
    async fn venue_staff_may_not_search_and_nothing_is_audited() {
        let office = fixture::office("search-venue").await;
        office.booked().await;
        let venue = actor(Role::VenueStaff {
            venue: office.venue,
        });
        let filter = SearchFilter {
            name: "taro".into(),
            ..SearchFilter::default()
        };
        let refused = search(&office.ops, &no_keys(), &venue, &filter).await;
        assert!(
            matches!(refused, Err(OperationError::Denied(Denied::Forbidden))),
            "{refused:?}"
        );
        assert_eq!(office.audited().await, 0);
    }

    #[tokio::test]
    async fn institution_staff_find_their_own_reservations_of_a_day() {
        let office = fixture::office("search-own").await;
        let number = office.booked().await;
        let staff = actor(Role::InstitutionStaff {
            institution: office.institution,
        });
        let filter = SearchFilter {
            day: Some(office.day()),
            ..SearchFilter::default()
        };
        let found = search(&office.ops, &no_keys(), &staff, &filter)
            .await
            .unwrap();
        let numbers: Vec<_> = found
            .reservations
            .iter()
            .map(|r| r.series.number.clone())
            .collect();
        assert_eq!(numbers, vec![number]);
        assert!(!found.more);
        assert_eq!(office.audited().await, 0, "no name, nothing opened");

        let elsewhere = SearchFilter {
            institution: Some(InstitutionId::new(office.institution.get() + 1)),
            ..SearchFilter::default()
        };
        let refused = search(&office.ops, &no_keys(), &staff, &elsewhere).await;
        assert!(
            matches!(refused, Err(OperationError::Denied(Denied::NotFound))),
            "{refused:?}"
        );
    }

    #[test]
    fn names_match_however_spaced_or_cased() {
        assert!(fold("Yamada Taro").contains(&fold("yamadataro")));
        assert!(fold("山田 太郎").contains(&fold("山田太郎")));
    }
}
