//! Password policy and Argon2id hashing. Hashing is CPU- and memory-hard by design, so it runs
//! on dedicated threads (never on an actix worker), one per core, each reusing one work area:
//! a login storm then queues instead of exhausting memory (19 MiB per hash) or starving requests.

use std::sync::OnceLock;

use argon2::password_hash::phc::{Output, ParamsString, PasswordHash, Salt};
use argon2::{Algorithm, Argon2, Params, Version};

use super::hashing_threads::{HashingThreads, WorkArea};
use crate::http::{ApiError, FieldError};

/// OWASP's minimum for Argon2id: 19 MiB, two passes, one lane.
pub const MEMORY_KIB: u32 = 19_456;
pub const ITERATIONS: u32 = 2;
pub const PARALLELISM: u32 = 1;

pub const MIN_LENGTH: usize = 12;
pub const MAX_LENGTH: usize = 256;

/// Passwords that meet the length rule yet are among the first any attacker tries.
const COMMON_PASSWORDS: &[&str] = &[
    "123456789012",
    "1234567890123",
    "12345678901234",
    "123456789000",
    "111111111111",
    "000000000000",
    "123123123123",
    "password1234",
    "password12345",
    "password123456",
    "passwordpassword",
    "password!234",
    "qwertyuiop12",
    "qwertyuiop123",
    "qwertyuiopasdf",
    "1q2w3e4r5t6y",
    "1qaz2wsx3edc",
    "1qaz2wsx3edc4rfv",
    "qazwsxedcrfv",
    "asdfghjkl123",
    "zxcvbnm12345",
    "iloveyou1234",
    "letmein12345",
    "welcome12345",
    "welcome123456",
    "changeme1234",
    "changeme12345",
    "administrator",
    "administrator1",
    "admin1234567",
    "adminadmin12",
    "abcdefghijkl",
    "abcdef123456",
    "abc123456789",
    "trustno1trustno1",
    "football1234",
    "baseball1234",
    "sunshine1234",
    "princess1234",
    "superman1234",
    "starwars1234",
    "dragon123456",
    "monkey123456",
    "master123456",
    "qwerty123456",
    "qwertyqwerty",
    "passw0rd1234",
    "p@ssw0rd1234",
    "p@ssword1234",
    "secret123456",
    "mypassword123",
    "correcthorsebatterystaple",
    "iloveyouiloveyou",
    "whatever1234",
    "computer1234",
    "internet1234",
    "1234qwerasdf",
    "q1w2e3r4t5y6",
    "aaaaaaaaaaaa",
    "summer202020",
    "winter202020",
    "spring202020",
    "autumn202020",
];

/// Returns every reason `password` is unacceptable for the account `email`.
pub fn policy_violations(password: &str, email: &str) -> Option<String> {
    let length = password.chars().count();
    if length < MIN_LENGTH {
        return Some(format!("must be at least {MIN_LENGTH} characters long"));
    }
    if length > MAX_LENGTH {
        return Some(format!("must be at most {MAX_LENGTH} characters long"));
    }
    let folded = password.trim().to_lowercase();
    if !email.is_empty() && folded == email.trim().to_lowercase() {
        return Some("must not be your email address".into());
    }
    if COMMON_PASSWORDS.contains(&folded.as_str()) {
        return Some("is one of the most commonly used passwords; choose another".into());
    }
    None
}

/// `Err` naming `field` when the password breaks the policy.
pub fn check_policy(password: &str, email: &str, field: &str) -> Result<(), FieldError> {
    match policy_violations(password, email) {
        Some(message) => Err(FieldError::new(field, message)),
        None => Ok(()),
    }
}

fn hasher() -> Argon2<'static> {
    // The constants are valid Argon2 parameters; Params::new only rejects out-of-range ones.
    let params = Params::new(MEMORY_KIB, ITERATIONS, PARALLELISM, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Blocks in today's work area (1 KiB each).
const CURRENT_BLOCKS: usize = MEMORY_KIB as usize;

fn failed(error: impl std::fmt::Display) -> ApiError {
    ApiError::internal(anyhow::anyhow!("password hashing failed: {error}"))
}

/// Argon2 over `area`: the output for `password` and `salt` with the given settings.
fn derive(
    area: &mut WorkArea,
    argon2: &Argon2,
    password: &[u8],
    salt: &[u8],
    output_len: usize,
) -> Result<Output, ApiError> {
    let mut output = vec![0u8; output_len];
    area.with_blocks(argon2.params().block_count(), CURRENT_BLOCKS, |blocks| {
        argon2.hash_password_into_with_memory(password, salt, &mut output, blocks)
    })
    .map_err(failed)?;
    Output::new(&output).map_err(failed)
}

fn hash_now(area: &mut WorkArea, password: &[u8]) -> Result<String, ApiError> {
    let argon2 = hasher();
    let salt_bytes: [u8; 16] = rand::random();
    let salt = Salt::new(&salt_bytes).map_err(failed)?;
    let output = derive(area, &argon2, password, &salt_bytes, Params::DEFAULT_OUTPUT_LEN)?;
    let hash = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(argon2.params()).map_err(failed)?,
        salt: Some(salt),
        hash: Some(output),
    };
    Ok(hash.to_string())
}

