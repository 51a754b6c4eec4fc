//! Keyset pagination shared by every list: `?limit=` (default 50, at most 500) and an opaque
//! `?cursor=` naming the last item seen, answered as `{ items, next_cursor }`.

use base64::Engine;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{ApiError, FieldError};

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 500;

/// A page of results.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// Where a list sorted by `(created_at, id)` resumes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    #[serde(rename = "t")]
    pub created_at: DateTime<Utc>,
    #[serde(rename = "i")]
    pub id: Uuid,
}

impl Cursor {
    pub fn encode(&self) -> String {
        let json = serde_json::to_vec(self).unwrap_or_default();
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json)
    }

    pub fn decode(text: &str) -> Result<Self, ApiError> {
        let invalid = || ApiError::BadRequest {
            detail: "invalid query parameter `cursor`: use the next_cursor of a previous page".into(),
            errors: vec![FieldError::new("cursor", "is not a cursor this service issued")],
        };
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(text).map_err(|_| invalid())?;
        serde_json::from_slice(&bytes).map_err(|_| invalid())
    }
}

/// The validated paging parameters of a request.
#[derive(Debug, Clone, Copy)]
pub struct PageRequest {
    pub limit: i64,
    pub after: Option<Cursor>,
}

impl PageRequest {
    pub fn new(limit: Option<i64>, cursor: Option<&str>) -> Result<Self, ApiError> {
        let limit = limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(ApiError::BadRequest {
                detail: format!("invalid query parameter `limit`: must be between 1 and {MAX_LIMIT}"),
                errors: vec![FieldError::new("limit", format!("must be between 1 and {MAX_LIMIT}"))],
            });
        }
        let after = cursor.filter(|c| !c.is_empty()).map(Cursor::decode).transpose()?;
        Ok(Self { limit, after })
    }

    /// How many rows to fetch: one more than the page, to learn whether another page exists.
    pub fn fetch(&self) -> i64 {
        self.limit + 1
    }

    /// Cuts `rows` (fetched with `fetch()`) to the page and computes the next cursor.
    pub fn page<R, T>(&self, mut rows: Vec<R>, key: impl Fn(&R) -> Cursor, map: impl Fn(R) -> T) -> Page<T> {
        let more = rows.len() as i64 > self.limit;
        rows.truncate(self.limit as usize);
        let next_cursor = if more { rows.last().map(|r| key(r).encode()) } else { None };
        Page { items: rows.into_iter().map(map).collect(), next_cursor }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips_and_garbage_is_refused() {
        let cursor = Cursor { created_at: Utc::now(), id: Uuid::new_v4() };
        assert_eq!(Cursor::decode(&cursor.encode()).unwrap(), cursor);
        assert!(Cursor::decode("not-a-cursor").is_err());
    }

    #[test]
    fn limits_are_bounded() {
        assert_eq!(PageRequest::new(None, None).unwrap().limit, 50);
        assert!(PageRequest::new(Some(0), None).is_err());
        assert!(PageRequest::new(Some(501), None).is_err());
        assert_eq!(PageRequest::new(Some(500), None).unwrap().limit, 500);
    }

    #[test]
    fn a_full_page_has_a_next_cursor() {
        let request = PageRequest::new(Some(2), None).unwrap();
        let now = Utc::now();
        let rows: Vec<Cursor> = (0..3).map(|_| Cursor { created_at: now, id: Uuid::new_v4() }).collect();
        let page = request.page(rows.clone(), |r| *r, |r| r.id);
        assert_eq!(page.items.len(), 2);
        assert_eq!(Cursor::decode(page.next_cursor.as_deref().unwrap()).unwrap(), rows[1]);
        let last = request.page(rows[..2].to_vec(), |r| *r, |r| r.id);
        assert!(last.next_cursor.is_none());
    }
}
