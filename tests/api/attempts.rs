use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use poc_lms::db::schema::{domain_events, quiz_attempts};
use poc_lms::users::Role;
use serde_json::{Value, json};

use crate::helpers::courses::BuiltCourse;
use crate::helpers::{TestApp, problem};

const CORRECTNESS_KEYS: &[&str] = &[
    "is_correct",
    "accepted_answers",
    "numeric_answer",
    "tolerance",
    "explanation",
    "review",
    "correct",
    "earned",
];

fn assert_no_correctness(value: &Value, context: &str) {
    crate::helpers::assert_absent_keys(value, CORRECTNESS_KEYS, context);
}

/// A published course with a five-question quiz (every kind) in its second module, a trainee
/// enrolled who has finished the first module, so the quiz is open to them.
struct Setup {
    app: TestApp,
    instructor: String,
    trainee: String,
    course: BuiltCourse,
}

async fn setup(quiz_settings: Value) -> Setup {
    let app = TestApp::spawn().await;
    let (_, instructor) = app.signed_in(Role::Instructor).await;
    let course = app.build_course(&instructor, &format!("quiz-{}", uuid::Uuid::new_v4().simple())).await;
    let patch =
        app.patch_json(&format!("/api/v1/quizzes/{}", course.quiz_id), &quiz_settings, &instructor).await;
    assert_eq!(patch.status(), 200);
    app.publish(&course.course_id, &instructor).await;
    let (_, trainee) = app.signed_in(Role::Trainee).await;
    app.create(&format!("/api/v1/courses/{}/enrolments", course.course_id), json!({}), &trainee).await;
    for lesson in &course.lesson_ids[..2] {
        assert_eq!(
            app.post_json(&format!("/api/v1/lessons/{lesson}/complete"), &json!({}), Some(&trainee))
                .await
                .status(),
            200
        );
    }
    Setup { app, instructor, trainee, course }
}

impl Setup {
    async fn start(&self) -> Value {
        let response = self
            .app
            .post_json(
                &format!("/api/v1/quizzes/{}/attempts", self.course.quiz_id),
                &json!({}),
                Some(&self.trainee),
            )
            .await;
        let status = response.status();
        let body: Value = response.json().await.unwrap();
        assert_eq!(status, 201, "{body}");
        body
    }

    /// Answers for every question of `attempt`: right ones, or wrong ones.
    async fn answers(&self, attempt: &Value, right: bool) -> Value {
        let quiz: Value = self
            .app
            .get_as(&format!("/api/v1/quizzes/{}", self.course.quiz_id), &self.instructor)
            .await
            .json()
            .await
            .unwrap();
        let answers: Vec<Value> = attempt["questions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|q| {
                let full = quiz["questions"].as_array().unwrap().iter().find(|f| f["id"] == q["id"]).unwrap();
                let options: Vec<&Value> = full["options"].as_array().unwrap().iter().filter(|o| o["is_correct"] == right).map(|o| &o["id"]).collect();
                match q["kind"].as_str().unwrap() {
                    "short_text" => json!({"question_id": q["id"], "text": if right { "  chapter vii " } else { "Chapter VI" }}),
                    "numeric" => json!({"question_id": q["id"], "number": if right { 2004.0 } else { 1999.0 }}),
                    "multiple_choice" if right => json!({"question_id": q["id"], "option_ids": options}),
                    _ => json!({"question_id": q["id"], "option_ids": [options[0]]}),
                }
            })
            .collect();
        json!({"answers": answers})
    }

    async fn save(&self, attempt_id: &str, answers: &Value) -> reqwest::Response {
        let url = self.app.url(&format!("/api/v1/attempts/{attempt_id}/answers"));
        self.app.client.put(url).json(answers).bearer_auth(&self.trainee).send().await.unwrap()
    }

    async fn submit(&self, attempt_id: &str) -> Value {
        let response = self
            .app
            .post_json(&format!("/api/v1/attempts/{attempt_id}/submit"), &json!({}), Some(&self.trainee))
            .await;
        assert_eq!(response.status(), 200);
        response.json().await.unwrap()
    }
}

