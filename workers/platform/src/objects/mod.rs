//! Durable Object classes and their typed clients. A caller never builds an object URL
//! or reads an answer by key: it calls [`ConversationClient`].

mod conversation;

pub use conversation::Conversation;

use serde::de::DeserializeOwned;
use serde::Serialize;
use support_core::conversation::Snapshot;
use support_core::intake::{IntakeOutcome, IntakeRecord};
use support_core::outbox::Replay;
use worker::{Env, Method, Request, RequestInit, Result, Stub};

use crate::env::CONVERSATIONS;

/// The conversation object's paths (the client and the object share them).
mod paths {
    pub const INTAKE: &str = "/intake";
    pub const STATE: &str = "/state";
    pub const REPLAY: &str = "/replay";
}

/// How many events a replay put back into the outbox.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct Replayed {
    /// Events queued again.
    pub queued: usize,
}

/// A typed handle on one conversation's object.
pub struct ConversationClient {
    stub: Stub,
}

impl ConversationClient {
    /// The object of `conversation_id`. Getting a handle creates nothing.
    pub fn new(env: &Env, conversation_id: &str) -> Result<Self> {
        let stub = env
            .durable_object(CONVERSATIONS)?
            .id_from_name(conversation_id)?
            .get_stub()?;
        Ok(Self { stub })
    }

    /// Hand it a Front event: deduped, cached and queued for Inngest.
    pub async fn intake(&self, record: &IntakeRecord) -> Result<IntakeOutcome> {
        self.call(Method::Post, paths::INTAKE, Some(record)).await
    }

    /// What it holds. An unknown conversation answers an empty snapshot and stays
    /// without storage.
    pub async fn snapshot(&self) -> Result<Snapshot> {
        self.call::<(), _>(Method::Get, paths::STATE, None).await
    }

    /// Put dead-lettered events back into the outbox.
    pub async fn replay(&self, events: &[Replay]) -> Result<Replayed> {
        self.call(Method::Post, paths::REPLAY, Some(&events)).await
    }

    async fn call<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
    ) -> Result<T> {
        let mut init = RequestInit::new();
        init.with_method(method);
        if let Some(body) = body {
            let body = serde_json::to_string(body)?;
            init.with_body(Some(body.into()));
        }
        let url = format!("https://conversation{path}");
        let mut response = self
            .stub
            .fetch_with_request(Request::new_with_init(&url, &init)?)
            .await?;
        if response.status_code() != 200 {
            let detail = response.text().await.unwrap_or_default();
            return Err(worker::Error::RustError(format!(
                "conversation object answered {} to {path}: {detail}",
                response.status_code()
            )));
        }
        let text = response.text().await?;
        Ok(serde_json::from_str(&text)?)
    }
}
