//! Reading a course folder into a `CourseBundle`.
//!
//! The parser reports every problem it can find in one pass (all files, not just the first broken
//! one), each with the file and, where it can be found, the line, so an author can fix a whole
//! folder in one round instead of one error at a time.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::fs;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use uuid::Uuid;

use super::{ContentError, CourseBundle, CourseFile, LessonFile, ModuleBundle, ModuleFile, QuizFile};
use crate::courses::rules::COURSE_STATUSES;

pub(crate) const COURSE_FILE: &str = "course.toml";
pub(crate) const MODULE_FILE: &str = "module.toml";
pub(crate) const QUIZ_FILE: &str = "quiz.toml";
pub(crate) const LESSON_EXTENSION: &str = ".md";
pub(crate) const FRONT_MATTER_FENCE: &str = "+++";

/// Front matter starts on the line after the opening fence.
const FRONT_MATTER_FIRST_LINE: usize = 2;

/// Parses every course under `root`: each sub-folder holding a `course.toml`. Other files
/// (`README.md`, ...) and folders without a `course.toml` are ignored. Besides each course's own
/// checks, an id used by two courses is an error: the importer finds records by id, so a shared id
/// would move an item from one course into the other.
pub fn parse_content_root(root: &Path) -> Result<Vec<CourseBundle>, Vec<ContentError>> {
    let mut errors = Vec::new();
    let mut courses = Vec::new();
    let mut owners: HashMap<Uuid, (usize, IdSite)> = HashMap::new();
    let course_dirs = list_dir(root, &mut errors)
        .into_iter()
        .filter(|entry| entry.is_dir && entry.path.join(COURSE_FILE).is_file());
    for (index, entry) in course_dirs.enumerate() {
        let read = read_course(&entry.path);
        for site in read.ids {
            match owners.get(&site.id) {
                // Duplicates inside one course were already reported by that course.
                Some((owner, first)) if *owner != index => errors.push(site.duplicate_of(first)),
                Some(_) => {}
                None => {
                    owners.insert(site.id, (index, site));
                }
            }
        }
        errors.extend(read.errors);
        courses.extend(read.bundle);
    }
    finish(courses, errors)
}

/// Parses one course folder: `course.toml` plus one `NN-<slug>/` folder per module.
pub fn parse_course_dir(dir: &Path) -> Result<CourseBundle, Vec<ContentError>> {
    let read = read_course(dir);
    // `read_course` only leaves the bundle out after reporting why; the fallback error keeps this
    // free of panics should that ever change.
    finish(read.bundle, read.errors)?
        .ok_or_else(|| vec![content_error(dir, None, "the course could not be read")])
}

/// Turns collected results into the public shape: the value when nothing went wrong, otherwise
/// every error sorted by file, then line.
fn finish<T>(value: T, mut errors: Vec<ContentError>) -> Result<T, Vec<ContentError>> {
    if errors.is_empty() {
        return Ok(value);
    }
    errors.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
    Err(errors)
}

/// What reading one course folder produced. `bundle` is `None` when a required file was missing or
/// unreadable; `errors` then says why.
struct CourseRead {
    bundle: Option<CourseBundle>,
    ids: Vec<IdSite>,
    errors: Vec<ContentError>,
}

fn read_course(dir: &Path) -> CourseRead {
    let mut errors = Vec::new();
    let mut ids = Vec::new();
    let mut course = None;
    let mut module_dirs = Vec::new();
    let mut saw_course_file = false;
    for entry in list_dir(dir, &mut errors) {
        if entry.is_dir {
            module_dirs.push(entry);
        } else if entry.name == COURSE_FILE {
            saw_course_file = true;
            course = read_course_file(&entry.path, dir, &mut ids, &mut errors);
        } else {
            errors.push(content_error(
                &entry.path,
                None,
                "unexpected file in a course folder, which holds only course.toml and module folders",
            ));
        }
    }
    if !saw_course_file {
        errors.push(content_error(&dir.join(COURSE_FILE), None, "missing course.toml"));
    }
    let modules: Vec<Option<ModuleBundle>> = order_by_prefix(module_dirs, "module folder", &mut errors)
        .iter()
        .map(|entry| read_module(&entry.path, &mut ids, &mut errors))
        .collect();
    report_duplicate_ids(&ids, &mut errors);
    let bundle = match (course, modules.into_iter().collect::<Option<Vec<_>>>()) {
        (Some(course), Some(modules)) => Some(CourseBundle { course, modules }),
        _ => None,
    };
    CourseRead { bundle, ids, errors }
}

