//! Turning documents into chunks: the unit that is embedded, stored and retrieved.
//!
//! A chunk is one section of a page (split further when long), carrying where it came
//! from so an answer can cite it. Its text starts with `"{title} — {section}"` because the
//! embedding then knows what the section is about even when its body never says so
//! ("Team licences" under "Refunds"), which is most of what makes retrieval of short
//! sections work.
//!
//! Ids are `"{source}#{n}"`: the source path relative to the ingested directory and the
//! chunk's index within it. They are stable while a page keeps its shape, and shift when
//! a section is inserted before others; the sync ([`crate::sync::plan`]) compares hashes,
//! so a shift costs re-upserting that page's later chunks, never a wrong answer.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::types::DataRecord;

/// Default longest section body, in characters, before it is split: about 300 tokens,
/// small enough that one chunk is about one thing, big enough to hold a policy paragraph
/// with its conditions.
pub const DEFAULT_MAX_CHARS: usize = 1200;
/// Default text carried over from one piece of a split section to the next, so a
/// sentence that depends on the one before it still has it.
pub const DEFAULT_OVERLAP_CHARS: usize = 200;

/// How long chunks get.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkOptions {
    /// Longest body of a chunk, in characters (the `"title — section"` prefix is not
    /// counted). A code block longer than this is split between lines; a single line
    /// longer than this stays whole.
    pub max_chars: usize,
    /// Characters of the previous piece repeated at the start of the next one when a
    /// section is split (at most half of `max_chars`). Code is never repeated.
    pub overlap_chars: usize,
}

impl Default for ChunkOptions {
    fn default() -> Self {
        Self {
            max_chars: DEFAULT_MAX_CHARS,
            overlap_chars: DEFAULT_OVERLAP_CHARS,
        }
    }
}

/// What a chunk is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChunkKind {
    /// A section of a page (Markdown, MDX, text).
    Doc,
    /// One question and its answer.
    Faq,
}

impl ChunkKind {
    /// `doc` or `faq`.
    pub fn as_str(self) -> &'static str {
        match self {
            ChunkKind::Doc => "doc",
            ChunkKind::Faq => "faq",
        }
    }
}

/// Who wrote a vector into the index, which decides who may delete it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    /// Written by an ingest of files: a later ingest deletes it when its file no longer
    /// produces it.
    Ingest,
    /// An FAQ entry learned from an approved answer (id `learned/<entry id>`): no ingest
    /// ever deletes it.
    Learned,
    /// Anything else (another tool's vectors): left alone.
    #[serde(other)]
    Other,
}

impl Origin {
    /// `ingest`, `learned` or `other`.
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Ingest => "ingest",
            Origin::Learned => "learned",
            Origin::Other => "other",
        }
    }
}

/// One chunk, ready to upsert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Chunk {
    /// `"{source}#{n}"` (or `learned/<entry id>`).
    pub id: String,
    /// The file's path relative to the ingested directory, `/`-separated.
    pub source: String,
    /// The page's title.
    pub title: String,
    /// The heading path, e.g. `"Refunds › Team licences"`; the question of an FAQ
    /// entry; `""` for text before the first heading.
    pub section: String,
    /// Where people read the page, when its front matter (or FAQ entry) says.
    pub url: Option<String>,
    /// Doc or FAQ.
    pub kind: ChunkKind,
    /// What is embedded and stored as the vector's `data`: `"{title} — {section}\n\n{body}"`
    /// (`"{title}\n\n{body}"` without a section); `"Q: …\nA: …"` for FAQ entries.
    pub text: String,
    /// First 16 hex characters of the SHA-256 of text, title, section and url: what the
    /// sync compares to decide whether to upsert.
    pub hash: String,
}

impl Chunk {
    /// A chunk with its hash computed.
    pub fn new(
        id: String,
        source: String,
        title: String,
        section: String,
        url: Option<String>,
        kind: ChunkKind,
        text: String,
    ) -> Self {
        let hash = content_hash(&text, &title, &section, url.as_deref());
        Self {
            id,
            source,
            title,
            section,
            url,
            kind,
            text,
            hash,
        }
    }

    /// The metadata stored with this chunk when it is ingested (`origin: ingest`).
    pub fn metadata(&self) -> ChunkMetadata {
        self.metadata_with(Origin::Ingest)
    }

    /// The metadata stored with this chunk, written by `origin`.
    pub fn metadata_with(&self, origin: Origin) -> ChunkMetadata {
        ChunkMetadata {
            source: self.source.clone(),
            title: self.title.clone(),
            section: self.section.clone(),
            url: self.url.clone(),
            kind: self.kind,
            hash: self.hash.clone(),
            origin,
        }
    }

