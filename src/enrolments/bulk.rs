//! Bulk enrolment from CSV (`email,full_name,organisation,cohort` with a header, UTF-8):
//! existing people are enrolled, unknown addresses invited, and every row gets its own result.
//! Each row runs in a savepoint, so one bad row never spoils the others.

use std::collections::HashMap;

use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::cohorts::Cohort;
use super::enrol::{self, EnrolmentRequest};
use crate::auth::invitations::{self, Invitee};
use crate::courses::model::Course;
use crate::db::schema::{cohorts, users as users_table};
use crate::http::{ApiError, CurrentUser};
use crate::users::{self, Role, User};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RowOutcome {
    Enrolled,
    Waitlisted,
    Invited,
    AlreadyEnrolled,
    Error,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RowResult {
    /// Line in the file (the header is line 1).
    pub line: u64,
    pub email: String,
    pub outcome: RowOutcome,
    pub enrolment_id: Option<Uuid>,
    /// Why the row failed, for `error`.
    pub message: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BulkReport {
    pub rows: Vec<RowResult>,
    pub enrolled: usize,
    pub waitlisted: usize,
    pub invited: usize,
    pub already_enrolled: usize,
    pub errors: usize,
}

struct Row {
    line: u64,
    email: String,
    full_name: String,
    cohort: String,
}

fn row_result(
    line: u64,
    email: &str,
    outcome: RowOutcome,
    enrolment_id: Option<Uuid>,
    message: Option<String>,
) -> RowResult {
    RowResult { line, email: email.to_owned(), outcome, enrolment_id, message }
}

/// Reads the CSV: a header naming `email`, `full_name`, `organisation` and `cohort` (any order),
/// then one person per row. Rows that cannot be read become error results.
fn read_rows(body: &[u8]) -> Result<(Vec<Row>, Vec<RowResult>), ApiError> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::All).from_reader(body);
    let headers = reader
        .headers()
        .map_err(|e| ApiError::validation("body", format!("cannot read the CSV header: {e}")))?
        .clone();
    let column =
        |name: &str| headers.iter().position(|h| h.trim_start_matches('\u{feff}').eq_ignore_ascii_case(name));
    let (Some(email_at), Some(name_at)) = (column("email"), column("full_name")) else {
        return Err(ApiError::validation(
            "body",
            "the header must name the columns email, full_name, organisation and cohort",
        ));
    };
    let cohort_at = column("cohort");
    let (mut rows, mut failed) = (Vec::new(), Vec::new());
    for (index, record) in reader.records().enumerate() {
        let line = index as u64 + 2;
        match record {
            Ok(record) => rows.push(Row {
                line: record.position().map_or(line, |p| p.line()),
                email: record.get(email_at).unwrap_or_default().to_owned(),
                full_name: record.get(name_at).unwrap_or_default().to_owned(),
                cohort: cohort_at.and_then(|i| record.get(i)).unwrap_or_default().to_owned(),
            }),
            Err(e) => failed.push(row_result(
                line,
                "",
                RowOutcome::Error,
                None,
                Some(format!("unreadable row: {e}")),
            )),
        }
    }
    Ok((rows, failed))
}

pub async fn enrol_csv(
    conn: &mut AsyncPgConnection,
    public_url: &url::Url,
    actor: &CurrentUser,
    course: &Course,
    body: &[u8],
) -> Result<BulkReport, ApiError> {
    let (rows, mut results) = read_rows(body)?;
    let course_cohorts: Vec<Cohort> = cohorts::table
        .filter(cohorts::course_id.eq(course.id))
        .select(Cohort::as_select())
        .load(conn)
        .await?;
    let keys: Vec<String> = rows.iter().map(|r| users::email_key(&r.email)).collect();
    let known: HashMap<String, User> = users_table::table
        .filter(users_table::email_key.eq_any(&keys))
        .select(User::as_select())
        .load::<User>(conn)
        .await?
        .into_iter()
        .map(|u| (u.email_key.clone(), u))
        .collect();
    let mut first_line: HashMap<String, u64> = HashMap::new();
    for row in &rows {
        results.push(
            process_row(conn, public_url, actor, course, &course_cohorts, &known, &mut first_line, row).await,
        );
    }
    results.sort_by_key(|r| r.line);
    let count = |outcome| results.iter().filter(|r| r.outcome == outcome).count();
    Ok(BulkReport {
        enrolled: count(RowOutcome::Enrolled),
        waitlisted: count(RowOutcome::Waitlisted),
        invited: count(RowOutcome::Invited),
        already_enrolled: count(RowOutcome::AlreadyEnrolled),
        errors: count(RowOutcome::Error),
        rows: results,
    })
}

