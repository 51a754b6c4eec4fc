//! A certificate of completion as a one-page A4 landscape PDF.
//!
//! The page is drawn with printpdf's low-level operations (no HTML layout engine): text is
//! measured with the embedded font's own advance widths, so centring, shrinking and wrapping are
//! exact. Text uses DejaVu Sans, embedded from `assets/fonts/` so the binary is self-contained
//! and every holder name in Latin, accented Latin, Greek or Cyrillic script renders the same on
//! any reader. Each PDF carries only the glyphs it uses, with a ToUnicode map so the text can be
//! searched and copied.
//!
//! The output is byte-for-byte reproducible: the same [`CertificateDocument`] always gives the
//! same bytes, so a re-issued document can be compared or cached by hash.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use allsorts::binary::read::ReadScope;
use allsorts::font_data::FontData;
use allsorts::subset::{CmapTarget, SubsetProfile};
use chrono::{NaiveDate, NaiveTime};
use printpdf::{
    Color, FontId, Line, LinePoint, Mm, Op, PaintMode, ParsedFont, PdfDocument, PdfFont, PdfFontHandle,
    PdfPage, PdfSaveOptions, PdfWarnMsg, Point, Polygon, PolygonRing, Pt, Rect, Rgb, TextItem, TextMatrix,
    WindingOrder,
};
use qrcode::{EcLevel, QrCode};
use sha2::{Digest, Sha256};
use unicode_normalization::UnicodeNormalization;

const DEJAVU_SANS: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
const DEJAVU_SANS_BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");

/// What goes on the certificate. All text may be in any script DejaVu Sans covers (Latin with
/// accents, Greek, Cyrillic and more); it is NFC-normalised and its whitespace collapsed before
/// layout.
pub struct CertificateDocument<'a> {
    pub holder_name: &'a str,
    pub course_title: &'a str,
    pub issued_on: NaiveDate,
    /// `None`: the certificate does not expire.
    pub expires_on: Option<NaiveDate>,
    /// The public verification code, e.g. `POC-7K3M-Q9XD-2HTR`.
    pub code: &'a str,
    /// The issuing organisation, e.g. `OSCE Conflict Prevention Centre`.
    pub issuer_name: &'a str,
    /// Where anyone can check the certificate; printed and encoded as a QR code.
    pub verify_url: &'a str,
}

#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("the embedded font {0} cannot be read")]
    Font(&'static str),
    #[error("subsetting the font {font} failed: {message}")]
    FontSubset { font: &'static str, message: String },
    #[error("the {field} contains characters the certificate font cannot draw: {characters}")]
    UnsupportedCharacters { field: &'static str, characters: String },
    #[error("the verification URL cannot be encoded as a QR code: {0}")]
    QrCode(#[from] qrcode::types::QrError),
    #[error("writing the PDF failed: {0}")]
    Write(String),
}

// ---------------------------------------------------------------------------------------------
// Page geometry, in PDF points (1/72 inch), origin at the bottom left.

/// A4 landscape: 297 x 210 mm.
const PAGE_W_MM: f32 = 297.0;
const PAGE_H_MM: f32 = 210.0;
const PAGE_W: f32 = PAGE_W_MM * 72.0 / 25.4;
const PAGE_H: f32 = PAGE_H_MM * 72.0 / 25.4;
const CENTRE_X: f32 = PAGE_W / 2.0;

/// Double frame: a strong outer rule and a fine inner one.
const FRAME_OUTER_INSET: f32 = 22.0;
const FRAME_INNER_INSET: f32 = 29.0;

/// Width available to the centred main text, well inside the frame.
const MAIN_TEXT_WIDTH: f32 = PAGE_W - 2.0 * 90.0;

/// Bottom band: dates and code on the left, issuer in the middle, QR code on the right.
const BOTTOM_LEFT_X: f32 = 80.0;
const BOTTOM_COLUMN_WIDTH: f32 = 210.0;
const QR_SIZE: f32 = 86.0;
const QR_RIGHT: f32 = PAGE_W - 80.0;
const QR_BOTTOM: f32 = 96.0;
/// The verification URL under the QR code must stay clear of the inner frame.
const URL_RIGHT_LIMIT: f32 = PAGE_W - FRAME_INNER_INSET - 14.0;
const URL_MAX_WIDTH: f32 = 230.0;

/// How the holder's name and the course title shrink and wrap: (maximum lines, largest size,
/// smallest size), tried in order (see [`Layout::centred_block`]).
const NAME_FIT: &[(usize, f32, f32)] = &[(1, 32.0, 20.0), (2, 20.0, 13.0)];
const COURSE_FIT: &[(usize, f32, f32)] = &[(1, 21.0, 16.0), (2, 16.0, 14.0), (4, 14.0, 9.0)];
/// The course block may grow to four lines; centred a little low, it keeps clear of "has
/// completed" above and still ends well above the bottom band.
const COURSE_CENTRE_Y: f32 = 276.0;

/// DejaVu Sans capital height (1493 of 2048 units), to centre blocks of text optically.
const CAP_HEIGHT: f32 = 0.729;
/// Line spacing of wrapped blocks, as a multiple of the font size.
const LEADING: f32 = 1.2;

const NAVY: (f32, f32, f32) = (0.106, 0.196, 0.361);
const GOLD: (f32, f32, f32) = (0.690, 0.561, 0.282);
const INK: (f32, f32, f32) = (0.133, 0.133, 0.157);
const MUTED: (f32, f32, f32) = (0.400, 0.420, 0.460);
const BLACK: (f32, f32, f32) = (0.0, 0.0, 0.0);

/// Bumped whenever the layout changes, so the file identifier of a re-rendered document changes
/// with its appearance.
const LAYOUT_VERSION: &str = "poc-lms certificate layout 1";

// ---------------------------------------------------------------------------------------------
// Fonts

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Weight {
    Regular,
    Bold,
}

impl Weight {
    fn bytes(self) -> &'static [u8] {
        match self {
            Weight::Regular => DEJAVU_SANS,
            Weight::Bold => DEJAVU_SANS_BOLD,
        }
    }

    /// PostScript name, used for the embedded font's /BaseFont.
    fn postscript_name(self) -> &'static str {
        match self {
            Weight::Regular => "DejaVuSans",
            Weight::Bold => "DejaVuSans-Bold",
        }
    }

    /// Resource name on the page. Fixed rather than printpdf's generated ids, which come from a
    /// process-wide counter and would make every rendering differ.
    fn resource_name(self) -> &'static str {
        match self {
            Weight::Regular => "FDejaVuSans",
            Weight::Bold => "FDejaVuSansBold",
        }
    }
}

