//! Who is signed in to the back office: an enabled administrator account,
//! on the connection (client certificate) they signed in from.

use crate::error::OfficeError;
use crate::state::OfficeState;
use crate::tls::Peer;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use sesshu_domain::{AdminAccount, AdminId, Duty, Scope};
use sesshu_operations::Actor;
use tower_sessions::Session;

const ADMIN_KEY: &str = "admin";
/// The client certificate the session was started with: a session cookie
/// carried to another certificate is worthless.
const CERTIFICATE_KEY: &str = "certificate";

/// The signed-in administrator. The account is read again on every
/// request (`sesshu_operations::sign_in::current_account`), so a disabled
/// account or a changed role takes effect at once.
#[derive(Clone, Debug)]
pub struct Staff {
    pub account: AdminAccount,
    pub peer: Peer,
}

impl Staff {
    /// Whether the account's role does `duty` on an object in `scope`.
    pub fn may(&self, duty: Duty, scope: Scope) -> Result<(), OfficeError> {
        self.account
            .role
            .may(duty, scope)
            .map_err(OfficeError::from)
    }

    /// This administrator, for the operations.
    pub fn actor(&self) -> Actor {
        actor(&self.account, &self.peer)
    }
}

/// The account on its connection, as the operations and the audit trail
/// know it.
pub fn actor(account: &AdminAccount, peer: &Peer) -> Actor {
    Actor {
        name: account.actor(),
        role: account.role,
        origin: peer.origin(),
    }
}

/// The connection's peer, which the TLS listener attaches to every request.
pub fn peer(parts: &Parts) -> Result<Peer, OfficeError> {
    parts.extensions.get::<Peer>().cloned().ok_or_else(|| {
        tracing::error!("a request reached the office without the TLS listener");
        OfficeError::Internal
    })
}

impl FromRequestParts<OfficeState> for Peer {
    type Rejection = OfficeError;

    async fn from_request_parts(parts: &mut Parts, _: &OfficeState) -> Result<Self, OfficeError> {
        peer(parts)
    }
}

async fn session(parts: &mut Parts, state: &OfficeState) -> Result<Session, OfficeError> {
    Session::from_request_parts(parts, state)
        .await
        .map_err(|_| OfficeError::Internal)
}

impl FromRequestParts<OfficeState> for Staff {
    type Rejection = OfficeError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &OfficeState,
    ) -> Result<Self, OfficeError> {
        let peer = peer(parts)?;
        let session = session(parts, state).await?;
        let id: Option<AdminId> = session
            .get(ADMIN_KEY)
            .await
            .map_err(|_| OfficeError::Internal)?;
        let certificate: Option<String> = session
            .get(CERTIFICATE_KEY)
            .await
            .map_err(|_| OfficeError::Internal)?;
        let Some(id) = id else {
            return Err(OfficeError::Unauthenticated);
        };
        if certificate.as_deref() != Some(peer.certificate.as_str()) {
            tracing::warn!("office session used with another client certificate");
            let _ = session.flush().await;
            return Err(OfficeError::Unauthenticated);
        }
        match sesshu_operations::sign_in::current_account(state.operations(), id).await? {
            Some(account) => Ok(Staff { account, peer }),
            None => {
                let _ = session.flush().await;
                Err(OfficeError::Unauthenticated)
            }
        }
    }
}

/// Starts the session of `account` on this connection: a new session id
/// (so an id planted before login is worthless), bound to the certificate.
pub async fn sign_in(
    session: &Session,
    account: &AdminAccount,
    peer: &Peer,
) -> Result<(), OfficeError> {
    session
        .cycle_id()
        .await
        .map_err(|_| OfficeError::Internal)?;
    session
        .insert(ADMIN_KEY, account.id)
        .await
        .map_err(|_| OfficeError::Internal)?;
    session
        .insert(CERTIFICATE_KEY, &peer.certificate)
        .await
        .map_err(|_| OfficeError::Internal)
}

/// Whether anyone is signed in (for the login page), without loading them.
pub async fn is_signed_in(session: &Session) -> bool {
    matches!(session.get::<AdminId>(ADMIN_KEY).await, Ok(Some(_)))
}
