ALTER TABLE invitations DROP COLUMN cohort_ids;
DROP TABLE domain_events;
DROP TABLE lesson_completions;
DROP TABLE enrolments;
DROP TABLE cohorts;
