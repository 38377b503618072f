//! The vaccination day's rules: the check-in token of a confirmation, the
//! vaccine lots of a venue, the questionnaire (予診票) answers that decide,
//! the doctor's decision and the vaccination given.
//!
//! What a person's dose went through is a [`DoseRecord`]: checked in, the
//! questionnaire collected, a decision, and, if the decision was to
//! vaccinate, the vaccination (time, lot, who gave it, which arm).

use crate::{ParseError, SeriesId, VaccineId, VenueId};
use chrono::{DateTime, NaiveDate, Utc};
use rand::Rng;
use std::collections::BTreeSet;
use std::fmt;

crate::ids::id!(
    /// A vaccine lot of a venue's register.
    LotId
);

/// The token a confirmation's QR code carries: 128 random bits as 32
/// upper-case hex digits (QR alphanumeric mode, small enough for a phone's
/// screen). Not derived from the reservation: it says nothing of the
/// person or the number, and a change of the reservation replaces it.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct CheckInToken(String);

impl CheckInToken {
    /// Its length in hex digits.
    pub const LEN: usize = 32;

    pub fn generate(rng: &mut impl Rng) -> Self {
        let bits: u128 = rng.random();
        Self(format!("{bits:032X}"))
    }

    /// A token as scanned or typed: surrounding spaces (a handheld scanner's
    /// line end) and the letters' case do not matter.
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let s = s.trim();
        if s.len() != Self::LEN || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(ParseError::new(
                "check-in token",
                format!("not {} hex digits", Self::LEN),
            ));
        }
        Ok(Self(s.to_ascii_uppercase()))
    }

    /// As stored and as the QR code carries it.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Redacted: whoever holds the token can be checked in as its person.
impl fmt::Debug for CheckInToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CheckInToken(..)")
    }
}

/// A lot number (ロット番号) as printed on the vial's box: letters, digits
/// and hyphens, at most 20.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LotNumber(String);

impl LotNumber {
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let s = s.trim();
        if s.is_empty() || s.chars().count() > 20 {
            return Err(ParseError::new("lot number", "1 to 20 characters"));
        }
        if !s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(ParseError::new(
                "lot number",
                "only letters, digits and hyphens",
            ));
        }
        Ok(Self(s.to_ascii_uppercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for LotNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A lot of a venue's register.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lot {
    pub id: LotId,
    pub venue: VenueId,
    pub vaccine: VaccineId,
    pub number: LotNumber,
    /// The last day (Asia/Tokyo) a dose of it may be given.
    pub expires_on: NaiveDate,
    /// The doses it holds.
    pub doses: u32,
    /// The doses given from it.
    pub used: u32,
}

/// Why a lot gives no dose.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LotRefusal {
    #[error("the lot expired")]
    Expired,
    #[error("the lot has no dose left")]
    Empty,
    #[error("the lot is of another vaccine")]
    OtherVaccine,
    #[error("the lot is registered at another venue")]
    OtherVenue,
}

impl Lot {
    pub fn left(&self) -> u32 {
        self.doses.saturating_sub(self.used)
    }

    /// Whether a dose of `vaccine` at `venue` on `day` may come from it.
    pub fn gives(
        &self,
        venue: VenueId,
        vaccine: VaccineId,
        day: NaiveDate,
    ) -> Result<(), LotRefusal> {
        if self.venue != venue {
            Err(LotRefusal::OtherVenue)
        } else if self.vaccine != vaccine {
            Err(LotRefusal::OtherVaccine)
        } else if day > self.expires_on {
            Err(LotRefusal::Expired)
        } else if self.left() == 0 {
            Err(LotRefusal::Empty)
        } else {
            Ok(())
        }
    }
}

/// Why a step of a dose's record was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DoseRefusal {
    #[error("the dose is not checked in")]
    NotCheckedIn,
    #[error("the reservation is not active")]
    NotActive,
    #[error("the questionnaire is not collected yet")]
    NoQuestionnaire,
    #[error("a decision was recorded already (correct it instead)")]
    AlreadyDecided,
    #[error("the decision was not to vaccinate")]
    NotToVaccinate,
    #[error("the vaccination was recorded already (correct it instead)")]
    AlreadyVaccinated,
    #[error("a postponement needs its reason")]
    ReasonMissing,
    #[error("who gave the vaccine is missing")]
    GivenByMissing,
    #[error("{0}")]
    Lot(LotRefusal),
    #[error("a lot with this number is registered at the venue already")]
    DuplicateLot,
}

