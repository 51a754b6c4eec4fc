//! poc-lms: training, certification and institutional memory for national Points of Contact on
//! UN Security Council resolution 1540. The binary (`src/main.rs`) is a thin CLI over this
//! library; the integration tests drive the same `build_app`.

#![cfg_attr(not(test), deny(clippy::unwrap_used))]

pub mod app;
pub mod audit;
pub mod auth;
pub mod certificates;
pub mod config;
pub mod courses;
pub mod db;
pub mod demo;
pub mod directory;
pub mod enrolments;
pub mod http;
pub mod metrics;
pub mod notifications;
pub mod openapi;
pub mod quizzes;
pub mod reports;
pub mod state;
pub mod system;
pub mod telemetry;
pub mod users;

pub use app::build_app;
pub use config::Config;
pub use state::AppState;
