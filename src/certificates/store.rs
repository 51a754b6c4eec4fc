//! Queries on certificates and signing keys.

use std::collections::HashSet;

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::model::{self, Certificate, CertificateStatus};
use crate::db::schema::certificates;

pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<Certificate>> {
    certificates::table.find(id).select(Certificate::as_select()).first(conn).await.optional()
}

pub async fn find_by_code(conn: &mut AsyncPgConnection, code: &str) -> QueryResult<Option<Certificate>> {
    certificates::table
        .filter(certificates::code.eq(code))
        .select(Certificate::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn for_user(conn: &mut AsyncPgConnection, user_id: Uuid) -> QueryResult<Vec<Certificate>> {
    certificates::table
        .filter(certificates::user_id.eq(user_id))
        .order(certificates::issued_at.desc())
        .select(Certificate::as_select())
        .load(conn)
        .await
}

/// Of `certificates`, those that a later, unrevoked certificate for the same person and course
/// supersedes (one query for any number).
pub async fn superseded(conn: &mut AsyncPgConnection, list: &[Certificate]) -> QueryResult<HashSet<Uuid>> {
    let users: Vec<Uuid> = list.iter().map(|c| c.user_id).collect();
    let later: Vec<(Uuid, Uuid, chrono::DateTime<chrono::Utc>)> = certificates::table
        .filter(certificates::user_id.eq_any(&users))
        .filter(certificates::revoked_at.is_null())
        .select((certificates::user_id, certificates::course_id, certificates::issued_at))
        .load(conn)
        .await?;
    Ok(list
        .iter()
        .filter(|c| {
            later
                .iter()
                .any(|(u, course, issued)| *u == c.user_id && *course == c.course_id && *issued > c.issued_at)
        })
        .map(|c| c.id)
        .collect())
}

pub async fn status_of(
    conn: &mut AsyncPgConnection,
    certificate: &Certificate,
) -> QueryResult<CertificateStatus> {
    let superseded = superseded(conn, std::slice::from_ref(certificate)).await?;
    Ok(model::status(certificate, superseded.contains(&certificate.id), chrono::Utc::now()))
}

/// The newest certificate of a person for a course, if any.
/// The newest certificate that was not revoked: the one the person can rely on (an older one
/// only counts as superseded by a newer unrevoked one; see `superseded`).
pub async fn newest_unrevoked(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
    course_id: Uuid,
) -> QueryResult<Option<Certificate>> {
    certificates::table
        .filter(certificates::user_id.eq(user_id))
        .filter(certificates::course_id.eq(course_id))
        .filter(certificates::revoked_at.is_null())
        .order(certificates::issued_at.desc())
        .select(Certificate::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn latest(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
    course_id: Uuid,
) -> QueryResult<Option<Certificate>> {
    certificates::table
        .filter(certificates::user_id.eq(user_id))
        .filter(certificates::course_id.eq(course_id))
        .order(certificates::issued_at.desc())
        .select(Certificate::as_select())
        .first(conn)
        .await
        .optional()
}
