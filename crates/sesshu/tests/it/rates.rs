//! The vaccination rates' dashboards on both databases, over one seeded
//! campaign: three institutions (two with a roster and departments, one
//! known by its logins only), doses given here (first and second), doses
//! elsewhere (declared, confirmed, of a disabled member, of a member not
//! eligible), a no-show cancelled by the batch, a voucher missing with and
//! one without its number. Every number of every table is asserted, the
//! CSV files (UTF-8 and Shift_JIS) carry the same, the numbers agree with
//! the lists they count (the prefecture's list, the missing vouchers), the
//! page draws a bar per row and its live part is served apart, and
//! institution staff see their own institution only. Then, in headless
//! Chromium (`e2e/rates.mjs`), the page updates itself after a check-in
//! made in another browser session.

use crate::browser::{ONE_BROWSER, prepare_script, run_node};
use crate::helpers::*;
use crate::office_kit::*;
use crate::venue_kit::{Desk, book};
use reqwest::StatusCode;
use sesshu_domain::{
    AdminId, DepartmentCode, InstitutionCode, InstitutionId, Language, LotNumber, PersonId, Role,
    Subject, UserType,
};
use sesshu_operations::noshows::{self, Cancelling};
use sesshu_operations::rates::{self, Dashboards, Table};
use sesshu_operations::vaccination;
use sesshu_operations::{Actor, Operations};
use sesshu_store::{NewInstitution, NewLot, NewMember, PersonLogin};
use sesshu_vault_open::Keyring;

/// The day of the first doses, and of the second.
const FIRST_DAY: &str = "2026-12-10";
const SECOND_DAY: &str = "2027-01-07";

/// The seeded campaign: who does what at the venue, and the reservations.
struct Campaign {
    venue: Desk,
    ext: InstitutionId,
}

fn actor(name: &str, role: Role) -> Actor {
    Actor {
        name: name.into(),
        role,
        origin: "127.0.0.1".into(),
    }
}

fn department(code: &str, ja: &str, en: &str) -> sesshu_domain::Department {
    sesshu_domain::Department {
        code: DepartmentCode::parse(code).unwrap(),
        name_ja: ja.into(),
        name_en: en.into(),
    }
}

/// A roster member (no personal data: the dashboards read none).
async fn member(
    app: &TestApp,
    institution: InstitutionId,
    login: &str,
    user_type: UserType,
    department: Option<&str>,
    disabled: bool,
) {
    app.store
        .upsert_members(
            &[NewMember {
                institution,
                login: Subject::parse(login).unwrap(),
                password_hash: "unused".into(),
                user_type,
                department: department.map(|d| DepartmentCode::parse(d).unwrap()),
                personal: Vec::new(),
                disabled,
            }],
            start_of_tests(),
        )
        .await
        .unwrap();
}

/// The person of a login (as a first login makes it).
async fn person(
    app: &TestApp,
    institution: InstitutionId,
    login: &str,
    user_type: Option<UserType>,
) -> PersonId {
    app.store
        .person_for_login(&PersonLogin {
            institution,
            subject: Subject::parse(login).unwrap(),
            user_type,
            department: None,
            at: start_of_tests(),
            personal: None,
            consented: None,
            reassignable: false,
        })
        .await
        .unwrap()
        .id
}

/// A dose recorded elsewhere, as the table holds it (written with plain
/// SQL: the dashboards only read it), confirmed by `confirmed` if given.
async fn elsewhere(
    app: &TestApp,
    institution: InstitutionId,
    subject: &str,
    dose: u8,
    source: &str,
    confirmed: Option<AdminId>,
) {
    let at = match app.backend {
        Backend::Sqlite => tokyo("2026-11-30", "09:00").timestamp().to_string(),
        Backend::Postgres => "'2026-11-30 09:00:00+09'".to_owned(),
    };
    let (confirmed_at, confirmed_by) = match confirmed {
        Some(by) => (at.clone(), by.to_string()),
        None => ("NULL".to_owned(), "NULL".to_owned()),
    };
    let sql = format!(
        "INSERT INTO external_doses (institution_id, subject, dose, given_on, product, place, \
         source, recorded_at, confirmed_at, confirmed_by) VALUES ({institution}, '{subject}', \
         {dose}, '2026-11-0{dose}', 'Moderna', 'clinic', '{source}', {at}, {confirmed_at}, \
         {confirmed_by})"
    );
    if app.backend == Backend::Sqlite {
        let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", app.database_url))
            .await
            .unwrap();
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
    } else {
        let pool = sqlx::PgPool::connect(&app.database_url).await.unwrap();
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
    }
}

