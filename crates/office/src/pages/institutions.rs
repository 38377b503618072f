//! The institution master (マスタ管理): every field of
//! `sesshu institutions import`, edited on a page, checked by the same
//! rules (`sesshu_operations::master::check`), saved in one transaction and audited
//! by `sesshu_operations::institutions`. Login settings are changed by system
//! administrators only.

use super::{Frame, StaffPage, html};
use crate::error::OfficeError;
use crate::i18n::Texts;
use crate::signed_in::Staff;
use crate::state::OfficeState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use sesshu_domain::{
    ConsentText, Contact, Duty, Institution, InstitutionCode, LoginMethod, MailAddress,
    MailSettings, Scope, UserType,
};
use sesshu_http::CsrfForm;
use sesshu_operations::institutions::{self, Saved};
use sesshu_operations::master::{Deadline, Entry, Mapping};

#[derive(Template)]
#[template(path = "institutions.html")]
struct ListPage {
    frame: Frame,
    t: &'static Texts,
    rows: Vec<(String, String, String, &'static str)>,
}

fn method(login: &LoginMethod) -> &'static str {
    match login {
        LoginMethod::Builtin => "builtin",
        LoginMethod::Ldap(l) if l.hosted.is_some() => "ldap (hosted)",
        LoginMethod::Ldap(_) => "ldap",
        LoginMethod::Saml(_) => "gakunin (saml)",
    }
}

pub async fn list(
    State(state): State<OfficeState>,
    StaffPage { staff, frame }: StaffPage,
) -> Result<Response, OfficeError> {
    staff.may(Duty::ManageInstitutions, Scope::Any)?;
    let t = frame.t;
    let rows = institutions::list(state.operations(), &staff.actor())
        .await?
        .into_iter()
        .map(|i| (i.code.to_string(), i.name_ja, i.name_en, method(&i.login)))
        .collect();
    html(ListPage { frame, t, rows })
}

/// The form's fields, as text: what was typed is shown back as it was.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct InstitutionForm {
    pub code: String,
    pub name_ja: String,
    pub name_en: String,
    #[serde(skip)]
    pub user_types: Vec<String>,
    pub office_ja: String,
    pub office_en: String,
    pub contact_mail: String,
    pub phone: String,
    pub url: String,
    pub from: String,
    pub notice_ja: String,
    pub notice_en: String,
    pub days_before: String,
    pub at: String,
    pub consent: bool,
    pub consent_version: String,
    pub consent_ja: String,
    pub consent_en: String,
    /// `[attributes]` and `[[department]]` (TOML).
    pub attributes: String,
    /// The login method's table (TOML).
    pub login: String,
}

impl InstitutionForm {
    fn of(i: &Institution) -> Self {
        let consent = i.consent.clone().unwrap_or(ConsentText {
            version: String::new(),
            text_ja: String::new(),
            text_en: String::new(),
        });
        let mapping = Mapping {
            attributes: i.attributes.clone(),
            departments: i.departments.clone(),
        };
        Self {
            code: i.code.to_string(),
            name_ja: i.name_ja.clone(),
            name_en: i.name_en.clone(),
            user_types: i
                .eligible_user_types
                .iter()
                .map(|u| u.as_str().to_owned())
                .collect(),
            office_ja: i.contact.office_ja.clone(),
            office_en: i.contact.office_en.clone(),
            contact_mail: i.contact.mail.clone(),
            phone: i.contact.phone.clone(),
            url: i.contact.url.clone(),
            from: i
                .mail
                .from
                .as_ref()
                .map(|m| m.as_str().to_owned())
                .unwrap_or_default(),
            notice_ja: i.mail.notice_ja.clone(),
            notice_en: i.mail.notice_en.clone(),
            days_before: i.deadline.days_before.to_string(),
            at: i.deadline.at.format("%H:%M").to_string(),
            consent: i.consent.is_some(),
            consent_version: consent.version,
            consent_ja: consent.text_ja,
            consent_en: consent.text_en,
            attributes: toml::to_string_pretty(&mapping).unwrap_or_default(),
            login: toml::to_string_pretty(&i.login).unwrap_or_default(),
        }
    }

