//! Values generated once and shared by every instance through the database.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::db::schema::app_settings;

/// Returns the stored value for `key`, storing `generate()` first when there is none. Two
/// instances starting together agree on one value: the first insert wins, the other reads it.
pub async fn get_or_create(
    conn: &mut AsyncPgConnection,
    key: &str,
    generate: impl FnOnce() -> String,
) -> QueryResult<(String, bool)> {
    let inserted = diesel::insert_into(app_settings::table)
        .values((app_settings::key.eq(key), app_settings::value.eq(generate())))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    let value = app_settings::table.find(key).select(app_settings::value).first::<String>(conn).await?;
    Ok((value, inserted == 1))
}