/// The campaign every test below reads, the clock left at 10:15 on the
/// second doses' day (their slot has started):
///
/// - `uni` (staff and students; departments ENG, MED; SCI in no master):
///   u1 staff MED, both doses here, both vouchers collected; u2 student
///   MED, first dose here, no voucher; u3 student ENG, missed the first
///   dose (cancelled by the batch); u4 staff ENG, both doses elsewhere
///   (the second confirmed), never logged in; u5 student without a
///   department, checked in and not vaccinated; u6 staff MED disabled,
///   with a second dose elsewhere; u7 staff SCI, never logged in, a first
///   dose elsewhere.
/// - `staffonly` (staff only; department ADM): s1 staff, first dose here,
///   its voucher's number given and the paper missing; s2 student (not
///   eligible), a second dose elsewhere (imported).
/// - `ext` (no roster): p1 staff, first dose here, voucher collected; p2,
///   whose login said no user type.
async fn campaign(app: &TestApp) -> Campaign {
    let f = app.fixture.clone();
    let code = |c: &str| InstitutionCode::parse(c).unwrap();
    app.store
        .upsert_institutions(&[
            NewInstitution {
                departments: vec![
                    department("ENG", "工学部", "Engineering"),
                    department("MED", "医学部", "Medicine"),
                ],
                ..NewInstitution::builtin(code("uni"), "uni大学", "uni University")
            },
            NewInstitution {
                eligible_user_types: [UserType::Staff].into(),
                departments: vec![department("ADM", "事務局", "Administration")],
                ..NewInstitution::builtin(
                    code("staffonly"),
                    "staffonly大学",
                    "staffonly University",
                )
            },
        ])
        .await
        .unwrap();
    let ext = app
        .store
        .insert_institution(&NewInstitution::builtin(
            code("ext"),
            "ext大学",
            "ext University",
        ))
        .await
        .unwrap();

    for (login, kind, dept, disabled) in [
        ("u1", UserType::Staff, Some("MED"), false),
        ("u2", UserType::Student, Some("MED"), false),
        ("u3", UserType::Student, Some("ENG"), false),
        ("u4", UserType::Staff, Some("ENG"), false),
        ("u5", UserType::Student, None, false),
        ("u6", UserType::Staff, Some("MED"), true),
        ("u7", UserType::Staff, Some("SCI"), false),
    ] {
        member(app, f.uni, login, kind, dept, disabled).await;
    }
    member(app, f.staff_only, "s1", UserType::Staff, Some("ADM"), false).await;
    member(
        app,
        f.staff_only,
        "s2",
        UserType::Student,
        Some("ADM"),
        false,
    )
    .await;

    let operator = app.admin_account(Role::Operator).await;
    elsewhere(app, f.uni, "u4", 1, "declared", None).await;
    elsewhere(app, f.uni, "u4", 2, "declared", Some(operator)).await;
    elsewhere(app, f.uni, "u6", 2, "office", None).await;
    elsewhere(app, f.uni, "u7", 1, "declared", None).await;
    elsewhere(app, f.staff_only, "s2", 2, "import", None).await;

    let first = app.slot(1, FIRST_DAY, "10:00", f.lane_a, 10).await;
    let second_lane = app.slot(1, FIRST_DAY, "10:30", f.lane_b, 5).await;
    let second = app.slot(2, SECOND_DAY, "10:00", f.lane_a, 10).await;
    let u1 = book(
        app,
        person(app, f.uni, "u1", Some(UserType::Staff)).await,
        first,
        second,
        tokyo("2026-12-01", "12:00"),
    )
    .await;
    let u2 = book(
        app,
        person(app, f.uni, "u2", Some(UserType::Student)).await,
        first,
        second,
        tokyo("2026-12-02", "12:00"),
    )
    .await;
    book(
        app,
        person(app, f.uni, "u3", Some(UserType::Student)).await,
        first,
        second,
        tokyo("2026-12-02", "12:00"),
    )
    .await;
    let s1 = book(
        app,
        person(app, f.staff_only, "s1", Some(UserType::Staff)).await,
        first,
        second,
        tokyo("2026-12-03", "12:00"),
    )
    .await;
    let u5 = book(
        app,
        person(app, f.uni, "u5", Some(UserType::Student)).await,
        second_lane,
        second,
        tokyo("2026-12-03", "12:00"),
    )
    .await;
    let p1 = book(
        app,
        person(app, ext, "p1", Some(UserType::Staff)).await,
        second_lane,
        second,
        tokyo("2026-12-04", "12:00"),
    )
    .await;
    person(app, f.uni, "u6", Some(UserType::Staff)).await;
    person(app, ext, "p2", None).await;

    let role = Role::VenueStaff { venue: f.venue };
    let by = app.admin_account(role).await;
    let ops = Operations::new(app.store.clone(), app.clock.clone());
    let desk = actor(&format!("admin:{by}"), role);
    app.clock.set(tokyo(FIRST_DAY, "09:30"));
    let lot = vaccination::register_lot(
        &ops,
        &desk,
        NewLot {
            venue: f.venue,
            vaccine: f.vaccine,
            number: LotNumber::parse("AB-1234").unwrap(),
            expires_on: chrono::NaiveDate::from_ymd_opt(2027, 3, 31).unwrap(),
            doses: 20,
        },
    )
    .await
    .unwrap();
    let campaign = Campaign {
        venue: Desk {
            ops,
            keys: Keyring::new([app.vault.clone()]),
            actor: desk,
            by,
            lot,
        },
        ext,
    };
    for series in [&u1, &u2, &s1, &u5, &p1] {
        campaign.venue.check_in(series).await;
    }
    app.clock.set(tokyo(FIRST_DAY, "10:30"));
    for series in [&u1, &u2, &s1, &p1] {
        campaign
            .venue
            .vaccinate(series, 1, tokyo(FIRST_DAY, "10:05"))
            .await;
    }
    campaign
        .venue
        .voucher(&u1, 1, ("041009", "0123456789"), true)
        .await;
    campaign
        .venue
        .voucher(&s1, 1, ("041009", "0123456789"), false)
        .await;
    campaign
        .venue
        .voucher(&p1, 1, ("041009", "0123456789"), true)
        .await;

    // The evening: u3 has not come. Still counted as not checked in, not
    // yet a no-show; then the batch cancels the reservation.
    app.clock.set(tokyo(FIRST_DAY, "18:00"));
    let before = read(&campaign, None).await;
    let day = first_day();
    assert_eq!(
        rates::cells(&before, Table::Slots, Some(day), Language::En)[0][8..],
        ["3".to_owned(), "0".into(), "1".into()],
        "checked in, no-shows, not checked in before the batch"
    );
    let operator = actor(&format!("admin:{operator}"), Role::Operator);
    let cancelled = noshows::cancel(&campaign.venue.ops, &operator, day, None)
        .await
        .unwrap();
    assert!(
        matches!(&cancelled, Cancelling::Done(done) if done.count() == 1),
        "{cancelled:?}"
    );

    // The second doses' day: u1 comes early, the others not yet.
    app.clock.set(tokyo(SECOND_DAY, "09:30"));
    campaign.venue.check_in(&u1).await;
    campaign
        .venue
        .vaccinate(&u1, 2, tokyo(SECOND_DAY, "09:35"))
        .await;
    campaign
        .venue
        .voucher(&u1, 2, ("041009", "0123456789"), true)
        .await;
    app.clock.set(tokyo(SECOND_DAY, "10:15"));
    campaign
}

