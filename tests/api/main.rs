//! The one integration-test binary: every test drives the real app over HTTP against its own
//! PostgreSQL database (see helpers/).

mod helpers;

mod attempts;
mod audit;
mod auth;
mod certificates;
mod cli;
mod courses;
mod demo;
mod directory;
mod enrolments;
mod errors;
mod notifications;
mod openapi;
mod outbox;
mod reports;
mod seats;
mod system;
mod users;
