//! The mapping rules: a dose as an Immunization, a person's names as JP Core writes them.

use super::pseudonyms::{Pseudonyms, urn};
use super::types::{
    CodeableConcept, Coding, Date, Extension, HumanName, Immunization, ImmunizationStatus, Instant,
    NameUse, Performer, ProtocolApplied, Reference,
};
use super::{
    ACT_REASON, ACT_SITE, COVID_19, CVX, LOCAL_DECISION, LOCAL_VACCINE, NAME_REPRESENTATION,
    PERFORMER_FUNCTION, SNOMED,
};
use sesshu_domain::{Catalog, Decision, Site};
use sesshu_store::RegisteredDose;
use sesshu_vault::Field;
use std::collections::BTreeMap;

/// Why a dose was not given, as FHIR's immunization-status-reason value
/// set says it (v3-ActReason), with Sesshu's own decision as a second
/// coding: a refusal is the patient's objection (PATOBJ); a postponement,
/// a contraindication and being unwell on the day are medical precautions
/// (MEDPREC). `None` for a dose given.
pub fn status_reason(decision: Decision) -> Option<CodeableConcept> {
    let (code, display) = match decision {
        Decision::Vaccinate => return None,
        Decision::Refused => ("PATOBJ", "patient objection"),
        Decision::Postpone | Decision::Contraindicated | Decision::Unwell => {
            ("MEDPREC", "medical precaution")
        }
    };
    Some(CodeableConcept {
        coding: vec![
            Coding::new(ACT_REASON, code, Some(display)),
            Coding::new(LOCAL_DECISION, decision.as_str(), None),
        ],
        text: None,
    })
}

/// The arm, in v3-ActSite.
pub fn site(site: Site) -> CodeableConcept {
    let (code, display) = match site {
        Site::LeftArm => ("LA", "left arm"),
        Site::RightArm => ("RA", "right arm"),
    };
    CodeableConcept {
        coding: vec![Coding::new(ACT_SITE, code, Some(display))],
        text: None,
    }
}

/// The Immunization of `dose`, for the Patient `patient` (its id), or
/// `None` for a dose the doctor approved that no vaccination was recorded
/// for: nothing happened that an Immunization could state.
pub fn immunization(
    dose: &RegisteredDose,
    catalog: &Catalog,
    ids: &Pseudonyms,
    patient: &str,
) -> Option<Immunization> {
    let (status, status_reason) = match (&dose.given, dose.decision) {
        (Some(_), _) => (ImmunizationStatus::Completed, None),
        (None, Decision::Vaccinate) => return None,
        (None, decision) => (ImmunizationStatus::NotDone, status_reason(decision)),
    };
    let vaccine = catalog.vaccine(dose.vaccine);
    let name = vaccine.map(|v| v.name_ja.clone());
    let cvx = vaccine
        .map(|v| v.codes.cvx.trim())
        .filter(|code| !code.is_empty())
        .map(|code| Coding::new(CVX, code, None));
    let local = Coding::new(
        LOCAL_VACCINE,
        &dose.vaccine.get().to_string(),
        name.as_deref(),
    );
    let given = dose.given.as_ref();
    let performer = given
        .map(|(v, _, _)| v.given_by.trim())
        .filter(|by| !by.is_empty())
        .map(|by| Performer {
            function: Some(CodeableConcept {
                coding: vec![Coding::new(
                    PERFORMER_FUNCTION,
                    "AP",
                    Some("Administering Provider"),
                )],
                text: None,
            }),
            actor: Reference {
                reference: None,
                display: Some(by.to_owned()),
            },
        });
    Some(Immunization {
        id: ids.immunization(dose.series, dose.dose),
        status,
        status_reason,
        vaccine_code: CodeableConcept {
            coding: cvx.into_iter().chain([local]).collect(),
            text: name,
        },
        patient: Reference {
            reference: Some(urn(patient)),
            display: None,
        },
        occurrence_date_time: Instant(dose.at()),
        // The table records the vaccination as it gives it; a decision
        // not to give is recorded when it is made.
        recorded: Instant(dose.at()),
        primary_source: true,
        location: catalog.venue(dose.venue).map(|v| Reference {
            reference: None,
            display: Some(v.name_ja.clone()),
        }),
        lot_number: given.map(|(_, lot, _)| lot.to_string()),
        expiration_date: given.map(|(_, _, expires)| Date(*expires)),
        site: given.map(|(v, _, _)| site(v.site)),
        performer: performer.into_iter().collect(),
        protocol_applied: vec![ProtocolApplied {
            target_disease: vec![CodeableConcept {
                coding: vec![Coding::new(
                    SNOMED,
                    COVID_19,
                    Some("Disease caused by severe acute respiratory syndrome coronavirus 2"),
                )],
                text: Some("COVID-19".to_owned()),
            }],
            dose_number_positive_int: dose.dose.get(),
            series_doses_positive_int: vaccine
                .map(|v| if v.second_dose_after.is_some() { 2 } else { 1 }),
        }],
    })
}

