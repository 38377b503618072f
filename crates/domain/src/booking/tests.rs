use super::*;
use crate::ElsewhereDose;
use crate::{
    AttributeMapping, ChangeDeadline, Contact, Dose, DoseInterval, InstitutionCode, InstitutionId,
    LaneId, LoginMethod, MailSettings, PersonId, ReservationNumber, SeriesId, SlotEligibility,
    TOKYO, UserType, VaccineId, VenueId,
};
use chrono::TimeZone;
use std::collections::BTreeSet;

fn tokyo(m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    TOKYO
        .with_ymd_and_hms(2026, m, d, h, min, 0)
        .unwrap()
        .with_timezone(&Utc)
}

fn institution() -> Institution {
    Institution {
        id: InstitutionId::new(1),
        code: InstitutionCode::parse("demo").unwrap(),
        name_ja: "デモ大学".into(),
        name_en: "Demo University".into(),
        contact: Contact::default(),
        mail: MailSettings::default(),
        eligible_user_types: BTreeSet::from([UserType::Staff, UserType::Student]),
        deadline: ChangeDeadline::default(),
        login: LoginMethod::Builtin,
        attributes: AttributeMapping::default(),
        consent: None,
        departments: Vec::new(),
    }
}

fn student() -> Person {
    Person {
        id: PersonId::new(7),
        institution: InstitutionId::new(1),
        user_type: Some(UserType::Student),
        department: None,
    }
}

fn moderna() -> Vaccine {
    Vaccine {
        id: VaccineId::new(1),
        name_ja: "モデルナ".into(),
        name_en: "Moderna".into(),
        second_dose_after: Some(DoseInterval { days: 28 }),
        codes: Default::default(),
    }
}

fn slot(id: i64, dose: u8, starts_at: DateTime<Utc>, lane: i64) -> Slot {
    Slot {
        id: SlotId::new(id),
        venue: VenueId::new(1),
        lane: LaneId::new(lane),
        vaccine: VaccineId::new(1),
        dose: DoseNumber::new(dose).unwrap(),
        starts_at,
        ends_at: starts_at + chrono::Duration::minutes(30),
        capacity: 10,
        booked: 0,
        opens_at: tokyo(11, 1, 0, 0),
        closed: false,
        eligibility: SlotEligibility::default(),
        quotas: Default::default(),
    }
}

fn full(mut s: Slot) -> Slot {
    s.booked = s.capacity;
    s
}

fn series_at(first: &Slot, second: &Slot) -> Series {
    let dose = |n: DoseNumber, s: &Slot| Dose {
        number: n,
        slot: s.id,
        venue: s.venue,
        lane: s.lane,
        starts_at: s.starts_at,
        ends_at: s.ends_at,
    };
    Series {
        id: SeriesId::new(1),
        number: ReservationNumber::parse("KX7M4QP9").unwrap(),
        person: PersonId::new(7),
        vaccine: VaccineId::new(1),
        state: SeriesState::Booked,
        doses: vec![
            dose(DoseNumber::FIRST, first),
            dose(DoseNumber::SECOND, second),
        ],
        created_at: tokyo(11, 20, 9, 0),
    }
}

fn with<'a>(person: &'a Person, institution: &'a Institution) -> Booker<'a> {
    Booker::person(person, institution)
}

#[test]
fn a_free_first_dose_slot_before_the_deadline_can_be_booked() {
    let (p, i) = (student(), institution());
    let s = slot(1, 1, tokyo(12, 10, 10, 0), 1);
    assert_eq!(
        with(&p, &i).check_new_series(&s, None, tokyo(12, 7, 11, 59)),
        Ok(())
    );
}

#[test]
fn booking_closes_at_the_change_deadline() {
    let (p, i) = (student(), institution());
    let s = slot(1, 1, tokyo(12, 10, 10, 0), 1);
    assert_eq!(
        with(&p, &i).check_new_series(&s, None, tokyo(12, 7, 12, 0)),
        Err(Rejection::DeadlinePassed)
    );
}

#[test]
fn a_second_series_is_refused_while_one_is_active() {
    let (p, i) = (student(), institution());
    let first = slot(1, 1, tokyo(12, 10, 10, 0), 1);
    let second = slot(2, 2, tokyo(12, 7, 10, 0) + chrono::Days::new(31), 1);
    let active = series_at(&first, &second);
    assert_eq!(
        with(&p, &i).check_new_series(&first, Some(&active), tokyo(12, 1, 9, 0)),
        Err(Rejection::AlreadyBooked)
    );
}

