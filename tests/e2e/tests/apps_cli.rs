//! `skill apps` against the platform's admin API in workerd: an app registered with its
//! secret printed once (never in a listing), a two-step secret rotation, bad input
//! refused, removal.

mod common;

use common::*;
use serde_json::Value;

fn json_of(args: &[&str]) -> Value {
    serde_json::from_str(&skill(args)).unwrap_or_else(|e| panic!("skill {args:?}: {e}"))
}

fn refused(args: &[&str]) -> String {
    let out = skill_output(args, None);
    assert!(!out.status.success(), "skill {args:?} should fail");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn an_app_is_added_rotated_and_removed_with_its_secret_shown_once() {
    let slug = unique("cli-app").to_lowercase().replace('_', "-");
    let added = json_of(&[
        "apps",
        "add",
        "--slug",
        &slug,
        "--name",
        "CLI App",
        "--url",
        "https://cli-app.example/api/support",
        "--approver",
        "U0DEVAPPROVER",
        "--approval-channel",
        "C0DEVAPPROVALS",
        "--json",
    ]);
    let secret = added["sdkSecret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"), "{added}");
    assert_eq!(added["app"]["slug"], slug.as_str());
    assert_eq!(added["app"]["settings"]["approvers"][0], "U0DEVAPPROVER");
    assert!(
        !added["app"].to_string().contains(&secret),
        "the app object carries no secret"
    );

    // Listed and shown, never with a secret.
    let listed = skill(&["apps", "list", "--json"]);
    assert!(listed.contains(&slug));
    assert!(!listed.contains("whsec_"), "no secret in a listing");
    let shown = json_of(&["apps", "show", &slug, "--json"]);
    assert_eq!(shown["sdkSecretRotating"], false);
    assert_eq!(
        shown["integrationUrl"],
        "https://cli-app.example/api/support"
    );

    // Rotation: a new secret, both sign until it is finished; one at a time.
    let rotated = skill(&["apps", "rotate-secret", &slug]);
    assert!(
        rotated.contains("whsec_") && !rotated.contains(&secret),
        "{rotated}"
    );
    assert_eq!(
        json_of(&["apps", "show", &slug, "--json"])["sdkSecretRotating"],
        true
    );
    assert!(refused(&["apps", "rotate-secret", &slug]).contains("under way"));
    skill(&["apps", "rotate-secret", &slug, "--finish"]);
    assert_eq!(
        json_of(&["apps", "show", &slug, "--json"])["sdkSecretRotating"],
        false
    );
    assert!(refused(&["apps", "rotate-secret", &slug, "--finish"]).contains("no rotation"));

    // Bad input and a taken slug are refused with the reason.
    assert!(refused(&[
        "apps",
        "add",
        "--slug",
        "other-cli",
        "--url",
        "http://plain.example/api"
    ])
    .contains("https"));
    assert!(refused(&[
        "apps",
        "add",
        "--slug",
        &slug,
        "--url",
        "https://x.example/api"
    ])
    .contains("exists"));

    skill(&["apps", "remove", &slug]);
    assert!(refused(&["apps", "show", &slug]).contains("no app"));
    assert!(!skill(&["apps", "list"]).contains(&slug));
}
