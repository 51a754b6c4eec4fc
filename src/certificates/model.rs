//! A certificate row, its derived status and what the API shows of it.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::db::schema::certificates;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = certificates)]
pub struct Certificate {
    pub id: Uuid,
    pub code: String,
    pub enrolment_id: Uuid,
    pub user_id: Uuid,
    pub course_id: Uuid,
    pub course_revision: i32,
    pub cohort_id: Option<Uuid>,
    pub holder_name: String,
    pub course_title: String,
    pub issued_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub revocation_reason: Option<String>,
    pub revoked_by: Option<Uuid>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CertificateStatus {
    Valid,
    Expired,
    Revoked,
    Superseded,
}

impl CertificateStatus {
    pub fn in_words(self) -> &'static str {
        match self {
            CertificateStatus::Valid => "Valid",
            CertificateStatus::Expired => "Expired",
            CertificateStatus::Revoked => "Revoked",
            CertificateStatus::Superseded => "Superseded by a newer certificate",
        }
    }
}

/// Revoked beats superseded beats expired: the strongest reason not to rely on it.
pub fn status(certificate: &Certificate, superseded: bool, now: DateTime<Utc>) -> CertificateStatus {
    if certificate.revoked_at.is_some() {
        CertificateStatus::Revoked
    } else if superseded {
        CertificateStatus::Superseded
    } else if certificate.expires_at.is_some_and(|e| e <= now) {
        CertificateStatus::Expired
    } else {
        CertificateStatus::Valid
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CertificateView {
    pub id: Uuid,
    pub code: String,
    pub course_id: Uuid,
    pub user_id: Uuid,
    pub enrolment_id: Uuid,
    pub course_title: String,
    pub course_revision: i32,
    pub holder_name: String,
    pub status: CertificateStatus,
    pub issued_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub revocation_reason: Option<String>,
    /// The public page anyone can open (the QR code on the PDF points here).
    pub verify_url: String,
}

/// What anyone may learn from a verification code: no email, no ids.
#[derive(Debug, Serialize, ToSchema)]
pub struct Verification {
    pub code: String,
    pub status: CertificateStatus,
    pub holder_name: String,
    pub course_title: String,
    pub issued_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub revocation_reason: Option<String>,
}

pub fn verify_url(public_url: &url::Url, code: &str) -> String {
    let mut url = public_url.clone();
    url.set_path(&format!("verify/{code}"));
    url.to_string()
}

impl CertificateView {
    pub fn new(c: &Certificate, status: CertificateStatus, public_url: &url::Url) -> Self {
        CertificateView {
            id: c.id,
            code: c.code.clone(),
            course_id: c.course_id,
            user_id: c.user_id,
            enrolment_id: c.enrolment_id,
            course_title: c.course_title.clone(),
            course_revision: c.course_revision,
            holder_name: c.holder_name.clone(),
            status,
            issued_at: c.issued_at,
            expires_at: c.expires_at,
            revoked_at: c.revoked_at,
            revocation_reason: c.revocation_reason.clone(),
            verify_url: verify_url(public_url, &c.code),
        }
    }
}

impl Verification {
    pub fn new(c: &Certificate, status: CertificateStatus) -> Self {
        Verification {
            code: c.code.clone(),
            status,
            holder_name: c.holder_name.clone(),
            course_title: c.course_title.clone(),
            issued_at: c.issued_at,
            expires_at: c.expires_at,
            revoked_at: c.revoked_at,
            revocation_reason: c.revocation_reason.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn certificate(expires_in_days: Option<i64>, revoked: bool) -> Certificate {
        let now = Utc::now();
        Certificate {
            id: Uuid::new_v4(),
            code: "POC-0000-0000-0000".into(),
            enrolment_id: Uuid::new_v4(),
            user_id: Uuid::new_v4(),
            course_id: Uuid::new_v4(),
            course_revision: 1,
            cohort_id: None,
            holder_name: "A".into(),
            course_title: "C".into(),
            issued_at: now,
            expires_at: expires_in_days.map(|d| now + chrono::Duration::days(d)),
            revoked_at: revoked.then_some(now),
            revocation_reason: revoked.then(|| "error".into()),
            revoked_by: None,
        }
    }

    #[test]
    fn status_is_derived_with_revocation_first() {
        let now = Utc::now();
        assert_eq!(status(&certificate(Some(10), false), false, now), CertificateStatus::Valid);
        assert_eq!(status(&certificate(None, false), false, now), CertificateStatus::Valid);
        assert_eq!(status(&certificate(Some(-1), false), false, now), CertificateStatus::Expired);
        assert_eq!(status(&certificate(Some(-1), false), true, now), CertificateStatus::Superseded);
        assert_eq!(status(&certificate(Some(10), true), true, now), CertificateStatus::Revoked);
    }
}
