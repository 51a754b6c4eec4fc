//! Certificates as Open Badges 3.0 `OpenBadgeCredential`s (W3C Verifiable Credentials Data Model
//! 2.0 shape), secured with the Open Badges 3.0 VC-JWT proof format (§8.2): a compact JWS signed
//! with the issuer's Ed25519 key, so that any wallet or verifier can check a certificate with the
//! published JWKS and nothing of ours.
//!
//! Layout, as Open Badges 3.0 §8.2.3–8.2.4 documents it:
//! - JOSE header `{"alg":"EdDSA","typ":"JWT","kid":<thumbprint>,"jwk":<public JWK>}`. `typ` is
//!   `JWT` because that is the value Open Badges 3.0 shows and its conformance tools expect;
//!   VC-JOSE-COSE's `vc+jwt` names a payload that is a bare VC 2.0 credential with no JWT claim
//!   semantics, and generic JWT libraries that check `typ` refuse it. The public `jwk` is there
//!   because the spec lets verifiers take the key from it (step 3 of §8.2.6) while our `kid`, a
//!   thumbprint, is not a URL they could dereference. [`verify`] never trusts it: it picks the
//!   key by `kid` from the keys it is given.
//! - JWT payload: the credential object itself at the top level, with the registered claims
//!   beside its properties (`iss` = `issuer.id`, `sub` = `credentialSubject.id`, `jti` = `id`,
//!   `nbf` and `iat` = `validFrom`, `exp` = `validUntil` when it expires). This is Open Badges
//!   3.0's documented form, which also matches VC-JOSE-COSE (payload = credential); the
//!   VC 1.1-era `vc` claim wrapper is not used.

use chrono::{DateTime, SecondsFormat, Utc};
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, Header, Validation};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::signing::{PublicKey, SigningKey};

pub const VC_CONTEXT: &str = "https://www.w3.org/ns/credentials/v2";
pub const OB_CONTEXT: &str = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json";

/// The JWT claims that restate credential properties; [`verify`] checks and then drops them.
const JWT_CLAIMS: [&str; 6] = ["iss", "sub", "jti", "nbf", "iat", "exp"];

/// Clock skew tolerated on `nbf` and `exp`, in seconds.
const LEEWAY_SECONDS: u64 = 60;

/// Everything a certificate credential states. Only what a verifier needs: the holder is named,
/// but no e-mail or other contact detail goes into a document that is shared publicly.
#[derive(Debug, Clone)]
pub struct CredentialSubjectData<'a> {
    pub certificate_id: Uuid,
    /// The human-readable verification code, e.g. `POC-7K3M-Q9XD-2HTR`.
    pub code: &'a str,
    pub holder_id: Uuid,
    pub holder_name: &'a str,
    pub course_id: Uuid,
    pub course_title: &'a str,
    pub course_summary: &'a str,
    pub course_revision: i32,
    pub issued_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub issuer_name: &'a str,
    /// The service's public base URL, e.g. `https://lms.example.org`; a trailing slash is
    /// dropped, so `Config::public_url.as_str()` can be passed as it is.
    pub public_url: &'a str,
}