#[test]
fn a_series_starts_with_a_first_dose_slot() {
    let (p, i) = (student(), institution());
    let s = slot(1, 2, tokyo(12, 10, 10, 0), 1);
    assert_eq!(
        with(&p, &i).check_new_series(&s, None, tokyo(12, 1, 9, 0)),
        Err(Rejection::NotFirstDose)
    );
}

#[test]
fn a_person_whose_user_type_is_unknown_is_eligible_for_nothing() {
    let (mut p, i) = (student(), institution());
    p.user_type = None;
    let s = slot(1, 1, tokyo(12, 10, 10, 0), 1);
    assert_eq!(
        with(&p, &i).check_slot(&s, tokyo(12, 1, 9, 0)),
        Err(Rejection::NotEligible)
    );
}

#[test]
fn slots_refuse_people_they_are_not_for() {
    let (p, mut i) = (student(), institution());
    let mut s = slot(1, 1, tokyo(12, 10, 10, 0), 1);
    let now = tokyo(12, 1, 9, 0);

    s.eligibility.user_types = BTreeSet::from([UserType::Staff]);
    assert_eq!(
        with(&p, &i).check_slot(&s, now),
        Err(Rejection::NotEligible)
    );

    s.eligibility = SlotEligibility {
        institutions: BTreeSet::from([InstitutionId::new(2)]),
        user_types: BTreeSet::new(),
    };
    assert_eq!(
        with(&p, &i).check_slot(&s, now),
        Err(Rejection::NotEligible)
    );

    s.eligibility = SlotEligibility::default();
    i.eligible_user_types = BTreeSet::from([UserType::Staff]);
    assert_eq!(
        with(&p, &i).check_slot(&s, now),
        Err(Rejection::NotEligible)
    );
}

#[test]
fn slots_open_at_their_opening_time_and_not_after_closing() {
    let (p, i) = (student(), institution());
    let mut s = slot(1, 1, tokyo(12, 10, 10, 0), 1);
    s.opens_at = tokyo(12, 1, 9, 0);
    assert_eq!(
        with(&p, &i).check_slot(&s, tokyo(12, 1, 8, 59)),
        Err(Rejection::NotOpenYet)
    );
    assert_eq!(with(&p, &i).check_slot(&s, tokyo(12, 1, 9, 0)), Ok(()));
    s.closed = true;
    assert_eq!(
        with(&p, &i).check_slot(&s, tokyo(12, 1, 9, 0)),
        Err(Rejection::SlotClosed)
    );
    assert_eq!(
        with(&p, &i).check_slot(
            &full(slot(2, 1, tokyo(12, 10, 10, 0), 1)),
            tokyo(12, 1, 9, 0)
        ),
        Err(Rejection::SlotFull)
    );
}

#[test]
fn the_second_dose_goes_to_the_same_time_28_days_later() {
    let (p, i) = (student(), institution());
    let first = slot(1, 1, tokyo(11, 30, 10, 0), 1);
    let day = [
        slot(10, 2, tokyo(12, 28, 9, 30), 1),
        slot(11, 2, tokyo(12, 28, 10, 0), 2),
        slot(12, 2, tokyo(12, 28, 10, 30), 1),
    ];
    assert_eq!(
        with(&p, &i).second_dose_candidates(&first, &moderna(), &day, &[]),
        vec![SlotId::new(11), SlotId::new(10), SlotId::new(12)]
    );
}

#[test]
fn a_full_second_dose_time_falls_back_to_the_nearest_free_slot_that_day() {
    let (p, i) = (student(), institution());
    let first = slot(1, 1, tokyo(11, 30, 10, 0), 1);
    let day = [
        slot(10, 2, tokyo(12, 28, 9, 0), 1),
        full(slot(11, 2, tokyo(12, 28, 10, 0), 1)),
        slot(12, 2, tokyo(12, 28, 11, 0), 1),
        slot(13, 2, tokyo(12, 28, 10, 45), 1),
        // another day, another venue, another vaccine, a first-dose slot:
        slot(14, 2, tokyo(12, 29, 10, 0), 1),
        Slot {
            venue: VenueId::new(2),
            ..slot(15, 2, tokyo(12, 28, 10, 0), 1)
        },
        Slot {
            vaccine: VaccineId::new(2),
            ..slot(16, 2, tokyo(12, 28, 10, 0), 1)
        },
        slot(17, 1, tokyo(12, 28, 10, 0), 1),
    ];
    assert_eq!(
        with(&p, &i).second_dose_candidates(&first, &moderna(), &day, &[]),
        vec![SlotId::new(13), SlotId::new(10), SlotId::new(12)],
        "nearest first; 9:00 and 11:00 tie, the earlier wins"
    );
}

