//! # support-devkit
//!
//! Local stand-ins for the external services of the platform, speaking their real wire
//! protocols, plus a control API (`/_devkit/...`) that tests and people use to see what
//! arrived and to inject failures.
//!
//! - [`inngest`]: the Inngest Event API (`POST /e/{event key}`).
//! - [`executor`]: Inngest's side of the serve protocol (`/fn/register`, runs, steps).

pub mod executor;
pub mod expr;
pub mod inngest;

use std::net::SocketAddr;

use axum::Router;

/// Configuration of a devkit server.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// Event keys the Inngest Event API accepts; empty accepts any key (as Inngest's
    /// dev server does).
    pub inngest_event_keys: Vec<String>,
    /// The executor's settings (signing key, time scale).
    pub executor: executor::ExecutorConfig,
}

/// The full devkit router.
pub fn router(config: &Config) -> Router {
    let executor = executor::Executor::new(config.executor.clone());
    let events =
        inngest::EventApi::new(config.inngest_event_keys.clone()).with_executor(executor.clone());
    Router::new()
        .route(
            "/_devkit/healthz",
            axum::routing::get(|| async {
                axum::Json(serde_json::json!({"status": "ok", "service": "devkit"}))
            }),
        )
        .merge(executor.router())
        .merge(inngest::router(events))
}

/// A devkit running on a background task.
pub struct Running {
    /// Where it listens.
    pub addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl Running {
    /// Base URL, e.g. `http://127.0.0.1:8288`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Start the devkit on `addr` (port 0 picks a free port).
pub async fn start(addr: SocketAddr, config: &Config) -> std::io::Result<Running> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let app = router(config);
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(Running { addr, task })
}
