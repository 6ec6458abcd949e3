//! `skill sdk call`: one signed action, raw answer.

use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::Args;
use serde_json::{Map, Value};
use support_sdk::{Action, Request};

use crate::EndpointArgs;

#[derive(Args)]
pub struct CallArgs {
    #[command(flatten)]
    endpoint: EndpointArgs,
    /// The action, e.g. lookupUser.
    #[arg(long)]
    action: String,
    /// The action's parameters as a JSON object, e.g. '{"email":"a@b.c"}'.
    #[arg(long, default_value = "{}")]
    params: String,
}

pub async fn run(args: CallArgs) -> anyhow::Result<ExitCode> {
    let Some(action) = Action::from_name(&args.action) else {
        let known: Vec<&str> = Action::ALL.iter().map(|a| a.name()).collect();
        bail!(
            "unknown action {:?}; known actions: {}",
            args.action,
            known.join(", ")
        );
    };
    let params: Map<String, Value> =
        serde_json::from_str(&args.params).context("--params must be a JSON object")?;
    let mut body = params;
    body.insert("action".into(), Value::String(action.name().into()));
    let request: Request = serde_json::from_value(Value::Object(body))
        .with_context(|| format!("invalid parameters for {action}"))?;

    let (status, answer) = args.endpoint.client().call_raw(&request).await?;
    println!("{}", serde_json::to_string_pretty(&answer)?);
    if (200..300).contains(&status) {
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("{action} failed with HTTP {status}");
        Ok(ExitCode::FAILURE)
    }
}