#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
    #[error("the credential could not be signed: {0}")]
    Signing(#[source] jsonwebtoken::errors::Error),
    #[error("not a well-formed credential token: {0}")]
    Malformed(String),
    #[error("the token names no signing key (kid)")]
    MissingKid,
    #[error("the token was signed with unknown key {0}")]
    UnknownKey(String),
    #[error("the signature does not match the credential")]
    BadSignature,
    #[error("the credential has expired")]
    Expired,
    #[error("the credential is not valid yet")]
    NotYetValid,
    /// A JWT claim disagrees with the credential property it restates (Open Badges 3.0
    /// §8.2.6.1), or the credential is not an Open Badges credential.
    #[error("the credential is inconsistent: {0}")]
    Inconsistent(&'static str),
}

/// Signs the certificate as an Open Badges 3.0 VC-JWT (compact JWS); see the module docs for the
/// header and payload layout.
pub fn sign(key: &SigningKey, data: &CredentialSubjectData) -> Result<String, CredentialError> {
    let mut header = Header::new(Algorithm::EdDSA);
    header.typ = Some("JWT".into());
    header.kid = Some(key.kid.clone());
    header.jwk =
        Some(serde_json::from_value(key.public_jwk()).map_err(|e| CredentialError::Signing(e.into()))?);
    jsonwebtoken::encode(&header, &payload(data), key.encoding_key()).map_err(CredentialError::Signing)
}

/// Verifies a VC-JWT made by [`sign`] against the issuer's keys (current and retired ones, so
/// that credentials signed before a rotation keep verifying) and returns the credential: the
/// JWT payload without the registered JWT claims, which are first checked against the
/// properties they restate. It is the `OpenBadgeCredential` JSON document itself, with
/// `@context`, `type`, `issuer`, `validFrom`, `credentialSubject`, ….
///
/// The key is chosen by the header's `kid` alone; a `jwk` in the header is ignored, since
/// trusting it would let anyone sign with a key of their own. Expiry (`exp`) and `nbf` are
/// enforced with a minute of leeway; there is no audience.
pub fn verify(token: &str, keys: &[PublicKey]) -> Result<Value, CredentialError> {
    let header = jsonwebtoken::decode_header(token).map_err(|e| CredentialError::Malformed(e.to_string()))?;
    let kid = header.kid.ok_or(CredentialError::MissingKid)?;
    let key = keys.iter().find(|key| key.kid == kid).ok_or(CredentialError::UnknownKey(kid))?;
    let decoding = key.decoding_key().map_err(|e| CredentialError::Malformed(e.to_string()))?;

    let mut validation = Validation::new(Algorithm::EdDSA);
    // `exp` only when the credential expires; jsonwebtoken still enforces it whenever present.
    validation.set_required_spec_claims(&["iss", "sub", "nbf"]);
    validation.validate_exp = true;
    validation.validate_nbf = true;
    validation.validate_aud = false;
    validation.leeway = LEEWAY_SECONDS;

    let claims = jsonwebtoken::decode::<Map<String, Value>>(token, &decoding, &validation)
        .map_err(|e| match e.kind() {
            ErrorKind::InvalidSignature => CredentialError::BadSignature,
            ErrorKind::ExpiredSignature => CredentialError::Expired,
            ErrorKind::ImmatureSignature => CredentialError::NotYetValid,
            _ => CredentialError::Malformed(e.to_string()),
        })?
        .claims;
    check_claims(&claims)?;
    Ok(Value::Object(claims.into_iter().filter(|(name, _)| !JWT_CLAIMS.contains(&name.as_str())).collect()))
}

/// The signed payload: the credential plus the JWT claims restating its properties.
fn payload(data: &CredentialSubjectData) -> Value {
    let base = data.public_url.trim_end_matches('/');
    let credential_id = format!("urn:uuid:{}", data.certificate_id);
    let holder_id = format!("urn:uuid:{}", data.holder_id);
    // Whole seconds: `nbf` is a whole-second NumericDate and Open Badges 3.0 §8.2.6.1 has
    // verifiers require it to equal `validFrom` exactly.
    let timestamp = |at: DateTime<Utc>| at.to_rfc3339_opts(SecondsFormat::Secs, true);

    let mut credential = json!({
        "@context": [VC_CONTEXT, OB_CONTEXT],
        // `id` is the URN rather than the /verify URL because `jti` must equal it (§8.2.4.1) and
        // a URN stays true if the service ever moves; the URL is given in `description`.
        "id": credential_id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": format!("{} certificate", data.course_title),
        "description": format!(
            "Verification code {code}; check it at {base}/verify/{code}.",
            code = data.code
        ),
        "issuer": { "id": base, "type": ["Profile"], "name": data.issuer_name },
        "validFrom": timestamp(data.issued_at),
        "credentialSubject": {
            "id": holder_id,
            "type": ["AchievementSubject"],
            // AchievementSubject has no `name`; an unhashed IdentityObject of type `name` is how
            // Open Badges 3.0 states who the holder is in plain words.
            "identifier": [{
                "type": "IdentityObject",
                "identityHash": data.holder_name,
                "identityType": "name",
                "hashed": false,
            }],
            "achievement": {
                "id": format!("{base}/courses/{}", data.course_id),
                "type": ["Achievement"],
                "achievementType": "Certificate",
                "name": data.course_title,
                "description": data.course_summary,
                "criteria": {
                    "narrative": format!(
                        "Completed every module of the course, revision {}, including its quizzes.",
                        data.course_revision
                    ),
                },
            },
        },
    });
    let issued = data.issued_at.timestamp();
    let mut claims = json!({
        "iss": base,
        "sub": holder_id,
        "jti": credential_id,
        "nbf": issued,
        "iat": issued,
    });
    if let Some(expires_at) = data.expires_at {
        credential["validUntil"] = json!(timestamp(expires_at));
        claims["exp"] = json!(expires_at.timestamp());
    }
    if let (Value::Object(credential), Value::Object(claims)) = (&mut credential, claims) {
        credential.extend(claims);
    }
    credential
}

/// Open Badges 3.0 §8.2.6.1: every JWT claim must agree with the credential property it
/// restates. Only our own keys are trusted, so a mismatch means a bug rather than an attack, but
/// a document saying two different things must not be presented as verified either way.
fn check_claims(claims: &Map<String, Value>) -> Result<(), CredentialError> {
    let types = claims.get("type").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    let has_type = |name: &str| types.iter().any(|t| t == name);
    if !has_type("VerifiableCredential") || !has_type("OpenBadgeCredential") {
        return Err(CredentialError::Inconsistent("type is not an OpenBadgeCredential"));
    }
    let issuer = claims.get("issuer").map(|issuer| issuer.get("id").unwrap_or(issuer));
    if claims.get("iss") != issuer {
        return Err(CredentialError::Inconsistent("iss differs from issuer.id"));
    }
    let subject = claims.get("credentialSubject").and_then(|subject| subject.get("id"));
    if claims.get("sub") != subject {
        return Err(CredentialError::Inconsistent("sub differs from credentialSubject.id"));
    }
    if claims.get("jti").is_none_or(|jti| Some(jti) != claims.get("id")) {
        return Err(CredentialError::Inconsistent("jti differs from id"));
    }
    if claims.get("nbf").is_none() || numeric_date(claims.get("nbf")) != rfc3339(claims.get("validFrom")) {
        return Err(CredentialError::Inconsistent("nbf differs from validFrom"));
    }
    if numeric_date(claims.get("exp")) != rfc3339(claims.get("validUntil")) {
        return Err(CredentialError::Inconsistent("exp differs from validUntil"));
    }
    Ok(())
}

fn numeric_date(value: Option<&Value>) -> Option<i64> {
    value.and_then(Value::as_i64)
}

fn rfc3339(value: Option<&Value>) -> Option<i64> {
    value.and_then(Value::as_str).and_then(|s| DateTime::parse_from_rfc3339(s).ok()).map(|at| at.timestamp())
}

#[cfg(test)]
mod tests {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use chrono::{Duration, TimeZone};
    use jsonwebtoken::EncodingKey;

    use super::*;
    use crate::certificates::signing::jwks;

    fn data(expires_at: Option<DateTime<Utc>>) -> CredentialSubjectData<'static> {
        CredentialSubjectData {
            certificate_id: Uuid::new_v4(),
            code: "POC-7K3M-Q9XD-2HTR",
            holder_id: Uuid::new_v4(),
            holder_name: "Amina Diallo",
            course_id: Uuid::new_v4(),
            course_title: "National Implementation of UNSCR 1540",
            course_summary: "Reporting, legislation and assistance under resolution 1540.",
            course_revision: 3,
            // Whole seconds, as an issuance timestamp stored by the service would be compared.
            issued_at: Utc.timestamp_opt(Utc::now().timestamp(), 0).unwrap() - Duration::days(30),
            expires_at,
            issuer_name: "1540 Points of Contact Training",
            public_url: "https://lms.example.org",
        }
    }

    /// The keys a verifier gets from the published JWKS.
    fn published(keys: &[&SigningKey]) -> Vec<PublicKey> {
        let set = jwks(&keys.iter().map(|key| key.public_key()).collect::<Vec<_>>());
        set["keys"].as_array().unwrap().iter().map(|jwk| PublicKey::from_jwk(jwk).unwrap()).collect()
    }

    fn segment(token: &str, index: usize) -> Value {
        let part = token.split('.').nth(index).unwrap();
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
    }

    #[test]
    fn a_signed_credential_verifies_against_the_published_jwks() {
        let key = SigningKey::generate();
        let data = data(Some(Utc::now() + Duration::days(730)));
        let token = sign(&key, &data).unwrap();
        let credential = verify(&token, &published(&[&key])).unwrap();

        assert_eq!(credential["@context"], json!([VC_CONTEXT, OB_CONTEXT]));
        assert_eq!(credential["type"], json!(["VerifiableCredential", "OpenBadgeCredential"]));
        assert_eq!(credential["id"], format!("urn:uuid:{}", data.certificate_id));
        assert_eq!(
            credential["issuer"],
            json!({ "id": "https://lms.example.org", "type": ["Profile"], "name": data.issuer_name })
        );
        assert_eq!(credential["name"], "National Implementation of UNSCR 1540 certificate");
        assert!(
            credential["description"]
                .as_str()
                .unwrap()
                .contains("https://lms.example.org/verify/POC-7K3M-Q9XD-2HTR")
        );
        assert_eq!(credential["validFrom"], data.issued_at.to_rfc3339_opts(SecondsFormat::Secs, true));
        assert_eq!(
            credential["validUntil"],
            data.expires_at.unwrap().to_rfc3339_opts(SecondsFormat::Secs, true)
        );

        let subject = &credential["credentialSubject"];
        assert_eq!(subject["id"], format!("urn:uuid:{}", data.holder_id));
        assert_eq!(subject["type"], json!(["AchievementSubject"]));
        assert_eq!(subject["identifier"][0]["identityHash"], "Amina Diallo");
        let achievement = &subject["achievement"];
        assert_eq!(achievement["id"], format!("https://lms.example.org/courses/{}", data.course_id));
        assert_eq!(achievement["type"], json!(["Achievement"]));
        assert_eq!(achievement["achievementType"], "Certificate");
        assert_eq!(achievement["name"], data.course_title);
        assert_eq!(achievement["description"], data.course_summary);
        assert_eq!(
            achievement["criteria"]["narrative"],
            "Completed every module of the course, revision 3, including its quizzes."
        );
        // The returned credential is the document without the JWT claims.
        for claim in JWT_CLAIMS {
            assert!(credential.get(claim).is_none(), "{claim} left in the credential");
        }
    }

    #[test]
    fn header_and_claims_follow_the_open_badges_vc_jwt_layout() {
        let key = SigningKey::generate();
        let data = data(Some(Utc::now() + Duration::days(365)));
        let token = sign(&key, &data).unwrap();

        let header = segment(&token, 0);
        assert_eq!(header["alg"], "EdDSA");
        assert_eq!(header["typ"], "JWT");
        assert_eq!(header["kid"], key.kid.as_str());
        assert_eq!(header["jwk"]["x"], key.public_jwk()["x"]);
        assert!(header["jwk"].get("d").is_none());
        let names: Vec<&str> = header.as_object().unwrap().keys().map(String::as_str).collect();
        assert!(names.iter().all(|name| ["alg", "typ", "kid", "jwk"].contains(name)), "{names:?}");

        let payload = segment(&token, 1);
        assert!(payload.get("vc").is_none(), "the credential is the payload, not a vc claim");
        assert_eq!(payload["iss"], payload["issuer"]["id"]);
        assert_eq!(payload["sub"], payload["credentialSubject"]["id"]);
        assert_eq!(payload["jti"], payload["id"]);
        assert_eq!(payload["nbf"], data.issued_at.timestamp());
        assert_eq!(payload["iat"], data.issued_at.timestamp());
        assert_eq!(payload["exp"], data.expires_at.unwrap().timestamp());
        assert!(!token.contains('='), "compact JWS segments are unpadded base64url");
    }

    #[test]
    fn a_credential_that_does_not_expire_has_no_valid_until_or_exp() {
        let key = SigningKey::generate();
        let token = sign(&key, &data(None)).unwrap();
        assert!(segment(&token, 1).get("exp").is_none());
        let credential = verify(&token, &published(&[&key])).unwrap();
        assert!(credential.get("validUntil").is_none());
        assert!(credential.get("validFrom").is_some());
    }

    #[test]
    fn a_trailing_slash_on_the_public_url_is_dropped() {
        let key = SigningKey::generate();
        let data = CredentialSubjectData { public_url: "https://lms.example.org/", ..data(None) };
        let credential = verify(&sign(&key, &data).unwrap(), &published(&[&key])).unwrap();
        assert_eq!(credential["issuer"]["id"], "https://lms.example.org");
        assert!(
            credential["credentialSubject"]["achievement"]["id"]
                .as_str()
                .unwrap()
                .starts_with("https://lms.example.org/courses/")
        );
    }

    #[test]
    fn changing_one_byte_of_the_payload_breaks_the_signature() {
        let key = SigningKey::generate();
        let token = sign(&key, &data(None)).unwrap();
        let parts: Vec<&str> = token.split('.').collect();
        let mut json = URL_SAFE_NO_PAD.decode(parts[1]).unwrap();
        // One letter of the holder's name: the JSON stays valid, so only the signature can tell.
        let at = json.windows(5).position(|w| w == b"Amina").unwrap();
        json[at] = b'E';
        assert!(serde_json::from_slice::<Value>(&json).is_ok());
        let forged = format!("{}.{}.{}", parts[0], URL_SAFE_NO_PAD.encode(&json), parts[2]);
        assert!(matches!(verify(&forged, &published(&[&key])), Err(CredentialError::BadSignature)));
    }

    #[test]
    fn a_token_signed_by_another_key_is_refused() {
        let (ours, theirs) = (SigningKey::generate(), SigningKey::generate());
        let token = sign(&theirs, &data(None)).unwrap();
        assert!(
            matches!(verify(&token, &published(&[&ours])), Err(CredentialError::UnknownKey(kid)) if kid == theirs.kid)
        );

        // Claiming our kid does not help: the signature is checked with our key.
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(ours.kid.clone());
        let forged = jsonwebtoken::encode(&header, &payload(&data(None)), theirs.encoding_key()).unwrap();
        assert!(matches!(verify(&forged, &published(&[&ours])), Err(CredentialError::BadSignature)));

        // Nor does embedding their own public key in the header.
        header.jwk = Some(serde_json::from_value(theirs.public_jwk()).unwrap());
        let forged = jsonwebtoken::encode(&header, &payload(&data(None)), theirs.encoding_key()).unwrap();
        assert!(matches!(verify(&forged, &published(&[&ours])), Err(CredentialError::BadSignature)));
    }

    #[test]
    fn an_expired_credential_is_refused() {
        let key = SigningKey::generate();
        let data = CredentialSubjectData {
            issued_at: Utc::now() - Duration::days(400),
            expires_at: Some(Utc::now() - Duration::days(1)),
            ..data(None)
        };
        let token = sign(&key, &data).unwrap();
        assert!(matches!(verify(&token, &published(&[&key])), Err(CredentialError::Expired)));
    }

    #[test]
    fn a_credential_from_the_future_is_not_valid_yet() {
        let key = SigningKey::generate();
        let data = CredentialSubjectData { issued_at: Utc::now() + Duration::days(1), ..data(None) };
        let token = sign(&key, &data).unwrap();
        assert!(matches!(verify(&token, &published(&[&key])), Err(CredentialError::NotYetValid)));
    }

    #[test]
    fn old_and_new_keys_both_verify_after_a_rotation() {
        let (old, new) = (SigningKey::generate(), SigningKey::generate());
        let before = sign(&old, &data(None)).unwrap();
        let after = sign(&new, &data(Some(Utc::now() + Duration::days(365)))).unwrap();
        let keys = published(&[&new, &old]);
        assert!(verify(&before, &keys).is_ok());
        assert!(verify(&after, &keys).is_ok());
        // A key reloaded from its PEM keeps signing verifiable credentials.
        let reloaded = SigningKey::from_pem(&old.to_pem()).unwrap();
        assert!(verify(&sign(&reloaded, &data(None)).unwrap(), &keys).is_ok());
    }

    #[test]
    fn claims_that_disagree_with_the_credential_are_refused() {
        let key = SigningKey::generate();
        let keys = published(&[&key]);
        let resign = |change: &dyn Fn(&mut Value)| {
            let mut body = payload(&data(None));
            change(&mut body);
            let mut header = Header::new(Algorithm::EdDSA);
            header.kid = Some(key.kid.clone());
            verify(&jsonwebtoken::encode(&header, &body, key.encoding_key()).unwrap(), &keys)
        };
        assert!(resign(&|_| {}).is_ok());
        let inconsistent =
            |change: &dyn Fn(&mut Value)| matches!(resign(change), Err(CredentialError::Inconsistent(_)));
        assert!(inconsistent(&|body| body["iss"] = json!("https://elsewhere.example")));
        assert!(inconsistent(&|body| body["sub"] = json!("urn:uuid:00000000-0000-0000-0000-000000000000")));
        assert!(inconsistent(&|body| body["jti"] = json!("urn:uuid:00000000-0000-0000-0000-000000000000")));
        assert!(inconsistent(&|body| body["nbf"] = json!(body["nbf"].as_i64().unwrap() - 1)));
        assert!(inconsistent(&|body| body["validUntil"] = json!("2999-01-01T00:00:00Z")));
        assert!(inconsistent(&|body| body["type"] = json!(["VerifiableCredential"])));
        assert!(inconsistent(&|body| {
            body.as_object_mut().unwrap().remove("jti");
        }));
    }

    #[test]
    fn tokens_without_a_kid_or_not_eddsa_are_refused() {
        let key = SigningKey::generate();
        let keys = published(&[&key]);
        let header = Header::new(Algorithm::EdDSA);
        let no_kid = jsonwebtoken::encode(&header, &payload(&data(None)), key.encoding_key()).unwrap();
        assert!(matches!(verify(&no_kid, &keys), Err(CredentialError::MissingKid)));

        let mut hs256 = Header::new(Algorithm::HS256);
        hs256.kid = Some(key.kid.clone());
        let secret = EncodingKey::from_secret(URL_SAFE_NO_PAD.encode(key.public_key().as_bytes()).as_bytes());
        let confused = jsonwebtoken::encode(&hs256, &payload(&data(None)), &secret).unwrap();
        assert!(verify(&confused, &keys).is_err());
        assert!(matches!(verify("not.a.token", &keys), Err(CredentialError::Malformed(_))));
    }
}
