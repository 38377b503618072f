//! The demo consortium that `sesshu demo` seeds: four institutions (from
//! `demo/institutions.toml`, in the master format), one venue with four
//! lanes, a two-dose vaccine, eight weeks of slots, and demo members who log
//! in with the password `demo`.

use anyhow::Context;
use chrono::{DateTime, Datelike, Days, NaiveTime, TimeZone, Utc, Weekday};
use sesshu_auth::PasswordPolicy;
use sesshu_domain::{
    DepartmentCode, DoseInterval, DoseNumber, InstitutionCode, InstitutionId, MailAddress, Profile,
    SlotEligibility, Subject, TOKYO, UserType, tokyo_day,
};
use sesshu_store::{DynStore, NewLane, NewMember, NewSlot, NewVaccine, NewVenue, Owner};
use sesshu_vault::SealingKey;

/// The password of every demo member.
pub const PASSWORD: &str = "demo";

/// The demo's institution master, in the import format.
const MASTER: &str = include_str!("../demo/institutions.toml");

/// The named members of every demo institution: login, type, names.
const DEMO_MEMBERS: [(&str, UserType, &str, &str, &str); 2] = [
    (
        "staff1",
        UserType::Staff,
        "青葉 太郎",
        "あおば たろう",
        "Taro Aoba",
    ),
    (
        "student1",
        UserType::Student,
        "広瀬 花子",
        "ひろせ はなこ",
        "Hanako Hirose",
    ),
];

const DEPARTMENTS: [&str; 5] = ["med", "eng", "sci", "let", "adm"];

/// Slot times of a day (Asia/Tokyo): 30 minutes each, lunch 12:00–13:00.
const TIMES: [(u32, u32); 12] = [
    (9, 30),
    (10, 0),
    (10, 30),
    (11, 0),
    (11, 30),
    (13, 0),
    (13, 30),
    (14, 0),
    (14, 30),
    (15, 0),
    (15, 30),
    (16, 0),
];
const LANES: [(&str, &str); 4] = [
    ("レーンA", "Lane A"),
    ("レーンB", "Lane B"),
    ("レーンC", "Lane C"),
    ("レーンD", "Lane D"),
];
/// People per lane per 30 minutes: one every three to four minutes.
const CAPACITY: u32 = 8;
/// First doses on the next 28 days, second doses on the 28 after.
const FIRST_DOSE_DAYS: u64 = 28;

/// What was seeded, for the start-up message.
#[derive(Debug)]
pub struct Seeded {
    pub created: bool,
    pub slots: usize,
}

