//! One SAML exchange with the store's help, for any listener that logs
//! people in with GakuNin (the public pages, the back office): the request
//! is remembered so that its answer is accepted once, and an assertion is
//! accepted once.

use crate::{SamlError, SamlSp, precheck};
use base64::Engine;
use chrono::{DateTime, Utc};
use sesshu_auth::Authenticated;
use sesshu_domain::Institution;
use sesshu_store::Store;

/// How long an AuthnRequest may wait for its answer.
pub const REQUEST_LIFETIME: chrono::Duration = chrono::Duration::minutes(10);

/// Starts a login at `institution`'s IdP: the URL to redirect the browser to.
pub async fn start(
    sp: &SamlSp,
    store: &dyn Store,
    institution: &Institution,
    now: DateTime<Utc>,
) -> Result<String, SamlError> {
    let request = sp.authn_request(institution.id)?;
    store
        .saml_request_issued(&request.id, institution.id, now + REQUEST_LIFETIME, now)
        .await
        .map_err(|e| SamlError::Internal(e.to_string()))?;
    Ok(request.url)
}

/// Checks the body of a POST to the assertion consumer: a response of the
/// institution's IdP to a request of ours, not answered before, not a
/// replayed assertion. Returns who logged in.
pub async fn consume(
    sp: &SamlSp,
    store: &dyn Store,
    body: &[u8],
    now: DateTime<Utc>,
) -> Result<(Institution, Authenticated), SamlError> {
    #[derive(serde::Deserialize)]
    struct AcsForm {
        #[serde(rename = "SAMLResponse")]
        response: String,
    }
    let form: AcsForm = serde_urlencoded::from_bytes(body)
        .map_err(|_| SamlError::Malformed("no SAMLResponse form field"))?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(form.response.trim())
        .map_err(|_| SamlError::Malformed("SAMLResponse is not base64"))?;
    let xml = String::from_utf8(bytes).map_err(|_| SamlError::Malformed("not UTF-8"))?;
    let pre = precheck(&xml, sp.acs_url())?;
    let internal = |e: sesshu_store::StoreError| SamlError::Internal(e.to_string());
    let institution_id = store
        .saml_request_answered(&pre.in_response_to, now)
        .await
        .map_err(internal)?
        .ok_or(SamlError::UnknownRequest)?;
    let verified = sp.verify(institution_id, &xml, &pre)?;
    let first_use = store
        .saml_assertion_first_use(&verified.assertion_id, verified.not_on_or_after, now)
        .await
        .map_err(internal)?;
    if !first_use {
        return Err(SamlError::Replayed);
    }
    let institution = store
        .institution(institution_id)
        .await
        .map_err(internal)?
        .ok_or_else(|| SamlError::Internal("institution vanished".into()))?;
    let authenticated = sp.authenticated(&institution, &verified)?;
    Ok((institution, authenticated))
}
