//! Retention: how long an institution's personal data is kept after its
//! campaign, and what deleting it leaves behind.
//!
//! An institution's consent text promises a time ("deleted one year after
//! the vaccination campaign ends"). The office records the day the
//! campaign ended for that institution and, where its text promises
//! something else than the consortium's default, its own number of months.
//! The data is kept through the day `ended + months` (Asia/Tokyo) and is
//! due from the day after. An institution whose campaign has no end day is
//! never due: nothing is deleted before someone says the campaign is over.
//!
//! What the purge deletes and what it keeps is in `docs/retention.md`; the
//! statements are in `crates/store-sql/src/retention.rs`. What it leaves is
//! anonymous: the rows the vaccination rates count stay, their logins
//! replaced by [`Pseudonym`]s, so the rates read the same after it.

use crate::{ParseError, tokyo_day};
use chrono::{DateTime, Months, NaiveDate, Utc};
use rand::Rng;
use std::fmt;

/// A number of months personal data is kept after a campaign ends: 0 (the
/// day after it) to 120 (ten years).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RetentionMonths(u16);

impl RetentionMonths {
    /// The longest retention a setting may ask for.
    pub const MAX: u16 = 120;

    pub fn new(months: u16) -> Result<Self, ParseError> {
        if months <= Self::MAX {
            Ok(Self(months))
        } else {
            Err(ParseError::new(
                "retention",
                format!("expected 0 to {} months", Self::MAX),
            ))
        }
    }

    pub fn parse(s: &str) -> Result<Self, ParseError> {
        s.trim()
            .parse::<u16>()
            .map_err(|_| ParseError::new("retention", "expected a number of months"))
            .and_then(Self::new)
    }

    pub fn get(self) -> u16 {
        self.0
    }
}

impl fmt::Display for RetentionMonths {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// An institution's retention as the office set it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RetentionRule {
    /// The last day of the institution's campaign (Asia/Tokyo); `None`:
    /// not over, nothing is due.
    pub campaign_ended_on: Option<NaiveDate>,
    /// The months its consent text promises; `None`: the consortium's
    /// default.
    pub months: Option<RetentionMonths>,
}

impl RetentionRule {
    /// The months that apply, the institution's own or `default`.
    pub fn months(&self, default: RetentionMonths) -> RetentionMonths {
        self.months.unwrap_or(default)
    }

    /// The last day the personal data is kept (Asia/Tokyo): the campaign's
    /// end plus the months (the 31st of a shorter month is its last day).
    /// `None` while the campaign has no end day.
    pub fn kept_until(&self, default: RetentionMonths) -> Option<NaiveDate> {
        let ended = self.campaign_ended_on?;
        Some(
            ended
                .checked_add_months(Months::new(u32::from(self.months(default).get())))
                .unwrap_or(NaiveDate::MAX),
        )
    }

    /// Whether the institution's time is past on the Asia/Tokyo day of
    /// `now`: from the day after [`Self::kept_until`].
    pub fn is_due(&self, default: RetentionMonths, now: DateTime<Utc>) -> bool {
        self.kept_until(default)
            .is_some_and(|until| tokyo_day(now) > until)
    }
}

/// A login's replacement once the purge has run: `~` and 32 hexadecimal
/// digits (128 random bits), the same for one login in every table that
/// held it (roster, persons, doses elsewhere), so counts per person stay
/// right, and derived from nothing: the login cannot be found from it.
/// (It is a valid [`crate::Subject`]: the rows read back as before.)
#[derive(Clone, PartialEq, Eq)]
pub struct Pseudonym(String);

impl Pseudonym {
    pub fn generate(rng: &mut impl Rng) -> Self {
        let bits: u128 = rng.random();
        Self(format!("~{bits:032x}"))
    }

    /// Whether `subject` is a pseudonym (a purge's, not a login).
    pub fn is_one(subject: &str) -> bool {
        subject.len() == 33
            && subject.starts_with('~')
            && subject[1..]
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Pseudonym {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Pseudonym(..)")
    }
}

/// What a purge deleted or replaced for one institution (or would, in a
/// dry run): counts of rows per kind, never a value. The audit entry's
/// detail is [`PurgeCounts::detail`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PurgeCounts {
    /// Sealed names and mail addresses (`personal_data`) deleted.
    pub personal_data: u64,
    /// Sealed questionnaire answers, decision reasons and voucher numbers
    /// (`dose_data`) deleted.
    pub dose_data: u64,
    /// Roster members whose login was replaced and password removed.
    pub members: u64,
    /// People seen by a login whose login was replaced.
    pub persons: u64,
    /// Doses elsewhere whose login was replaced and place cleared.
    pub external_doses: u64,
    /// Consent records deleted.
    pub consents: u64,
    /// Live sessions of the institution's people deleted.
    pub sessions: u64,
    /// Idempotency keys of their bookings deleted.
    pub idempotency_keys: u64,
    /// Mail jobs whose appointment snapshot, error and SMTP reply were
    /// cleared (pending ones given up).
    pub mails: u64,
    /// Check-in tokens (the confirmation's QR code) cleared.
    pub check_in_tokens: u64,
    /// Dose records whose vaccinator's name was cleared.
    pub given_by: u64,
}

