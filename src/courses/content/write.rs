//! Writing a `CourseBundle` as course files, the inverse of `parse`: for every bundle the parser
//! accepted, parsing what is written here gives the same bundle back.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::io;
use std::path::{Path, PathBuf};

use super::parse::{COURSE_FILE, FRONT_MATTER_FENCE, LESSON_EXTENSION, MODULE_FILE, QUIZ_FILE};
use super::{CourseBundle, LessonFile, ModuleBundle};

/// Folder and file slugs are for finding files, not identity, so long titles are cut.
const MAX_SLUG_LEN: usize = 40;

const FILE_MODE: u32 = 0o644;
const DIR_MODE: u32 = 0o755;

/// The files of one course, paths relative to the folder holding the course and starting with the
/// course folder (`<slug>/course.toml`, `<slug>/01-<module>/module.toml`, ...), in a stable order:
/// course file, then each module's `module.toml`, lessons and `quiz.toml`.
///
/// Fails only if the toml crate cannot represent one of the content types, which depends on the
/// types, not the data; it is a `Result` so that this never has to panic.
pub fn course_files(bundle: &CourseBundle) -> Result<Vec<(PathBuf, String)>, toml::ser::Error> {
    let course_dir = PathBuf::from(course_folder_name(&bundle.course.slug));
    let mut files = vec![(course_dir.join(COURSE_FILE), toml::to_string(&bundle.course)?)];
    let width = prefix_width(bundle.modules.len());
    for (index, module) in bundle.modules.iter().enumerate() {
        let folder = format!("{:0width$}-{}", index + 1, slugify(&module.module.title, "module"));
        module_files(&course_dir.join(folder), module, &mut files)?;
    }
    Ok(files)
}

fn module_files(
    dir: &Path,
    module: &ModuleBundle,
    files: &mut Vec<(PathBuf, String)>,
) -> Result<(), toml::ser::Error> {
    files.push((dir.join(MODULE_FILE), toml::to_string(&module.module)?));
    let width = prefix_width(module.lessons.len());
    for (index, lesson) in module.lessons.iter().enumerate() {
        let name = format!("{:0width$}-{}{LESSON_EXTENSION}", index + 1, slugify(&lesson.title, "lesson"));
        files.push((dir.join(name), lesson_text(lesson)));
    }
    if let Some(quiz) = &module.quiz {
        files.push((dir.join(QUIZ_FILE), toml::to_string(quiz)?));
    }
    Ok(())
}

/// A tar archive (ustar) of `course_files`, with directory entries, that unpacks to a folder
/// `parse_content_root` reads back as this bundle. Deterministic: same bundle, same bytes (mtime 0,
/// uid/gid 0, fixed modes, stable order), so exports can be compared and cached.
pub fn course_archive(bundle: &CourseBundle) -> io::Result<Vec<u8>> {
    let files = course_files(bundle).map_err(|error| io::Error::new(io::ErrorKind::InvalidData, error))?;
    let mut builder = tar::Builder::new(Vec::new());
    let mut dirs_written = HashSet::new();
    for (path, text) in &files {
        // Parents first, outermost first, each once.
        let mut parents: Vec<&Path> =
            path.ancestors().skip(1).filter(|dir| !dir.as_os_str().is_empty()).collect();
        parents.reverse();
        for dir in parents {
            if dirs_written.insert(dir.to_path_buf()) {
                append_entry(&mut builder, dir, tar::EntryType::Directory, DIR_MODE, &[])?;
            }
        }
        append_entry(&mut builder, path, tar::EntryType::Regular, FILE_MODE, text.as_bytes())?;
    }
    builder.into_inner()
}

fn append_entry(
    builder: &mut tar::Builder<Vec<u8>>,
    path: &Path,
    kind: tar::EntryType,
    mode: u32,
    data: &[u8],
) -> io::Result<()> {
    let mut header = tar::Header::new_ustar();
    header.set_path(path)?;
    header.set_entry_type(kind);
    header.set_mode(mode);
    header.set_size(data.len() as u64);
    header.set_mtime(0);
    header.set_uid(0);
    header.set_gid(0);
    header.set_cksum();
    builder.append(&header, data)
}

/// `+++`, the front matter, `+++`, then the body exactly as stored.
///
/// The front matter is written by hand rather than by the toml crate: the crate writes strings that
/// contain line breaks as multi-line strings, and a title containing a line `+++` would then close
/// the front matter early. Basic strings keep every value on one line. Destructuring the whole
/// struct makes a new `LessonFile` field a compile error here instead of a silently dropped value.
fn lesson_text(lesson: &LessonFile) -> String {
    let LessonFile { id, title, estimated_minutes, body_markdown } = lesson;
    let mut text = format!("{FRONT_MATTER_FENCE}\nid = \"{id}\"\ntitle = {}\n", basic_string(title));
    if let Some(minutes) = estimated_minutes {
        let _ = writeln!(text, "estimated_minutes = {minutes}");
    }
    text.push_str(FRONT_MATTER_FENCE);
    text.push('\n');
    text.push_str(body_markdown);
    text
}