/// A full font, parsed once: its character map and advance widths drive layout.
struct Face {
    font: ParsedFont,
}

impl Face {
    fn parse(weight: Weight) -> Option<Face> {
        ParsedFont::from_bytes(weight.bytes(), 0, &mut Vec::new()).map(|font| Face { font })
    }

    fn glyph(&self, c: char) -> Option<u16> {
        self.font.lookup_glyph_index(u32::from(c))
    }

    /// Width of `text` set at `size` points, from the font's advance widths (no kerning: printpdf
    /// does not kern either, so this is exactly what a reader draws).
    fn width(&self, text: &str, size: f32) -> f32 {
        let units_per_em = f32::from(self.font.units_per_em.max(1));
        let units: u32 = text
            .chars()
            .map(|c| u32::from(self.font.get_glyph_width(self.glyph(c).unwrap_or(0)).unwrap_or(0)))
            .sum();
        units as f32 / units_per_em * size
    }
}

struct Faces {
    regular: Face,
    bold: Face,
}

impl Faces {
    fn get(&self, weight: Weight) -> &Face {
        match weight {
            Weight::Regular => &self.regular,
            Weight::Bold => &self.bold,
        }
    }
}

/// Parsing the two fonts' tables takes a few milliseconds; do it once per process.
static FACES: LazyLock<Option<Faces>> = LazyLock::new(|| {
    Some(Faces { regular: Face::parse(Weight::Regular)?, bold: Face::parse(Weight::Bold)? })
});

// ---------------------------------------------------------------------------------------------
// Rendering