    /// The `upsert-data` item for this chunk.
    pub fn record(&self, origin: Origin) -> DataRecord {
        DataRecord {
            id: self.id.clone(),
            data: self.text.clone(),
            metadata: serde_json::to_value(self.metadata_with(origin)).ok(),
        }
    }

    /// The text without its `"title — section"` prefix.
    pub fn body(&self) -> &str {
        body_of(&self.text, &self.title, &self.section)
    }
}

/// The metadata stored with every chunk, read back by the sync and by retrieval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChunkMetadata {
    /// The file the chunk came from (`learned/<entry id>` for learned entries).
    pub source: String,
    /// The page's title.
    pub title: String,
    /// The heading path or FAQ question (`""` when none).
    #[serde(default)]
    pub section: String,
    /// Where people read it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// `doc` or `faq`.
    pub kind: ChunkKind,
    /// The chunk's content hash.
    pub hash: String,
    /// Who wrote it: `ingest` or `learned` (missing reads as `other`: never deleted).
    #[serde(default = "other_origin")]
    pub origin: Origin,
}

fn other_origin() -> Origin {
    Origin::Other
}

impl ChunkMetadata {
    /// The metadata of a vector, when it is ours.
    pub fn from_value(value: &Value) -> Option<Self> {
        Self::deserialize(value).ok()
    }
}

/// `text` without the `"{title} — {section}\n\n"` (or `"{title}\n\n"`) prefix that
/// [`chunk_document`] puts in front of every body; `text` itself when it has none (FAQ
/// entries).
pub fn body_of<'a>(text: &'a str, title: &str, section: &str) -> &'a str {
    let stripped = if section.is_empty() {
        text.strip_prefix(title)
    } else {
        text.strip_prefix(title)
            .and_then(|rest| rest.strip_prefix(" — "))
            .and_then(|rest| rest.strip_prefix(section))
    };
    stripped
        .and_then(|rest| rest.strip_prefix("\n\n"))
        .unwrap_or(text)
}

/// First 16 hex characters of SHA-256 over the fields a reader sees.
pub fn content_hash(text: &str, title: &str, section: &str, url: Option<&str>) -> String {
    let mut hasher = Sha256::new();
    for part in [title, section, url.unwrap_or(""), text] {
        hasher.update(part.as_bytes());
        // A separator no text contains, so ("ab", "c") and ("a", "bc") differ.
        hasher.update([0x1f]);
    }
    hex::encode(&hasher.finalize()[..8])
}

/// The kind of text file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextFormat {
    /// Markdown: front matter, headings, code fences.
    Markdown,
    /// MDX: Markdown whose `import`/`export` lines, JSX tags and `{…}` expressions are
    /// dropped (their text content stays).
    Mdx,
    /// Plain text: front matter, and no headings (a `#` starts no section).
    Plain,
}

impl TextFormat {
    /// The format of a file by its extension (`md`, `mdx`, `txt`).
    pub fn from_extension(ext: &str) -> Option<Self> {
        match ext.to_ascii_lowercase().as_str() {
            "md" | "markdown" => Some(TextFormat::Markdown),
            "mdx" => Some(TextFormat::Mdx),
            "txt" => Some(TextFormat::Plain),
            _ => None,
        }
    }
}

/// The `title:` and `url:` of a front matter block.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FrontMatter {
    /// `title:`.
    pub title: Option<String>,
    /// `url:`.
    pub url: Option<String>,
}

/// Split `text` into its front matter (`---` fenced lines at the very start; only
/// `title:` and `url:` are read, by hand, and every other key is ignored) and the rest.
/// Without a closing fence there is no front matter.
pub fn front_matter(text: &str) -> (FrontMatter, &str) {
    let mut matter = FrontMatter::default();
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let Some(first_end) = text.find('\n') else {
        return (matter, text);
    };
    if text[..first_end].trim_end() != "---" {
        return (matter, text);
    }
    let mut offset = first_end + 1;
    let mut lines = Vec::new();
    loop {
        let rest = &text[offset..];
        if rest.is_empty() {
            // No closing fence: not front matter.
            return (FrontMatter::default(), text);
        }
        let end = rest.find('\n').map_or(rest.len(), |i| i + 1);
        let line = rest[..end].trim_end();
        offset += end;
        if line == "---" || line == "..." {
            break;
        }
        lines.push(line);
    }
    for line in lines {
        // Top-level keys only: an indented line belongs to another key's value.
        if line.starts_with([' ', '\t']) {
            continue;
        }
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let value = unquote(value.trim());
        if value.is_empty() {
            continue;
        }
        match key.trim() {
            "title" => matter.title = Some(value),
            "url" => matter.url = Some(value),
            _ => {}
        }
    }
    (matter, &text[offset..])
}

