//! The back office: client certificates in the TLS handshake, roles checked
//! on every route against the object it touches, personal data opened only
//! with an audit entry.

use crate::helpers::*;
use crate::office_kit::*;
use reqwest::StatusCode;
use sesshu_domain::{Role, UserType};
use sesshu_pki::{OffsetDateTime, Validity};
use sesshu_store::NewVenue;
use std::collections::BTreeSet;

/// A reservation of `staffonly` (the other institution) whose first dose is
/// on 10 December 2026 at the fixture venue; the clock is moved to that
/// morning. Returns its number.
pub(crate) async fn reservation_of_the_other_institution(app: &TestApp) -> String {
    let f = app.fixture.clone();
    let first = app.slot(1, "2026-12-10", "10:00", f.lane_a, 5).await;
    app.slot(2, "2027-01-07", "10:00", f.lane_a, 5).await;
    app.member(f.staff_only, "bstaff", UserType::Staff).await;
    let person = app.client();
    person.login("staffonly", "bstaff", "secret").await;
    let (status, series) = person.book(first).await;
    assert_eq!(status, StatusCode::CREATED, "{series}");
    app.clock.set(tokyo("2026-12-10", "08:30"));
    series["id"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_handshake_refuses_browsers_without_a_valid_certificate() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let mut office = TestOffice::spawn(&app).await;

    let valid = office.certificate("desk 1");
    let answer = office.browser(Some(&valid)).get("/login").await;
    assert_eq!(
        answer.status,
        StatusCode::OK,
        "a valid certificate reaches the login"
    );

    assert!(
        office.browser(None).try_get("/login").await.is_err(),
        "no certificate: refused in the handshake"
    );

    let stranger = sesshu_pki::Ca::create(
        &office.dir.join("other-ca"),
        "Sesshu test CA",
        OffsetDateTime::now_utc(),
    )
    .unwrap()
    .issue_client("desk 1", Validity::days(OffsetDateTime::now_utc(), 30))
    .unwrap();
    let foreign = Certificate {
        cert_pem: stranger.cert_pem().to_owned(),
        key_pem: stranger.key_pem().to_owned(),
        serial: stranger.serial(),
    };
    assert!(
        office
            .browser(Some(&foreign))
            .try_get("/login")
            .await
            .is_err(),
        "a certificate of another CA with the same name: refused"
    );

    let now = OffsetDateTime::now_utc();
    let expired = office.certificate_valid(
        "desk 2",
        Validity::new(
            now - time::Duration::days(30),
            now - time::Duration::days(1),
        )
        .unwrap(),
    );
    assert!(
        office
            .browser(Some(&expired))
            .try_get("/login")
            .await
            .is_err(),
        "an expired certificate: refused"
    );

    let lost = office.certificate("desk 3");
    let before = office.browser(Some(&lost));
    assert_eq!(before.get("/login").await.status, StatusCode::OK);
    office
        .ca
        .revoke(&lost.serial, OffsetDateTime::now_utc())
        .unwrap();
    // The listener re-reads the CRL when its file changes; mtime has a
    // coarse granularity on some file systems, so make the change visible.
    let crl = office.ca.crl_path();
    let later = std::time::SystemTime::now() + std::time::Duration::from_secs(5);
    std::fs::File::options()
        .write(true)
        .open(&crl)
        .unwrap()
        .set_modified(later)
        .unwrap();
    assert!(
        office.browser(Some(&lost)).try_get("/login").await.is_err(),
        "a revoked certificate: refused on the next connection"
    );
    assert_eq!(
        office.browser(Some(&valid)).get("/login").await.status,
        StatusCode::OK,
        "the others still pass"
    );
}

async fn send(browser: &OfficeClient, method: &str, path: &str, body: &[(&str, &str)]) -> Answer {
    match method {
        "GET" => browser.get(path).await,
        _ if path.ends_with("/members/preview") => {
            browser
                .upload_with(path, body, "members.csv", b"nonsense\n".to_vec())
                .await
        }
        _ if path.ends_with("/sheet/preview") => {
            browser
                .upload_with(path, body, "sheet.xlsx", b"not a workbook".to_vec())
                .await
        }
        _ if path.ends_with("/fixes/preview") || path.ends_with("/import/preview") => {
            browser
                .upload(path, "fixes.csv", b"action,reason\n".to_vec())
                .await
        }
        _ => browser.post(path, body).await,
    }
}

/// Who may reach a route, for the table below.
#[derive(Clone, Copy, Debug)]
enum Open {
    /// Anyone with a certificate (login page, language, style).
    Public,
    /// Any signed-in account; not requested here (it ends the session).
    SignedIn,
    /// Exactly these roles of the test (by their names below).
    Roles(&'static [&'static str]),
}