    fn from_pairs(pairs: &[(String, String)]) -> Self {
        let mut form = InstitutionForm::default();
        for (key, value) in pairs {
            let value = value.clone();
            match key.as_str() {
                "code" => form.code = value,
                "name_ja" => form.name_ja = value,
                "name_en" => form.name_en = value,
                "user_type" => form.user_types.push(value),
                "office_ja" => form.office_ja = value,
                "office_en" => form.office_en = value,
                "contact_mail" => form.contact_mail = value,
                "phone" => form.phone = value,
                "url" => form.url = value,
                "from" => form.from = value,
                "notice_ja" => form.notice_ja = value,
                "notice_en" => form.notice_en = value,
                "days_before" => form.days_before = value,
                "at" => form.at = value,
                "consent" => form.consent = true,
                "consent_version" => form.consent_version = value,
                "consent_ja" => form.consent_ja = value,
                "consent_en" => form.consent_en = value,
                "attributes" => form.attributes = value,
                "login" => form.login = value,
                _ => {}
            }
        }
        form
    }

    /// The record the form describes, or every problem (field: message).
    /// `login` is what the login settings become (the form's, for system
    /// administrators; the current ones otherwise).
    fn entry(&self, login: Option<LoginMethod>) -> Result<Entry, Vec<String>> {
        let mut problems = Vec::new();
        let code = InstitutionCode::parse(self.code.trim())
            .map_err(|e| problems.push(format!("code: {}", e.reason)))
            .ok();
        let from = match self.from.trim() {
            "" => None,
            from => MailAddress::parse(from)
                .map_err(|e| problems.push(format!("mail.from: {}", e.reason)))
                .ok(),
        };
        let days_before = self
            .days_before
            .trim()
            .parse::<u32>()
            .map_err(|_| problems.push("deadline.days_before: not a number".into()))
            .unwrap_or(0);
        let mapping: Option<Mapping> = toml::from_str(&self.attributes)
            .map_err(|e| problems.push(format!("attributes: {e}")))
            .ok();
        let login = match login {
            Some(login) => Some(login),
            None => toml::from_str::<LoginMethod>(&self.login)
                .map_err(|e| problems.push(format!("login: {e}")))
                .ok(),
        };
        let (Some(code), Some(mapping), Some(login)) = (code, mapping, login) else {
            return Err(problems);
        };
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(Entry {
            code,
            name_ja: self.name_ja.trim().to_owned(),
            name_en: self.name_en.trim().to_owned(),
            eligible_user_types: self
                .user_types
                .iter()
                .filter_map(|u| UserType::parse(u).ok())
                .collect(),
            contact: Contact {
                office_ja: self.office_ja.trim().to_owned(),
                office_en: self.office_en.trim().to_owned(),
                mail: self.contact_mail.trim().to_owned(),
                phone: self.phone.trim().to_owned(),
                url: self.url.trim().to_owned(),
            },
            mail: MailSettings {
                from,
                notice_ja: self.notice_ja.trim().to_owned(),
                notice_en: self.notice_en.trim().to_owned(),
            },
            deadline: Deadline {
                days_before,
                at: self.at.trim().to_owned(),
            },
            login,
            attributes: mapping.attributes,
            consent: self.consent.then(|| ConsentText {
                version: self.consent_version.trim().to_owned(),
                text_ja: self.consent_ja.trim().to_owned(),
                text_en: self.consent_en.trim().to_owned(),
            }),
            departments: mapping.departments,
        })
    }
}

#[derive(Template)]
#[template(path = "institution.html")]
struct EditPage {
    frame: Frame,
    t: &'static Texts,
    form: InstitutionForm,
    is_new: bool,
    action: String,
    user_types: Vec<(&'static str, &'static str, bool)>,
    may_change_login: bool,
    problems: Vec<String>,
    done: bool,
}

fn edit_page(
    frame: Frame,
    form: InstitutionForm,
    is_new: bool,
    may_change_login: bool,
    problems: Vec<String>,
    done: bool,
) -> Result<Response, OfficeError> {
    let t = frame.t;
    html(EditPage {
        action: if is_new {
            "/institutions/new".to_owned()
        } else {
            format!("/institutions/{}", form.code)
        },
        user_types: UserType::ALL
            .iter()
            .map(|u| {
                (
                    u.as_str(),
                    t.user_type(Some(*u)),
                    form.user_types.iter().any(|c| c == u.as_str()),
                )
            })
            .collect(),
        form,
        is_new,
        may_change_login,
        problems,
        done,
        frame,
        t,
    })
}

