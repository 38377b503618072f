//! The VRS file (ワクチン接種記録システム登録用) on both databases, over one
//! seeded day: doses given with their voucher collected (the rows), one
//! whose voucher's number was given and the paper not collected, one with
//! no voucher at all (both listed apart, never in the file), one decided
//! not to be given, and one given the next morning in Tokyo (the evening
//! before in UTC). Through the office: the counts, the download marking
//! its rows, "only new", the exported column, the audit trail, the roles;
//! the file read back by Python's `csv` module. Through `sesshu vrs
//! export`: a layout with names in Shift_JIS, refused while a name is not
//! in Shift_JIS, and a layout asking for a birth date refused.

use crate::helpers::*;
use crate::office_kit::*;
use crate::venue_kit::{Desk, book};
use reqwest::StatusCode;
use sesshu_domain::{
    AuditObject, Decision, InstitutionId, LotNumber, MailAddress, PersonId, Profile,
    ReservationNumber, Role, Series, Subject, UserType,
};
use sesshu_operations::vaccination;
use sesshu_operations::vrs::VrsColumns;
use sesshu_operations::{Actor, Operations};
use sesshu_store::{NewLot, NewMember, Owner, PersonLogin};
use sesshu_vault_open::Keyring;
use std::path::{Path, PathBuf};

/// The day of the period, and the next one.
const DAY: &str = "2026-12-10";
const NEXT_DAY: &str = "2026-12-11";

/// The reservations of the seeded day, by what happened to them.
struct Day {
    /// uni, given at 10:05, voucher Chiyoda 0000000001 collected.
    sato: Series,
    /// staffonly, given at 10:10, voucher Sendai 0000000002 collected; a
    /// name Shift_JIS cannot hold (𠮷).
    yoshida: Series,
    /// Given at 10:15; the voucher's number given, the paper not collected.
    paper_missing: Series,
    /// Given at 10:20; no voucher at all.
    no_voucher: Series,
    /// Checked in, decided not to be given.
    refused: Series,
    /// Given on the next day at 08:05 Tokyo (23:05 UTC on the day), its
    /// voucher collected.
    next_morning: Series,
}

