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
