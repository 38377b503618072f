//! FHIR R4 Immunization bundles on both databases: a day at the venue
//! (two doses given, one refused) read as `GET /fhir/Immunization` by an
//! operator, with and without names; what institution staff see; a bad
//! date's OperationOutcome; the same bundle written by `sesshu fhir
//! export` for a period. Every bundle is validated by an independent
//! implementation: `scripts/fhir-validate.py` (the fhir.resources R4B
//! models) in the test venv.

use crate::helpers::*;
use crate::office_kit::{OfficeClient, TestOffice, audited};
use crate::vaccination::Day;
use reqwest::StatusCode;
use serde_json::Value;
use sesshu_domain::{Decision, DoseNumber, InstitutionId, ReservationNumber, Role, UserType};
use sesshu_operations::checkin::{self, CheckIn, Lookup};
use sesshu_operations::vaccination;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

/// What the independent validator says of a FHIR JSON file: `Ok(its
/// report)` or `Err(its error)`.
fn validated(file: &Path) -> Result<String, String> {
    let python = repo().join(".test-env/venv/bin/python");
    assert!(
        python.exists(),
        "FHIR tests need the test venv with fhir.resources: run scripts/test-env.sh install"
    );
    let output = std::process::Command::new(python)
        .arg(repo().join("scripts/fhir-validate.py"))
        .arg(file)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    if output.status.success() {
        Ok(stdout)
    } else {
        Err(stderr)
    }
}

/// `json` validated from a temporary file.
fn validate_json(json: &[u8]) -> Result<String, String> {
    let file = std::env::temp_dir().join(format!("{}.json", unique("sesshu_fhir")));
    std::fs::write(&file, json).unwrap();
    let result = validated(&file);
    let _ = std::fs::remove_file(&file);
    result
}

/// A member of `institution` who books the day's first dose and is
/// checked in at 09:30; the clock is left there.
async fn checked_in(
    app: &TestApp,
    day: &Day,
    institution: (InstitutionId, &str),
    login: &str,
    user_type: UserType,
) -> (vaccination::Target, ReservationNumber) {
    app.clock.set(start_of_tests());
    app.member(institution.0, login, user_type).await;
    let client = app.client();
    client.login(institution.1, login, "secret").await;
    let (status, body) = client.book(day.first).await;
    assert!(status.is_success(), "{status} {body}");
    let number = ReservationNumber::parse(body["id"].as_str().unwrap()).unwrap();
    app.clock.set(tokyo("2026-12-10", "09:30"));
    let done = checkin::check_in(&day.ops, &day.desk, day.by, &Lookup::Number(number.clone()))
        .await
        .unwrap();
    assert!(matches!(done, CheckIn::Now(_)), "{done:?}");
    let target = day.target(&number, DoseNumber::FIRST).await;
    (target, number)
}

/// The doctor's decision on a checked-in dose, and the vaccination if it
/// is given.
async fn decided(
    day: &Day,
    target: &vaccination::Target,
    decision: Decision,
    lot: Option<sesshu_domain::LotId>,
) {
    day.questionnaire(target, "36.5").await;
    vaccination::decide(
        &day.ops, &day.keys, &day.desk, day.by, target, decision, None,
    )
    .await
    .unwrap();
    if let Some(lot) = lot {
        vaccination::vaccinate(&day.ops, &day.desk, day.by, target, day.given(lot))
            .await
            .unwrap();
    }
}

/// The day: at uni, `given` vaccinated and `refused` refusing; at
/// staffonly, `staff` vaccinated. Their logins, and the reservation
/// numbers (which no bundle may show).
struct Scenario {
    given: String,
    refused: String,
    staff: String,
    numbers: Vec<ReservationNumber>,
}

