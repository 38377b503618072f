//! Helpers both backends use to turn stored columns into domain values.

use crate::StoreError;
use chrono::{DateTime, NaiveTime, Utc};
use sesshu_domain::SeriesState;
use sesshu_domain::{
    AttributeMapping, ChangeDeadline, ConsentText, DepartmentCode, DoseInterval, DoseNumber,
    InstitutionId, LoginMethod, Role, StaffDirectory, Subject, UserType, VenueId,
};
use std::collections::BTreeSet;

pub fn user_types(s: &str) -> Result<BTreeSet<UserType>, StoreError> {
    s.split(',')
        .filter(|t| !t.is_empty())
        .map(|t| UserType::parse(t).map_err(StoreError::from))
        .collect()
}

/// Institution ids as `1,2,3` (an aggregate of a slot's rows).
pub fn institution_ids(
    s: Option<String>,
) -> Result<BTreeSet<sesshu_domain::InstitutionId>, StoreError> {
    s.unwrap_or_default()
        .split(',')
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<i64>()
                .map(sesshu_domain::InstitutionId::new)
                .map_err(StoreError::corrupt)
        })
        .collect()
}

/// A slot's quotas as `institution:places:held,…`.
pub fn quotas(
    s: Option<String>,
) -> Result<
    std::collections::BTreeMap<sesshu_domain::InstitutionId, sesshu_domain::Quota>,
    StoreError,
> {
    s.unwrap_or_default()
        .split(',')
        .filter(|s| !s.is_empty())
        .map(|triple| {
            let mut parts = triple.split(':').map(|p| p.parse::<i64>());
            match (parts.next(), parts.next(), parts.next()) {
                (Some(Ok(institution)), Some(Ok(places)), Some(Ok(held))) => Ok((
                    sesshu_domain::InstitutionId::new(institution),
                    sesshu_domain::Quota {
                        places: count(places)?,
                        held: count(held)?,
                    },
                )),
                _ => Err(StoreError::corrupt(format!("quota {triple:?}"))),
            }
        })
        .collect()
}

pub fn user_types_text(set: &BTreeSet<UserType>) -> String {
    set.iter().map(|t| t.as_str()).collect::<Vec<_>>().join(",")
}

pub fn deadline(days_before: i64, minutes: i64) -> Result<ChangeDeadline, StoreError> {
    let days_before = u32::try_from(days_before).map_err(StoreError::corrupt)?;
    let minutes = u32::try_from(minutes).map_err(StoreError::corrupt)?;
    let at = NaiveTime::from_num_seconds_from_midnight_opt(minutes * 60, 0)
        .ok_or_else(|| StoreError::corrupt("deadline time out of range"))?;
    Ok(ChangeDeadline { days_before, at })
}

pub fn deadline_minutes(d: &ChangeDeadline) -> i64 {
    use chrono::Timelike;
    i64::from(d.at.num_seconds_from_midnight() / 60)
}

pub fn dose(n: i64) -> Result<DoseNumber, StoreError> {
    let n = u8::try_from(n).map_err(StoreError::corrupt)?;
    Ok(DoseNumber::new(n)?)
}

pub fn count(n: i64) -> Result<u32, StoreError> {
    u32::try_from(n).map_err(StoreError::corrupt)
}

pub fn interval(days: Option<i64>) -> Result<Option<DoseInterval>, StoreError> {
    days.map(|d| {
        u32::try_from(d)
            .map(|days| DoseInterval { days })
            .map_err(StoreError::corrupt)
    })
    .transpose()
}

pub fn state(s: &str) -> Result<SeriesState, StoreError> {
    Ok(SeriesState::parse(s)?)
}

pub fn department(s: Option<String>) -> Result<Option<DepartmentCode>, StoreError> {
    Ok(s.map(|s| DepartmentCode::parse(&s)).transpose()?)
}

pub fn user_type(s: Option<String>) -> Result<Option<UserType>, StoreError> {
    Ok(s.map(|s| UserType::parse(&s)).transpose()?)
}

pub fn login(json: &str) -> Result<LoginMethod, StoreError> {
    serde_json::from_str(json).map_err(StoreError::corrupt)
}

pub fn attributes(json: &str) -> Result<AttributeMapping, StoreError> {
    serde_json::from_str(json).map_err(StoreError::corrupt)
}

pub fn json(value: &impl serde::Serialize) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(StoreError::corrupt)
}

pub fn consent(
    version: Option<String>,
    ja: Option<String>,
    en: Option<String>,
) -> Option<ConsentText> {
    match (version, ja, en) {
        (Some(version), Some(text_ja), Some(text_en)) => Some(ConsentText {
            version,
            text_ja,
            text_en,
        }),
        _ => None,
    }
}

pub fn string_list(json: &str) -> Result<Vec<String>, serde_json::Error> {
    serde_json::from_str(json)
}

/// An audit entry as stored: its time to the second (both databases
/// keep that much, and the chain hashes what is stored).
pub fn audit_entry(entry: &sesshu_domain::AuditEntry) -> sesshu_domain::AuditEntry {
    let mut stored = entry.clone();
    stored.at = DateTime::from_timestamp(entry.at.timestamp(), 0).unwrap_or(entry.at);
    stored
}

/// An administrator account from its columns.
#[allow(clippy::too_many_arguments)]
pub fn admin(
    id: i64,
    directory: &str,
    login: &str,
    role: &str,
    institution: Option<i64>,
    venue: Option<i64>,
    disabled: bool,
    created_at: DateTime<Utc>,
    last_login_at: Option<DateTime<Utc>>,
) -> Result<sesshu_domain::AdminAccount, StoreError> {
    Ok(sesshu_domain::AdminAccount {
        id: sesshu_domain::AdminId::new(id),
        directory: StaffDirectory::from_key(directory)?,
        login: Subject::parse(login)?,
        role: Role::from_parts(
            role,
            institution.map(InstitutionId::new),
            venue.map(VenueId::new),
        )?,
        disabled,
        created_at,
        last_login_at,
    })
}

pub fn mail(s: Option<String>) -> Result<Option<sesshu_domain::MailAddress>, StoreError> {
    Ok(s.map(|s| sesshu_domain::MailAddress::parse(&s))
        .transpose()?)
}
