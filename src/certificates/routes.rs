//! Handlers for certificates, their documents and credentials, public verification and the JWKS.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::model::{Certificate, CertificateView, Verification};
use super::{code, documents, revoke, store};
use crate::http::extract::client_ip;
use crate::http::{AdminUser, ApiError, CurrentUser, JsonBody, Problem};
use crate::state::AppState;

/// Routes under `/api/v1`.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(my_certificates)
        .service(get_certificate)
        .service(certificate_pdf)
        .service(certificate_credential)
        .service(revoke_certificate)
        .service(verify_json);
}

/// Routes at the root: the page people reach from the QR code, and the JWKS.
pub fn configure_public(cfg: &mut ServiceConfig) {
    cfg.service(verify_page).service(jwks);
}

/// Your certificates, newest first, each with its status (`valid`, `expired`, `revoked`,
/// `superseded`).
///
/// Who: any signed-in user (their own).
#[utoipa::path(tag = "certificates", security(("bearer" = [])), responses((status = 200, body = Vec<CertificateView>), (status = 401, body = Problem)))]
#[get("/me/certificates")]
async fn my_certificates(
    state: web::Data<AppState>,
    user: CurrentUser,
) -> Result<web::Json<Vec<CertificateView>>, ApiError> {
    let mut conn = state.pool.get().await?;
    let list = store::for_user(&mut conn, user.id()).await?;
    let superseded = store::superseded(&mut conn, &list).await?;
    let now = chrono::Utc::now();
    Ok(web::Json(
        list.iter()
            .map(|c| {
                CertificateView::new(
                    c,
                    super::model::status(c, superseded.contains(&c.id), now),
                    &state.config.public_url,
                )
            })
            .collect(),
    ))
}

/// The certificate if `user` is its holder or an admin (or, when `instructors_too`, an
/// instructor of its course); 404 for anyone else.
async fn visible(
    conn: &mut diesel_async::AsyncPgConnection,
    user: &CurrentUser,
    id: Uuid,
    instructors_too: bool,
) -> Result<Certificate, ApiError> {
    let certificate = store::find(conn, id).await?.ok_or_else(ApiError::not_found)?;
    let allowed = certificate.user_id == user.id()
        || user.is_admin()
        || (instructors_too && crate::courses::access::may_edit(conn, user, certificate.course_id).await?);
    if allowed { Ok(certificate) } else { Err(ApiError::not_found()) }
}

/// One certificate with its status.
///
/// Who: its holder, admins, instructors of its course.
#[utoipa::path(tag = "certificates", security(("bearer" = [])), responses((status = 200, body = CertificateView), (status = 404, body = Problem)))]
#[get("/certificates/{id}")]
async fn get_certificate(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
) -> Result<web::Json<CertificateView>, ApiError> {
    let mut conn = state.pool.get().await?;
    let certificate = visible(&mut conn, &user, *id, true).await?;
    let status = store::status_of(&mut conn, &certificate).await?;
    Ok(web::Json(CertificateView::new(&certificate, status, &state.config.public_url)))
}

/// The certificate as a one-page A4 PDF with a QR code of its verification page (the same
/// bytes every time).
///
/// Who: its holder, admins.
#[utoipa::path(tag = "certificates", security(("bearer" = [])), responses(
    (status = 200, description = "The PDF", content_type = "application/pdf"), (status = 404, body = Problem)))]
#[get("/certificates/{id}/pdf")]
async fn certificate_pdf(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let certificate = {
        let mut conn = state.pool.get().await?;
        visible(&mut conn, &user, *id, false).await?
    };
    // Rendered with no connection held: it may wait for the blocking pool.
    let pdf = documents::pdf(&state, &certificate).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header(("Content-Disposition", format!("inline; filename=\"{}.pdf\"", certificate.code)))
        .body(pdf))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SignedCredential {
    /// Always `vc+jwt`.
    pub format: &'static str,
    /// An Open Badges 3.0 `OpenBadgeCredential`, signed with EdDSA (Ed25519); verify it with
    /// the keys at `/.well-known/jwks.json` (the header's `kid` names the key).
    pub credential: String,
    pub jwks_url: String,
}

