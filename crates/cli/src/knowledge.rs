//! `skill knowledge` and `skill eval retrieval`: an app's knowledge base in Upstash
//! Vector, one namespace per app (`--app`).
//!
//! `ingest` chunks a directory of docs and FAQs (or one file) and syncs it: only new and
//! changed chunks are upserted (Upstash embeds what it is sent, so unchanged text is not
//! paid for twice) and chunks whose file no longer produces them are deleted. FAQ entries
//! learned from approved answers (`learned/…`, origin `learned`) are never deleted or
//! overwritten by an ingest. A 429 (or a 5xx, or no answer) is retried with backoff,
//! honouring `Retry-After`.

use std::collections::BTreeMap;
use std::future::Future;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use clap::builder::NonEmptyStringValueParser;
use clap::{ArgGroup, Args, Subcommand};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use support_knowledge::eval::{dedup_sources, misses, mrr, recall_at, Ranking};
use support_knowledge::source::{load_dir, load_file, Loaded};
use support_knowledge::sync::{remote_entries, RANGE_PAGE_SIZE};
use support_knowledge::{
    plan, ChunkMetadata, ChunkOptions, FusionAlgorithm, Include, Knowledge, Origin, Passage,
    QueryMode, Scope, VectorError, VectorIndex,
};

/// Chunks per `upsert-data` request: Upstash embeds each batch before answering, so a
/// batch must finish well within the request timeout.
const UPSERT_BATCH: usize = 50;
/// Ids per `delete` request.
const DELETE_BATCH: usize = 100;
/// Retries of one request that failed for a reason that may pass (429, 5xx, no answer).
const MAX_RETRIES: u32 = 5;
/// Longest wait between retries, whatever `Retry-After` says.
const MAX_WAIT: Duration = Duration::from_secs(120);

#[derive(Subcommand)]
pub enum KnowledgeCommand {
    /// Chunk a directory of docs and FAQs (or one file) and sync it into the app's namespace.
    Ingest(IngestArgs),
    /// List the chunks in the app's namespace.
    List(ListArgs),
    /// Search the app's knowledge base as the agent does.
    Search(SearchArgs),
    /// Delete chunks by id, by source file, or every ingested chunk.
    Delete(DeleteArgs),
    /// FAQ entries learned from sent replies: list, approve (possibly edited), reject.
    Candidates {
        #[command(subcommand)]
        command: crate::candidates::CandidatesCommand,
    },
}

/// Which index and which app.
#[derive(Args, Clone)]
pub struct IndexArgs {
    /// The index's REST URL (or set UPSTASH_VECTOR_REST_URL).
    #[arg(long = "url", env = "UPSTASH_VECTOR_REST_URL", value_parser = NonEmptyStringValueParser::new())]
    url: String,
    /// The index's REST token (or set UPSTASH_VECTOR_REST_TOKEN to keep it out of shell history).
    #[arg(long = "token", env = "UPSTASH_VECTOR_REST_TOKEN", hide_env_values = true, value_parser = NonEmptyStringValueParser::new())]
    token: String,
    /// The app's id: its namespace in the index.
    #[arg(long, value_parser = NonEmptyStringValueParser::new())]
    app: String,
    /// Seconds to wait for each answer.
    #[arg(long, default_value_t = 30)]
    timeout: u64,
}

impl IndexArgs {
    fn index(&self) -> VectorIndex {
        VectorIndex::new(
            &self.url,
            &self.token,
            Arc::new(support_http::ReqwestTransport::new()),
        )
        .with_timeout(Duration::from_secs(self.timeout))
    }

    fn knowledge(&self) -> Knowledge {
        Knowledge::new(self.index(), &self.app)
    }
}

#[derive(Args)]
pub struct IngestArgs {
    /// A directory (walked recursively) or one file: .md, .mdx, .txt, FAQ .yaml/.yml/.json.
    path: PathBuf,
    #[command(flatten)]
    index: IndexArgs,
    /// For one file: the directory its source path is relative to (default: its own
    /// directory). Use the directory you ingest whole, so ids match.
    #[arg(long)]
    root: Option<PathBuf>,
    /// Print the plan and send nothing.
    #[arg(long)]
    dry_run: bool,
    /// Print the plan and the result as JSON.
    #[arg(long)]
    json: bool,
    /// Longest chunk body, in characters.
    #[arg(long, default_value_t = support_knowledge::chunk::DEFAULT_MAX_CHARS)]
    max_chars: usize,
    /// Characters repeated between the pieces of a split section.
    #[arg(long, default_value_t = support_knowledge::chunk::DEFAULT_OVERLAP_CHARS)]
    overlap_chars: usize,
}