/// The dashboards as an operator reads them (every institution, or one).
async fn read(campaign: &Campaign, institution: Option<InstitutionId>) -> Dashboards {
    let operator = actor("admin:0", Role::Operator);
    let scope = rates::scope(&campaign.venue.ops, &operator, institution)
        .await
        .unwrap();
    rates::dashboards(&campaign.venue.ops, scope).await.unwrap()
}

fn rows(cells: &[&[&str]]) -> Vec<Vec<String>> {
    cells
        .iter()
        .map(|row| row.iter().map(|c| (*c).to_owned()).collect())
        .collect()
}

fn first_day() -> chrono::NaiveDate {
    chrono::NaiveDate::parse_from_str(FIRST_DAY, "%Y-%m-%d").unwrap()
}

/// Every table of the campaign for every institution, in English, as
/// [`rates::cells`] writes them (and the CSV files carry).
fn expected(table: Table) -> Vec<Vec<String>> {
    match table {
        Table::Members => rows(&[
            // members, reserved, dose 1, dose 2, fully vaccinated, rate
            &[
                "uni University",
                "Staff",
                "roster",
                "3",
                "1",
                "3",
                "2",
                "2",
                "66.7",
            ],
            &[
                "uni University",
                "Student",
                "roster",
                "3",
                "2",
                "1",
                "0",
                "0",
                "0.0",
            ],
            &[
                "staffonly University",
                "Staff",
                "roster",
                "1",
                "1",
                "1",
                "0",
                "0",
                "0.0",
            ],
            &[
                "staffonly University",
                "Student",
                "roster",
                "1",
                "0",
                "1",
                "1",
                "1",
                "100.0",
            ],
            &[
                "ext University",
                "Staff",
                "logins",
                "1",
                "1",
                "1",
                "0",
                "0",
                "0.0",
            ],
            &[
                "ext University",
                "",
                "logins",
                "1",
                "0",
                "0",
                "0",
                "0",
                "0.0",
            ],
        ]),
        Table::Departments => rows(&[
            // members, eligible, here, elsewhere, confirmed, rate
            &[
                "uni University",
                "ENG",
                "Engineering",
                "2",
                "2",
                "0",
                "1",
                "1",
                "50.0",
            ],
            &[
                "uni University",
                "MED",
                "Medicine",
                "2",
                "2",
                "1",
                "0",
                "0",
                "50.0",
            ],
            &["uni University", "SCI", "", "1", "1", "0", "0", "0", "0.0"],
            &["uni University", "", "", "1", "1", "0", "0", "0", "0.0"],
            &[
                "staffonly University",
                "ADM",
                "Administration",
                "2",
                "1",
                "0",
                "0",
                "0",
                "0.0",
            ],
        ]),
        Table::Days => rows(&[
            // slots, places, booked, free, checked in, no-shows, not checked in
            &["2026-12-10", "2", "15", "5", "10", "5", "1", "0"],
            &["2027-01-07", "1", "10", "5", "5", "1", "0", "4"],
        ]),
        // The first doses' day.
        Table::Slots => rows(&[
            &[
                "2026-12-10",
                "10:00",
                "Station Venue",
                "Lane A",
                "1",
                "10",
                "3",
                "7",
                "3",
                "1",
                "0",
            ],
            &[
                "2026-12-10",
                "10:30",
                "Station Venue",
                "Lane B",
                "1",
                "5",
                "2",
                "3",
                "2",
                "0",
                "0",
            ],
        ]),
        // The days with anything (the days between are zeros).
        Table::Campaign => rows(&[
            &["2026-12-01", "1", "0"],
            &["2026-12-02", "2", "0"],
            &["2026-12-03", "2", "0"],
            &["2026-12-04", "1", "0"],
            &["2026-12-10", "0", "4"],
            &["2027-01-07", "0", "1"],
        ]),
        Table::Vouchers => rows(&[
            // doses given, collected, missing, of which number given, rate
            &["uni University", "3", "2", "1", "0", "66.7"],
            &["staffonly University", "1", "0", "1", "1", "0.0"],
            &["ext University", "1", "1", "0", "0", "100.0"],
        ]),
    }
}

