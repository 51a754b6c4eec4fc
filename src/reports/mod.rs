//! Reports for administrators and instructors: completion by course, cohort and organisation,
//! and seat coverage (is every seat's current holder certified in what the seat requires).
//! Both answer JSON, or CSV with `Accept: text/csv` (spreadsheet-safe cells).

pub mod completion;
pub mod coverage;
pub mod csv_out;
pub mod routes;