/// A TOML basic string (`"..."`) holding `value`, with every character TOML does not allow raw
/// escaped.
fn basic_string(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            // Writing to a String cannot fail.
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The course folder is named after the slug, which the parser requires. A slug that is not a plain
/// folder name (never the case for a bundle the parser accepted) is slugified instead, so a bad
/// slug cannot write outside the course folder.
fn course_folder_name(slug: &str) -> String {
    let plain = !slug.is_empty()
        && !slug.starts_with('.')
        && !slug.contains(['/', '\\'])
        && !slug.chars().any(char::is_control);
    if plain { slug.to_owned() } else { slugify(slug, "course") }
}

/// Enough digits that names also sort in a file browser: `01` ... `99`, then `001` ....
fn prefix_width(count: usize) -> usize {
    count.to_string().len().max(2)
}

/// `"Module 1: Foundations!"` → `module-1-foundations`: lower-case ASCII letters and digits, runs of
/// anything else as one `-`, cut at a word boundary near `MAX_SLUG_LEN`; `fallback` if nothing is
/// left.
pub(crate) fn slugify(title: &str, fallback: &str) -> String {
    let mut slug = String::new();
    for c in title.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    if slug.len() > MAX_SLUG_LEN {
        let cut_mid_word = slug.as_bytes()[MAX_SLUG_LEN] != b'-';
        slug.truncate(MAX_SLUG_LEN);
        if let Some(last_break) = slug.rfind('-').filter(|_| cut_mid_word) {
            slug.truncate(last_break);
        }
    }
    let slug = slug.trim_end_matches('-');
    if slug.is_empty() { fallback.to_owned() } else { slug.to_owned() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::courses::content::parse::{parse_content_root, parse_course_dir};
    use crate::courses::fixtures::{
        TempDir, all_kinds_quiz, course, default_course_dir, lesson, module, numeric, quiz, sample_course,
        write_tree,
    };

    fn written_and_parsed(bundle: &CourseBundle) -> CourseBundle {
        let temp = TempDir::new("round-trip");
        write_tree(temp.path(), &course_files(bundle).expect("serialize"));
        parse_course_dir(&temp.path().join(&bundle.course.slug)).expect("written files parse")
    }

    /// Everything the format has to carry exactly: awkward strings, bodies that look like fences,
    /// optional values both ways, empty modules and quizzes, and enough lessons for 3-digit prefixes.
    fn awkward_course() -> CourseBundle {
        let mut strange_quiz = all_kinds_quiz();
        strange_quiz.title = "Quotes \" and 'single' and ''' and \"\"\" and \\ backslash".to_owned();
        strange_quiz.max_attempts = None;
        strange_quiz.time_limit_seconds = None;
        strange_quiz.questions_per_attempt = Some(3);
        strange_quiz.partial_credit = true;
        strange_quiz.accent_insensitive = true;
        strange_quiz.questions[0].prompt = "Line one\nline two\r\n+++\n\ttabbed \u{1} control".to_owned();
        strange_quiz.questions[0].explanation = None;
        strange_quiz.questions.push(numeric(-0.125, None));
        strange_quiz.questions.push(numeric(1e-300, Some(2.5)));

        let mut empty_quiz = quiz(Vec::new());
        empty_quiz.grading_method = "latest".to_owned();

        let mut untimed = lesson("Ünïcødé title: ✓ — done\n+++\nnot a fence", "");
        untimed.estimated_minutes = None;
        let many_lessons =
            (1..=101).map(|n| lesson(&format!("Lesson {n}"), &format!("Body {n}\n"))).collect();
        let mut bundle = course(
            "awkward-course",
            vec![
                module(
                    "First: \"quoted\" / slashed",
                    false,
                    vec![
                        lesson("Fences in the body", "+++\nnot front matter\n+++\n"),
                        lesson("Windows line ends", "\r\nline\r\nno final newline"),
                        untimed,
                        lesson("", "   leading spaces and trailing\n\n\n"),
                    ],
                    Some(strange_quiz),
                ),
                module("No lessons, no quiz", true, Vec::new(), None),
                module("Empty quiz", true, vec![lesson("Only", "x")], Some(empty_quiz)),
                module("Many lessons", true, many_lessons, None),
            ],
        );
        bundle.course.certificate_validity_days = None;
        bundle.course.summary = "Multi\nline\nsummary with \"\"\" inside".to_owned();
        bundle
    }

    #[test]
    fn the_default_course_round_trips_through_files() {
        let bundle = parse_course_dir(&default_course_dir()).expect("default course parses");
        assert_eq!(written_and_parsed(&bundle), bundle);
    }

    #[test]
    fn awkward_content_round_trips_through_files() {
        let bundle = awkward_course();
        assert_eq!(written_and_parsed(&bundle), bundle);
    }

    #[test]
    fn files_are_laid_out_by_prefix_and_slug() {
        let files = course_files(&sample_course()).expect("serialize");
        let paths: Vec<String> = files.iter().map(|(path, _)| path.display().to_string()).collect();
        assert_eq!(
            paths,
            [
                "sample-course/course.toml",
                "sample-course/01-getting-started/module.toml",
                "sample-course/01-getting-started/01-welcome.md",
                "sample-course/01-getting-started/quiz.toml",
                "sample-course/02-going-further/module.toml",
                "sample-course/02-going-further/01-more.md",
                "sample-course/02-going-further/02-even-more.md",
                "sample-course/02-going-further/quiz.toml",
            ]
        );
        let lesson = &files[2].1;
        assert!(lesson.starts_with("+++\nid = \""), "{lesson}");
        assert!(lesson.ends_with("\nestimated_minutes = 10\n+++\n## Hello\n\nFirst lesson.\n"), "{lesson}");
        let quiz = &files[3].1;
        assert!(quiz.contains("\n[[questions]]\n"), "{quiz}");
        assert!(quiz.contains("\n[[questions.options]]\n"), "{quiz}");
        assert!(quiz.contains("accepted_answers = [\"28 April 2004\", \"2004-04-28\"]"), "{quiz}");
        assert!(quiz.contains("numeric_answer = 1540.0"), "{quiz}");
    }

    #[test]
    fn more_than_99_items_get_three_digit_prefixes() {
        let files = course_files(&awkward_course()).expect("serialize");
        let many = "awkward-course/04-many-lessons";
        assert!(files.iter().any(|(path, _)| path == Path::new(many).join("001-lesson-1.md").as_path()));
        assert!(files.iter().any(|(path, _)| path == Path::new(many).join("101-lesson-101.md").as_path()));
        assert!(
            files
                .iter()
                .any(|(path, _)| path == Path::new("awkward-course/01-first-quoted-slashed/04-lesson.md"))
        );
    }

    #[test]
    fn the_archive_unpacks_to_the_same_bundle() {
        for bundle in
            [parse_course_dir(&default_course_dir()).expect("default course parses"), awkward_course()]
        {
            let archive = course_archive(&bundle).expect("archive");
            let temp = TempDir::new("archive");
            tar::Archive::new(archive.as_slice()).unpack(temp.path()).expect("unpack");
            assert_eq!(parse_content_root(temp.path()).expect("parses"), vec![bundle]);
        }
    }

    #[test]
    fn the_archive_is_deterministic() {
        let bundle = sample_course();
        let archive = course_archive(&bundle).expect("archive");
        assert_eq!(archive, course_archive(&bundle).expect("archive"));
        let mut entries = Vec::new();
        for entry in tar::Archive::new(archive.as_slice()).entries().expect("entries") {
            let entry = entry.expect("entry");
            let header = entry.header();
            assert!(header.as_ustar().is_some());
            assert_eq!(header.mtime().expect("mtime"), 0);
            assert_eq!((header.uid().expect("uid"), header.gid().expect("gid")), (0, 0));
            let mode = header.mode().expect("mode");
            entries.push((
                entry.path().expect("path").display().to_string(),
                header.entry_type().is_dir(),
                mode,
            ));
        }
        assert_eq!(entries[0], ("sample-course".to_owned(), true, 0o755));
        assert_eq!(entries[1], ("sample-course/course.toml".to_owned(), false, 0o644));
        assert_eq!(entries[2], ("sample-course/01-getting-started".to_owned(), true, 0o755));
        // Three folders (course, two modules) and eight files.
        assert_eq!(entries.len(), 3 + 8);
    }

    #[test]
    fn slugs_are_short_lowercase_words() {
        assert_eq!(slugify("Module 1: Foundations!", "module"), "module-1-foundations");
        assert_eq!(slugify("  --Ünïcødé ✓--  ", "lesson"), "n-c-d");
        assert_eq!(slugify("✓ — …", "lesson"), "lesson");
        let long = slugify("National coordination and the annual review of an action plan", "lesson");
        assert_eq!(long, "national-coordination-and-the-annual");
        assert!(long.len() <= MAX_SLUG_LEN);
        assert_eq!(slugify(&"x".repeat(60), "lesson"), "x".repeat(MAX_SLUG_LEN));
    }

    #[test]
    fn an_unsafe_slug_cannot_leave_the_course_folder() {
        let mut bundle = sample_course();
        bundle.course.slug = "../../etc".to_owned();
        let files = course_files(&bundle).expect("serialize");
        assert!(files.iter().all(|(path, _)| path.starts_with("etc")), "{files:?}");
    }
}
