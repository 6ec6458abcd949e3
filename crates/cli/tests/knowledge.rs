//! `skill knowledge` and `skill eval retrieval` against the devkit's Upstash Vector
//! stand-in, started in-process: what each run sends, and that a re-run sends nothing.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Arc;

use serde_json::{json, Value};
use support_devkit::upstash::UpstashConfig;
use support_knowledge::faq::{learned_chunk, FaqEntry};
use support_knowledge::{Origin, VectorIndex};

const TOKEN: &str = "test-upstash-token-for-the-cli";

struct Stand {
    devkit: support_devkit::Running,
    http: reqwest::Client,
}

impl Stand {
    async fn start() -> Self {
        let config = support_devkit::Config {
            upstash: UpstashConfig {
                token: Some(TOKEN.into()),
                readonly_token: None,
            },
            ..Default::default()
        };
        let devkit = support_devkit::start("127.0.0.1:0".parse().unwrap(), &config)
            .await
            .unwrap();
        Self {
            devkit,
            http: reqwest::Client::new(),
        }
    }

    fn url(&self) -> String {
        format!("{}/upstash", self.devkit.url())
    }

    /// `skill` with the index in the environment, on a blocking thread.
    async fn skill(&self, args: &[&str]) -> Output {
        self.skill_with_token(args, TOKEN).await
    }

    async fn skill_with_token(&self, args: &[&str], token: &str) -> Output {
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        let url = self.url();
        let token = token.to_owned();
        tokio::task::spawn_blocking(move || {
            Command::new(env!("CARGO_BIN_EXE_skill"))
                .args(&args)
                .env("UPSTASH_VECTOR_REST_URL", url)
                .env("UPSTASH_VECTOR_REST_TOKEN", token)
                .stdin(Stdio::null())
                .output()
                .expect("skill runs")
        })
        .await
        .unwrap()
    }

    /// The API calls since the last call, as (command, namespace, body); then forgets them.
    async fn take_requests(&self) -> Vec<(String, String, Value)> {
        let url = format!("{}/_devkit/upstash/requests", self.devkit.url());
        let all: Vec<Value> = self
            .http
            .get(&url)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        self.http.delete(&url).send().await.unwrap();
        all.into_iter()
            .map(|r| {
                (
                    r["command"].as_str().unwrap().to_owned(),
                    r["namespace"].as_str().unwrap().to_owned(),
                    r["body"].clone(),
                )
            })
            .collect()
    }