/// The doctor's decision after the questionnaire.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Decision {
    Vaccinate,
    /// Not today: another day (a fever, a recent other vaccine, …).
    Postpone,
    /// Not vaccinated: a contraindication.
    Contraindicated,
    /// Not vaccinated: the person decided against it.
    Refused,
    /// Not vaccinated: the person was unwell.
    Unwell,
}

impl Decision {
    pub const ALL: [Decision; 5] = [
        Decision::Vaccinate,
        Decision::Postpone,
        Decision::Contraindicated,
        Decision::Refused,
        Decision::Unwell,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Vaccinate => "vaccinate",
            Decision::Postpone => "postpone",
            Decision::Contraindicated => "contraindicated",
            Decision::Refused => "refused",
            Decision::Unwell => "unwell",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.as_str() == s)
    }

    /// Whether the series ends here (not vaccinated, for good).
    pub fn ends_series(self) -> bool {
        matches!(
            self,
            Decision::Contraindicated | Decision::Refused | Decision::Unwell
        )
    }

    /// Whether the decision must say why (a postponement: until when, and
    /// why, for the next appointment).
    pub fn needs_reason(self) -> bool {
        self == Decision::Postpone
    }
}

/// Where the vaccine was given.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Site {
    LeftArm,
    RightArm,
}

impl Site {
    pub const ALL: [Site; 2] = [Site::LeftArm, Site::RightArm];

    pub fn as_str(self) -> &'static str {
        match self {
            Site::LeftArm => "left_arm",
            Site::RightArm => "right_arm",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// The yes/no items of the questionnaire (予診票) a doctor must look at
/// when answered "yes" (the rest of the form stays on paper).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Concern {
    /// 今日、体に具合の悪いところがある
    UnwellToday,
    /// 現在、何らかの病気で治療（投薬など）を受けている
    UnderTreatment,
    /// 薬や食品などで、重いアレルギー症状（アナフィラキシーなど）を起こしたことがある
    SevereAllergy,
    /// 以前の予防接種で具合が悪くなったことがある
    EarlierReaction,
    /// 2週間以内に他の予防接種を受けた
    OtherVaccineRecently,
    /// 妊娠している、または可能性がある
    Pregnant,
    /// 血が止まりにくい病気がある、または抗凝固薬を飲んでいる
    Bleeding,
    /// けいれんを起こしたことがある
    Seizures,
}

impl Concern {
    pub const ALL: [Concern; 8] = [
        Concern::UnwellToday,
        Concern::UnderTreatment,
        Concern::SevereAllergy,
        Concern::EarlierReaction,
        Concern::OtherVaccineRecently,
        Concern::Pregnant,
        Concern::Bleeding,
        Concern::Seizures,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Concern::UnwellToday => "unwell_today",
            Concern::UnderTreatment => "under_treatment",
            Concern::SevereAllergy => "severe_allergy",
            Concern::EarlierReaction => "earlier_reaction",
            Concern::OtherVaccineRecently => "other_vaccine_recently",
            Concern::Pregnant => "pregnant",
            Concern::Bleeding => "bleeding",
            Concern::Seizures => "seizures",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// A body temperature in tenths of a degree Celsius, as the questionnaire
/// records it (35.0-42.0).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Temperature(u16);

impl Temperature {
    /// From 37.5 °C the doctor looks before vaccinating.
    pub const FEVER: Temperature = Temperature(375);

    /// As typed: `36.5`, `36,5` or full-width digits.
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let normal: String = s
            .trim()
            .chars()
            .map(|c| match c {
                '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
                '．' | ',' => '.',
                c => c,
            })
            .collect();
        let (whole, tenth) = normal.split_once('.').unwrap_or((&normal, "0"));
        let bad = || ParseError::new("temperature", "a temperature such as 36.5");
        if whole.is_empty() || tenth.len() != 1 {
            return Err(bad());
        }
        let whole: u16 = whole.parse().map_err(|_| bad())?;
        let tenth: u16 = tenth.parse().map_err(|_| bad())?;
        let t = whole
            .checked_mul(10)
            .and_then(|w| w.checked_add(tenth))
            .ok_or_else(bad)?;
        if !(350..=420).contains(&t) {
            return Err(ParseError::new("temperature", "between 35.0 and 42.0"));
        }
        Ok(Self(t))
    }

    pub fn tenths(self) -> u16 {
        self.0
    }
}

impl fmt::Display for Temperature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.0 / 10, self.0 % 10)
    }
}

