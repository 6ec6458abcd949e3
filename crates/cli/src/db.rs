//! `skill db migrate`: apply the MySQL migrations (`migrations/planetscale/`) to a
//! PlanetScale branch, or to the devkit's stand-in, over PlanetScale's HTTP API with
//! the platform's own adapter. D1 keeps `wrangler d1 migrations apply`.

use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, Subcommand};
use support_store::planetscale::{PlanetScaleConfig, PlanetScaleExec};

#[derive(Subcommand)]
pub enum DbCommand {
    /// Apply the PlanetScale migrations not applied yet (recorded in `_migrations`).
    Migrate(MigrateArgs),
}

#[derive(Args)]
pub struct MigrateArgs {
    /// PlanetScale's host, or the stand-in's URL (http://127.0.0.1:8288/planetscale).
    #[arg(long, env = "PLANETSCALE_HOST")]
    host: String,
    /// The branch password's username.
    #[arg(long, env = "PLANETSCALE_USERNAME")]
    username: String,
    /// The branch password (from the environment; never a flag in shell history).
    #[arg(long, env = "PLANETSCALE_PASSWORD", hide_env_values = true)]
    password: String,
}

pub async fn run(command: DbCommand) -> anyhow::Result<ExitCode> {
    match command {
        DbCommand::Migrate(args) => {
            let exec = PlanetScaleExec::new(
                &PlanetScaleConfig::new(&args.host, &args.username, &args.password),
                Arc::new(support_http::ReqwestTransport::new()),
            );
            let applied = exec.migrate().await?;
            if applied.is_empty() {
                println!("up to date");
            }
            for name in applied {
                println!("applied {name}");
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
