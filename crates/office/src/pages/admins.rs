//! Administrator accounts: the list, adding one, changing role, scope,
//! state or password. System administrators only; every change is audited
//! in the transaction that makes it.

use super::{Frame, StaffPage, html};
use crate::error::OfficeError;
use crate::i18n::Texts;
use crate::path::Id;
use crate::signed_in::Staff;
use crate::state::OfficeState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use sesshu_domain::{
    AdminAccount, AdminId, Catalog, Duty, Institution, InstitutionId, Language, LoginMethod, Role,
    Scope, StaffDirectory, VenueId,
};
use sesshu_http::CsrfForm;
use sesshu_operations::accounts::{
    self, AdminCreate, AdminUpdate, Created, DirectoryLogin, Updated,
};
use sesshu_operations::reference;

/// An account as listed.
#[derive(Debug)]
pub struct AccountRow {
    pub id: AdminId,
    pub login: String,
    pub directory: String,
    pub role: &'static str,
    pub scope: String,
    pub disabled: bool,
    pub last_login: String,
}

/// A choice in a select.
#[derive(Debug)]
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// The names the pages need: institutions, venues, directories.
struct Names {
    institutions: Vec<Institution>,
    catalog: Catalog,
    lang: Language,
}

impl Names {
    async fn load(state: &OfficeState, lang: Language) -> Result<Self, OfficeError> {
        Ok(Names {
            institutions: reference::institutions(state.operations()).await?,
            catalog: reference::catalog(state.operations()).await?,
            lang,
        })
    }

    fn institution(&self, id: InstitutionId) -> String {
        self.institutions
            .iter()
            .find(|i| i.id == id)
            .map_or_else(|| id.to_string(), |i| i.name(self.lang).to_owned())
    }

    fn login_method(&self, id: InstitutionId) -> Option<&LoginMethod> {
        self.institutions
            .iter()
            .find(|i| i.id == id)
            .map(|i| &i.login)
    }

    fn venue(&self, id: VenueId) -> String {
        self.catalog
            .venue(id)
            .map_or_else(|| id.to_string(), |v| v.name(self.lang).to_owned())
    }

    fn directory(&self, t: &Texts, d: StaffDirectory) -> String {
        match d {
            StaffDirectory::Builtin => t.builtin_directory.to_owned(),
            StaffDirectory::Institution { institution } => {
                let kind = match self.login_method(institution) {
                    Some(LoginMethod::Saml(_)) => "GakuNin",
                    _ => "LDAP",
                };
                format!("{kind}: {}", self.institution(institution))
            }
        }
    }

    fn scope(&self, t: &Texts, role: &Role) -> String {
        match role {
            Role::SystemAdmin | Role::Operator => t.scope_all.to_owned(),
            Role::InstitutionStaff { institution } => self.institution(*institution),
            Role::VenueStaff { venue } => self.venue(*venue),
        }
    }

    fn row(&self, t: &Texts, a: &AdminAccount) -> AccountRow {
        AccountRow {
            id: a.id,
            login: a.login.as_str().to_owned(),
            directory: self.directory(t, a.directory),
            role: t.role(&a.role),
            scope: self.scope(t, &a.role),
            disabled: a.disabled,
            last_login: a
                .last_login_at
                .map_or_else(|| t.never.to_owned(), |at| t.time(at)),
        }
    }

    fn directories(&self, t: &Texts) -> Vec<Choice> {
        std::iter::once(StaffDirectory::Builtin)
            .chain(
                self.institutions
                    .iter()
                    .filter(|i| matches!(i.login, LoginMethod::Ldap(_) | LoginMethod::Saml(_)))
                    .map(|i| StaffDirectory::Institution { institution: i.id }),
            )
            .map(|d| Choice {
                value: d.key(),
                label: self.directory(t, d),
                selected: d == StaffDirectory::Builtin,
            })
            .collect()
    }

    fn roles(&self, t: &Texts, current: Option<&Role>) -> Vec<Choice> {
        Role::CODES
            .into_iter()
            .map(|code| Choice {
                value: code.to_owned(),
                label: match code {
                    "system_admin" => t.role_system_admin,
                    "operator" => t.role_operator,
                    "institution_staff" => t.role_institution_staff,
                    _ => t.role_venue_staff,
                }
                .to_owned(),
                selected: current.is_some_and(|r| r.code() == code),
            })
            .collect()
    }

