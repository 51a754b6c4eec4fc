//! Reading a course folder into a `CourseBundle`.
