//! `skill doctor` against the platform in workerd, whose services all point at the
//! devkit's stand-ins (scripts/test): every setting set, every check ok (apps other
//! suites registered with endpoints that do not exist aside), no secret anywhere in
//! what it prints; and against the platform started with no secrets, which it says.

mod common;

use std::process::Output;

use common::*;
use serde_json::Value;

/// Every secret scripts/test gives the platform and this suite.
const SECRETS: &[&str] = &[
    "ADMIN_TOKEN",
    "FRONT_API_TOKEN",
    "FRONT_WEBHOOK_SECRET",
    "FRONT_WEBHOOK_SECRET_PREVIOUS",
    "FRONT_RULE_WEBHOOK_SECRET",
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "STRIPE_SECRET_KEY",
    "ANTHROPIC_API_KEY",
    "INNGEST_EVENT_KEY",
    "INNGEST_SIGNING_KEY",
    "BETTER_AUTH_SECRET",
    "UPSTASH_VECTOR_REST_TOKEN",
    "UPSTASH_VECTOR_REST_READONLY_TOKEN",
    "APPROVALS_API_TOKEN",
    "EXAMPLE_APP_SECRET",
    "PLANETSCALE_PASSWORD",
];

/// The app every other suite uses: its SDK endpoint (the example app) and its Stripe
/// account (the stand-in's seed) are real.
const APP: &str = "total-typescript";

fn all_output(out: &Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn assert_no_secrets(output: &str) {
    for name in SECRETS {
        let Ok(value) = std::env::var(name) else {
            continue;
        };
        if value.len() < 6 {
            continue;
        }
        assert!(
            !output.contains(&value),
            "the value of {name} appears in skill doctor's output:\n{output}"
        );
        // Nor the part of a signing key after its prefix.
        if let Some(rest) = value.strip_prefix("signkey-") {
            let key = rest.split_once('-').map_or(rest, |(_, key)| key);
            assert!(!output.contains(key), "{name}'s key appears:\n{output}");
        }
    }
}

fn findings(json: &Value, section: &str) -> Vec<Value> {
    json[section].as_array().cloned().unwrap_or_default()
}

fn named<'a>(list: &'a [Value], name: &str) -> &'a Value {
    list.iter()
        .find(|f| f["name"] == name)
        .unwrap_or_else(|| panic!("no finding {name} in {list:#?}"))
}

