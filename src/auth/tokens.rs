//! Random secrets (session cookies, CSRF tokens, API tokens) and their stored hashes.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Prefix of personal API tokens, so they are recognisable in logs and secret scanners.
pub const API_TOKEN_PREFIX: &str = "rpt_";

/// 32 random bytes, URL-safe base64 (43 characters).
pub fn random_token() -> anyhow::Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|err| anyhow::anyhow!("no randomness available: {err}"))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// What the database stores for a token: its SHA-256. Tokens are long and random, so a
/// plain hash is enough (no salt or stretching needed, unlike passwords).
pub fn hash_token(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

pub fn new_api_token() -> anyhow::Result<String> {
    Ok(format!("{API_TOKEN_PREFIX}{}", random_token()?))
}

/// The part of an API token that may be shown again after creation.
pub fn api_token_display_prefix(token: &str) -> String {
    token.chars().take(API_TOKEN_PREFIX.len() + 6).collect()
}

/// Compares two secrets without leaking where they differ.
pub fn secrets_match(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}