#[test]
fn no_free_second_dose_slot_on_the_due_day_means_no_candidates() {
    let (p, i) = (student(), institution());
    let first = slot(1, 1, tokyo(11, 30, 10, 0), 1);
    let day = [
        full(slot(10, 2, tokyo(12, 28, 9, 0), 1)),
        slot(11, 2, tokyo(12, 27, 10, 0), 1),
    ];
    assert!(
        with(&p, &i)
            .second_dose_candidates(&first, &moderna(), &day, &[])
            .is_empty()
    );
}

#[test]
fn a_place_the_person_holds_counts_as_free_when_changing() {
    let (p, i) = (student(), institution());
    let first = slot(1, 1, tokyo(11, 30, 10, 0), 1);
    let day = [full(slot(10, 2, tokyo(12, 28, 10, 0), 1))];
    assert_eq!(
        with(&p, &i).second_dose_candidates(&first, &moderna(), &day, &[SlotId::new(10)]),
        vec![SlotId::new(10)]
    );
}

#[test]
fn the_due_day_is_counted_in_tokyo() {
    // 08:30 Tokyo on 30 Nov is 29 Nov in UTC; the second dose is due on
    // 28 Dec in Tokyo, not on 27 Dec.
    let (p, i) = (student(), institution());
    let first = slot(1, 1, tokyo(11, 30, 8, 30), 1);
    let day = [
        slot(10, 2, tokyo(12, 27, 8, 30), 1),
        slot(11, 2, tokyo(12, 28, 8, 30), 1),
    ];
    assert_eq!(
        with(&p, &i).second_dose_candidates(&first, &moderna(), &day, &[]),
        vec![SlotId::new(11)]
    );
}

#[test]
fn a_series_can_be_changed_until_the_deadline_of_its_first_appointment() {
    let (p, i) = (student(), institution());
    let first = slot(1, 1, tokyo(12, 10, 10, 0), 1);
    let second = slot(2, 2, tokyo(12, 10, 10, 0) + chrono::Days::new(28), 1);
    let s = series_at(&first, &second);
    let b = with(&p, &i);
    assert_eq!(b.check_changeable(&s, tokyo(12, 7, 11, 59)), Ok(()));
    assert_eq!(
        b.check_changeable(&s, tokyo(12, 7, 12, 0)),
        Err(Rejection::DeadlinePassed)
    );
    let cancelled = Series {
        state: SeriesState::Cancelled,
        ..s
    };
    assert_eq!(
        b.check_changeable(&cancelled, tokyo(12, 1, 0, 0)),
        Err(Rejection::NotActive)
    );
}

#[test]
fn a_second_dose_may_move_to_or_after_its_due_day_only() {
    let (p, i) = (student(), institution());
    let first = slot(1, 1, tokyo(11, 30, 10, 0), 1);
    let second = slot(2, 2, tokyo(12, 28, 10, 0), 1);
    let s = series_at(&first, &second);
    let now = tokyo(11, 20, 9, 0);
    let b = with(&p, &i);
    assert_eq!(
        b.check_second_dose_slot(&s, &moderna(), &slot(3, 2, tokyo(12, 27, 15, 0), 1), now),
        Err(Rejection::IntervalNotMet)
    );
    assert_eq!(
        b.check_second_dose_slot(&s, &moderna(), &slot(4, 2, tokyo(12, 28, 15, 0), 1), now),
        Ok(())
    );
    assert_eq!(
        b.check_second_dose_slot(&s, &moderna(), &slot(5, 2, tokyo(12, 31, 9, 0), 1), now),
        Ok(())
    );
    let other = Slot {
        vaccine: VaccineId::new(2),
        ..slot(6, 2, tokyo(12, 29, 9, 0), 1)
    };
    assert_eq!(
        b.check_second_dose_slot(&s, &moderna(), &other, now),
        Err(Rejection::OtherVaccine)
    );
}