#[test]
fn the_test_platform_is_healthy_and_no_secret_is_printed() {
    let out = skill_output(&["doctor", "--json"], None);
    let output = all_output(&out);
    assert_no_secrets(&output);
    let json: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("skill doctor --json is not JSON ({e}):\n{output}"));

    let database = std::env::var("PLATFORM_DATABASE").unwrap_or_else(|_| "d1".into());
    assert_eq!(json["database"], database.as_str(), "{json:#}");

    // Reachable, Inngest's introspection signed with the platform's key authenticated.
    let reachability = findings(&json, "reachability");
    for name in ["healthz", "inngest", "inngest:signed"] {
        assert_eq!(named(&reachability, name)["ok"], true, "{json:#}");
    }
    assert!(named(&reachability, "healthz")["detail"]
        .as_str()
        .unwrap()
        .contains(&format!("database {database}")));

    // Every setting is set here.
    let settings = findings(&json, "settings");
    for name in [
        "APP_SECRETS_KEYS",
        "ADMIN_TOKEN",
        "BETTER_AUTH_SECRET",
        "FRONT_WEBHOOK_SECRET",
        "FRONT_API_TOKEN",
        "INNGEST_EVENT_KEY",
        "INNGEST_SIGNING_KEY",
        "ANTHROPIC_API_KEY",
        "SLACK_BOT_TOKEN",
        "SLACK_SIGNING_SECRET",
        "STRIPE_SECRET_KEY",
        "UPSTASH_VECTOR_REST_URL",
        "UPSTASH_VECTOR_REST_READONLY_TOKEN",
        "UPSTASH_VECTOR_REST_TOKEN",
    ] {
        let setting = named(&settings, name);
        assert_eq!(setting["ok"], true, "{setting}");
        assert_eq!(setting["detail"], "set", "{setting}");
    }

    // The platform's checks against the stand-ins, and the example app.
    let checks = findings(&json, "checks");
    for name in [
        "database",
        "front",
        "slack",
        &format!("stripe:{APP}"),
        &format!("sdk:{APP}"),
    ] {
        let check = named(&checks, name);
        assert_eq!(check["ok"], true, "{check}");
    }
    assert!(named(&checks, "front")["detail"]
        .as_str()
        .unwrap()
        .starts_with("token works"));
    assert!(named(&checks, "slack")["detail"]
        .as_str()
        .unwrap()
        .starts_with("auth.test: bot "));

    // Every registered app has its SDK checked; apps other suites registered with
    // endpoints that do not exist are the only failures allowed, each with its fix.
    let apps: Value = serde_json::from_str(&skill(&["apps", "list", "--json"])).unwrap();
    let slugs: Vec<String> = apps["apps"]
        .as_array()
        .or_else(|| apps.as_array())
        .expect("apps list --json is a list")
        .iter()
        .map(|a| a["slug"].as_str().unwrap().to_owned())
        .collect();
    assert!(slugs.iter().any(|s| s == APP), "{apps}");
    for slug in &slugs {
        named(&checks, &format!("sdk:{slug}"));
    }
    let failing: Vec<&Value> = reachability
        .iter()
        .chain(&settings)
        .chain(&checks)
        .filter(|f| f["ok"] == false)
        .collect();
    for f in &failing {
        let name = f["name"].as_str().unwrap();
        assert!(
            name.starts_with("sdk:") && name != format!("sdk:{APP}"),
            "only other suites' made-up apps may fail: {f}"
        );
        assert!(f["fix"].as_str().is_some_and(|fix| !fix.is_empty()), "{f}");
    }
    assert_eq!(json["fixes"], failing.len());
    assert_eq!(json["ok"], failing.is_empty());
    assert_eq!(
        out.status.code(),
        Some(if failing.is_empty() { 0 } else { 1 }),
        "{output}"
    );

    // The same as lines.
    let out = skill_output(&["doctor"], None);
    let text = all_output(&out);
    assert_no_secrets(&text);
    for start in [
        "ok  healthz ".to_owned(),
        "ok  inngest:signed ".to_owned(),
        "ok  FRONT_API_TOKEN ".to_owned(),
        "ok  front ".to_owned(),
        "ok  slack ".to_owned(),
        format!("ok  stripe:{APP} "),
        format!("ok  sdk:{APP} "),
    ] {
        assert!(
            text.lines().any(|l| l.starts_with(&start)),
            "no line starting {start:?}:\n{text}"
        );
    }
    assert_eq!(
        text.lines().filter(|l| l.starts_with("FIX ")).count(),
        failing.len(),
        "{text}"
    );
}

#[test]
fn the_closed_platform_says_what_is_missing() {
    let closed = env("PLATFORM_CLOSED_URL");
    let out = skill_output(&["doctor", "--platform", &closed, "--json"], None);
    let output = all_output(&out);
    assert_no_secrets(&output);
    assert_eq!(out.status.code(), Some(1), "{output}");
    let json: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("skill doctor --json is not JSON ({e}):\n{output}"));
    assert_eq!(json["ok"], false);
    assert_eq!(json["database"], "d1");

    let reachability = findings(&json, "reachability");
    // It answers and its (empty) configuration parses...
    assert_eq!(named(&reachability, "healthz")["ok"], true, "{json:#}");
    // ...but Inngest cannot call it...
    let inngest = named(&reachability, "inngest");
    assert_eq!(inngest["ok"], false);
    assert!(
        inngest["fix"]
            .as_str()
            .unwrap()
            .contains("INNGEST_SIGNING_KEY"),
        "{inngest}"
    );
    if std::env::var("INNGEST_SIGNING_KEY").is_ok() {
        assert_eq!(named(&reachability, "inngest:signed")["ok"], false);
    }
    // ...and its own checks cannot run without an admin token.
    let admin = named(&findings(&json, "checks"), "admin").clone();
    assert_eq!(admin["ok"], false);
    assert!(
        admin["detail"]
            .as_str()
            .unwrap()
            .contains("ADMIN_TOKEN is not set"),
        "{admin}"
    );

    let out = skill_output(&["doctor", "--platform", &closed], None);
    let text = all_output(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.lines()
            .any(|l| l.starts_with("FIX inngest ") && l.contains("INNGEST_SIGNING_KEY")),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("FIX admin ") && l.contains("ADMIN_TOKEN")),
        "{text}"
    );
    assert_no_secrets(&text);
}