async fn scenario(app: &TestApp) -> Scenario {
    let day = Day::new(app).await;
    let f = app.fixture.clone();
    let lot = day.lot(app, "ab-1234", "2027-03-31", 10).await;
    let (given, refused, staff) = (unique("given"), unique("refused"), unique("staff"));
    let mut numbers = Vec::new();
    for (institution, login, user_type, decision) in [
        (
            (f.uni, "uni"),
            &given,
            UserType::Student,
            Decision::Vaccinate,
        ),
        (
            (f.uni, "uni"),
            &refused,
            UserType::Student,
            Decision::Refused,
        ),
        (
            (f.staff_only, "staffonly"),
            &staff,
            UserType::Staff,
            Decision::Vaccinate,
        ),
    ] {
        let (target, number) = checked_in(app, &day, institution, login, user_type).await;
        let lot = (decision == Decision::Vaccinate).then_some(lot);
        decided(&day, &target, decision, lot).await;
        numbers.push(number);
    }
    Scenario {
        given,
        refused,
        staff,
        numbers,
    }
}

/// The answer to `path`: status, content type, body.
async fn fhir_get(client: &OfficeClient, path: &str) -> (StatusCode, String, Vec<u8>) {
    let response = client.http.get(client.url(path)).send().await.unwrap();
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (
        status,
        content_type,
        response.bytes().await.unwrap().to_vec(),
    )
}

fn entries<'a>(bundle: &'a Value, kind: &str) -> Vec<&'a Value> {
    bundle["entry"]
        .as_array()
        .map(|all| {
            all.iter()
                .map(|e| &e["resource"])
                .filter(|r| r["resourceType"] == kind)
                .collect()
        })
        .unwrap_or_default()
}

/// Each Immunization's patient reference names a Patient entry's fullUrl.
fn patients_resolve(bundle: &Value) {
    let full_urls: BTreeSet<&str> = bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["resource"]["resourceType"] == "Patient")
        .map(|e| {
            let url = e["fullUrl"].as_str().unwrap();
            assert_eq!(
                url,
                format!("urn:uuid:{}", e["resource"]["id"].as_str().unwrap())
            );
            url
        })
        .collect();
    for immunization in entries(bundle, "Immunization") {
        let reference = immunization["patient"]["reference"].as_str().unwrap();
        assert!(
            full_urls.contains(reference),
            "{reference} is not a Patient of the bundle"
        );
    }
}

