//! Argon2id password hashes.

use argon2::{Algorithm, Argon2, Params, PasswordHasher, PasswordVerifier, Version};

/// The Argon2id cost used for new hashes. Verification always uses the cost
/// stored in the hash, so changing the policy never locks anyone out.
#[derive(Clone, Debug)]
pub struct PasswordPolicy {
    params: Params,
}

impl Default for PasswordPolicy {
    /// OWASP's recommendation: 19 MiB, 2 passes, 1 lane.
    fn default() -> Self {
        Self {
            params: Params::DEFAULT,
        }
    }
}

impl PasswordPolicy {
    /// The cheapest parameters Argon2 allows: for tests only, where a default
    /// hash costs a second in a debug build.
    pub fn insecure_fast_for_tests() -> Self {
        let params =
            Params::new(Params::MIN_M_COST, Params::MIN_T_COST, 1, None).unwrap_or(Params::DEFAULT);
        Self { params }
    }

    fn argon2(&self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
    }

    /// A PHC string (`$argon2id$v=19$m=…`) with a fresh random salt.
    pub fn hash(&self, password: &str) -> Result<String, argon2::password_hash::Error> {
        self.argon2()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
    }

    /// Whether `password` matches the PHC string `hash`; a malformed hash
    /// never matches.
    pub fn verify(&self, password: &str, hash: &str) -> bool {
        self.argon2()
            .verify_password(password.as_bytes(), hash)
            .is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_and_nothing_else() {
        let policy = PasswordPolicy::insecure_fast_for_tests();
        let hash = policy.hash("correct horse").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(policy.verify("correct horse", &hash));
        assert!(!policy.verify("correct horse ", &hash));
        assert!(!policy.verify("correct horse", "not a hash"));
    }

    #[test]
    fn verification_uses_the_cost_stored_in_the_hash() {
        let cheap = PasswordPolicy::insecure_fast_for_tests();
        let hash = cheap.hash("pw").unwrap();
        assert!(PasswordPolicy::default().verify("pw", &hash));
    }

    #[test]
    fn each_hash_has_its_own_salt() {
        let policy = PasswordPolicy::insecure_fast_for_tests();
        assert_ne!(policy.hash("pw").unwrap(), policy.hash("pw").unwrap());
    }
}
