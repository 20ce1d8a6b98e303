//! Client secrets of single sign-on connections, sealed at rest with the server's key
//! (`TENANTRY_SECRET_KEY`): AES-256-GCM with a random nonce, bound to the connection it belongs
//! to, so a sealed secret copied onto another connection does not open.

use base64::{engine::general_purpose::STANDARD, Engine};
use ring::{
    aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN},
    rand::{SecureRandom, SystemRandom},
};
use uuid::Uuid;

/// What a sealed secret starts with: the scheme, so another can follow.
const VERSION: &str = "v1:";

/// The key secrets are sealed with.
pub struct SecretKey {
    key: LessSafeKey,
    random: SystemRandom,
}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(…)")
    }
}

impl SecretKey {
    /// Reads a key of 32 random bytes written in base64 (`openssl rand -base64 32`).
    pub fn from_base64(text: &str) -> Result<Self, String> {
        let bytes = STANDARD
            .decode(text.trim())
            .map_err(|_| "is not base64 (make one with: openssl rand -base64 32)".to_string())?;
        let unbound = UnboundKey::new(&AES_256_GCM, &bytes).map_err(|_| {
            format!(
                "must be 32 bytes, this is {} (make one with: openssl rand -base64 32)",
                bytes.len()
            )
        })?;
        Ok(Self {
            key: LessSafeKey::new(unbound),
            random: SystemRandom::new(),
        })
    }

    /// `plain` sealed for the connection `owner`.
    pub fn seal(&self, owner: Uuid, plain: &str) -> Result<String, String> {
        let mut nonce = [0u8; NONCE_LEN];
        self.random
            .fill(&mut nonce)
            .map_err(|_| "no randomness for a nonce".to_string())?;
        let mut data = plain.as_bytes().to_vec();
        self.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(owner.as_bytes()),
                &mut data,
            )
            .map_err(|_| "sealing failed".to_string())?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&data);
        Ok(format!("{VERSION}{}", STANDARD.encode(out)))
    }

    /// The secret sealed for `owner`; `None` when it was sealed with another key, for another
    /// connection, or was changed.
    pub fn open(&self, owner: Uuid, sealed: &str) -> Option<String> {
        let bytes = STANDARD.decode(sealed.strip_prefix(VERSION)?).ok()?;
        if bytes.len() < NONCE_LEN {
            return None;
        }
        let (nonce, data) = bytes.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
        let mut data = data.to_vec();
        let plain = self
            .key
            .open_in_place(nonce, Aad::from(owner.as_bytes()), &mut data)
            .ok()?;
        String::from_utf8(plain.to_vec()).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> SecretKey {
        SecretKey::from_base64(&STANDARD.encode([byte; 32])).unwrap()
    }

    #[test]
    fn a_sealed_secret_opens_only_with_its_key_and_for_its_connection() {
        let (one, other) = (Uuid::new_v4(), Uuid::new_v4());
        let sealed = key(1).seal(one, "s3cret").unwrap();
        assert!(!sealed.contains("s3cret"));
        assert_ne!(
            sealed,
            key(1).seal(one, "s3cret").unwrap(),
            "a fresh nonce each time"
        );
        assert_eq!(key(1).open(one, &sealed).as_deref(), Some("s3cret"));
        assert_eq!(key(2).open(one, &sealed), None);
        assert_eq!(key(1).open(other, &sealed), None);
        let mut tampered: Vec<char> = sealed.chars().collect();
        tampered[30] = if tampered[30] == 'A' { 'B' } else { 'A' };
        let tampered: String = tampered.into_iter().collect();
        assert_eq!(key(1).open(one, &tampered), None);
    }

    #[test]
    fn a_key_must_be_32_bytes_of_base64() {
        assert!(SecretKey::from_base64("not base64!")
            .unwrap_err()
            .contains("base64"));
        let short = STANDARD.encode([0u8; 16]);
        assert!(SecretKey::from_base64(&short)
            .unwrap_err()
            .contains("32 bytes"));
    }
}
