//! People: accounts with a role, an organisation and a status, and the rules on their fields
//! (email normalisation, names, languages). Authentication itself lives in `auth`.

pub mod admin;
pub mod profile;
pub mod record;
pub mod routes;
pub mod store;

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::db::schema::users;
use crate::http::FieldError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Trainee,
    Instructor,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Trainee => "trainee",
            Role::Instructor => "instructor",
            Role::Admin => "admin",
        }
    }

    /// Instructors and admins build and run courses; admins may do everything instructors may.
    pub fn is_staff(self) -> bool {
        matches!(self, Role::Instructor | Role::Admin)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "trainee" => Ok(Role::Trainee),
            "instructor" => Ok(Role::Instructor),
            "admin" => Ok(Role::Admin),
            other => Err(format!("unknown role `{other}`")),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum UserStatus {
    Active,
    Deactivated,
}

impl UserStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            UserStatus::Active => "active",
            UserStatus::Deactivated => "deactivated",
        }
    }
}

/// A row of `users`.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: Uuid,
    pub email: String,
    pub email_key: String,
    pub full_name: String,
    pub role: String,
    pub organisation_id: Option<Uuid>,
    pub preferred_language: String,
    pub status: String,
    pub email_verified_at: Option<DateTime<Utc>>,
    pub password_hash: String,
    pub token_version: i32,
    pub reminder_emails: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl User {
    /// The stored role; the CHECK constraint keeps it one of the three.
    pub fn role(&self) -> Role {
        self.role.parse().unwrap_or(Role::Trainee)
    }

    pub fn is_active(&self) -> bool {
        self.status == UserStatus::Active.as_str()
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub email: &'a str,
    pub full_name: &'a str,
    pub role: &'a str,
    pub organisation_id: Option<Uuid>,
    pub preferred_language: &'a str,
    pub email_verified_at: Option<DateTime<Utc>>,
    pub password_hash: &'a str,
}

/// A user as the API shows it (never the password hash or token version).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UserProfile {
    pub id: Uuid,
    pub email: String,
    pub full_name: String,
    pub role: Role,
    pub organisation_id: Option<Uuid>,
    pub preferred_language: String,
    pub status: UserStatus,
    pub email_verified: bool,
    /// Whether reminder emails (deadlines, expiry) are wanted; account emails are always sent.
    pub reminder_emails: bool,
    pub created_at: DateTime<Utc>,
}

impl From<&User> for UserProfile {
    fn from(user: &User) -> Self {
        UserProfile {
            id: user.id,
            email: user.email.clone(),
            full_name: user.full_name.clone(),
            role: user.role(),
            organisation_id: user.organisation_id,
            preferred_language: user.preferred_language.clone(),
            status: if user.is_active() { UserStatus::Active } else { UserStatus::Deactivated },
            email_verified: user.email_verified_at.is_some(),
            reminder_emails: user.reminder_emails,
            created_at: user.created_at,
        }
    }
}

/// Trims an email address and checks it is one lettre can deliver to; the comparison key is
/// its lower-case form (`users.email_key`).
pub fn normalise_email(raw: &str) -> Result<String, FieldError> {
    let email = raw.trim();
    if email.len() > 254 {
        return Err(FieldError::new("email", "must be at most 254 characters"));
    }
    match email.parse::<lettre::Address>() {
        Ok(_) => Ok(email.to_owned()),
        Err(_) => Err(FieldError::new("email", "is not a valid email address")),
    }
}

pub fn email_key(email: &str) -> String {
    email.trim().to_lowercase()
}

/// A person's name as they write it, in any script: trimmed, 1–200 characters, no control
/// characters.
pub fn normalise_full_name(raw: &str, field: &str) -> Result<String, FieldError> {
    let name = raw.trim();
    let length = name.chars().count();
    if length == 0 {
        return Err(FieldError::new(field, "must not be empty"));
    }
    if length > 200 {
        return Err(FieldError::new(field, "must be at most 200 characters"));
    }
    if name.chars().any(char::is_control) {
        return Err(FieldError::new(field, "must not contain control characters"));
    }
    Ok(name.to_owned())
}

/// A BCP 47 language tag in its common shape (`en`, `fr`, `ru`, `pt-BR`, `sr-Latn`).
pub fn validate_language(tag: &str, field: &str) -> Result<(), FieldError> {
    let mut parts = tag.split('-');
    let primary_ok = parts
        .next()
        .is_some_and(|p| (2..=3).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphabetic()));
    let rest_ok = parts.all(|p| (2..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()));
    if primary_ok && rest_ok && tag.len() <= 35 {
        Ok(())
    } else {
        Err(FieldError::new(field, "must be a BCP 47 language tag such as `en` or `pt-BR`"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_trimmed_validated_and_keyed_in_lower_case() {
        assert_eq!(normalise_email("  Ana.Petrova@Example.ORG ").unwrap(), "Ana.Petrova@Example.ORG");
        assert_eq!(email_key(" Ana.Petrova@Example.ORG"), "ana.petrova@example.org");
        assert!(normalise_email("not-an-address").is_err());
        assert!(normalise_email("a@").is_err());
        assert!(normalise_email(&format!("{}@example.org", "x".repeat(260))).is_err());
    }

    #[test]
    fn names_in_any_script_are_accepted() {
        assert_eq!(normalise_full_name(" Анна Петрова ", "full_name").unwrap(), "Анна Петрова");
        assert!(normalise_full_name("   ", "full_name").is_err());
        assert!(normalise_full_name("a\u{0007}b", "full_name").is_err());
    }

    #[test]
    fn language_tags() {
        for ok in ["en", "fr", "ru", "pt-BR", "sr-Latn", "zh-Hant-TW"] {
            assert!(validate_language(ok, "l").is_ok(), "{ok}");
        }
        for bad in ["", "e", "english-language-tag", "en_GB", "12"] {
            assert!(validate_language(bad, "l").is_err(), "{bad}");
        }
    }
}
