//! Ed25519 signing keys for credentials: generation, PKCS#8 PEM storage, and the public JWKs that
//! verifiers fetch. Keys are named by their RFC 7638 JWK thumbprint, so a key's `kid` never
//! changes and cannot collide with another key's; rotating keys only means publishing one more
//! JWK. Where keys are stored is up to the caller: these are pure building blocks.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::pkcs8::DecodePrivateKey;
use jsonwebtoken::{DecodingKey, EncodingKey};
use rand::rngs::OsRng;
use rand::{RngCore, TryRngCore};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// The JOSE algorithm name for Ed25519 signatures (RFC 8037).
pub const ALGORITHM: &str = "EdDSA";

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("not a PKCS#8 PEM Ed25519 private key: {0}")]
    InvalidPem(String),
    #[error("not a usable Ed25519 public JWK: {0}")]
    InvalidJwk(&'static str),
    #[error("the JWK's kid {given} is not the thumbprint {computed} of its key")]
    KidMismatch { given: String, computed: String },
}

/// An Ed25519 private key together with its `kid`.
#[derive(Clone)]
pub struct SigningKey {
    /// RFC 7638 thumbprint (base64url SHA-256) of the public JWK.
    pub kid: String,
    inner: ed25519_dalek::SigningKey,
    /// Built once: jsonwebtoken wants the PKCS#8 DER of the key for every signature.
    encoding: EncodingKey,
}

// Hand-written so that logging a key can never print the private part.
impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey").field("kid", &self.kid).finish_non_exhaustive()
    }
}

impl SigningKey {
    /// A fresh key from the operating system's random number generator.
    ///
    /// # Panics
    /// If the operating system cannot supply random bytes; there is no safe key to return then.
    pub fn generate() -> SigningKey {
        // An Ed25519 secret key is 32 uniformly random bytes (RFC 8032 §5.1.5), which is all
        // ed25519-dalek's own `generate` draws. It takes rand_core 0.10 generators while the
        // crate's rand 0.9 speaks rand_core 0.9, so the bytes are drawn here, straight from the
        // OS rather than a userspace generator, since this key lives for years.
        let mut secret = [0u8; ed25519_dalek::SECRET_KEY_LENGTH];
        OsRng.unwrap_err().fill_bytes(&mut secret);
        Self::from_dalek(ed25519_dalek::SigningKey::from_bytes(&secret))
    }

    /// Parses a PKCS#8 private key in PEM (`-----BEGIN PRIVATE KEY-----`), as written by
    /// [`SigningKey::to_pem`] or by `openssl genpkey -algorithm ed25519`. Both the v1 form and the
    /// v2 form carrying the public key are accepted; in v2 the public key must match.
    pub fn from_pem(pem: &str) -> Result<SigningKey, KeyError> {
        ed25519_dalek::SigningKey::from_pkcs8_pem(pem.trim())
            .map(Self::from_dalek)
            .map_err(|e| KeyError::InvalidPem(e.to_string()))
    }

    /// The private key as PKCS#8 v1 PEM (RFC 8410 §7): the form `openssl genpkey` writes and
    /// every JOSE library reads.
    pub fn to_pem(&self) -> String {
        let body = base64::engine::general_purpose::STANDARD.encode(pkcs8_der(&self.inner));
        // The 48-byte DER is exactly 64 base64 characters: one PEM line, RFC 7468's maximum.
        format!("-----BEGIN PRIVATE KEY-----\n{body}\n-----END PRIVATE KEY-----\n")
    }

    pub fn public_key(&self) -> PublicKey {
        PublicKey { kid: self.kid.clone(), bytes: self.inner.verifying_key().to_bytes() }
    }

    /// `{"kty":"OKP","crv":"Ed25519","x":..,"kid":..,"alg":"EdDSA","use":"sig"}`.
    pub fn public_jwk(&self) -> Value {
        self.public_key().to_jwk()
    }

    pub(crate) fn encoding_key(&self) -> &EncodingKey {
        &self.encoding
    }