fn read_course_file(
    path: &Path,
    course_dir: &Path,
    ids: &mut Vec<IdSite>,
    errors: &mut Vec<ContentError>,
) -> Option<CourseFile> {
    let text = read_text(path, errors)?;
    let course: CourseFile = parse_toml(path, &text, 1).map_err(|error| errors.push(error)).ok()?;
    ids.extend(locate_ids(path, &text, &[(course.id, "course")]));
    check_slug_matches_folder(path, &text, &course, course_dir, errors);
    if !COURSE_STATUSES.contains(&course.status.as_str()) {
        errors.push(content_error(
            path,
            line_of_key(&text, "status"),
            format!("status \"{}\" is not one of {}", course.status, COURSE_STATUSES.join(", ")),
        ));
    }
    Some(course)
}

/// The folder name is what people see and what export writes, so it must not drift from the slug.
fn check_slug_matches_folder(
    path: &Path,
    text: &str,
    course: &CourseFile,
    course_dir: &Path,
    errors: &mut Vec<ContentError>,
) {
    let folder = folder_name(course_dir);
    if folder.as_deref() != Some(course.slug.as_str()) {
        errors.push(content_error(
            path,
            line_of_key(text, "slug"),
            format!(
                "slug \"{}\" does not match the course folder name \"{}\"",
                course.slug,
                folder.unwrap_or_default()
            ),
        ));
    }
}

/// The last component of `dir`, resolving paths such as `.` that have none of their own.
fn folder_name(dir: &Path) -> Option<String> {
    let named = match dir.file_name() {
        Some(_) => dir.to_path_buf(),
        None => fs::canonicalize(dir).ok()?,
    };
    named.file_name().map(|name| name.to_string_lossy().into_owned())
}

/// Reads one module folder. `None` when `module.toml` is missing or broken (already reported).
fn read_module(dir: &Path, ids: &mut Vec<IdSite>, errors: &mut Vec<ContentError>) -> Option<ModuleBundle> {
    let mut module = None;
    let mut saw_module_file = false;
    let mut quiz = None;
    let mut lesson_entries = Vec::new();
    for entry in list_dir(dir, errors) {
        match entry.name.as_str() {
            _ if entry.is_dir => errors.push(content_error(
                &entry.path,
                None,
                "unexpected folder in a module folder, which holds only module.toml, quiz.toml and lesson files",
            )),
            MODULE_FILE => {
                saw_module_file = true;
                module = read_module_file(&entry.path, ids, errors);
            }
            QUIZ_FILE => quiz = read_quiz_file(&entry.path, ids, errors),
            name if name.ends_with(LESSON_EXTENSION) => lesson_entries.push(entry),
            _ => errors.push(content_error(
                &entry.path,
                None,
                "unexpected file in a module folder, which holds only module.toml, quiz.toml and NN-<slug>.md lesson files",
            )),
        }
    }
    if !saw_module_file {
        errors.push(content_error(&dir.join(MODULE_FILE), None, "missing module.toml"));
    }
    let lessons: Vec<LessonFile> = order_by_prefix(lesson_entries, "lesson file", errors)
        .iter()
        .filter_map(|entry| read_lesson(&entry.path, ids, errors))
        .collect();
    Some(ModuleBundle { module: module?, lessons, quiz })
}

fn read_module_file(
    path: &Path,
    ids: &mut Vec<IdSite>,
    errors: &mut Vec<ContentError>,
) -> Option<ModuleFile> {
    let text = read_text(path, errors)?;
    let module: ModuleFile = parse_toml(path, &text, 1).map_err(|error| errors.push(error)).ok()?;
    ids.extend(locate_ids(path, &text, &[(module.id, "module")]));
    Some(module)
}

