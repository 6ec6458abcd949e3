//! `skill doctor` against a small fake platform served in-process: its lines, its JSON,
//! its exit code, and that no secret it was given comes back out.

use std::process::{Command, Output, Stdio};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};
use support_signing::{Clock, SystemClock};

const ADMIN_TOKEN: &str = "doctor-test-admin-token-0123";
const SIGNING_KEY: &str = "signkey-test-5eb1a2c3d4e5f60718293a4b5c6d7e8f";

/// What the fake platform answers.
#[derive(Clone)]
struct Platform {
    /// No secrets: `/api/inngest` is 503 and the admin routes 404.
    closed: bool,
    /// `/admin/doctor`'s answer.
    doctor: Value,
}

fn healthy_report() -> Value {
    json!({
        "database": "d1",
        "ok": true,
        "settings": [
            {"name": "ADMIN_TOKEN", "set": true, "closes": "the admin routes do not exist"},
            {"name": "FRONT_API_TOKEN", "set": true, "closes": "the pipeline cannot read"},
            {"name": "UPSTASH_VECTOR_REST_URL", "set": false, "closes": "knowledge is off", "optional": true}
        ],
        "checks": [
            {"name": "database", "ok": true, "detail": "d1 answers; 1 apps registered"},
            {"name": "front", "ok": true, "detail": "token works (Acme)"},
            {"name": "slack", "ok": true, "detail": "auth.test: bot support in Acme"},
            {"name": "stripe:total-typescript", "ok": true, "detail": "the connected account takes charges"},
            {"name": "sdk:total-typescript", "ok": true, "detail": "healthy: 12 of 12 read methods implemented"}
        ]
    })
}

async fn healthz() -> Json<Value> {
    Json(
        json!({"status": "ok", "service": "support-platform", "version": "0.1.0", "database": "d1"}),
    )
}

async fn inngest(State(platform): State<Platform>, headers: HeaderMap) -> Response {
    if platform.closed {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"error": "Inngest serving is not configured: set INNGEST_SIGNING_KEY (or INNGEST_DEV=1 for a local executor)"})),
        )
            .into_response();
    }
    let signature = headers
        .get("x-inngest-signature")
        .and_then(|v| v.to_str().ok());
    let mut body = json!({
        "authentication_succeeded": null, "function_count": 14, "has_event_key": true,
        "has_signing_key": true, "has_signing_key_fallback": false, "mode": "cloud",
        "schema_version": "2024-05-24",
    });
    let verified = signature.map(|s| {
        support_signing::inngest::verify(Some(s), b"", &[SIGNING_KEY], &SystemClock).is_ok()
    });
    if let Some(verified) = verified {
        body["authentication_succeeded"] = json!(verified);
    }
    let raw = serde_json::to_vec(&body).unwrap();
    let mut response = (StatusCode::OK, raw.clone()).into_response();
    if verified == Some(true) {
        let back = support_signing::inngest::sign(SIGNING_KEY, SystemClock.now_unix(), &raw);
        response
            .headers_mut()
            .insert("x-inngest-signature", back.parse().unwrap());
    }
    response
}

/// The refusal of an admin request, as the platform answers it; `None` when allowed.
fn refused(platform: &Platform, headers: &HeaderMap) -> Option<Response> {
    if platform.closed {
        return Some((StatusCode::NOT_FOUND, Json(json!({"error": "not found"}))).into_response());
    }
    let expected = format!("Bearer {ADMIN_TOKEN}");
    match headers.get("authorization").and_then(|v| v.to_str().ok()) {
        Some(given) if given == expected => None,
        _ => Some(
            (
                StatusCode::UNAUTHORIZED,
                Json(json!({"error": "missing or wrong admin token"})),
            )
                .into_response(),
        ),
    }
}

async fn doctor(State(platform): State<Platform>, headers: HeaderMap) -> Response {
    refused(&platform, &headers).unwrap_or_else(|| Json(platform.doctor.clone()).into_response())
}

async fn dead_letters(State(platform): State<Platform>, headers: HeaderMap) -> Response {
    refused(&platform, &headers).unwrap_or_else(|| Json(json!({"deadLetters": []})).into_response())
}

/// Serve the fake platform on a background thread; returns its URL.
fn serve(platform: Platform) -> String {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            let app = Router::new()
                .route("/healthz", get(healthz))
                .route("/api/inngest", get(inngest))
                .route("/admin/doctor", get(doctor))
                .route("/admin/dead-letters", get(dead_letters))
                .with_state(platform);
            axum::serve(listener, app).await.unwrap();
        });
    });
    format!("http://{}", rx.recv().unwrap())
}