/// Every office route, with who may reach it when its objects belong to the
/// other institution (`staffonly`) and its check-in is at venue V. A route
/// missing here fails the test: add it with its expectation.
fn expected() -> Vec<(&'static str, &'static str, Open)> {
    let all = EXPECTED.iter().copied();
    // GakuNin for administrators: SAML's own checks protect these.
    #[cfg(feature = "saml")]
    let all = all.chain([
        ("GET", "/saml/metadata", Open::Public),
        ("GET", "/saml/login/{code}", Open::Public),
        ("POST", "/saml/acs", Open::Public),
    ]);
    all.collect()
}

const EXPECTED: &[(&str, &str, Open)] = &[
    ("GET", "/login", Open::Public),
    ("POST", "/login", Open::Public),
    ("POST", "/logout", Open::SignedIn),
    ("GET", "/lang/{tag}", Open::Public),
    ("GET", "/static/office.css", Open::Public),
    ("GET", "/static/checkin.js", Open::Public),
    ("GET", "/static/jsQR.js", Open::Public),
    ("GET", "/static/rates.js", Open::Public),
    (
        "GET",
        "/",
        Open::Roles(&["system", "operator", "staff_a", "staff_b"]),
    ),
    ("GET", "/audit", Open::Roles(&["system", "operator"])),
    (
        "POST",
        "/audit/verify",
        Open::Roles(&["system", "operator"]),
    ),
    ("GET", "/admins", Open::Roles(&["system"])),
    ("POST", "/admins", Open::Roles(&["system"])),
    ("GET", "/admins/{admin}", Open::Roles(&["system"])),
    ("POST", "/admins/{admin}", Open::Roles(&["system"])),
    (
        "GET",
        "/reservations",
        Open::Roles(&["system", "operator", "staff_a", "staff_b"]),
    ),
    // The search's form (a name comes by POST, never in a URL).
    (
        "POST",
        "/reservations",
        Open::Roles(&["system", "operator", "staff_a", "staff_b"]),
    ),
    (
        "GET",
        "/reservations/{number}",
        Open::Roles(&["system", "operator", "staff_b"]),
    ),
    (
        "GET",
        "/checkin",
        Open::Roles(&["system", "operator", "venue_v", "venue_w"]),
    ),
    (
        "POST",
        "/checkin",
        Open::Roles(&["system", "operator", "venue_v"]),
    ),
    (
        "GET",
        "/checkin/{number}",
        Open::Roles(&["system", "operator", "venue_v"]),
    ),
    (
        "POST",
        "/checkin/{number}",
        Open::Roles(&["system", "operator", "venue_v"]),
    ),
    // Without a form's values: refused by the page (back with the
    // problem), nothing recorded.
    (
        "GET",
        "/checkin/{number}/dose/{dose}",
        Open::Roles(&["system", "operator", "venue_v"]),
    ),
    (
        "POST",
        "/checkin/{number}/dose/{dose}/questionnaire",
        Open::Roles(&["system", "operator", "venue_v"]),
    ),
    (
        "POST",
        "/checkin/{number}/dose/{dose}/decision",
        Open::Roles(&["system", "operator", "venue_v"]),
    ),
    (
        "POST",
        "/checkin/{number}/dose/{dose}/vaccination",
        Open::Roles(&["system", "operator", "venue_v"]),
    ),
    (
        "POST",
        "/checkin/{number}/dose/{dose}/correction",
        Open::Roles(&["system", "operator", "venue_v"]),
    ),
    (
        "POST",
        "/checkin/{number}/dose/{dose}/voucher",
        Open::Roles(&["system", "operator", "venue_v"]),
    ),
    (
        "POST",
        "/checkin/{number}/dose/{dose}/voucher/collect",
        Open::Roles(&["system", "operator", "venue_v"]),
    ),
    // Venue staff see their own venue's register.
    (
        "GET",
        "/lots",
        Open::Roles(&["system", "operator", "venue_v", "venue_w"]),
    ),
    (
        "POST",
        "/lots",
        Open::Roles(&["system", "operator", "venue_v"]),
    ),
    (
        "GET",
        "/reservations/{number}/mail",
        Open::Roles(&["system", "operator", "staff_b"]),
    ),
    ("GET", "/mail", Open::Roles(&["system", "operator"])),
    (
        "POST",
        "/mail/{job}/resend",
        Open::Roles(&["system", "operator"]),
    ),
    ("GET", "/mail/outbox", Open::Roles(&["system", "operator"])),
    ("GET", "/slots/new", Open::Roles(&["system", "operator"])),
    (
        "POST",
        "/slots/preview",
        Open::Roles(&["system", "operator"]),
    ),
    ("POST", "/slots", Open::Roles(&["system", "operator"])),
    ("GET", "/slots", Open::Roles(&["system", "operator"])),
    ("GET", "/slots/{slot}", Open::Roles(&["system", "operator"])),
    (
        "POST",
        "/slots/{slot}",
        Open::Roles(&["system", "operator"]),
    ),
    (
        "POST",
        "/slots/{slot}/move",
        Open::Roles(&["system", "operator"]),
    ),
    // Institution staff: their own institution's.
    (
        "GET",
        "/vouchers/missing",
        Open::Roles(&["system", "operator", "staff_a", "staff_b"]),
    ),
    (
        "GET",
        "/vouchers/missing.csv",
        Open::Roles(&["system", "operator", "staff_a", "staff_b"]),
    ),
    (
        "GET",
        "/lists/recipients",
        Open::Roles(&["system", "operator", "venue_v"]),
    ),
    (
        "GET",
        "/lists/recipients.csv",
        Open::Roles(&["system", "operator", "venue_v"]),
    ),
    (
        "GET",
        "/mail/outbox/{name}",
        Open::Roles(&["system", "operator"]),
    ),
    (
        "GET",
        "/lists/recipients.xlsx",
        Open::Roles(&["system", "operator", "venue_v"]),
    ),
    // The day's sheet: the page for every venue's staff (their own venue);
    // the file, its upload and apply of venue V for its staff.
    (
        "GET",
        "/sheet",
        Open::Roles(&["system", "operator", "venue_v", "venue_w"]),
    ),
    (
        "GET",
        "/sheet.xlsx",
        Open::Roles(&["system", "operator", "venue_v"]),
    ),
    (
        "POST",
        "/sheet/preview",
        Open::Roles(&["system", "operator", "venue_v"]),
    ),
    (
        "POST",
        "/sheet/apply",
        Open::Roles(&["system", "operator", "venue_v"]),
    ),
    (
        "GET",
        "/lists/reservations.csv",
        Open::Roles(&["system", "operator", "staff_b"]),
    ),
    (
        "GET",
        "/reservations/{number}/move",
        Open::Roles(&["system", "operator", "staff_b"]),
    ),
    (
        "POST",
        "/reservations/{number}/move",
        Open::Roles(&["system", "operator", "staff_b"]),
    ),
    (
        "GET",
        "/lists/prefecture",
        Open::Roles(&["system", "operator"]),
    ),
    (
        "GET",
        "/lists/prefecture.csv",
        Open::Roles(&["system", "operator"]),
    ),
    ("GET", "/lists/vrs", Open::Roles(&["system", "operator"])),
    // The download marks its rows as exported: a POST.
    (
        "POST",
        "/lists/vrs.csv",
        Open::Roles(&["system", "operator"]),
    ),
    // Aggregates: institution staff get their own institution's.
    (
        "GET",
        "/rates",
        Open::Roles(&["system", "operator", "staff_a", "staff_b"]),
    ),
    (
        "GET",
        "/rates/live",
        Open::Roles(&["system", "operator", "staff_a", "staff_b"]),
    ),
    (
        "GET",
        "/rates/institutions.csv",
        Open::Roles(&["system", "operator", "staff_a", "staff_b"]),
    ),
    (
        "GET",
        "/rates/departments.csv",
        Open::Roles(&["system", "operator", "staff_a", "staff_b"]),
    ),
    (
        "GET",
        "/rates/days.csv",
        Open::Roles(&["system", "operator", "staff_a", "staff_b"]),
    ),
    (
        "GET",
        "/rates/slots.csv",
        Open::Roles(&["system", "operator", "staff_a", "staff_b"]),
    ),
    (
        "GET",
        "/rates/campaign.csv",
        Open::Roles(&["system", "operator", "staff_a", "staff_b"]),
    ),
    (
        "GET",
        "/rates/vouchers.csv",
        Open::Roles(&["system", "operator", "staff_a", "staff_b"]),
    ),
    // As for the lists: institution staff get their own institution's.
    (
        "GET",
        "/fhir/Immunization",
        Open::Roles(&["system", "operator", "staff_a", "staff_b"]),
    ),
    (
        "GET",
        "/reservations/book",
        Open::Roles(&["system", "operator", "staff_a", "staff_b"]),
    ),
    (
        "POST",
        "/reservations/book",
        Open::Roles(&["system", "operator", "staff_b"]),
    ),
    // The member looked up (by POST: a login never in a URL); another
    // institution's is not offered, the form is shown.
    (
        "POST",
        "/reservations/book/find",
        Open::Roles(&["system", "operator", "staff_a", "staff_b"]),
    ),
    (
        "POST",
        "/slots/{slot}/delete",
        Open::Roles(&["system", "operator"]),
    ),
    (
        "POST",
        "/slots/day-quotas",
        Open::Roles(&["system", "operator"]),
    ),
    ("GET", "/slots/import", Open::Roles(&["system", "operator"])),
    (
        "POST",
        "/slots/import/preview",
        Open::Roles(&["system", "operator"]),
    ),
    (
        "POST",
        "/slots/import",
        Open::Roles(&["system", "operator"]),
    ),
    (
        "GET",
        "/members",
        Open::Roles(&["system", "operator", "staff_a", "staff_b"]),
    ),
    (
        "POST",
        "/members/preview",
        Open::Roles(&["system", "operator", "staff_b"]),
    ),
    (
        "POST",
        "/members",
        Open::Roles(&["system", "operator", "staff_b"]),
    ),
    ("GET", "/institutions", Open::Roles(&["system", "operator"])),
    (
        "GET",
        "/institutions/new",
        Open::Roles(&["system", "operator"]),
    ),
    (
        "POST",
        "/institutions/new",
        Open::Roles(&["system", "operator"]),
    ),
    (
        "GET",
        "/institutions/{code}",
        Open::Roles(&["system", "operator"]),
    ),
    (
        "POST",
        "/institutions/{code}",
        Open::Roles(&["system", "operator"]),
    ),
    ("GET", "/reservations/fixes", Open::Roles(&["system"])),
    (
        "POST",
        "/reservations/fixes/preview",
        Open::Roles(&["system"]),
    ),
    ("POST", "/reservations/fixes", Open::Roles(&["system"])),
    (
        "GET",
        "/noshows",
        Open::Roles(&["system", "operator", "staff_a", "staff_b"]),
    ),
    (
        "POST",
        "/noshows",
        Open::Roles(&["system", "operator", "staff_a", "staff_b"]),
    ),
    // Doses received elsewhere: the list for whoever views reservations;
    // the changes, for the person's institution (bstaff of staffonly).
    (
        "GET",
        "/elsewhere",
        Open::Roles(&["system", "operator", "staff_a", "staff_b"]),
    ),
    (
        "POST",
        "/elsewhere/confirm",
        Open::Roles(&["system", "operator", "staff_b"]),
    ),
    (
        "POST",
        "/elsewhere/record",
        Open::Roles(&["system", "operator", "staff_b"]),
    ),
    (
        "POST",
        "/elsewhere/remove",
        Open::Roles(&["system", "operator", "staff_b"]),
    ),
    // The history import: the institutions whose members the role manages.
    (
        "GET",
        "/elsewhere/import",
        Open::Roles(&["system", "operator", "staff_a", "staff_b"]),
    ),
    (
        "POST",
        "/elsewhere/import/preview",
        Open::Roles(&["system", "operator", "staff_a", "staff_b"]),
    ),
    (
        "POST",
        "/elsewhere/import",
        Open::Roles(&["system", "operator", "staff_a", "staff_b"]),
    ),
    // Last: it cancels the reservation the routes above look at.
    (
        "POST",
        "/reservations/{number}/cancel",
        Open::Roles(&["system", "operator", "staff_b"]),
    ),
];

