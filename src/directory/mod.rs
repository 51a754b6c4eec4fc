//! The Point-of-Contact directory: organisations (States and international organisations) and
//! the seats in them whose holders must stay trained (`seats`).
//! The 57 OSCE participating States ship in `directory/organisations.toml` and are loaded at
//! start-up, idempotently.

pub mod routes;
pub mod seats;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::db::schema::organisations;
use crate::http::{ApiError, FieldError};

pub const KINDS: &[&str] = &["state", "international_organisation", "other"];

#[derive(Debug, Clone, Queryable, Selectable, Serialize, ToSchema)]
#[diesel(table_name = organisations)]
pub struct Organisation {
    pub id: Uuid,
    pub name: String,
    /// `state`, `international_organisation` or `other`.
    pub kind: String,
    /// ISO 3166-1 alpha-2.
    pub country_code: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOrganisation {
    pub name: String,
    pub kind: String,
    pub country_code: Option<String>,
}

#[derive(Deserialize)]
struct DefaultFile {
    organisations: Vec<NewOrganisation>,
}

const DEFAULTS: &str = include_str!("../../directory/organisations.toml");

/// Loads the shipped organisations; ones already present (same name or State code) stay as
/// they are. Returns how many were added.
pub async fn load_defaults(conn: &mut AsyncPgConnection) -> anyhow::Result<usize> {
    let file: DefaultFile = toml::from_str(DEFAULTS)?;
    let mut added = 0;
    for org in &file.organisations {
        added += diesel::insert_into(organisations::table)
            .values((
                organisations::name.eq(&org.name),
                organisations::kind.eq(&org.kind),
                organisations::country_code.eq(&org.country_code),
            ))
            .on_conflict_do_nothing()
            .execute(conn)
            .await?;
    }
    if added > 0 {
        tracing::info!(added, "default organisations loaded");
    }
    Ok(added)
}

/// 422 naming `field` unless the organisation exists.
pub async fn ensure_exists(
    conn: &mut AsyncPgConnection,
    id: Option<Uuid>,
    field: &str,
) -> Result<(), ApiError> {
    let Some(id) = id else { return Ok(()) };
    let found: bool =
        diesel::select(diesel::dsl::exists(organisations::table.find(id))).get_result(conn).await?;
    if found {
        Ok(())
    } else {
        Err(ApiError::Validation(vec![FieldError::new(field, "is not a known organisation")]))
    }
}

pub fn validate(request: &NewOrganisation) -> Result<(String, Option<String>), ApiError> {
    let mut errors = Vec::new();
    let name = request.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 200 {
        errors.push(FieldError::new("name", "must be 1 to 200 characters"));
    }
    if !KINDS.contains(&request.kind.as_str()) {
        errors.push(FieldError::new("kind", "must be state, international_organisation or other"));
    }
    let code = request.country_code.as_ref().map(|c| c.trim().to_ascii_uppercase());
    if code.as_ref().is_some_and(|c| c.len() != 2 || !c.chars().all(|ch| ch.is_ascii_uppercase())) {
        errors.push(FieldError::new("country_code", "must be an ISO 3166-1 alpha-2 code such as AT"));
    }
    if request.kind == "state" && code.is_none() {
        errors.push(FieldError::new("country_code", "is required for a State"));
    }
    if errors.is_empty() { Ok((name, code)) } else { Err(ApiError::Validation(errors)) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_list_has_the_57_participating_states_with_distinct_codes() {
        let file: DefaultFile = toml::from_str(DEFAULTS).unwrap();
        assert_eq!(file.organisations.len(), 57);
        let codes: std::collections::HashSet<_> =
            file.organisations.iter().map(|o| o.country_code.clone().unwrap()).collect();
        assert_eq!(codes.len(), 57);
        assert!(file.organisations.iter().all(|o| validate(o).is_ok()));
    }
}
