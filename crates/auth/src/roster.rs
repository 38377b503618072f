//! Member uploads (名簿): a CSV of an institution's members, checked whole,
//! compared with the directory, then written into it — Sesshu's built-in
//! directory, or the LDAP directory the operator hosts for the institution.
//!
//! Columns (a header row names them; order free, names fixed):
//!
//! | column | required | meaning |
//! |---|---|---|
//! | `login` | yes | the login id (unique in the file) |
//! | `user_type` | yes | `staff` / `student` (also 教職員, 職員, 教員 / 学生) |
//! | `name_kanji`, `name_kana`, `name_roman` | no | the name in kanji, its reading in kana, in Latin letters |
//! | `mail` | no | one mail address |
//! | `department` | no | a department code of the institution |
//! | `password` | for new members | an initial password (8+ characters), or an Argon2id PHC hash (`$argon2id$…`) |
//!
//! The file may be UTF-8 (with or without BOM) or CP932 (Shift_JIS, as
//! Excel saves it in Japan). Every problem is reported with its line and
//! column; a file with any problem changes nothing.

use sesshu_domain::Language;
use sesshu_domain::upload;
use sesshu_domain::{DepartmentCode, MailAddress, Profile, Subject, UserType};
use std::collections::{BTreeMap, HashMap};
use std::fmt;

/// A problem in the file, at a line (1 = the header) and maybe a column.
pub use sesshu_domain::upload::UploadError as RosterError;

/// The password column of a row.
#[derive(Clone, PartialEq, Eq)]
pub enum Password {
    /// To be hashed by Sesshu (built-in) or the LDAP server (Password
    /// Modify operation).
    Plain(String),
    /// Already an Argon2id PHC string.
    Hash(String),
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Password::Plain(_) => "Password::Plain(..)",
            Password::Hash(_) => "Password::Hash(..)",
        })
    }
}

/// One member, as the upload says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RosterRow {
    pub line: usize,
    pub login: Subject,
    pub user_type: UserType,
    pub department: Option<DepartmentCode>,
    pub profile: Profile,
    pub password: Option<Password>,
}

/// A member as the directory has it now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Current {
    pub login: Subject,
    pub user_type: Option<UserType>,
    pub department: Option<DepartmentCode>,
    pub profile: Profile,
    /// Disabled members cannot log in (no usable password).
    pub disabled: bool,
}

/// What to do with members the upload no longer lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum MissingMembers {
    /// They can no longer log in; their entry stays (the default).
    #[default]
    Disable,
    /// Their entry is deleted.
    Remove,
    /// Left as they are (a partial upload).
    Keep,
}

/// The changes an upload makes, before they are made.
#[derive(Clone, Debug, Default)]
pub struct Plan {
    pub add: Vec<RosterRow>,
    /// Changed members, with the names of the changed fields.
    pub update: Vec<(RosterRow, Vec<&'static str>)>,
    pub unchanged: usize,
    /// Listed before, not in the upload: disabled or removed.
    pub disable: Vec<Subject>,
    pub remove: Vec<Subject>,
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.add.is_empty()
            && self.update.is_empty()
            && self.disable.is_empty()
            && self.remove.is_empty()
    }
}

const COLUMNS: [&str; 8] = [
    "login",
    "user_type",
    "name_kanji",
    "name_kana",
    "name_roman",
    "mail",
    "department",
    "password",
];

/// Decodes an upload: UTF-8 (a BOM is dropped), else CP932.
pub fn decode(bytes: &[u8]) -> Result<String, RosterError> {
    upload::decode(bytes, Language::En)
}

fn user_type(value: &str) -> Option<UserType> {
    match value.trim() {
        "staff" | "教職員" | "職員" | "教員" => Some(UserType::Staff),
        "student" | "学生" => Some(UserType::Student),
        _ => None,
    }
}

