//! The institution master file (マスタ): what `sesshu institutions import`
//! reads and `… export` writes. TOML, one `[[institution]]` table each; see
//! `docs/institutions.md` for every field.
//!
//! The whole file is checked before anything is written: a syntax or type
//! error names the line, column and key (the TOML parser's report), a rule
//! the types cannot express names the institution and field.

use chrono::NaiveTime;
use serde::{Deserialize, Serialize};
use sesshu_domain::{
    AttributeMapping, ChangeDeadline, ConsentText, Contact, Department, Institution,
    InstitutionCode, LoginMethod, MailSettings, UserType,
};
use sesshu_store::NewInstitution;
use std::collections::{BTreeSet, HashSet};
use std::fmt;

/// The file: `[[institution]]` tables.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MasterFile {
    #[serde(default)]
    pub institution: Vec<Entry>,
}

/// One institution's master record.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub code: InstitutionCode,
    pub name_ja: String,
    pub name_en: String,
    /// Who may book: `["staff", "student"]`.
    pub eligible_user_types: BTreeSet<UserType>,
    #[serde(default)]
    pub contact: Contact,
    /// The mails' sender and notice (what to bring): `[institution.mail]`.
    #[serde(default)]
    pub mail: MailSettings,
    #[serde(default)]
    pub deadline: Deadline,
    #[serde(default)]
    pub login: LoginMethod,
    #[serde(default)]
    pub attributes: AttributeMapping,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consent: Option<ConsentText>,
    #[serde(default, rename = "department")]
    pub departments: Vec<Department>,
}

/// The change deadline as the file writes it: `days_before = 3`, `at = "12:00"`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deadline {
    pub days_before: u32,
    /// Asia/Tokyo time of day, `HH:MM`.
    pub at: String,
}

impl Default for Deadline {
    fn default() -> Self {
        Self {
            days_before: 3,
            at: "12:00".into(),
        }
    }
}

/// What is wrong with a master file; every problem, not only the first.
#[derive(Debug)]
pub struct MasterErrors(pub Vec<String>);

impl fmt::Display for MasterErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for MasterErrors {}