/// The certificate as a signed, portable credential.
///
/// Who: its holder, admins.
#[utoipa::path(tag = "certificates", security(("bearer" = [])), responses((status = 200, body = SignedCredential), (status = 404, body = Problem)))]
#[get("/certificates/{id}/credential")]
async fn certificate_credential(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
) -> Result<web::Json<SignedCredential>, ApiError> {
    let mut conn = state.pool.get().await?;
    let certificate = visible(&mut conn, &user, *id, false).await?;
    let credential = documents::credential(&state, &mut conn, &certificate).await?;
    let mut jwks_url = state.config.public_url.clone();
    jwks_url.set_path(".well-known/jwks.json");
    Ok(web::Json(SignedCredential { format: "vc+jwt", credential, jwks_url: jwks_url.to_string() }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevokeRequest {
    /// Shown on the verification page and told to the holder.
    pub reason: String,
}

/// Revoke a certificate: its status changes everywhere at once and the holder is told.
///
/// Who: admin.
#[utoipa::path(tag = "certificates", security(("bearer" = [])), request_body = RevokeRequest, responses(
    (status = 200, body = CertificateView), (status = 403, body = Problem), (status = 404, body = Problem),
    (status = 409, body = Problem), (status = 422, body = Problem)))]
#[post("/certificates/{id}/revoke")]
async fn revoke_certificate(
    state: web::Data<AppState>,
    AdminUser(admin): AdminUser,
    id: web::Path<Uuid>,
    JsonBody(body): JsonBody<RevokeRequest>,
) -> Result<web::Json<CertificateView>, ApiError> {
    let certificate = revoke::revoke(&state, &admin, *id, &body.reason).await?;
    let mut conn = state.pool.get().await?;
    let status = store::status_of(&mut conn, &certificate).await?;
    Ok(web::Json(CertificateView::new(&certificate, status, &state.config.public_url)))
}

async fn lookup(state: &AppState, req: &HttpRequest, typed: &str) -> Result<Verification, ApiError> {
    state.verify_limiter.check(&client_ip(req))?;
    let unknown = || ApiError::NotFound("no certificate has this code".into());
    let code = code::normalise(typed).ok_or_else(unknown)?;
    let mut conn = state.pool.get().await?;
    let certificate = store::find_by_code(&mut conn, &code).await?.ok_or_else(unknown)?;
    let status = store::status_of(&mut conn, &certificate).await?;
    Ok(Verification::new(&certificate, status))
}

/// Check a certificate by its code: holder name, course, dates and status. Unknown codes are
/// 404 and reveal nothing. Rate limited per client address (`VERIFY_RATE_LIMIT_PER_MINUTE`).
///
/// Who: anyone.
#[utoipa::path(tag = "certificates", security(()), responses(
    (status = 200, body = Verification), (status = 404, body = Problem), (status = 429, body = Problem)))]
#[get("/verify/{code}")]
async fn verify_json(
    state: web::Data<AppState>,
    req: HttpRequest,
    code: web::Path<String>,
) -> Result<web::Json<Verification>, ApiError> {
    Ok(web::Json(lookup(&state, &req, &code).await?))
}

/// The verification as a page for people (where the QR code leads).
///
/// Who: anyone. Rate limited like the JSON form.
#[utoipa::path(tag = "certificates", security(()), responses(
    (status = 200, description = "An HTML page", content_type = "text/html"), (status = 404, description = "An HTML page saying the code is unknown"),
    (status = 429, body = Problem)))]
#[get("/verify/{code}")]
async fn verify_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    code: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    match lookup(&state, &req, &code).await {
        Ok(found) => Ok(HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .body(documents::verification_page(&found, &state.config.issuer_name))),
        Err(ApiError::NotFound(_)) => Ok(HttpResponse::NotFound()
            .content_type("text/html; charset=utf-8")
            .body(documents::unknown_code_page())),
        Err(other) => Err(other),
    }
}

/// The public keys that sign credentials (every key that ever signed, so old credentials keep
/// verifying after a rotation).
///
/// Who: anyone.
#[utoipa::path(tag = "certificates", security(()), responses((status = 200, description = "A JSON Web Key Set", content_type = "application/json")))]
#[get("/.well-known/jwks.json")]
async fn jwks(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let mut conn = state.pool.get().await?;
    let keys = super::keys::public_keys(&mut conn).await?;
    Ok(HttpResponse::Ok().content_type("application/json").json(super::signing::jwks(&keys)))
}
