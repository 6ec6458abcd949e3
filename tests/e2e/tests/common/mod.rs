//! Helpers for the platform's end-to-end tests: signed Front webhooks in, events seen
//! by the devkit's Inngest stand-in out.
#![allow(dead_code)]

pub mod flow;

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};
use support_testkit::front::{webhook, WebhookSpec};

pub fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!("{name} is not set: run the end-to-end tests through scripts/test")
    })
}

pub fn platform() -> String {
    env("PLATFORM_URL")
}

pub fn devkit() -> String {
    env("DEVKIT_URL")
}

pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// Ids unique to this test run and this call site.
pub fn unique(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    format!(
        "{prefix}_{}_{}",
        now_ms(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

pub fn inbound(conversation: &str, inbox: &str) -> (String, Value) {
    let event_id = unique("evt");
    let spec = WebhookSpec::inbound(&event_id, conversation, inbox, now_ms() as f64 / 1000.0);
    (event_id, webhook(&spec))
}

pub fn of_kind(kind: &str, conversation: &str, inbox: &str) -> (String, Value) {
    let event_id = unique("evt");
    let mut spec = WebhookSpec::inbound(&event_id, conversation, inbox, now_ms() as f64 / 1000.0);
    spec.kind = kind.into();
    spec.target_id = unique(if kind == "new_comment_added" {
        "com"
    } else {
        "msg"
    });
    (event_id, webhook(&spec))
}

pub struct Sent {
    pub status: u16,
    pub body: Value,
}

/// POST a body to the intake with the given headers.
pub async fn post_raw(body: Vec<u8>, headers: &[(&str, String)]) -> Sent {
    let mut request = reqwest::Client::new()
        .post(format!("{}/webhooks/front", platform()))
        .body(body);
    for (name, value) in headers {
        request = request.header(*name, value);
    }
    let response = request.send().await.expect("platform answers");
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(Value::Null);
    Sent { status, body }
}

/// Sign as a Front application webhook with `secret` at `ts_ms` and POST.
pub async fn post_signed_at(body: &Value, secret: &str, ts_ms: i64) -> Sent {
    let bytes = serde_json::to_vec(body).unwrap();
    let signature = support_signing::front::sign_app(secret.as_bytes(), ts_ms, &bytes);
    post_raw(
        bytes,
        &[
            ("x-front-signature", signature),
            ("x-front-request-timestamp", ts_ms.to_string()),
        ],
    )
    .await
}

pub async fn post_signed(body: &Value) -> Sent {
    post_signed_at(body, &env("FRONT_WEBHOOK_SECRET"), now_ms()).await
}

/// Every event the Inngest stand-in received with this Front event id.
pub async fn received(event_id: &str) -> Vec<Value> {
    let all: Vec<Value> = reqwest::get(format!("{}/_devkit/inngest/events", devkit()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    all.into_iter()
        .filter(|e| e["event"]["id"] == event_id)
        .collect()
}

/// Wait until the stand-in has the event, then return every copy it got.
pub async fn wait_for_event(event_id: &str, within: Duration) -> Vec<Value> {
    let deadline = Instant::now() + within;
    loop {
        let got = received(event_id).await;
        if !got.is_empty() || Instant::now() > deadline {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub async fn admin(path: &str) -> Value {
    reqwest::Client::new()
        .get(format!("{}{path}", platform()))
        .bearer_auth(env("ADMIN_TOKEN"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

pub async fn conversation(id: &str) -> Value {
    admin(&format!("/admin/conversations/{id}")).await
}

pub async fn devkit_control(path: &str, body: Value) {
    let r = reqwest::Client::new()
        .post(format!("{}{path}", devkit()))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "devkit {path}: {}", r.status());
}

pub fn no_secret_in(body: &Value) {
    let text = body.to_string();
    for name in [
        "FRONT_WEBHOOK_SECRET",
        "FRONT_WEBHOOK_SECRET_PREVIOUS",
        "INNGEST_EVENT_KEY",
        "ADMIN_TOKEN",
    ] {
        if let Ok(secret) = std::env::var(name) {
            assert!(
                secret.is_empty() || !text.contains(&secret),
                "response leaks {name}: {text}"
            );
        }
    }
}

pub fn json_error(sent: &Sent) -> &str {
    no_secret_in(&sent.body);
    sent.body["error"]
        .as_str()
        .unwrap_or_else(|| panic!("error body is JSON with an error: {}", sent.body))
}

pub fn inbox() -> &'static str {
    "inb_dev"
}

pub fn app_id() -> &'static str {
    "total-typescript"
}

pub fn empty() -> Value {
    json!({})
}

/// Register the platform's Inngest functions with the devkit's executor (a sync).
pub async fn inngest_sync() {
    let r = reqwest::Client::new()
        .put(format!("{}/api/inngest", platform()))
        .send()
        .await
        .unwrap();
    let status = r.status();
    let body: Value = r.json().await.unwrap_or(Value::Null);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["message"], "Successfully registered");
}

/// Every run the executor knows.
pub async fn runs() -> Vec<Value> {
    reqwest::get(format!("{}/_devkit/inngest/runs", devkit()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Wait until a run satisfies `found`, and return it.
pub async fn wait_for_run(found: impl Fn(&Value) -> bool, within: Duration, what: &str) -> Value {
    let deadline = Instant::now() + within;
    loop {
        if let Some(run) = runs().await.into_iter().find(|r| found(r)) {
            return run;
        }
        assert!(Instant::now() < deadline, "{what}: no such run");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// POST `len` bytes to `url` as a chunked stream (no `Content-Length`), with headers.
/// Returns the status and how many bytes the server let us send before answering.
pub async fn post_chunked(url: &str, len: usize, headers: &[(&str, String)]) -> (u16, Value) {
    let chunk = vec![b' '; 64 * 1024];
    let chunks = len.div_ceil(chunk.len());
    let stream =
        futures::stream::iter((0..chunks).map(move |_| Ok::<_, std::io::Error>(chunk.clone())));
    let mut request = reqwest::Client::new()
        .post(url)
        .timeout(Duration::from_secs(30))
        .body(reqwest::Body::wrap_stream(stream));
    for (name, value) in headers {
        request = request.header(*name, value);
    }
    match request.send().await {
        Ok(response) => {
            let status = response.status().as_u16();
            (status, response.json().await.unwrap_or(Value::Null))
        }
        // The server may close the connection once it has answered 413.
        Err(err) => panic!("no answer to a chunked body: {err}"),
    }
}

/// Run SQL against the platform's local D1 (as an operator would with wrangler).
///
/// The running worker writes to the same local SQLite file (the pipeline's audit rows,
/// say), so wrangler can find it locked for a moment: that is retried, as an operator
/// would, and nothing else is.
/// With the platform on PlanetScale (`PLATFORM_MYSQL_URL`, the MariaDB under the
/// stand-in, and `PLATFORM_MYSQL_DATABASE`), the SQL goes to that database instead,
/// through the `mariadb` client; the statements the tests use read the same in both.
pub fn d1_execute(sql: &str) {
    if let Ok(url) = std::env::var("PLATFORM_MYSQL_URL") {
        return mysql_execute(&url, &env("PLATFORM_MYSQL_DATABASE"), sql);
    }
    d1_command(
        "support-platform",
        &env("PLATFORM_CONFIG"),
        &env("PLATFORM_STATE_DIR"),
        sql,
        false,
    );
}

/// `sql` on `database` of the MySQL server at `url` (`mysql://user:password@host:port`).
fn mysql_execute(url: &str, database: &str, sql: &str) {
    let rest = url.strip_prefix("mysql://").expect("a mysql:// URL");
    let (credentials, address) = rest
        .trim_end_matches('/')
        .rsplit_once('@')
        .expect("user:password@host:port");
    let (user, password) = credentials.split_once(':').unwrap_or((credentials, ""));
    let (host, port) = address.split_once(':').unwrap_or((address, "3306"));
    let output = std::process::Command::new("mariadb")
        .args([
            "--no-defaults",
            "-h",
            host,
            "-P",
            port,
            "-u",
            user,
            database,
            "-e",
            sql,
        ])
        .env("MYSQL_PWD", password)
        .output()
        .expect("the mariadb client runs");
    assert!(
        output.status.success(),
        "mariadb failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// `wrangler d1 execute --local` of `sql` on a worker's local database, tried again while
/// the running worker holds SQLite's lock; its standard output.
pub fn d1_command(database: &str, config: &str, state_dir: &str, sql: &str, json: bool) -> Vec<u8> {
    let mut stderr = String::new();
    for attempt in 0..20 {
        let mut command = std::process::Command::new(env("WRANGLER"));
        command.args(["d1", "execute", database, "--local"]);
        if json {
            command.arg("--json");
        }
        let output = command
            .args([
                "--config",
                config,
                "--persist-to",
                state_dir,
                "--command",
                sql,
            ])
            .env("CI", "true")
            .output()
            .expect("wrangler runs");
        if output.status.success() {
            return output.stdout;
        }
        stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        if !stderr.contains("SQLITE_BUSY") && !stderr.contains("database is locked") {
            break;
        }
        std::thread::sleep(Duration::from_millis(100 * (attempt + 1)));
    }
    panic!("wrangler d1 execute failed: {stderr}");
}

/// The dead letters the platform holds (all of them, newest first).
pub async fn dead_letters() -> Vec<Value> {
    admin("/admin/dead-letters?all=1").await["deadLetters"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// Wait until `check` holds for the conversation's state, and return it.
pub async fn wait_for_state(
    id: &str,
    within: Duration,
    what: &str,
    check: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = Instant::now() + within;
    loop {
        let state = conversation(id).await;
        if check(&state) {
            return state;
        }
        assert!(Instant::now() < deadline, "{what}: {state}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Record a measured figure: printed, and appended to `$FIGURES_FILE` when set
/// (scripts/test prints that file at the end). Figures are never pass/fail checks.
pub fn figure(line: &str) {
    println!("FIGURE {line}");
    if let Ok(path) = std::env::var("FIGURES_FILE") {
        use std::io::Write;
        if let Ok(mut f) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
        {
            let _ = writeln!(f, "{line}");
        }
    }
}

/// `skill …` as an operator runs it against the platform (`PLATFORM_URL`,
/// `ADMIN_TOKEN`), with `stdin` on its standard input when given.
pub fn skill_output(args: &[&str], stdin: Option<&str>) -> std::process::Output {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(env("SKILL_BIN"))
        .args(args)
        .env("PLATFORM_URL", platform())
        .env("ADMIN_TOKEN", env("ADMIN_TOKEN"))
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("skill runs");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    }
    child.wait_with_output().expect("skill runs")
}

/// `skill …`, which must succeed: its standard output.
pub fn skill(args: &[&str]) -> String {
    let out = skill_output(args, None);
    assert!(
        out.status.success(),
        "skill {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}