/// Renders the certificate as a one-page A4 landscape PDF.
pub fn render_pdf(doc: &CertificateDocument<'_>) -> Result<Vec<u8>, PdfError> {
    let faces = FACES.as_ref().ok_or(PdfError::Font("DejaVu Sans"))?;

    let holder = clean_text(doc.holder_name);
    let course = clean_text(doc.course_title);
    let issuer = clean_text(doc.issuer_name);
    let code = clean_text(doc.code);
    let url = clean_text(doc.verify_url);
    let issued = format_date(doc.issued_on);
    let expires = doc.expires_on.map(format_date).unwrap_or_else(|| "Does not expire".to_owned());

    // Refuse rather than print boxes: a certificate with a mangled name is worse than none, and
    // the caller can report exactly which characters are the problem.
    for (field, text, weight) in [
        ("holder name", &holder, Weight::Bold),
        ("course title", &course, Weight::Bold),
        ("issuer name", &issuer, Weight::Regular),
        ("issuer name", &issuer, Weight::Bold),
        ("verification code", &code, Weight::Bold),
        ("verification URL", &url, Weight::Regular),
    ] {
        check_coverage(faces.get(weight), field, text)?;
    }

    let mut layout = Layout { faces, runs: Vec::new() };

    // Header: the issuing organisation.
    layout.centred_block(
        &issuer,
        Weight::Regular,
        NAVY,
        MAIN_TEXT_WIDTH,
        524.0,
        &[(1, 13.0, 9.0), (2, 9.0, 8.0)],
    );

    layout.centred_block(
        "Certificate of completion",
        Weight::Bold,
        NAVY,
        MAIN_TEXT_WIDTH,
        474.0,
        &[(1, 34.0, 20.0)],
    );
    layout.centred_block(
        "This certifies that",
        Weight::Regular,
        MUTED,
        MAIN_TEXT_WIDTH,
        420.0,
        &[(1, 14.0, 14.0)],
    );

    // The holder's name: as large as fits on one line, then two smaller lines.
    layout.centred_block(&holder, Weight::Bold, INK, MAIN_TEXT_WIDTH, 381.0, NAME_FIT);

    layout.centred_block("has completed", Weight::Regular, MUTED, MAIN_TEXT_WIDTH, 327.0, &[(1, 14.0, 14.0)]);

    // The course title: one line if it can be set reasonably large, else up to four lines before
    // it is shortened (300 characters still fit at about 12 points).
    layout.centred_block(&course, Weight::Bold, NAVY, MAIN_TEXT_WIDTH, COURSE_CENTRE_Y, COURSE_FIT);

    // Bottom left: dates and the verification code, each under a small label.
    let details = [
        ("DATE OF ISSUE", issued.as_str(), Weight::Regular),
        ("VALID UNTIL", expires.as_str(), Weight::Regular),
        ("VERIFICATION CODE", code.as_str(), Weight::Bold),
    ];
    for (row, (label, value, weight)) in details.into_iter().enumerate() {
        let top = 184.0 - 44.0 * row as f32;
        layout.left_line(label, Weight::Regular, MUTED, top, (7.5, 7.5));
        layout.left_line(value, weight, INK, top - 16.0, (13.0, 8.0));
    }

    // Bottom middle: the issuer above a rule, as a signature block.
    let rule_y = 118.0;
    layout.centred_block(
        &issuer,
        Weight::Bold,
        INK,
        BOTTOM_COLUMN_WIDTH + 30.0,
        rule_y + 17.0,
        &[(1, 12.0, 9.0), (2, 9.0, 7.0)],
    );
    layout.centred_block(
        "Issued by",
        Weight::Regular,
        MUTED,
        BOTTOM_COLUMN_WIDTH,
        rule_y - 14.0,
        &[(1, 9.0, 9.0)],
    );

    // Bottom right: QR code of the verification URL, a label above and the URL under it, both
    // outside the four-module quiet zone scanners need around the symbol.
    let (qr, module) = qr_ops(&url, QR_RIGHT - QR_SIZE, QR_BOTTOM, QR_SIZE)?;
    let quiet_zone = 4.0 * module;
    let qr_centre = QR_RIGHT - QR_SIZE / 2.0;
    let label_baseline = QR_BOTTOM + QR_SIZE + quiet_zone + 1.0;
    layout.centred_at("SCAN TO VERIFY", Weight::Regular, MUTED, qr_centre, label_baseline, 7.5);
    layout.url_block(&url, qr_centre, QR_BOTTOM - quiet_zone - CAP_HEIGHT * 7.0);

    let mut ops = frame_ops(rule_y);
    ops.extend(qr);
    ops.extend(layout.text_ops());

    let mut pdf = PdfDocument::new(&format!("Certificate of completion {code}"));
    set_metadata(&mut pdf, doc, &holder, &course, &issuer, &code);
    for (weight, chars) in layout.chars_by_weight() {
        let font = subset_font(weight, faces.get(weight), &chars)?;
        pdf.resources.fonts.map.insert(FontId(weight.resource_name().to_owned()), PdfFont::new(font));
    }
    pdf.pages = vec![PdfPage::new(Mm(PAGE_W_MM), Mm(PAGE_H_MM), ops)];

    let options = PdfSaveOptions {
        // Not read by `to_lopdf_doc`: the streams are compressed below, once the /ID is fixed.
        optimize: true,
        // printpdf only subsets with its `text_layout` feature; the fonts handed to it here are
        // already subsets, so this flag would change nothing.
        subset_fonts: false,
        secure: true,
        image_optimization: None,
    };
    let mut warnings: Vec<PdfWarnMsg> = Vec::new();
    let mut lo = printpdf::to_lopdf_doc(&pdf, &options, &mut warnings);
    for warning in warnings.iter().filter(|w| w.severity == printpdf::PdfParseErrorSeverity::Error) {
        tracing::warn!(message = %warning.msg, "certificate PDF");
    }

    // printpdf fills the trailer /ID with random strings; derive it from the content instead so
    // the bytes are reproducible (the ID only has to identify the file, not be secret).
    let file_id = file_identifier(doc);
    if let Ok(ids) = lo.trailer.get_mut(b"ID").and_then(|id| id.as_array_mut()) {
        for id in ids {
            if let Ok(bytes) = id.as_str_mut() {
                *bytes = file_id.clone().into_bytes();
            }
        }
    }

    // printpdf always writes /GTS_PDFXVersion into the document information, which tells readers
    // the file claims PDF/X conformance; it does not, so drop the claim (and the empty keywords).
    let info_id = lo.trailer.get(b"Info").and_then(|info| info.as_reference());
    if let Ok(info) = info_id.and_then(|id| lo.get_object_mut(id)).and_then(|info| info.as_dict_mut()) {
        info.remove(b"GTS_PDFXVersion");
        info.remove(b"Keywords");
    }

    lo.compress();
    let mut bytes = Vec::new();
    lo.save_to(&mut bytes).map_err(|e| PdfError::Write(e.to_string()))?;
    Ok(bytes)
}

/// "28 November 2026": unambiguous in every locale, unlike numeric dates.
fn format_date(date: NaiveDate) -> String {
    date.format("%-d %B %Y").to_string()
}

