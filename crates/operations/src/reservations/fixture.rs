//! A small office for the tests of the reservation operations: one
//! institution (built-in directory) with one member who signed in, one
//! venue with one lane, a single-dose vaccine and one slot at noon of the
//! test day (the clock stands at 09:00 that day, Tokyo time).

use crate::Operations;
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use sesshu_domain::booking::Booker;
use sesshu_domain::{
    AdminId, DoseNumber, InstitutionCode, InstitutionId, Language, Person, ReservationNumber, Role,
    SlotEligibility, SlotId, StaffDirectory, Subject, UserType, VaccineId, VenueId,
};
use sesshu_store::{
    DynStore, NewAdmin, NewInstitution, NewLane, NewSlot, NewVaccine, NewVenue, PersonLogin,
};
use std::cell::Cell;
use std::sync::Arc;

/// The places of the slot.
pub(crate) const CAPACITY: u32 = 5;

#[derive(Debug)]
pub(crate) struct Office {
    pub ops: Operations,
    pub institution: InstitutionId,
    pub venue: VenueId,
    pub vaccine: VaccineId,
    pub slot: SlotId,
    pub person: Person,
    pub member: Subject,
    /// The office account that checks people in.
    pub admin: AdminId,
    /// The audit trail's last entry once the office is set up.
    setup: Cell<i64>,
}

/// 2026-12-01 09:00 in Tokyo.
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap()
}

pub(crate) use crate::testing::actor;

/// The office, in its own SQLite file named after the test.
pub(crate) async fn office(name: &str) -> Office {
    let path = std::env::temp_dir().join(format!(
        "sesshu-operations-reservations-{}-{name}.sqlite",
        std::process::id()
    ));
    let _ = std::fs::remove_file(&path);
    let store = sesshu_store_sqlite::SqliteStore::connect(path.to_str().unwrap())
        .await
        .unwrap();
    store.migrate().await.unwrap();
    let store: DynStore = Arc::new(store);
    let code = InstitutionCode::parse("uni").unwrap();
    let institution = store
        .insert_institution(&NewInstitution::builtin(code, "大学", "University"))
        .await
        .unwrap();
    let venue = store
        .insert_venue(&NewVenue {
            name_ja: "会場".into(),
            name_en: "Venue".into(),
        })
        .await
        .unwrap();
    let lane = store
        .insert_lane(&NewLane {
            venue,
            name_ja: "A".into(),
            name_en: "A".into(),
        })
        .await
        .unwrap();
    let vaccine = store
        .insert_vaccine(&NewVaccine {
            name_ja: "ワクチン".into(),
            name_en: "Vaccine".into(),
            second_dose_after: None,
            codes: Default::default(),
        })
        .await
        .unwrap();
    let noon = now() + chrono::Duration::hours(3);
    let slot = store
        .insert_slots(&[NewSlot {
            venue,
            lane,
            vaccine,
            dose: DoseNumber::FIRST,
            starts_at: noon,
            ends_at: noon + chrono::Duration::minutes(30),
            capacity: CAPACITY,
            opens_at: now() - chrono::Duration::days(7),
            eligibility: SlotEligibility::default(),
        }])
        .await
        .unwrap()[0];
    let member = Subject::parse("taro").unwrap();
    let person = store
        .person_for_login(&PersonLogin {
            institution,
            subject: member.clone(),
            user_type: Some(UserType::Staff),
            department: None,
            at: now() - chrono::Duration::days(1),
            personal: None,
            consented: None,
            reassignable: false,
        })
        .await
        .unwrap();
    let setup_entry = actor(Role::SystemAdmin).entry(
        now() - chrono::Duration::days(1),
        sesshu_domain::AuditAction::AdminCreate,
        Vec::new(),
        "test desk account",
    );
    let admin = store
        .insert_admin(
            &NewAdmin {
                directory: StaffDirectory::Builtin,
                login: Subject::parse("desk").unwrap(),
                role: Role::Operator,
                password_hash: Some("not a real hash".into()),
                at: now() - chrono::Duration::days(1),
            },
            &setup_entry,
        )
        .await
        .unwrap();
    let setup = store.audit_head().await.unwrap().map_or(0, |(seq, _)| seq);
    let ops = Operations::new(store, Arc::new(sesshu_domain::ManualClock::new(now())));
    Office {
        ops,
        institution,
        venue,
        vaccine,
        slot,
        person,
        member,
        admin,
        setup: Cell::new(setup),
    }
}

impl Office {
    /// The test day, in Tokyo.
    pub(crate) fn day(&self) -> NaiveDate {
        sesshu_domain::tokyo_day(now())
    }

    /// The slot is booked for the member (by the office, so that the
    /// deadline of the day does not hold it back); its audit entry is part
    /// of the setting up.
    pub(crate) async fn booked(&self) -> ReservationNumber {
        let institution = self
            .ops
            .store()
            .institution(self.institution)
            .await
            .unwrap()
            .unwrap();
        let entry = actor(Role::Operator).entry(
            now(),
            sesshu_domain::AuditAction::ReservationBook,
            Vec::new(),
            "test booking",
        );
        let booked = self
            .ops
            .bookings()
            .book_on_behalf(
                Booker::office(&self.person, &institution),
                self.slot,
                Language::Ja,
                entry,
            )
            .await
            .unwrap();
        let head = self.ops.store().audit_head().await.unwrap();
        self.setup.set(head.map_or(0, |(seq, _)| seq));
        booked.series().number.clone()
    }

    /// [`Office::booked`], under the name the slots' tests use.
    pub(crate) async fn booked_by_the_person(&self) -> ReservationNumber {
        self.booked().await
    }

    /// How many audit entries the office has written since it was set up.
    pub(crate) async fn audited(&self) -> usize {
        self.ops
            .store()
            .audit_records(self.setup.get(), 1000)
            .await
            .unwrap()
            .len()
    }

    /// The audit entries' actions and details since the office was set up,
    /// oldest first.
    pub(crate) async fn audit_trail(&self) -> Vec<(String, String)> {
        self.ops
            .store()
            .audit_records(self.setup.get(), 1000)
            .await
            .unwrap()
            .into_iter()
            .map(|r| (r.entry.action.code().to_owned(), r.entry.detail))
            .collect()
    }
}