    fn from_dalek(inner: ed25519_dalek::SigningKey) -> SigningKey {
        let x = URL_SAFE_NO_PAD.encode(inner.verifying_key().as_bytes());
        let encoding = EncodingKey::from_ed_der(&pkcs8_der(&inner));
        SigningKey { kid: thumbprint(&x), inner, encoding }
    }
}

/// DER of the PKCS#8 v1 `PrivateKeyInfo` of an Ed25519 key (RFC 8410 §7): a fixed 16-byte
/// prefix (version 0, algorithm id-Ed25519, an OCTET STRING wrapping the 32-byte OCTET STRING)
/// then the secret. Written out by hand because it cannot fail this way, where the pkcs8 crate's
/// general encoder returns a Result. The public half is left out (v1, not v2): it is derived
/// from the secret on every load, so storing it would only add a way for a file to disagree.
fn pkcs8_der(key: &ed25519_dalek::SigningKey) -> Vec<u8> {
    const PREFIX: [u8; 16] =
        [0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20];
    let mut der = Vec::with_capacity(PREFIX.len() + ed25519_dalek::SECRET_KEY_LENGTH);
    der.extend_from_slice(&PREFIX);
    der.extend_from_slice(key.as_bytes());
    der
}

/// An Ed25519 public key as published in the JWKS and used to verify credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKey {
    /// RFC 7638 thumbprint of the JWK; always recomputed from the key bytes.
    pub kid: String,
    bytes: [u8; ed25519_dalek::PUBLIC_KEY_LENGTH],
}

impl PublicKey {
    /// Parses a public Ed25519 JWK. A `kid`, when present, must be the key's thumbprint, and a
    /// JWK carrying the private part (`d`) is refused so that a private key is never mistaken
    /// for publishable material.
    pub fn from_jwk(jwk: &Value) -> Result<PublicKey, KeyError> {
        let field = |name: &str| jwk.get(name).and_then(Value::as_str);
        if !jwk.is_object() {
            return Err(KeyError::InvalidJwk("a JWK is a JSON object"));
        }
        if field("kty") != Some("OKP") {
            return Err(KeyError::InvalidJwk("kty must be OKP"));
        }
        if field("crv") != Some("Ed25519") {
            return Err(KeyError::InvalidJwk("crv must be Ed25519"));
        }
        if jwk.get("d").is_some() {
            return Err(KeyError::InvalidJwk("a public JWK must not contain the private key (d)"));
        }
        if jwk.get("alg").is_some_and(|alg| alg.as_str() != Some(ALGORITHM)) {
            return Err(KeyError::InvalidJwk("alg, when present, must be EdDSA"));
        }
        if jwk.get("use").is_some_and(|usage| usage.as_str() != Some("sig")) {
            return Err(KeyError::InvalidJwk("use, when present, must be sig"));
        }
        let x = field("x").ok_or(KeyError::InvalidJwk("x is missing"))?;
        let bytes: [u8; ed25519_dalek::PUBLIC_KEY_LENGTH] = URL_SAFE_NO_PAD
            .decode(x)
            .map_err(|_| KeyError::InvalidJwk("x is not base64url"))?
            .try_into()
            .map_err(|_| KeyError::InvalidJwk("x is not 32 bytes"))?;
        // Rejects byte strings that are not a point on the curve: such a "key" could never
        // verify anything and most likely means a corrupted store.
        ed25519_dalek::VerifyingKey::from_bytes(&bytes)
            .map_err(|_| KeyError::InvalidJwk("x is not an Ed25519 public key"))?;
        // Recomputed from the canonical encoding so that an x written with different but
        // equivalent base64 still gets the same kid.
        let kid = thumbprint(&URL_SAFE_NO_PAD.encode(bytes));
        match jwk.get("kid") {
            None => {}
            Some(Value::String(given)) if *given == kid => {}
            Some(given) => {
                return Err(KeyError::KidMismatch {
                    given: given.as_str().map_or_else(|| given.to_string(), str::to_owned),
                    computed: kid,
                });
            }
        }
        Ok(PublicKey { kid, bytes })
    }

