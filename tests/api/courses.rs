use poc_lms::courses::import::{self, ImportOutcome};
use poc_lms::courses::store;
use poc_lms::users::Role;
use serde_json::{Value, json};

use crate::helpers::{TestApp, problem};

const CORRECTNESS_KEYS: &[&str] =
    &["is_correct", "accepted_answers", "numeric_answer", "tolerance", "explanation"];

fn assert_no_correctness(value: &Value, context: &str) {
    crate::helpers::assert_absent_keys(value, CORRECTNESS_KEYS, context);
}

#[actix_web::test]
async fn an_instructor_builds_a_course_through_the_api_and_publishes_it() {
    let app = TestApp::spawn().await;
    let (instructor, token) = app.signed_in(Role::Instructor).await;
    let built = app.build_course(&token, "export-controls").await;

    let detail: Value =
        app.get_as(&format!("/api/v1/courses/{}", built.course_id), &token).await.json().await.unwrap();
    assert_eq!(detail["status"], "draft");
    assert_eq!(detail["revision"], 0);
    assert_eq!(detail["modules"].as_array().unwrap().len(), 2);
    assert_eq!(detail["modules"][0]["requires_previous"], false);
    assert_eq!(detail["modules"][1]["requires_previous"], true);
    assert_eq!(detail["modules"][1]["lessons"][1]["position"], 2);
    assert_eq!(detail["modules"][1]["quizzes"][0]["id"], built.quiz_id.as_str());

    let quiz: Value =
        app.get_as(&format!("/api/v1/quizzes/{}", built.quiz_id), &token).await.json().await.unwrap();
    assert_eq!(quiz["questions"].as_array().unwrap().len(), 5);
    assert_eq!(quiz["questions"][0]["options"][0]["is_correct"], true);
    assert_eq!(quiz["questions"][3]["accepted_answers"][1], "VII");
    assert_eq!(quiz["questions"][4]["numeric_answer"], 2004.0);

    let published = app
        .post_json(&format!("/api/v1/courses/{}/publish", built.course_id), &json!({}), Some(&token))
        .await;
    assert_eq!(published.status(), 200);
    let published: Value = published.json().await.unwrap();
    assert_eq!(published["status"], "published");
    assert_eq!(published["revision"], 1);

    let instructors: Value = app
        .get_as(&format!("/api/v1/courses/{}/instructors", built.course_id), &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(instructors[0]["id"], instructor.id.to_string());
}

#[actix_web::test]
async fn publishing_an_invalid_course_lists_every_problem() {
    let app = TestApp::spawn().await;
    let (_, token) = app.signed_in(Role::Instructor).await;
    let course = app
        .create("/api/v1/courses", json!({"slug": "broken", "title": "Broken", "language": "en"}), &token)
        .await;
    let course_id = course["id"].as_str().unwrap();
    let empty = app
        .create(&format!("/api/v1/courses/{course_id}/modules"), json!({"title": "Empty module"}), &token)
        .await;
    let module = app
        .create(&format!("/api/v1/courses/{course_id}/modules"), json!({"title": "With quiz"}), &token)
        .await;
    let module_id = module["id"].as_str().unwrap();
    app.create(
        &format!("/api/v1/modules/{module_id}/lessons"),
        json!({"title": "L", "body_markdown": "Text"}),
        &token,
    )
    .await;
    let quiz = app
        .create(
            &format!("/api/v1/modules/{module_id}/quizzes"),
            json!({"title": "Q", "pass_mark_percent": 70}),
            &token,
        )
        .await;
    let quiz_id = quiz["id"].as_str().unwrap();
    app.create(
        &format!("/api/v1/quizzes/{quiz_id}/questions"),
        json!({"kind": "single_choice", "prompt": "No right answer", "points": 5, "options": [{"label": "a"}, {"label": "b"}]}),
        &token,
    )
    .await;

    let response =
        app.post_json(&format!("/api/v1/courses/{course_id}/publish"), &json!({}), Some(&token)).await;
    let body = problem(response, 422).await;
    let errors = body["errors"].as_array().unwrap();
    let text = serde_json::to_string(errors).unwrap();
    assert!(errors.len() >= 3, "{text}");
    assert!(text.contains("modules[0]") && text.contains("lesson"), "the empty module is named: {text}");
    assert!(text.contains("correct"), "the question without a correct option is named: {text}");
    assert!(text.contains("pass mark"), "the unreachable pass mark is named: {text}");
    let detail: Value =
        app.get_as(&format!("/api/v1/courses/{course_id}"), &token).await.json().await.unwrap();
    assert_eq!(detail["status"], "draft", "nothing changed");
    let _ = empty;
}

#[actix_web::test]
async fn trainees_never_see_drafts_or_any_correctness_field() {
    let app = TestApp::spawn().await;
    let (_, instructor) = app.signed_in(Role::Instructor).await;
    let (_, trainee) = app.signed_in(Role::Trainee).await;
    let built = app.build_course(&instructor, "hidden-draft").await;
    let course_path = format!("/api/v1/courses/{}", built.course_id);

    problem(app.get_as(&course_path, &trainee).await, 404).await;
    let list: Value = app.get_as("/api/v1/courses", &trainee).await.json().await.unwrap();
    assert!(list["items"].as_array().unwrap().is_empty());
    problem(app.get_as(&format!("/api/v1/modules/{}", built.module_ids[0]), &trainee).await, 404).await;

    assert_eq!(
        app.post_json(&format!("{course_path}/publish"), &json!({}), Some(&instructor)).await.status(),
        200
    );
    let mut seen = Vec::new();
    for path in [
        "/api/v1/courses".to_owned(),
        course_path.clone(),
        format!("/api/v1/modules/{}", built.module_ids[0]),
        format!("/api/v1/modules/{}", built.module_ids[1]),
    ] {
        let response = app.get_as(&path, &trainee).await;
        assert_eq!(response.status(), 200, "{path}");
        let body: Value = response.json().await.unwrap();
        assert_no_correctness(&body, &path);
        seen.push(body);
    }
    assert_eq!(seen[0]["items"].as_array().unwrap().len(), 1);
    // What carries answers is closed to trainees.
    for path in [format!("/api/v1/quizzes/{}", built.quiz_id), format!("{course_path}/export")] {
        let response = app.get_as(&path, &trainee).await;
        assert_eq!(response.status(), 403, "{path}");
        assert_no_correctness(&response.json::<Value>().await.unwrap(), &path);
    }
}

#[actix_web::test]
async fn lesson_html_is_sanitised_and_the_markdown_kept() {
    let app = TestApp::spawn().await;
    let (_, token) = app.signed_in(Role::Instructor).await;
    let built = app.build_course(&token, "sanitised").await;
    let nasty =
        "Intro <script>alert('x')</script>\n\n<img src=x onerror=\"steal()\">\n\n[link](javascript:alert(1))";
    let lesson = app
        .create(
            &format!("/api/v1/modules/{}/lessons", built.module_ids[0]),
            json!({"title": "Nasty", "body_markdown": nasty}),
            &token,
        )
        .await;
    let html = lesson["body_html"].as_str().unwrap();
    assert!(!html.contains("<script"), "{html}");
    assert!(!html.contains("onerror"), "{html}");
    assert!(!html.contains("javascript:"), "{html}");
    assert!(html.contains("Intro"));
    assert_eq!(lesson["body_markdown"], nasty);
}

#[actix_web::test]
async fn an_instructor_of_another_course_gets_403_and_a_trainee_cannot_author() {
    let app = TestApp::spawn().await;
    let (_, owner) = app.signed_in(Role::Instructor).await;
    let (_, other) = app.signed_in(Role::Instructor).await;
    let (_, trainee) = app.signed_in(Role::Trainee).await;
    let built = app.build_course(&owner, "owned").await;
    assert_eq!(
        app.post_json(&format!("/api/v1/courses/{}/publish", built.course_id), &json!({}), Some(&owner))
            .await
            .status(),
        200
    );

    let patch = app
        .patch_json(&format!("/api/v1/courses/{}", built.course_id), &json!({"title": "Mine now"}), &other)
        .await;
    problem(patch, 403).await;
    problem(
        app.post_json(
            &format!("/api/v1/modules/{}/lessons", built.module_ids[0]),
            &json!({"title": "x", "body_markdown": "y"}),
            Some(&other),
        )
        .await,
        403,
    )
    .await;
    problem(app.get_as(&format!("/api/v1/quizzes/{}", built.quiz_id), &other).await, 403).await;
    problem(
        app.patch_json(&format!("/api/v1/lessons/{}", built.lesson_ids[0]), &json!({"title": "x"}), &other)
            .await,
        403,
    )
    .await;
    problem(
        app.post_json(
            "/api/v1/courses",
            &json!({"slug": "t", "title": "T", "language": "en"}),
            Some(&trainee),
        )
        .await,
        403,
    )
    .await;

    // An admin may edit any course.
    let (_, admin) = app.signed_in(Role::Admin).await;
    let patch = app
        .patch_json(
            &format!("/api/v1/courses/{}", built.course_id),
            &json!({"title": "Renamed by admin"}),
            &admin,
        )
        .await;
    assert_eq!(patch.status(), 200);
}

#[actix_web::test]
async fn modules_reorder_atomically_and_a_wrong_list_is_refused() {
    let app = TestApp::spawn().await;
    let (_, token) = app.signed_in(Role::Instructor).await;
    let built = app.build_course(&token, "reorder").await;
    let path = format!("/api/v1/courses/{}/modules/order", built.course_id);
    let reversed = json!({"module_ids": [built.module_ids[1], built.module_ids[0]]});
    let response = app.client.put(app.url(&path)).json(&reversed).bearer_auth(&token).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let detail: Value = response.json().await.unwrap();
    assert_eq!(detail["modules"][0]["id"], built.module_ids[1].as_str());
    assert_eq!(detail["modules"][0]["position"], 1);

    let partial = json!({"module_ids": [built.module_ids[0]]});
    let response = app.client.put(app.url(&path)).json(&partial).bearer_auth(&token).send().await.unwrap();
    problem(response, 422).await;
}

#[actix_web::test]
async fn a_module_has_one_quiz_and_deletes_renumber() {
    let app = TestApp::spawn().await;
    let (_, token) = app.signed_in(Role::Instructor).await;
    let built = app.build_course(&token, "one-quiz").await;
    let second = app
        .post_json(
            &format!("/api/v1/modules/{}/quizzes", built.module_ids[1]),
            &json!({"title": "Again", "pass_mark_percent": 50}),
            Some(&token),
        )
        .await;
    problem(second, 409).await;
    let deleted = app
        .client
        .delete(app.url(&format!("/api/v1/lessons/{}", built.lesson_ids[0])))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 204);
    let module: Value =
        app.get_as(&format!("/api/v1/modules/{}", built.module_ids[0]), &token).await.json().await.unwrap();
    assert_eq!(module["lessons"].as_array().unwrap().len(), 1);
    assert_eq!(module["lessons"][0]["position"], 1);
}