/// NFC so accented letters are single code points the font maps directly (a decomposed "é" would
/// need mark positioning printpdf does not do); invisible format characters that arrive from
/// copy-and-paste are dropped; whitespace runs, line breaks included, become single spaces.
fn clean_text(text: &str) -> String {
    let visible: String = text.nfc().filter(|c| !is_invisible(*c)).collect();
    visible.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn is_invisible(c: char) -> bool {
    // Line breaks and tabs are control characters too, but they separate words: keep them for
    // the whitespace collapsing.
    (c.is_control() && !c.is_whitespace())
        // Soft hyphen, zero-width spaces and joiners, direction marks and embeddings, word
        // joiner and invisible operators, byte-order mark.
        || matches!(
            c,
            '\u{00AD}'
                | '\u{200B}'..='\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{2064}'
                | '\u{FEFF}'
        )
}

fn check_coverage(face: &Face, field: &'static str, text: &str) -> Result<(), PdfError> {
    let missing: BTreeSet<char> = text.chars().filter(|c| face.glyph(*c).is_none()).collect();
    if missing.is_empty() {
        return Ok(());
    }
    let characters = missing.iter().map(|c| format!("{c:?} (U+{:04X})", u32::from(*c))).collect::<Vec<_>>();
    Err(PdfError::UnsupportedCharacters { field, characters: characters.join(", ") })
}

fn set_metadata(
    pdf: &mut PdfDocument,
    doc: &CertificateDocument<'_>,
    holder: &str,
    course: &str,
    issuer: &str,
    code: &str,
) {
    let info = &mut pdf.metadata.info;
    // Dated at the issue date rather than the moment of rendering, so the document is
    // reproducible and its metadata matches what it certifies.
    let issued_at = doc.issued_on.and_time(NaiveTime::MIN).and_utc().timestamp();
    if let Ok(date) = printpdf::OffsetDateTime::from_unix_timestamp(issued_at) {
        info.creation_date = date;
        info.modification_date = date;
        info.metadata_date = date;
    }
    info.document_title = format!("Certificate of completion {code}");
    info.author = issuer.to_owned();
    info.creator = "poc-lms".to_owned();
    info.producer = "poc-lms".to_owned();
    info.subject = format!("{holder}: {course}");
    info.identifier = code.to_owned();
}

fn file_identifier(doc: &CertificateDocument<'_>) -> String {
    let mut hash = Sha256::new();
    let expires = doc.expires_on.map(|d| d.to_string()).unwrap_or_default();
    for part in [
        LAYOUT_VERSION,
        doc.holder_name,
        doc.course_title,
        &doc.issued_on.to_string(),
        &expires,
        doc.code,
        doc.issuer_name,
        doc.verify_url,
    ] {
        // Length-prefixed so that moving text between fields changes the hash.
        hash.update((part.len() as u64).to_be_bytes());
        hash.update(part.as_bytes());
    }
    hex::encode(&hash.finalize()[..16])
}

// ---------------------------------------------------------------------------------------------
// Text layout

struct TextRun {
    weight: Weight,
    size: f32,
    x: f32,
    baseline: f32,
    text: String,
    colour: (f32, f32, f32),
}

struct Layout<'f> {
    faces: &'f Faces,
    runs: Vec<TextRun>,
}