#[test]
fn every_rejection_has_a_distinct_code_and_both_languages() {
    let codes: BTreeSet<_> = Rejection::ALL.iter().map(|r| r.code()).collect();
    assert_eq!(codes.len(), Rejection::ALL.len());
    for r in Rejection::ALL {
        assert_eq!(Rejection::from_code(r.code()), Some(r));
        assert_ne!(r.message(Language::Ja), r.message(Language::En));
    }
    assert_eq!(Rejection::from_code("nonsense"), None);
}

#[test]
fn the_office_acts_after_the_deadline_and_before_opening_but_not_for_the_ineligible() {
    let (p, i) = (student(), institution());
    let office = Booker::office(&p, &i);
    let mut s = slot(1, 1, tokyo(12, 10, 10, 0), 1);
    s.opens_at = tokyo(12, 9, 0, 0);
    let late = tokyo(12, 8, 18, 0);
    assert_eq!(
        with(&p, &i).check_new_series(&s, None, late),
        Err(Rejection::NotOpenYet)
    );
    assert_eq!(
        with(&p, &i).check_deadline(s.starts_at, late),
        Err(Rejection::DeadlinePassed)
    );
    assert_eq!(office.check_new_series(&s, None, late), Ok(()));
    s.eligibility.user_types = BTreeSet::from([UserType::Staff]);
    assert_eq!(office.check_slot(&s, late), Err(Rejection::NotEligible));
    s.eligibility = SlotEligibility::default();
    s.closed = true;
    assert_eq!(office.check_slot(&s, late), Err(Rejection::SlotClosed));
    assert_eq!(
        office.check_slot(&full(slot(2, 1, tokyo(12, 10, 10, 0), 1)), late),
        Err(Rejection::SlotFull)
    );
}

#[test]
fn an_institution_whose_quota_is_used_sees_the_slot_full_and_others_do_not() {
    let (p, i) = (student(), institution());
    let now = tokyo(12, 1, 9, 0);
    let mut s = slot(1, 1, tokyo(12, 10, 10, 0), 1);
    s.booked = 4;
    s.quotas
        .insert(p.institution, crate::Quota { places: 4, held: 3 });
    assert_eq!(s.free(), 6);
    assert_eq!(s.free_for(p.institution), 1, "one left of the quota");
    assert_eq!(
        s.free_for(crate::InstitutionId::new(2)),
        6,
        "no quota: the slot's places"
    );
    assert_eq!(with(&p, &i).check_slot(&s, now), Ok(()));
    s.quotas.get_mut(&p.institution).unwrap().held = 4;
    assert_eq!(with(&p, &i).check_slot(&s, now), Err(Rejection::SlotFull));
}

fn elsewhere(dose: u8, given_on: chrono::NaiveDate) -> ElsewhereDose {
    ElsewhereDose {
        dose: DoseNumber::new(dose).unwrap(),
        given_on,
        product: "Moderna".into(),
        place: String::new(),
        source: crate::elsewhere::Source::Declared,
        recorded_at: tokyo(11, 1, 9, 0),
        confirmed: None,
    }
}

fn date(m: u32, d: u32) -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, m, d).unwrap()
}

#[test]
fn the_doses_received_elsewhere_say_what_is_left_to_book() {
    assert_eq!(ToBook::after(&[]), ToBook::BothDoses);
    assert_eq!(
        ToBook::after(&[elsewhere(1, date(11, 2))]),
        ToBook::SecondDose {
            first_given_on: date(11, 2)
        }
    );
    assert_eq!(
        ToBook::after(&[elsewhere(1, date(11, 2)), elsewhere(2, date(11, 30))]),
        ToBook::Nothing
    );
    assert_eq!(
        ToBook::after(&[elsewhere(2, date(11, 30))]),
        ToBook::Nothing,
        "a second dose ends a series"
    );
    let second = ToBook::SecondDose {
        first_given_on: date(11, 2),
    };
    assert_eq!(second.second_dose_from(&moderna()), Some(date(11, 30)));
    assert_eq!(second.starts_with(), Some(DoseNumber::SECOND));
    let single = Vaccine {
        second_dose_after: None,
        ..moderna()
    };
    assert_eq!(second.second_dose_from(&single), None);
    assert_eq!(ToBook::BothDoses.second_dose_from(&moderna()), None);
    assert_eq!(ToBook::Nothing.starts_with(), None);
}