#[actix_web::test]
async fn bad_quiz_and_question_input_is_a_422_naming_the_field() {
    let app = TestApp::spawn().await;
    let (_, token) = app.signed_in(Role::Instructor).await;
    let built = app.build_course(&token, "bad-input").await;
    let bad = app
        .post_json(
            &format!("/api/v1/modules/{}/quizzes", built.module_ids[0]),
            &json!({"title": "Q", "pass_mark_percent": 140, "review_policy": "whenever"}),
            Some(&token),
        )
        .await;
    let body = problem(bad, 422).await;
    let fields: Vec<&str> =
        body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["pass_mark_percent", "review_policy"]);
    let bad = app
        .post_json(
            &format!("/api/v1/quizzes/{}/questions", built.quiz_id),
            &json!({"kind": "essay", "prompt": "", "points": 0}),
            Some(&token),
        )
        .await;
    let body = problem(bad, 422).await;
    assert_eq!(body["errors"].as_array().unwrap().len(), 3);
    let slug = app
        .post_json(
            "/api/v1/courses",
            &json!({"slug": "Not A Slug", "title": "x", "language": "en"}),
            Some(&token),
        )
        .await;
    assert_eq!(problem(slug, 422).await["errors"][0]["field"], "slug");
    let taken = app
        .post_json(
            "/api/v1/courses",
            &json!({"slug": "bad-input", "title": "x", "language": "en"}),
            Some(&token),
        )
        .await;
    problem(taken, 409).await;
}