impl Layout<'_> {
    /// Lays `text` out centred on the page, vertically centred on `centre_y`. `passes` are tried
    /// in order as (maximum lines, largest size, smallest size): the first size, stepping down by
    /// half a point, at which the text wraps into at most that many lines wins. If nothing fits,
    /// the last pass's smallest size is used and the text is cut with an ellipsis.
    fn centred_block(
        &mut self,
        text: &str,
        weight: Weight,
        colour: (f32, f32, f32),
        max_width: f32,
        centre_y: f32,
        passes: &[(usize, f32, f32)],
    ) {
        let face = self.faces.get(weight);
        let (size, lines) = fit(face, text, max_width, passes);
        let cap = CAP_HEIGHT * size;
        let block_height = cap + (lines.len().saturating_sub(1)) as f32 * LEADING * size;
        let first_baseline = centre_y + block_height / 2.0 - cap;
        for (i, line) in lines.into_iter().enumerate() {
            let x = CENTRE_X - face.width(&line, size) / 2.0;
            let baseline = first_baseline - i as f32 * LEADING * size;
            self.runs.push(TextRun { weight, size, x, baseline, text: line, colour });
        }
    }

    /// One line centred on `centre_x` with its baseline at `baseline`.
    fn centred_at(
        &mut self,
        text: &str,
        weight: Weight,
        colour: (f32, f32, f32),
        centre_x: f32,
        baseline: f32,
        size: f32,
    ) {
        let x = centre_x - self.faces.get(weight).width(text, size) / 2.0;
        self.runs.push(TextRun { weight, size, x, baseline, text: text.to_owned(), colour });
    }

    /// One left-aligned line in the bottom-left column, at `sizes.0` or shrunk (down to
    /// `sizes.1`) and as a last resort shortened to stay within the column.
    fn left_line(
        &mut self,
        text: &str,
        weight: Weight,
        colour: (f32, f32, f32),
        baseline: f32,
        (size, min_size): (f32, f32),
    ) {
        let face = self.faces.get(weight);
        let (size, lines) = fit(face, text, BOTTOM_COLUMN_WIDTH, &[(1, size, min_size)]);
        let text = lines.into_iter().next().unwrap_or_default();
        self.runs.push(TextRun { weight, size, x: BOTTOM_LEFT_X, baseline, text, colour });
    }

    /// The verification URL in small type under the QR code: centred on it where the URL is
    /// short enough, otherwise pulled left so it ends inside the frame; very long URLs wrap.
    fn url_block(&mut self, url: &str, centre_x: f32, first_baseline: f32) {
        let face = self.faces.get(Weight::Regular);
        let (size, lines) = fit(face, url, URL_MAX_WIDTH, &[(1, 7.0, 5.5), (3, 5.5, 5.5)]);
        for (i, line) in lines.into_iter().enumerate() {
            let width = face.width(&line, size);
            let x = (centre_x - width / 2.0).min(URL_RIGHT_LIMIT - width);
            let baseline = first_baseline - i as f32 * LEADING * size;
            self.runs.push(TextRun { weight: Weight::Regular, size, x, baseline, text: line, colour: INK });
        }
    }

    /// Every character drawn, per font: exactly the glyphs the subsets must hold.
    fn chars_by_weight(&self) -> BTreeMap<Weight, BTreeSet<char>> {
        let mut chars: BTreeMap<Weight, BTreeSet<char>> = BTreeMap::new();
        for run in &self.runs {
            chars.entry(run.weight).or_default().extend(run.text.chars());
        }
        chars
    }

    fn text_ops(&self) -> Vec<Op> {
        let mut ops = Vec::new();
        for run in &self.runs {
            ops.push(Op::SetFillColor { col: rgb(run.colour) });
            ops.push(Op::StartTextSection);
            ops.push(Op::SetFont {
                font: PdfFontHandle::External(FontId(run.weight.resource_name().to_owned())),
                size: Pt(run.size),
            });
            ops.push(Op::SetTextMatrix { matrix: TextMatrix::Translate(Pt(run.x), Pt(run.baseline)) });
            ops.push(Op::ShowText { items: vec![TextItem::Text(run.text.clone())] });
            ops.push(Op::EndTextSection);
        }
        ops
    }
}

fn fit(face: &Face, text: &str, max_width: f32, passes: &[(usize, f32, f32)]) -> (f32, Vec<String>) {
    for &(max_lines, largest, smallest) in passes {
        let mut size = largest;
        while size >= smallest - 0.01 {
            let lines = wrap(face, text, size, max_width);
            if lines.len() <= max_lines {
                return (size, lines);
            }
            size -= 0.5;
        }
    }
    let (max_lines, _, smallest) = passes.last().copied().unwrap_or((1, 12.0, 12.0));
    let mut lines = wrap(face, text, smallest, max_width);
    if lines.len() > max_lines {
        lines.truncate(max_lines.max(1));
        if let Some(last) = lines.last_mut() {
            *last = ellipsize(face, last, smallest, max_width);
        }
    }
    (smallest, lines)
}

/// Greedy word wrap; a single word wider than the line (a URL, a long compound) is broken
/// between characters.
fn wrap(face: &Face, text: &str, size: f32, max_width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut current = String::new();
    for word in text.split(' ') {
        let candidate = if current.is_empty() { word.to_owned() } else { format!("{current} {word}") };
        if face.width(&candidate, size) <= max_width {
            current = candidate;
            continue;
        }
        if !current.is_empty() {
            lines.push(std::mem::take(&mut current));
        }
        for c in word.chars() {
            current.push(c);
            if face.width(&current, size) > max_width && current.chars().count() > 1 {
                current.pop();
                lines.push(std::mem::replace(&mut current, c.to_string()));
            }
        }
    }
    if !current.is_empty() || lines.is_empty() {
        lines.push(current);
    }
    lines
}

/// Shortens `line` until it fits with a trailing "…", so the reader can see the text was cut.
fn ellipsize(face: &Face, line: &str, size: f32, max_width: f32) -> String {
    let mut kept: String = line.to_owned();
    loop {
        let candidate = format!("{}…", kept.trim_end());
        if face.width(&candidate, size) <= max_width || kept.is_empty() {
            return candidate;
        }
        kept.pop();
    }
}

// ---------------------------------------------------------------------------------------------
// Graphics

fn rgb((r, g, b): (f32, f32, f32)) -> Color {
    Color::Rgb(Rgb { r, g, b, icc_profile: None })
}

fn point(x: f32, y: f32) -> Point {
    Point { x: Pt(x), y: Pt(y) }
}

fn stroke_line(from: (f32, f32), to: (f32, f32)) -> Op {
    Op::DrawLine {
        line: Line {
            points: vec![
                LinePoint { p: point(from.0, from.1), bezier: false },
                LinePoint { p: point(to.0, to.1), bezier: false },
            ],
            is_closed: false,
        },
    }
}

fn stroke_rect(inset: f32) -> Op {
    Op::DrawRectangle {
        rectangle: Rect {
            x: Pt(inset),
            y: Pt(inset),
            width: Pt(PAGE_W - 2.0 * inset),
            height: Pt(PAGE_H - 2.0 * inset),
            mode: Some(PaintMode::Stroke),
            winding_order: None,
        },
    }
}

