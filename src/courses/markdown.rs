//! Lesson bodies: stored as the instructor wrote them (Markdown) and served also as HTML that
//! is safe to insert into a page: rendered, then cleaned of scripts, event handlers and
//! `javascript:` links by an allow-list sanitiser.

use pulldown_cmark::{Options, Parser, html};

pub fn render_safe_html(markdown: &str) -> String {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    let mut unsafe_html = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut unsafe_html, Parser::new_ext(markdown, options));
    ammonia::Builder::default().link_rel(Some("noopener noreferrer nofollow")).clean(&unsafe_html).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_becomes_html() {
        let html = render_safe_html("## Duties\n\n- report\n- **coordinate**");
        assert!(html.contains("<h2>Duties</h2>"));
        assert!(html.contains("<strong>coordinate</strong>"));
    }

    #[test]
    fn scripts_handlers_and_javascript_links_are_removed() {
        let html = render_safe_html(
            "Hello <script>alert(1)</script> <img src=x onerror=\"alert(2)\"> [click](javascript:alert(3)) <a href=\"javascript:alert(4)\">x</a>",
        );
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("onerror"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
        assert!(html.contains("Hello"));
    }
}
