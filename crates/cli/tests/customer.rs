//! `skill customer write` against the devkit's Front stand-in, served in-process.

use std::process::{Command, Output, Stdio};

use serde_json::Value;

/// A devkit with the dev seed on a background thread; returns its base URL and a handle
/// that keeps it running.
fn devkit() -> (String, std::sync::mpsc::Sender<()>) {
    let (url_tx, url_rx) = std::sync::mpsc::channel();
    let (stop_tx, stop_rx) = std::sync::mpsc::channel::<()>();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let config = support_devkit::Config {
                front_seed: support_devkit::front::Seed::dev(),
                front_api_token: Some("cli-token".into()),
                ..Default::default()
            };
            let running = support_devkit::start("127.0.0.1:0".parse().unwrap(), &config)
                .await
                .unwrap();
            url_tx.send(running.url()).unwrap();
            // Serve until the test drops its sender.
            tokio::task::spawn_blocking(move || stop_rx.recv())
                .await
                .ok();
            drop(running);
        });
    });
    (url_rx.recv().unwrap(), stop_tx)
}

fn skill(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_skill"))
        .args(args)
        .env_remove("FRONT_API_URL")
        .env_remove("FRONT_API_TOKEN")
        .stdin(Stdio::null())
        .output()
        .expect("skill runs")
}

fn state(base: &str) -> Value {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        reqwest::get(format!("{base}/_devkit/front/state"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    })
}

#[test]
fn customer_write_sends_a_custom_message_and_prints_its_uid() {
    let (base, _keep) = devkit();
    let front = format!("{base}/front");
    let write = |subject: &str, extra: &[&str]| {
        let mut args = vec![
            "customer",
            "write",
            "--channel",
            "cha_dev",
            "--from",
            "dana@example.com",
            "--name",
            "Dana Lee",
            "--subject",
            subject,
            "--body",
            "I want a refund.",
            "--front-url",
            &front,
            "--token",
            "cli-token",
        ];
        args.extend_from_slice(extra);
        skill(&args)
    };

    let out = write("Refund", &["--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let answer: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(answer["status"], "accepted");
    let uid = answer["messageUid"].as_str().unwrap().to_owned();

    let first = write("Login", &["--thread-ref", "t-9"]);
    let second = write("Login", &["--thread-ref", "t-9"]);
    let plain = String::from_utf8_lossy(&second.stdout).trim().to_owned();
    assert!(first.status.success() && second.status.success());
    assert!(
        !plain.is_empty() && !plain.contains(' '),
        "bare uid: {plain:?}"
    );

    let state = state(&base);
    let messages = state["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 3);
    let by_uid = |uid: &str| {
        messages
            .iter()
            .find(|m| m["message_uid"] == uid)
            .unwrap()
            .clone()
    };
    let refund = by_uid(&uid);
    assert_eq!(refund["text"], "I want a refund.");
    assert_eq!(refund["recipients"][0]["handle"], "dana@example.com");
    assert_eq!(refund["recipients"][0]["name"], "Dana Lee");
    let first_uid = String::from_utf8_lossy(&first.stdout).trim().to_owned();
    assert_eq!(
        by_uid(&first_uid)["conversation_id"],
        by_uid(&plain)["conversation_id"],
        "the same thread ref, the same conversation"
    );
    assert_ne!(refund["conversation_id"], by_uid(&plain)["conversation_id"]);
}

#[test]
fn customer_write_fails_loudly_when_front_refuses() {
    let (base, _keep) = devkit();
    let front = format!("{base}/front");
    let common = [
        "--from",
        "dana@example.com",
        "--subject",
        "Hi",
        "--body",
        "Hello",
        "--front-url",
        &front,
    ];

    let mut args = vec![
        "customer",
        "write",
        "--channel",
        "cha_nope",
        "--token",
        "cli-token",
    ];
    args.extend_from_slice(&common);
    let out = skill(&args);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("not found") && stderr.contains("cha_nope"),
        "{stderr}"
    );

    let mut args = vec!["customer", "write", "--token", "wrong-token"];
    args.extend_from_slice(&common);
    let out = skill(&args);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("401"), "{stderr}");
    assert!(
        !stderr.contains("wrong-token"),
        "the token stays out of errors: {stderr}"
    );
    assert!(state(&base)["messages"].as_array().unwrap().is_empty());
}