/// The rows of a table that are not all zeros after the first column.
fn busy(rows: Vec<Vec<String>>) -> Vec<Vec<String>> {
    rows.into_iter()
        .filter(|r| r[1..].iter().any(|c| c != "0"))
        .collect()
}

/// A CSV file as rows of cells (the dashboards' cells hold no comma or
/// quote), after its BOM.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    assert!(!text.contains('"'), "nothing to quote in {text}");
    text.split("\r\n")
        .filter(|l| !l.is_empty())
        .map(|l| l.split(',').map(str::to_owned).collect())
        .collect()
}

async fn download(browser: &OfficeClient, path: &str) -> (StatusCode, Vec<u8>) {
    let response = browser.http.get(browser.url(path)).send().await.unwrap();
    (response.status(), response.bytes().await.unwrap().to_vec())
}

on_both_databases! {
    async fn every_dashboard_counts_the_campaign_and_its_files_carry_the_same_numbers(app) {
        let campaign = campaign(&app).await;
        let all = read(&campaign, None).await;
        let day = Some(first_day());
        for table in Table::ALL {
            let cells = rates::cells(&all, table, day, Language::En);
            let cells = if table == Table::Campaign { busy(cells) } else { cells };
            assert_eq!(cells, expected(table), "{table:?}");
        }
        assert_eq!(all.campaign.len(), 38, "every day from 1 December to 7 January");
        let slots = rates::cells(&all, Table::Slots, None, Language::En);
        assert_eq!(slots.len(), 3, "without a day: every slot");
        assert_eq!(slots[2][..], ["2027-01-07", "10:00", "Station Venue", "Lane A", "2", "10", "5", "5", "1", "0", "4"]);
        assert_eq!(all.default_day(), Some(chrono::NaiveDate::from_ymd_opt(2027, 1, 7).unwrap()), "today has slots");

        // The files, in English, carry the same numbers under the page's titles.
        let mut office = TestOffice::spawn(&app).await;
        let operator = office.signed_in(&app, "rates-op", Role::Operator).await;
        operator.get("/lang/en?back=/").await;
        for table in Table::ALL {
            let path = format!("/rates/{}.csv?day={FIRST_DAY}", table.code());
            let (status, bytes) = download(&operator, &path).await;
            assert_eq!(status, StatusCode::OK, "{path}");
            assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "UTF-8 with a BOM");
            let mut file = parse_csv(std::str::from_utf8(&bytes).unwrap());
            let header = file.remove(0);
            assert_eq!(header, sesshu_office::i18n::EN.rates_header(table), "{table:?}");
            let file = if table == Table::Campaign { busy(file) } else { file };
            assert_eq!(file, expected(table), "{path}");

            let (status, sjis) = download(&operator, &format!("{path}&encoding=cp932")).await;
            assert_eq!(status, StatusCode::OK);
            let (text, _, bad) = encoding_rs::SHIFT_JIS.decode(&sjis);
            assert!(!bad, "Shift_JIS");
            assert_eq!(parse_csv(&text), parse_csv(std::str::from_utf8(&bytes).unwrap()), "{path}");
        }
        // In Japanese: the names and titles of that language.
        operator.get("/lang/ja?back=/").await;
        let (_, bytes) = download(&operator, "/rates/departments.csv").await;
        let file = parse_csv(std::str::from_utf8(&bytes).unwrap());
        assert_eq!(file[0], sesshu_office::i18n::JA.rates_header(Table::Departments));
        assert_eq!(file[1][..3], ["uni大学", "ENG", "工学部"]);
        let (_, bytes) = download(&operator, "/rates/institutions.csv").await;
        assert_eq!(parse_csv(std::str::from_utf8(&bytes).unwrap())[1][..3], ["uni大学", "教職員", "roster"]);

        // One institution: its people's, the slots' places shared.
        let uni = read(&campaign, Some(app.fixture.uni)).await;
        assert_eq!(rates::cells(&uni, Table::Members, None, Language::En), expected(Table::Members)[..2].to_vec());
        assert_eq!(rates::cells(&uni, Table::Departments, None, Language::En), expected(Table::Departments)[..4].to_vec());
        assert_eq!(rates::cells(&uni, Table::Vouchers, None, Language::En), expected(Table::Vouchers)[..1].to_vec());
        assert_eq!(
            rates::cells(&uni, Table::Slots, None, Language::En),
            rows(&[
                // u1 and u2 (u3's place released), u5; then u1, u2, u5 on the second day.
                &["2026-12-10", "10:00", "Station Venue", "Lane A", "1", "10", "2", "7", "2", "1", "0"],
                &["2026-12-10", "10:30", "Station Venue", "Lane B", "1", "5", "1", "3", "1", "0", "0"],
                &["2027-01-07", "10:00", "Station Venue", "Lane A", "2", "10", "3", "5", "1", "0", "2"],
            ])
        );
        assert_eq!(
            busy(rates::cells(&uni, Table::Campaign, None, Language::En)),
            rows(&[&["2026-12-01", "1", "0"], &["2026-12-02", "2", "0"], &["2026-12-03", "1", "0"], &["2026-12-10", "0", "2"], &["2027-01-07", "0", "1"]])
        );
        let ext = read(&campaign, Some(campaign.ext)).await;
        assert!(ext.departments.is_empty(), "no roster, no departments");
    }

    async fn the_dashboards_agree_with_the_lists_they_count(app) {
        let campaign = campaign(&app).await;
        let all = read(&campaign, None).await;
        let mut office = TestOffice::spawn(&app).await;
        let operator = office.signed_in(&app, "rates-lists", Role::Operator).await;

        // The prefecture's list: a line per dose checked in.
        let (status, bytes) = download(&operator, "/lists/prefecture.csv?from=2026-12-01&to=2027-01-31").await;
        assert_eq!(status, StatusCode::OK);
        let lines = std::str::from_utf8(&bytes).unwrap().trim_end().split("\r\n").count() - 1;
        let checked_in: u64 = all.slots.iter().map(|s| s.checked_in).sum();
        assert_eq!((lines, checked_in), (6, 6), "the prefecture's lines are the doses checked in");

        // The missing vouchers: the list's lines, in all and per institution.
        let (status, bytes) = download(&operator, "/vouchers/missing.csv?institution=&days=0").await;
        assert_eq!(status, StatusCode::OK);
        let lines = std::str::from_utf8(&bytes).unwrap().trim_end().split("\r\n").count() - 1;
        let missing: u64 = all.vouchers.iter().map(|v| v.missing).sum();
        assert_eq!((lines, missing), (2, 2));
        let staff_only = app.fixture.staff_only;
        let (_, bytes) = download(&operator, &format!("/vouchers/missing.csv?institution={staff_only}&days=0")).await;
        let lines = std::str::from_utf8(&bytes).unwrap().trim_end().split("\r\n").count() - 1;
        let of = all.vouchers.iter().find(|v| v.institution == staff_only).unwrap();
        assert_eq!((lines as u64, of.missing, of.missing_number_given), (1, 1, 1));

        // The doses given here: the registers' reading of the dose records.
        let given = app
            .store
            .registered_doses(tokyo("2026-12-01", "00:00"), tokyo("2027-02-01", "00:00"), None)
            .await
            .unwrap();
        let vaccinated: u64 = all.vouchers.iter().map(|v| v.vaccinated).sum();
        let per_day: u64 = all.campaign.iter().map(|d| d.vaccinations).sum();
        assert_eq!((given.len() as u64, vaccinated, per_day), (5, 5, 5));
        let collected = given.iter().filter(|d| d.voucher_collected).count() as u64;
        assert_eq!(collected, all.vouchers.iter().map(|v| v.collected).sum::<u64>());

        // Bookings made: every reservation of the campaign, cancelled or not.
        let made: u64 = all.campaign.iter().map(|d| d.bookings).sum();
        assert_eq!(made, 6);
        // Nothing personal is opened for the dashboards, nor shown.
        let views = audited(&app, "personal.view").await.len();
        let page = operator.get(&format!("/rates?day={FIRST_DAY}")).await;
        for table in Table::ALL {
            download(&operator, &format!("/rates/{}.csv", table.code())).await;
        }
        assert_eq!(audited(&app, "personal.view").await.len(), views);
        for login in ["u1", "u2", "s1", "p1"] {
            assert!(!visible_text(&page.html).split(' ').any(|w| w == login), "{login} on the page");
        }
    }

    async fn institution_staff_see_their_institution_only(app) {
        let campaign = campaign(&app).await;
        let f = app.fixture.clone();
        let mut office = TestOffice::spawn(&app).await;
        let staff = office.signed_in(&app, "uni-staff", Role::InstitutionStaff { institution: f.uni }).await;
        staff.get("/lang/en?back=/").await;

        let page = staff.get("/rates").await;
        assert_eq!(page.status, StatusCode::OK);
        let text = visible_text(&page.html);
        assert!(text.contains("Vaccination rates: uni University"), "{text}");
        assert!(!text.contains("staffonly University") && !text.contains("ext University"), "{text}");
        assert!(!page.html.contains("name=\"institution\""), "no institution to choose");
        let (_, bytes) = download(&staff, "/rates/institutions.csv").await;
        let file = parse_csv(std::str::from_utf8(&bytes).unwrap());
        assert_eq!(file[1..], expected(Table::Members)[..2]);

        // Another institution: as if it did not exist, page, part and files.
        let other = f.staff_only;
        assert_eq!(staff.get(&format!("/rates?institution={other}")).await.status, StatusCode::NOT_FOUND);
        assert_eq!(staff.get(&format!("/rates/live?institution={other}")).await.status, StatusCode::NOT_FOUND);
        for table in Table::ALL {
            let (status, _) = download(&staff, &format!("/rates/{}.csv?institution={other}", table.code())).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{table:?}");
        }
        // Its own, asked for by id: the same.
        let own = staff.get(&format!("/rates?institution={}", f.uni)).await;
        assert_eq!(own.status, StatusCode::OK);
        assert_eq!(staff.get("/rates?day=10-12-2026").await.status, StatusCode::BAD_REQUEST);
        // Venue staff have no rates at all.
        let desk = office.signed_in(&app, "rates-desk", Role::VenueStaff { venue: f.venue }).await;
        assert_eq!(desk.get("/rates").await.status, StatusCode::FORBIDDEN);
        let _ = campaign;
    }

    async fn the_page_draws_a_bar_per_row_and_serves_its_live_part_apart(app) {
        let campaign = campaign(&app).await;
        let mut office = TestOffice::spawn(&app).await;
        let operator = office.signed_in(&app, "rates-page", Role::Operator).await;
        operator.get("/lang/en?back=/").await;

        let response = operator.http.get(operator.url(&format!("/rates?day={FIRST_DAY}"))).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let csp = response.headers()["content-security-policy"].to_str().unwrap().to_owned();
        assert!(csp.contains("script-src 'self'") && csp.contains("connect-src 'self'"), "{csp}");
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        let html = response.text().await.unwrap();
        assert!(html.contains("src=\"/static/rates.js\""));
        assert!(html.contains("data-live=\"/rates/live?institution=&#38;day=2026-12-10\""), "the script reads the same tables");
        // A bar per row: 6 + 5 + 2 days + 2 slots + 3 institutions.
        for (chart, bars) in [("institutions", 6), ("departments", 5), ("days", 2), ("slots", 2), ("vouchers", 3)] {
            let start = html.find(&format!("id=\"rates-chart-{chart}\"")).unwrap_or_else(|| panic!("{chart}"));
            let end = start + html[start..].find("</svg>").unwrap();
            assert_eq!(html[start..end].matches("<rect class=\"bar\"").count(), bars, "{chart}");
        }
        let start = html.find("id=\"rates-chart-campaign\"").unwrap();
        let end = start + html[start..].find("</svg>").unwrap();
        assert_eq!(html[start..end].matches("<rect class=\"column\"").count(), 38);
        let text = visible_text(&html);
        for shown in ["Per institution and user type", "66.7", "Total", "Medicine", "(no department)", "Logins seen", "Unknown"] {
            assert!(text.contains(shown), "{shown} in {text}");
        }
        assert!(!html.contains("style="), "nothing inline for the policy to refuse");

        // The live part: the same tables, marked as the fragment.
        let response = operator.http.get(operator.url(&format!("/rates/live?day={FIRST_DAY}"))).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["x-sesshu-fragment"], "rates");
        let part = response.text().await.unwrap();
        assert!(part.starts_with("<div class=\"rates-fragment\""), "{part}");
        assert!(!part.contains("<html") && !part.contains("<header"), "only the part");
        assert!(html.contains(part.trim()), "the page holds the same part");
        assert!(part.contains("id=\"rates-slots-table\""));

        // The script is served with the page's policy in mind: a file of ours.
        let script = operator.http.get(operator.url("/static/rates.js")).send().await.unwrap();
        assert_eq!(script.headers()["content-type"], "text/javascript; charset=utf-8");
        assert!(script.text().await.unwrap().contains("X-Sesshu-Fragment"));
        // The home page links to the dashboards, the menu too.
        let home = operator.get("/").await;
        assert!(home.html.contains("href=\"/rates\""));
        let _ = campaign;
    }
}