    fn institution_choices(&self, t: &Texts, current: Option<InstitutionId>) -> Vec<Choice> {
        none_choice(t, current.is_none())
            .chain(self.institutions.iter().map(|i| Choice {
                value: i.id.to_string(),
                label: i.name(self.lang).to_owned(),
                selected: current == Some(i.id),
            }))
            .collect()
    }

    fn venue_choices(&self, t: &Texts, current: Option<VenueId>) -> Vec<Choice> {
        none_choice(t, current.is_none())
            .chain(self.catalog.venues.iter().map(|v| Choice {
                value: v.id.to_string(),
                label: v.name(self.lang).to_owned(),
                selected: current == Some(v.id),
            }))
            .collect()
    }
}

fn none_choice(t: &Texts, selected: bool) -> impl Iterator<Item = Choice> {
    std::iter::once(Choice {
        value: String::new(),
        label: t.none_label.to_owned(),
        selected,
    })
}

#[derive(Template)]
#[template(path = "admins.html")]
struct ListPage {
    frame: Frame,
    t: &'static Texts,
    accounts: Vec<AccountRow>,
    directories: Vec<Choice>,
    roles: Vec<Choice>,
    institutions: Vec<Choice>,
    venues: Vec<Choice>,
    /// No role is preselected for a new account: one must be chosen.
    role_chosen: bool,
    error: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "admin.html")]
struct EditPage {
    frame: Frame,
    t: &'static Texts,
    account: AccountRow,
    builtin: bool,
    roles: Vec<Choice>,
    institutions: Vec<Choice>,
    venues: Vec<Choice>,
    role_chosen: bool,
    message: Option<&'static str>,
    error: Option<&'static str>,
}

async fn list_page(
    state: &OfficeState,
    staff: &Staff,
    frame: Frame,
    error: Option<&'static str>,
) -> Result<Response, OfficeError> {
    let t = frame.t;
    let names = Names::load(state, t.lang).await?;
    let accounts = accounts::list(state.operations(), &staff.actor()).await?;
    let page = html(ListPage {
        accounts: accounts.iter().map(|a| names.row(t, a)).collect(),
        directories: names.directories(t),
        roles: names.roles(t, None),
        institutions: names.institution_choices(t, None),
        venues: names.venue_choices(t, None),
        role_chosen: false,
        frame,
        t,
        error,
    })?;
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok((status, page).into_response())
}

pub async fn list(
    State(state): State<OfficeState>,
    StaffPage { staff, frame }: StaffPage,
) -> Result<Response, OfficeError> {
    staff.may(Duty::ManageAdmins, Scope::Any)?;
    list_page(&state, &staff, frame, None).await
}

/// The role and scope fields of both forms.
#[derive(Deserialize)]
pub struct RoleFields {
    #[serde(default)]
    role: String,
    #[serde(default)]
    institution: String,
    #[serde(default)]
    venue: String,
}

impl RoleFields {
    fn role(&self, t: &'static Texts) -> Result<Role, &'static str> {
        if self.role.trim().is_empty() {
            return Err(t.admin_role_needed);
        }
        let id = |s: &str| -> Result<Option<i64>, &'static str> {
            match s.trim() {
                "" => Ok(None),
                n => n.parse().map(Some).map_err(|_| t.admin_scope_needed),
            }
        };
        Role::from_parts(
            &self.role,
            id(&self.institution)?.map(InstitutionId::new),
            id(&self.venue)?.map(VenueId::new),
        )
        .map_err(|_| t.admin_scope_needed)
    }
}

#[derive(Deserialize)]
pub struct NewAccountForm {
    directory: String,
    login: String,
    #[serde(default)]
    password: String,
    #[serde(flatten)]
    role: RoleFields,
}

