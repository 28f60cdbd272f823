//! argon2id password hashing with the crate's default parameters (OWASP's minimum:
//! m=19 MiB, t=2, p=1). Both functions are CPU-heavy: call them on a blocking thread.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

/// The minimum length we accept for a new password.
pub const MIN_PASSWORD_LEN: usize = 10;

pub fn hash(password: &str) -> anyhow::Result<String> {
    let hash = Argon2::default()
        .hash_password(password.as_bytes())
        .map_err(|err| anyhow::anyhow!("cannot hash password: {err}"))?;
    Ok(hash.to_string())
}

/// True when `password` matches the stored PHC string. A malformed stored hash never matches.
pub fn verify(password: &str, stored: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// Spends the time a real verification would, so an unknown email answers no faster than
/// a wrong password.
pub fn verify_dummy(password: &str) {
    const DUMMY: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$Vb7xJkYy6QkWjDk1F0tq9a2QdZ3kqf5Vd4g1a6GZz3s";
    let _ = verify(password, DUMMY);
}

/// Checks a new password against our rules; the message is shown next to the field.
pub fn check_strength(password: &str) -> Result<(), String> {
    if password.chars().count() < MIN_PASSWORD_LEN {
        return Err(format!("Use at least {MIN_PASSWORD_LEN} characters."));
    }
    Ok(())
}
