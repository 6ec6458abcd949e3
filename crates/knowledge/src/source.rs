//! Reading sources from disk (feature `files`, for the CLI): which files are knowledge,
//! what their source path is, and their chunks.
//!
//! Kept out of the default build: the worker only queries, and wasm32 has no filesystem.

use std::io;
use std::path::{Path, PathBuf};

use crate::chunk::{chunk_document, Chunk, ChunkOptions, TextFormat};
use crate::faq::{chunk_faq, parse_faq_json, parse_faq_yaml};

/// A file left out, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// Its path relative to the root, `/`-separated.
    pub path: String,
    /// Why.
    pub reason: String,
}

/// What a directory or a file gave.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Loaded {
    /// Every chunk, file by file in path order.
    pub chunks: Vec<Chunk>,
    /// The sources that gave chunks.
    pub sources: Vec<String>,
    /// Files left out (unsupported type, not a FAQ list, not UTF-8, empty).
    pub skipped: Vec<Skipped>,
}

const UNSUPPORTED: &str = "not a supported type (.md, .mdx, .txt, FAQ .json/.yaml/.yml)";

/// Whether the file's extension is one that [`chunk_file`] reads.
pub fn is_knowledge_file(path: &Path) -> bool {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    TextFormat::from_extension(&ext).is_some() || matches!(ext.as_str(), "json" | "yaml" | "yml")
}

/// `file`'s source path: relative to `root`, `/`-separated. `None` when `file` is not
/// under `root`.
pub fn source_path(root: &Path, file: &Path) -> Option<String> {
    let relative = file.strip_prefix(root).ok()?;
    let parts: Vec<String> = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    (!parts.is_empty()).then(|| parts.join("/"))
}

/// Chunk the text of one file by its extension: `.md`/`.mdx`/`.txt` documents, `.json`
/// and `.yaml`/`.yml` FAQ lists. `Err` says why the file is not knowledge.
pub fn chunk_file(
    source: &str,
    path: &Path,
    content: &str,
    options: &ChunkOptions,
) -> Result<Vec<Chunk>, String> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let stem = path
        .file_stem()
        .map(|s| title_of_stem(&s.to_string_lossy()))
        .unwrap_or_else(|| source.to_owned());
    let chunks = if let Some(format) = TextFormat::from_extension(&ext) {
        chunk_document(source, &stem, content, format, options)
    } else {
        let entries = match ext.as_str() {
            "json" => parse_faq_json(content),
            "yaml" | "yml" => parse_faq_yaml(content),
            _ => return Err(UNSUPPORTED.into()),
        }
        .map_err(|e| format!("not a FAQ list: {e}"))?;
        chunk_faq(source, &stem, &entries)
    };
    if chunks.is_empty() {
        return Err("no text".into());
    }
    Ok(chunks)
}

/// A file name as a title, for files that carry none (FAQ lists; pages without front
/// matter or a `# ` heading): `faq` → `FAQ`, `refund-policy` → `Refund policy`.
pub fn title_of_stem(stem: &str) -> String {
    if matches!(stem.to_ascii_lowercase().as_str(), "faq" | "faqs") {
        return "FAQ".into();
    }
    let spaced = stem.replace(['-', '_'], " ");
    let mut chars = spaced.trim().chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => stem.to_owned(),
    }
}

/// Every knowledge file under `dir`, recursively, in path order. Hidden files and
/// directories (`.git`, `.DS_Store`) are passed over silently; symbolic links to
/// directories are not followed.
pub fn load_dir(dir: &Path, options: &ChunkOptions) -> io::Result<Loaded> {
    let mut files = Vec::new();
    walk(dir, &mut files)?;
    files.sort();
    let mut loaded = Loaded::default();
    for file in files {
        load_one(dir, &file, options, &mut loaded)?;
    }
    Ok(loaded)
}

/// One file, its source path relative to `root`.
pub fn load_file(root: &Path, file: &Path, options: &ChunkOptions) -> io::Result<Loaded> {
    let mut loaded = Loaded::default();
    load_one(root, file, options, &mut loaded)?;
    Ok(loaded)
}

fn load_one(
    root: &Path,
    file: &Path,
    options: &ChunkOptions,
    loaded: &mut Loaded,
) -> io::Result<()> {
    let source = source_path(root, file).ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{} is not under {}", file.display(), root.display()),
        )
    })?;
    if !is_knowledge_file(file) {
        loaded.skipped.push(Skipped {
            path: source,
            reason: UNSUPPORTED.into(),
        });
        return Ok(());
    }
    let bytes = std::fs::read(file)?;
    let outcome = match String::from_utf8(bytes) {
        Ok(text) => chunk_file(&source, file, &text, options),
        Err(_) => Err("not UTF-8 text".into()),
    };
    match outcome {
        Ok(chunks) => {
            loaded.sources.push(source);
            loaded.chunks.extend(chunks);
        }
        Err(reason) => loaded.skipped.push(Skipped {
            path: source,
            reason,
        }),
    }
    Ok(())
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>) -> io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let kind = entry.file_type()?;
        let path = entry.path();
        if kind.is_dir() {
            walk(&path, files)?;
        } else if kind.is_file() || (kind.is_symlink() && path.is_file()) {
            files.push(path);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_read_as_titles() {
        assert_eq!(title_of_stem("faq"), "FAQ");
        assert_eq!(title_of_stem("refund-policy"), "Refund policy");
        assert_eq!(title_of_stem("video_playback"), "Video playback");
    }

    #[test]
    fn directories_load_in_order_with_relative_sources_and_notes() {
        let dir = std::env::temp_dir().join(format!("knowledge-source-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("policies/.hidden")).unwrap();
        std::fs::write(
            dir.join("policies/refunds.md"),
            "# Refunds\n\n## Teams\n\nPro rata.",
        )
        .unwrap();
        std::fs::write(dir.join("policies/.hidden/x.md"), "hidden").unwrap();
        std::fs::write(dir.join("faq.yaml"), "- question: q?\n  answer: a.\n").unwrap();
        std::fs::write(dir.join("data.json"), r#"{"not": "a list"}"#).unwrap();
        std::fs::write(dir.join("logo.png"), [0x89, b'P', b'N', b'G']).unwrap();
        std::fs::write(dir.join("empty.md"), "\n\n").unwrap();
        std::fs::write(dir.join("notes.txt"), "Plain words.").unwrap();

        let loaded = load_dir(&dir, &ChunkOptions::default()).unwrap();
        assert_eq!(
            loaded.sources,
            ["faq.yaml", "notes.txt", "policies/refunds.md"]
        );
        let ids: Vec<&str> = loaded.chunks.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["faq.yaml#0", "notes.txt#0", "policies/refunds.md#0"]);
        assert_eq!(loaded.chunks[2].section, "Teams");
        let skipped: Vec<&str> = loaded.skipped.iter().map(|s| s.path.as_str()).collect();
        assert_eq!(skipped, ["data.json", "empty.md", "logo.png"]);
        assert!(loaded.skipped[0].reason.starts_with("not a FAQ list"));
        assert_eq!(loaded.skipped[1].reason, "no text");
        assert!(loaded.skipped[2].reason.starts_with("not a supported type"));

        let one = load_file(
            &dir,
            &dir.join("policies/refunds.md"),
            &ChunkOptions::default(),
        )
        .unwrap();
        assert_eq!(one.chunks, loaded.chunks[2..]);
        assert!(load_file(
            &dir.join("policies"),
            &dir.join("faq.yaml"),
            &ChunkOptions::default()
        )
        .is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