fn read_quiz_file(path: &Path, ids: &mut Vec<IdSite>, errors: &mut Vec<ContentError>) -> Option<QuizFile> {
    let text = read_text(path, errors)?;
    let quiz: QuizFile = parse_toml(path, &text, 1).map_err(|error| errors.push(error)).ok()?;
    ids.extend(locate_ids(path, &text, &quiz_ids(&quiz)));
    Some(quiz)
}

/// The ids of a quiz in document order (quiz, then each question followed by its options), which is
/// the order `locate_ids` expects.
fn quiz_ids(quiz: &QuizFile) -> Vec<(Uuid, &'static str)> {
    let mut ids = vec![(quiz.id, "quiz")];
    for question in &quiz.questions {
        ids.push((question.id, "question"));
        ids.extend(question.options.iter().map(|option| (option.id, "option")));
    }
    ids
}

fn read_lesson(path: &Path, ids: &mut Vec<IdSite>, errors: &mut Vec<ContentError>) -> Option<LessonFile> {
    let text = read_text(path, errors)?;
    let parts = split_front_matter(&text)
        .map_err(|message| errors.push(content_error(path, Some(1), message)))
        .ok()?;
    let mut lesson: LessonFile = parse_toml(path, parts.front_matter, FRONT_MATTER_FIRST_LINE)
        .map_err(|error| errors.push(error))
        .ok()?;
    lesson.body_markdown = parts.body.to_owned();
    ids.extend(locate_ids(path, &text, &[(lesson.id, "lesson")]));
    Some(lesson)
}

/// A lesson file cut at its fences.
struct LessonParts<'a> {
    front_matter: &'a str,
    /// Everything after the closing fence's line break, untouched.
    body: &'a str,
}

/// Splits `+++\n<toml>+++\n<body>`. A fence line may end in `\r\n` so that files saved by Windows
/// editors still parse; the body is kept byte for byte either way.
fn split_front_matter(text: &str) -> Result<LessonParts<'_>, &'static str> {
    let mut lines = text.split_inclusive('\n');
    let opening = lines.next().unwrap_or_default();
    if !is_fence(opening) {
        return Err("a lesson must start with a `+++` line opening its TOML front matter");
    }
    let start = opening.len();
    let mut offset = start;
    for line in lines {
        if is_fence(line) {
            return Ok(LessonParts {
                front_matter: &text[start..offset],
                body: &text[offset + line.len()..],
            });
        }
        offset += line.len();
    }
    Err("the front matter opened on line 1 is never closed by a `+++` line")
}

fn is_fence(line: &str) -> bool {
    let line = line.strip_suffix('\n').unwrap_or(line);
    line.strip_suffix('\r').unwrap_or(line) == FRONT_MATTER_FENCE
}

/// Deserializes `text`, which starts on line `first_line` of `path`, turning the TOML error's byte
/// span into a line of the real file.
fn parse_toml<T: DeserializeOwned>(path: &Path, text: &str, first_line: usize) -> Result<T, ContentError> {
    toml::from_str(text).map_err(|error| {
        let line = error.span().map(|span| first_line + line_index(text, span.start));
        content_error(path, line, error.message().trim_end())
    })
}

/// Zero-based line of byte `offset` in `text`.
fn line_index(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end].iter().filter(|&&byte| byte == b'\n').count()
}

/// One-based line where top-level `key` is assigned, for pointing at values that parsed as TOML
/// but break a content rule.
fn line_of_key(text: &str, key: &str) -> Option<usize> {
    text.lines()
        .position(|line| {
            line.trim_start().strip_prefix(key).is_some_and(|rest| rest.trim_start().starts_with('='))
        })
        .map(|index| index + 1)
}

fn read_text(path: &Path, errors: &mut Vec<ContentError>) -> Option<String> {
    fs::read_to_string(path)
        .map_err(|error| errors.push(content_error(path, None, format!("cannot read: {error}"))))
        .ok()
}

/// Where an id is written: enough to name both places when it is used twice.
#[derive(Debug, Clone)]
struct IdSite {
    id: Uuid,
    /// `course`, `module`, `lesson`, `quiz`, `question` or `option`.
    what: &'static str,
    file: PathBuf,
    line: Option<usize>,
}