/// Seeds the demo consortium unless the database already has institutions.
pub async fn seed(
    store: &DynStore,
    now: DateTime<Utc>,
    passwords: &PasswordPolicy,
    sealing: &SealingKey,
) -> anyhow::Result<Seeded> {
    if !store.institutions().await?.is_empty() {
        return Ok(Seeded {
            created: false,
            slots: 0,
        });
    }
    let hash = passwords
        .hash(PASSWORD)
        .context("hashing the demo password")?;
    let institutions = crate::master::parse(MASTER).context("the demo master")?;
    for upserted in store.upsert_institutions(&institutions).await? {
        let members: Vec<NewMember> = DEMO_MEMBERS
            .iter()
            .enumerate()
            .map(|(n, (login, user_type, kanji, kana, roman))| {
                let mut m = member(upserted.id, login, *user_type, n, &hash)?;
                let profile = Profile {
                    display_name: Some((*roman).to_owned()),
                    display_name_ja: Some((*kanji).to_owned()),
                    name_kana: Some((*kana).to_owned()),
                    mail: Some(MailAddress::parse(&format!(
                        "{login}@{}.example.ac.jp",
                        upserted.code
                    ))?),
                };
                let owner = Owner::login(upserted.id.get(), login);
                m.personal = sesshu_auth::seal_profile(sealing, &owner, &profile)?;
                Ok(m)
            })
            .collect::<anyhow::Result<_>>()?;
        store.upsert_members(&members, now).await?;
    }

    let venue = store
        .insert_venue(&NewVenue {
            name_ja: "仙台駅東口 大学拠点接種会場".into(),
            name_en: "Sendai Station East University Vaccination Centre".into(),
        })
        .await?;
    let mut lanes = Vec::new();
    for (ja, en) in LANES {
        lanes.push(
            store
                .insert_lane(&NewLane {
                    venue,
                    name_ja: ja.into(),
                    name_en: en.into(),
                })
                .await?,
        );
    }
    let vaccine = store
        .insert_vaccine(&NewVaccine {
            name_ja: "武田/モデルナ社ワクチン".into(),
            name_en: "Takeda/Moderna vaccine".into(),
            second_dose_after: Some(DoseInterval { days: 28 }),
            codes: sesshu_domain::VaccineCodes {
                cvx: "207".into(),
                maker: "武田薬品工業株式会社".into(),
            },
        })
        .await?;

    let today = tokyo_day(now);
    let mut slots = Vec::new();
    for offset in 1..=FIRST_DOSE_DAYS * 2 {
        let Some(day) = today.checked_add_days(Days::new(offset)) else {
            continue;
        };
        if day.weekday() == Weekday::Sun {
            continue;
        }
        let dose = if offset <= FIRST_DOSE_DAYS {
            DoseNumber::FIRST
        } else {
            DoseNumber::SECOND
        };
        for (h, m) in TIMES {
            let Some(start) = NaiveTime::from_hms_opt(h, m, 0)
                .and_then(|t| TOKYO.from_local_datetime(&day.and_time(t)).earliest())
            else {
                continue;
            };
            let starts_at = start.with_timezone(&Utc);
            for &lane in &lanes {
                slots.push(NewSlot {
                    venue,
                    lane,
                    vaccine,
                    dose,
                    starts_at,
                    ends_at: starts_at + chrono::Duration::minutes(30),
                    capacity: CAPACITY,
                    opens_at: now,
                    eligibility: SlotEligibility::default(),
                });
            }
        }
    }
    store.insert_slots(&slots).await?;
    Ok(Seeded {
        created: true,
        slots: slots.len(),
    })
}

fn member(
    institution: InstitutionId,
    login: &str,
    user_type: UserType,
    n: usize,
    hash: &str,
) -> anyhow::Result<NewMember> {
    Ok(NewMember {
        institution,
        login: Subject::parse(login)?,
        password_hash: hash.to_owned(),
        user_type,
        department: Some(DepartmentCode::parse(DEPARTMENTS[n % DEPARTMENTS.len()])?),
        personal: Vec::new(),
        disabled: false,
    })
}

/// Adds members `member00001` … `memberNNNNN` to institution `demo`, for
/// load tests. They share one password hash (of `demo`): computing tens of
/// thousands of Argon2id hashes would take longer than the test.
pub async fn add_people(
    store: &DynStore,
    people: usize,
    passwords: &PasswordPolicy,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    if people == 0 {
        return Ok(());
    }
    anyhow::ensure!(people <= 99_999, "--people is at most 99999");
    let code = InstitutionCode::parse("demo")?;
    let demo = store
        .institution_by_code(&code)
        .await?
        .context("the demo institution is missing")?;
    let hash = passwords
        .hash(PASSWORD)
        .context("hashing the demo password")?;
    let members: Vec<NewMember> = (1..=people)
        .map(|n| {
            let user_type = if n % 5 == 0 {
                UserType::Staff
            } else {
                UserType::Student
            };
            member(demo.id, &format!("member{n:05}"), user_type, n, &hash)
        })
        .collect::<anyhow::Result<_>>()?;
    for chunk in members.chunks(5_000) {
        store.upsert_members(chunk, now).await?;
    }
    Ok(())
}

/// Logins of the named demo members, for the start-up message.
pub fn credentials() -> anyhow::Result<Vec<(String, &'static str)>> {
    let institutions = crate::master::parse(MASTER).context("the demo master")?;
    Ok(institutions
        .iter()
        .flat_map(|i| {
            DEMO_MEMBERS
                .iter()
                .map(move |(login, ..)| (i.code.to_string(), *login))
        })
        .collect())
}

