//! The demo courses: the default course from the content folder and numbered copies of it with
//! fresh ids, so enrolments can spread over several courses with real lessons and quizzes.

use std::path::Path;

use diesel::sql_types::{Array, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::courses::content::CourseBundle;
use crate::courses::content::parse::parse_content_root;

/// The default course first, then `count - 1` copies titled "… (demo copy k)".
pub fn demo_bundles(content_dir: &Path, count: u32) -> anyhow::Result<Vec<CourseBundle>> {
    let parsed = parse_content_root(content_dir).map_err(|errors| {
        let listed: Vec<String> = errors.iter().map(ToString::to_string).collect();
        anyhow::anyhow!("the course content in {} is invalid: {}", content_dir.display(), listed.join("; "))
    })?;
    let Some(original) = parsed.into_iter().find(|bundle| bundle.course.status == "published") else {
        anyhow::bail!(
            "no published course in {} (COURSE_CONTENT_DIR) to build the demo from",
            content_dir.display()
        );
    };
    let copies = (2..=count).map(|k| copy_of(&original, k));
    Ok(std::iter::once(original.clone()).chain(copies).collect())
}

fn copy_of(original: &CourseBundle, k: u32) -> CourseBundle {
    let mut copy = original.clone();
    copy.course.id = Uuid::new_v4();
    copy.course.slug = format!("{}-demo-{k}", original.course.slug);
    copy.course.title = format!("{} (demo copy {k})", original.course.title);
    for module in &mut copy.modules {
        module.module.id = Uuid::new_v4();
        for lesson in &mut module.lessons {
            lesson.id = Uuid::new_v4();
        }
        if let Some(quiz) = &mut module.quiz {
            quiz.id = Uuid::new_v4();
            for question in &mut quiz.questions {
                question.id = Uuid::new_v4();
                for option in &mut question.options {
                    option.id = Uuid::new_v4();
                }
            }
        }
    }
    copy
}

/// Gives each course one cohort and lists them in the transaction-local table `demo_courses`
/// (`k` from 0) that the bulk inserts join against.
pub async fn stage(tx: &mut AsyncPgConnection, bundles: &[CourseBundle]) -> anyhow::Result<()> {
    let ids: Vec<Uuid> = bundles.iter().map(|bundle| bundle.course.id).collect();
    diesel::sql_query(
        "CREATE TEMP TABLE demo_courses ON COMMIT DROP AS \
         SELECT (ord - 1)::int AS k, c.id AS course_id, c.revision, c.title, \
                c.certificate_validity_days AS validity_days, NULL::uuid AS cohort_id \
         FROM unnest($1::uuid[]) WITH ORDINALITY AS listed(id, ord) JOIN courses c ON c.id = listed.id",
    )
    .bind::<Array<SqlUuid>, _>(&ids)
    .execute(tx)
    .await?;
    diesel::sql_query(
        "WITH made AS ( \
           INSERT INTO cohorts (course_id, name, starts_on, ends_on) \
           SELECT course_id, 'Demo cohort ' || extract(year FROM current_date), current_date - 450, \
                  current_date + 180 FROM demo_courses RETURNING id, course_id) \
         UPDATE demo_courses d SET cohort_id = made.id FROM made WHERE made.course_id = d.course_id",
    )
    .execute(tx)
    .await?;
    Ok(())
}