/// `skill doctor` with a clean environment plus `env`.
fn doctor_cli(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_skill"));
    command
        .arg("doctor")
        .args(args)
        .env_remove("PLATFORM_URL")
        .env_remove("ADMIN_TOKEN")
        .env_remove("INNGEST_SIGNING_KEY")
        .stdin(Stdio::null());
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().expect("skill runs")
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn assert_no_secrets(output: &str) {
    for secret in [ADMIN_TOKEN, SIGNING_KEY, "5eb1a2c3d4e5f607"] {
        assert!(
            !output.contains(secret),
            "a secret in the output:\n{output}"
        );
    }
}

#[test]
fn a_healthy_platform_is_all_ok_and_exits_zero() {
    let url = serve(Platform {
        closed: false,
        doctor: healthy_report(),
    });
    let out = doctor_cli(
        &["--platform", &url, "--token", ADMIN_TOKEN],
        &[("INNGEST_SIGNING_KEY", SIGNING_KEY)],
    );
    let output = text(&out);
    assert_eq!(out.status.code(), Some(0), "{output}");
    for line in [
        "ok  healthz ",
        "support-platform 0.1.0, database d1",
        "ok  inngest ",
        "introspection: cloud mode, 14 functions, signing key yes, event key yes",
        "ok  inngest:signed ",
        "Inngest can call it",
        "ok  FRONT_API_TOKEN ",
        "--  UPSTASH_VECTOR_REST_URL ",
        "not set (optional): knowledge is off",
        "ok  front ",
        "token works (Acme)",
        "ok  sdk:total-typescript ",
        "everything is ok",
    ] {
        assert!(output.contains(line), "{line:?} missing from:\n{output}");
    }
    assert_no_secrets(&output);

    // The same as JSON, from the environment's URL and token.
    let out = doctor_cli(
        &["--json"],
        &[
            ("PLATFORM_URL", &url),
            ("ADMIN_TOKEN", ADMIN_TOKEN),
            ("INNGEST_SIGNING_KEY", SIGNING_KEY),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["ok"], true);
    assert_eq!(json["database"], "d1");
    assert_eq!(json["fixes"], 0);
    let names: Vec<&str> = json["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "database",
            "front",
            "slack",
            "stripe:total-typescript",
            "sdk:total-typescript"
        ]
    );
    assert_eq!(json["reachability"][2]["name"], "inngest:signed");
    assert_eq!(json["reachability"][2]["ok"], true);
    assert_no_secrets(&text(&out));
}

#[test]
fn failing_checks_and_missing_settings_say_what_to_fix_and_exit_one() {
    let mut report = healthy_report();
    report["settings"].as_array_mut().unwrap().push(
        json!({"name": "STRIPE_SECRET_KEY", "set": false, "closes": "refunds cannot execute"}),
    );
    report["checks"][2] = json!({"name": "slack", "ok": false, "detail": "auth.test: invalid_auth",
        "fix": "set SLACK_BOT_TOKEN to the Slack app's Bot User OAuth Token (xoxb-…)"});
    let url = serve(Platform {
        closed: false,
        doctor: report,
    });
    // No signing key in the environment: the signed check is skipped, not failed.
    let out = doctor_cli(&["--platform", &url, "--token", ADMIN_TOKEN], &[]);
    let output = text(&out);
    assert_eq!(out.status.code(), Some(1), "{output}");
    assert!(output.contains("--  inngest:signed "), "{output}");
    let slack = output
        .lines()
        .find(|l| l.starts_with("FIX slack "))
        .unwrap_or_else(|| panic!("no FIX slack line:\n{output}"));
    assert!(
        slack.ends_with("auth.test: invalid_auth → set SLACK_BOT_TOKEN to the Slack app's Bot User OAuth Token (xoxb-…)"),
        "{slack}"
    );
    let stripe = output
        .lines()
        .find(|l| l.starts_with("FIX STRIPE_SECRET_KEY "))
        .unwrap_or_else(|| panic!("no FIX STRIPE_SECRET_KEY line:\n{output}"));
    assert!(
        stripe.contains("not set: refunds cannot execute → set STRIPE_SECRET_KEY"),
        "{stripe}"
    );
    assert!(output.contains("2 things to fix"), "{output}");

    // A wrong signing key is not authenticated.
    let out = doctor_cli(
        &["--platform", &url, "--token", ADMIN_TOKEN],
        &[("INNGEST_SIGNING_KEY", "signkey-test-00000000")],
    );
    let output = text(&out);
    assert!(
        output.contains("FIX inngest:signed ") && output.contains("is not authenticated"),
        "{output}"
    );
    assert!(!output.contains("signkey-test-00000000"), "{output}");
}

#[test]
fn a_closed_platform_names_what_is_missing() {
    let url = serve(Platform {
        closed: true,
        doctor: Value::Null,
    });
    let out = doctor_cli(
        &["--platform", &url, "--token", ADMIN_TOKEN, "--json"],
        &[("INNGEST_SIGNING_KEY", SIGNING_KEY)],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["ok"], false);
    assert_eq!(json["database"], "d1");
    let fixes: Vec<&Value> = json["reachability"]
        .as_array()
        .unwrap()
        .iter()
        .chain(json["checks"].as_array().unwrap())
        .filter(|f| f["ok"] == false)
        .collect();
    let names: Vec<&str> = fixes.iter().map(|f| f["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["inngest", "inngest:signed", "admin"]);
    assert!(fixes[0]["fix"]
        .as_str()
        .unwrap()
        .contains("INNGEST_SIGNING_KEY"));
    assert!(fixes[2]["detail"]
        .as_str()
        .unwrap()
        .contains("ADMIN_TOKEN is not set"));
    assert_no_secrets(&text(&out));
}

#[test]
fn a_wrong_token_and_an_unreachable_platform_are_reported() {
    let url = serve(Platform {
        closed: false,
        doctor: healthy_report(),
    });
    let out = doctor_cli(&["--platform", &url, "--token", "not-the-token"], &[]);
    let output = text(&out);
    assert_eq!(out.status.code(), Some(1), "{output}");
    assert!(
        output.contains("FIX admin ") && output.contains("refused the admin token"),
        "{output}"
    );
    assert!(!output.contains("not-the-token"), "{output}");

    // Nothing listens on port 9 of the loopback.
    let out = doctor_cli(
        &["--platform", "http://127.0.0.1:9", "--token", ADMIN_TOKEN],
        &[],
    );
    let output = text(&out);
    assert_eq!(out.status.code(), Some(1), "{output}");
    assert!(
        output.contains("FIX healthz ") && output.contains("does not answer"),
        "{output}"
    );
    assert!(output.contains("1 thing to fix"), "{output}");
}