/// The password of every demo administrator account.
pub const OFFICE_PASSWORD: &str = "demo-office-pass";
/// The sender of the demo's mails (to the outbox folder).
pub const MAIL_FROM: &str = "vaccine-noreply@demo.example.ac.jp";
/// The password of the demo browser certificate (`office-browser.p12`).
pub const CERTIFICATE_PASSWORD: &str = "demo";

/// The demo's administrator accounts: login and role (institution staff of
/// the first demo institution, venue staff of the demo venue).
pub const OFFICE_ACCOUNTS: [(&str, &str); 4] = [
    ("admin", "system_admin"),
    ("operator", "operator"),
    ("institution", "institution_staff"),
    ("venue", "venue_staff"),
];

/// Creates the demo administrator accounts unless there are accounts.
pub async fn seed_admins(store: &DynStore, passwords: &PasswordPolicy) -> anyhow::Result<()> {
    if !store.admins().await?.is_empty() {
        return Ok(());
    }
    let first = store
        .institutions()
        .await?
        .into_iter()
        .next()
        .context("the demo institutions are missing")?;
    let venue = store
        .catalog()
        .await?
        .venues
        .first()
        .map(|v| v.id.get())
        .context("the demo venue is missing")?;
    for (login, role) in OFFICE_ACCOUNTS {
        crate::admins::add(
            store,
            passwords,
            crate::admins::AddAccount {
                login: login.to_owned(),
                role: role.to_owned(),
                institution: (role == "institution_staff").then(|| first.code.to_string()),
                venue: (role == "venue_staff").then_some(venue),
                directory: "builtin".to_owned(),
                password: Some(OFFICE_PASSWORD.to_owned()),
            },
        )
        .await?;
    }
    Ok(())
}

/// The demo office's certificates: a CA, the listener's certificate for
/// `localhost` and `127.0.0.1`, and one browser certificate.
#[derive(Debug)]
pub struct OfficePki {
    pub tls: sesshu_office::tls::TlsFiles,
    /// The browser certificate to import (password [`CERTIFICATE_PASSWORD`]).
    pub browser_p12: std::path::PathBuf,
    /// The same as PEM files, for curl (`--cert`, `--key`).
    pub browser_cert: std::path::PathBuf,
    pub browser_key: std::path::PathBuf,
}

/// Makes the demo office's certificates in `data/office-pki` on first start.
pub fn office_pki(data: &std::path::Path) -> anyhow::Result<OfficePki> {
    use sesshu_pki::{Ca, OffsetDateTime, Validity};
    let dir = data.join("office-pki");
    let ca_dir = dir.join("ca");
    let pki = OfficePki {
        tls: sesshu_office::tls::TlsFiles {
            cert: dir.join("server.pem"),
            key: dir.join("server.key"),
            client_ca: ca_dir.join(sesshu_pki::CA_CERT),
            client_crl: Some(ca_dir.join(sesshu_pki::CRL)),
        },
        browser_p12: dir.join("office-browser.p12"),
        browser_cert: dir.join("office-browser.pem"),
        browser_key: dir.join("office-browser.key"),
    };
    if pki.browser_p12.exists() {
        return Ok(pki);
    }
    let now = OffsetDateTime::now_utc();
    let mut ca = if ca_dir.join(sesshu_pki::CA_CERT).exists() {
        Ca::open(&ca_dir)?
    } else {
        Ca::create(&ca_dir, "Sesshu demo office CA", now)?
    };
    let server = ca.issue_server(
        &["localhost".to_owned(), "127.0.0.1".to_owned()],
        Validity::days(now, 365),
    )?;
    write_private(&pki.tls.key, server.key_pem().as_bytes())?;
    std::fs::write(&pki.tls.cert, server.chain_pem())?;
    let browser = ca.issue_client("Sesshu demo office browser", Validity::days(now, 365))?;
    write_private(&pki.browser_key, browser.key_pem().as_bytes())?;
    std::fs::write(&pki.browser_cert, browser.cert_pem())?;
    write_private(&pki.browser_p12, &browser.to_pkcs12(CERTIFICATE_PASSWORD)?)?;
    Ok(pki)
}

/// Writes a file only its owner can read (created with mode 0600).
fn write_private(path: &std::path::Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    file.write_all(bytes)
        .with_context(|| format!("cannot write {}", path.display()))
}