pub async fn create(
    State(state): State<OfficeState>,
    StaffPage { staff, frame }: StaffPage,
    CsrfForm(form): CsrfForm<NewAccountForm>,
) -> Result<Response, OfficeError> {
    staff.may(Duty::ManageAdmins, Scope::Any)?;
    let (ops, actor, t) = (state.operations(), staff.actor(), frame.t);
    let directory =
        StaffDirectory::from_key(&form.directory).map_err(|_| OfficeError::BadRequest)?;
    let login = match accounts::login_in(ops, &actor, directory, &form.login).await? {
        DirectoryLogin::Login(login) => login,
        DirectoryLogin::Invalid => {
            return list_page(&state, &staff, frame, Some(t.admin_bad_login)).await;
        }
        DirectoryLogin::NoSuchDirectory => return Err(OfficeError::BadRequest),
    };
    let role = match form.role.role(t) {
        Ok(role) => role,
        Err(message) => return list_page(&state, &staff, frame, Some(message)).await,
    };
    let new = AdminCreate {
        directory,
        login,
        role,
        password: form.password,
    };
    let error = match accounts::create(ops, &actor, state.passwords(), &new).await? {
        Created::Created(id) => {
            return Ok(Redirect::to(&format!("/admins/{id}?done=created")).into_response());
        }
        Created::NoSuchDirectory => return Err(OfficeError::BadRequest),
        Created::BadLogin => t.admin_bad_login,
        Created::UnknownScope => t.admin_scope_needed,
        Created::PasswordTooShort => t.admin_password_needed,
        Created::NoPasswordHere => t.admin_no_password_here,
        Created::LoginTaken => t.admin_login_taken,
    };
    list_page(&state, &staff, frame, Some(error)).await
}

#[derive(Deserialize)]
pub struct Done {
    done: Option<String>,
}

async fn edit_page(
    state: &OfficeState,
    frame: Frame,
    account: &AdminAccount,
    message: Option<&'static str>,
    error: Option<&'static str>,
) -> Result<Response, OfficeError> {
    let t = frame.t;
    let names = Names::load(state, t.lang).await?;
    let page = html(EditPage {
        account: names.row(t, account),
        builtin: account.directory == StaffDirectory::Builtin,
        roles: names.roles(t, Some(&account.role)),
        institutions: names.institution_choices(t, account.role.institution()),
        venues: names.venue_choices(t, account.role.venue()),
        role_chosen: true,
        frame,
        t,
        message,
        error,
    })?;
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok((status, page).into_response())
}

async fn account(
    state: &OfficeState,
    staff: &Staff,
    id: AdminId,
) -> Result<AdminAccount, OfficeError> {
    Ok(accounts::account(state.operations(), &staff.actor(), id).await?)
}

pub async fn edit(
    State(state): State<OfficeState>,
    StaffPage { staff, frame }: StaffPage,
    Id(id): Id<AdminId>,
    Query(done): Query<Done>,
) -> Result<Response, OfficeError> {
    staff.may(Duty::ManageAdmins, Scope::Any)?;
    let account = account(&state, &staff, id).await?;
    let t = frame.t;
    let message = match done.done.as_deref() {
        Some("created") => Some(t.admin_created),
        Some("saved") => Some(t.admin_saved),
        _ => None,
    };
    edit_page(&state, frame, &account, message, None).await
}

#[derive(Deserialize)]
pub struct ChangeForm {
    #[serde(flatten)]
    role: RoleFields,
    #[serde(default)]
    disabled: Option<String>,
    #[serde(default)]
    password: String,
}

pub async fn update(
    State(state): State<OfficeState>,
    StaffPage { staff, frame }: StaffPage,
    Id(id): Id<AdminId>,
    CsrfForm(form): CsrfForm<ChangeForm>,
) -> Result<Response, OfficeError> {
    staff.may(Duty::ManageAdmins, Scope::Any)?;
    let account = account(&state, &staff, id).await?;
    let t = frame.t;
    let role = match form.role.role(t) {
        Ok(role) => role,
        Err(message) => return edit_page(&state, frame, &account, None, Some(message)).await,
    };
    let change = AdminUpdate {
        role,
        disabled: form.disabled.is_some(),
        password: (!form.password.is_empty()).then_some(form.password),
    };
    let ops = state.operations();
    let error = match accounts::update(ops, &staff.actor(), state.passwords(), account.id, &change)
        .await?
    {
        Updated::Saved => {
            return Ok(Redirect::to(&format!("/admins/{id}?done=saved")).into_response());
        }
        Updated::UnknownScope => t.admin_scope_needed,
        Updated::PasswordTooShort => t.admin_password_needed,
        Updated::NoPasswordHere => t.admin_no_password_here,
        Updated::LastSystemAdmin => t.admin_last_system_admin,
    };
    edit_page(&state, frame, &account, None, Some(error)).await
}