/// Parses and checks a whole upload; every problem is reported.
pub fn parse(text: &str) -> Result<Vec<RosterRow>, Vec<RosterError>> {
    let (records, mut errors) =
        upload::table(text, &COLUMNS, &["login", "user_type"], Language::En);
    let mut rows = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for record in records {
        let line = record.line;
        let field = |name: &str| record.get(name);
        let mut problem = |name: &str, message: String| errors.push(record.problem(name, message));

        let login = match field("login").map(Subject::parse) {
            Some(Ok(login)) => Some(login),
            Some(Err(e)) => {
                problem("login", e.reason);
                None
            }
            None => {
                problem("login", "is empty".into());
                None
            }
        };
        if let Some(login) = &login
            && let Some(first) = seen.insert(login.as_str().to_lowercase(), line)
        {
            problem("login", format!("also on line {first}"));
        }
        let kind = match field("user_type") {
            Some(v) => {
                let t = user_type(v);
                if t.is_none() {
                    problem(
                        "user_type",
                        format!("{v:?} is neither staff (教職員) nor student (学生)"),
                    );
                }
                t
            }
            None => {
                problem("user_type", "is empty".into());
                None
            }
        };
        let department = match field("department") {
            Some(v) => match DepartmentCode::parse(v) {
                Ok(d) => Some(d),
                Err(e) => {
                    problem("department", e.reason);
                    None
                }
            },
            None => None,
        };
        let mail = match field("mail") {
            Some(v) => match MailAddress::parse(v) {
                Ok(m) => Some(m),
                Err(e) => {
                    problem("mail", e.reason);
                    None
                }
            },
            None => None,
        };
        let password = match field("password") {
            Some(v) if v.starts_with("$argon2id$") => Some(Password::Hash(v.to_owned())),
            Some(v) if v.chars().count() < 8 => {
                problem(
                    "password",
                    "an initial password needs at least 8 characters".into(),
                );
                None
            }
            Some(v) => Some(Password::Plain(v.to_owned())),
            None => None,
        };
        let text = |name: &str| field(name).map(str::to_owned);
        if let (Some(login), Some(user_type)) = (login, kind) {
            rows.push(RosterRow {
                line,
                login,
                user_type,
                department,
                profile: Profile {
                    display_name: text("name_roman"),
                    display_name_ja: text("name_kanji"),
                    name_kana: text("name_kana"),
                    mail,
                },
                password,
            });
        }
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(errors)
    }
}

/// Compares an upload with the directory. New members need a password.
pub fn plan(
    rows: Vec<RosterRow>,
    current: Vec<Current>,
    missing: MissingMembers,
) -> Result<Plan, Vec<RosterError>> {
    let mut now: BTreeMap<String, Current> = current
        .into_iter()
        .map(|c| (c.login.as_str().to_lowercase(), c))
        .collect();
    let mut plan = Plan::default();
    let mut errors = Vec::new();
    for row in rows {
        match now.remove(&row.login.as_str().to_lowercase()) {
            None => {
                if row.password.is_none() {
                    errors.push(RosterError {
                        line: row.line,
                        column: None,
                        message: "a new member needs a password".into(),
                    });
                }
                plan.add.push(row);
            }
            Some(current) => {
                let mut changed = Vec::new();
                if current.user_type != Some(row.user_type) {
                    changed.push("user_type");
                }
                if current.department != row.department {
                    changed.push("department");
                }
                if current.profile.display_name_ja != row.profile.display_name_ja {
                    changed.push("name_kanji");
                }
                if current.profile.name_kana != row.profile.name_kana {
                    changed.push("name_kana");
                }
                if current.profile.display_name != row.profile.display_name {
                    changed.push("name_roman");
                }
                if current.profile.mail != row.profile.mail {
                    changed.push("mail");
                }
                if row.password.is_some() {
                    changed.push("password");
                } else if current.disabled {
                    errors.push(RosterError {
                        line: row.line,
                        column: None,
                        message: "this member is disabled: give a password to enable them".into(),
                    });
                }
                if changed.is_empty() {
                    plan.unchanged += 1;
                } else {
                    plan.update.push((row, changed));
                }
            }
        }
    }
    for (_, gone) in now {
        match missing {
            MissingMembers::Disable if !gone.disabled => plan.disable.push(gone.login),
            MissingMembers::Remove => plan.remove.push(gone.login),
            _ => {}
        }
    }
    if errors.is_empty() {
        Ok(plan)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests;
