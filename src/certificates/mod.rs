//! Certificates: issuance, verification, documents and credentials.

pub mod code;
pub mod credential;
pub mod documents;
pub mod issue;
pub mod keys;
pub mod model;
pub mod pdf;
pub mod revoke;
pub mod routes;
pub mod signing;
pub mod store;
