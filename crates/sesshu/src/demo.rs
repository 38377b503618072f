//! The demo consortium that `sesshu demo` seeds: four institutions, one
//! venue with four lanes, a two-dose vaccine, eight weeks of slots, and
//! demo members who log in with the password `demo`.

use anyhow::Context;
use chrono::{DateTime, Datelike, Days, NaiveTime, TimeZone, Utc, Weekday};
use sesshu_auth::PasswordPolicy;
use sesshu_domain::{
    ChangeDeadline, Contact, DepartmentCode, DoseInterval, DoseNumber, InstitutionCode,
    InstitutionId, SlotEligibility, Subject, TOKYO, UserType, tokyo_day,
};
use sesshu_store::{DynStore, NewInstitution, NewLane, NewMember, NewSlot, NewVaccine, NewVenue};

/// The password of every demo member.
pub const PASSWORD: &str = "demo";

struct DemoInstitution {
    code: &'static str,
    name_ja: &'static str,
    name_en: &'static str,
    office_ja: &'static str,
    office_en: &'static str,
    domain: &'static str,
    user_types: &'static [UserType],
}

const INSTITUTIONS: [DemoInstitution; 4] = [
    DemoInstitution {
        code: "demo",
        name_ja: "デモ大学",
        name_en: "Demo University",
        office_ja: "保健管理センター 接種担当",
        office_en: "Health Centre, vaccination desk",
        domain: "demo.example.ac.jp",
        user_types: &[UserType::Staff, UserType::Student],
    },
    DemoInstitution {
        code: "aoba",
        name_ja: "青葉大学",
        name_en: "Aoba University",
        office_ja: "人事課 ワクチン接種窓口",
        office_en: "Personnel Division, vaccination office",
        domain: "aoba.example.ac.jp",
        user_types: &[UserType::Staff, UserType::Student],
    },
    DemoInstitution {
        code: "hirose",
        name_ja: "広瀬工業高等専門学校",
        name_en: "Hirose College of Technology",
        office_ja: "学生課",
        office_en: "Student Affairs",
        domain: "hirose.example.ac.jp",
        user_types: &[UserType::Staff, UserType::Student],
    },
    DemoInstitution {
        code: "izumi",
        name_ja: "泉学院大学（第1期：教職員のみ）",
        name_en: "Izumi Gakuin University (first wave: staff only)",
        office_ja: "総務課",
        office_en: "General Affairs",
        domain: "izumi.example.ac.jp",
        user_types: &[UserType::Staff],
    },
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
    for demo in &INSTITUTIONS {
        let id = store
            .insert_institution(&NewInstitution {
                code: InstitutionCode::parse(demo.code)?,
                name_ja: demo.name_ja.into(),
                name_en: demo.name_en.into(),
                contact: Contact {
                    office_ja: demo.office_ja.into(),
                    office_en: demo.office_en.into(),
                    mail: format!("vaccine@{}", demo.domain),
                    phone: "022-000-0000".into(),
                    url: format!("https://www.{}/vaccination", demo.domain),
                },
                eligible_user_types: demo.user_types.iter().copied().collect(),
                deadline: ChangeDeadline::default(),
            })
            .await?;
        let members: Vec<NewMember> =
            [("staff1", UserType::Staff), ("student1", UserType::Student)]
                .into_iter()
                .map(|(login, user_type)| member(id, login, user_type, 0, &hash))
                .collect::<anyhow::Result<_>>()?;
        store.upsert_members(&members).await?;
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
        store.upsert_members(chunk).await?;
    }
    Ok(())
}

/// Logins of the named demo members, for the start-up message.
pub fn credentials() -> Vec<(String, &'static str)> {
    INSTITUTIONS
        .iter()
        .flat_map(|i| {
            ["staff1", "student1"]
                .into_iter()
                .map(move |login| (i.code.to_owned(), login))
        })
        .collect()
}
