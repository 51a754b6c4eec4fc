//! The HTTP edge shared by every domain: the error type and its problem+json rendering,
//! extractors that name bad fields, request ids, metrics middleware and the fallbacks for
//! requests no handler takes.

pub mod auth;
pub mod error;
pub mod extract;
pub mod fallback;
pub mod metrics;
pub mod pagination;
pub mod rate_limit;
pub mod request_id;

pub use auth::{AdminUser, CurrentUser, StaffUser};
pub use error::{ApiError, FieldError, Problem};
pub use extract::{JsonBody, QueryParams};
pub use pagination::{Page, PageRequest};
