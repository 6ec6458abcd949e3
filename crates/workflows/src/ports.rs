//! The ports the functions talk to the world through.

use std::sync::Arc;

use support_core::conversation::Snapshot;
use support_http::MaybeSendSync;

/// Why a port could not answer. The message is for logs and Inngest's run view; it
/// never carries secrets.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct PortError(pub String);

/// The per-conversation cache (the conversation's Durable Object at the edge).
#[cfg_attr(target_arch = "wasm32", async_trait::async_trait(?Send))]
#[cfg_attr(not(target_arch = "wasm32"), async_trait::async_trait)]
pub trait ConversationStore: MaybeSendSync {
    /// What the cache holds for the conversation. An unknown conversation is an empty
    /// snapshot (`exists: false`), and reading it creates nothing.
    async fn snapshot(&self, conversation_id: &str) -> Result<Snapshot, PortError>;
}

/// What the support pipeline needs besides the conversation cache.
#[derive(Clone)]
pub struct PipelinePorts {
    /// Apps, actions, approvals, the audit log, the ledger.
    pub store: Arc<dyn support_store::Store>,
    /// The outside services' clients.
    pub services: Arc<crate::pipeline::Services>,
}

/// Every port, as the functions get them.
#[derive(Clone)]
pub struct Ports {
    /// The conversation cache.
    pub conversations: Arc<dyn ConversationStore>,
    /// The pipeline's ports; without them its functions are not served.
    pub pipeline: Option<PipelinePorts>,
}
