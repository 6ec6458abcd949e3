//! Sign-in in workerd, as BetterAuth's clients speak it: a person added with `skill users
//! add` (password from stdin), the signed `better-auth.session_token` cookie, a session
//! read back, forged and cross-site attempts refused, failures throttled, sign-out.

mod common;

use common::*;
use serde_json::{json, Value};

/// `skill users add` with the password on standard input.
fn add_user(email: &str, role: &str, password: &str) -> std::process::Output {
    skill_output(
        &[
            "users",
            "add",
            "--email",
            email,
            "--role",
            role,
            "--slack",
            "U0DEVAPPROVER",
            "--json",
        ],
        Some(&format!("{password}\n")),
    )
}

async fn sign_in(email: &str, password: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{}/api/auth/sign-in/email", platform()))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap()
}

async fn session_with(cookie: &str) -> Value {
    reqwest::Client::new()
        .get(format!("{}/api/auth/get-session", platform()))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn an_owner_added_with_skill_signs_in_and_out_with_betterauths_cookie() {
    let email = format!("{}@example.com", unique("owner"));
    let password = "correct horse battery staple";
    let added = add_user(&email, "owner", password);
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    let person: Value = serde_json::from_slice(&added.stdout).unwrap();
    assert_eq!(
        (person["role"].as_str(), person["slackUserId"].as_str()),
        (Some("owner"), Some("U0DEVAPPROVER"))
    );
    assert!(!String::from_utf8_lossy(&added.stdout).contains(password));
    // One account per email.
    assert!(!add_user(&email, "viewer", password).status.success());

    let wrong = sign_in(&email, "not the password").await;
    assert_eq!(wrong.status(), 401);
    assert!(
        wrong.headers().get("set-cookie").is_none(),
        "no cookie for a failure"
    );
    let body: Value = wrong.json().await.unwrap();
    assert_eq!(body["code"], "INVALID_EMAIL_OR_PASSWORD");
    assert!(body.get("token").is_none());

    let ok = sign_in(&email.to_uppercase(), password).await;
    assert_eq!(ok.status(), 200);
    let set_cookie = ok.headers()["set-cookie"].to_str().unwrap().to_owned();
    let body: Value = ok.json().await.unwrap();
    let token = body["token"].as_str().unwrap();
    assert_eq!(body["user"]["email"], email.as_str());
    // BetterAuth's cookie: token "." base64 HMAC, URL-encoded; HttpOnly, Lax, 7 days.
    assert!(
        set_cookie.starts_with(&format!("better-auth.session_token={token}.")),
        "{set_cookie}"
    );
    for attribute in ["Max-Age=604800", "Path=/", "HttpOnly", "SameSite=Lax"] {
        assert!(set_cookie.contains(attribute), "{set_cookie}");
    }
    let cookie = set_cookie.split(';').next().unwrap().to_owned();
    let session = session_with(&cookie).await;
    assert_eq!(session["user"]["email"], email.as_str());
    assert_eq!(session["user"]["role"], "owner");
    assert_eq!(session["session"]["token"], token);

    // A cookie whose signature does not match, or a bare token, is nobody.
    let forged = format!(
        "better-auth.session_token={token}.{}",
        "A".repeat(43) + "%3D"
    );
    assert_eq!(session_with(&forged).await, Value::Null);
    assert_eq!(
        session_with(&format!("better-auth.session_token={token}")).await,
        Value::Null
    );
    // Two cookies of the name (one planted by a sibling subdomain) are nobody's.
    assert_eq!(
        session_with(&format!("{cookie}; {forged}")).await,
        Value::Null
    );

    // A browser's cross-site sign-out is refused; the session lives on.
    let cross = reqwest::Client::new()
        .post(format!("{}/api/auth/sign-out", platform()))
        .header("cookie", &cookie)
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(cross.status(), 403);
    assert_eq!(session_with(&cookie).await["user"]["email"], email.as_str());

    let out = reqwest::Client::new()
        .post(format!("{}/api/auth/sign-out", platform()))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 200);
    assert!(out.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .contains("Max-Age=0"));
    assert_eq!(
        session_with(&cookie).await,
        Value::Null,
        "the session ended"
    );
}

#[tokio::test]
async fn repeated_failures_are_throttled_even_with_the_right_password() {
    let email = format!("{}@example.com", unique("agent"));
    let password = "another long password";
    assert!(add_user(&email, "agent", password).status.success());
    for _ in 0..5 {
        assert_eq!(sign_in(&email, "wrong password").await.status(), 401);
    }
    let throttled = sign_in(&email, password).await;
    assert_eq!(throttled.status(), 429);
    let retry: u64 = throttled.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=900).contains(&retry), "{retry}");
}

#[tokio::test]
async fn without_a_secret_sign_in_does_not_exist() {
    let closed = env("PLATFORM_CLOSED_URL");
    for (method, path) in [
        ("GET", "/api/auth/get-session"),
        ("POST", "/api/auth/sign-in/email"),
    ] {
        let response = reqwest::Client::new()
            .request(method.parse().unwrap(), format!("{closed}{path}"))
            .json(&json!({"email": "a@b.c", "password": "x"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 404, "{method} {path}");
    }
}

#[tokio::test]
async fn a_demotion_or_a_revocation_ends_sessions_and_is_audited() {
    let email = format!("{}@example.com", unique("agent"));
    let password = "a password for the queue";
    assert!(add_user(&email, "agent", password).status.success());
    let cookie_of = |r: &reqwest::Response| {
        r.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_owned()
    };
    let first = cookie_of(&sign_in(&email, password).await);
    assert_eq!(session_with(&first).await["user"]["role"], "agent");

    // Linking another Slack id keeps the session; a demotion to viewer ends it.
    let out = skill(&["users", "set", "--email", &email, "--slack", "U0DEVOTHER"]);
    assert!(out.contains("Slack U0DEVOTHER"), "{out}");
    assert_eq!(
        session_with(&first).await["user"]["slackUserId"],
        "U0DEVOTHER"
    );
    let out = skill(&["users", "set", "--email", &email, "--role", "viewer"]);
    assert!(out.contains("is now viewer"), "{out}");
    assert_eq!(
        session_with(&first).await,
        Value::Null,
        "demoted: signed out"
    );

    let second = cookie_of(&sign_in(&email, password).await);
    assert_eq!(session_with(&second).await["user"]["role"], "viewer");
    let out = skill(&["users", "revoke-sessions", "--email", &email]);
    assert!(out.contains("ended 1 session(s)"), "{out}");
    assert_eq!(session_with(&second).await, Value::Null);

    // Every change is in the audit log, and every sign-in: added, signed in, changed
    // twice, signed in again, sessions revoked.
    let rows = admin_audit_of(&email).await;
    let names: Vec<&str> = rows.iter().filter_map(|r| r["name"].as_str()).collect();
    assert_eq!(
        names,
        vec![
            "person added",
            "signed in",
            "person changed",
            "person changed",
            "signed in",
            "sessions revoked"
        ],
        "{rows:?}"
    );
}

/// The admin rows that concern this email, oldest first (read from D1 as an operator).
async fn admin_audit_of(email: &str) -> Vec<Value> {
    let out = d1_command(
        "support-platform",
        &env("PLATFORM_CONFIG"),
        &env("PLATFORM_STATE_DIR"),
        &format!(
            "SELECT name, input FROM audit_log WHERE kind = 'admin' AND input LIKE '%{email}%' ORDER BY at_ms, rowid"
        ),
        true,
    );
    let parsed: Value = serde_json::from_slice(&out).unwrap();
    parsed[0]["results"].as_array().cloned().unwrap_or_default()
}