/// The kinds of a [`PurgeCounts`], in report order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PurgeKind {
    PersonalData,
    DoseData,
    Members,
    Persons,
    ExternalDoses,
    Consents,
    Sessions,
    IdempotencyKeys,
    Mails,
    CheckInTokens,
    GivenBy,
}

impl PurgeKind {
    pub const ALL: [PurgeKind; 11] = [
        PurgeKind::PersonalData,
        PurgeKind::DoseData,
        PurgeKind::Members,
        PurgeKind::Persons,
        PurgeKind::ExternalDoses,
        PurgeKind::Consents,
        PurgeKind::Sessions,
        PurgeKind::IdempotencyKeys,
        PurgeKind::Mails,
        PurgeKind::CheckInTokens,
        PurgeKind::GivenBy,
    ];

    /// The code in the audit detail and reports: the table's name, or the
    /// column's.
    pub fn code(self) -> &'static str {
        match self {
            PurgeKind::PersonalData => "personal_data",
            PurgeKind::DoseData => "dose_data",
            PurgeKind::Members => "members",
            PurgeKind::Persons => "persons",
            PurgeKind::ExternalDoses => "external_doses",
            PurgeKind::Consents => "consents",
            PurgeKind::Sessions => "sessions",
            PurgeKind::IdempotencyKeys => "idempotency_keys",
            PurgeKind::Mails => "mail_jobs",
            PurgeKind::CheckInTokens => "check_in_tokens",
            PurgeKind::GivenBy => "given_by",
        }
    }

    /// What a report says of it.
    pub fn name(self, lang: crate::Language) -> &'static str {
        use crate::Language::{En, Ja};
        match (self, lang) {
            (PurgeKind::PersonalData, Ja) => "氏名・メールアドレス (暗号化) の削除",
            (PurgeKind::PersonalData, En) => "sealed names and mail addresses deleted",
            (PurgeKind::DoseData, Ja) => "予診票の回答・判断理由・接種券番号 (暗号化) の削除",
            (PurgeKind::DoseData, En) => {
                "sealed questionnaire answers, reasons and voucher numbers deleted"
            }
            (PurgeKind::Members, Ja) => "名簿のログインIDを仮名に置換・パスワード削除",
            (PurgeKind::Members, En) => "roster logins pseudonymised, passwords removed",
            (PurgeKind::Persons, Ja) => "ログインした人のIDを仮名に置換",
            (PurgeKind::Persons, En) => "people's logins pseudonymised",
            (PurgeKind::ExternalDoses, Ja) => "他所での接種のIDを仮名に置換・場所の削除",
            (PurgeKind::ExternalDoses, En) => "doses elsewhere pseudonymised, places cleared",
            (PurgeKind::Consents, Ja) => "同意記録の削除",
            (PurgeKind::Consents, En) => "consent records deleted",
            (PurgeKind::Sessions, Ja) => "セッションの削除",
            (PurgeKind::Sessions, En) => "sessions deleted",
            (PurgeKind::IdempotencyKeys, Ja) => "予約要求キーの削除",
            (PurgeKind::IdempotencyKeys, En) => "booking request keys deleted",
            (PurgeKind::Mails, Ja) => "メールの内容・応答の削除",
            (PurgeKind::Mails, En) => "mail contents and replies cleared",
            (PurgeKind::CheckInTokens, Ja) => "受付用QRコードの無効化",
            (PurgeKind::CheckInTokens, En) => "check-in codes cleared",
            (PurgeKind::GivenBy, Ja) => "接種者 (医療従事者) 名の削除",
            (PurgeKind::GivenBy, En) => "vaccinators' names cleared",
        }
    }
}

impl PurgeCounts {
    pub fn get(&self, kind: PurgeKind) -> u64 {
        match kind {
            PurgeKind::PersonalData => self.personal_data,
            PurgeKind::DoseData => self.dose_data,
            PurgeKind::Members => self.members,
            PurgeKind::Persons => self.persons,
            PurgeKind::ExternalDoses => self.external_doses,
            PurgeKind::Consents => self.consents,
            PurgeKind::Sessions => self.sessions,
            PurgeKind::IdempotencyKeys => self.idempotency_keys,
            PurgeKind::Mails => self.mails,
            PurgeKind::CheckInTokens => self.check_in_tokens,
            PurgeKind::GivenBy => self.given_by,
        }
    }

