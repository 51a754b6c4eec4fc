//! Invitations: an admin invites a person by email with a role, an organisation and courses;
//! the emailed link works once, for 14 days, and creates the account.

use chrono::{Duration, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use uuid::Uuid;

use super::registration::{invalid_token, link};
use super::store::{self, INVITATION_DAYS, NewInvitation};
use super::{password, tokens};
use crate::http::{ApiError, CurrentUser};
use crate::notifications::messages::{self, MessageKind};
use crate::state::AppState;
use crate::users::{self, NewUser, Role, UserProfile};

#[derive(Debug, Deserialize, ToSchema)]
pub struct InvitationRequest {
    pub email: String,
    pub full_name: Option<String>,
    pub role: Role,
    pub organisation_id: Option<Uuid>,
    /// Courses to enrol the person in once they accept.
    #[serde(default)]
    pub course_ids: Vec<Uuid>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InvitationView {
    pub id: Uuid,
    pub email: String,
    pub full_name: Option<String>,
    pub role: Role,
    pub organisation_id: Option<Uuid>,
    pub course_ids: Vec<Uuid>,
    pub expires_at: chrono::DateTime<Utc>,
    pub created_at: chrono::DateTime<Utc>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AcceptInvitation {
    pub token: String,
    pub password: String,
    pub full_name: String,
}

pub async fn invite(
    state: &AppState,
    admin: &CurrentUser,
    request: &InvitationRequest,
) -> Result<InvitationView, ApiError> {
    let mut errors = Vec::new();
    let email = users::normalise_email(&request.email).map_err(|e| errors.push(e)).ok();
    let full_name = match &request.full_name {
        Some(name) => users::normalise_full_name(name, "full_name").map_err(|e| errors.push(e)).ok(),
        None => None,
    };
    let Some(email) = email.filter(|_| errors.is_empty()) else {
        return Err(ApiError::Validation(errors));
    };
    let public_url = &state.config.public_url;
    let mut conn = state.pool.get().await?;
    crate::directory::ensure_exists(&mut conn, request.organisation_id, "organisation_id").await?;
    conn.transaction(async |tx| {
        if users::store::find_by_email(tx, &email).await?.is_some() {
            return Err(ApiError::Conflict("a user with this email address already exists".into()));
        }
        let invitation = send_invitation(
            tx,
            public_url,
            &Invitee { email: &email, full_name: full_name.as_deref(), role: request.role, organisation_id: request.organisation_id },
            admin,
            &request.course_ids,
            &[],
        )
        .await?;
        tracing::info!(invitation_id = %invitation.id, invited_by = %admin.id(), role = %request.role, "invitation sent");
        Ok(InvitationView {
            id: invitation.id,
            email: invitation.email,
            full_name: invitation.full_name,
            role: request.role,
            organisation_id: invitation.organisation_id,
            course_ids: invitation.course_ids,
            expires_at: invitation.expires_at,
            created_at: invitation.created_at,
        })
    })
    .await
}

/// The person an invitation is for.
pub struct Invitee<'a> {
    pub email: &'a str,
    pub full_name: Option<&'a str>,
    pub role: Role,
    pub organisation_id: Option<Uuid>,
}

/// Stores an invitation and queues its email, in the caller's transaction. Accepting it
/// enrols the new account in `course_ids` (in the cohort among `cohort_ids` of each course).
pub async fn send_invitation(
    tx: &mut diesel_async::AsyncPgConnection,
    public_url: &url::Url,
    invitee: &Invitee<'_>,
    inviter: &CurrentUser,
    course_ids: &[Uuid],
    cohort_ids: &[Uuid],
) -> Result<store::Invitation, ApiError> {
    let (token, hash) = tokens::new_token();
    let expires_at = Utc::now() + Duration::days(INVITATION_DAYS);
    let invitation = store::insert_invitation(
        tx,
        &NewInvitation {
            email: invitee.email,
            full_name: invitee.full_name,
            role: invitee.role.as_str(),
            organisation_id: invitee.organisation_id,
            course_ids,
            token_hash: &hash,
            invited_by: Some(inviter.id()),
            expires_at,
            cohort_ids,
        },
    )
    .await?;
    let context = json!({
        "recipient_name": invitee.full_name.unwrap_or(invitee.email),
        "inviter_name": inviter.0.full_name,
        "role": invitee.role.as_str(),
        "expires_on": expires_at.format("%-d %B %Y").to_string(),
        "link": link(public_url, "accept-invitation", Some(&token)),
    });
    messages::queue(tx, public_url, MessageKind::Invitation, invitee.email, context, None).await?;
    Ok(invitation)
}

/// Creates the invited account. The email is verified by the act of following the link.
pub async fn accept(state: &AppState, request: &AcceptInvitation) -> Result<UserProfile, ApiError> {
    let hash = tokens::hash_token(&request.token);
    let invitation = {
        let mut conn = state.pool.get().await?;
        store::find_invitation(&mut conn, &hash, false).await?.ok_or_else(invalid_token)?
    };
    let mut errors = Vec::new();
    let full_name =
        users::normalise_full_name(&request.full_name, "full_name").map_err(|e| errors.push(e)).ok();
    if let Err(e) = password::check_policy(&request.password, &invitation.email, "password") {
        errors.push(e);
    }
    let Some(full_name) = full_name.filter(|_| errors.is_empty()) else {
        return Err(ApiError::Validation(errors));
    };
    let password_hash = state.passwords.hash(&request.password).await?;
    let mut conn = state.pool.get().await?;
    conn.transaction(async |tx| {
        let invitation = store::find_invitation(tx, &hash, true).await?.ok_or_else(invalid_token)?;
        if invitation.accepted_at.is_some() {
            return Err(ApiError::Conflict("this invitation has already been accepted".into()));
        }
        if invitation.expires_at <= Utc::now() {
            return Err(invalid_token());
        }
        if users::store::find_by_email(tx, &invitation.email).await?.is_some() {
            return Err(ApiError::Conflict("an account with this email address already exists".into()));
        }
        let user = users::store::insert(
            tx,
            &NewUser {
                email: &invitation.email,
                full_name: &full_name,
                role: &invitation.role,
                organisation_id: invitation.organisation_id,
                preferred_language: "en",
                email_verified_at: Some(Utc::now()),
                password_hash: &password_hash,
            },
        )
        .await?;
        store::mark_invitation_accepted(tx, invitation.id, user.id).await?;
        enrol_invited(tx, &state.config.public_url, &invitation, &user).await?;
        let summary = json!({"role": invitation.role, "invitation_id": invitation.id, "invited_by": invitation.invited_by});
        crate::audit::log(tx, invitation.invited_by, "user.created_by_invitation", "user", user.id, summary).await?;
        tracing::info!(user_id = %user.id, invitation_id = %invitation.id, "invitation accepted");
        Ok(UserProfile::from(&user))
    })
    .await
}

/// Enrols a newly accepted invitee in the invitation's courses. A course that cannot take them
/// (unpublished since, or its cohort closed) is skipped with a log line rather than failing
/// the account's creation.
async fn enrol_invited(
    tx: &mut diesel_async::AsyncPgConnection,
    public_url: &url::Url,
    invitation: &store::Invitation,
    user: &crate::users::User,
) -> Result<(), ApiError> {
    for course_id in &invitation.course_ids {
        let Some(course) = crate::courses::store::find_course(tx, *course_id).await? else { continue };
        let cohorts: Vec<Uuid> = crate::db::schema::cohorts::table
            .filter(crate::db::schema::cohorts::course_id.eq(course.id))
            .filter(crate::db::schema::cohorts::id.eq_any(&invitation.cohort_ids))
            .select(crate::db::schema::cohorts::id)
            .load(tx)
            .await?;
        let request = crate::enrolments::enrol::EnrolmentRequest {
            course: &course,
            user,
            cohort_id: <[Uuid]>::first(&cohorts).copied(),
            due_on: None,
            enrolled_by: invitation.invited_by,
        };
        // A savepoint, so one course that refuses does not undo the account.
        let outcome =
            tx.transaction(async |sp| crate::enrolments::enrol::enrol(sp, public_url, request).await).await;
        if let Err(error) = outcome {
            tracing::warn!(user_id = %user.id, %course_id, error = %error, "invited user not enrolled");
        }
    }
    Ok(())
}
