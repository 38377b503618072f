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
                let owner = Owner::login(upserted.id.0, login);
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
