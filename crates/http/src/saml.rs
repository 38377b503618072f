//! GakuNin login: both listeners sign people in through a SAML service
//! provider of their own origin, set on their state once at start-up.

use sesshu_saml::SamlSp;
use std::sync::Arc;

/// A listener's state that can sign people in with GakuNin.
pub trait WithSaml: Sized {
    /// Where the state keeps its service provider.
    fn sp_mut(&mut self) -> &mut Option<Arc<SamlSp>>;

    /// The same state, signing people in through `sp`.
    fn with_saml(mut self, sp: SamlSp) -> Self {
        *self.sp_mut() = Some(Arc::new(sp));
        self
    }
}

/// The service provider's metadata document, for the federation and the
/// IdP's operators (public, cacheable for an hour); `None` if it could not
/// be written (logged).
pub fn metadata(sp: &SamlSp) -> Option<axum::response::Response> {
    use axum::http::header;
    use axum::response::IntoResponse;
    match sp.metadata_xml() {
        Ok(xml) => Some(
            (
                [
                    (header::CONTENT_TYPE, "application/samlmetadata+xml"),
                    (header::CACHE_CONTROL, "public, max-age=3600"),
                ],
                xml,
            )
                .into_response(),
        ),
        Err(e) => {
            tracing::error!(error = %e, "SP metadata");
            None
        }
    }
}