/// A YAML scalar without its quotes (`'it''s'`, `"a \"b\""`) and without a trailing
/// comment on a plain value.
fn unquote(value: &str) -> String {
    if let Some(inner) = value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
        return inner.replace("\\\"", "\"").replace("\\\\", "\\");
    }
    if let Some(inner) = value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')) {
        return inner.replace("''", "'");
    }
    match value.find(" #") {
        Some(i) => value[..i].trim_end().to_owned(),
        None => value.to_owned(),
    }
}

/// Chunk one Markdown, MDX or text document.
///
/// `source` is its path relative to the ingested directory (ids are `"{source}#{n}"`),
/// `stem` the file name without extension (the title when neither the front matter nor
/// a `# ` heading gives one). Sections start at `#`, `##` and `###` headings (deeper ones
/// stay in the text); an empty document gives no chunks.
pub fn chunk_document(
    source: &str,
    stem: &str,
    content: &str,
    format: TextFormat,
    options: &ChunkOptions,
) -> Vec<Chunk> {
    let content = content.replace("\r\n", "\n");
    let (matter, body) = front_matter(&content);
    let lines: Vec<String> = match format {
        TextFormat::Mdx => strip_mdx(body),
        _ => body.lines().map(str::to_owned).collect(),
    };
    let headings = format != TextFormat::Plain;

    // The title: front matter, else the first `# ` heading (whose line is then dropped),
    // else the file stem.
    let mut title = matter.title.clone();
    let mut title_line = None;
    if headings {
        let mut fence = None;
        for (i, line) in lines.iter().enumerate() {
            if track_fence(&mut fence, line) {
                continue;
            }
            if let Some((1, text)) = heading(line) {
                match &title {
                    None => {
                        title = Some(text);
                        title_line = Some(i);
                    }
                    // The page repeats its front-matter title as its heading.
                    Some(t) if t.eq_ignore_ascii_case(&text) => title_line = Some(i),
                    Some(_) => {}
                }
                break;
            }
        }
    }
    let title = title
        .filter(|t| !t.trim().is_empty())
        .unwrap_or_else(|| stem.to_owned());

    // Sections.
    let mut sections: Vec<(String, Vec<&str>)> = vec![(String::new(), Vec::new())];
    let mut top: Option<String> = None;
    let mut fence = None;
    for (i, line) in lines.iter().enumerate() {
        if Some(i) == title_line {
            continue;
        }
        let in_fence = track_fence(&mut fence, line);
        let level = if headings && !in_fence {
            heading(line)
        } else {
            None
        };
        match level {
            Some((1 | 2, text)) => {
                top = Some(text.clone());
                sections.push((text, Vec::new()));
            }
            Some((3, text)) => {
                let path = match &top {
                    Some(top) => format!("{top} › {text}"),
                    None => text,
                };
                sections.push((path, Vec::new()));
            }
            _ => {
                let lines = &mut sections.last_mut().expect("one section").1;
                // One blank line between paragraphs is enough (MDX leaves runs of them).
                let blank = !in_fence && line.trim().is_empty();
                if !(blank && lines.last().is_some_and(|l| l.trim().is_empty())) {
                    lines.push(if blank { "" } else { line.as_str() });
                }
            }
        }
    }

    let mut chunks = Vec::new();
    for (section, body_lines) in sections {
        let body = body_lines.join("\n");
        let body = body.trim_matches('\n').trim_end();
        if body.trim().is_empty() {
            continue;
        }
        for piece in split_section(body, options) {
            let text = if section.is_empty() {
                format!("{title}\n\n{piece}")
            } else {
                format!("{title} — {section}\n\n{piece}")
            };
            chunks.push(Chunk::new(
                format!("{source}#{}", chunks.len()),
                source.to_owned(),
                title.clone(),
                section.clone(),
                matter.url.clone(),
                ChunkKind::Doc,
                text,
            ));
        }
    }
    chunks
}

/// An ATX heading: its level and text (closing `#`s removed).
fn heading(line: &str) -> Option<(usize, String)> {
    let trimmed = line.trim_start_matches(' ');
    if line.len() - trimmed.len() > 3 {
        return None;
    }
    let level = trimmed.bytes().take_while(|&b| b == b'#').count();
    if !(1..=6).contains(&level) {
        return None;
    }
    let rest = &trimmed[level..];
    if !(rest.is_empty() || rest.starts_with([' ', '\t'])) {
        return None;
    }
    let text = rest.trim();
    let text = text.trim_end_matches('#').trim_end();
    if text.is_empty() {
        return None;
    }
    Some((level, text.to_owned()))
}

