//! GakuNin's attributes, by OID, and what a login released.

use std::collections::BTreeMap;

/// The attribute OIDs GakuNin IdPs release (as `urn:oid:` names).
pub mod oid {
    pub const EPPN: &str = "urn:oid:1.3.6.1.4.1.5923.1.1.1.6";
    pub const TARGETED_ID: &str = "urn:oid:1.3.6.1.4.1.5923.1.1.1.10";
    pub const AFFILIATION: &str = "urn:oid:1.3.6.1.4.1.5923.1.1.1.1";
    pub const SCOPED_AFFILIATION: &str = "urn:oid:1.3.6.1.4.1.5923.1.1.1.9";
    pub const JA_DISPLAY_NAME: &str = "urn:oid:1.3.6.1.4.1.32264.1.1.3";
    pub const DISPLAY_NAME: &str = "urn:oid:2.16.840.1.113730.3.1.241";
    pub const JA_OU: &str = "urn:oid:1.3.6.1.4.1.32264.1.1.5";
    pub const OU: &str = "urn:oid:2.5.4.11";
    pub const MAIL: &str = "urn:oid:0.9.2342.19200300.100.1.3";

    /// The friendly name the master's attribute mapping uses for an OID.
    pub fn friendly(oid: &str) -> Option<&'static str> {
        Some(match oid {
            EPPN => "eduPersonPrincipalName",
            TARGETED_ID => "eduPersonTargetedID",
            AFFILIATION => "eduPersonAffiliation",
            SCOPED_AFFILIATION => "eduPersonScopedAffiliation",
            JA_DISPLAY_NAME => "jaDisplayName",
            DISPLAY_NAME => "displayName",
            JA_OU => "jaOrganizationalUnitName",
            OU => "ou",
            MAIL => "mail",
            _ => return None,
        })
    }
}

/// The attributes of a verified assertion, by friendly name; several may
/// have several values.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Released(pub BTreeMap<String, Vec<String>>);

impl std::fmt::Debug for Released {
    /// Names only: the values are personal.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.0.keys()).finish()
    }
}

impl Released {
    pub fn values(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .flat_map(|(_, v)| v.iter().map(String::as_str))
            .collect()
    }

    pub fn first(&self, name: &str) -> Option<&str> {
        self.values(name).into_iter().find(|v| !v.trim().is_empty())
    }
}