/// Parses and checks a master file.
pub fn parse(text: &str) -> Result<Vec<NewInstitution>, MasterErrors> {
    let file: MasterFile = toml::from_str(text).map_err(|e| MasterErrors(vec![e.to_string()]))?;
    let mut errors = Vec::new();
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for (i, entry) in file.institution.into_iter().enumerate() {
        let at = format!("institution #{} ({})", i + 1, entry.code);
        if !seen.insert(entry.code.clone()) {
            errors.push(format!("{at}: code: appears twice in the file"));
        }
        match check(entry) {
            Ok(new) => out.push(new),
            Err(problems) => errors.extend(
                problems
                    .into_iter()
                    .map(|(field, message)| format!("{at}: {field}: {message}")),
            ),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(MasterErrors(errors))
    }
}

/// Checks one institution's record: every rule the types cannot express,
/// each problem as (field, message).
pub fn check(entry: Entry) -> Result<NewInstitution, Vec<(&'static str, String)>> {
    let mut errors: Vec<(&'static str, String)> = Vec::new();
    let mut problem = |field: &'static str, message: String| errors.push((field, message));
    for (field, value) in [("name_ja", &entry.name_ja), ("name_en", &entry.name_en)] {
        if value.trim().is_empty() {
            problem(field, "must not be empty".into());
        }
    }
    if entry.eligible_user_types.is_empty() {
        problem(
            "eligible_user_types",
            "name at least one of \"staff\", \"student\"".into(),
        );
    }
    let at_time = NaiveTime::parse_from_str(&entry.deadline.at, "%H:%M");
    if at_time.is_err() {
        problem(
            "deadline.at",
            format!("{:?} is not a time like \"12:00\"", entry.deadline.at),
        );
    }
    if entry.deadline.days_before > 60 {
        problem("deadline.days_before", "must be 60 or less".into());
    }
    match &entry.login {
        LoginMethod::Builtin => {}
        LoginMethod::Ldap(ldap) => {
            if let Err(e) = ldap.check() {
                problem("login", e.reason);
            }
        }
        LoginMethod::Saml(saml) => {
            if let Err(e) = saml.check() {
                problem("login", e.reason);
            }
        }
    }
    if entry.attributes.user_type.trim().is_empty() {
        problem("attributes.user_type", "must name an attribute".into());
    }
    if let Some(consent) = &entry.consent {
        for (field, value) in [
            ("consent.version", &consent.version),
            ("consent.text_ja", &consent.text_ja),
            ("consent.text_en", &consent.text_en),
        ] {
            if value.trim().is_empty() {
                problem(field, "must not be empty".into());
            }
        }
    }
    let mut codes = HashSet::new();
    for d in &entry.departments {
        if !codes.insert(d.code.clone()) {
            problem("department", format!("code {} appears twice", d.code));
        }
    }
    for (value, code) in &entry.attributes.departments {
        if !entry.departments.iter().any(|d| &d.code == code) {
            problem(
                "attributes.departments",
                format!("{value:?} maps to {code}, which is not a [[institution.department]]"),
            );
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let new = NewInstitution {
        code: entry.code,
        name_ja: entry.name_ja,
        name_en: entry.name_en,
        contact: entry.contact,
        mail: entry.mail,
        eligible_user_types: entry.eligible_user_types,
        deadline: ChangeDeadline {
            days_before: entry.deadline.days_before,
            at: at_time.unwrap_or(NaiveTime::MIN),
        },
        login: entry.login,
        attributes: entry.attributes,
        consent: entry.consent,
        departments: entry.departments,
    };
    Ok(new)
}

/// Writes the master file of `institutions`.
pub fn render(institutions: &[Institution]) -> Result<String, toml::ser::Error> {
    let file = MasterFile {
        institution: institutions.iter().map(entry).collect(),
    };
    toml::to_string_pretty(&file)
}

/// An institution's record as the file writes it.
pub fn entry(i: &Institution) -> Entry {
    Entry {
        code: i.code.clone(),
        name_ja: i.name_ja.clone(),
        name_en: i.name_en.clone(),
        eligible_user_types: i.eligible_user_types.clone(),
        contact: i.contact.clone(),
        mail: i.mail.clone(),
        deadline: Deadline {
            days_before: i.deadline.days_before,
            at: i.deadline.at.format("%H:%M").to_string(),
        },
        login: i.login.clone(),
        attributes: i.attributes.clone(),
        consent: i.consent.clone(),
        departments: i.departments.clone(),
    }
}

/// The attribute mapping and the departments, as the office's page edits
/// them in one TOML text: `[attributes]` and `[[department]]`.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    #[serde(default)]
    pub attributes: AttributeMapping,
    // Absent when empty: a person adding the first `[[department]]` would
    // otherwise meet `department = []` above it.
    #[serde(default, rename = "department", skip_serializing_if = "Vec::is_empty")]
    pub departments: Vec<Department>,
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
[[institution]]
code = "aoba"
name_ja = "青葉大学"
name_en = "Aoba University"
eligible_user_types = ["staff", "student"]
deadline = { days_before = 2, at = "17:00" }

[institution.contact]
office_ja = "人事課"
office_en = "Personnel"
mail = "vaccine@aoba.example.ac.jp"

[institution.mail]
from = "vaccine-noreply@aoba.example.ac.jp"
notice_ja = "学生証と予診票をお持ちください。"
notice_en = "Bring your student card and the questionnaire."

[institution.login]
method = "ldap"
url = "ldaps://ldap.aoba.example.ac.jp"
base = "ou=people,dc=aoba,dc=example"
filter = "(&(objectClass=inetOrgPerson)(uid={login}))"
search_as = { dn = "cn=sesshu,dc=aoba,dc=example", password = { file = "/etc/sesshu/aoba.secret" } }

[institution.attributes]
user_type = "employeeType"
staff = ["staff"]
student = ["student"]
department = "ou"
display_name_ja = "cn;lang-ja"
departments = { "工学部" = "eng" }

[institution.consent]
version = "2026-11"
text_ja = "同意文"
text_en = "Consent text"

[[institution.department]]
code = "eng"
name_ja = "工学部"
name_en = "Engineering"

[[institution]]
code = "kita"
name_ja = "北大学"
name_en = "Kita University"
eligible_user_types = ["staff"]
"#;

    #[test]
    fn a_good_file_parses_with_defaults_filled_in() {
        let all = parse(GOOD).unwrap();
        assert_eq!(all.len(), 2);
        let aoba = &all[0];
        assert_eq!(aoba.deadline.days_before, 2);
        assert_eq!(aoba.deadline.at, NaiveTime::from_hms_opt(17, 0, 0).unwrap());
        assert!(matches!(aoba.login, LoginMethod::Ldap(_)));
        assert_eq!(
            aoba.attributes.mail.as_deref(),
            Some("mail"),
            "defaults fill the rest"
        );
        assert_eq!(aoba.consent.as_ref().unwrap().version, "2026-11");
        assert_eq!(
            aoba.mail.from.as_ref().map(|m| m.as_str()),
            Some("vaccine-noreply@aoba.example.ac.jp")
        );
        assert!(aoba.mail.notice_ja.contains("学生証"));
        let kita = &all[1];
        assert_eq!(
            kita.mail,
            MailSettings::default(),
            "no mail section: defaults"
        );
        assert_eq!(kita.login, LoginMethod::Builtin);
        assert_eq!(kita.deadline, ChangeDeadline::default());
    }

    #[test]
    fn syntax_and_type_errors_name_the_line_and_key() {
        let bad = GOOD.replace("ldaps://ldap.aoba", "ftp://ldap.aoba");
        let error = parse(&bad).unwrap_err().to_string();
        assert!(
            error.contains("line 19") && error.contains("[institution.login]"),
            "{error}"
        );
        assert!(error.contains("ldap://"), "{error}");
        let injected = GOOD.replace(
            "from = \"vaccine-noreply@aoba.example.ac.jp\"",
            "from = \"a@b.example\\r\\nBcc: all@example.com\"",
        );
        let error = parse(&injected).unwrap_err().to_string();
        assert!(
            error.contains("[institution.mail]") || error.contains("from"),
            "a sender with a line break is refused: {error}"
        );
        let typo = GOOD.replace("name_en = \"Kita", "nmae_en = \"Kita");
        let error = parse(&typo).unwrap_err().to_string();
        assert!(error.contains("nmae_en"), "{error}");
    }

    #[test]
    fn every_rule_broken_is_reported_with_its_field() {
        let bad = GOOD
            .replace(
                "eligible_user_types = [\"staff\"]",
                "eligible_user_types = []",
            )
            .replace("at = \"17:00\"", "at = \"5pm\"")
            .replace(
                "ldaps://ldap.aoba.example.ac.jp",
                "ldap://ldap.aoba.example.ac.jp",
            )
            .replace("\"工学部\" = \"eng\"", "\"工学部\" = \"engx\"");
        let errors = parse(&bad).unwrap_err().0;
        let all = errors.join("\n");
        assert!(
            all.contains("institution #2 (kita): eligible_user_types"),
            "{all}"
        );
        assert!(all.contains("institution #1 (aoba): deadline.at"), "{all}");
        assert!(
            all.contains("institution #1 (aoba): login: passwords would cross"),
            "{all}"
        );
        assert!(all.contains("attributes.departments"), "{all}");
        assert_eq!(errors.len(), 4, "{all}");
    }

    #[test]
    fn duplicate_codes_are_refused() {
        let twice = format!(
            "{GOOD}\n{}",
            &GOOD[GOOD.rfind("[[institution]]").unwrap()..]
        );
        let error = parse(&twice).unwrap_err().to_string();
        assert!(error.contains("(kita): code: appears twice"), "{error}");
    }
}