/// Whether `password` produces `hash` under the algorithm, version and parameters written in
/// the hash itself, so hashes made with older settings still verify. The comparison of the
/// outputs is constant-time (`Output`'s equality).
fn matches(area: &mut WorkArea, password: &[u8], hash: &PasswordHash) -> bool {
    let (Some(salt), Some(expected)) = (&hash.salt, &hash.hash) else { return false };
    let Ok(algorithm) = Algorithm::try_from(hash.algorithm.as_str()) else { return false };
    let Ok(version) = hash.version.map(Version::try_from).transpose() else { return false };
    let Ok(params) = Params::try_from(hash) else { return false };
    let argon2 = Argon2::new(algorithm, version.unwrap_or_default(), params);
    derive(area, &argon2, password, salt.as_ref(), expected.len()).is_ok_and(|computed| computed == *expected)
}

/// A hash of nothing anyone knows, verified against when the account does not exist so that
/// an unknown email costs the same as a wrong password.
fn dummy_hash(area: &mut WorkArea) -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let random: [u8; 32] = rand::random();
        hash_now(area, &random).unwrap_or_default()
    })
}

/// The outcome of checking a password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verification {
    pub matches: bool,
    /// The stored hash uses other parameters than today's and should be replaced.
    pub needs_rehash: bool,
}

/// Runs Argon2 on dedicated threads, one per core.
#[derive(Clone)]
pub struct PasswordService {
    threads: HashingThreads,
}

impl PasswordService {
    pub fn new(concurrency: usize) -> Self {
        Self { threads: HashingThreads::start(concurrency) }
    }

    pub async fn hash(&self, password: &str) -> Result<String, ApiError> {
        let password = password.as_bytes().to_vec();
        self.threads.run(move |area| hash_now(area, &password)).await?
    }

    /// Checks `password` against `stored`, or against a dummy hash when there is no account.
    pub async fn verify(&self, password: &str, stored: Option<&str>) -> Result<Verification, ApiError> {
        let password = password.as_bytes().to_vec();
        let stored = stored.map(str::to_owned);
        self.threads
            .run(move |area| {
                let real = stored.is_some();
                let hash_text = stored.unwrap_or_else(|| dummy_hash(area).to_owned());
                let Ok(hash) = PasswordHash::new(&hash_text) else {
                    return Verification { matches: false, needs_rehash: false };
                };
                let matches = matches(area, &password, &hash) && real;
                Verification { matches, needs_rehash: matches && !uses_current_parameters(&hash) }
            })
            .await
    }
}

fn uses_current_parameters(hash: &PasswordHash) -> bool {
    let param = |name: &str| hash.params.get_decimal(name);
    hash.algorithm.as_str() == "argon2id"
        && hash.version == Some(0x13)
        && param("m") == Some(MEMORY_KIB)
        && param("t") == Some(ITERATIONS)
        && param("p") == Some(PARALLELISM)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_rules() {
        assert!(policy_violations("short", "a@b.org").unwrap().contains("at least 12"));
        assert!(policy_violations(&"x".repeat(257), "a@b.org").unwrap().contains("at most 256"));
        assert!(
            policy_violations("Ana.Petrova@Example.org", "ana.petrova@example.org")
                .unwrap()
                .contains("email")
        );
        assert!(policy_violations("Password1234", "a@b.org").unwrap().contains("common"));
        assert!(policy_violations("correct horse battery", "a@b.org").is_none());
        // Length counts characters, not bytes.
        assert!(policy_violations("пароль-длинный", "a@b.org").is_none());
    }

    #[tokio::test]
    async fn hashes_are_argon2id_with_owasp_parameters_and_verify() {
        let service = PasswordService::new(1);
        let hash = service.hash("a long enough passphrase").await.unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
        let ok = service.verify("a long enough passphrase", Some(&hash)).await.unwrap();
        assert_eq!(ok, Verification { matches: true, needs_rehash: false });
        let wrong = service.verify("another passphrase!", Some(&hash)).await.unwrap();
        assert!(!wrong.matches);
        let absent = service.verify("a long enough passphrase", None).await.unwrap();
        assert!(!absent.matches);
        // The reusable work area gives exactly what the argon2 crate's own API gives.
        use argon2::PasswordVerifier;
        let parsed = PasswordHash::new(&hash).unwrap();
        assert!(Argon2::default().verify_password(b"a long enough passphrase", &parsed).is_ok());
        assert!(Argon2::default().verify_password(b"another passphrase!", &parsed).is_err());
    }

    #[tokio::test]
    async fn weaker_old_hashes_verify_and_ask_for_a_rehash() {
        use argon2::PasswordHasher;
        let weak = Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::new(8192, 1, 1, None).unwrap())
            .hash_password(b"a long enough passphrase")
            .unwrap()
            .to_string();
        let service = PasswordService::new(1);
        let outcome = service.verify("a long enough passphrase", Some(&weak)).await.unwrap();
        assert_eq!(outcome, Verification { matches: true, needs_rehash: true });
    }
}