on_both_databases! {
    async fn an_operator_gets_the_days_immunizations_as_a_valid_bundle_without_names(app) {
        let s = scenario(&app).await;
        let mut office = TestOffice::spawn(&app).await;
        let operator = office.signed_in(&app, "op", Role::Operator).await;

        let (status, content_type, body) = fhir_get(&operator, "/fhir/Immunization?date=2026-12-10").await;
        assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
        assert!(content_type.starts_with("application/fhir+json"), "{content_type}");
        let report = validate_json(&body).expect("the bundle is valid FHIR R4B");
        assert!(report.contains("Immunization: 3, Patient: 3"), "{report}");

        let bundle: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(bundle["resourceType"], "Bundle");
        assert_eq!(bundle["type"], "collection");
        assert!(bundle["timestamp"].as_str().unwrap().ends_with("+09:00"));
        let immunizations = entries(&bundle, "Immunization");
        let statuses: Vec<&str> = immunizations.iter().map(|i| i["status"].as_str().unwrap()).collect();
        assert_eq!(statuses.iter().filter(|s| **s == "completed").count(), 2, "{statuses:?}");
        assert_eq!(statuses.iter().filter(|s| **s == "not-done").count(), 1, "{statuses:?}");
        for given in immunizations.iter().filter(|i| i["status"] == "completed") {
            assert_eq!(given["lotNumber"], "AB-1234");
            assert_eq!(given["expirationDate"], "2027-03-31");
            assert_eq!(given["occurrenceDateTime"], "2026-12-10T10:05:00+09:00");
            assert_eq!(given["protocolApplied"][0]["doseNumberPositiveInt"], 1);
            assert_eq!(given["site"]["coding"][0]["code"], "LA");
            assert_eq!(given["performer"][0]["actor"]["display"], "Dr Sato");
            assert_eq!(given["vaccineCode"]["coding"][0]["code"], "207");
            assert_eq!(given["location"]["display"], "駅前会場");
        }
        let refused = immunizations.iter().find(|i| i["status"] == "not-done").unwrap();
        assert_eq!(refused["statusReason"]["coding"][0]["code"], "PATOBJ");
        assert!(refused.get("lotNumber").is_none());
        assert!(refused["occurrenceDateTime"].as_str().unwrap().ends_with("+09:00"));
        patients_resolve(&bundle);

        let patients = entries(&bundle, "Patient");
        for patient in &patients {
            let keys: BTreeSet<&str> = patient.as_object().unwrap().keys().map(String::as_str).collect();
            assert_eq!(keys, BTreeSet::from(["resourceType", "id"]), "only an opaque id: {patient}");
        }
        let text = String::from_utf8_lossy(&body);
        for personal in [&s.given, &s.refused, &s.staff] {
            assert!(!text.contains(personal.as_str()), "a login in the bundle");
        }
        assert!(!text.contains("Example") && !text.contains('例'), "a name in the bundle");
        for number in &s.numbers {
            assert!(!text.contains(&number.to_string()), "a reservation number in the bundle");
        }
        assert!(audited(&app, "personal.view").await.iter().all(|e| !e.detail.starts_with("fhir")),
            "no names opened");
        let exports = audited(&app, "export.fhir").await;
        assert_eq!(exports.len(), 1);
        assert_eq!(exports[0].detail, "6 resources: 3 Immunization, 3 Patient");
        assert!(exports[0].actor.starts_with("admin:"));

        // The same period as a range: the same resources, the same ids.
        let (status, _, ranged) = fhir_get(
            &operator, "/fhir/Immunization?date=ge2026-12-10&date=le2026-12-10",
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        let ranged: Value = serde_json::from_slice(&ranged).unwrap();
        assert_eq!(ranged["entry"], bundle["entry"], "stable ids");
        let (_, _, other_day) = fhir_get(&operator, "/fhir/Immunization?date=2026-12-11").await;
        let other_day: Value = serde_json::from_slice(&other_day).unwrap();
        assert!(other_day.get("entry").is_none(), "nothing on the next day: {other_day}");
    }

    async fn names_come_only_when_asked_for_after_a_personal_view_entry(app) {
        let s = scenario(&app).await;
        let mut office = TestOffice::spawn(&app).await;
        let operator = office.signed_in(&app, "op", Role::Operator).await;
        let (status, _, body) =
            fhir_get(&operator, "/fhir/Immunization?date=2026-12-10&names=true").await;
        assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
        validate_json(&body).expect("valid with names");
        let bundle: Value = serde_json::from_slice(&body).unwrap();
        patients_resolve(&bundle);
        let mut kanji: Vec<String> = entries(&bundle, "Patient")
            .iter()
            .map(|p| {
                let names = p["name"].as_array().unwrap();
                let of = |code: &str| {
                    names
                        .iter()
                        .find(|n| n["extension"][0]["valueCode"] == code)
                        .map(|n| {
                            assert_eq!(n["use"], "official");
                            n["text"].as_str().unwrap().to_owned()
                        })
                };
                let roman = of("ABC").expect("the roman name");
                assert!(roman.ends_with(" Example"), "{roman}");
                of("IDE").expect("the kanji name")
            })
            .collect();
        kanji.sort();
        let mut expected: Vec<String> =
            [&s.given, &s.refused, &s.staff].iter().map(|l| format!("{l} 例")).collect();
        expected.sort();
        assert_eq!(kanji, expected);

        let views = audited(&app, "personal.view").await;
        let view = views.iter().find(|e| e.detail.starts_with("fhir export")).expect("audited");
        assert!(view.detail.contains("3 people"), "{}", view.detail);
        let exports = audited(&app, "export.fhir").await;
        assert!(exports[0].detail.ends_with(", names"), "{}", exports[0].detail);
        let trail = app.audit_text().await;
        assert!(!trail.contains(&s.given) && !trail.contains('例'), "no name in the trail");
    }

    async fn institution_staff_see_only_their_own_peoples_doses(app) {
        scenario(&app).await;
        let f = app.fixture.clone();
        let mut office = TestOffice::spawn(&app).await;
        let operator = office.signed_in(&app, "op", Role::Operator).await;
        let uni_desk = office
            .signed_in(&app, "uni_desk", Role::InstitutionStaff { institution: f.uni })
            .await;
        let staff_desk = office
            .signed_in(&app, "so_desk", Role::InstitutionStaff { institution: f.staff_only })
            .await;
        let bundle_of = |body: Vec<u8>| -> Value {
            validate_json(&body).expect("valid");
            serde_json::from_slice(&body).unwrap()
        };
        let patients = |bundle: &Value| -> BTreeSet<String> {
            entries(bundle, "Patient").iter().map(|p| p["id"].as_str().unwrap().to_owned()).collect()
        };
        let all = bundle_of(fhir_get(&operator, "/fhir/Immunization?date=2026-12-10").await.2);
        let only_staff = bundle_of(
            fhir_get(&operator, &format!("/fhir/Immunization?date=2026-12-10&institution={}", f.staff_only))
                .await
                .2,
        );
        let (status, _, body) = fhir_get(&staff_desk, "/fhir/Immunization?date=2026-12-10").await;
        assert_eq!(status, StatusCode::OK);
        let theirs = bundle_of(body);
        assert_eq!(entries(&theirs, "Immunization").len(), 1, "{theirs}");
        assert_eq!(entries(&theirs, "Immunization")[0]["status"], "completed");
        assert_eq!(theirs["entry"], only_staff["entry"], "their institution's, without asking");
        let uni = bundle_of(fhir_get(&uni_desk, "/fhir/Immunization?date=2026-12-10").await.2);
        assert_eq!(entries(&uni, "Immunization").len(), 2);
        assert!(patients(&uni).is_disjoint(&patients(&theirs)), "none of the other's people");
        let union: BTreeSet<String> = patients(&uni).union(&patients(&theirs)).cloned().collect();
        assert_eq!(union, patients(&all));

        let (status, content_type, body) = fhir_get(
            &uni_desk, &format!("/fhir/Immunization?date=2026-12-10&institution={}", f.staff_only),
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "another institution's: as if absent");
        assert!(content_type.starts_with("application/fhir+json"));
        let outcome: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(outcome["issue"][0]["code"], "not-found");
        let venue = office.signed_in(&app, "venue", Role::VenueStaff { venue: f.venue }).await;
        let (status, _, body) = fhir_get(&venue, "/fhir/Immunization?date=2026-12-10").await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        validate_json(&body).expect("a valid OperationOutcome");
    }

    async fn a_bad_date_is_an_operation_outcome_and_nothing_is_exported(app) {
        let mut office = TestOffice::spawn(&app).await;
        let operator = office.signed_in(&app, "op", Role::Operator).await;
        for (query, parameter) in [
            ("", "date"),
            ("?date=10-12-2026", "date"),
            ("?date=ge2026-12-01", "date"),
            ("?date=ge2026-12-31&date=le2026-12-01", "date"),
            ("?date=ge2026-01-01&date=le2026-12-31", "date"),
            ("?date=2026-12-10&names=yes", "names"),
            ("?date=2026-12-10&institution=uni", "institution"),
        ] {
            let (status, content_type, body) =
                fhir_get(&operator, &format!("/fhir/Immunization{query}")).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{query}");
            assert!(content_type.starts_with("application/fhir+json"), "{query}: {content_type}");
            let report = validate_json(&body).expect("a valid OperationOutcome");
            assert!(report.contains("OperationOutcome"), "{report}");
            let outcome: Value = serde_json::from_slice(&body).unwrap();
            assert_eq!(outcome["issue"][0]["severity"], "error");
            assert_eq!(outcome["issue"][0]["code"], "invalid", "{query}");
            assert_eq!(outcome["issue"][0]["expression"][0], parameter, "{query}");
            assert!(!outcome["issue"][0]["details"]["text"].as_str().unwrap().is_empty());
        }
        assert!(audited(&app, "export.fhir").await.is_empty());
    }

    async fn the_command_writes_the_same_bundle_for_a_period(app) {
        let s = scenario(&app).await;
        let mut office = TestOffice::spawn(&app).await;
        let operator = office.signed_in(&app, "op", Role::Operator).await;
        let (_, _, body) = fhir_get(&operator, "/fhir/Immunization?date=ge2026-12-01&date=le2026-12-31").await;
        let served: Value = serde_json::from_slice(&body).unwrap();

        let dir = std::env::temp_dir().join(unique("sesshu_fhir_cli"));
        std::fs::create_dir_all(&dir).unwrap();
        app.vault.write(&dir.join("vault.key"), &dir.join("vault.pub")).unwrap();
        std::fs::write(
            dir.join("sesshu.toml"),
            format!(
                "database_url = {:?}\n[vault]\npublic_key_file = \"vault.pub\"\nprivate_key_file = \"vault.key\"\n",
                app.database_url
            ),
        )
        .unwrap();
        let sesshu = |args: &[&str]| {
            let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_sesshu"));
            command.args(args).current_dir(&dir).env_remove("RUST_LOG").env("LANG", "C");
            for (key, _) in std::env::vars() {
                if key.starts_with("SESSHU_") {
                    command.env_remove(key);
                }
            }
            command.output().unwrap()
        };
        let reversed = sesshu(&[
            "fhir", "export", "--from", "2026-12-31", "--to", "2026-12-01", "--out", "x.json",
            "--config", "sesshu.toml",
        ]);
        assert!(!reversed.status.success());
        assert!(String::from_utf8_lossy(&reversed.stderr).contains("--to is before --from"));

        let done = sesshu(&[
            "fhir", "export", "--from", "2026-12-01", "--to", "2026-12-31", "--out", "bundle.json",
            "--config", "sesshu.toml",
        ]);
        let stdout = String::from_utf8_lossy(&done.stdout);
        assert!(done.status.success(), "{stdout} {}", String::from_utf8_lossy(&done.stderr));
        assert!(stdout.contains("3 Immunization, 3 Patient"), "{stdout}");
        let file = dir.join("bundle.json");
        let report = validated(&file).expect("the file is valid FHIR R4B");
        assert!(report.contains("Immunization: 3, Patient: 3"), "{report}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&file).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "health data: the owner's only");
        }
        let written: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
        assert_eq!(written["entry"], served["entry"], "the office's bundle, the same ids");
        let exports = audited(&app, "export.fhir").await;
        assert!(exports.iter().any(|e| e.actor.starts_with("cli:")), "{exports:?}");

        let named = sesshu(&[
            "fhir", "export", "--from", "2026-12-10", "--to", "2026-12-10", "--out", "named.json",
            "--names", "--institution", "staffonly", "--config", "sesshu.toml",
        ]);
        assert!(named.status.success(), "{}", String::from_utf8_lossy(&named.stderr));
        let named: Value = serde_json::from_slice(&std::fs::read(dir.join("named.json")).unwrap()).unwrap();
        let patients = entries(&named, "Patient");
        assert_eq!(patients.len(), 1);
        assert_eq!(patients[0]["name"][0]["text"], format!("{} 例", s.staff));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