/// Follow code fences (```` ``` ```` or `~~~`, up to three spaces in): returns whether
/// `line` is inside a fence or is one of its fence lines.
fn track_fence(open: &mut Option<(char, usize)>, line: &str) -> bool {
    let trimmed = line.trim_start_matches(' ');
    let indent = line.len() - trimmed.len();
    let marker = trimmed.chars().next().filter(|c| *c == '`' || *c == '~');
    let run = marker.map_or(0, |m| trimmed.chars().take_while(|c| *c == m).count());
    match *open {
        Some((m, n)) => {
            if indent <= 3 && marker == Some(m) && run >= n && trimmed[run..].trim().is_empty() {
                *open = None;
            }
            true
        }
        None => {
            if indent <= 3 && run >= 3 {
                *open = Some((marker.expect("a marker"), run));
                true
            } else {
                false
            }
        }
    }
}

/// The lines of an MDX body without what only the renderer reads: `import`/`export`
/// statements (with their continuation lines), lines that are only JSX tags or `{…}`
/// expressions, and JSX tags inside text lines. Code fences are kept as they are.
fn strip_mdx(body: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut fence = None;
    // Open brackets of a statement that continues on the next lines.
    let mut statement_depth: i32 = 0;
    let mut in_multiline_tag = false;
    for line in body.lines() {
        if statement_depth > 0 {
            statement_depth += bracket_balance(line);
            continue;
        }
        if in_multiline_tag {
            if line.contains('>') {
                in_multiline_tag = false;
            }
            continue;
        }
        if track_fence(&mut fence, line) {
            out.push(line.to_owned());
            continue;
        }
        if line.starts_with("import ") || line.starts_with("export ") {
            statement_depth = bracket_balance(line).max(0);
            continue;
        }
        let trimmed = line.trim();
        if trimmed.starts_with('{') && trimmed.ends_with('}') {
            continue;
        }
        if trimmed.starts_with('<') && tag_end(trimmed).is_none() && tag_name_at(trimmed) {
            // `<Video` … `/>` over several lines.
            in_multiline_tag = true;
            continue;
        }
        let text = strip_tags(line);
        if text.trim().is_empty() && !trimmed.is_empty() {
            continue;
        }
        out.push(text);
    }
    out
}

fn bracket_balance(line: &str) -> i32 {
    line.chars()
        .map(|c| match c {
            '{' | '(' | '[' => 1,
            '}' | ')' | ']' => -1,
            _ => 0,
        })
        .sum()
}

/// Whether `s` starts with a JSX tag: `<Name`, `</Name`, `<>` or `</>`. `<https://…>`
/// (an autolink) and `a < b` are not tags.
fn tag_name_at(s: &str) -> bool {
    let rest = &s[1..];
    let rest = rest.strip_prefix('/').unwrap_or(rest);
    if rest.starts_with('>') {
        return true;
    }
    let name_len = rest
        .char_indices()
        .take_while(|(i, c)| {
            if *i == 0 {
                c.is_ascii_alphabetic()
            } else {
                c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')
            }
        })
        .count();
    if name_len == 0 {
        return false;
    }
    matches!(
        rest[name_len..].chars().next(),
        None | Some(' ' | '\t' | '/' | '>')
    )
}

/// The byte index just past the `>` closing the tag that starts `s`, skipping `>` inside
/// quotes and `{…}` attribute values.
fn tag_end(s: &str) -> Option<usize> {
    let mut quote = None;
    let mut depth = 0;
    for (i, c) in s.char_indices().skip(1) {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '{') => depth += 1,
            (None, '}') => depth -= 1,
            (None, '>') if depth <= 0 => return Some(i + 1),
            _ => {}
        }
    }
    None
}

