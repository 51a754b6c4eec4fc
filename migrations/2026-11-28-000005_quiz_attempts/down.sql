DROP TABLE quiz_attempt_grants;
DROP TABLE attempt_questions;
DROP TABLE quiz_attempts;