    pub fn to_jwk(&self) -> Value {
        json!({
            "kty": "OKP",
            "crv": "Ed25519",
            "x": URL_SAFE_NO_PAD.encode(self.bytes),
            "kid": self.kid,
            "alg": ALGORITHM,
            "use": "sig",
        })
    }

    pub fn as_bytes(&self) -> &[u8; ed25519_dalek::PUBLIC_KEY_LENGTH] {
        &self.bytes
    }

    pub(crate) fn decoding_key(&self) -> Result<DecodingKey, jsonwebtoken::errors::Error> {
        DecodingKey::from_ed_components(&URL_SAFE_NO_PAD.encode(self.bytes))
    }
}

/// A JWK Set (RFC 7517 §5): `{"keys": [...]}`. List the current key and every retired key whose
/// credentials are still honoured, or those credentials stop verifying.
pub fn jwks(keys: &[PublicKey]) -> Value {
    json!({ "keys": keys.iter().map(PublicKey::to_jwk).collect::<Vec<_>>() })
}

/// RFC 7638 thumbprint of an Ed25519 JWK: SHA-256 over the required members (crv, kty, x) in
/// lexicographic order without whitespace, base64url without padding (RFC 8037 §2).
fn thumbprint(x: &str) -> String {
    let canonical = format!(r#"{{"crv":"Ed25519","kty":"OKP","x":"{x}"}}"#);
    URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The key of RFC 8037 Appendix A.1, with the thumbprint given in A.3.
    const RFC8037_D: &str = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A";
    const RFC8037_X: &str = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";
    const RFC8037_THUMBPRINT: &str = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k";

    fn rfc8037_key() -> SigningKey {
        let d: [u8; 32] = URL_SAFE_NO_PAD.decode(RFC8037_D).unwrap().try_into().unwrap();
        SigningKey::from_dalek(ed25519_dalek::SigningKey::from_bytes(&d))
    }

    #[test]
    fn the_kid_is_the_rfc_7638_thumbprint() {
        let key = rfc8037_key();
        assert_eq!(key.public_jwk()["x"], RFC8037_X);
        assert_eq!(key.kid, RFC8037_THUMBPRINT);
    }

    #[test]
    fn a_generated_key_survives_pem_and_keeps_its_kid() {
        let key = SigningKey::generate();
        let pem = key.to_pem();
        assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----\n"), "{pem}");
        let parsed = SigningKey::from_pem(&pem).unwrap();
        assert_eq!(parsed.kid, key.kid);
        assert_eq!(parsed.public_jwk(), key.public_jwk());
        assert_ne!(SigningKey::generate().kid, key.kid);
    }

    #[test]
    fn the_pem_is_what_openssl_and_jsonwebtoken_read() {
        // RFC 8410 §10.3: the example private key, as `openssl genpkey -algorithm ed25519`
        // writes it. Ours must come out byte-identical so keys can be made either way.
        let openssl = "-----BEGIN PRIVATE KEY-----\n\
            MC4CAQAwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhC\n\
            -----END PRIVATE KEY-----\n";
        let key = SigningKey::from_pem(openssl).unwrap();
        assert_eq!(key.to_pem(), openssl);
        // The same bytes as the pkcs8 crate's general encoder, and what jsonwebtoken expects.
        let library =
            ed25519_dalek::pkcs8::KeypairBytes { secret_key: key.inner.to_bytes(), public_key: None };
        use ed25519_dalek::pkcs8::EncodePrivateKey;
        assert_eq!(pkcs8_der(&key.inner), library.to_pkcs8_der().unwrap().as_bytes());
        assert!(EncodingKey::from_ed_pem(key.to_pem().as_bytes()).is_ok());
        // A trailing newline or surrounding blank lines, as editors leave them, are fine.
        assert_eq!(SigningKey::from_pem(&format!("\n{openssl}\n\n")).unwrap().kid, key.kid);
    }

    #[test]
    fn a_v2_pem_with_the_public_key_is_read_too() {
        use ed25519_dalek::pkcs8::EncodePrivateKey;
        let key = SigningKey::generate();
        let v2 = key.inner.to_pkcs8_pem(ed25519_dalek::pkcs8::spki::der::pem::LineEnding::LF).unwrap();
        assert_eq!(SigningKey::from_pem(&v2).unwrap().kid, key.kid);
    }

    #[test]
    fn garbage_and_foreign_pems_are_refused() {
        assert!(matches!(SigningKey::from_pem("not a key"), Err(KeyError::InvalidPem(_))));
        let public_only = "-----BEGIN PUBLIC KEY-----\n\
            MCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n\
            -----END PUBLIC KEY-----\n";
        assert!(matches!(SigningKey::from_pem(public_only), Err(KeyError::InvalidPem(_))));
    }

    #[test]
    fn the_jwks_lists_every_key_as_an_okp_ed25519_jwk() {
        let (a, b) = (SigningKey::generate(), SigningKey::generate());
        let set = jwks(&[a.public_key(), b.public_key()]);
        let keys = set["keys"].as_array().unwrap();
        assert_eq!(keys.len(), 2);
        for (jwk, key) in keys.iter().zip([&a, &b]) {
            assert_eq!(jwk["kty"], "OKP");
            assert_eq!(jwk["crv"], "Ed25519");
            assert_eq!(jwk["alg"], "EdDSA");
            assert_eq!(jwk["use"], "sig");
            assert_eq!(jwk["kid"], key.kid.as_str());
            assert!(jwk.get("d").is_none(), "the private key must never be published");
            assert_eq!(URL_SAFE_NO_PAD.decode(jwk["x"].as_str().unwrap()).unwrap().len(), 32);
            assert_eq!(PublicKey::from_jwk(jwk).unwrap(), key.public_key());
        }
        assert_eq!(jwks(&[]), json!({ "keys": [] }));
    }

    #[test]
    fn a_public_jwk_round_trips_and_bad_ones_are_refused() {
        let key = SigningKey::generate();
        let jwk = key.public_jwk();
        assert_eq!(PublicKey::from_jwk(&jwk).unwrap().to_jwk(), jwk);

        // kid, alg and use are optional; the kid is then computed.
        let minimal = json!({ "kty": "OKP", "crv": "Ed25519", "x": jwk["x"] });
        assert_eq!(PublicKey::from_jwk(&minimal).unwrap().kid, key.kid);

        let with = |name: &str, value: Value| {
            let mut changed = jwk.clone();
            changed[name] = value;
            PublicKey::from_jwk(&changed)
        };
        assert!(matches!(with("kty", json!("EC")), Err(KeyError::InvalidJwk(_))));
        assert!(matches!(with("crv", json!("X25519")), Err(KeyError::InvalidJwk(_))));
        assert!(matches!(with("alg", json!("ES256")), Err(KeyError::InvalidJwk(_))));
        assert!(matches!(with("use", json!("enc")), Err(KeyError::InvalidJwk(_))));
        assert!(matches!(with("x", json!("c2hvcnQ")), Err(KeyError::InvalidJwk(_))));
        assert!(matches!(with("x", json!("!!!")), Err(KeyError::InvalidJwk(_))));
        assert!(matches!(with("d", json!(RFC8037_D)), Err(KeyError::InvalidJwk(_))));
        assert!(matches!(with("kid", json!("key-1")), Err(KeyError::KidMismatch { .. })));
        assert!(matches!(PublicKey::from_jwk(&json!("OKP")), Err(KeyError::InvalidJwk(_))));
    }

    #[test]
    fn debug_output_never_shows_the_private_key() {
        let key = rfc8037_key();
        let shown = format!("{key:?}");
        assert_eq!(shown, format!("SigningKey {{ kid: {RFC8037_THUMBPRINT:?}, .. }}"));
    }
}
