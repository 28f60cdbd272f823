//! Credentials at rest: XChaCha20-Poly1305 (RustCrypto's `chacha20poly1305`, an AEAD with
//! random 192-bit nonces) under a key from `RAPPORT_SECRET_KEY`. In the embedded mode, with
//! no key set, a key is generated once and kept in `<data dir>/secret.key` (mode 0600).
//!
//! The ciphertext is bound to its tenant and source (associated data), so a stored secret
//! copied into another tenant's row does not decrypt.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, bail};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};

use crate::config::Settings;
use crate::domain::ids::TenantId;

const NONCE_LEN: usize = 24;
const KEY_FILE: &str = "secret.key";

/// The key that encrypts credentials. Cheap to clone.
#[derive(Clone)]
pub struct SecretBox {
    cipher: XChaCha20Poly1305,
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretBox(…)")
    }
}

impl SecretBox {
    /// From 32 bytes of base64 (the `RAPPORT_SECRET_KEY` format).
    pub fn from_base64(text: &str) -> anyhow::Result<Self> {
        let bytes = STANDARD
            .decode(text.trim())
            .context("RAPPORT_SECRET_KEY is not valid base64")?;
        if bytes.len() != 32 {
            bail!(
                "RAPPORT_SECRET_KEY must be 32 bytes (base64 of 32 random bytes, e.g. `openssl rand -base64 32`); it is {} bytes",
                bytes.len()
            );
        }
        Ok(SecretBox {
            cipher: XChaCha20Poly1305::new(Key::from_slice(&bytes)),
        })
    }

    /// A fresh random key, as base64.
    pub fn generate_key() -> anyhow::Result<String> {
        let mut key = [0u8; 32];
        getrandom::fill(&mut key).map_err(|err| anyhow::anyhow!("no randomness: {err}"))?;
        Ok(STANDARD.encode(key))
    }

    /// The key from the settings; else, for the embedded database only, the key file in
    /// the data directory (created on first use). With `DATABASE_URL` and no key, None:
    /// credentials cannot be stored until a key is set.
    pub fn from_settings(settings: &Settings) -> anyhow::Result<Option<Self>> {
        if let Some(key) = settings
            .secret_key
            .as_deref()
            .filter(|k| !k.trim().is_empty())
        {
            return Self::from_base64(key).map(Some);
        }
        if settings.database_url.is_some() {
            return Ok(None);
        }
        Self::from_key_file(&settings.data_dir).map(Some)
    }

    fn from_key_file(data_dir: &Path) -> anyhow::Result<Self> {
        let path = data_dir.join(KEY_FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => Self::from_base64(&text)
                .with_context(|| format!("the key in {} is damaged", path.display())),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                std::fs::create_dir_all(data_dir)?;
                let key = Self::generate_key()?;
                let mut file = create_private(&path)?;
                writeln!(file, "{key}")?;
                file.sync_all()?;
                tracing::info!(path = %path.display(), "generated the credentials key");
                Self::from_base64(&key)
            }
            Err(err) => Err(err).with_context(|| format!("cannot read {}", path.display())),
        }
    }

    fn associated_data(tenant_id: TenantId, source: &str) -> Vec<u8> {
        format!("rapport-secret:{}:{source}", tenant_id.0).into_bytes()
    }

    /// nonce ‖ ciphertext.
    pub fn seal(&self, tenant_id: TenantId, source: &str, secret: &str) -> anyhow::Result<Vec<u8>> {
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce).map_err(|err| anyhow::anyhow!("no randomness: {err}"))?;
        let aad = Self::associated_data(tenant_id, source);
        let sealed = self
            .cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: secret.as_bytes(),
                    aad: &aad,
                },
            )
            .map_err(|_| anyhow::anyhow!("encryption failed"))?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    pub fn open(&self, tenant_id: TenantId, source: &str, sealed: &[u8]) -> anyhow::Result<String> {
        if sealed.len() <= NONCE_LEN {
            bail!("the stored secret is damaged");
        }
        let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
        let aad = Self::associated_data(tenant_id, source);
        let plain = self
            .cipher
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: &aad,
                },
            )
            .map_err(|_| {
                anyhow::anyhow!(
                    "the stored secret cannot be decrypted (was RAPPORT_SECRET_KEY changed?); enter it again"
                )
            })?;
        String::from_utf8(plain).context("the stored secret is not text")
    }
}

#[cfg(unix)]
fn create_private(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}

/// "•••• 1a2b": enough to recognise a secret, never enough to use it.
pub fn hint(secret: &str) -> String {
    let chars: Vec<char> = secret.chars().collect();
    if chars.len() < 12 {
        return "••••".to_owned();
    }
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("•••• {tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> SecretBox {
        SecretBox::from_base64(&SecretBox::generate_key().unwrap_or_default())
            .unwrap_or_else(|err| panic!("{err}"))
    }

    #[test]
    fn sealed_secrets_open_only_for_their_tenant_and_source() {
        let secrets = key();
        let sealed = secrets
            .seal(TenantId(1), "hubspot", "pat-na1-0123456789")
            .unwrap_or_else(|err| panic!("{err}"));
        assert!(!String::from_utf8_lossy(&sealed).contains("pat-na1"));
        assert_eq!(
            secrets
                .open(TenantId(1), "hubspot", &sealed)
                .ok()
                .as_deref(),
            Some("pat-na1-0123456789")
        );
        assert!(secrets.open(TenantId(2), "hubspot", &sealed).is_err());
        assert!(secrets.open(TenantId(1), "callrail", &sealed).is_err());
        assert!(
            key().open(TenantId(1), "hubspot", &sealed).is_err(),
            "another key"
        );
        // Two seals of one secret differ (random nonces).
        let again = secrets
            .seal(TenantId(1), "hubspot", "pat-na1-0123456789")
            .unwrap_or_else(|err| panic!("{err}"));
        assert_ne!(sealed, again);
    }

    #[test]
    fn keys_must_be_32_bytes_of_base64() {
        assert!(SecretBox::from_base64("not base64!").is_err());
        assert!(SecretBox::from_base64(&STANDARD.encode([1u8; 16])).is_err());
        assert!(SecretBox::from_base64(&STANDARD.encode([1u8; 32])).is_ok());
    }

    #[test]
    fn hints_show_only_the_last_four_characters_of_long_secrets() {
        assert_eq!(hint("pat-na1-0123456789abcd"), "•••• abcd");
        assert_eq!(hint("short"), "••••");
    }

    #[test]
    fn the_embedded_mode_keeps_a_generated_key_file() {
        let dir = std::env::temp_dir().join(format!("rapport-key-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let first = SecretBox::from_key_file(&dir).unwrap_or_else(|err| panic!("{err}"));
        let sealed = first
            .seal(TenantId(7), "demo", "secret-value-123")
            .unwrap_or_else(|err| panic!("{err}"));
        let second = SecretBox::from_key_file(&dir).unwrap_or_else(|err| panic!("{err}"));
        assert_eq!(
            second.open(TenantId(7), "demo", &sealed).ok().as_deref(),
            Some("secret-value-123")
        );
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.join(KEY_FILE))
            .map(|m| m.permissions().mode() & 0o777)
            .unwrap_or_default();
        assert_eq!(mode, 0o600);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