/// The questionnaire's answers that decide: the temperature taken at the
/// venue and the items answered "yes". Personal (health) data: sealed, and
/// its `Debug` shows nothing.
#[derive(Clone, PartialEq, Eq)]
pub struct Questionnaire {
    pub temperature: Temperature,
    pub concerns: BTreeSet<Concern>,
}

impl fmt::Debug for Questionnaire {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Questionnaire(..)")
    }
}

impl Questionnaire {
    /// Whether a doctor must look before vaccinating: a fever, or any item
    /// answered "yes".
    pub fn needs_doctor(&self) -> bool {
        self.temperature >= Temperature::FEVER || !self.concerns.is_empty()
    }

    /// As sealed: `t=365;c=severe_allergy,pregnant`.
    pub fn to_text(&self) -> String {
        let concerns: Vec<&str> = self.concerns.iter().map(|c| c.as_str()).collect();
        format!("t={};c={}", self.temperature.0, concerns.join(","))
    }

    /// Back from [`Questionnaire::to_text`].
    pub fn from_text(s: &str) -> Result<Self, ParseError> {
        let bad = || ParseError::new("questionnaire", "not a sealed questionnaire");
        let (t, c) = s.split_once(';').ok_or_else(bad)?;
        let t: u16 = t
            .strip_prefix("t=")
            .ok_or_else(bad)?
            .parse()
            .map_err(|_| bad())?;
        let c = c.strip_prefix("c=").ok_or_else(bad)?;
        let concerns = c
            .split(',')
            .filter(|s| !s.is_empty())
            .map(|s| Concern::parse(s).ok_or_else(bad))
            .collect::<Result<_, _>>()?;
        Ok(Self {
            temperature: Temperature(t),
            concerns,
        })
    }
}

/// The vaccination given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Vaccinated {
    pub at: DateTime<Utc>,
    pub lot: LotId,
    /// Who gave it (a doctor's or nurse's name or staff code, as the venue
    /// writes it on the form).
    pub given_by: String,
    pub site: Site,
}

/// What a dose went through after its check-in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DoseRecord {
    pub series: SeriesId,
    pub dose: crate::DoseNumber,
    /// When the questionnaire was collected.
    pub questionnaire_at: Option<DateTime<Utc>>,
    pub decision: Option<(Decision, DateTime<Utc>)>,
    pub vaccinated: Option<Vaccinated>,
}

impl DoseRecord {
    pub fn empty(series: SeriesId, dose: crate::DoseNumber) -> Self {
        Self {
            series,
            dose,
            questionnaire_at: None,
            decision: None,
            vaccinated: None,
        }
    }

    /// What is still to do at the venue, in order.
    pub fn next_step(&self) -> Step {
        match (&self.questionnaire_at, &self.decision, &self.vaccinated) {
            (None, None, None) => Step::Questionnaire,
            (_, None, _) => Step::Decision,
            (_, Some((Decision::Vaccinate, _)), None) => Step::Vaccination,
            _ => Step::Done,
        }
    }
}

