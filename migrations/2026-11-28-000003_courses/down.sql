DROP TABLE question_options;
DROP TABLE questions;
DROP TABLE quizzes;
DROP TABLE lessons;
DROP TABLE modules;
DROP TABLE course_instructors;
DROP TABLE courses;