/// A person's names as JP Core writes them: one HumanName per way of
/// writing (kanji, kana, roman), each `official` with its representation.
pub fn names(fields: &BTreeMap<Field, String>) -> Vec<HumanName> {
    [
        (Field::NameKanji, "IDE"),
        (Field::NameKana, "SYL"),
        (Field::NameRoman, "ABC"),
    ]
    .into_iter()
    .filter_map(|(field, representation)| {
        let text = fields.get(&field)?.trim();
        (!text.is_empty()).then(|| HumanName {
            extension: vec![Extension {
                url: NAME_REPRESENTATION.to_owned(),
                value_code: representation.to_owned(),
            }],
            use_: NameUse::Official,
            text: text.to_owned(),
        })
    })
    .collect()
}

#[cfg(test)]
mod tests {
    use super::super::types::Resource;
    use super::*;
    use chrono::{NaiveDate, TimeZone, Utc};
    use sesshu_domain::{
        DoseInterval, DoseNumber, InstitutionId, LotId, LotNumber, PersonId, ReservationNumber,
        SeriesId, Vaccinated, Vaccine, VaccineCodes, VaccineId, Venue, VenueId,
    };

    fn ids() -> Pseudonyms {
        Pseudonyms::with_key([7; 32])
    }

    fn catalog(cvx: &str) -> Catalog {
        Catalog {
            venues: vec![Venue {
                id: VenueId::new(3),
                name_ja: "駅前会場".into(),
                name_en: "Station Venue".into(),
            }],
            lanes: Vec::new(),
            vaccines: vec![Vaccine {
                id: VaccineId::new(5),
                name_ja: "モデルナ".into(),
                name_en: "Moderna".into(),
                second_dose_after: Some(DoseInterval { days: 28 }),
                codes: VaccineCodes {
                    cvx: cvx.into(),
                    maker: String::new(),
                },
            }],
        }
    }

