//! Incremental sync: what to upsert and delete so the index holds exactly what the files
//! produce, sending nothing for chunks that did not change.
//!
//! Embedding costs money and time (Upstash embeds every upserted text), so a re-ingest
//! compares each chunk's content hash with the one stored in its metadata and only sends
//! what differs. Deletes are limited to vectors an ingest wrote (`origin: ingest`), within
//! the scope that was read: learned FAQ entries and foreign vectors are never touched.

use std::collections::{BTreeSet, HashMap, HashSet};

use crate::chunk::{Chunk, ChunkMetadata, Origin};
use crate::client::VectorIndex;
use crate::error::VectorError;
use crate::types::{Include, RangePage};

/// Page size of the `range` reads of [`remote_state`].
pub const RANGE_PAGE_SIZE: u32 = 1000;

/// What an ingest read, which bounds what it may delete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// A whole directory: every ingested vector not produced any more goes.
    All,
    /// One file (its source path): only that source's vectors may go.
    Source(String),
}

/// The changes that bring the index in line with the local chunks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// Chunks to upsert, new or changed, in local order.
    pub upserts: Vec<Chunk>,
    /// The ids among `upserts` that the index does not have yet (the rest changed).
    pub added: BTreeSet<String>,
    /// Ids to delete, sorted.
    pub deletes: Vec<String>,
    /// Chunks already in the index with the same hash.
    pub unchanged: usize,
    /// Local ids that are held by a learned entry in the index: left alone (a file at
    /// `learned/…` in the ingested directory would otherwise overwrite one).
    pub conflicts: Vec<String>,
}

impl Plan {
    /// Whether there is nothing to send.
    pub fn is_empty(&self) -> bool {
        self.upserts.is_empty() && self.deletes.is_empty()
    }

    /// How many upserts are new chunks.
    pub fn added_count(&self) -> usize {
        self.added.len()
    }

    /// How many upserts replace a chunk whose content changed.
    pub fn changed_count(&self) -> usize {
        self.upserts.len() - self.added.len()
    }

    /// Whether `id` is a new chunk (as opposed to a changed one).
    pub fn is_added(&self, id: &str) -> bool {
        self.added.contains(id)
    }
}

/// Compare the local chunks with the index's `(id, metadata)` pairs.
///
/// - A chunk is upserted when its id is not in the index or its stored hash differs
///   (or its stored metadata is not ours).
/// - A remote id is deleted when its origin is `ingest`, it is in `scope`, and no local
///   chunk has it.
/// - `learned` (and unknown-origin) vectors are never deleted, and never overwritten.
pub fn plan(local: &[Chunk], remote: &[(String, Option<ChunkMetadata>)], scope: Scope) -> Plan {
    let remote_by_id: HashMap<&str, Option<&ChunkMetadata>> = remote
        .iter()
        .map(|(id, meta)| (id.as_str(), meta.as_ref()))
        .collect();
    let local_ids: HashSet<&str> = local.iter().map(|c| c.id.as_str()).collect();

    let mut plan = Plan::default();
    for chunk in local {
        match remote_by_id.get(chunk.id.as_str()) {
            None => {
                plan.added.insert(chunk.id.clone());
                plan.upserts.push(chunk.clone());
            }
            Some(Some(meta)) if meta.origin == Origin::Learned => {
                plan.conflicts.push(chunk.id.clone());
            }
            Some(Some(meta)) if meta.hash == chunk.hash && meta.origin == Origin::Ingest => {
                plan.unchanged += 1;
            }
            Some(_) => plan.upserts.push(chunk.clone()),
        }
    }
    let mut deletes: Vec<String> = remote
        .iter()
        .filter(|(id, meta)| {
            let Some(meta) = meta else { return false };
            meta.origin == Origin::Ingest
                && !local_ids.contains(id.as_str())
                && match &scope {
                    Scope::All => true,
                    Scope::Source(source) => &meta.source == source,
                }
        })
        .map(|(id, _)| id.clone())
        .collect();
    deletes.sort();
    deletes.dedup();
    plan.deletes = deletes;
    plan
}

/// The `(id, metadata)` pairs of one `range` page (`None` where the metadata is not a
/// chunk's).
pub fn remote_entries(
    page: &RangePage,
) -> impl Iterator<Item = (String, Option<ChunkMetadata>)> + '_ {
    page.vectors.iter().map(|record| {
        (
            record.id.clone(),
            record.metadata.as_ref().and_then(ChunkMetadata::from_value),
        )
    })
}