    async fn fail_next(&self, plan: Value) {
        let status = self
            .http
            .post(format!("{}/_devkit/upstash/fail", self.devkit.url()))
            .json(&plan)
            .send()
            .await
            .unwrap()
            .status();
        assert!(status.is_success());
    }
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn json_of(out: &Output) -> Value {
    serde_json::from_str(&ok(out)).expect("JSON output")
}

fn ids(value: &Value) -> Vec<String> {
    let mut ids: Vec<String> = value
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

/// Ids sent in the `upsert-data` calls of `requests`.
fn upserted(requests: &[(String, String, Value)]) -> Vec<String> {
    let mut ids: Vec<String> = requests
        .iter()
        .filter(|(command, _, _)| command == "upsert-data")
        .flat_map(|(_, _, body)| body.as_array().unwrap().iter())
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

fn commands(requests: &[(String, String, Value)]) -> Vec<&str> {
    requests.iter().map(|(c, _, _)| c.as_str()).collect()
}

/// A fresh docs directory.
fn corpus(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("skill-knowledge-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("technical")).unwrap();
    std::fs::write(
        dir.join("refunds.md"),
        "---\ntitle: Refund policy\nurl: https://example.com/refunds\n---\n\n# Refund policy\n\n\
         ## Refund window\n\nYou can get a full refund within 30 days of purchase, no questions asked.\n\n\
         ## Team licences\n\nTeam licences are refunded pro rata for unclaimed seats.\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("technical/video.md"),
        "# Video playback\n\n## Captions\n\nEvery lesson video has English captions.\n\n\
         ## Buffering\n\nIf a video buffers, lower the quality in the player settings.\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("faq.json"),
        r#"[{"question": "Who teaches the course?", "answer": "Matt Pocock teaches every lesson."},
            {"question": "Is there a student discount?", "answer": "Students get 50% off with a school email."}]"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("notes.txt"),
        "Support hours are 9 to 5 UTC on weekdays.",
    )
    .unwrap();
    std::fs::write(dir.join("logo.png"), [0x89, b'P', b'N', b'G']).unwrap();
    std::fs::write(dir.join("config.yaml"), "title: not a FAQ list\n").unwrap();
    dir
}

fn path(dir: &Path) -> &str {
    dir.to_str().unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn ingest_syncs_incrementally_and_keeps_learned_answers() {
    let stand = Stand::start().await;
    let docs = corpus("sync");
    let app = "app_sync";

    // A learned answer already in the namespace, written the way the platform writes it.
    let index = VectorIndex::new(
        stand.url(),
        TOKEN,
        Arc::new(support_http::ReqwestTransport::new()),
    );
    let learned = learned_chunk(
        "01HLEARNED",
        &FaqEntry {
            question: "Can I pay with PayPal?".into(),
            answer: "Yes, PayPal works at checkout.".into(),
            url: None,
        },
    );
    index
        .upsert_data(app, &[learned.record(Origin::Learned)])
        .await
        .unwrap();
    stand.take_requests().await;

    // First ingest: everything is new; unsupported files are noted, not fatal.
    let out = stand
        .skill(&["knowledge", "ingest", path(&docs), "--app", app, "--json"])
        .await;
    let report = json_of(&out);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("note: skipped logo.png: not a supported type"),
        "{stderr}"
    );
    assert!(
        stderr.contains("note: skipped config.yaml: not a FAQ list"),
        "{stderr}"
    );
    let all = [
        "faq.json#0",
        "faq.json#1",
        "notes.txt#0",
        "refunds.md#0",
        "refunds.md#1",
        "technical/video.md#0",
        "technical/video.md#1",
    ];
    assert_eq!(ids(&report["added"]), all);
    assert_eq!(report["chunks"], 7);
    assert_eq!(report["deleted"], json!([]));
    let requests = stand.take_requests().await;
    assert_eq!(commands(&requests), ["range", "upsert-data"]);
    assert_eq!(upserted(&requests), all);
    assert!(requests.iter().all(|(_, ns, _)| ns == app));
    let first = &requests[1].2[0];
    assert_eq!(first["metadata"]["origin"], "ingest");
    assert_eq!(first["metadata"]["kind"], "faq");

    // Again, unchanged: nothing but the range read.
    let text = ok(&stand
        .skill(&["knowledge", "ingest", path(&docs), "--app", app])
        .await);
    assert!(
        text.contains("0 to add, 0 to change, 0 to delete, 7 unchanged"),
        "{text}"
    );
    assert!(
        text.contains("7 chunks: 0 added, 0 changed, 0 deleted, 7 unchanged in "),
        "{text}"
    );
    assert!(text.contains(" chunks/s)"), "{text}");
    assert_eq!(commands(&stand.take_requests().await), ["range"]);

    // One section changes: only its chunk is sent.
    let refunds = docs.join("refunds.md");
    let changed = std::fs::read_to_string(&refunds)
        .unwrap()
        .replace("pro rata", "in full");
    std::fs::write(&refunds, changed).unwrap();
    let text = ok(&stand
        .skill(&["knowledge", "ingest", path(&docs), "--app", app])
        .await);
    assert!(text.contains("~ refunds.md#1\n"), "{text}");
    assert!(
        text.contains("0 to add, 1 to change, 0 to delete, 6 unchanged"),
        "{text}"
    );
    let requests = stand.take_requests().await;
    assert_eq!(upserted(&requests), ["refunds.md#1"]);

    // A file removed: its chunks go, the learned answer stays.
    std::fs::remove_file(docs.join("technical/video.md")).unwrap();
    let report = json_of(
        &stand
            .skill(&["knowledge", "ingest", path(&docs), "--app", app, "--json"])
            .await,
    );
    assert_eq!(
        ids(&report["deleted"]),
        ["technical/video.md#0", "technical/video.md#1"]
    );
    assert_eq!(report["unchanged"], 5);
    let requests = stand.take_requests().await;
    assert_eq!(commands(&requests), ["range", "delete"]);
    assert_eq!(
        requests[1].2,
        json!({"ids": ["technical/video.md#0", "technical/video.md#1"]})
    );

    // A dry run prints the plan and sends nothing but the read.
    std::fs::write(docs.join("new.md"), "# New\n\nFresh text.").unwrap();
    let text = ok(&stand
        .skill(&[
            "knowledge",
            "ingest",
            path(&docs),
            "--app",
            app,
            "--dry-run",
        ])
        .await);
    assert!(text.contains("+ new.md#0\n"), "{text}");
    assert!(text.contains("dry run: nothing sent"), "{text}");
    assert_eq!(commands(&stand.take_requests().await), ["range"]);

    // One file, relative to the directory: only that source is in scope.
    let report = json_of(
        &stand
            .skill(&[
                "knowledge",
                "ingest",
                path(&docs.join("new.md")),
                "--root",
                path(&docs),
                "--app",
                app,
                "--json",
            ])
            .await,
    );
    assert_eq!(ids(&report["added"]), ["new.md#0"]);
    assert_eq!(report["deleted"], json!([]));
    assert_eq!(report["unchanged"], 0);
    stand.take_requests().await;

    // The listing shows both origins.
    let rows = json_of(
        &stand
            .skill(&["knowledge", "list", "--app", app, "--json"])
            .await,
    );
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 7);
    let learned_row = rows
        .iter()
        .find(|r| r["id"] == "learned/01HLEARNED")
        .unwrap();
    assert_eq!(learned_row["origin"], "learned");
    let text = ok(&stand.skill(&["knowledge", "list", "--app", app]).await);
    assert!(
        text.contains("refunds.md#1  refunds.md  Team licences  ingest\n"),
        "{text}"
    );

    // Search cites the section.
    let hits = json_of(
        &stand
            .skill(&[
                "knowledge",
                "search",
                "refund for team seats",
                "--app",
                app,
                "--json",
                "--top-k",
                "3",
            ])
            .await,
    );
    let hits = hits.as_array().unwrap();
    assert!(hits.len() <= 3 && !hits.is_empty());
    assert_eq!(hits[0]["id"], "refunds.md#1", "{hits:?}");
    assert_eq!(hits[0]["citation"], "Refund policy § Team licences");
    assert_eq!(hits[0]["rank"], 1);
    assert_eq!(
        hits[0]["text"],
        "Team licences are refunded in full for unclaimed seats."
    );
    let text = ok(&stand
        .skill(&[
            "knowledge",
            "search",
            "captions",
            "--app",
            app,
            "--mode",
            "sparse",
        ])
        .await);
    assert_eq!(text, "no results\n", "video.md was deleted");
    let requests = stand.take_requests().await;
    assert_eq!(
        commands(&requests),
        ["range", "range", "query-data", "query-data"]
    );
    assert_eq!(requests[3].2["queryMode"], "SPARSE");
    assert!(requests[3].2.get("fusionAlgorithm").is_none());

    // Delete by source, by id, then every ingested chunk: the learned answer stays.
    let text = ok(&stand
        .skill(&[
            "knowledge",
            "delete",
            "--app",
            app,
            "--source",
            "refunds.md",
        ])
        .await);
    assert_eq!(text, format!("deleted 2 chunks from {app}\n"));
    let text = ok(&stand
        .skill(&[
            "knowledge",
            "delete",
            "--app",
            app,
            "--id",
            "faq.json#0",
            "--id",
            "nope",
        ])
        .await);
    assert_eq!(text, format!("deleted 1 chunks from {app}\n"));
    let text = ok(&stand
        .skill(&["knowledge", "delete", "--app", app, "--all"])
        .await);
    assert_eq!(text, format!("deleted 3 chunks from {app}\n"));
    let rows = json_of(
        &stand
            .skill(&["knowledge", "list", "--app", app, "--json"])
            .await,
    );
    assert_eq!(
        rows.as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["learned/01HLEARNED"]
    );
    std::fs::remove_dir_all(docs).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn rate_limits_are_retried_and_errors_exit_non_zero() {
    let stand = Stand::start().await;
    let docs = corpus("retry");
    let app = "app_retry";

    stand
        .fail_next(
            json!({"status": 429, "times": 2, "path_prefix": "/upsert-data", "retry_after": 0}),
        )
        .await;
    let out = stand
        .skill(&["knowledge", "ingest", path(&docs), "--app", app])
        .await;
    let text = ok(&out);
    assert!(text.contains("7 chunks: 7 added"), "{text}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr.matches("upsert-data: Upstash Vector rate limited the request (retry after 0 s); retrying in 0 s").count(),
        2,
        "{stderr}"
    );
    let requests = stand.take_requests().await;
    assert_eq!(
        commands(&requests),
        ["range", "upsert-data", "upsert-data", "upsert-data"]
    );

    // A wrong token fails, without printing it.
    let out = stand
        .skill_with_token(&["knowledge", "list", "--app", app], "wrong-token-value")
        .await;
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("Upstash Vector refused the token"),
        "{stderr}"
    );
    assert!(!stderr.contains("wrong-token-value"), "{stderr}");

    // A missing path, an empty app, a file that gives nothing.
    let out = stand
        .skill(&["knowledge", "ingest", "/nonexistent/docs", "--app", app])
        .await;
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/docs"));
    let out = stand.skill(&["knowledge", "list", "--app", ""]).await;
    assert!(!out.status.success());
    let out = stand
        .skill(&[
            "knowledge",
            "ingest",
            path(&docs.join("config.yaml")),
            "--root",
            path(&docs),
            "--app",
            app,
        ])
        .await;
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("config.yaml gives no chunks"));
    std::fs::remove_dir_all(docs).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn eval_retrieval_reports_recall_and_mrr() {
    let stand = Stand::start().await;
    let docs = corpus("eval");
    let app = "app_eval";
    ok(&stand
        .skill(&["knowledge", "ingest", path(&docs), "--app", app])
        .await);
    let questions = docs.join("eval.json");
    std::fs::write(
        &questions,
        json!([
            {"question": "Do the lesson videos have captions?", "expected": ["technical/video.md"]},
            {"question": "Who teaches the course?", "expected": ["faq.json"]},
            {"question": "refund for team seats", "expected": ["refunds.md"]},
            {"question": "zebra quantum marmalade", "expected": ["notes.txt"], "note": "matches nothing"}
        ])
        .to_string(),
    )
    .unwrap();
    stand.take_requests().await;

    let out = stand
        .skill(&["eval", "retrieval", path(&questions), "--app", app])
        .await;
    let text = ok(&out);
    assert!(
        text.starts_with("4 questions against app_eval, top 5 chunks per question"),
        "{text}"
    );
    assert!(
        text.contains("config          recall@1  recall@5     MRR  misses\n"),
        "{text}"
    );
    assert!(
        text.contains("HYBRID+RRF         0.750     0.750   0.750       1\n"),
        "{text}"
    );
    // Dense retrieval always answers something, just not the right page.
    assert!(
        text.contains("MISS \"zebra quantum marmalade\": expected notes.txt; got "),
        "{text}"
    );
    assert!(text.ends_with(" (matches nothing)\n"), "{text}");
    let requests = stand.take_requests().await;
    assert_eq!(requests.len(), 4);
    assert_eq!(
        requests[0].2,
        json!({"data": "Do the lesson videos have captions?", "topK": 5, "includeMetadata": true,
               "includeData": true, "queryMode": "HYBRID", "fusionAlgorithm": "RRF"})
    );

    let report = json_of(
        &stand
            .skill(&[
                "eval",
                "retrieval",
                path(&questions),
                "--app",
                app,
                "--compare",
                "--json",
            ])
            .await,
    );
    let runs = report["runs"].as_array().unwrap();
    let labels: Vec<&str> = runs.iter().map(|r| r["label"].as_str().unwrap()).collect();
    assert_eq!(labels, ["HYBRID+RRF", "HYBRID+DBSF", "DENSE", "SPARSE"]);
    for run in runs {
        assert_eq!(run["results"].as_array().unwrap().len(), 4);
        assert!(run["recallAt5"].as_f64().unwrap() >= run["recallAt1"].as_f64().unwrap());
        assert!(run["misses"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["question"] == "zebra quantum marmalade"));
    }
    assert_eq!(runs[2]["fusion"], Value::Null);
    assert_eq!(report["questions"], 4);
    let requests = stand.take_requests().await;
    assert_eq!(requests.len(), 16);
    assert_eq!(requests[12].2["queryMode"], "SPARSE");

    // Low scores are not an error; a broken file is.
    std::fs::write(&questions, r#"[{"question": "x"}]"#).unwrap();
    let out = stand
        .skill(&["eval", "retrieval", path(&questions), "--app", app])
        .await;
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("eval.json"));
    std::fs::remove_dir_all(docs).unwrap();
}
