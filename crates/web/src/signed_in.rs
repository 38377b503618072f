//! Who is signed in: the person and their institution, from the session.

use crate::error::{ApiError, PageError};
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use sesshu_auth::Missing;
use sesshu_domain::booking::Booker;
use sesshu_domain::{Institution, InstitutionId, Person, PersonId};
use tower_sessions::Session;

/// Session keys.
pub const PERSON_KEY: &str = "person";
pub const INSTITUTION_KEY: &str = "institution";
/// What the login did not give (`Vec<Missing>`), for the pages' notices.
pub const MISSING_KEY: &str = "missing";
/// The token of a login waiting for consent.
pub const PENDING_KEY: &str = "pending_login";

/// The signed-in person with the rules of their institution.
#[derive(Clone, Debug)]
pub struct SignedIn {
    pub person: Person,
    pub institution: Institution,
}

impl SignedIn {
    pub fn booker(&self) -> Booker<'_> {
        Booker::person(&self.person, &self.institution)
    }

    async fn load(parts: &mut Parts, state: &AppState) -> Result<Option<Self>, ApiError> {
        let Ok(session) = Session::from_request_parts(parts, state).await else {
            return Err(ApiError::Internal);
        };
        let person = session
            .get::<PersonId>(PERSON_KEY)
            .await
            .map_err(|_| ApiError::Internal)?;
        let Some(person) = person else {
            return Ok(None);
        };
        let store = state.store();
        let Some(person) = store.person(person).await? else {
            return Ok(None);
        };
        let institution = store
            .institution(person.institution)
            .await?
            .ok_or(ApiError::Internal)?;
        Ok(Some(SignedIn {
            person,
            institution,
        }))
    }
}

/// Starts the signed-in session of `person`: a new session id (so an id
/// planted before login is worthless), and the person in it.
pub async fn sign_in(
    session: &Session,
    person: &Person,
    institution: InstitutionId,
    missing: &[Missing],
) -> Result<(), ApiError> {
    session.cycle_id().await.map_err(|_| ApiError::Internal)?;
    let _ = session.remove_value(PENDING_KEY).await;
    session
        .insert(MISSING_KEY, missing)
        .await
        .map_err(|_| ApiError::Internal)?;
    session
        .insert(PERSON_KEY, person.id)
        .await
        .map_err(|_| ApiError::Internal)?;
    session
        .insert(INSTITUTION_KEY, institution)
        .await
        .map_err(|_| ApiError::Internal)
}

/// Puts a login waiting for consent into the session (under a new session
/// id: the token is a credential).
pub async fn hold_for_consent(session: &Session, token: &str) -> Result<(), ApiError> {
    session.cycle_id().await.map_err(|_| ApiError::Internal)?;
    session
        .insert(PENDING_KEY, token)
        .await
        .map_err(|_| ApiError::Internal)
}

/// For the API: 401 without a session.
#[derive(Clone, Debug)]
pub struct ApiUser(pub SignedIn);

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        SignedIn::load(parts, state)
            .await?
            .map(ApiUser)
            .ok_or(ApiError::Unauthenticated)
    }
}

/// For the pages: back to the start page without a session.
#[derive(Clone, Debug)]
pub struct PageUser(pub SignedIn);

/// Sends a visitor without a session to the start page.
#[derive(Debug)]
pub enum PageUserRejection {
    SignIn,
    Failed(PageError),
}

impl IntoResponse for PageUserRejection {
    fn into_response(self) -> Response {
        match self {
            PageUserRejection::SignIn => Redirect::to("/").into_response(),
            PageUserRejection::Failed(e) => e.into_response(),
        }
    }
}

impl FromRequestParts<AppState> for PageUser {
    type Rejection = PageUserRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, PageUserRejection> {
        match SignedIn::load(parts, state).await {
            Ok(Some(user)) => Ok(PageUser(user)),
            Ok(None) => Err(PageUserRejection::SignIn),
            Err(e) => Err(PageUserRejection::Failed(e.into())),
        }
    }
}
