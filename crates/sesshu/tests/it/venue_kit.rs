//! The venue's steps for a test's scenario, done through the operations as
//! the desk does them: check-in, questionnaire, decision, vaccination from
//! a lot, voucher; and a booking written straight to the store.

use crate::helpers::*;
use sesshu_domain::{
    AdminId, Decision, DoseNumber, Language, LotId, PersonId, Questionnaire, ReservationNumber,
    Series, Site, SlotId, Temperature,
};
use sesshu_operations::checkin::{self, CheckIn, Lookup};
use sesshu_operations::vaccination::{self, Given};
use sesshu_operations::vouchers::{self, Entered, Typed};
use sesshu_operations::{Actor, Operations};
use sesshu_store::{Booked, NewSeries};
use sesshu_vault_open::Keyring;

/// A venue's desk: who acts, with which account, giving from which lot.
pub struct Desk {
    pub ops: Operations,
    pub keys: Keyring,
    pub actor: Actor,
    pub by: AdminId,
    pub lot: LotId,
}

impl Desk {
    pub async fn target(&self, number: &ReservationNumber, dose: u8) -> vaccination::Target {
        vaccination::target(
            &self.ops,
            &self.actor,
            number,
            DoseNumber::new(dose).unwrap(),
        )
        .await
        .unwrap()
    }

    /// Checks `series` in for the dose due today.
    pub async fn check_in(&self, series: &Series) {
        let done = checkin::check_in(
            &self.ops,
            &self.actor,
            self.by,
            &Lookup::Number(series.number.clone()),
        )
        .await
        .unwrap();
        assert!(matches!(done, CheckIn::Now(_)), "{done:?}");
    }

    /// The questionnaire of `dose` collected: 36.5 °C, no concern.
    pub async fn questionnaire(&self, series: &Series, dose: u8) {
        let answers = Questionnaire {
            temperature: Temperature::parse("36.5").unwrap(),
            concerns: Default::default(),
        };
        let target = self.target(&series.number, dose).await;
        vaccination::questionnaire(
            &self.ops,
            &self.keys,
            &self.actor,
            self.by,
            &target,
            &answers,
        )
        .await
        .unwrap();
    }

    /// `dose` of a checked-in `series` given at `at`: questionnaire, the
    /// decision to vaccinate, the vaccination from the desk's lot.
    pub async fn vaccinate(&self, series: &Series, dose: u8, at: chrono::DateTime<chrono::Utc>) {
        self.questionnaire(series, dose).await;
        let target = self.target(&series.number, dose).await;
        vaccination::decide(
            &self.ops,
            &self.keys,
            &self.actor,
            self.by,
            &target,
            Decision::Vaccinate,
            None,
        )
        .await
        .unwrap();
        let given = Given {
            at,
            lot: self.lot,
            given_by: "Dr Sato".into(),
            site: Site::LeftArm,
        };
        vaccination::vaccinate(&self.ops, &self.actor, self.by, &target, given)
            .await
            .unwrap();
    }

    /// The voucher of `dose` entered at the desk, and collected if
    /// `collect`.
    pub async fn voucher(
        &self,
        series: &Series,
        dose: u8,
        (municipality, number): (&str, &str),
        collect: bool,
    ) {
        let target = self.target(&series.number, dose).await;
        let typed = Typed::Parts {
            municipality,
            number,
        };
        let entered = vouchers::enter(&self.ops, &self.keys, &self.actor, &target, typed)
            .await
            .unwrap();
        assert!(matches!(entered, Entered::Done), "{entered:?}");
        if collect {
            vouchers::collect(&self.ops, &self.actor, self.by, &target)
                .await
                .unwrap();
        }
    }
}

/// `person` books `first` and the second dose in `second`, at `now`.
pub async fn book(
    app: &TestApp,
    person: PersonId,
    first: SlotId,
    second: SlotId,
    now: chrono::DateTime<chrono::Utc>,
) -> Series {
    match app
        .store
        .book(&NewSeries {
            person,
            vaccine: app.fixture.vaccine,
            first: vec![first],
            second: Some(vec![second]),
            idempotency: None,
            language: Language::Ja,
            audit: None,
            now,
        })
        .await
        .unwrap()
    {
        Booked::Created(series) | Booked::Replayed(series) => series,
    }
}
