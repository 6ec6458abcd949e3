//! The `skill` binary against a live SDK endpoint served in-process.

use std::process::{Command, Output, Stdio};
use std::sync::Arc;

use chrono::TimeZone;
use serde_json::{json, Value};
use support_sdk::action::*;
use support_sdk::types::*;
use support_sdk::{async_trait, IntegrationError, Result, SupportHandler, SupportIntegration};

const SECRET: &str = "cli-test-secret";

struct App;

#[async_trait]
impl SupportIntegration for App {
    async fn lookup_user(&self, email: &str) -> Result<Option<User>> {
        Ok((email == "dana@example.com").then(|| User {
            id: "usr_dana".into(),
            email: email.into(),
            name: None,
            created_at: chrono::Utc
                .with_ymd_and_hms(2024, 1, 15, 10, 30, 0)
                .unwrap(),
        }))
    }
    async fn get_purchases(&self, _user_id: &str) -> Result<Vec<Purchase>> {
        Ok(vec![])
    }
    async fn revoke_access(&self, p: RevokeAccessParams) -> Result<ActionResult> {
        Ok(ActionResult::failed(format!(
            "purchase {} not found",
            p.purchase_id
        )))
    }
    async fn transfer_purchase(&self, _p: TransferPurchaseParams) -> Result<ActionResult> {
        Ok(ActionResult::failed("not found"))
    }
    async fn generate_magic_link(&self, p: MagicLinkParams) -> Result<MagicLink> {
        Err(IntegrationError::bad_request(format!(
            "no user with email {}",
            p.email
        )))
    }
    async fn get_refund_policy(&self) -> Result<RefundPolicy> {
        Err(IntegrationError::failed("policy store offline"))
    }
}

/// Serve the fake app on a background thread; returns the endpoint URL.
fn serve() -> String {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            let handler = Arc::new(SupportHandler::new(App, SECRET));
            axum::serve(
                listener,
                support_sdk::adapters::axum::router("/api/support", handler),
            )
            .await
            .unwrap();
        });
    });
    format!("http://{}/api/support", rx.recv().unwrap())
}

fn skill(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_skill"))
        .args(args)
        .env_remove("SUPPORT_WEBHOOK_SECRET")
        .stdin(Stdio::null())
        .output()
        .expect("skill runs")
}

fn stdout_json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

#[test]
fn sign_prints_the_header_for_a_body() {
    let out = skill(&[
        "sign",
        "--secret",
        SECRET,
        "--timestamp",
        "1700000000",
        "--body",
        r#"{"action":"getAppInfo"}"#,
    ]);
    assert!(out.status.success());
    let expected = support_signing::sdk::sign(
        SECRET.as_bytes(),
        1_700_000_000,
        br#"{"action":"getAppInfo"}"#,
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), expected);

    let out = skill(&[
        "sign",
        "--secret",
        SECRET,
        "--timestamp",
        "1700000000",
        "--body",
        "x",
        "--json",
    ]);
    assert_eq!(stdout_json(&out)["timestamp"], 1_700_000_000);
}

#[test]
fn sign_reads_the_body_from_stdin_and_the_secret_from_the_environment() {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_skill"))
        .args(["sign", "--timestamp", "42"])
        .env("SUPPORT_WEBHOOK_SECRET", SECRET)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"hello").unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        support_signing::sdk::sign(SECRET.as_bytes(), 42, b"hello")
    );
}

#[test]
fn sdk_call_prints_the_apps_answer() {
    let url = serve();
    let out = skill(&[
        "sdk",
        "call",
        &url,
        "--secret",
        SECRET,
        "--action",
        "lookupUser",
        "--params",
        r#"{"email":"dana@example.com"}"#,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stdout_json(&out)["id"], "usr_dana");

    let out = skill(&[
        "sdk",
        "call",
        &url,
        "--secret",
        SECRET,
        "--action",
        "lookupUser",
        "--params",
        r#"{"email":"x@y.z"}"#,
    ]);
    assert!(out.status.success());
    assert_eq!(stdout_json(&out), Value::Null);
}

#[test]
fn sdk_call_exits_non_zero_on_errors() {
    let url = serve();
    let out = skill(&[
        "sdk",
        "call",
        &url,
        "--secret",
        SECRET,
        "--action",
        "getSubscriptions",
        "--params",
        r#"{"userId":"u"}"#,
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stdout_json(&out),
        json!({"error": "Method not implemented: getSubscriptions"})
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("HTTP 501"));

    let out = skill(&[
        "sdk",
        "call",
        &url,
        "--secret",
        "wrong",
        "--action",
        "getAppInfo",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout_json(&out), json!({"error": "Invalid signature"}));

    let out = skill(&[
        "sdk",
        "call",
        &url,
        "--secret",
        SECRET,
        "--action",
        "dropTables",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown action \"dropTables\""));

    let out = skill(&[
        "sdk",
        "call",
        &url,
        "--secret",
        SECRET,
        "--action",
        "lookupUser",
        "--params",
        "[]",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--params must be a JSON object"));
}

#[test]
fn health_reports_every_method() {
    let url = serve();
    let out = skill(&[
        "health",
        &url,
        "--secret",
        SECRET,
        "--email",
        "dana@example.com",
        "--json",
    ]);
    let report = stdout_json(&out);
    let outcome = |name: &str| {
        report["methods"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["action"] == name)
            .unwrap()["outcome"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(report["methods"].as_array().unwrap().len(), 18);
    assert_eq!(outcome("lookupUser"), "implemented");
    assert_eq!(outcome("revokeAccess"), "implemented");
    assert_eq!(outcome("generateMagicLink"), "implemented_rejected_probe");
    assert_eq!(outcome("getSubscriptions"), "not_implemented");
    assert_eq!(outcome("getRefundPolicy"), "error");
    // An optional method failing makes the endpoint unhealthy.
    assert_eq!(report["healthy"], false);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn health_with_a_wrong_secret_is_unhealthy_and_read_only_skips_mutations() {
    let url = serve();
    let out = skill(&["health", &url, "--secret", "wrong", "--json", "--read-only"]);
    let report = stdout_json(&out);
    assert_eq!(out.status.code(), Some(1));
    for m in report["methods"].as_array().unwrap() {
        let expected = if Action::from_name(m["action"].as_str().unwrap())
            .unwrap()
            .is_mutation()
        {
            "skipped"
        } else {
            "unauthorized"
        };
        assert_eq!(m["outcome"], expected, "{m}");
    }
}

#[test]
fn health_text_output_names_each_method() {
    let url = serve();
    let out = skill(&["health", &url, "--secret", SECRET]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("lookupUser"), "{text}");
    assert!(text.contains("not implemented"));
    assert!(text.trim_end().ends_with("UNHEALTHY"));
}
