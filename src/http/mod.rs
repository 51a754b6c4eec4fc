//! The HTTP edge shared by every domain: the error type and its problem+json rendering,
//! extractors that name bad fields, request ids, metrics middleware and the fallbacks for
//! requests no handler takes.

pub mod error;
pub mod extract;
pub mod fallback;
pub mod metrics;
pub mod request_id;

pub use error::{ApiError, FieldError, Problem};
pub use extract::{JsonBody, QueryParams};