#[derive(Deserialize)]
pub struct EditQuery {
    done: Option<String>,
}

pub async fn new_form(StaffPage { staff, frame }: StaffPage) -> Result<Response, OfficeError> {
    staff.may(Duty::ManageInstitutions, Scope::Any)?;
    let may_change_login = staff.may(Duty::ManageLogins, Scope::Any).is_ok();
    let form = InstitutionForm {
        days_before: "3".into(),
        at: "12:00".into(),
        user_types: vec!["staff".into(), "student".into()],
        attributes: toml::to_string_pretty(&Mapping::default()).unwrap_or_default(),
        login: toml::to_string_pretty(&LoginMethod::Builtin).unwrap_or_default(),
        ..InstitutionForm::default()
    };
    edit_page(frame, form, true, may_change_login, Vec::new(), false)
}

pub async fn edit(
    State(state): State<OfficeState>,
    StaffPage { staff, frame }: StaffPage,
    Path(code): Path<String>,
    Query(query): Query<EditQuery>,
) -> Result<Response, OfficeError> {
    staff.may(Duty::ManageInstitutions, Scope::Any)?;
    let institution = find(&state, &staff, &code).await?;
    let may_change_login = staff.may(Duty::ManageLogins, Scope::Any).is_ok();
    edit_page(
        frame,
        InstitutionForm::of(&institution),
        false,
        may_change_login,
        Vec::new(),
        query.done.is_some(),
    )
}

async fn find(state: &OfficeState, staff: &Staff, code: &str) -> Result<Institution, OfficeError> {
    let code = InstitutionCode::parse(code).map_err(|_| OfficeError::NotFound)?;
    Ok(institutions::view(state.operations(), &staff.actor(), &code).await?)
}

pub async fn create(
    State(state): State<OfficeState>,
    StaffPage { staff, frame }: StaffPage,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, OfficeError> {
    staff.may(Duty::ManageInstitutions, Scope::Any)?;
    let may_change_login = staff.may(Duty::ManageLogins, Scope::Any).is_ok();
    let form = InstitutionForm::from_pairs(&pairs);
    // Without the right to set login settings, a new institution starts on
    // the built-in directory.
    let login = (!may_change_login).then_some(LoginMethod::Builtin);
    save(&state, &staff, frame, form, true, login, may_change_login).await
}

pub async fn update(
    State(state): State<OfficeState>,
    StaffPage { staff, frame }: StaffPage,
    Path(code): Path<String>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, OfficeError> {
    staff.may(Duty::ManageInstitutions, Scope::Any)?;
    let current = find(&state, &staff, &code).await?;
    let may_change_login = staff.may(Duty::ManageLogins, Scope::Any).is_ok();
    let mut form = InstitutionForm::from_pairs(&pairs);
    form.code = current.code.to_string();
    let login = (!may_change_login).then(|| current.login.clone());
    save(&state, &staff, frame, form, false, login, may_change_login).await
}

/// Checks the form by the master file's rules and saves it, audited with
/// the parts that changed.
async fn save(
    state: &OfficeState,
    staff: &Staff,
    frame: Frame,
    form: InstitutionForm,
    is_new: bool,
    login: Option<LoginMethod>,
    may_change_login: bool,
) -> Result<Response, OfficeError> {
    let entry = match form.entry(login) {
        Ok(entry) => entry,
        Err(problems) => return edit_page(frame, form, is_new, may_change_login, problems, false),
    };
    let (ops, actor) = (state.operations(), staff.actor());
    let saved = if is_new {
        institutions::create(ops, &actor, entry).await?
    } else {
        institutions::change(ops, &actor, entry).await?
    };
    let problems = match saved {
        Saved::Saved(code) => {
            return Ok(Redirect::to(&format!("/institutions/{code}?done=1")).into_response());
        }
        Saved::CodeTaken(code) => vec![format!("code: {code} exists")],
        Saved::Refused(problems) => problems
            .into_iter()
            .map(|(field, message)| format!("{field}: {message}"))
            .collect(),
    };
    edit_page(frame, form, is_new, may_change_login, problems, false)
}
