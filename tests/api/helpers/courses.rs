//! Building courses through the API.

use serde_json::{Value, json};

use super::TestApp;

/// Ids of a small, publishable course built through the API.
pub struct BuiltCourse {
    pub course_id: String,
    pub module_ids: Vec<String>,
    pub lesson_ids: Vec<String>,
    pub quiz_id: String,
}

impl TestApp {
    /// POSTs and asserts 201, returning the body.
    pub async fn create(&self, path: &str, body: Value, token: &str) -> Value {
        let response = self.post_json(path, &body, Some(token)).await;
        let status = response.status();
        let body: Value = response.json().await.expect("JSON body");
        assert_eq!(status, 201, "POST {path}: {body}");
        body
    }

    /// A two-module course with lessons and a quiz using every question kind.
    pub async fn build_course(&self, token: &str, slug: &str) -> BuiltCourse {
        let course = self
            .create("/api/v1/courses", json!({"slug": slug, "title": "Export controls in practice", "summary": "For new PoCs.", "language": "en", "certificate_validity_days": 730}), token)
            .await;
        let course_id = course["id"].as_str().unwrap().to_owned();
        let mut module_ids = vec![];
        let mut lesson_ids = vec![];
        for (n, title) in ["Foundations", "Obligations"].iter().enumerate() {
            let module = self
                .create(
                    &format!("/api/v1/courses/{course_id}/modules"),
                    json!({"title": title, "summary": "S"}),
                    token,
                )
                .await;
            let module_id = module["id"].as_str().unwrap().to_owned();
            for l in 0..2 {
                let lesson = self
                    .create(
                        &format!("/api/v1/modules/{module_id}/lessons"),
                        json!({"title": format!("Lesson {n}.{l}"), "body_markdown": format!("## Part {l}\n\nText of lesson {n}.{l}."), "estimated_minutes": 10}),
                        token,
                    )
                    .await;
                lesson_ids.push(lesson["id"].as_str().unwrap().to_owned());
            }
            module_ids.push(module_id);
        }
        let quiz = self
            .create(
                &format!("/api/v1/modules/{}/quizzes", module_ids[1]),
                json!({"title": "Check", "pass_mark_percent": 70, "max_attempts": 3, "shuffle_questions": true, "shuffle_options": true, "review_policy": "after_submit"}),
                token,
            )
            .await;
        let quiz_id = quiz["id"].as_str().unwrap().to_owned();
        let questions = [
            json!({"kind": "single_choice", "prompt": "Which body?", "points": 1, "explanation": "The Committee.", "options": [{"label": "The 1540 Committee", "is_correct": true}, {"label": "The IAEA", "is_correct": false}]}),
            json!({"kind": "multiple_choice", "prompt": "Which areas?", "points": 2, "options": [{"label": "Border controls", "is_correct": true}, {"label": "Export controls", "is_correct": true}, {"label": "Tax policy", "is_correct": false}]}),
            json!({"kind": "true_false", "prompt": "Binding on all States?", "options": [{"label": "True", "is_correct": true}, {"label": "False", "is_correct": false}]}),
            json!({"kind": "short_text", "prompt": "Name the chapter.", "accepted_answers": ["Chapter VII", "VII"]}),
            json!({"kind": "numeric", "prompt": "Year adopted?", "numeric_answer": 2004, "tolerance": 0}),
        ];
        for question in questions {
            self.create(&format!("/api/v1/quizzes/{quiz_id}/questions"), question, token).await;
        }
        BuiltCourse { course_id, module_ids, lesson_ids, quiz_id }
    }
}

impl TestApp {
    /// Publishes a course; panics unless it works.
    pub async fn publish(&self, course_id: &str, token: &str) {
        let response =
            self.post_json(&format!("/api/v1/courses/{course_id}/publish"), &json!({}), Some(token)).await;
        assert_eq!(response.status(), 200, "publish: {}", response.text().await.unwrap_or_default());
    }

    /// A published course of two modules (the second requiring the first) with two lessons
    /// each and no quiz, so that lessons alone complete it.
    pub async fn simple_course(&self, token: &str, slug: &str) -> BuiltCourse {
        let course = self.create("/api/v1/courses", json!({"slug": slug, "title": format!("Course {slug}"), "summary": "A short course.", "language": "en"}), token).await;
        let course_id = course["id"].as_str().unwrap().to_owned();
        let mut module_ids = vec![];
        let mut lesson_ids = vec![];
        for m in 0..2 {
            let module = self
                .create(
                    &format!("/api/v1/courses/{course_id}/modules"),
                    json!({"title": format!("Module {m}")}),
                    token,
                )
                .await;
            let module_id = module["id"].as_str().unwrap().to_owned();
            for l in 0..2 {
                let lesson = self
                    .create(
                        &format!("/api/v1/modules/{module_id}/lessons"),
                        json!({"title": format!("Lesson {m}.{l}"), "body_markdown": "Read this."}),
                        token,
                    )
                    .await;
                lesson_ids.push(lesson["id"].as_str().unwrap().to_owned());
            }
            module_ids.push(module_id);
        }
        self.publish(&course_id, token).await;
        BuiltCourse { course_id, module_ids, lesson_ids, quiz_id: String::new() }
    }

    /// Adds a cohort and returns its id.
    pub async fn cohort(&self, course_id: &str, token: &str, name: &str, capacity: Option<i32>) -> String {
        let body =
            json!({"name": name, "starts_on": "2027-03-01", "ends_on": "2027-04-30", "capacity": capacity});
        self.create(&format!("/api/v1/courses/{course_id}/cohorts"), body, token).await["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }
}