impl IdSite {
    fn duplicate_of(&self, first: &IdSite) -> ContentError {
        let place = match first.line {
            Some(line) => format!("{}:{}", first.file.display(), line),
            None => first.file.display().to_string(),
        };
        content_error(
            &self.file,
            self.line,
            format!("id {} of this {} is already used by the {} at {place}", self.id, self.what, first.what),
        )
    }
}

/// Finds the line of each id in `text`. The ids come in document order, so each search starts
/// after the previous match; that way an id written twice in one file gets two different lines.
/// Ids written in another form than lower-case hyphenated are looked up case-insensitively; ids
/// in other notations (braced, simple) get no line.
fn locate_ids(file: &Path, text: &str, ids: &[(Uuid, &'static str)]) -> Vec<IdSite> {
    let haystack = text.to_ascii_lowercase();
    let mut cursor = 0;
    ids.iter()
        .map(|&(id, what)| {
            let needle = id.hyphenated().to_string();
            let found =
                haystack[cursor..].find(&needle).map(|at| cursor + at).or_else(|| haystack.find(&needle));
            if let Some(at) = found {
                cursor = at + needle.len();
            }
            IdSite { id, what, file: file.to_path_buf(), line: found.map(|at| line_index(text, at) + 1) }
        })
        .collect()
}

/// Every id must be unique within the course; each later use is reported, naming the first.
fn report_duplicate_ids(sites: &[IdSite], errors: &mut Vec<ContentError>) {
    let mut first_sites: HashMap<Uuid, &IdSite> = HashMap::new();
    for site in sites {
        match first_sites.entry(site.id) {
            Entry::Occupied(first) => errors.push(site.duplicate_of(first.get())),
            Entry::Vacant(slot) => {
                slot.insert(site);
            }
        }
    }
}

/// One visible entry of a folder.
struct DirEntry {
    name: String,
    path: PathBuf,
    is_dir: bool,
}

/// The entries of `dir`, sorted by name. Hidden entries (`.DS_Store`, editor swap files, ...) are
/// skipped: they are never content, and failing on them would break imports for reasons the author
/// cannot see in a file browser.
fn list_dir(dir: &Path, errors: &mut Vec<ContentError>) -> Vec<DirEntry> {
    let read = match fs::read_dir(dir) {
        Ok(read) => read,
        Err(error) => {
            errors.push(content_error(dir, None, format!("cannot read folder: {error}")));
            return Vec::new();
        }
    };
    let mut entries = Vec::new();
    for entry in read {
        let entry = match entry {
            Ok(entry) => entry,
            Err(error) => {
                errors.push(content_error(dir, None, format!("cannot read folder: {error}")));
                continue;
            }
        };
        let path = entry.path();
        let Ok(name) = entry.file_name().into_string() else {
            errors.push(content_error(&path, None, "file name is not valid UTF-8"));
            continue;
        };
        if !name.starts_with('.') {
            entries.push(DirEntry { is_dir: path.is_dir(), name, path });
        }
    }
    entries.sort_by(|a, b| a.name.cmp(&b.name));
    entries
}

/// Orders module folders or lesson files by the number before their first `-`. Entries without a
/// prefix, or sharing one, are reported; the latter are still returned so that their contents get
/// checked too.
fn order_by_prefix(entries: Vec<DirEntry>, what: &str, errors: &mut Vec<ContentError>) -> Vec<DirEntry> {
    let mut numbered: Vec<(u32, DirEntry)> = Vec::new();
    for entry in entries {
        match numeric_prefix(&entry.name) {
            Some(number) => numbered.push((number, entry)),
            None => errors.push(content_error(
                &entry.path,
                None,
                format!("{what} name must start with a number and a hyphen, like `01-`"),
            )),
        }
    }
    numbered.sort_by(|(a, a_entry), (b, b_entry)| (a, &a_entry.name).cmp(&(b, &b_entry.name)));
    for pair in numbered.windows(2) {
        let [(first_number, first), (number, entry)] = pair else { continue };
        if first_number == number {
            errors.push(content_error(
                &entry.path,
                None,
                format!(
                    "prefix {number} is also used by {}; prefixes must be unique within a folder",
                    first.name
                ),
            ));
        }
    }
    numbered.into_iter().map(|(_, entry)| entry).collect()
}

/// `01-foundations` → 1. `None` when the part before the first `-` is not a number.
pub(crate) fn numeric_prefix(name: &str) -> Option<u32> {
    let (digits, _) = name.split_once('-')?;
    if digits.is_empty() || !digits.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

fn content_error(file: &Path, line: Option<usize>, message: impl Into<String>) -> ContentError {
    ContentError { file: file.to_path_buf(), line, message: message.into() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::courses::content::write::course_files;
    use crate::courses::fixtures::{TempDir, default_course_dir, sample_course, write_tree};

    /// Writes the sample course under `root` and returns its folder, `root/sample-course`.
    fn sample_tree(root: &Path) -> PathBuf {
        let files = course_files(&sample_course()).expect("serialize");
        write_tree(root, &files);
        root.join("sample-course")
    }

    fn errors_of(dir: &Path) -> Vec<ContentError> {
        parse_course_dir(dir).expect_err("the course should not parse")
    }

    fn error_for<'a>(errors: &'a [ContentError], file_suffix: &str) -> &'a ContentError {
        errors
            .iter()
            .find(|error| error.file.ends_with(file_suffix))
            .unwrap_or_else(|| panic!("no error for {file_suffix} in {errors:#?}"))
    }

    #[test]
    fn the_default_course_parses_in_prefix_order() {
        let bundle = parse_course_dir(&default_course_dir()).expect("default course parses");
        assert_eq!(bundle.course.slug, "unscr-1540-for-pocs");
        assert_eq!(bundle.modules.len(), 7);
        let lesson_counts: Vec<usize> = bundle.modules.iter().map(|module| module.lessons.len()).collect();
        assert_eq!(lesson_counts, [2, 2, 3, 3, 2, 2, 3]);
        assert!(
            bundle
                .modules
                .iter()
                .all(|module| module.quiz.as_ref().is_some_and(|quiz| !quiz.questions.is_empty()))
        );
        assert!(bundle.modules[0].module.title.starts_with("Foundations"));
        let titles: Vec<&str> =
            bundle.modules[2].lessons.iter().map(|lesson| lesson.title.as_str()).collect();
        assert_eq!(
            titles,
            [
                "The 1540 Committee and its group of experts",
                "The follow-up resolutions from 1673 to 2663",
                "Comprehensive reviews and how to prepare for the next one",
            ]
        );
        // The body starts right after the closing fence's line break.
        assert!(bundle.modules[0].lessons[0].body_markdown.starts_with("Welcome to your first lesson"));
    }

    #[test]
    fn prefixes_order_by_number_not_by_text() {
        let temp = TempDir::new("prefix-order");
        let course = sample_tree(temp.path());
        let module = course.join("02-going-further");
        fs::rename(module.join("01-more.md"), module.join("10-more.md")).expect("rename");
        fs::rename(module.join("02-even-more.md"), module.join("2-even-more.md")).expect("rename");
        let bundle = parse_course_dir(&course).expect("parses");
        let titles: Vec<&str> =
            bundle.modules[1].lessons.iter().map(|lesson| lesson.title.as_str()).collect();
        assert_eq!(titles, ["Even more", "More"]);
    }

    #[test]
    fn a_wrong_toml_type_reports_file_and_line() {
        let temp = TempDir::new("wrong-type");
        let course = sample_tree(temp.path());
        let quiz = "\
id = \"5c0ab1a4-6f1e-4d2b-9a51-1d8b8c9e0f11\"
title = \"Quiz\"
# The pass mark is written out below, which TOML cannot read as a number.
pass_mark_percent = \"seventy\"
shuffle_questions = true
shuffle_options = true
grading_method = \"highest\"
review_policy = \"after_submit\"
";
        fs::write(course.join("01-getting-started/quiz.toml"), quiz).expect("write");
        let errors = errors_of(&course);
        let error = error_for(&errors, "quiz.toml");
        assert_eq!(error.line, Some(4), "{error}");
        assert!(error.message.contains("invalid type"), "{error}");
        assert_eq!(errors.len(), 1, "{errors:#?}");
    }

    #[test]
    fn an_unknown_key_reports_its_line() {
        let temp = TempDir::new("unknown-key");
        let course = sample_tree(temp.path());
        let module = "\
id = \"0d6f5a3e-2b7c-4e8a-9f10-6c2d3b4a5e61\"
title = \"Getting started\"
sumary = \"A typo of summary.\"
requires_previous = false
";
        fs::write(course.join("01-getting-started/module.toml"), module).expect("write");
        let errors = errors_of(&course);
        let error = error_for(&errors, "module.toml");
        assert_eq!(error.line, Some(3), "{error}");
        assert!(error.message.contains("sumary"), "{error}");
    }

    #[test]
    fn front_matter_errors_count_lines_in_the_whole_file() {
        let temp = TempDir::new("front-matter-line");
        let course = sample_tree(temp.path());
        let lesson = "+++\nid = \"6a1f0c2e-3d4b-4e5f-8a9b-0c1d2e3f4a5b\"\ntitle = \"Welcome\"\nestimated_minutes = ten\n+++\nBody\n";
        fs::write(course.join("01-getting-started/01-welcome.md"), lesson).expect("write");
        let errors = errors_of(&course);
        assert_eq!(error_for(&errors, "01-welcome.md").line, Some(4), "{errors:#?}");
    }

    #[test]
    fn a_lesson_without_front_matter_reports_line_one() {
        let temp = TempDir::new("no-front-matter");
        let course = sample_tree(temp.path());
        fs::write(course.join("01-getting-started/01-welcome.md"), "# Welcome\n\nNo front matter here.\n")
            .expect("write");
        fs::write(course.join("02-going-further/01-more.md"), "+++\nid = \"x\"\n").expect("write");
        let errors = errors_of(&course);
        let missing = error_for(&errors, "01-welcome.md");
        assert_eq!(missing.line, Some(1));
        assert!(missing.message.contains("+++"), "{missing}");
        let unclosed = error_for(&errors, "01-more.md");
        assert_eq!(unclosed.line, Some(1));
        assert!(unclosed.message.contains("never closed"), "{unclosed}");
    }

    #[test]
    fn the_body_is_kept_byte_for_byte_and_crlf_fences_are_accepted() {
        let temp = TempDir::new("crlf");
        let course = sample_tree(temp.path());
        let body = "\r\n  ## Indented heading\r\n+++\r\nno trailing newline  ";
        let lesson = format!(
            "+++\r\nid = \"6a1f0c2e-3d4b-4e5f-8a9b-0c1d2e3f4a5b\"\r\ntitle = \"Welcome\"\r\n+++\r\n{body}"
        );
        fs::write(course.join("01-getting-started/01-welcome.md"), lesson).expect("write");
        let bundle = parse_course_dir(&course).expect("parses");
        assert_eq!(bundle.modules[0].lessons[0].body_markdown, body);
        assert_eq!(bundle.modules[0].lessons[0].estimated_minutes, None);
    }

    #[test]
    fn duplicate_ids_name_both_places() {
        let temp = TempDir::new("duplicate-ids");
        let course = sample_tree(temp.path());
        let module = course.join("02-going-further");
        let first = fs::read_to_string(module.join("01-more.md")).expect("read");
        let second = fs::read_to_string(module.join("02-even-more.md")).expect("read");
        let first_id = first.lines().nth(1).expect("id line").to_owned();
        let second_id = second.lines().nth(1).expect("id line");
        fs::write(module.join("02-even-more.md"), second.replace(second_id, &first_id)).expect("write");
        let errors = errors_of(&course);
        assert_eq!(errors.len(), 1, "{errors:#?}");
        let error = &errors[0];
        assert!(error.file.ends_with("02-even-more.md"));
        assert_eq!(error.line, Some(2));
        assert!(error.message.contains("01-more.md:2"), "{error}");
        assert!(error.message.contains("lesson"), "{error}");
    }

    #[test]
    fn duplicate_ids_within_one_file_get_their_own_lines() {
        let temp = TempDir::new("duplicate-in-file");
        let course = sample_tree(temp.path());
        let path = course.join("01-getting-started/quiz.toml");
        let quiz = fs::read_to_string(&path).expect("read");
        let quiz_id = quiz.lines().next().expect("id line").to_owned();
        let question_id =
            quiz.lines().find(|line| line.starts_with("id =") && *line != quiz_id).expect("question id");
        fs::write(&path, quiz.replacen(question_id, &quiz_id, 1)).expect("write");
        let errors = errors_of(&course);
        assert_eq!(errors.len(), 1, "{errors:#?}");
        assert!(errors[0].line.is_some_and(|line| line > 1), "{}", errors[0]);
        assert!(
            errors[0].message.contains("question") && errors[0].message.contains("quiz.toml:1"),
            "{}",
            errors[0]
        );
    }

    #[test]
    fn structural_problems_are_all_reported_and_sorted() {
        let temp = TempDir::new("structure");
        let course = sample_tree(temp.path());
        let course_toml = fs::read_to_string(course.join("course.toml")).expect("read");
        let course_toml = course_toml
            .replace("slug = \"sample-course\"", "slug = \"other-slug\"")
            .replace("status = \"draft\"", "status = \"live\"");
        fs::write(course.join("course.toml"), course_toml).expect("write");
        fs::write(course.join("notes.txt"), "stray").expect("write");
        fs::write(course.join(".DS_Store"), "hidden files are ignored").expect("write");
        let first = course.join("01-getting-started");
        fs::write(first.join("quizz.toml"), "").expect("write");
        fs::rename(first.join("01-welcome.md"), first.join("welcome.md")).expect("rename");
        let second = course.join("02-going-further");
        fs::rename(second.join("02-even-more.md"), second.join("01-even-more.md")).expect("rename");
        fs::create_dir(course.join("extras")).expect("mkdir");
        fs::write(course.join("extras/module.toml"), "").expect("write");

        let errors = errors_of(&course);
        let located: Vec<(String, Option<usize>)> = errors
            .iter()
            .map(|error| {
                let file = error.file.strip_prefix(&course).expect("inside the course").display().to_string();
                (file, error.line)
            })
            .collect();
        let expected: Vec<(String, Option<usize>)> = [
            ("01-getting-started/quizz.toml", None),
            ("01-getting-started/welcome.md", None),
            ("02-going-further/01-more.md", None),
            ("course.toml", Some(2)),
            ("course.toml", Some(8)),
            ("extras", None),
            ("notes.txt", None),
        ]
        .iter()
        .map(|(file, line)| ((*file).to_owned(), *line))
        .collect();
        assert_eq!(located, expected, "{errors:#?}");
        assert!(errors[2].message.contains("01-even-more.md"), "{}", errors[2]);
        assert!(errors[3].message.contains("other-slug") && errors[3].message.contains("sample-course"));
        assert!(errors[4].message.contains("live"));
    }

    #[test]
    fn the_content_root_skips_other_files_and_catches_ids_shared_between_courses() {
        let temp = TempDir::new("root");
        sample_tree(temp.path());
        fs::write(temp.path().join("README.md"), "# Content\n").expect("write");
        fs::create_dir(temp.path().join("drafts")).expect("mkdir");
        let courses = parse_content_root(temp.path()).expect("parses");
        assert_eq!(courses.len(), 1);

        // A copy of the course under another slug keeps every id.
        let mut copy = courses[0].clone();
        copy.course.slug = "copied-course".to_owned();
        write_tree(temp.path(), &course_files(&copy).expect("serialize"));
        let errors = parse_content_root(temp.path()).expect_err("shared ids");
        assert!(
            errors.iter().all(|error| error.file.starts_with(temp.path().join("sample-course"))),
            "{errors:#?}"
        );
        assert!(errors.iter().all(|error| error.message.contains("copied-course")), "{errors:#?}");
        let id_count = 1
            + copy.modules.iter().map(|module| 1 + module.lessons.len()).sum::<usize>()
            + copy
                .modules
                .iter()
                .flat_map(|module| &module.quiz)
                .map(|quiz| quiz_ids(quiz).len())
                .sum::<usize>();
        assert_eq!(errors.len(), id_count);
    }
}