/// In headless Chromium: an operator's dashboard page, open, shows a
/// check-in that venue staff make in another browser session within
/// seconds, without reloading (`e2e/rates.mjs`); then, without
/// JavaScript, the page shows the same numbers when loaded.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_updates_itself_after_a_check_in_made_elsewhere() {
    let (script, artifacts, work) = prepare_script(
        "rates.mjs",
        "rates",
        &format!("sesshu_rates_browser_{}", std::process::id()),
    );
    let app = TestApp::spawn(Backend::Sqlite).await;
    let f = app.fixture.clone();
    let first = app.slot(1, FIRST_DAY, "10:00", f.lane_a, 10).await;
    let second = app.slot(2, SECOND_DAY, "10:00", f.lane_a, 10).await;
    let mut numbers = Vec::new();
    for login in ["b1", "b2"] {
        member(&app, f.uni, login, UserType::Staff, Some("MED"), false).await;
        let who = person(&app, f.uni, login, Some(UserType::Staff)).await;
        numbers.push(
            book(&app, who, first, second, tokyo("2026-12-01", "12:00"))
                .await
                .number
                .to_string(),
        );
    }
    app.clock.set(tokyo(FIRST_DAY, "09:30"));
    let mut office = TestOffice::spawn(&app).await;
    office.account(&app, "rates-watch", Role::Operator).await;
    office
        .account(&app, "rates-desk", Role::VenueStaff { venue: f.venue })
        .await;
    let p12 = office.pkcs12("rates PC", "rates-pc-p12");
    let env = vec![
        ("BASE_URL", office.base.clone()),
        ("P12_FILE", p12.to_string_lossy().into_owned()),
        ("P12_PASSWORD", "rates-pc-p12".to_owned()),
        ("ARTIFACTS", artifacts.to_string_lossy().into_owned()),
        ("OPERATOR_LOGIN", "rates-watch".to_owned()),
        ("VENUE_LOGIN", "rates-desk".to_owned()),
        ("PASSWORD", PASSWORD.to_owned()),
        ("NUMBER", numbers[0].clone()),
        ("DAY", FIRST_DAY.to_owned()),
    ];
    {
        let _one_browser = ONE_BROWSER.lock().await;
        let run = run_node(&script, &env, &work, "rates").await;
        eprintln!(
            "rates browser: {} in {:.1} s\n{}{}",
            run.status,
            run.took.as_secs_f64(),
            run.stdout,
            run.stderr
        );
        assert!(
            run.success,
            "the rates journey in the browser failed ({}); screenshots in {}\n--- stdout\n{}\n--- stderr\n{}",
            run.status,
            artifacts.display(),
            run.stdout,
            run.stderr
        );
    }
    // What the browser did: one check-in, by the desk, seen by the page.
    let checkins = audited(&app, "checkin").await;
    assert_eq!(checkins.len(), 1, "{checkins:?}");
    assert_eq!(checkins[0].role, "venue_staff");
    let ops = Operations::new(app.store.clone(), app.clock.clone());
    let scope = rates::scope(&ops, &actor("admin:0", Role::Operator), None)
        .await
        .unwrap();
    let read = rates::dashboards(&ops, scope).await.unwrap();
    assert_eq!(read.slots[0].checked_in, 1);
    let _ = std::fs::remove_dir_all(&work);
}
