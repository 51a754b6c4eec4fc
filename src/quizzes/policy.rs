//! When a trainee may see correct answers and explanations of a graded attempt.

/// The attempts an enrolment may make at a quiz: the quiz's limit plus every extra attempt an
/// instructor granted; `None` when the quiz has no limit.
pub fn attempts_allowed(max_attempts: Option<i32>, granted: i64) -> Option<i64> {
    max_attempts.map(|max| i64::from(max) + granted)
}

/// `policy` is the quiz's `review_policy`; `passed` whether the trainee has passed the quiz
/// (under its grading method); `used`/`allowed` the attempts used and allowed (`None`:
/// unlimited, so never "the last").
pub fn review_allowed(policy: &str, submitted: bool, passed: bool, used: i64, allowed: Option<i64>) -> bool {
    if !submitted {
        return false;
    }
    match policy {
        "after_submit" => true,
        "after_pass" => passed,
        "after_last_attempt" => allowed.is_some_and(|limit| used >= limit),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::review_allowed;

    #[test]
    fn each_policy() {
        assert!(!review_allowed("after_submit", false, false, 1, Some(3)), "never before grading");
        assert!(review_allowed("after_submit", true, false, 1, Some(3)));
        assert!(!review_allowed("never", true, true, 3, Some(3)));
        assert!(!review_allowed("after_pass", true, false, 1, Some(3)));
        assert!(review_allowed("after_pass", true, true, 1, Some(3)));
        assert!(!review_allowed("after_last_attempt", true, false, 2, Some(3)));
        assert!(review_allowed("after_last_attempt", true, false, 3, Some(3)));
        assert!(!review_allowed("after_last_attempt", true, false, 9, None));
    }
}
