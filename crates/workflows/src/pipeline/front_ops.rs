//! The Front operations the pipeline needs, with ids cached in the store so a warm
//! conversation costs few API calls: tag ids (listed once, missing ones created once),
//! the reply channel of each inbox, and drafts created exactly once.

use serde_json::{json, Value};
use support_core::escape;
use support_front::{ConversationUpdate, FrontClient, FrontError, Highlight, NewDraft};
use support_inngest::serve::FnError;
use support_store::{LedgerClaim, Store};

use super::{retryable, Services};

/// Cached for a day: long enough to save calls, short enough to notice a renamed tag.
const CACHE_MS: i64 = 24 * 60 * 60 * 1000;

/// Front, for one step.
pub struct FrontOps<'a> {
    /// The client.
    pub front: &'a FrontClient,
    /// The cache and the ledger.
    pub store: &'a dyn Store,
    /// Time.
    pub services: &'a Services,
}

/// A Front error as a step error.
pub(crate) fn front_error(what: &str, e: FrontError) -> FnError {
    match &e {
        FrontError::RateLimited { retry_after } => retryable(
            what,
            &e,
            retry_after.or(Some(std::time::Duration::from_secs(5))),
        ),
        // A missing conversation or message does not appear by retrying.
        FrontError::NotFound { .. } => FnError::non_retriable(format!("{what}: {e}")),
        _ if e.is_retryable() => retryable(what, &e, None),
        _ => FnError::non_retriable(format!("{what}: {e}")),
    }
}

impl FrontOps<'_> {
    async fn cached(&self, key: &str) -> Option<String> {
        self.store
            .cache_get(key, self.services.now_ms())
            .await
            .ok()
            .flatten()
    }

    async fn remember(&self, key: &str, value: &str) {
        // A cache write that fails only costs a lookup next time.
        let _ = self
            .store
            .cache_put(key, value, Some(self.services.now_ms() + CACHE_MS))
            .await;
    }

    /// The id of the tag `name`, created (once) when Front has none.
    pub async fn tag_id(&self, name: &str) -> Result<String, FnError> {
        let key = format!("front:tag:{name}");
        if let Some(id) = self.cached(&key).await {
            return Ok(id);
        }
        let tags = self
            .front
            .list_tags()
            .await
            .map_err(|e| front_error("list tags", e))?;
        for tag in &tags {
            self.remember(&format!("front:tag:{}", tag.name), &tag.id)
                .await;
        }
        if let Some(tag) = tags.iter().find(|t| t.name == name) {
            return Ok(tag.id.clone());
        }
        let tag = self
            .front
            .create_tag(name, Some(Highlight::Blue))
            .await
            .map_err(|e| front_error("create tag", e))?;
        self.remember(&key, &tag.id).await;
        Ok(tag.id)
    }

    /// Tag the conversation.
    pub async fn tag(&self, conversation_id: &str, name: &str) -> Result<String, FnError> {
        let id = self.tag_id(name).await?;
        match self
            .front
            .add_conversation_tags(conversation_id, &[id.as_str()])
            .await
        {
            Ok(()) => Ok(id),
            // The cached id may be of a tag deleted since: forget it and look again.
            Err(FrontError::NotFound { .. }) | Err(FrontError::Api { status: 400, .. }) => {
                let _ = self
                    .store
                    .cache_put(&format!("front:tag:{name}"), "", Some(0))
                    .await;
                Err(FnError::new(format!(
                    "tag {name:?} was not found; looked up again on retry"
                )))
            }
            Err(e) => Err(front_error("tag the conversation", e)),
        }
    }

    /// Archive the conversation.
    pub async fn archive(&self, conversation_id: &str) -> Result<(), FnError> {
        self.front
            .update_conversation(conversation_id, &ConversationUpdate::archive())
            .await
            .map_err(|e| front_error("archive", e))
    }

    /// Leave an internal comment.
    pub async fn comment(&self, conversation_id: &str, body: &str) -> Result<String, FnError> {
        self.front
            .add_comment(conversation_id, body, None)
            .await
            .map(|c| c.id)
            .map_err(|e| front_error("comment", e))
    }

    /// The channel replies to this inbox go out from (looked up once, then cached).
    pub async fn reply_channel(
        &self,
        conversation_id: &str,
        inbox_id: Option<&str>,
    ) -> Result<String, FnError> {
        if let Some(inbox) = inbox_id {
            if let Some(id) = self
                .cached(&format!("front:channel:{inbox}"))
                .await
                .filter(|c| !c.is_empty())
            {
                return Ok(id);
            }
        }
        let inbox = match inbox_id {
            Some(inbox) => inbox.to_owned(),
            None => self
                .front
                .list_conversation_inboxes(conversation_id)
                .await
                .map_err(|e| front_error("list the conversation's inboxes", e))?
                .into_iter()
                .next()
                .map(|i| i.id)
                .ok_or_else(|| FnError::non_retriable("the conversation has no inbox"))?,
        };
        let channel = self
            .front
            .list_inbox_channels(&inbox)
            .await
            .map_err(|e| front_error("list the inbox's channels", e))?
            .into_iter()
            .next()
            .map(|c| c.id)
            .ok_or_else(|| FnError::non_retriable(format!("inbox {inbox} has no channel")))?;
        self.remember(&format!("front:channel:{inbox}"), &channel)
            .await;
        Ok(channel)
    }

    /// Create the draft for `action_id` exactly once: the ledger says whether an
    /// earlier attempt got as far as Front; if it did, the draft it made is found
    /// instead of making another. `body` is plain text: it is HTML-escaped here.
    pub async fn draft_once(
        &self,
        action_id: &str,
        conversation_id: &str,
        channel_id: &str,
        body: &str,
    ) -> Result<String, FnError> {
        let key = format!("draft:{action_id}");
        let now = self.services.now_ms();
        // The action's own run is the only writer of its draft.
        let before = self
            .store
            .ledger_claim(&key, action_id, action_id, now)
            .await
            .map_err(|e| FnError::new(format!("ledger: {e}")))?;
        let body = escape::html_text(body);
        let body = body.as_str();
        match before {
            LedgerClaim::Completed { result } => {
                if let Some(id) = result.get("draftId").and_then(Value::as_str) {
                    return Ok(id.to_owned());
                }
            }
            LedgerClaim::Resumed | LedgerClaim::HeldBy { .. } => {
                // An earlier attempt may have created it and lost the answer.
                let drafts = self
                    .front
                    .list_conversation_drafts(conversation_id)
                    .await
                    .map_err(|e| front_error("list drafts", e))?;
                if let Some(found) = drafts
                    .iter()
                    .find(|d| d.body.as_deref().map(str::trim) == Some(body.trim()))
                {
                    self.complete(&key, &found.id).await?;
                    return Ok(found.id.clone());
                }
            }
            LedgerClaim::Claimed => {}
        }
        let draft = self
            .front
            .create_draft(conversation_id, &NewDraft::shared(body, channel_id))
            .await
            .map_err(|e| front_error("create the draft", e))?;
        self.complete(&key, &draft.id).await?;
        Ok(draft.id)
    }

    async fn complete(&self, key: &str, draft_id: &str) -> Result<(), FnError> {
        self.store
            .ledger_complete(key, &json!({"draftId": draft_id}), self.services.now_ms())
            .await
            .map_err(|e| FnError::new(format!("ledger: {e}")))
    }
}