fn extract(archive: &[u8]) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("poc-lms-export-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    tar::Archive::new(archive).unpack(&dir).unwrap();
    dir
}

#[actix_web::test]
async fn export_then_import_reproduces_the_course_row_for_row() {
    let source = TestApp::spawn().await;
    let (_, token) = source.signed_in(Role::Instructor).await;
    let built = source.build_course(&token, "round-trip").await;
    let response = source.get_as(&format!("/api/v1/courses/{}/export", built.course_id), &token).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/x-tar");
    let dir = extract(&response.bytes().await.unwrap());

    let target = TestApp::spawn().await;
    let mut conn = target.conn().await;
    let outcomes = import::import_dir(&mut conn, &dir).await.unwrap();
    assert_eq!(outcomes, vec![("round-trip".to_owned(), ImportOutcome::Created)]);
    std::fs::remove_dir_all(&dir).unwrap();

    let id = built.course_id.parse().unwrap();
    let mut source_conn = source.conn().await;
    let original_course = store::find_course(&mut source_conn, id).await.unwrap().unwrap();
    let original = store::load_tree(&mut source_conn, original_course).await.unwrap();
    let copied_course = store::find_course(&mut conn, id).await.unwrap().unwrap();
    let copy = store::load_tree(&mut conn, copied_course).await.unwrap();
    assert_eq!(format!("{:?}", original.modules), format!("{:?}", copy.modules));
    assert_eq!(format!("{:?}", original.lessons), format!("{:?}", copy.lessons));
    assert_eq!(format!("{:?}", original.quizzes), format!("{:?}", copy.quizzes));
    assert_eq!(format!("{:?}", original.questions), format!("{:?}", copy.questions));
    assert_eq!(format!("{:?}", original.options), format!("{:?}", copy.options));
    assert_eq!(original.to_bundle(), copy.to_bundle());
}