/// A member with these names (sealed as a login would), and their person.
async fn person(
    app: &TestApp,
    institution: InstitutionId,
    login: &str,
    [kanji, kana, roman]: [&str; 3],
) -> PersonId {
    app.store
        .upsert_members(
            &[NewMember {
                institution,
                login: Subject::parse(login).unwrap(),
                password_hash: "unused".into(),
                user_type: UserType::Staff,
                department: None,
                personal: sesshu_auth::seal_profile(
                    app.vault.sealing_key(),
                    &Owner::login(institution.get(), login),
                    &Profile {
                        display_name: Some(roman.into()),
                        display_name_ja: Some(kanji.into()),
                        name_kana: Some(kana.into()),
                        mail: Some(MailAddress::parse(&format!("{login}@example.ac.jp")).unwrap()),
                    },
                )
                .unwrap(),
                disabled: false,
            }],
            start_of_tests(),
        )
        .await
        .unwrap();
    app.store
        .person_for_login(&PersonLogin {
            institution,
            subject: Subject::parse(login).unwrap(),
            user_type: Some(UserType::Staff),
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

/// The seeded day (see [`Day`]); the clock left at 18:00 on [`DAY`].
async fn seeded_day(app: &TestApp) -> Day {
    let f = app.fixture.clone();
    let first = app.slot(1, DAY, "10:00", f.lane_a, 10).await;
    let early = app.slot(1, NEXT_DAY, "08:00", f.lane_a, 10).await;
    let second = app.slot(2, "2027-01-07", "10:00", f.lane_a, 10).await;
    let second_early = app.slot(2, "2027-01-08", "08:00", f.lane_a, 10).await;
    let names = |kanji, kana, roman| [kanji, kana, roman];
    let sato = person(
        app,
        f.uni,
        "sato",
        names("佐藤 花子", "サトウ ハナコ", "Hanako Sato"),
    )
    .await;
    let yoshida = person(
        app,
        f.staff_only,
        "yoshida",
        names("𠮷田 太郎", "ヨシダ タロウ", "Taro Yoshida"),
    )
    .await;
    let suzuki = person(
        app,
        f.uni,
        "suzuki",
        names("鈴木 一郎", "スズキ イチロウ", "Ichiro Suzuki"),
    )
    .await;
    let tanaka = person(
        app,
        f.uni,
        "tanaka",
        names("田中 次郎", "タナカ ジロウ", "Jiro Tanaka"),
    )
    .await;
    let ito = person(
        app,
        f.uni,
        "ito",
        names("伊藤 三郎", "イトウ サブロウ", "Saburo Ito"),
    )
    .await;
    let kato = person(
        app,
        f.uni,
        "kato",
        names("加藤 四郎", "カトウ シロウ", "Shiro Kato"),
    )
    .await;
    let day = Day {
        sato: book(app, sato, first, second, start_of_tests()).await,
        yoshida: book(app, yoshida, first, second, start_of_tests()).await,
        paper_missing: book(app, suzuki, first, second, start_of_tests()).await,
        no_voucher: book(app, tanaka, first, second, start_of_tests()).await,
        refused: book(app, ito, first, second, start_of_tests()).await,
        next_morning: book(app, kato, early, second_early, start_of_tests()).await,
    };

    let role = Role::VenueStaff { venue: f.venue };
    let by = app.admin_account(role).await;
    let ops = Operations::new(app.store.clone(), app.clock.clone());
    let actor = Actor {
        name: format!("admin:{by}"),
        role,
        origin: "127.0.0.1".into(),
    };
    app.clock.set(tokyo(DAY, "09:30"));
    let lot = vaccination::register_lot(
        &ops,
        &actor,
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
    let desk = Desk {
        ops,
        keys: Keyring::new([app.vault.clone()]),
        actor,
        by,
        lot,
    };
    app.clock.set(tokyo(DAY, "10:30"));
    desk.check_in(&day.sato).await;
    desk.vaccinate(&day.sato, 1, tokyo(DAY, "10:05")).await;
    desk.check_in(&day.yoshida).await;
    desk.vaccinate(&day.yoshida, 1, tokyo(DAY, "10:10")).await;
    desk.check_in(&day.paper_missing).await;
    desk.vaccinate(&day.paper_missing, 1, tokyo(DAY, "10:15"))
        .await;
    desk.check_in(&day.no_voucher).await;
    desk.vaccinate(&day.no_voucher, 1, tokyo(DAY, "10:20"))
        .await;
    desk.voucher(&day.sato, 1, ("131016", "0000000001"), true)
        .await;
    desk.voucher(&day.yoshida, 1, ("041009", "0000000002"), true)
        .await;
    desk.voucher(&day.paper_missing, 1, ("131016", "0000000003"), false)
        .await;
    desk.check_in(&day.refused).await;
    desk.questionnaire(&day.refused, 1).await;
    let target = desk.target(&day.refused.number, 1).await;
    vaccination::decide(
        &desk.ops,
        &desk.keys,
        &desk.actor,
        by,
        &target,
        Decision::Refused,
        Some("declined at the desk"),
    )
    .await
    .unwrap();

    app.clock.set(tokyo(NEXT_DAY, "08:10"));
    desk.check_in(&day.next_morning).await;
    desk.vaccinate(&day.next_morning, 1, tokyo(NEXT_DAY, "08:05"))
        .await;
    desk.voucher(&day.next_morning, 1, ("131016", "0000000006"), true)
        .await;
    app.clock.set(tokyo(DAY, "18:00"));
    day
}

fn python() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../.test-env/venv/bin/python"
    ))
}

/// The rows of a CSV file as Python's `csv` module reads it in `encoding`.
fn python_reads(file: &Path, encoding: &str) -> Vec<Vec<String>> {
    let output = std::process::Command::new(python())
        .args([
            "-c",
            "import csv, json, sys\n\
             with open(sys.argv[1], newline='', encoding=sys.argv[2]) as f:\n\
             \x20   print(json.dumps(list(csv.reader(f)), ensure_ascii=False))",
        ])
        .arg(file)
        .arg(encoding)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

fn strings(rows: &[&[&str]]) -> Vec<Vec<String>> {
    rows.iter()
        .map(|row| row.iter().map(|c| (*c).to_owned()).collect())
        .collect()
}

/// A row of the default layout for a dose given on [`DAY`].
fn standard_row(
    municipality: &str,
    voucher: &str,
    institution: &str,
    number: &ReservationNumber,
    exported: &str,
) -> Vec<String> {
    [
        municipality,
        voucher,
        "20261210",
        "1",
        "武田薬品工業株式会社",
        "モデルナ",
        "AB-1234",
        "駅前会場",
        institution,
        &number.to_string(),
        exported,
    ]
    .map(str::to_owned)
    .to_vec()
}

/// The download of the office's form, as the browser posts it: status,
/// content type and the bytes as sent (a BOM kept).
async fn download(client: &OfficeClient, only_new: bool) -> (StatusCode, String, Vec<u8>) {
    let page = client.get(&format!("/lists/vrs?from={DAY}&to={DAY}")).await;
    let csrf = form_value(&page.html, "csrf");
    let mut form = vec![("csrf", csrf.as_str()), ("from", DAY), ("to", DAY)];
    if only_new {
        form.push(("only_new", "1"));
    }
    let response = client
        .http
        .post(client.url("/lists/vrs.csv"))
        .form(&form)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let kind = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, kind, response.bytes().await.unwrap().to_vec())
}

/// Writes `bytes` to a file of the test's own, for Python to read.
fn saved(bytes: &[u8]) -> PathBuf {
    let file = std::env::temp_dir().join(format!("{}.csv", unique("sesshu_vrs")));
    std::fs::write(&file, bytes).unwrap();
    file
}

/// The counts the page shows: new, exported before, without voucher, rows.
fn counts(page: &Answer) -> [String; 4] {
    [
        "vrs-new",
        "vrs-exported-before",
        "vrs-without-voucher",
        "vrs-rows",
    ]
    .map(|id| {
        let marker = format!("id=\"{id}\">");
        let start = page.html.find(&marker).unwrap_or_else(|| panic!("{id}")) + marker.len();
        let end = start + page.html[start..].find('<').unwrap();
        page.html[start..end].to_owned()
    })
}

on_both_databases! {
    async fn operators_hand_the_days_doses_to_vrs_once_and_see_what_to_chase(app) {
        let day = seeded_day(&app).await;
        let f = app.fixture.clone();
        let mut office = TestOffice::spawn(&app).await;
        let operator = office.signed_in(&app, "op", Role::Operator).await;

        // The form: today by default, only new ticked; the counts of the day.
        let first = operator.get("/lists/vrs").await;
        assert_eq!(first.status, StatusCode::OK);
        assert!(first.html.contains(&format!("name=\"from\" value=\"{DAY}\"")), "today");
        assert!(first.html.contains("name=\"only_new\" value=\"1\" checked"), "only new unless told");
        assert!(first.html.contains("href=\"/lists/vrs\""), "in the operator's menu");
        let page = operator.get(&format!("/lists/vrs?from={DAY}&to={DAY}&only_new=1")).await;
        assert_eq!(counts(&page), ["2", "0", "2", "2"].map(String::from));
        // The doses to chase: by reservation number and dose, no names.
        let text = visible_text(&page.html);
        for chased in [&day.paper_missing, &day.no_voucher] {
            assert!(page.html.contains(&format!("href=\"/reservations/{}\"", chased.number)), "{text}");
        }
        for other in [&day.sato, &day.yoshida, &day.refused, &day.next_morning] {
            assert!(!text.contains(&other.number.to_string()), "{} is not to chase: {text}", other.number);
        }
        assert!(page.html.contains("href=\"/vouchers/missing\""));
        for name in ["鈴木", "田中", "佐藤"] {
            assert!(!text.contains(name), "no names on the page: {text}");
        }
        assert!(audited(&app, "personal.view").await.is_empty(), "the counts open nothing");

        // The file: the two doses given with their voucher, in time order.
        let (status, kind, bytes) = download(&operator, true).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(kind, "text/csv; charset=utf-8");
        assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "UTF-8 with a BOM");
        let file = saved(&bytes);
        let rows = python_reads(&file, "utf-8-sig");
        let header = VrsColumns::standard().headers().into_iter().map(str::to_owned).collect::<Vec<_>>();
        assert_eq!(rows[0], header);
        assert_eq!(
            rows[1..],
            [
                standard_row("131016", "0000000001", "uni大学", &day.sato.number, ""),
                standard_row("041009", "0000000002", "staffonly大学", &day.yoshida.number, ""),
            ]
        );
        let _ = std::fs::remove_file(&file);

        // Audited: the vouchers opened for the file, then the export.
        let exports = audited(&app, "export.vrs").await;
        assert_eq!(exports.len(), 1);
        assert_eq!(exports[0].detail, "2 rows, 2 without voucher, utf8, only new");
        let period = [AuditObject::Period(day_of(DAY), day_of(DAY))];
        assert_eq!(exports[0].objects, period);
        assert_eq!(exports[0].role, "operator");
        let views = audited(&app, "personal.view").await;
        assert_eq!(views.len(), 1, "{views:?}");
        assert_eq!(views[0].detail, "vrs export: 2 doses: voucher");
        assert_eq!(views[0].objects, period);
        let trail = app.audit_text().await;
        for number in ["0000000001", "0000000002", "0000000003"] {
            assert!(!trail.contains(number), "no voucher number in the audit trail");
        }

        // Marked: nothing new now; again with only new, the header alone.
        let page = operator.get(&format!("/lists/vrs?from={DAY}&to={DAY}&only_new=1")).await;
        assert_eq!(counts(&page), ["0", "2", "2", "0"].map(String::from));
        let (status, _, bytes) = download(&operator, true).await;
        assert_eq!(status, StatusCode::OK);
        let file = saved(&bytes);
        assert_eq!(python_reads(&file, "utf-8-sig"), [header]);
        let _ = std::fs::remove_file(&file);

        // All of them: the same rows, with the day of their first export.
        app.clock.set(tokyo("2026-12-12", "09:00"));
        let page = operator.get(&format!("/lists/vrs?from={DAY}&to={DAY}")).await;
        assert!(!page.html.contains("name=\"only_new\" value=\"1\" checked"), "untick kept");
        assert_eq!(counts(&page), ["0", "2", "2", "2"].map(String::from));
        let (_, _, bytes) = download(&operator, false).await;
        let file = saved(&bytes);
        assert_eq!(
            python_reads(&file, "utf-8-sig")[1..],
            [
                standard_row("131016", "0000000001", "uni大学", &day.sato.number, "20261210"),
                standard_row("041009", "0000000002", "staffonly大学", &day.yoshida.number, "20261210"),
            ]
        );
        let _ = std::fs::remove_file(&file);
        let details: Vec<String> = audited(&app, "export.vrs").await.into_iter().map(|e| e.detail).collect();
        assert_eq!(
            details,
            [
                "2 rows, 2 without voucher, utf8, only new",
                "0 rows, 2 without voucher, utf8, only new",
                "2 rows, 2 without voucher, utf8, all",
            ]
        );
        let marks = app
            .store
            .registered_doses(tokyo(DAY, "00:00"), tokyo("2026-12-12", "00:00"), None)
            .await
            .unwrap();
        let exported: Vec<_> = marks.iter().filter_map(|d| d.vrs_exported.map(|m| (d.series, m))).collect();
        assert_eq!(
            exported,
            [(day.sato.id, (tokyo(DAY, "18:00"), 2)), (day.yoshida.id, (tokyo(DAY, "18:00"), 2))],
            "first export kept, counted twice"
        );

        // The next morning in Tokyo is the next day's, though it is the
        // evening before in UTC.
        let page = operator.get(&format!("/lists/vrs?from={NEXT_DAY}&to={NEXT_DAY}&only_new=1")).await;
        assert_eq!(counts(&page), ["1", "0", "0", "1"].map(String::from));

        // Operators and system administrators only.
        let system = office.signed_in(&app, "sys", Role::SystemAdmin).await;
        assert_eq!(system.get("/lists/vrs").await.status, StatusCode::OK);
        for (name, role) in [
            ("staff", Role::InstitutionStaff { institution: f.uni }),
            ("desk", Role::VenueStaff { venue: f.venue }),
        ] {
            let other = office.signed_in(&app, name, role).await;
            assert_eq!(other.get("/lists/vrs").await.status, StatusCode::FORBIDDEN, "{name}");
            let home = other.get("/").await;
            assert!(!home.html.contains("href=\"/lists/vrs\""), "not in the {name}'s menu");
            let refused = other.post("/lists/vrs.csv", &[("from", DAY), ("to", DAY)]).await;
            assert_eq!(refused.status, StatusCode::FORBIDDEN, "{name}");
        }
        assert_eq!(audited(&app, "export.vrs").await.len(), 3, "nothing more exported");
    }

    async fn the_command_writes_the_file_in_the_layouts_encoding_and_lists_the_vouchers_to_chase(app) {
        let day = seeded_day(&app).await;
        let dir = std::env::temp_dir().join(unique("sesshu_vrs_cli"));
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
        let layout = |name: &str, text: &str| std::fs::write(dir.join(name), text).unwrap();
        layout(
            "kanji.toml",
            "encoding = \"cp932\"\n\
             [[column]]\nheader = \"予約番号\"\nvalue = \"number\"\n\
             [[column]]\nheader = \"氏名\"\nvalue = \"name_kanji\"\n",
        );
        layout(
            "kana.toml",
            "encoding = \"cp932\"\n\
             [[column]]\nheader = \"接種日\"\nvalue = \"date\"\n\
             [[column]]\nheader = \"予約番号\"\nvalue = \"number\"\n\
             [[column]]\nheader = \"カナ氏名\"\nvalue = \"name_kana\"\n\
             [[column]]\nheader = \"ローマ字氏名\"\nvalue = \"name_roman\"\n\
             [[column]]\nheader = \"券番号\"\nvalue = \"voucher_number\"\n\
             [[column]]\nheader = \"生年月日\"\ntext = \"\"\n\
             [[column]]\nheader = \"出力済み\"\nvalue = \"exported\"\n",
        );
        layout(
            "birth.toml",
            "[[column]]\nheader = \"接種日\"\nvalue = \"date\"\n\
             [[column]]\nheader = \"生年月日\"\nvalue = \"birth_date\"\n",
        );
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
        let export = |columns: &str, only_new: bool| {
            let mut args = vec![
                "vrs", "export", "--from", DAY, "--to", DAY, "--columns", columns, "--out",
                "vrs.csv", "--config", "sesshu.toml",
            ];
            if only_new {
                args.push("--only-new");
            }
            sesshu(&args)
        };

        // A birth date: refused, saying where and what to write instead.
        let birth = export("birth.toml", false);
        assert!(!birth.status.success());
        let said = String::from_utf8_lossy(&birth.stderr);
        assert!(said.contains("birth.toml: line 6, column 9"), "{said}");
        assert!(said.contains("Sesshu holds no birth date") && said.contains("text = \"\""), "{said}");

        // Names in Shift_JIS while one is not in it: nothing written or marked.
        let kanji = export("kanji.toml", false);
        assert!(!kanji.status.success());
        let said = String::from_utf8_lossy(&kanji.stderr);
        assert!(said.contains("row 3 column 2: 𠮷"), "{said}");
        assert!(!dir.join("vrs.csv").exists());
        assert!(audited(&app, "export.vrs").await.is_empty());

        // Kana and roman names: written, marked, the doses to chase listed.
        let done = export("kana.toml", true);
        let stdout = String::from_utf8_lossy(&done.stdout);
        assert!(done.status.success(), "{stdout} {}", String::from_utf8_lossy(&done.stderr));
        assert!(stdout.contains("wrote 2 rows to vrs.csv, marked as exported (0 exported before left out, 2 without a collected voucher)"), "{stdout}");
        assert!(stdout.contains(&format!("  {} dose 1 {DAY}", day.paper_missing.number)), "{stdout}");
        assert!(stdout.contains(&format!("  {} dose 1 {DAY}", day.no_voucher.number)), "{stdout}");
        for name in ["Suzuki", "Tanaka", "スズキ"] {
            assert!(!stdout.contains(name), "no names in the report: {stdout}");
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join("vrs.csv")).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "the file is its owner's only");
        }
        let header = ["接種日", "予約番号", "カナ氏名", "ローマ字氏名", "券番号", "生年月日", "出力済み"];
        assert_eq!(
            python_reads(&dir.join("vrs.csv"), "cp932"),
            strings(&[
                &header,
                &["20261210", &day.sato.number.to_string(), "サトウ ハナコ", "Hanako Sato", "0000000001", "", ""],
                &["20261210", &day.yoshida.number.to_string(), "ヨシダ タロウ", "Taro Yoshida", "0000000002", "", ""],
            ])
        );
        let exports = audited(&app, "export.vrs").await;
        assert_eq!(exports.len(), 1);
        assert!(exports[0].actor.starts_with("cli:"), "{exports:?}");
        assert_eq!(exports[0].detail, "2 rows, 2 without voucher, cp932, only new");
        let views: Vec<String> = audited(&app, "personal.view").await.into_iter().map(|e| e.detail).collect();
        assert_eq!(
            views,
            [
                // The refused Shift_JIS file had opened the kanji first.
                "vrs export: 2 people: name_kanji",
                "vrs export: 2 people: name_kana,name_roman",
                "vrs export: 2 doses: voucher",
            ]
        );

        // Again with only new: nothing left; without it, the marks.
        let again = export("kana.toml", true);
        let stdout = String::from_utf8_lossy(&again.stdout);
        assert!(again.status.success(), "{stdout}");
        assert!(stdout.contains("wrote 0 rows to vrs.csv, marked as exported (2 exported before left out"), "{stdout}");
        assert_eq!(python_reads(&dir.join("vrs.csv"), "cp932"), strings(&[&header]));
        let all = export("kana.toml", false);
        assert!(all.status.success());
        let rows = python_reads(&dir.join("vrs.csv"), "cp932");
        assert_eq!(rows.len(), 3);
        // The command's clock is the real one: the day of the first mark.
        let first = app
            .store
            .registered_doses(tokyo(DAY, "00:00"), tokyo(NEXT_DAY, "00:00"), None)
            .await
            .unwrap()
            .into_iter()
            .find(|d| d.series == day.sato.id)
            .and_then(|d| d.vrs_exported)
            .unwrap();
        assert_eq!(first.1, 2, "exported twice");
        let first_day = first.0.with_timezone(&sesshu_domain::TOKYO).format("%Y%m%d").to_string();
        assert!(rows[1..].iter().all(|r| r[6] == first_day), "{first_day}: {rows:?}");

        // The default layout: UTF-8 with a BOM.
        let standard = sesshu(&["vrs", "export", "--from", DAY, "--to", DAY, "--out", "standard.csv", "--config", "sesshu.toml"]);
        assert!(standard.status.success(), "{}", String::from_utf8_lossy(&standard.stderr));
        let bytes = std::fs::read(dir.join("standard.csv")).unwrap();
        assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
        assert_eq!(python_reads(&dir.join("standard.csv"), "utf-8-sig")[1][..2], ["131016", "0000000001"]);
        let _ = std::fs::remove_dir_all(&dir);
    }
}

fn day_of(day: &str) -> chrono::NaiveDate {
    chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").unwrap()
}