/// The double frame, the gold rule under the title and the issuer's signature rule.
fn frame_ops(signature_rule_y: f32) -> Vec<Op> {
    let signature_half = BOTTOM_COLUMN_WIDTH / 2.0;
    vec![
        Op::SetOutlineColor { col: rgb(NAVY) },
        Op::SetOutlineThickness { pt: Pt(2.5) },
        stroke_rect(FRAME_OUTER_INSET),
        Op::SetOutlineColor { col: rgb(GOLD) },
        Op::SetOutlineThickness { pt: Pt(0.8) },
        stroke_rect(FRAME_INNER_INSET),
        Op::SetOutlineThickness { pt: Pt(1.2) },
        stroke_line((CENTRE_X - 70.0, 448.0), (CENTRE_X + 70.0, 448.0)),
        Op::SetOutlineColor { col: rgb(MUTED) },
        Op::SetOutlineThickness { pt: Pt(0.6) },
        stroke_line(
            (CENTRE_X - signature_half, signature_rule_y),
            (CENTRE_X + signature_half, signature_rule_y),
        ),
    ]
}

/// The QR code as one filled path: each horizontal run of dark modules is one rectangle. A
/// single fill leaves no hairline seams between modules, which separate fills can show when
/// rasterised with anti-aliasing. The page is white around it, so the quiet zone is implicit
/// as long as nothing is drawn near; returns the module size for keeping that distance.
fn qr_ops(url: &str, left: f32, bottom: f32, size: f32) -> Result<(Vec<Op>, f32), PdfError> {
    let code = QrCode::with_error_correction_level(url.as_bytes(), EcLevel::M)?;
    let modules = code.width();
    let colours = code.to_colors();
    let module = size / modules as f32;
    let top = bottom + size;

    let mut rings = Vec::new();
    for (row, line) in colours.chunks(modules).enumerate() {
        let y_top = top - row as f32 * module;
        let y_bottom = y_top - module;
        let mut col = 0;
        while col < modules {
            if line.get(col) != Some(&qrcode::Color::Dark) {
                col += 1;
                continue;
            }
            let start = col;
            while line.get(col) == Some(&qrcode::Color::Dark) {
                col += 1;
            }
            let x0 = left + start as f32 * module;
            let x1 = left + col as f32 * module;
            rings.push(PolygonRing {
                points: [(x0, y_bottom), (x1, y_bottom), (x1, y_top), (x0, y_top)]
                    .into_iter()
                    .map(|(x, y)| LinePoint { p: point(x, y), bezier: false })
                    .collect(),
            });
        }
    }

    let ops = vec![
        Op::SetFillColor { col: rgb(BLACK) },
        Op::DrawPolygon {
            polygon: Polygon { rings, mode: PaintMode::Fill, winding_order: WindingOrder::NonZero },
        },
    ];
    Ok((ops, module))
}

// ---------------------------------------------------------------------------------------------
// Font subsetting

/// Cuts the font down to the glyphs of `chars` (plus .notdef and any components of composite
/// glyphs) and parses the result for printpdf, which then embeds those bytes whole. Without this
/// each PDF would carry both complete fonts, about 1.4 MB.
fn subset_font(weight: Weight, face: &Face, chars: &BTreeSet<char>) -> Result<ParsedFont, PdfError> {
    let name = weight.postscript_name();
    let subset_error = |message: String| PdfError::FontSubset { font: name, message };

    // Glyph 0 (.notdef) must come first and glyph ids must be unique (allsorts' requirements).
    let used: BTreeSet<u16> = chars.iter().filter_map(|c| face.glyph(*c)).filter(|g| *g != 0).collect();
    let glyph_ids: Vec<u16> = std::iter::once(0).chain(used.iter().copied()).collect();

    let scope = ReadScope::new(weight.bytes());
    let font_data = scope.read::<FontData<'_>>().map_err(|e| subset_error(e.to_string()))?;
    let provider = font_data.table_provider(0).map_err(|e| subset_error(e.to_string()))?;
    // The PDF profile keeps the tables a PDF reader needs, including a Unicode cmap for the kept
    // glyphs, which printpdf uses to turn text into the subset's glyph ids.
    let bytes = allsorts::subset::subset(&provider, &glyph_ids, &SubsetProfile::Pdf, CmapTarget::Unicode)
        .map_err(|e| subset_error(e.to_string()))?;

    let mut font = ParsedFont::from_bytes(&bytes, 0, &mut Vec::new())
        .ok_or_else(|| subset_error("unreadable subset".into()))?;
    if let Some(c) = chars.iter().find(|c| font.lookup_glyph_index(u32::from(**c)).is_none()) {
        return Err(subset_error(format!("the subset lost {c:?}")));
    }
    // A subset is named with a six-letter tag (ISO 32000-1, 9.6.4). Deriving the tag from the
    // glyph set keeps it reproducible while different subsets still get different names.
    font.font_name = Some(format!("{}+{name}", subset_tag(name, &glyph_ids)));
    Ok(font)
}