#[test]
fn with_the_first_dose_elsewhere_only_a_second_dose_slot_from_the_allowed_day_is_booked() {
    let (p, i) = (student(), institution());
    let b = with(&p, &i);
    let now = tokyo(12, 1, 9, 0);
    let to_book = ToBook::SecondDose {
        first_given_on: date(11, 20),
    };
    let check = |s: &Slot| b.check_new_series_after(s, &moderna(), None, to_book, now);
    assert_eq!(
        check(&slot(1, 1, tokyo(12, 20, 10, 0), 1)),
        Err(Rejection::SecondDoseOnly)
    );
    assert_eq!(
        check(&slot(2, 2, tokyo(12, 17, 10, 0), 1)),
        Err(Rejection::IntervalNotMet),
        "the day before 20 Nov + 28 days"
    );
    assert_eq!(check(&slot(3, 2, tokyo(12, 18, 10, 0), 1)), Ok(()));
    assert_eq!(
        check(&full(slot(4, 2, tokyo(12, 18, 10, 0), 1))),
        Err(Rejection::SlotFull)
    );
    assert_eq!(
        check(&slot(5, 2, tokyo(12, 3, 10, 0), 1)),
        Err(Rejection::IntervalNotMet)
    );
    let other = Slot {
        vaccine: VaccineId::new(2),
        ..slot(6, 2, tokyo(12, 18, 10, 0), 1)
    };
    assert_eq!(check(&other), Err(Rejection::OtherVaccine));
    // The deadline holds as for any first appointment.
    assert_eq!(
        b.check_new_series_after(
            &slot(7, 2, tokyo(12, 18, 10, 0), 1),
            &moderna(),
            None,
            to_book,
            tokyo(12, 15, 12, 0)
        ),
        Err(Rejection::DeadlinePassed)
    );
}

#[test]
fn with_both_doses_elsewhere_nothing_is_booked_and_nothing_elsewhere_changes_nothing() {
    let (p, i) = (student(), institution());
    let b = with(&p, &i);
    let now = tokyo(12, 1, 9, 0);
    let first = slot(1, 1, tokyo(12, 10, 10, 0), 1);
    let second = slot(2, 2, tokyo(12, 28, 10, 0), 1);
    for s in [&first, &second] {
        assert_eq!(
            b.check_new_series_after(s, &moderna(), None, ToBook::Nothing, now),
            Err(Rejection::AlreadyVaccinated)
        );
    }
    assert_eq!(
        b.check_new_series_after(&first, &moderna(), None, ToBook::BothDoses, now),
        b.check_new_series(&first, None, now)
    );
    assert_eq!(
        b.check_new_series_after(&second, &moderna(), None, ToBook::BothDoses, now),
        Err(Rejection::NotFirstDose)
    );
    let active = series_at(&first, &second);
    assert_eq!(
        b.check_new_series_after(&second, &moderna(), Some(&active), ToBook::Nothing, now),
        Err(Rejection::AlreadyBooked),
        "a reservation held is said first"
    );
}

#[test]
fn a_series_of_the_second_dose_alone_counts_its_deadline_and_interval_from_what_it_has() {
    let (p, i) = (student(), institution());
    let b = with(&p, &i);
    let second = slot(2, 2, tokyo(12, 28, 10, 0), 1);
    let mut s = series_at(&slot(1, 1, tokyo(11, 30, 10, 0), 1), &second);
    s.doses.remove(0);
    assert_eq!(s.first_appointment(), Some(second.starts_at));
    assert_eq!(b.check_changeable(&s, tokyo(12, 25, 11, 59)), Ok(()));
    assert_eq!(
        b.check_changeable(&s, tokyo(12, 25, 12, 0)),
        Err(Rejection::DeadlinePassed)
    );
    let now = tokyo(12, 1, 9, 0);
    let target = slot(3, 2, tokyo(12, 20, 10, 0), 1);
    assert_eq!(
        b.check_second_dose_slot(&s, &moderna(), &target, now),
        Err(Rejection::IntervalNotMet),
        "no first dose here, none given"
    );
    assert_eq!(
        b.check_second_dose_slot_after(&s, &moderna(), &target, Some(date(11, 22)), now),
        Ok(())
    );
    assert_eq!(
        b.check_second_dose_slot_after(&s, &moderna(), &target, Some(date(11, 23)), now),
        Err(Rejection::IntervalNotMet)
    );
}
