//! CSV output that spreadsheets cannot turn into formulas, streamed row by row.

use actix_web::HttpResponse;
use actix_web::web::Bytes;

/// Text starting with `=`, `+`, `-`, `@` (or a tab or carriage return) would be run as a
/// formula by spreadsheet programs; a leading apostrophe keeps it text.
pub fn safe_cell(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{cell}") } else { cell.to_owned() }
}

/// Whether the client asked for CSV (`Accept: text/csv`) rather than JSON.
pub fn wants_csv(req: &actix_web::HttpRequest) -> bool {
    use actix_web::http::header::ACCEPT;
    req.headers().get(ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("text/csv"))
}

/// One CSV line with proper quoting (commas, quotes and line breaks inside cells).
pub fn line(cells: &[String]) -> Bytes {
    let mut writer = csv::WriterBuilder::new().from_writer(Vec::new());
    let safe: Vec<String> = cells.iter().map(|c| safe_cell(c)).collect();
    // Writing into a Vec cannot fail.
    let _ = writer.write_record(&safe);
    Bytes::from(writer.into_inner().unwrap_or_default())
}

/// A `text/csv` response sent as a stream of lines (header first).
pub fn response(header: &[&str], rows: Vec<Vec<String>>, filename: &str) -> HttpResponse {
    let header: Vec<String> = header.iter().map(|h| (*h).to_owned()).collect();
    let lines = std::iter::once(header).chain(rows).map(|cells| Ok::<_, actix_web::Error>(line(&cells)));
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(("Content-Disposition", format!("attachment; filename=\"{filename}\"")))
        .streaming(futures_util::stream::iter(lines))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_defused_and_commas_quoted() {
        assert_eq!(safe_cell("=SUM(A1:A9)"), "'=SUM(A1:A9)");
        assert_eq!(safe_cell("@cmd"), "'@cmd");
        assert_eq!(safe_cell("Anna"), "Anna");
        let text =
            String::from_utf8(line(&["Dupont, Jean".into(), "Анна".into(), "+1".into()]).to_vec()).unwrap();
        assert_eq!(text, "\"Dupont, Jean\",Анна,'+1\n");
    }
}