    /// Each kind with its count, in report order.
    pub fn kinds(&self) -> impl Iterator<Item = (PurgeKind, u64)> + '_ {
        PurgeKind::ALL.into_iter().map(|k| (k, self.get(k)))
    }

    pub fn total(&self) -> u64 {
        self.kinds().map(|(_, n)| n).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.total() == 0
    }

    /// The audit entry's detail: `personal_data=4 dose_data=6 …`, every
    /// kind, counts only.
    pub fn detail(&self) -> String {
        self.kinds()
            .map(|(k, n)| format!("{}={n}", k.code()))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::TOKYO;
    use chrono::TimeZone;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn tokyo(date: &str, h: u32, m: u32) -> DateTime<Utc> {
        TOKYO
            .from_local_datetime(&day(date).and_hms_opt(h, m, 0).unwrap())
            .single()
            .unwrap()
            .with_timezone(&Utc)
    }

    fn year() -> RetentionMonths {
        RetentionMonths::new(12).unwrap()
    }

    fn ended(on: &str, months: Option<u16>) -> RetentionRule {
        RetentionRule {
            campaign_ended_on: Some(day(on)),
            months: months.map(|m| RetentionMonths::new(m).unwrap()),
        }
    }

    #[test]
    fn a_campaign_without_an_end_day_is_never_due() {
        let rule = RetentionRule::default();
        assert_eq!(rule.kept_until(year()), None);
        assert!(!rule.is_due(RetentionMonths::new(0).unwrap(), tokyo("2099-01-01", 0, 0)));
    }

    #[test]
    fn the_data_is_kept_through_the_last_day_and_due_from_the_next_tokyo_midnight() {
        let rule = ended("2027-03-31", None);
        assert_eq!(rule.kept_until(year()), Some(day("2028-03-31")));
        assert!(!rule.is_due(year(), tokyo("2028-03-31", 23, 59)));
        assert!(rule.is_due(year(), tokyo("2028-04-01", 0, 0)));
    }

    #[test]
    fn the_day_is_tokyos_not_utcs() {
        let rule = ended("2027-03-31", None);
        // 2028-03-31 15:30 UTC is already 1 April in Tokyo.
        let now = Utc.with_ymd_and_hms(2028, 3, 31, 15, 30, 0).unwrap();
        assert!(rule.is_due(year(), now));
        // 14:59 UTC is still 31 March in Tokyo.
        let before = Utc.with_ymd_and_hms(2028, 3, 31, 14, 59, 0).unwrap();
        assert!(!rule.is_due(year(), before));
    }

    #[test]
    fn an_institutions_own_months_win_over_the_default() {
        let six = ended("2027-03-31", Some(6));
        assert_eq!(six.kept_until(year()), Some(day("2027-09-30")));
        assert!(six.is_due(year(), tokyo("2027-10-01", 0, 0)));
        let none = ended("2027-03-31", Some(0));
        assert!(!none.is_due(year(), tokyo("2027-03-31", 12, 0)));
        assert!(none.is_due(year(), tokyo("2027-04-01", 0, 0)));
    }

    #[test]
    fn a_month_end_stays_within_the_shorter_month() {
        let rule = ended("2027-08-31", Some(6));
        assert_eq!(rule.kept_until(year()), Some(day("2028-02-29")));
    }

    #[test]
    fn retention_months_are_bounded() {
        assert_eq!(RetentionMonths::parse(" 12 ").unwrap().get(), 12);
        assert!(RetentionMonths::parse("0").is_ok());
        assert!(RetentionMonths::parse("121").is_err());
        assert!(RetentionMonths::parse("-1").is_err());
        assert!(RetentionMonths::parse("a year").is_err());
    }

    #[test]
    fn pseudonyms_are_random_recognisable_and_valid_logins() {
        let mut rng = rand::rng();
        let a = Pseudonym::generate(&mut rng);
        let b = Pseudonym::generate(&mut rng);
        assert_ne!(a, b);
        assert!(Pseudonym::is_one(a.as_str()), "{}", a.as_str());
        assert!(crate::Subject::parse(a.as_str()).is_ok());
        for login in [
            "u1",
            "~",
            "~abc",
            "sato@aoba.ac.jp",
            &format!("~{}", "g".repeat(32)),
        ] {
            assert!(!Pseudonym::is_one(login), "{login}");
        }
    }

    #[test]
    fn the_audit_detail_is_counts_of_every_kind() {
        let counts = PurgeCounts {
            personal_data: 4,
            members: 2,
            ..PurgeCounts::default()
        };
        assert_eq!(
            counts.detail(),
            "personal_data=4 dose_data=0 members=2 persons=0 external_doses=0 consents=0 \
             sessions=0 idempotency_keys=0 mail_jobs=0 check_in_tokens=0 given_by=0"
        );
        assert_eq!(counts.total(), 6);
        assert!(PurgeCounts::default().is_empty());
    }
}
