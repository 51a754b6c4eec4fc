//! A certificate in its three outward forms: the PDF, the signed credential, and the public
//! verification page.

use diesel::prelude::*;
use diesel_async::AsyncPgConnection;
use diesel_async::RunQueryDsl;

use super::credential::{self, CredentialSubjectData};
use super::keys;
use super::model::{Certificate, Verification, verify_url};
use super::pdf::{CertificateDocument, PdfError, render_pdf};
use crate::db::schema::courses;
use crate::http::ApiError;
use crate::state::AppState;

/// Renders the PDF on the blocking pool: laying out and subsetting a font is CPU work.
pub async fn pdf(state: &AppState, certificate: &Certificate) -> Result<Vec<u8>, ApiError> {
    let holder = certificate.holder_name.clone();
    let title = certificate.course_title.clone();
    let code = certificate.code.clone();
    let issuer = state.config.issuer_name.clone();
    let url = verify_url(&state.config.public_url, &certificate.code);
    let issued_on = certificate.issued_at.date_naive();
    let expires_on = certificate.expires_at.map(|e| e.date_naive());
    let span = tracing::Span::current();
    tokio::task::spawn_blocking(move || {
        span.in_scope(|| {
            render_pdf(&CertificateDocument {
                holder_name: &holder,
                course_title: &title,
                issued_on,
                expires_on,
                code: &code,
                issuer_name: &issuer,
                verify_url: &url,
            })
        })
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(|error| match error {
        // A name in a script the embedded font lacks is a known limit, not a server fault.
        PdfError::UnsupportedCharacters { .. } => {
            ApiError::Conflict(format!("the certificate PDF cannot be drawn: {error}"))
        }
        other => ApiError::internal(other),
    })
}

pub async fn credential(
    state: &AppState,
    conn: &mut AsyncPgConnection,
    certificate: &Certificate,
) -> Result<String, ApiError> {
    let summary: String =
        courses::table.find(certificate.course_id).select(courses::summary).first(conn).await?;
    let key = keys::active_key(conn, state.file_signing_key.as_deref()).await?;
    let public_url = state.config.public_url.as_str().trim_end_matches('/').to_owned();
    let data = CredentialSubjectData {
        certificate_id: certificate.id,
        code: &certificate.code,
        holder_id: certificate.user_id,
        holder_name: &certificate.holder_name,
        course_id: certificate.course_id,
        course_title: &certificate.course_title,
        course_summary: &summary,
        course_revision: certificate.course_revision,
        issued_at: certificate.issued_at,
        expires_at: certificate.expires_at,
        issuer_name: &state.config.issuer_name,
        public_url: &public_url,
    };
    credential::sign(&key, &data).map_err(ApiError::internal)
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title><style>body{{font-family:Arial,Helvetica,sans-serif;max-width:36em;margin:2em auto;padding:0 1em;color:#1a1a1a}}\
         .status{{font-size:1.6em;font-weight:bold}}.valid{{color:#1b6e20}}.other{{color:#a11}}dt{{font-weight:bold;margin-top:.6em}}</style></head>\
         <body>{body}</body></html>",
        escape(title)
    )
}

/// The page a person sees after scanning the QR code: the status in words, the holder, the
/// course and the dates; nothing else about the person.
pub fn verification_page(found: &Verification, issuer_name: &str) -> String {
    let date = |d: chrono::DateTime<chrono::Utc>| d.format("%-d %B %Y").to_string();
    let class = if found.status == super::model::CertificateStatus::Valid { "valid" } else { "other" };
    let expiry = found.expires_at.map_or_else(|| "Does not expire".to_owned(), date);
    let revoked = match (&found.revoked_at, &found.revocation_reason) {
        (Some(at), Some(reason)) => format!("<dt>Revoked</dt><dd>{} ({})</dd>", date(*at), escape(reason)),
        _ => String::new(),
    };
    page(
        &format!("Certificate {}", found.code),
        &format!(
            "<h1>Certificate {code}</h1><p class=\"status {class}\">{status}</p><dl><dt>Holder</dt><dd>{holder}</dd>\
             <dt>Course</dt><dd>{course}</dd><dt>Issued</dt><dd>{issued}</dd><dt>Valid until</dt><dd>{expiry}</dd>{revoked}\
             <dt>Issued by</dt><dd>{issuer}</dd></dl>",
            code = escape(&found.code),
            status = found.status.in_words(),
            holder = escape(&found.holder_name),
            course = escape(&found.course_title),
            issued = date(found.issued_at),
            issuer = escape(issuer_name),
        ),
    )
}

pub fn unknown_code_page() -> String {
    page(
        "Unknown certificate",
        "<h1>Unknown certificate</h1><p>No certificate has this code. Check the code and try again.</p>",
    )
}