/// `line` without its JSX tags.
fn strip_tags(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(i) = rest.find('<') {
        out.push_str(&rest[..i]);
        let candidate = &rest[i..];
        match tag_name_at(candidate).then(|| tag_end(candidate)).flatten() {
            Some(end) => rest = &candidate[end..],
            None => {
                out.push('<');
                rest = &candidate[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Length in characters (what `max_chars` counts).
fn clen(s: &str) -> usize {
    s.chars().count()
}

/// An atomic piece of a section body.
#[derive(Debug, Clone)]
struct Unit {
    text: String,
    /// What joins it to the unit before it in the same piece.
    sep: &'static str,
    /// Prose may be repeated as overlap; code never is.
    prose: bool,
}

/// Split one section body into pieces of at most `max_chars` (when avoidable): on
/// paragraph boundaries first, then sentences and lines, code fences kept whole when they
/// fit and otherwise split between lines (each piece fenced again).
fn split_section(body: &str, options: &ChunkOptions) -> Vec<String> {
    let max = options.max_chars.max(1);
    if clen(body) <= max {
        return vec![body.to_owned()];
    }
    let overlap = options.overlap_chars.min(max / 2);

    let mut units = Vec::new();
    for (block, is_code) in blocks(body) {
        if is_code {
            for piece in split_fence(&block, max) {
                units.push(Unit {
                    text: piece,
                    sep: "\n\n",
                    prose: false,
                });
            }
        } else if clen(&block) <= max {
            units.push(Unit {
                text: block,
                sep: "\n\n",
                prose: true,
            });
        } else {
            let mut first = true;
            for (sep, sentence) in sentences(&block) {
                for (i, part) in hard_split(&sentence, max).into_iter().enumerate() {
                    let sep = if first {
                        "\n\n"
                    } else if i > 0 {
                        " "
                    } else {
                        sep
                    };
                    first = false;
                    units.push(Unit {
                        text: part,
                        sep,
                        prose: true,
                    });
                }
            }
        }
    }

    let mut pieces = Vec::new();
    let mut current: Vec<Unit> = Vec::new();
    for unit in units {
        if !current.is_empty() && joined_len(&current) + unit.sep.len() + clen(&unit.text) > max {
            pieces.push(join(&current));
            let mut carried = tail(&current, overlap);
            while !carried.is_empty()
                && joined_len(&carried) + unit.sep.len() + clen(&unit.text) > max
            {
                carried.remove(0);
            }
            current = carried;
        }
        current.push(unit);
    }
    if !current.is_empty() {
        pieces.push(join(&current));
    }
    pieces
}

fn joined_len(units: &[Unit]) -> usize {
    units
        .iter()
        .enumerate()
        .map(|(i, u)| clen(&u.text) + if i == 0 { 0 } else { u.sep.len() })
        .sum()
}

fn join(units: &[Unit]) -> String {
    let mut out = String::new();
    for (i, unit) in units.iter().enumerate() {
        if i > 0 {
            out.push_str(unit.sep);
        }
        out.push_str(&unit.text);
    }
    out
}

/// The prose at the end of `units`, at most `overlap` characters: whole units when they
/// fit, else the end of the last one from a word boundary.
fn tail(units: &[Unit], overlap: usize) -> Vec<Unit> {
    if overlap == 0 {
        return Vec::new();
    }
    let mut taken: Vec<Unit> = Vec::new();
    let mut total = 0;
    for unit in units.iter().rev() {
        if !unit.prose {
            break;
        }
        let len = clen(&unit.text)
            + if taken.is_empty() {
                0
            } else {
                taken[0].sep.len()
            };
        if total + len <= overlap {
            total += len;
            taken.insert(0, unit.clone());
            continue;
        }
        if taken.is_empty() {
            let chars: Vec<char> = unit.text.chars().collect();
            let start = chars.len() - overlap;
            let suffix: String = chars[start..].iter().collect();
            // Start at a word.
            let suffix = match suffix.find(char::is_whitespace) {
                Some(i) if start > 0 => suffix[i..].trim_start().to_owned(),
                _ => suffix,
            };
            if !suffix.is_empty() {
                taken.push(Unit {
                    text: suffix,
                    sep: unit.sep,
                    prose: true,
                });
            }
        }
        break;
    }
    taken
}

/// Paragraphs (separated by blank lines) and code fences (whole, blank lines included),
/// each with whether it is code.
fn blocks(body: &str) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    let mut paragraph: Vec<&str> = Vec::new();
    let mut code: Vec<&str> = Vec::new();
    let mut fence = None;
    fn flush(lines: &mut Vec<&str>, out: &mut Vec<(String, bool)>, is_code: bool) {
        if !lines.is_empty() {
            let text = lines.join("\n");
            if !text.trim().is_empty() {
                out.push((text, is_code));
            }
            lines.clear();
        }
    }
    for line in body.lines() {
        let was_open = fence.is_some();
        let in_fence = track_fence(&mut fence, line);
        if in_fence {
            if !was_open {
                flush(&mut paragraph, &mut out, false);
            }
            code.push(line);
            if fence.is_none() {
                flush(&mut code, &mut out, true);
            }
        } else if line.trim().is_empty() {
            flush(&mut paragraph, &mut out, false);
        } else {
            paragraph.push(line);
        }
    }
    // An unclosed fence runs to the end of the section.
    flush(&mut code, &mut out, true);
    flush(&mut paragraph, &mut out, false);
    out
}

/// A fence longer than `max` split between lines, each piece with the opening and
/// closing fence lines so it stays a code block.
fn split_fence(block: &str, max: usize) -> Vec<String> {
    if clen(block) <= max {
        return vec![block.to_owned()];
    }
    let lines: Vec<&str> = block.lines().collect();
    let open = lines[0];
    let marker: String = open
        .trim_start()
        .chars()
        .take_while(|c| *c == '`' || *c == '~')
        .collect();
    let (inner, close) = match lines.last() {
        Some(last) if lines.len() > 1 && last.trim() == marker => {
            (&lines[1..lines.len() - 1], last.to_string())
        }
        _ => (&lines[1..], marker.clone()),
    };
    let frame = clen(open) + clen(&close) + 2;
    let mut pieces = Vec::new();
    let mut current: Vec<&str> = Vec::new();
    let mut len = frame;
    for line in inner {
        let add = clen(line) + 1;
        if !current.is_empty() && len + add > max {
            pieces.push(format!("{open}\n{}\n{close}", current.join("\n")));
            current.clear();
            len = frame;
        }
        current.push(line);
        len += add;
    }
    if !current.is_empty() || pieces.is_empty() {
        pieces.push(format!("{open}\n{}\n{close}", current.join("\n")));
    }
    pieces
}

/// A paragraph cut after sentence ends (`.`, `!`, `?`, then closing quotes or brackets,
/// then whitespace) and at line breaks; each piece with the whitespace that preceded it
/// (`"\n"` or `" "`).
fn sentences(paragraph: &str) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    for (line_no, line) in paragraph.lines().enumerate() {
        let mut sep = if line_no == 0 { "\n\n" } else { "\n" };
        let chars: Vec<(usize, char)> = line.char_indices().collect();
        let mut start = 0;
        let mut i = 0;
        while i < chars.len() {
            let (_, c) = chars[i];
            if matches!(c, '.' | '!' | '?') {
                let mut j = i + 1;
                while j < chars.len() && matches!(chars[j].1, '"' | '\'' | ')' | ']' | '”' | '’')
                {
                    j += 1;
                }
                if j < chars.len() && chars[j].1.is_whitespace() {
                    let end = chars[j].0;
                    let sentence = line[start..end].trim();
                    if !sentence.is_empty() {
                        out.push((sep, sentence.to_owned()));
                        sep = " ";
                    }
                    while j < chars.len() && chars[j].1.is_whitespace() {
                        j += 1;
                    }
                    start = chars.get(j).map_or(line.len(), |(b, _)| *b);
                    i = j;
                    continue;
                }
            }
            i += 1;
        }
        let rest = line[start..].trim();
        if !rest.is_empty() {
            out.push((sep, rest.to_owned()));
        }
    }
    out
}

/// `text` in pieces of at most `max` characters, cut at whitespace when there is some.
fn hard_split(text: &str, max: usize) -> Vec<String> {
    if clen(text) <= max {
        return vec![text.to_owned()];
    }
    let mut out = Vec::new();
    let mut rest = text;
    while clen(rest) > max {
        // Byte index of the char boundary after `max` characters.
        let limit = rest.char_indices().nth(max).map_or(rest.len(), |(i, _)| i);
        // Whitespace right after the `max`th character is a clean cut too.
        let window = rest[limit..]
            .chars()
            .next()
            .map_or(limit, |c| limit + c.len_utf8());
        let cut = rest[..window]
            .rfind(char::is_whitespace)
            .filter(|&i| i > 0)
            .unwrap_or(limit);
        out.push(rest[..cut].trim_end().to_owned());
        rest = rest[cut..].trim_start();
    }
    if !rest.is_empty() {
        out.push(rest.to_owned());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(content: &str, format: TextFormat) -> Vec<Chunk> {
        chunk_document(
            "policies/refunds.md",
            "refunds",
            content,
            format,
            &ChunkOptions::default(),
        )
    }

    #[test]
    fn front_matter_gives_title_and_url_and_ignores_the_rest() {
        let (matter, rest) = front_matter(
            "---\ntitle: \"Refund policy\"\nurl: https://example.com/refunds # live\ntags:\n  - a\ndescription: x: y\n---\n# Ignored heading\nBody",
        );
        assert_eq!(matter.title.as_deref(), Some("Refund policy"));
        assert_eq!(matter.url.as_deref(), Some("https://example.com/refunds"));
        assert_eq!(rest, "# Ignored heading\nBody");
        // No closing fence: no front matter.
        let (matter, rest) = front_matter("---\ntitle: x\nbody");
        assert_eq!(matter, FrontMatter::default());
        assert_eq!(rest, "---\ntitle: x\nbody");
        let (matter, _) = front_matter("---\ntitle: 'It''s'\n---\n");
        assert_eq!(matter.title.as_deref(), Some("It's"));
    }

    #[test]
    fn sections_follow_headings_with_their_path() {
        let chunks = doc(
            "---\ntitle: Refund policy\nurl: https://example.com/refunds\n---\n\nWe refund within 30 days.\n\n## Refunds\n\nAsk support.\n\n### Team licences\n\nSeats are refunded pro rata.\n\n#### Detail\n\nStill in team licences.\n\n## Empty\n\n## Chargebacks\n\nDon't.\n",
            TextFormat::Markdown,
        );
        let got: Vec<(&str, &str, &str)> = chunks
            .iter()
            .map(|c| (c.id.as_str(), c.section.as_str(), c.text.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("policies/refunds.md#0", "", "Refund policy\n\nWe refund within 30 days."),
                ("policies/refunds.md#1", "Refunds", "Refund policy — Refunds\n\nAsk support."),
                (
                    "policies/refunds.md#2",
                    "Refunds › Team licences",
                    "Refund policy — Refunds › Team licences\n\nSeats are refunded pro rata.\n\n#### Detail\n\nStill in team licences."
                ),
                ("policies/refunds.md#3", "Chargebacks", "Refund policy — Chargebacks\n\nDon't."),
            ]
        );
        for c in &chunks {
            assert_eq!(c.url.as_deref(), Some("https://example.com/refunds"));
            assert_eq!(c.kind, ChunkKind::Doc);
            assert_eq!(c.source, "policies/refunds.md");
            assert_eq!(c.hash.len(), 16);
        }
        assert_eq!(
            chunks[2].body(),
            "Seats are refunded pro rata.\n\n#### Detail\n\nStill in team licences."
        );
    }

    #[test]
    fn title_comes_from_the_first_h1_else_the_stem() {
        let chunks = doc(
            "Intro\n\n# Refunds\n\nText\n\n# Second top\n\nMore",
            TextFormat::Markdown,
        );
        assert_eq!(chunks[0].title, "Refunds");
        assert_eq!(chunks[0].text, "Refunds\n\nIntro\n\nText");
        assert_eq!(chunks[1].section, "Second top");
        let chunks = doc("Just text\n\n## Part\n\nx", TextFormat::Markdown);
        assert_eq!(chunks[0].title, "refunds");
        assert_eq!(chunks[1].text, "refunds — Part\n\nx");
    }

    #[test]
    fn headings_inside_code_fences_are_code() {
        let chunks = doc(
            "# T\n\n## Shell\n\n```sh\n# not a heading\necho hi\n```\n",
            TextFormat::Markdown,
        );
        assert_eq!(chunks.len(), 1);
        assert_eq!(chunks[0].body(), "```sh\n# not a heading\necho hi\n```");
    }

    #[test]
    fn plain_text_has_no_headings() {
        let chunks = doc("# not a heading\n\nline", TextFormat::Plain);
        assert_eq!(chunks.len(), 1);
        assert_eq!(chunks[0].title, "refunds");
        assert_eq!(chunks[0].text, "refunds\n\n# not a heading\n\nline");
    }

    #[test]
    fn mdx_drops_imports_exports_and_jsx() {
        let chunks = doc(
            "import { Callout } from 'nextra/components'\nimport Video from './video'\nexport const meta = {\n  title: 'x',\n}\n\n# Setup\n\n<Callout type=\"info\">\nInstall it first.\n</Callout>\n\n<Video\n  src=\"a.mp4\"\n/>\n\n{/* a comment */}\nUse <Kbd>Ctrl</Kbd> + C, see <https://example.com>, and 1 < 2.\n\n```jsx\n<Callout>kept in code</Callout>\nimport x from 'y'\n```\n",
            TextFormat::Mdx,
        );
        assert_eq!(chunks.len(), 1);
        assert_eq!(chunks[0].title, "Setup");
        assert_eq!(
            chunks[0].body(),
            "Install it first.\n\nUse Ctrl + C, see <https://example.com>, and 1 < 2.\n\n```jsx\n<Callout>kept in code</Callout>\nimport x from 'y'\n```"
        );
    }

    #[test]
    fn long_sections_split_on_paragraphs_with_overlap() {
        let para = |n: usize| format!("Paragraph {n} {}.", "word ".repeat(40).trim_end());
        let body: Vec<String> = (0..6).map(para).collect();
        let content = format!("## S\n\n{}", body.join("\n\n"));
        let options = ChunkOptions {
            max_chars: 500,
            overlap_chars: 250,
        };
        let chunks = chunk_document("a.md", "a", &content, TextFormat::Markdown, &options);
        assert!(chunks.len() > 1);
        for c in &chunks {
            assert!(clen(c.body()) <= 500, "{}", c.body());
            assert_eq!(c.section, "S");
        }
        // Each paragraph is ~216 chars: two fit in 500; the next piece repeats the last one.
        assert_eq!(chunks[0].body(), format!("{}\n\n{}", para(0), para(1)));
        assert_eq!(chunks[1].body(), format!("{}\n\n{}", para(1), para(2)));
        assert_eq!(
            chunks.iter().map(|c| c.id.as_str()).collect::<Vec<_>>()[..2],
            ["a.md#0", "a.md#1"]
        );
    }

    #[test]
    fn long_paragraphs_split_on_sentences_and_overlap_at_a_word() {
        let sentence = |n: usize| format!("Sentence number {n} says something about refunds.");
        let paragraph: Vec<String> = (0..40).map(sentence).collect();
        let paragraph = paragraph.join(" ");
        let options = ChunkOptions {
            max_chars: 300,
            overlap_chars: 60,
        };
        let pieces = split_section(&paragraph, &options);
        assert!(pieces.len() > 4);
        for (i, p) in pieces.iter().enumerate() {
            assert!(clen(p) <= 300, "{p}");
            assert!(p.ends_with('.'), "{p}");
            if i > 0 {
                // A whole sentence (~49 chars) of overlap fits in 60.
                let last_of_previous = pieces[i - 1].rsplit(". ").next().unwrap();
                assert!(p.starts_with(last_of_previous.trim_end_matches('.')), "{p}");
            }
        }
        // Every sentence survives.
        for n in 0..40 {
            assert!(pieces.iter().any(|p| p.contains(&sentence(n))), "{n}");
        }
    }

    #[test]
    fn code_fences_are_not_split_when_they_fit() {
        let code = format!(
            "```sh\n{}\n```",
            (0..10)
                .map(|i| format!("echo {i}"))
                .collect::<Vec<_>>()
                .join("\n")
        );
        let prose = "Some prose here. ".repeat(10);
        let body = format!("{}\n\n{code}\n\n{}", prose.trim(), prose.trim());
        let options = ChunkOptions {
            max_chars: 200,
            overlap_chars: 50,
        };
        let pieces = split_section(&body, &options);
        assert!(pieces.iter().any(|p| p.contains(&code)), "{pieces:#?}");
        // Overlap never repeats code.
        assert_eq!(pieces.iter().filter(|p| p.contains("echo 0")).count(), 1);
    }

    #[test]
    fn long_code_fences_split_between_lines_and_stay_fenced() {
        let lines: Vec<String> = (0..60).map(|i| format!("line {i:02}")).collect();
        let code = format!("```text\n{}\n```", lines.join("\n"));
        let options = ChunkOptions {
            max_chars: 120,
            overlap_chars: 40,
        };
        let pieces = split_section(&code, &options);
        assert!(pieces.len() > 3);
        for p in &pieces {
            assert!(p.starts_with("```text\n") && p.ends_with("\n```"), "{p}");
            assert!(clen(p) <= 120);
        }
        let all: String = pieces.join("\n");
        for l in &lines {
            assert_eq!(all.matches(l.as_str()).count(), 1, "{l}");
        }
    }

    #[test]
    fn unsplittable_words_are_cut_hard() {
        let word = "x".repeat(25);
        assert_eq!(hard_split(&word, 10), ["xxxxxxxxxx", "xxxxxxxxxx", "xxxxx"]);
        assert_eq!(hard_split("aaa bbb ccc", 7), ["aaa bbb", "ccc"]);
        assert_eq!(hard_split("ééé ééé", 4), ["ééé", "ééé"]);
    }

    #[test]
    fn hashes_change_with_content_and_citation_fields() {
        let a = content_hash("t", "Title", "S", None);
        assert_eq!(a.len(), 16);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(a, content_hash("t", "Title", "S", None));
        assert_ne!(a, content_hash("t2", "Title", "S", None));
        assert_ne!(a, content_hash("t", "Title", "S", Some("https://x")));
        assert_ne!(
            content_hash("t", "ab", "c", None),
            content_hash("t", "a", "bc", None)
        );
    }

    #[test]
    fn metadata_round_trips_and_learned_can_be_set() {
        let chunk = doc("## S\n\nx", TextFormat::Markdown).remove(0);
        let record = chunk.record(Origin::Ingest);
        assert_eq!(record.id, "policies/refunds.md#0");
        assert_eq!(record.data, chunk.text);
        let meta = record.metadata.unwrap();
        assert_eq!(
            meta,
            serde_json::json!({"source": "policies/refunds.md", "title": "refunds", "section": "S",
                               "kind": "doc", "hash": chunk.hash, "origin": "ingest"})
        );
        assert_eq!(ChunkMetadata::from_value(&meta), Some(chunk.metadata()));
        let mut learned = chunk.metadata();
        learned.origin = Origin::Learned;
        assert_eq!(serde_json::to_value(&learned).unwrap()["origin"], "learned");
        // Foreign metadata is not ours; an unknown origin is Other.
        assert_eq!(
            ChunkMetadata::from_value(&serde_json::json!({"link": "x"})),
            None
        );
        let mut odd = meta.clone();
        odd["origin"] = "import-tool".into();
        assert_eq!(
            ChunkMetadata::from_value(&odd).unwrap().origin,
            Origin::Other
        );
        odd.as_object_mut().unwrap().remove("origin");
        assert_eq!(
            ChunkMetadata::from_value(&odd).unwrap().origin,
            Origin::Other
        );
    }

    #[test]
    fn empty_documents_give_no_chunks() {
        assert!(doc("", TextFormat::Markdown).is_empty());
        assert!(doc(
            "---\ntitle: x\n---\n\n## Heading only\n",
            TextFormat::Markdown
        )
        .is_empty());
    }
}
