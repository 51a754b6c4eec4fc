//! Writing a `CourseBundle` as course files.