fn subset_tag(name: &str, glyph_ids: &[u16]) -> String {
    let mut hash = Sha256::new();
    hash.update(name.as_bytes());
    for id in glyph_ids {
        hash.update(id.to_be_bytes());
    }
    hash.finalize().iter().take(6).map(|b| char::from(b'A' + b % 26)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn sample<'a>(holder_name: &'a str, course_title: &'a str) -> CertificateDocument<'a> {
        CertificateDocument {
            holder_name,
            course_title,
            issued_on: date(2026, 11, 28),
            expires_on: Some(date(2029, 11, 28)),
            code: "POC-7K3M-Q9XD-2HTR",
            issuer_name: "OSCE Conflict Prevention Centre",
            verify_url: "https://lms.example.org/verify/POC-7K3M-Q9XD-2HTR",
        }
    }

    fn parse(bytes: &[u8]) -> lopdf::Document {
        lopdf::Document::load_mem(bytes).expect("the PDF parses")
    }

    fn text_of(bytes: &[u8]) -> String {
        parse(bytes).extract_text(&[1]).expect("text extraction")
    }

    fn media_box(pdf: &lopdf::Document) -> Vec<f32> {
        let pages = pdf.get_pages();
        let page_id = *pages.get(&1).expect("page 1");
        let page = pdf.get_dictionary(page_id).expect("page dictionary");
        page.get(b"MediaBox")
            .and_then(|o| o.as_array())
            .expect("MediaBox")
            .iter()
            .map(|n| n.as_float().or_else(|_| n.as_i64().map(|i| i as f32)).expect("number"))
            .collect()
    }

    #[test]
    fn one_a4_landscape_page() {
        let bytes = render_pdf(&sample("Anna Petrova", "UNSCR 1540 for Points of Contact")).unwrap();
        assert!(bytes.starts_with(b"%PDF-"));
        let pdf = parse(&bytes);
        assert_eq!(pdf.get_pages().len(), 1);
        let mb = media_box(&pdf);
        assert_eq!(mb.len(), 4);
        let (width, height) = (mb[2] - mb[0], mb[3] - mb[1]);
        assert!((width - 842.0).abs() <= 1.0, "width {width}");
        assert!((height - 595.0).abs() <= 1.0, "height {height}");
    }

    #[test]
    fn cyrillic_name_is_extractable() {
        let bytes = render_pdf(&sample("Анна Петрова", "Национальные контактные пункты")).unwrap();
        let text = text_of(&bytes);
        assert!(text.contains("Анна Петрова"), "{text}");
        assert!(text.contains("Национальные контактные пункты"), "{text}");
    }

    #[test]
    fn accented_latin_names_are_extractable() {
        for name in ["José Müller-Lüdenscheidt", "Zoë Ñúñez"] {
            let text = text_of(&render_pdf(&sample(name, "Export controls")).unwrap());
            assert!(text.contains(name), "{name} not in {text}");
        }
    }

    #[test]
    fn decomposed_accents_are_composed() {
        // "Zoë" typed with a combining diaeresis renders (and extracts) as the single letter.
        let text = text_of(&render_pdf(&sample("Zoe\u{308} Ñúñez", "Export controls")).unwrap());
        assert!(text.contains("Zoë Ñúñez"), "{text}");
    }

    #[test]
    fn same_document_same_bytes() {
        let doc = sample("José Müller-Lüdenscheidt", "UNSCR 1540 for Points of Contact");
        let first = render_pdf(&doc).unwrap();
        let second = render_pdf(&doc).unwrap();
        assert!(first == second, "two renderings differ");
        // ...and a different document is a different file, with a different /ID.
        let other = render_pdf(&sample("Anna Petrova", "UNSCR 1540 for Points of Contact")).unwrap();
        assert!(first != other);
    }

    #[test]
    fn metadata_is_dated_at_issue_and_claims_no_pdf_x() {
        let pdf = parse(&render_pdf(&sample("Anna Petrova", "Export controls")).unwrap());
        let info_id = pdf.trailer.get(b"Info").and_then(|i| i.as_reference()).unwrap();
        let info = pdf.get_dictionary(info_id).unwrap();
        let created = info.get(b"CreationDate").and_then(|d| d.as_str()).unwrap();
        assert_eq!(created, b"D:20261128000000+00'00'");
        assert!(!info.has(b"GTS_PDFXVersion"));
        let id = pdf.trailer.get(b"ID").and_then(|id| id.as_array()).unwrap();
        assert_eq!(id[0].as_str().unwrap().len(), 32);
    }

    #[test]
    fn very_long_course_title_still_one_page() {
        let title: String = "Implementation of Security Council resolution 1540 (2004) in national law "
            .chars()
            .cycle()
            .take(300)
            .collect();
        assert_eq!(title.chars().count(), 300);
        let bytes = render_pdf(&sample("Anna Petrova", &title)).unwrap();
        let pdf = parse(&bytes);
        assert_eq!(pdf.get_pages().len(), 1);
        // All of it is printed, over several lines.
        let text = text_of(&bytes).replace('\n', " ");
        for word in ["Implementation", "Security", "resolution", "national"] {
            assert!(text.contains(word), "{word} missing");
        }
    }

    #[test]
    fn long_names_and_titles_stay_inside_the_frame() {
        let faces = FACES.as_ref().unwrap();
        let long_name = "Maria Fernanda de los Ángeles Gutiérrez-Villanueva y Santos-Montenegro Ortiz";
        let long_title = "x".repeat(700);
        for (text, weight, passes) in
            [(long_name, Weight::Bold, NAME_FIT), (&long_title, Weight::Bold, COURSE_FIT)]
        {
            let face = faces.get(weight);
            let (size, lines) = fit(face, text, MAIN_TEXT_WIDTH, passes);
            let (max_lines, ..) = passes[passes.len() - 1];
            assert!(lines.len() <= max_lines);
            for line in &lines {
                assert!(face.width(line, size) <= MAIN_TEXT_WIDTH + 0.01, "{line} too wide at {size}");
            }
        }
        // The unbreakable 700-character title is cut with an ellipsis rather than overflowing.
        let (_, lines) = fit(faces.get(Weight::Bold), &long_title, MAIN_TEXT_WIDTH, COURSE_FIT);
        assert_eq!(lines.len(), 4);
        assert!(lines[3].ends_with('…'));
    }

    #[test]
    fn code_and_url_are_in_the_text() {
        let doc = sample("Anna Petrova", "UNSCR 1540 for Points of Contact");
        let text = text_of(&render_pdf(&doc).unwrap());
        assert!(text.contains("POC-7K3M-Q9XD-2HTR"), "{text}");
        assert!(text.contains("https://lms.example.org/verify/POC-7K3M-Q9XD-2HTR"), "{text}");
        assert!(text.contains("OSCE Conflict Prevention Centre"), "{text}");
        assert!(text.contains("28 November 2026"), "{text}");
        assert!(text.contains("28 November 2029"), "{text}");
        assert!(text.contains("Certificate of completion"), "{text}");
    }

    #[test]
    fn no_expiry_is_stated() {
        let doc = CertificateDocument { expires_on: None, ..sample("Anna Petrova", "Export controls") };
        let text = text_of(&render_pdf(&doc).unwrap());
        assert!(text.contains("Does not expire"), "{text}");
    }

    #[test]
    fn fonts_are_embedded_as_subsets() {
        let bytes = render_pdf(&sample("Анна Петрова", "Export controls")).unwrap();
        // Both full fonts would be about 1.4 MB; the subsets of a few dozen glyphs are small.
        assert!(bytes.len() < 150_000, "{} bytes", bytes.len());
        let pdf = parse(&bytes);
        let mut base_fonts = Vec::new();
        for object in pdf.objects.values() {
            if let Ok(dict) = object.as_dict()
                && dict.get(b"Subtype").and_then(|s| s.as_name()).ok() == Some(b"Type0".as_slice())
            {
                let base = dict.get(b"BaseFont").and_then(|b| b.as_name()).unwrap();
                base_fonts.push(String::from_utf8_lossy(base).into_owned());
                assert!(dict.has(b"ToUnicode"), "no ToUnicode on {base_fonts:?}");
            }
        }
        assert_eq!(base_fonts.len(), 2, "{base_fonts:?}");
        assert!(base_fonts.iter().any(|b| b.ends_with("+DejaVuSans")), "{base_fonts:?}");
        assert!(base_fonts.iter().any(|b| b.ends_with("+DejaVuSans-Bold")), "{base_fonts:?}");
    }

    #[test]
    fn characters_outside_the_font_are_refused() {
        let err = render_pdf(&sample("王小明", "Export controls")).unwrap_err();
        assert!(matches!(err, PdfError::UnsupportedCharacters { field: "holder name", .. }), "{err}");
    }

    #[test]
    fn text_is_cleaned() {
        assert_eq!(clean_text("  Anna\n\tPetrova\u{200B} "), "Anna Petrova");
        assert_eq!(format_date(date(2026, 11, 28)), "28 November 2026");
        assert_eq!(format_date(date(2027, 3, 1)), "1 March 2027");
    }

    /// Writes a sample to the temporary directory (/tmp/certificate-sample.pdf on Linux, and a
    /// long-text variant next to it) for looking at:
    /// `pdftoppm -png -r 60 /tmp/certificate-sample.pdf /tmp/certificate-sample`.
    #[test]
    fn write_sample_pdf() {
        let doc = CertificateDocument {
            holder_name: "Анна Петрова",
            course_title: "UNSCR 1540: National Implementation for Points of Contact",
            ..sample("", "")
        };
        let dir = std::env::temp_dir();
        std::fs::write(dir.join("certificate-sample.pdf"), render_pdf(&doc).unwrap()).unwrap();

        let long_title: String = "Implementation of Security Council resolution 1540 (2004) in national law "
            .chars()
            .cycle()
            .take(300)
            .collect();
        let doc = CertificateDocument {
            holder_name: "Maria Fernanda de los Ángeles Gutiérrez-Villanueva y Santos-Montenegro Ortiz",
            course_title: &long_title,
            expires_on: None,
            issuer_name: "Office for Disarmament Affairs of the United Nations Secretariat, Regional Centre",
            ..sample("", "")
        };
        std::fs::write(dir.join("certificate-sample-long.pdf"), render_pdf(&doc).unwrap()).unwrap();
    }
}