on_both_databases! {
    async fn every_office_route_checks_the_role_and_the_scope_of_its_object(app) {
        let number = reservation_of_the_other_institution(&app).await;
        let mut office = TestOffice::spawn(&app).await;
        let f = app.fixture.clone();
        let other_venue = app
            .store
            .insert_venue(&NewVenue { name_ja: "体育館".into(), name_en: "Gym".into() })
            .await
            .unwrap();
        let target = office.account(&app, "target", Role::Operator).await;
        let roles: Vec<(&str, Role)> = vec![
            ("system", Role::SystemAdmin),
            ("operator", Role::Operator),
            ("staff_a", Role::InstitutionStaff { institution: f.uni }),
            ("staff_b", Role::InstitutionStaff { institution: f.staff_only }),
            ("venue_v", Role::VenueStaff { venue: f.venue }),
            ("venue_w", Role::VenueStaff { venue: other_venue }),
        ];
        let mut browsers = Vec::new();
        for (name, role) in &roles {
            browsers.push((*name, office.signed_in(&app, name, *role).await));
        }
        let anonymous = office.certificate("anonymous");
        let anonymous = office.browser(Some(&anonymous));

        let routes: BTreeSet<(String, String)> = sesshu_office::routes()
            .into_iter()
            .map(|(m, p)| (m.to_string(), p.to_owned()))
            .collect();
        let expected_routes = expected();
        let expected: BTreeSet<(String, String)> = expected_routes
            .iter()
            .map(|(m, p, _)| ((*m).to_owned(), (*p).to_owned()))
            .collect();
        assert_eq!(routes, expected, "every route needs its expectation in EXPECTED");

        let target = target.to_string();
        let uni = f.uni.to_string();
        let staff_only = f.staff_only.to_string();
        let venue = f.venue.to_string();
        let vaccine = f.vaccine.to_string();
        let job = app
            .store
            .mail_jobs(&sesshu_store::MailQuery { limit: 1, ..Default::default() })
            .await
            .unwrap()[0]
            .id
            .to_string();
        let slot = app
            .store
            .series_by_number(&sesshu_domain::ReservationNumber::parse(&number).unwrap())
            .await
            .unwrap()
            .unwrap()
            .doses[0]
            .slot
            .to_string();
        std::fs::create_dir_all(office.outbox()).unwrap();
        std::fs::write(
            office.outbox().join("access.eml"),
            "Subject: test\r\nTo: a@example.ac.jp\r\n\r\nbody\r\n",
        )
        .unwrap();
        for (method, template, open) in &expected_routes {
            let path = template
                .replace("{number}", &number)
                .replace("{job}", &job)
                .replace("{slot}", &slot)
                .replace("{name}", "access.eml")
                .replace("{admin}", &target)
                .replace("{tag}", "en")
                .replace("{code}", "staffonly")
                .replace("{dose}", "1");
            // The lists of the fixture's venue (venue_w's is another).
            let path = if template.starts_with("/lists/recipients") || *template == "/sheet.xlsx" {
                format!("{path}?day=2026-12-10&venue={}", f.venue)
            } else if template.starts_with("/lists/prefecture.csv") {
                format!("{path}?from=2026-12-01&to=2026-12-31")
            } else if template.starts_with("/fhir/") {
                format!("{path}?date=2026-12-10")
            } else if template.starts_with("/lists/reservations") {
                format!("{path}?institution={}", f.staff_only)
            } else {
                path
            };
            // A body the allowed roles' request succeeds with: a refusal is
            // then the role check's, not the form's.
            let body: Vec<(&str, &str)> = match *template {
                "/admins" => vec![
                    ("directory", "builtin"), ("login", "new-desk"), ("password", "a-long-password"),
                    ("role", "institution_staff"), ("institution", &uni), ("venue", ""),
                ],
                "/admins/{admin}" => vec![("role", "operator"), ("institution", ""), ("venue", "")],
                "/login" => vec![("directory", "builtin"), ("login", "nobody"), ("password", "x")],
                "/lists/vrs.csv" => vec![("from", "2026-12-01"), ("to", "2026-12-31"), ("only_new", "1")],
                "/reservations/{number}/cancel" => vec![("reason", "access test")],
                "/reservations/{number}/move" => vec![("reason", "access test")],
                "/slots/{slot}/move" => vec![("reason", "access test")],
                "/reservations/fixes" => vec![("text", "action,reason\n")],
                // The day before the reservation's: nothing to cancel.
                "/noshows" => vec![("day", "2026-12-09"), ("venue", "")],
                "/slots/import" => vec![("text", "date\n")],
                // Not a workbook: checked, nothing is written.
                "/sheet/preview" => vec![("day", "2026-12-10"), ("venue", &venue)],
                "/sheet/apply" => vec![("day", "2026-12-10"), ("venue", &venue), ("file", "")],
                "/slots/day-quotas" => vec![("venue", &venue), ("day", "2026-12-20")],
                "/checkin" => vec![("lookup", &number)],
                // The first registers it, the others are told it is there.
                "/lots" => vec![
                    ("venue", &venue), ("number", "ACCESS-1"), ("vaccine", &vaccine),
                    ("expires_on", "2027-06-30"), ("doses", "10"),
                ],
                // A file that does not parse: nothing is written.
                "/members/preview" => vec![("institution", &staff_only), ("missing", "keep")],
                "/members" => vec![
                    ("institution", &staff_only), ("missing", "keep"), ("text", "nonsense\n"),
                ],
                // Nothing to confirm or remove; a dose held here is not
                // recorded: the forms come back with that, nothing written.
                "/elsewhere/confirm" | "/elsewhere/remove" => vec![
                    ("institution", &staff_only), ("member", "bstaff"), ("dose", "1"),
                ],
                "/elsewhere/record" => vec![
                    ("institution", &staff_only), ("member", "bstaff"), ("dose", "1"),
                    ("given_on", "2026-11-02"), ("product", "Moderna"),
                ],
                "/elsewhere/import" => vec![("text", "institution\n")],
                "/reservations/book/find" => vec![
                    ("institution", &staff_only), ("member", "nobody"), ("day", "2026-12-10"),
                ],
                "/reservations/book" => vec![
                    ("institution", &staff_only), ("member", "nobody"), ("day", "2026-12-10"),
                    ("reason", "access test"),
                ],
                _ => Vec::new(),
            };
            match open {
                Open::Public => {
                    let answer = send(&anonymous, method, &path, &body).await;
                    assert!(!answer.status.is_server_error() && !answer.to_login(),
                        "{method} {path} is public: {answer:?}");
                }
                Open::SignedIn => {}
                Open::Roles(allowed) => {
                    let answer = send(&anonymous, method, &path, &body).await;
                    assert!(answer.to_login(), "{method} {path} without login: {answer:?}");
                    // The refused first, so an allowed POST cannot change
                    // what they would see.
                    let mut order: Vec<_> = browsers.iter().collect();
                    order.sort_by_key(|(name, _)| allowed.contains(name));
                    for (name, browser) in order {
                        let answer = send(browser, method, &path, &body).await;
                        let reached = answer.status.is_success()
                            || (answer.status == StatusCode::SEE_OTHER && !answer.to_login()
                                && !(*template == "/" && answer.location.as_deref() == Some("/checkin")));
                        if allowed.contains(name) {
                            assert!(reached, "{name} may {method} {path}: {} {:?}", answer.status, answer.location);
                        } else {
                            assert!(
                                matches!(answer.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND)
                                    || (*template == "/" && answer.location.as_deref() == Some("/checkin")),
                                "{name} may not {method} {path}: {} {:?}", answer.status, answer.location
                            );
                        }
                    }
                }
            }
        }
    }

    async fn opening_personal_data_is_audited_and_the_audit_holds_none_of_it(app) {
        let number = reservation_of_the_other_institution(&app).await;
        let mut office = TestOffice::spawn(&app).await;
        let operator = office.signed_in(&app, "op", Role::Operator).await;

        let page = operator.get(&format!("/reservations/{number}")).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.html);
        let text = visible_text(&page.html);
        assert!(text.contains("bstaff 例"), "the office shows the name: {text}");
        assert!(text.contains("bstaff@example.ac.jp"), "and the mail: {text}");

        let views = audited(&app, "personal.view").await;
        assert_eq!(views.len(), 1, "{views:?}");
        assert!(views[0].actor.starts_with("admin:"));
        assert_eq!(views[0].role, "operator");
        assert!(views[0].objects.iter().any(|o| matches!(o, sesshu_domain::AuditObject::Person(_))), "{views:?}");
        assert!(views[0].origin.contains("cert:"), "where from: {:?}", views[0].origin);
        let logins = audited(&app, "office.login").await;
        assert_eq!(logins.len(), 1, "the login is audited too");

        let everything = format!("{:?}", app.store.audit_records(0, 10_000).await.unwrap());
        for personal in ["bstaff", "example.ac.jp", "例"] {
            assert!(!everything.contains(personal), "{personal} in the audit trail");
        }
    }

    async fn the_office_cancels_after_the_deadline_with_a_reason_and_the_person_is_mailed(app) {
        // The clock is on the morning of the first appointment: long past
        // the person's own deadline.
        let number = reservation_of_the_other_institution(&app).await;
        let series = app
            .store
            .series_by_number(&sesshu_domain::ReservationNumber::parse(&number).unwrap())
            .await
            .unwrap()
            .unwrap();
        let slot = series.doses[0].slot;
        assert_eq!(app.store.slot(slot).await.unwrap().unwrap().booked, 1);
        let mut office = TestOffice::spawn(&app).await;
        let other = office
            .signed_in(&app, "uni_desk", Role::InstitutionStaff { institution: app.fixture.uni })
            .await;
        let refused = other.post(&format!("/reservations/{number}/cancel"), &[("reason", "x")]).await;
        assert_eq!(refused.status, StatusCode::NOT_FOUND, "another institution's: as if absent");
        let staff = office
            .signed_in(&app, "so_desk", Role::InstitutionStaff { institution: app.fixture.staff_only })
            .await;
        let page = staff.get(&format!("/reservations/{number}")).await;
        assert!(page.html.contains(&format!("action=\"/reservations/{number}/cancel\"")));
        let no_reason = staff.post(&format!("/reservations/{number}/cancel"), &[("reason", "  ")]).await;
        assert_eq!(no_reason.location, Some(format!("/reservations/{number}?error=reason")));
        assert!(app.store.series(series.id).await.unwrap().unwrap().is_active());

        let done = staff
            .post(&format!("/reservations/{number}/cancel"), &[("reason", "phoned: fever")])
            .await;
        assert_eq!(done.location, Some(format!("/reservations/{number}?done=cancelled")));
        assert!(!app.store.series(series.id).await.unwrap().unwrap().is_active());
        assert_eq!(app.store.slot(slot).await.unwrap().unwrap().booked, 0, "the place is free again");
        let jobs = app
            .store
            .mail_jobs(&sesshu_store::MailQuery { series: Some(series.id), limit: 10, ..Default::default() })
            .await
            .unwrap();
        assert_eq!(jobs[0].kind, sesshu_domain::MailKind::Cancelled, "the person is mailed");
        let cancels = audited(&app, "reservation.cancel").await;
        assert_eq!(cancels.len(), 1);
        assert_eq!(cancels[0].detail, "reason: phoned: fever");
        let page = staff.get(&format!("/reservations/{number}")).await;
        assert!(!page.html.contains("/cancel\""), "nothing left to cancel");
    }

    async fn the_office_moves_a_reservation_after_the_deadline_and_the_person_is_mailed(app) {
        let number = reservation_of_the_other_institution(&app).await;
        let f = app.fixture.clone();
        let later = app.slot(1, "2026-12-17", "14:00", f.lane_b, 3).await;
        let second = app.slot(2, "2027-01-14", "14:00", f.lane_b, 3).await;
        let series = app
            .store
            .series_by_number(&sesshu_domain::ReservationNumber::parse(&number).unwrap())
            .await
            .unwrap()
            .unwrap();
        let old = series.doses[0].slot;
        let mut office = TestOffice::spawn(&app).await;
        let operator = office.signed_in(&app, "op", Role::Operator).await;
        let page = operator.get(&format!("/reservations/{number}/move?day=2026-12-17")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.html.contains(&format!("value=\"{later}\"")), "the free time is offered");
        let no_reason = operator
            .post(&format!("/reservations/{number}/move"), &[("slot", &later.to_string()), ("reason", "")])
            .await;
        assert_eq!(no_reason.location, Some(format!("/reservations/{number}/move?error=reason")));

        let moved = operator
            .post(&format!("/reservations/{number}/move"), &[("slot", &later.to_string()), ("reason", "phoned: exam")])
            .await;
        assert_eq!(moved.location, Some(format!("/reservations/{number}?done=moved")));
        let series = app.store.series(series.id).await.unwrap().unwrap();
        assert_eq!(series.doses[0].slot, later);
        assert_eq!(series.doses[1].slot, second, "the second dose follows");
        assert_eq!(app.store.slot(old).await.unwrap().unwrap().booked, 0);
        assert_eq!(app.store.slot(later).await.unwrap().unwrap().booked, 1);
        let jobs = app
            .store
            .mail_jobs(&sesshu_store::MailQuery { series: Some(series.id), limit: 10, ..Default::default() })
            .await
            .unwrap();
        assert_eq!(jobs[0].kind, sesshu_domain::MailKind::Changed, "the person is mailed");
        let moves = audited(&app, "reservation.move").await;
        assert_eq!(moves.len(), 1);
        assert_eq!(moves[0].detail, "reason: phoned: exam");
    }

    async fn venue_staff_check_people_in_once(app) {
        let number = reservation_of_the_other_institution(&app).await;
        let mut office = TestOffice::spawn(&app).await;
        let desk = office.signed_in(&app, "desk", Role::VenueStaff { venue: app.fixture.venue }).await;

        let home = desk.get("/").await;
        assert_eq!(home.location.as_deref(), Some("/checkin"), "venue staff have one page");
        let form = desk.get("/checkin").await;
        assert_eq!(form.status, StatusCode::OK);
        let search = desk.post("/checkin", &[("lookup", &number.to_lowercase())]).await;
        assert_eq!(search.location, Some(format!("/checkin/{number}")));
        let page = desk.get(&format!("/checkin/{number}")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(visible_text(&page.html).contains("bstaff 例"), "the name to confirm who it is");

        let done = desk.post(&format!("/checkin/{number}"), &[]).await;
        assert_eq!(done.location, Some(format!("/checkin/{number}?done=now")));
        let again = desk.post(&format!("/checkin/{number}"), &[]).await;
        assert_eq!(again.location, Some(format!("/checkin/{number}")), "a second time changes nothing");
        let page = desk.get(&format!("/checkin/{number}")).await;
        assert!(!page.html.contains("action=\"/checkin/"), "no button once checked in");
        assert_eq!(audited(&app, "checkin").await.len(), 1);

        // Another day: nothing due, and the desk is told so (no name shown).
        app.clock.set(tokyo("2026-12-11", "09:00"));
        let page = desk.get(&format!("/checkin/{number}")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.html.contains("role=\"alert\""), "a wrong day is warned of");
        assert!(!visible_text(&page.html).contains("bstaff 例"));
    }

    async fn system_administrators_manage_accounts_and_changes_apply_at_once(app) {
        let mut office = TestOffice::spawn(&app).await;
        let admin = office.signed_in(&app, "root", Role::SystemAdmin).await;
        let uni = app.fixture.uni.to_string();

        let short = admin.post("/admins", &[
            ("directory", "builtin"), ("login", "clerk"), ("password", "short"),
            ("role", "institution_staff"), ("institution", &uni), ("venue", ""),
        ]).await;
        assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY, "a short password is refused");
        let unscoped = admin.post("/admins", &[
            ("directory", "builtin"), ("login", "clerk"), ("password", "long-enough-pass"),
            ("role", "institution_staff"), ("institution", ""), ("venue", ""),
        ]).await;
        assert_eq!(unscoped.status, StatusCode::UNPROCESSABLE_ENTITY, "institution staff need an institution");

        let created = admin.post("/admins", &[
            ("directory", "builtin"), ("login", "clerk"), ("password", "long-enough-pass"),
            ("role", "institution_staff"), ("institution", &uni), ("venue", ""),
        ]).await;
        assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.html);
        let edit = created.location.unwrap();
        let id = edit.trim_start_matches("/admins/").split('?').next().unwrap().to_owned();
        let taken = admin.post("/admins", &[
            ("directory", "builtin"), ("login", "clerk"), ("password", "long-enough-pass"),
            ("role", "operator"), ("institution", ""), ("venue", ""),
        ]).await;
        assert_eq!(taken.status, StatusCode::UNPROCESSABLE_ENTITY, "one login per directory");

        let clerk = office.certificate("clerk's PC");
        let clerk = office.browser(Some(&clerk));
        clerk.log_in("builtin", "clerk", "long-enough-pass").await;
        assert_eq!(clerk.get("/").await.status, StatusCode::OK);
        assert_eq!(clerk.get("/audit").await.status, StatusCode::FORBIDDEN);

        let disabled = admin.post(&format!("/admins/{id}"), &[
            ("role", "institution_staff"), ("institution", &uni), ("venue", ""), ("disabled", "1"),
        ]).await;
        assert_eq!(disabled.status, StatusCode::SEE_OTHER);
        assert!(clerk.get("/").await.to_login(), "a disabled account is signed out at once");

        // The last enabled system administrator stays one.
        let me = app.store.admins().await.unwrap().into_iter().find(|a| a.login.as_str() == "root").unwrap();
        let demote = admin.post(&format!("/admins/{}", me.id), &[
            ("role", "operator"), ("institution", ""), ("venue", ""),
        ]).await;
        assert_eq!(demote.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(app.store.admin(me.id).await.unwrap().unwrap().role, Role::SystemAdmin);

        let changes = audited(&app, "admin.create").await.len() + audited(&app, "admin.update").await.len();
        // The kit's own accounts are audited as created too.
        assert!(changes >= 3, "created and updated accounts are audited: {changes}");
        assert_eq!(sesshu::audit::verify(&app.store).await.unwrap() as usize,
            app.store.audit_records(0, 10_000).await.unwrap().len());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_session_does_not_move_to_another_certificate() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let mut office = TestOffice::spawn(&app).await;
    office.account(&app, "root", Role::SystemAdmin).await;
    let mine = office.certificate("mine");
    let browser = office.browser(Some(&mine));
    browser.log_in("builtin", "root", PASSWORD).await;
    assert_eq!(browser.get("/").await.status, StatusCode::OK);

    // The same cookies, presented with someone else's certificate.
    let cookie = browser.cookie_header();
    let theirs = office.certificate("theirs");
    let thief = office.browser(Some(&theirs));
    let answer = thief
        .http
        .get(format!("{}/", thief.base))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    assert_eq!(answer.headers()["location"], "/login");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn institution_staff_see_counts_of_their_institution_only() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    reservation_of_the_other_institution(&app).await;
    let mut office = TestOffice::spawn(&app).await;
    let staff_a = office
        .signed_in(
            &app,
            "a",
            Role::InstitutionStaff {
                institution: app.fixture.uni,
            },
        )
        .await;
    let staff_b = office
        .signed_in(
            &app,
            "b",
            Role::InstitutionStaff {
                institution: app.fixture.staff_only,
            },
        )
        .await;
    let active = |html: &str| {
        let text = visible_text(html);
        let at = text.find("有効な予約").expect("the count") + "有効な予約".len();
        text[at..].split_whitespace().next().unwrap().to_owned()
    };
    assert_eq!(active(&staff_a.get("/").await.html), "0");
    assert_eq!(active(&staff_b.get("/").await.html), "1");
}
