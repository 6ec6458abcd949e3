//! How `step.send_event` sends events.

use serde_json::Value;
use support_http::{MaybeSendSync, Transport};

use crate::{EventApi, SendError};

/// Sends events for [`Step::send_event`](super::Step::send_event). [`EventApi`] implements
/// it; tests and other platforms can plug in anything else.
#[cfg_attr(target_arch = "wasm32", async_trait::async_trait(?Send))]
#[cfg_attr(not(target_arch = "wasm32"), async_trait::async_trait)]
pub trait EventSender: MaybeSendSync {
    /// Send the events; return Inngest's ids, one per event, in order.
    async fn send(&self, events: &[Value]) -> Result<Vec<String>, SendError>;
}

#[cfg_attr(target_arch = "wasm32", async_trait::async_trait(?Send))]
#[cfg_attr(not(target_arch = "wasm32"), async_trait::async_trait)]
impl<T: Transport> EventSender for EventApi<T> {
    async fn send(&self, events: &[Value]) -> Result<Vec<String>, SendError> {
        EventApi::<T>::send::<Value>(self, events).await
    }
}
