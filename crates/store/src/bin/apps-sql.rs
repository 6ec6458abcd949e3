//! `apps-sql`: turns app registrations (a JSON array, secrets in the clear) into SQL
//! that registers them with their secrets sealed, for `wrangler d1 execute`. The dev
//! and test scripts use it to seed their local databases; an operator can use it for a
//! first deployment.
//!
//!     APP_SECRETS_KEYS=dev1:<base64> apps-sql fixtures/platform-dev-apps.json \
//!         [--sdk-secret app_dev_tt=<secret>] [--integration-url app_dev_tt=<url>] \
//!         [--approver-token <Slack user id>=<token>] > apps.sql
//!
//! `--approver-token` adds an approvals-API token for that person, scoped to every app
//! in the file (stored as its SHA-256); a local setup's stand-in for
//! `skill tokens create`. `--dialect mysql` writes the same statements for
//! PlanetScale (MySQL), for `scripts/dev` with `DATABASE=planetscale`.

use std::process::ExitCode;

use support_store::secrets::Keyring;
use support_store::{AppRegistration, Param, Statement};

/// A statement with its parameters inlined as SQLite literals (D1's `execute --file`).
fn sqlite(statement: &Statement) -> String {
    let mut sql = statement.sql.to_owned();
    // Highest first, so that ?1 never eats the start of ?10.
    for (i, param) in statement.params.iter().enumerate().rev() {
        let literal = match param {
            Param::Null => "NULL".to_owned(),
            Param::Int(n) => n.to_string(),
            Param::Text(s) => format!("'{}'", s.replace('\'', "''")),
        };
        sql = sql.replace(&format!("?{}", i + 1), &literal);
    }
    sql
}

fn run() -> Result<String, String> {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .ok_or("usage: apps-sql <registrations.json> [--sdk-secret <app id>=<secret>]...")?;
    let mut overrides = Vec::new();
    let mut tokens = Vec::new();
    let mut mysql = false;
    while let Some(flag) = args.next() {
        match flag.as_str() {
            "--approver-token" => {
                let value = args
                    .next()
                    .ok_or("--approver-token needs <Slack user id>=<token>")?;
                let (person, token) = value
                    .split_once('=')
                    .filter(|(p, t)| !p.is_empty() && t.len() >= 16)
                    .ok_or(
                        "--approver-token needs <Slack user id>=<token of 16 characters or more>",
                    )?;
                tokens.push((person.to_owned(), token.to_owned()));
            }
            "--sdk-secret" | "--integration-url" => {
                let value = args
                    .next()
                    .ok_or(format!("{flag} needs <app id>=<value>"))?;
                let (app, v) = value
                    .split_once('=')
                    .ok_or(format!("{flag} needs <app id>=<value>"))?;
                overrides.push((flag.clone(), app.to_owned(), v.to_owned()));
            }
            "--dialect" => match args.next().as_deref() {
                Some("sqlite") => mysql = false,
                Some("mysql") => mysql = true,
                _ => return Err("--dialect needs sqlite or mysql".into()),
            },
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    let keys = std::env::var("APP_SECRETS_KEYS").map_err(|_| "APP_SECRETS_KEYS is not set")?;
    let keyring = Keyring::parse(&keys).map_err(|e| e.to_string())?;
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{path}: {e}"))?;
    let mut apps: Vec<AppRegistration> =
        serde_json::from_str(&text).map_err(|e| format!("{path}: {e}"))?;
    for (flag, app, value) in overrides {
        let found = apps
            .iter_mut()
            .find(|a| a.id == app)
            .ok_or(format!("no app {app:?} in {path}"))?;
        if flag == "--sdk-secret" {
            found.sdk_secrets = vec![value];
        } else {
            found.integration_url = value;
        }
    }
    let mut statements = Vec::new();
    for app in &apps {
        if app.sdk_secrets.is_empty() {
            return Err(format!("{}: at least one SDK secret is needed", app.id));
        }
        let settings = serde_json::to_string(&app.settings).map_err(|e| e.to_string())?;
        statements.push(Statement {
            sql: "INSERT INTO apps (id, slug, name, front_inbox_id, integration_url, settings, created_at, updated_at) \
                  VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, 0) \
                  ON CONFLICT(id) DO UPDATE SET slug = excluded.slug, name = excluded.name, front_inbox_id = excluded.front_inbox_id, \
                  integration_url = excluded.integration_url, settings = excluded.settings",
            params: vec![
                app.id.as_str().into(),
                app.slug.as_str().into(),
                app.name.as_str().into(),
                app.front_inbox_id.clone().into(),
                app.integration_url.as_str().into(),
                settings.into(),
            ],
        });
        let secrets = serde_json::to_string(&app.sdk_secrets).map_err(|e| e.to_string())?;
        let mut sealed = vec![(
            "sdk_secrets",
            keyring
                .seal(&app.id, "sdk_secrets", &secrets)
                .map_err(|e| e.to_string())?,
        )];
        if let Some(account) = &app.stripe_account_id {
            sealed.push((
                "stripe_account_id",
                keyring
                    .seal(&app.id, "stripe_account_id", account)
                    .map_err(|e| e.to_string())?,
            ));
        }
        for (name, value) in sealed {
            statements.push(Statement {
                sql: "INSERT INTO app_secrets (app_id, name, key_id, sealed, updated_at) VALUES (?1, ?2, ?3, ?4, 0) \
                      ON CONFLICT(app_id, name) DO UPDATE SET key_id = excluded.key_id, sealed = excluded.sealed",
                params: vec![
                    app.id.as_str().into(),
                    name.into(),
                    keyring.current_id().into(),
                    value.into(),
                ],
            });
        }
    }
    let slugs: Vec<&str> = apps.iter().map(|a| a.slug.as_str()).collect();
    let slugs = serde_json::to_string(&slugs).map_err(|e| e.to_string())?;
    for (i, (person, token)) in tokens.iter().enumerate() {
        statements.push(Statement {
            sql: "INSERT INTO api_tokens (id, token_hash, slack_user_id, apps, label, created_at) \
                  VALUES (?1, ?2, ?3, ?4, 'seeded by apps-sql', 0) \
                  ON CONFLICT(id) DO UPDATE SET token_hash = excluded.token_hash, slack_user_id = excluded.slack_user_id, \
                  apps = excluded.apps, revoked_at = NULL",
            params: vec![
                format!("tok_seed_{i}").into(),
                support_store::token_hash(token).into(),
                person.as_str().into(),
                slugs.as_str().into(),
            ],
        });
    }
    let mut sql =
        String::from("-- Generated by apps-sql: app secrets sealed, never in the clear.\n");
    for statement in &statements {
        let line = if mysql {
            support_store::mysql::to_mysql(statement).map_err(|e| e.to_string())?
        } else {
            sqlite(statement)
        };
        sql.push_str(&line);
        sql.push_str(";\n");
    }
    Ok(sql)
}

fn main() -> ExitCode {
    match run() {
        Ok(sql) => {
            print!("{sql}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("apps-sql: {e}");
            ExitCode::FAILURE
        }
    }
}