    /// 10:05 in Tokyo on 10 December 2026.
    fn five_past_ten() -> chrono::DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 10, 1, 5, 0).unwrap()
    }

    fn dose(decision: Decision, given: bool) -> RegisteredDose {
        RegisteredDose {
            series: SeriesId::new(11),
            number: ReservationNumber::parse("K7M3-PQ2X").unwrap(),
            person: PersonId::new(42),
            institution: InstitutionId::new(1),
            dose: DoseNumber::new(2).unwrap(),
            venue: VenueId::new(3),
            vaccine: VaccineId::new(5),
            decision,
            decided_at: five_past_ten() - chrono::Duration::minutes(3),
            given: given.then(|| {
                (
                    Vaccinated {
                        at: five_past_ten(),
                        lot: LotId::new(8),
                        given_by: " Dr Sato ".into(),
                        site: Site::RightArm,
                    },
                    LotNumber::parse("AB-1234").unwrap(),
                    NaiveDate::from_ymd_opt(2027, 3, 31).unwrap(),
                )
            }),
            voucher_collected: true,
            vrs_exported: None,
        }
    }

    fn json(immunization: &Immunization) -> serde_json::Value {
        serde_json::to_value(Resource::Immunization(Box::new(immunization.clone()))).unwrap()
    }

    #[test]
    fn a_dose_given_is_completed_with_its_lot_site_performer_and_dose_number() {
        let ids = ids();
        let found = immunization(
            &dose(Decision::Vaccinate, true),
            &catalog("207"),
            &ids,
            "p-1",
        )
        .unwrap();
        let j = json(&found);
        assert_eq!(j["resourceType"], "Immunization");
        assert_eq!(j["status"], "completed");
        assert!(j.get("statusReason").is_none());
        assert_eq!(j["lotNumber"], "AB-1234");
        assert_eq!(j["expirationDate"], "2027-03-31");
        assert_eq!(j["occurrenceDateTime"], "2026-12-10T10:05:00+09:00");
        assert_eq!(j["recorded"], "2026-12-10T10:05:00+09:00");
        assert_eq!(j["primarySource"], true);
        assert_eq!(j["patient"]["reference"], "urn:uuid:p-1");
        assert_eq!(j["location"]["display"], "駅前会場");
        assert_eq!(j["site"]["coding"][0]["system"], ACT_SITE);
        assert_eq!(j["site"]["coding"][0]["code"], "RA");
        assert_eq!(j["performer"][0]["function"]["coding"][0]["code"], "AP");
        assert_eq!(j["performer"][0]["actor"]["display"], "Dr Sato");
        assert!(j["performer"][0]["actor"].get("reference").is_none());
        let protocol = &j["protocolApplied"][0];
        assert_eq!(protocol["doseNumberPositiveInt"], 2);
        assert_eq!(protocol["seriesDosesPositiveInt"], 2);
        assert_eq!(protocol["targetDisease"][0]["coding"][0]["system"], SNOMED);
        assert_eq!(
            protocol["targetDisease"][0]["coding"][0]["code"],
            "840539006"
        );
        assert_eq!(
            found.id,
            ids.immunization(SeriesId::new(11), DoseNumber::new(2).unwrap())
        );
    }

    #[test]
    fn the_vaccine_is_coded_in_cvx_and_locally_and_cvx_is_left_out_when_unset() {
        let coded = immunization(
            &dose(Decision::Vaccinate, true),
            &catalog("207"),
            &ids(),
            "p",
        );
        let coding = &json(&coded.unwrap())["vaccineCode"]["coding"];
        assert_eq!(coding[0]["system"], CVX);
        assert_eq!(coding[0]["code"], "207");
        assert_eq!(coding[1]["system"], LOCAL_VACCINE);
        assert_eq!(coding[1]["code"], "5");
        assert_eq!(coding[1]["display"], "モデルナ");

        let uncoded = immunization(&dose(Decision::Vaccinate, true), &catalog(" "), &ids(), "p");
        let coding = &json(&uncoded.unwrap())["vaccineCode"]["coding"];
        assert_eq!(coding.as_array().unwrap().len(), 1, "{coding}");
        assert_eq!(coding[0]["system"], LOCAL_VACCINE);
    }

    #[test]
    fn a_dose_not_given_is_not_done_with_the_reason_and_nothing_of_a_vaccination() {
        let expected = [
            (Decision::Refused, "PATOBJ"),
            (Decision::Postpone, "MEDPREC"),
            (Decision::Contraindicated, "MEDPREC"),
            (Decision::Unwell, "MEDPREC"),
        ];
        for (decision, code) in expected {
            let found = immunization(&dose(decision, false), &catalog("207"), &ids(), "p").unwrap();
            let j = json(&found);
            assert_eq!(j["status"], "not-done", "{decision:?}");
            let reason = &j["statusReason"]["coding"];
            assert_eq!(reason[0]["system"], ACT_REASON);
            assert_eq!(reason[0]["code"], code, "{decision:?}");
            assert_eq!(reason[1]["system"], LOCAL_DECISION);
            assert_eq!(reason[1]["code"], decision.as_str());
            assert_eq!(
                j["occurrenceDateTime"], "2026-12-10T10:02:00+09:00",
                "the decision's time"
            );
            for absent in ["lotNumber", "expirationDate", "site", "performer"] {
                assert!(j.get(absent).is_none(), "{absent} for {decision:?}");
            }
        }
    }

    #[test]
    fn an_approved_dose_without_a_recorded_vaccination_is_no_immunization() {
        assert_eq!(
            immunization(
                &dose(Decision::Vaccinate, false),
                &catalog("207"),
                &ids(),
                "p"
            ),
            None
        );
    }

    #[test]
    fn an_empty_performer_is_left_out() {
        let mut unnamed = dose(Decision::Vaccinate, true);
        if let Some((v, _, _)) = unnamed.given.as_mut() {
            v.given_by = "  ".into();
        }
        let found = immunization(&unnamed, &catalog("207"), &ids(), "p").unwrap();
        assert!(found.performer.is_empty());
    }

    #[test]
    fn names_are_written_as_jp_core_does_kanji_kana_roman_and_never_debug_printed() {
        let fields = BTreeMap::from([
            (Field::NameKanji, "山田 太郎".to_owned()),
            (Field::NameKana, "ヤマダ タロウ".to_owned()),
            (Field::NameRoman, "  ".to_owned()),
        ]);
        let written = names(&fields);
        let j = serde_json::to_value(&written).unwrap();
        assert_eq!(
            j.as_array().unwrap().len(),
            2,
            "an empty roman name is left out"
        );
        assert_eq!(j[0]["use"], "official");
        assert_eq!(j[0]["text"], "山田 太郎");
        assert_eq!(j[0]["extension"][0]["url"], NAME_REPRESENTATION);
        assert_eq!(j[0]["extension"][0]["valueCode"], "IDE");
        assert_eq!(j[1]["extension"][0]["valueCode"], "SYL");
        assert!(!format!("{written:?}").contains("山田"));
    }
}