#[actix_web::test]
async fn importing_the_default_content_twice_changes_nothing() {
    let app = TestApp::spawn().await;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("course-content");
    let mut conn = app.conn().await;
    let first = import::import_dir(&mut conn, &dir).await.unwrap();
    assert_eq!(first, vec![("unscr-1540-for-pocs".to_owned(), ImportOutcome::Created)]);
    let before = stamp(&mut conn).await;
    let second = import::import_dir(&mut conn, &dir).await.unwrap();
    assert_eq!(second, vec![("unscr-1540-for-pocs".to_owned(), ImportOutcome::Unchanged)]);
    assert_eq!(stamp(&mut conn).await, before);

    // The imported course is published, with seven modules each needing the previous one.
    let (_, trainee) = app.signed_in(Role::Trainee).await;
    let list: Value = app.get_as("/api/v1/courses", &trainee).await.json().await.unwrap();
    let course = &list["items"][0];
    assert_eq!(course["status"], "published");
    assert_eq!(course["certificate_validity_days"], 730);
    let detail: Value = app
        .get_as(&format!("/api/v1/courses/{}", course["id"].as_str().unwrap()), &trainee)
        .await
        .json()
        .await
        .unwrap();
    let modules = detail["modules"].as_array().unwrap();
    assert!(modules.len() >= 7);
    assert!(modules.iter().skip(1).all(|m| m["requires_previous"] == true));
    assert!(
        modules
            .iter()
            .all(|m| m["lessons"].as_array().unwrap().len() >= 2
                && m["quizzes"].as_array().unwrap().len() == 1)
    );
}

/// The latest change time of every content table, as one string.
async fn stamp(conn: &mut poc_lms::db::DbConn) -> String {
    use diesel_async::RunQueryDsl;
    diesel::sql_query(
        "SELECT (SELECT max(updated_at) FROM courses)::text || (SELECT max(updated_at) FROM modules)::text || \
         (SELECT max(updated_at) FROM lessons)::text || (SELECT max(updated_at) FROM questions)::text AS text",
    )
    .get_result::<Stamp>(conn)
    .await
    .unwrap()
    .text
}

#[derive(diesel::QueryableByName)]
struct Stamp {
    #[diesel(sql_type = diesel::sql_types::Text)]
    text: String,
}