#[allow(clippy::too_many_arguments)]
async fn process_row(
    conn: &mut AsyncPgConnection,
    public_url: &url::Url,
    actor: &CurrentUser,
    course: &Course,
    course_cohorts: &[Cohort],
    known: &HashMap<String, User>,
    first_line: &mut HashMap<String, u64>,
    row: &Row,
) -> RowResult {
    let fail = |message: String| row_result(row.line, &row.email, RowOutcome::Error, None, Some(message));
    let email = match users::normalise_email(&row.email) {
        Ok(email) => email,
        Err(e) => return fail(format!("email {}", e.message)),
    };
    let key = users::email_key(&email);
    if let Some(first) = first_line.get(&key) {
        return fail(format!("duplicate of line {first}"));
    }
    first_line.insert(key.clone(), row.line);
    let cohort = if row.cohort.is_empty() {
        None
    } else {
        match course_cohorts.iter().find(|c| c.name.eq_ignore_ascii_case(&row.cohort)) {
            Some(cohort) => Some(cohort.id),
            None => return fail(format!("no cohort named \"{}\" in this course", row.cohort)),
        }
    };
    let outcome = match known.get(&key) {
        Some(user) => {
            let request = EnrolmentRequest {
                course,
                user,
                cohort_id: cohort,
                due_on: None,
                enrolled_by: Some(actor.id()),
            };
            conn.transaction(async |sp| enrol::enrol(sp, public_url, request).await).await.map(|e| {
                let outcome =
                    if e.status == super::WAITLISTED { RowOutcome::Waitlisted } else { RowOutcome::Enrolled };
                (outcome, Some(e.id))
            })
        }
        None => {
            let full_name = match users::normalise_full_name(&row.full_name, "full_name") {
                Ok(name) => name,
                Err(e) => return fail(format!("full_name {}", e.message)),
            };
            let invitee = Invitee {
                email: &email,
                full_name: Some(&full_name),
                role: Role::Trainee,
                organisation_id: None,
            };
            let cohorts: Vec<Uuid> = cohort.into_iter().collect();
            conn.transaction(async |sp| {
                invitations::send_invitation(sp, public_url, &invitee, actor, &[course.id], &cohorts).await
            })
            .await
            .map(|_| (RowOutcome::Invited, None))
        }
    };
    match outcome {
        Ok((outcome, enrolment_id)) => row_result(row.line, &email, outcome, enrolment_id, None),
        Err(ApiError::Conflict(message)) if message.starts_with("already enrolled") => {
            row_result(row.line, &email, RowOutcome::AlreadyEnrolled, None, Some(message))
        }
        Err(ApiError::Validation(errors)) => {
            fail(errors.iter().map(|e| format!("{} {}", e.field, e.message)).collect::<Vec<_>>().join("; "))
        }
        Err(ApiError::Conflict(message)) => fail(message),
        Err(other) => {
            tracing::error!(error = %other, line = row.line, "bulk enrolment row failed");
            fail("could not be processed; see the server log".into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_read_by_header_name_with_their_line_numbers() {
        let csv = "\u{feff}full_name,email,organisation,cohort\nАнна Петрова,anna@example.org,Ministry,Spring\n\"Dupont, Jean\",jean@example.org,,\n";
        let (rows, failed) = read_rows(csv.as_bytes()).unwrap();
        assert!(failed.is_empty());
        assert_eq!(rows.len(), 2);
        assert_eq!(
            (rows[0].line, rows[0].email.as_str(), rows[0].full_name.as_str(), rows[0].cohort.as_str()),
            (2, "anna@example.org", "Анна Петрова", "Spring")
        );
        assert_eq!(rows[1].full_name, "Dupont, Jean");
    }

    #[test]
    fn a_header_without_the_needed_columns_is_refused() {
        assert!(read_rows(b"name,mail\nx,y\n").is_err());
    }
}