#[derive(Args)]
pub struct ListArgs {
    #[command(flatten)]
    index: IndexArgs,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub struct SearchArgs {
    /// What a customer asked.
    query: String,
    #[command(flatten)]
    index: IndexArgs,
    #[command(flatten)]
    retrieval: RetrievalOptions,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

/// How to query.
#[derive(Args, Clone, Copy)]
pub struct RetrievalOptions {
    /// Chunks to retrieve.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=1000))]
    top_k: u32,
    /// hybrid, dense or sparse.
    #[arg(long, default_value = "hybrid")]
    mode: QueryMode,
    /// How hybrid scores are fused: rrf or dbsf.
    #[arg(long, default_value = "rrf")]
    fusion: FusionAlgorithm,
}

#[derive(Args)]
#[command(group(ArgGroup::new("what").required(true).args(["ids", "source", "all"])))]
pub struct DeleteArgs {
    #[command(flatten)]
    index: IndexArgs,
    /// A chunk id (repeat for several).
    #[arg(long = "id", value_name = "ID")]
    ids: Vec<String>,
    /// Every chunk of this source path (relative to the ingested directory).
    #[arg(long)]
    source: Option<String>,
    /// Every ingested chunk of the app (learned answers stay: delete those by --id).
    #[arg(long)]
    all: bool,
}

#[derive(Args)]
pub struct RetrievalArgs {
    /// A JSON array of {"question", "expected": [source paths], "note"?}.
    file: PathBuf,
    #[command(flatten)]
    index: IndexArgs,
    #[command(flatten)]
    retrieval: RetrievalOptions,
    /// Run HYBRID+RRF, HYBRID+DBSF, DENSE and SPARSE side by side.
    #[arg(long)]
    compare: bool,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

pub async fn run(command: KnowledgeCommand) -> anyhow::Result<ExitCode> {
    match command {
        KnowledgeCommand::Ingest(args) => ingest(args).await,
        KnowledgeCommand::List(args) => list(args).await,
        KnowledgeCommand::Search(args) => search(args).await,
        KnowledgeCommand::Delete(args) => delete(args).await,
        KnowledgeCommand::Candidates { command } => crate::candidates::run(command).await,
    }
}

/// Call again while the failure may pass: `Retry-After` when the server sent one,
/// otherwise 1, 2, 4, 8, 16 s.
async fn retrying<T, F, Fut>(what: &str, mut call: F) -> Result<T, VectorError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, VectorError>>,
{
    let mut attempt = 0;
    loop {
        match call().await {
            Err(e) if e.is_retryable() && attempt < MAX_RETRIES => {
                let wait = match &e {
                    VectorError::RateLimited {
                        retry_after_secs: Some(secs),
                    } => Duration::from_secs(*secs),
                    _ => Duration::from_secs(1 << attempt),
                }
                .min(MAX_WAIT);
                eprintln!("{what}: {e}; retrying in {} s", wait.as_secs_f32());
                tokio::time::sleep(wait).await;
                attempt += 1;
            }
            other => return other,
        }
    }
}

/// Every vector of the namespace with its metadata, page by page, each page retried.
async fn remote_state(
    index: &VectorIndex,
    namespace: &str,
) -> Result<Vec<(String, Option<ChunkMetadata>)>, VectorError> {
    let mut out = Vec::new();
    let mut cursor = "0".to_owned();
    loop {
        let page = retrying("range", || {
            index.range(namespace, &cursor, RANGE_PAGE_SIZE, None, Include::METADATA)
        })
        .await?;
        out.extend(remote_entries(&page));
        if page.is_last() || page.next_cursor == cursor {
            return Ok(out);
        }
        cursor = page.next_cursor;
    }
}

/// Progress of the requests an ingest sends: a bar on a terminal, plain lines otherwise.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    total: usize,
    done: usize,
}

impl Progress {
    fn new(total: usize, quiet: bool) -> Self {
        let bar = (!quiet && total > 0 && std::io::stderr().is_terminal()).then(|| {
            let bar = indicatif::ProgressBar::new(total as u64);
            if let Ok(style) =
                indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} chunks {msg} ({eta})")
            {
                bar.set_style(style);
            }
            bar
        });
        Self {
            bar,
            total,
            done: 0,
        }
    }

    fn advance(&mut self, n: usize, what: &str, quiet: bool) {
        self.done += n;
        match &self.bar {
            Some(bar) => {
                bar.set_message(what.to_owned());
                bar.inc(n as u64);
            }
            None if !quiet => eprintln!("{what} {}/{}", self.done, self.total),
            None => {}
        }
    }

    fn finish(self) {
        if let Some(bar) = self.bar {
            bar.finish_and_clear();
        }
    }
}

async fn ingest(args: IngestArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let options = ChunkOptions {
        max_chars: args.max_chars,
        overlap_chars: args.overlap_chars,
    };
    let meta = std::fs::metadata(&args.path)
        .with_context(|| format!("reading {}", args.path.display()))?;
    let (loaded, scope): (Loaded, Scope) = if meta.is_dir() {
        let loaded = load_dir(&args.path, &options)
            .with_context(|| format!("reading {}", args.path.display()))?;
        (loaded, Scope::All)
    } else {
        let root = match &args.root {
            Some(root) => root.clone(),
            None => args
                .path
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_default(),
        };
        let loaded = load_file(&root, &args.path, &options)
            .with_context(|| format!("reading {}", args.path.display()))?;
        let source = support_knowledge::source::source_path(&root, &args.path)
            .context("the file is not under --root")?;
        (loaded, Scope::Source(source))
    };
    for skipped in &loaded.skipped {
        eprintln!("note: skipped {}: {}", skipped.path, skipped.reason);
    }
    if let (Scope::Source(source), true) = (&scope, loaded.chunks.is_empty()) {
        // One file that gives nothing: refuse rather than delete all its chunks.
        bail!("{source} gives no chunks; nothing ingested (delete it with --source)");
    }

    let index = args.index.index();
    let namespace = &args.index.app;
    let remote = remote_state(&index, namespace)
        .await
        .context("reading the index")?;
    let plan = plan(&loaded.chunks, &remote, scope);
    for id in &plan.conflicts {
        eprintln!("note: {id} is a learned answer in the index; left alone");
    }
    let added: Vec<&str> = plan
        .upserts
        .iter()
        .filter(|c| plan.is_added(&c.id))
        .map(|c| c.id.as_str())
        .collect();
    let changed: Vec<&str> = plan
        .upserts
        .iter()
        .filter(|c| !plan.is_added(&c.id))
        .map(|c| c.id.as_str())
        .collect();
    if !args.json {
        for id in &added {
            println!("+ {id}");
        }
        for id in &changed {
            println!("~ {id}");
        }
        for id in &plan.deletes {
            println!("- {id}");
        }
        println!(
            "{} to add, {} to change, {} to delete, {} unchanged",
            added.len(),
            changed.len(),
            plan.deletes.len(),
            plan.unchanged
        );
    }

    if !args.dry_run {
        let mut progress = Progress::new(plan.upserts.len() + plan.deletes.len(), args.json);
        for batch in plan.upserts.chunks(UPSERT_BATCH) {
            let records: Vec<_> = batch.iter().map(|c| c.record(Origin::Ingest)).collect();
            retrying("upsert-data", || index.upsert_data(namespace, &records))
                .await
                .context("upserting chunks")?;
            progress.advance(batch.len(), "upserted", args.json);
        }
        for batch in plan.deletes.chunks(DELETE_BATCH) {
            retrying("delete", || index.delete(namespace, batch))
                .await
                .context("deleting chunks")?;
            progress.advance(batch.len(), "deleted", args.json);
        }
        progress.finish();
    }

    let seconds = started.elapsed().as_secs_f64();
    let total = loaded.chunks.len();
    if args.json {
        let report = json!({
            "app": namespace,
            "dryRun": args.dry_run,
            "chunks": total,
            "added": added,
            "changed": changed,
            "deleted": plan.deletes,
            "unchanged": plan.unchanged,
            "conflicts": plan.conflicts,
            "skipped": loaded.skipped.iter().map(|s| json!({"path": s.path, "reason": s.reason})).collect::<Vec<_>>(),
            "seconds": seconds,
        });
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else if args.dry_run {
        println!("dry run: nothing sent ({total} chunks)");
    } else {
        println!(
            "{total} chunks: {} added, {} changed, {} deleted, {} unchanged in {seconds:.1} s ({:.0} chunks/s)",
            added.len(),
            changed.len(),
            plan.deletes.len(),
            plan.unchanged,
            total as f64 / seconds.max(0.001),
        );
    }
    Ok(ExitCode::SUCCESS)
}

async fn list(args: ListArgs) -> anyhow::Result<ExitCode> {
    let index = args.index.index();
    let mut remote = remote_state(&index, &args.index.app)
        .await
        .context("reading the index")?;
    remote.sort_by(|a, b| a.0.cmp(&b.0));
    if args.json {
        let rows: Vec<Value> = remote
            .iter()
            .map(|(id, meta)| match meta {
                Some(m) => {
                    json!({"id": id, "source": m.source, "title": m.title, "section": m.section,
                                  "url": m.url, "kind": m.kind, "origin": m.origin})
                }
                None => json!({"id": id, "source": null, "title": null, "section": null,
                               "url": null, "kind": null, "origin": null}),
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(ExitCode::SUCCESS);
    }
    if remote.is_empty() {
        println!("no chunks in {}", args.index.app);
    }
    for (id, meta) in &remote {
        match meta {
            Some(m) => println!(
                "{id}  {}  {}  {}",
                m.source,
                if m.section.is_empty() {
                    "-"
                } else {
                    &m.section
                },
                m.origin.as_str()
            ),
            None => println!("{id}  -  -  (not a chunk)"),
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn search(args: SearchArgs) -> anyhow::Result<ExitCode> {
    let knowledge = args.index.knowledge();
    let options = args.retrieval;
    let passages = retrying("query-data", || {
        knowledge.search(&args.query, options.top_k, options.mode, options.fusion)
    })
    .await
    .context("searching")?;
    if args.json {
        let rows: Vec<Value> = passages
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let mut row = serde_json::to_value(p).unwrap_or(Value::Null);
                row["rank"] = json!(i + 1);
                row["citation"] = json!(p.citation());
                row
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(ExitCode::SUCCESS);
    }
    if passages.is_empty() {
        println!("no results");
    }
    for (i, p) in passages.iter().enumerate() {
        println!("{:>2}  {:.4}  {}  ({})", i + 1, p.score, p.citation(), p.id);
    }
    Ok(ExitCode::SUCCESS)
}

async fn delete(args: DeleteArgs) -> anyhow::Result<ExitCode> {
    let index = args.index.index();
    let namespace = &args.index.app;
    let deleted = if let Some(source) = &args.source {
        // Chunk ids are `{source}#{n}`: one prefix delete takes them all.
        let prefix = format!("{source}#");
        retrying("delete", || index.delete_prefix(namespace, &prefix))
            .await
            .context("deleting")?
    } else if args.all {
        let remote = remote_state(&index, namespace)
            .await
            .context("reading the index")?;
        let ids: Vec<String> = remote
            .into_iter()
            .filter(|(_, m)| m.as_ref().is_some_and(|m| m.origin == Origin::Ingest))
            .map(|(id, _)| id)
            .collect();
        let mut deleted = 0;
        for batch in ids.chunks(DELETE_BATCH) {
            deleted += retrying("delete", || index.delete(namespace, batch))
                .await
                .context("deleting")?;
        }
        deleted
    } else {
        let mut deleted = 0;
        for batch in args.ids.chunks(DELETE_BATCH) {
            deleted += retrying("delete", || index.delete(namespace, batch))
                .await
                .context("deleting")?;
        }
        deleted
    };
    println!("deleted {deleted} chunks from {namespace}");
    Ok(ExitCode::SUCCESS)
}

/// One labelled question of a retrieval eval file.
#[derive(Debug, Clone, Deserialize)]
struct Question {
    question: String,
    expected: Vec<String>,
    #[serde(default)]
    note: Option<String>,
}

/// One question's outcome in one configuration.
#[derive(Debug, Clone, Serialize)]
struct QuestionResult {
    question: String,
    expected: Vec<String>,
    /// Sources in rank order, each once.
    ranked: Vec<String>,
    /// 1-based rank of the first expected source.
    rank: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<String>,
}

/// One configuration's metrics.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct Run {
    label: String,
    mode: QueryMode,
    fusion: Option<FusionAlgorithm>,
    recall_at_1: f64,
    recall_at_5: f64,
    mrr: f64,
    misses: Vec<QuestionResult>,
    results: Vec<QuestionResult>,
}

fn label(mode: QueryMode, fusion: Option<FusionAlgorithm>) -> String {
    match fusion {
        Some(f) => format!("{mode}+{f}"),
        None => mode.to_string(),
    }
}

/// `skill eval retrieval`: each question against the live index, hits deduplicated by
/// source, recall@1, recall@5 and MRR. Low scores are not an error.
pub async fn eval_retrieval(args: RetrievalArgs) -> anyhow::Result<ExitCode> {
    let text = std::fs::read_to_string(&args.file)
        .with_context(|| format!("reading {}", args.file.display()))?;
    let questions: Vec<Question> = serde_json::from_str(&text).with_context(|| {
        format!(
            "{}: not a JSON array of {{\"question\", \"expected\": [...]}}",
            args.file.display()
        )
    })?;
    if questions.is_empty() {
        bail!("{}: no questions", args.file.display());
    }
    for (i, q) in questions.iter().enumerate() {
        if q.question.trim().is_empty() || q.expected.is_empty() {
            bail!(
                "{}: question {} needs a question and at least one expected source",
                args.file.display(),
                i + 1
            );
        }
    }
    let configs: Vec<(QueryMode, Option<FusionAlgorithm>)> = if args.compare {
        vec![
            (QueryMode::Hybrid, Some(FusionAlgorithm::Rrf)),
            (QueryMode::Hybrid, Some(FusionAlgorithm::Dbsf)),
            (QueryMode::Dense, None),
            (QueryMode::Sparse, None),
        ]
    } else {
        let mode = args.retrieval.mode;
        vec![(
            mode,
            (mode == QueryMode::Hybrid).then_some(args.retrieval.fusion),
        )]
    };
    let knowledge = args.index.knowledge();
    let top_k = args.retrieval.top_k;
    let mut runs = Vec::new();
    for (mode, fusion) in configs {
        let mut rankings = Vec::new();
        for q in &questions {
            let passages: Vec<Passage> = retrying("query-data", || {
                knowledge.search(&q.question, top_k, mode, fusion.unwrap_or_default())
            })
            .await
            .context("searching")?;
            rankings.push(Ranking {
                ranked: dedup_sources(passages.into_iter().map(|p| p.source)),
                expected: q.expected.clone(),
            });
        }
        let results: Vec<QuestionResult> = questions
            .iter()
            .zip(&rankings)
            .map(|(q, r)| QuestionResult {
                question: q.question.clone(),
                expected: q.expected.clone(),
                ranked: r.ranked.clone(),
                rank: r.first_hit(),
                note: q.note.clone(),
            })
            .collect();
        runs.push(Run {
            label: label(mode, fusion),
            mode,
            fusion,
            recall_at_1: recall_at(&rankings, 1),
            recall_at_5: recall_at(&rankings, 5),
            mrr: mrr(&rankings),
            misses: misses(&rankings, top_k as usize)
                .into_iter()
                .map(|i| results[i].clone())
                .collect(),
            results,
        });
    }
    if args.json {
        let report = json!({
            "app": args.index.app,
            "questions": questions.len(),
            "topK": top_k,
            "runs": runs,
        });
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!(
            "{}",
            human_report(&args.index.app, questions.len(), top_k, &runs)
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn human_report(app: &str, questions: usize, top_k: u32, runs: &[Run]) -> String {
    let mut out = format!(
        "{questions} questions against {app}, top {top_k} chunks per question, hits deduplicated by source\n\n"
    );
    out.push_str(&format!(
        "{:<14}{:>10}{:>10}{:>8}{:>8}\n",
        "config", "recall@1", "recall@5", "MRR", "misses"
    ));
    for run in runs {
        out.push_str(&format!(
            "{:<14}{:>10.3}{:>10.3}{:>8.3}{:>8}\n",
            run.label,
            run.recall_at_1,
            run.recall_at_5,
            run.mrr,
            run.misses.len()
        ));
    }
    // Misses grouped by question, with the configs that missed it.
    let mut missed: BTreeMap<&str, (Vec<&str>, &QuestionResult)> = BTreeMap::new();
    for run in runs {
        for miss in &run.misses {
            missed
                .entry(miss.question.as_str())
                .or_insert_with(|| (Vec::new(), miss))
                .0
                .push(&run.label);
        }
    }
    if !missed.is_empty() {
        out.push('\n');
    }
    for (question, (labels, miss)) in missed {
        let got = if miss.ranked.is_empty() {
            "nothing".to_owned()
        } else {
            miss.ranked.join(", ")
        };
        let which = if runs.len() > 1 {
            format!(" [{}]", labels.join(", "))
        } else {
            String::new()
        };
        out.push_str(&format!(
            "MISS{which} {question:?}: expected {}; got {got}{}\n",
            miss.expected.join(" or "),
            miss.note
                .as_deref()
                .map(|n| format!(" ({n})"))
                .unwrap_or_default()
        ));
    }
    out
}