#[actix_web::test]
async fn nothing_a_trainee_gets_before_the_review_policy_allows_carries_correctness() {
    let s = setup(json!({"review_policy": "after_pass"})).await;
    let quiz_as_trainee: Value = s
        .app
        .get_as(&format!("/api/v1/quizzes/{}", s.course.quiz_id), &s.trainee)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(quiz_as_trainee["pass_mark_percent"], 70);
    assert!(quiz_as_trainee.get("questions").is_none());
    assert_no_correctness(&quiz_as_trainee, "quiz settings");

    let attempt = s.start().await;
    assert_no_correctness(&attempt, "start");
    let kinds: Vec<&str> =
        attempt["questions"].as_array().unwrap().iter().map(|q| q["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds.len(), 5, "every kind is drawn: {kinds:?}");
    let id = attempt["id"].as_str().unwrap();
    let wrong = s.answers(&attempt, false).await;
    let saved = s.save(id, &wrong).await;
    assert_eq!(saved.status(), 200);
    assert_no_correctness(&saved.json().await.unwrap(), "save");
    let graded = s.submit(id).await;
    assert_eq!(graded["passed"], false);
    assert_no_correctness(&graded, "submit (failed, policy after_pass)");
    let fetched: Value =
        s.app.get_as(&format!("/api/v1/attempts/{id}"), &s.trainee).await.json().await.unwrap();
    assert_no_correctness(&fetched, "get (failed, policy after_pass)");

    // Once passed, the review opens, and the instructor always sees it.
    let second = s.start().await;
    let second_id = second["id"].as_str().unwrap();
    s.save(second_id, &s.answers(&second, true).await).await;
    let passed = s.submit(second_id).await;
    assert_eq!(passed["passed"], true);
    assert_eq!(passed["score_percent"], 100.0);
    assert_eq!(passed["review"].as_array().unwrap().len(), 5);
    let instructor_view: Value =
        s.app.get_as(&format!("/api/v1/attempts/{id}"), &s.instructor).await.json().await.unwrap();
    assert!(instructor_view["review"].is_array());
}

#[actix_web::test]
async fn ten_parallel_submits_grade_once_and_answer_identically() {
    let s = setup(json!({})).await;
    let attempt = s.start().await;
    let id = attempt["id"].as_str().unwrap().to_owned();
    s.save(&id, &s.answers(&attempt, true).await).await;
    let path = format!("/api/v1/attempts/{id}/submit");
    let responses =
        futures_util::future::join_all((0..10).map(|_| s.app.post_json(&path, &json!({}), Some(&s.trainee))))
            .await;
    let mut bodies = vec![];
    for response in responses {
        assert_eq!(response.status(), 200);
        bodies.push(response.json::<Value>().await.unwrap());
    }
    assert!(bodies.iter().all(|b| *b == bodies[0]), "identical responses");
    assert_eq!(bodies[0]["status"], "submitted");
    let mut conn = s.app.conn().await;
    let graded: i64 = quiz_attempts::table
        .filter(quiz_attempts::status.eq("submitted"))
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(graded, 1);
}

#[actix_web::test]
async fn ten_parallel_starts_give_one_attempt() {
    let s = setup(json!({})).await;
    let path = format!("/api/v1/quizzes/{}/attempts", s.course.quiz_id);
    let responses =
        futures_util::future::join_all((0..10).map(|_| s.app.post_json(&path, &json!({}), Some(&s.trainee))))
            .await;
    let created = responses.iter().filter(|r| r.status() == 201).count();
    let refused = responses.iter().filter(|r| r.status() == 409).count();
    assert_eq!((created, refused), (1, 9));
    let mut conn = s.app.conn().await;
    let attempts: i64 = quiz_attempts::table.count().get_result(&mut conn).await.unwrap();
    assert_eq!(attempts, 1);
}

#[actix_web::test]
async fn answers_after_the_deadline_are_refused_and_the_attempt_is_graded_on_what_was_saved_in_time() {
    let s = setup(json!({"time_limit_seconds": 600})).await;
    let attempt = s.start().await;
    assert!(attempt["deadline_at"].is_string());
    let id = attempt["id"].as_str().unwrap();
    let right = s.answers(&attempt, true).await;
    // In time: only the first question is answered (rightly).
    let first_only = json!({"answers": [right["answers"][0]]});
    assert_eq!(s.save(id, &first_only).await.status(), 200);
    {
        let mut conn = s.app.conn().await;
        diesel::sql_query("UPDATE quiz_attempts SET deadline_at = now() - interval '1 second'")
            .execute(&mut conn)
            .await
            .unwrap();
    }
    problem(s.save(id, &right).await, 409).await;
    let fetched: Value =
        s.app.get_as(&format!("/api/v1/attempts/{id}"), &s.trainee).await.json().await.unwrap();
    assert_eq!(fetched["status"], "submitted");
    let points: Vec<i64> =
        attempt["questions"].as_array().unwrap().iter().map(|q| q["points"].as_i64().unwrap()).collect();
    let expected = (points[0] as f64 * 100.0 / points.iter().sum::<i64>() as f64 * 100.0).round() / 100.0;
    assert_eq!(fetched["score_percent"].as_f64().unwrap(), expected);
}

#[actix_web::test]
async fn the_worker_grades_an_attempt_left_open_past_its_deadline() {
    let s = setup(json!({"time_limit_seconds": 600})).await;
    let attempt = s.start().await;
    let id = attempt["id"].as_str().unwrap();
    s.save(id, &s.answers(&attempt, true).await).await;
    {
        let mut conn = s.app.conn().await;
        diesel::sql_query("UPDATE quiz_attempts SET deadline_at = now() - interval '1 second'")
            .execute(&mut conn)
            .await
            .unwrap();
    }
    assert_eq!(poc_lms::quizzes::attempts::grade_expired(&s.app.state).await.unwrap(), 1);
    assert_eq!(poc_lms::quizzes::attempts::grade_expired(&s.app.state).await.unwrap(), 0, "never twice");
    let fetched: Value =
        s.app.get_as(&format!("/api/v1/attempts/{id}"), &s.instructor).await.json().await.unwrap();
    assert_eq!((fetched["status"].as_str(), fetched["passed"].as_bool()), (Some("submitted"), Some(true)));
}

#[actix_web::test]
async fn an_attempt_keeps_its_questions_and_grade_after_the_question_is_edited() {
    let s = setup(json!({})).await;
    let attempt = s.start().await;
    let id = attempt["id"].as_str().unwrap();
    s.save(id, &s.answers(&attempt, true).await).await;
    let graded = s.submit(id).await;
    assert_eq!(graded["score_percent"], 100.0);

    let quiz: Value = s
        .app
        .get_as(&format!("/api/v1/quizzes/{}", s.course.quiz_id), &s.instructor)
        .await
        .json()
        .await
        .unwrap();
    let single = quiz["questions"].as_array().unwrap().iter().find(|q| q["kind"] == "single_choice").unwrap();
    let flipped: Vec<Value> = single["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| json!({"id": o["id"], "label": o["label"], "is_correct": o["is_correct"] != true}))
        .collect();
    let edit = s
        .app
        .patch_json(
            &format!("/api/v1/questions/{}", single["id"].as_str().unwrap()),
            &json!({"prompt": "Changed wording", "options": flipped}),
            &s.instructor,
        )
        .await;
    assert_eq!(edit.status(), 200);

    let after: Value =
        s.app.get_as(&format!("/api/v1/attempts/{id}"), &s.trainee).await.json().await.unwrap();
    assert_eq!(after["score_percent"], 100.0);
    let reviewed =
        after["review"].as_array().unwrap().iter().find(|r| r["question_id"] == single["id"]).unwrap();
    assert_ne!(reviewed["prompt"], "Changed wording");
    assert_eq!(reviewed["correct"], true);
    // A question trainees have answered cannot be deleted.
    let delete = s
        .app
        .client
        .delete(s.app.url(&format!("/api/v1/questions/{}", single["id"].as_str().unwrap())))
        .bearer_auth(&s.instructor)
        .send()
        .await
        .unwrap();
    problem(delete, 409).await;
}

#[actix_web::test]
async fn malformed_answers_are_a_422_never_a_500() {
    let s = setup(json!({})).await;
    let attempt = s.start().await;
    let id = attempt["id"].as_str().unwrap();
    let question = |kind: &str| {
        attempt["questions"].as_array().unwrap().iter().find(|q| q["kind"] == kind).unwrap().clone()
    };
    let single = question("single_choice");
    let numeric = question("numeric");
    let multi = question("multiple_choice");
    let cases = [
        json!({"answers": [{"question_id": single["id"], "option_ids": [uuid::Uuid::new_v4()]}]}),
        json!({"answers": [{"question_id": multi["id"], "option_ids": [multi["options"][0]["id"], multi["options"][0]["id"]]}]}),
        json!({"answers": [{"question_id": numeric["id"], "text": "two thousand and four"}]}),
        json!({"answers": [{"question_id": numeric["id"], "number": "2004"}]}),
        json!({"answers": [{"question_id": uuid::Uuid::new_v4(), "number": 1}]}),
        json!({"answers": [{"question_id": single["id"], "option_ids": [single["options"][0]["id"], single["options"][1]["id"]]}]}),
    ];
    for case in cases {
        let body = problem(s.save(id, &case).await, 422).await;
        assert!(body["errors"][0]["field"].as_str().unwrap().starts_with("answers"), "{body}");
    }
    // An empty answer is fine and earns nothing.
    let empty = json!({"answers": [{"question_id": single["id"], "option_ids": []}]});
    assert_eq!(s.save(id, &empty).await.status(), 200);
    assert_eq!(s.submit(id).await["score_percent"], 0.0);
}

#[actix_web::test]
async fn passing_the_quiz_completes_the_module_and_the_course() {
    let s = setup(json!({})).await;
    for lesson in &s.course.lesson_ids[2..] {
        s.app.post_json(&format!("/api/v1/lessons/{lesson}/complete"), &json!({}), Some(&s.trainee)).await;
    }
    let attempt = s.start().await;
    let id = attempt["id"].as_str().unwrap();
    s.save(id, &s.answers(&attempt, true).await).await;
    assert_eq!(s.submit(id).await["passed"], true);
    let mine: Value = s.app.get_as("/api/v1/me/enrolments", &s.trainee).await.json().await.unwrap();
    assert_eq!(mine[0]["status"], "completed");
    assert_eq!(mine[0]["percent_complete"], 100);
    let outline: Value = s
        .app
        .get_as(&format!("/api/v1/enrolments/{}/outline", mine[0]["id"].as_str().unwrap()), &s.trainee)
        .await
        .json()
        .await
        .unwrap();
    let quiz = &outline["modules"][1]["quizzes"][0];
    assert_eq!(
        (quiz["status"].as_str(), quiz["attempts_used"].as_i64(), quiz["best_score_percent"].as_f64()),
        (Some("completed"), Some(1), Some(100.0))
    );
    let mut conn = s.app.conn().await;
    let events: i64 = domain_events::table
        .filter(domain_events::kind.eq("enrolment_completed"))
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(events, 1);
}

#[actix_web::test]
async fn used_up_attempts_are_refused_and_reported_until_an_instructor_grants_more() {
    let s = setup(json!({"max_attempts": 2})).await;
    for _ in 0..2 {
        let attempt = s.start().await;
        let id = attempt["id"].as_str().unwrap();
        s.save(id, &s.answers(&attempt, false).await).await;
        assert_eq!(s.submit(id).await["passed"], false);
    }
    problem(
        s.app
            .post_json(
                &format!("/api/v1/quizzes/{}/attempts", s.course.quiz_id),
                &json!({}),
                Some(&s.trainee),
            )
            .await,
        409,
    )
    .await;
    let mails = s.app.delivered_emails().await;
    let notices: Vec<_> = mails.iter().filter(|m| m.subject.starts_with("No attempts left")).collect();
    assert_eq!(notices.len(), 2, "the trainee and the instructor");

    let mine: Value = s.app.get_as("/api/v1/me/enrolments", &s.trainee).await.json().await.unwrap();
    let grant = format!(
        "/api/v1/enrolments/{}/quizzes/{}/extra-attempts",
        mine[0]["id"].as_str().unwrap(),
        s.course.quiz_id
    );
    problem(s.app.post_json(&grant, &json!({"extra": 1}), Some(&s.trainee)).await, 403).await;
    let outline_path = format!("/api/v1/enrolments/{}/outline", mine[0]["id"].as_str().unwrap());
    let allowed = |outline: &Value| outline["modules"][1]["quizzes"][0]["attempts_allowed"].as_i64().unwrap();
    let before: Value = s.app.get_as(&outline_path, &s.trainee).await.json().await.unwrap();
    let granted = s.app.post_json(&grant, &json!({"extra": 1}), Some(&s.instructor)).await;
    assert_eq!(granted.status(), 201);
    let after: Value = s.app.get_as(&outline_path, &s.trainee).await.json().await.unwrap();
    assert_eq!(allowed(&after), allowed(&before) + 1, "the outline counts the granted attempt");
    let third = s.start().await;
    assert_eq!(third["number"], 3);
}

#[actix_web::test]
async fn a_grant_made_while_the_last_attempt_is_open_means_its_failure_is_not_reported_as_the_last() {
    let s = setup(json!({"max_attempts": 1})).await;
    let attempt = s.start().await;
    let id = attempt["id"].as_str().unwrap();
    let mine: Value = s.app.get_as("/api/v1/me/enrolments", &s.trainee).await.json().await.unwrap();
    let grant = format!(
        "/api/v1/enrolments/{}/quizzes/{}/extra-attempts",
        mine[0]["id"].as_str().unwrap(),
        s.course.quiz_id
    );
    let granted = s.app.post_json(&grant, &json!({"extra": 1}), Some(&s.instructor)).await;
    assert_eq!(granted.status(), 201);
    s.save(id, &s.answers(&attempt, false).await).await;
    assert_eq!(s.submit(id).await["passed"], false);
    let mails = s.app.delivered_emails().await;
    assert!(
        !mails.iter().any(|m| m.subject.starts_with("No attempts left")),
        "one attempt is still left after the grant"
    );
    assert_eq!(s.start().await["number"], 2);
}

#[actix_web::test]
async fn the_gradebook_lists_attempts_as_json_and_csv_with_question_statistics() {
    let s = setup(json!({})).await;
    let attempt = s.start().await;
    let id = attempt["id"].as_str().unwrap();
    s.save(id, &s.answers(&attempt, true).await).await;
    s.submit(id).await;
    let path = format!("/api/v1/quizzes/{}/attempts", s.course.quiz_id);
    let page: Value = s.app.get_as(&path, &s.instructor).await.json().await.unwrap();
    assert_eq!(page["items"][0]["attempt_id"], id);
    assert_eq!(page["items"][0]["score_percent"], 100.0);
    let csv = s
        .app
        .client
        .get(s.app.url(&path))
        .header("accept", "text/csv")
        .bearer_auth(&s.instructor)
        .send()
        .await
        .unwrap();
    assert!(csv.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let text = csv.text().await.unwrap();
    assert!(text.starts_with("attempt_id,user_id,full_name"));
    assert!(text.contains(id));
    let stats: Value = s
        .app
        .get_as(&format!("/api/v1/quizzes/{}/statistics", s.course.quiz_id), &s.instructor)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(stats.as_array().unwrap().len(), 5);
    assert!(stats.as_array().unwrap().iter().all(|q| q["answered"] == 1 && q["share_correct"] == 1.0));
    problem(s.app.get_as(&path, &s.trainee).await, 403).await;
}