/// The venue's next step for a dose.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    Questionnaire,
    Decision,
    Vaccination,
    Done,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DoseNumber;

    #[test]
    fn a_token_is_32_hex_digits_and_reads_back_as_scanned() {
        let token = CheckInToken::generate(&mut rand::rng());
        assert_eq!(token.as_str().len(), 32);
        let scanned = format!("  {}\r\n", token.as_str().to_ascii_lowercase());
        assert_eq!(CheckInToken::parse(&scanned).unwrap(), token);
        assert!(CheckInToken::parse("ABCD").is_err());
        assert!(CheckInToken::parse(&"G".repeat(32)).is_err());
        assert_ne!(token, CheckInToken::generate(&mut rand::rng()));
        assert_eq!(format!("{token:?}"), "CheckInToken(..)");
    }

    #[test]
    fn temperatures_read_as_typed_and_stay_in_range() {
        assert_eq!(Temperature::parse("36.5").unwrap().tenths(), 365);
        assert_eq!(Temperature::parse("３７．５").unwrap(), Temperature::FEVER);
        assert_eq!(Temperature::parse("37").unwrap().tenths(), 370);
        assert_eq!(Temperature::parse("36,8").unwrap().to_string(), "36.8");
        for bad in ["", "36.55", "hot", "34.9", "42.1", ".5", "3 6.5"] {
            assert!(Temperature::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_fever_or_any_yes_sends_the_questionnaire_to_the_doctor() {
        let calm = Questionnaire {
            temperature: Temperature::parse("36.4").unwrap(),
            concerns: BTreeSet::new(),
        };
        assert!(!calm.needs_doctor());
        let fever = Questionnaire {
            temperature: Temperature::FEVER,
            ..calm.clone()
        };
        assert!(fever.needs_doctor());
        let allergy = Questionnaire {
            concerns: [Concern::SevereAllergy].into(),
            ..calm
        };
        assert!(allergy.needs_doctor());
        assert_eq!(
            Questionnaire::from_text(&allergy.to_text()).unwrap(),
            allergy
        );
        assert_eq!(format!("{allergy:?}"), "Questionnaire(..)");
    }

    #[test]
    fn a_lot_gives_doses_of_its_vaccine_at_its_venue_until_it_expires_or_runs_out() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 3).unwrap();
        let lot = Lot {
            id: LotId::new(1),
            venue: VenueId::new(1),
            vaccine: VaccineId::new(1),
            number: LotNumber::parse("ab-1234").unwrap(),
            expires_on: day,
            doses: 2,
            used: 1,
        };
        assert_eq!(lot.number.as_str(), "AB-1234");
        assert_eq!(lot.gives(VenueId::new(1), VaccineId::new(1), day), Ok(()));
        let tomorrow = day.succ_opt().unwrap();
        assert_eq!(
            lot.gives(VenueId::new(1), VaccineId::new(1), tomorrow),
            Err(LotRefusal::Expired)
        );
        assert_eq!(
            lot.gives(VenueId::new(2), VaccineId::new(1), day),
            Err(LotRefusal::OtherVenue)
        );
        assert_eq!(
            lot.gives(VenueId::new(1), VaccineId::new(2), day),
            Err(LotRefusal::OtherVaccine)
        );
        let used_up = Lot { used: 2, ..lot };
        assert_eq!(
            used_up.gives(VenueId::new(1), VaccineId::new(1), day),
            Err(LotRefusal::Empty)
        );
        assert!(LotNumber::parse("").is_err());
        assert!(LotNumber::parse("ロット").is_err());
    }

    #[test]
    fn the_venue_goes_questionnaire_decision_vaccination() {
        let at = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let mut record = DoseRecord::empty(SeriesId::new(1), DoseNumber::FIRST);
        assert_eq!(record.next_step(), Step::Questionnaire);
        record.questionnaire_at = Some(at);
        assert_eq!(record.next_step(), Step::Decision);
        record.decision = Some((Decision::Vaccinate, at));
        assert_eq!(record.next_step(), Step::Vaccination);
        record.vaccinated = Some(Vaccinated {
            at,
            lot: LotId::new(1),
            given_by: "Dr A".into(),
            site: Site::LeftArm,
        });
        assert_eq!(record.next_step(), Step::Done);
        record.vaccinated = None;
        record.decision = Some((Decision::Postpone, at));
        assert_eq!(record.next_step(), Step::Done);
        assert!(Decision::Refused.ends_series());
        assert!(!Decision::Postpone.ends_series());
        for d in Decision::ALL {
            assert_eq!(Decision::parse(d.as_str()), Some(d));
        }
    }
}