/// Every vector of the namespace with its metadata, read with `range` pages of
/// [`RANGE_PAGE_SIZE`] (ids and metadata only: no data, no vectors).
pub async fn remote_state(
    index: &VectorIndex,
    namespace: &str,
) -> Result<Vec<(String, Option<ChunkMetadata>)>, VectorError> {
    let mut out = Vec::new();
    let mut cursor = "0".to_owned();
    loop {
        let page = index
            .range(namespace, &cursor, RANGE_PAGE_SIZE, None, Include::METADATA)
            .await?;
        out.extend(remote_entries(&page));
        // A cursor that does not move would loop forever.
        if page.is_last() || page.next_cursor == cursor {
            return Ok(out);
        }
        cursor = page.next_cursor;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chunk::ChunkKind;

    fn chunk(id: &str, text: &str) -> Chunk {
        let source = id.split('#').next().unwrap();
        Chunk::new(
            id.into(),
            source.into(),
            "T".into(),
            String::new(),
            None,
            ChunkKind::Doc,
            text.into(),
        )
    }

    fn stored(c: &Chunk, origin: Origin) -> (String, Option<ChunkMetadata>) {
        (c.id.clone(), Some(c.metadata_with(origin)))
    }

    #[test]
    fn new_changed_unchanged_and_gone() {
        let kept = chunk("a.md#0", "same");
        let changed_old = chunk("a.md#1", "old");
        let changed_new = chunk("a.md#1", "new");
        let added = chunk("b.md#0", "fresh");
        let gone = chunk("c.md#0", "deleted file");
        let learned = chunk("learned/01H", "q");
        let remote = vec![
            stored(&kept, Origin::Ingest),
            stored(&changed_old, Origin::Ingest),
            stored(&gone, Origin::Ingest),
            stored(&learned, Origin::Learned),
            ("foreign-1".to_owned(), None),
            stored(&chunk("x#0", "other tool"), Origin::Other),
        ];
        let local = vec![kept.clone(), changed_new.clone(), added.clone()];
        let p = plan(&local, &remote, Scope::All);
        assert_eq!(p.upserts, [changed_new, added]);
        assert_eq!(p.added.iter().collect::<Vec<_>>(), ["b.md#0"]);
        assert_eq!((p.added_count(), p.changed_count()), (1, 1));
        assert!(p.is_added("b.md#0") && !p.is_added("a.md#1"));
        assert_eq!(p.deletes, ["c.md#0"]);
        assert_eq!(p.unchanged, 1);
        assert!(p.conflicts.is_empty());
    }

    #[test]
    fn a_second_run_plans_nothing() {
        let local = vec![chunk("a.md#0", "x"), chunk("a.md#1", "y")];
        let remote: Vec<_> = local.iter().map(|c| stored(c, Origin::Ingest)).collect();
        let p = plan(&local, &remote, Scope::All);
        assert!(p.is_empty());
        assert_eq!(p.unchanged, 2);
    }

    #[test]
    fn a_single_file_only_deletes_its_own_chunks() {
        let remote = vec![
            stored(&chunk("a.md#0", "x"), Origin::Ingest),
            stored(&chunk("a.md#1", "y"), Origin::Ingest),
            stored(&chunk("b.md#0", "z"), Origin::Ingest),
        ];
        let local = vec![chunk("a.md#0", "x")];
        let p = plan(&local, &remote, Scope::Source("a.md".into()));
        assert_eq!(p.deletes, ["a.md#1"]);
        assert!(p.upserts.is_empty());
        // The whole directory, with b.md gone, deletes it too.
        let p = plan(&local, &remote, Scope::All);
        assert_eq!(p.deletes, ["a.md#1", "b.md#0"]);
    }

    #[test]
    fn learned_entries_are_never_deleted_or_overwritten() {
        let learned = chunk("learned/01H", "approved answer");
        let remote = vec![stored(&learned, Origin::Learned)];
        assert!(plan(&[], &remote, Scope::All).is_empty());
        assert!(plan(&[], &remote, Scope::Source("learned/01H".into())).is_empty());
        let clash = chunk("learned/01H", "a file at learned/ in the docs");
        let p = plan(&[clash], &remote, Scope::All);
        assert!(p.is_empty());
        assert_eq!(p.conflicts, ["learned/01H"]);
    }

    #[test]
    fn foreign_metadata_at_a_local_id_is_replaced() {
        let c = chunk("a.md#0", "x");
        let p = plan(
            std::slice::from_ref(&c),
            &[("a.md#0".into(), None)],
            Scope::All,
        );
        assert_eq!(p.upserts, [c]);
        assert!(!p.is_added("a.md#0"));
    }
}
