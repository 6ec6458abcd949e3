//! `skill eval routing` on the shipped scenarios and on broken ones.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::{json, Value};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/routing")
}

fn skill(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_skill"))
        .args(args)
        // The fast path alone unless a test points it at a model.
        .env_remove("ANTHROPIC_BASE_URL")
        .env_remove("ANTHROPIC_API_KEY")
        .stdin(Stdio::null())
        .output()
        .expect("skill runs")
}

fn eval_json(path: &Path) -> Value {
    let out = skill(&["eval", "routing", path.to_str().unwrap(), "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON report")
}

/// A fresh directory under the system's temp dir.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("skill-eval-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn shipped_scenarios_give_the_expected_numbers() {
    let report = eval_json(&fixtures());
    assert_eq!(report["total"], 12);
    assert_eq!(report["correct_category"], 9);
    assert_eq!(report["correct_action"], 11);
    assert_eq!(report["llm_fallback"], false);

    let actions = &report["per_action"];
    assert_eq!(
        actions["escalate_human"],
        json!({"precision": 0.75, "recall": 1.0, "support": 3})
    );
    assert_eq!(
        actions["escalate_instructor"],
        json!({"precision": 1.0, "recall": 0.5, "support": 2})
    );
    assert_eq!(
        actions["escalate_urgent"],
        json!({"precision": 1.0, "recall": 1.0, "support": 1})
    );
    assert_eq!(
        actions["respond"],
        json!({"precision": 1.0, "recall": 1.0, "support": 4})
    );
    assert_eq!(
        actions["silence"],
        json!({"precision": 1.0, "recall": 1.0, "support": 2})
    );

    let categories = &report["per_category"];
    assert_eq!(
        categories["support_refund"],
        json!({"precision": 1.0, "recall": 1.0, "support": 3})
    );
    assert_eq!(
        categories["fan_mail"],
        json!({"precision": null, "recall": 0.0, "support": 1})
    );
    assert_eq!(
        categories["unknown"],
        json!({"precision": 0.0, "recall": null, "support": 0})
    );
    assert_eq!(categories.as_object().unwrap().len(), 10);

    let misses = report["misses"].as_array().unwrap();
    let ids: Vec<&str> = misses.iter().map(|m| m["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        [
            "routing_fan_mail",
            "routing_presales_team",
            "routing_ambiguous"
        ]
    );
    assert_eq!(
        misses[2],
        json!({
            "id": "routing_ambiguous",
            "expectedCategory": "presales_consult",
            "gotCategory": "unknown",
            "expectedAction": "escalate_instructor",
            "gotAction": "escalate_human",
            "rule": "unknown_escalate"
        })
    );
}

#[test]
fn one_file_and_the_human_report() {
    let report = eval_json(&fixtures().join("07-legal-threat.json"));
    assert_eq!(
        (report["total"].as_u64(), report["correct_action"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(report["misses"], json!([]));

    let out = skill(&["eval", "routing", fixtures().to_str().unwrap()]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("MISS routing_ambiguous: category presales_consult -> unknown"),
        "{text}"
    );
    assert!(text.contains("category accuracy: 9/12 (75.0%)"), "{text}");
    assert!(text.contains("action accuracy:   11/12 (91.7%)"), "{text}");
    assert!(!text.contains("MISS routing_refund"), "{text}");
}

#[test]
fn instructor_names_can_be_configured() {
    // Without "matt" among the instructors, the fan mail is no longer personal.
    let out = skill(&[
        "eval",
        "routing",
        fixtures().join("08-fan-mail.json").to_str().unwrap(),
        "--json",
        "--instructor",
        "sarah",
    ]);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["misses"][0]["gotAction"], "escalate_human");
}

#[test]
fn broken_scenarios_are_errors_naming_the_file() {
    let cases = [
        ("not-json", "{ this is not json", "not a valid scenario"),
        (
            "missing-field",
            r#"{"id": "x", "trigger": {"subject": "", "body": "hi"}, "expectedCategory": "spam"}"#,
            "expectedAction",
        ),
        (
            "bad-category",
            r#"{"id": "x", "trigger": {"subject": "", "body": "hi"}, "expectedCategory": "voc", "expectedAction": "silence"}"#,
            "voc",
        ),
    ];
    for (name, content, hint) in cases {
        let dir = scratch(name);
        std::fs::write(
            dir.join("00-good.json"),
            std::fs::read(fixtures().join("01-refund.json")).unwrap(),
        )
        .unwrap();
        std::fs::write(dir.join(format!("{name}.json")), content).unwrap();
        std::fs::write(dir.join("notes.txt"), "not a scenario, ignored").unwrap();
        let out = skill(&["eval", "routing", dir.to_str().unwrap(), "--json"]);
        assert!(!out.status.success(), "{name}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(&format!("{name}.json")), "{name}: {stderr}");
        assert!(stderr.contains(hint), "{name}: {stderr}");
        assert!(out.stdout.is_empty(), "{name}: no report on error");
        std::fs::remove_dir_all(dir).unwrap();
    }

    let empty = scratch("empty");
    let out = skill(&["eval", "routing", empty.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no *.json"));
    std::fs::remove_dir_all(empty).unwrap();

    let out = skill(&["eval", "routing", "/nonexistent/scenario.json"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/scenario.json"));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_llm_fallback_classifies_what_the_fast_path_misses() {
    let devkit = support_devkit::start(
        "127.0.0.1:0".parse().unwrap(),
        &support_devkit::Config::default(),
    )
    .await
    .unwrap();
    let base = format!("{}/anthropic", devkit.url());
    let dir = fixtures();
    let out = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_skill"))
            .args(["eval", "routing", dir.to_str().unwrap(), "--json"])
            .env("ANTHROPIC_BASE_URL", base)
            .env("ANTHROPIC_API_KEY", "test-key")
            .stdin(Stdio::null())
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let with_llm: Value = serde_json::from_slice(&out.stdout).unwrap();
    let without = eval_json(&fixtures());
    assert_eq!(with_llm["llm_fallback"], true);
    assert_eq!(without["llm_fallback"], false);
    // The stand-in's classifier reads "big fan" as fan mail, which the fast path cannot.
    assert!(
        with_llm["correct_category"].as_u64().unwrap()
            > without["correct_category"].as_u64().unwrap(),
        "with: {with_llm}\nwithout: {without}"
    );
    let requests: Value = reqwest::get(format!("{}/_devkit/anthropic/requests", devkit.url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let requests = requests
        .as_array()
        .cloned()
        .or_else(|| requests["requests"].as_array().cloned())
        .unwrap();
    assert!(!requests.is_empty());
    for r in &requests {
        assert_eq!(r["body"]["tool_choice"]["type"], "tool", "{r}");
    }
}
