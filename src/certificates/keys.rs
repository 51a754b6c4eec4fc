//! Where the credential-signing key lives. With `SIGNING_KEY_PATH`, the PEM file there is the
//! key; without it, one is generated on first start and kept in the database so every instance
//! signs with the same key. Public keys stay in `signing_keys` forever, so the JWKS keeps every
//! key that ever signed and old credentials keep verifying after a rotation.

use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

use super::signing::{PublicKey, SigningKey};
use crate::config::Config;
use crate::db::schema::signing_keys;
use crate::http::ApiError;

/// Makes sure there is an active key at start-up (and records a file key's public half).
/// Returns the file's key, read once here: signing then never touches the disk, and the key
/// that signs is always the one whose public half was just recorded.
pub async fn ensure_active_key(
    conn: &mut AsyncPgConnection,
    config: &Config,
) -> anyhow::Result<Option<SigningKey>> {
    if let Some(path) = &config.signing_key_path {
        let key = read_key_file(path)?;
        conn.transaction(async |tx| {
            diesel::update(signing_keys::table.filter(signing_keys::kid.ne(&key.kid)))
                .set(signing_keys::active.eq(false))
                .execute(tx)
                .await?;
            diesel::insert_into(signing_keys::table)
                .values((
                    signing_keys::kid.eq(&key.kid),
                    signing_keys::public_jwk.eq(key.public_jwk()),
                    signing_keys::active.eq(true),
                ))
                .on_conflict(signing_keys::kid)
                .do_update()
                .set(signing_keys::active.eq(true))
                .execute(tx)
                .await?;
            Ok::<_, diesel::result::Error>(())
        })
        .await?;
        return Ok(Some(key));
    }
    let has_active: bool =
        diesel::select(diesel::dsl::exists(signing_keys::table.filter(signing_keys::active)))
            .get_result(conn)
            .await?;
    if !has_active {
        let key = SigningKey::generate();
        // Two instances starting together: the unique index on `active` lets one win.
        let inserted = diesel::insert_into(signing_keys::table)
            .values((
                signing_keys::kid.eq(&key.kid),
                signing_keys::public_jwk.eq(key.public_jwk()),
                signing_keys::private_pem.eq(key.to_pem()),
                signing_keys::active.eq(true),
            ))
            .on_conflict_do_nothing()
            .execute(conn)
            .await?;
        if inserted == 1 {
            tracing::warn!(kid = %key.kid, "SIGNING_KEY_PATH is unset: generated a credential-signing key and stored it in the database");
        }
    }
    Ok(None)
}

pub fn read_key_file(path: &std::path::Path) -> anyhow::Result<SigningKey> {
    let pem = std::fs::read_to_string(path)
        .map_err(|e| anyhow::anyhow!("invalid SIGNING_KEY_PATH: cannot read {}: {e}", path.display()))?;
    SigningKey::from_pem(&pem).map_err(|e| {
        anyhow::anyhow!("invalid SIGNING_KEY_PATH: {} is not an Ed25519 PKCS#8 PEM key: {e}", path.display())
    })
}

/// The key that signs new credentials: the `SIGNING_KEY_PATH` key read at start-up
/// (`AppState::file_signing_key`), or else the active one in the database.
pub async fn active_key(
    conn: &mut AsyncPgConnection,
    file_key: Option<&SigningKey>,
) -> Result<SigningKey, ApiError> {
    if let Some(key) = file_key {
        return Ok(key.clone());
    }
    let pem: Option<String> = signing_keys::table
        .filter(signing_keys::active)
        .select(signing_keys::private_pem)
        .first(conn)
        .await?;
    let pem = pem.ok_or_else(|| {
        ApiError::internal(anyhow::anyhow!("the active signing key has no private key in the database"))
    })?;
    SigningKey::from_pem(&pem)
        .map_err(|e| ApiError::internal(anyhow::anyhow!("stored signing key unreadable: {e}")))
}

/// Every public key that ever signed, newest first.
pub async fn public_keys(conn: &mut AsyncPgConnection) -> Result<Vec<PublicKey>, ApiError> {
    let jwks: Vec<serde_json::Value> = signing_keys::table
        .order(signing_keys::created_at.desc())
        .select(signing_keys::public_jwk)
        .load(conn)
        .await?;
    Ok(jwks.iter().filter_map(|jwk| PublicKey::from_jwk(jwk).ok()).collect())
}

/// `poc-lms rotate-signing-key`: a new active key; the old public keys stay published.
pub async fn rotate(conn: &mut AsyncPgConnection, config: &Config) -> anyhow::Result<String> {
    anyhow::ensure!(
        config.signing_key_path.is_none(),
        "SIGNING_KEY_PATH is set: rotate by putting a new key in that file and restarting; the old public key stays published"
    );
    let key = SigningKey::generate();
    conn.transaction(async |tx| {
        diesel::update(signing_keys::table.filter(signing_keys::active))
            .set(signing_keys::active.eq(false))
            .execute(tx)
            .await?;
        diesel::insert_into(signing_keys::table)
            .values((
                signing_keys::kid.eq(&key.kid),
                signing_keys::public_jwk.eq(key.public_jwk()),
                signing_keys::private_pem.eq(key.to_pem()),
                signing_keys::active.eq(true),
            ))
            .execute(tx)
            .await?;
        Ok::<_, diesel::result::Error>(())
    })
    .await?;
    Ok(key.kid.clone())
}
