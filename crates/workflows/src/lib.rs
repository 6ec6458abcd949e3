//! # support-workflows
//!
//! The platform's durable functions, served to Inngest at `/api/inngest`. Each one is
//! written against ports ([`ConversationStore`], ...), never against the Workers
//! runtime: the platform worker implements the ports with its Durable Objects and
//! fetch, and the tests implement them in memory and run the functions natively.
//!
//! Functions so far:
//! - [`conversation_watch`]: watch a new inbound conversation until a teammate answers.
//! - [`conformance`]: the protocol's reference sequences, served only in tests.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod approvals;
pub mod apps;
pub mod autosend;
pub mod conformance;
pub mod corrections;
pub mod learned;
pub mod outcomes;
pub mod people;
pub mod pipeline;
mod ports;
pub mod retention;
pub mod telemetry;
mod watch;

pub use ports::{ConversationStore, PipelinePorts, PortError, Ports};
pub use watch::{conversation_watch, WATCH_FUNCTION_ID};

use std::time::Duration;

use support_core::settings::Settings;
use support_inngest::serve::ServeFunction;

/// Inngest app id: function ids are `support-platform-<fn>`.
pub const APP_ID: &str = "support-platform";

/// What the functions are tuned with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkflowSettings {
    /// How long a new conversation may wait for a first reply.
    pub response_target: Duration,
    /// How long a conversation settles before the clock matters.
    pub settle: Duration,
}

impl WorkflowSettings {
    /// From the platform's settings.
    pub fn from_settings(settings: &Settings) -> Self {
        Self {
            response_target: Duration::from_secs(settings.response_target_secs),
            settle: Duration::from_secs(30),
        }
    }
}

/// Every platform function, wired to `ports`.
pub fn functions(ports: &Ports, settings: &WorkflowSettings) -> Vec<ServeFunction> {
    let mut functions = vec![conversation_watch(ports.conversations.clone(), settings)];
    if let Some(pipeline) = &ports.pipeline {
        functions.push(pipeline::answer::function(
            ports.conversations.clone(),
            pipeline.store.clone(),
            pipeline.services.clone(),
        ));
        let (store, services) = (pipeline.store.clone(), pipeline.services.clone());
        functions.push(approvals::request::function(
            store.clone(),
            services.clone(),
        ));
        functions.push(approvals::request::reminder(
            store.clone(),
            services.clone(),
        ));
        functions.push(approvals::execute::function(
            store.clone(),
            services.clone(),
        ));
        functions.push(approvals::supersede::function(
            store.clone(),
            services.clone(),
        ));
        functions.push(approvals::retention::function(
            store.clone(),
            services.clone(),
        ));
        functions.push(retention::function(store.clone(), services.clone()));
        functions.push(approvals::escalation::function(store, services));
    }
    functions
}
