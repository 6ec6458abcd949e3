//! The Web API client: one request per call, Slack's `{"ok": ...}` envelope read into
//! values or [`SlackError`]s.

use std::sync::Arc;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::json;
use support_http::{ApiBase, Credential, HttpRequest, HttpResponse, Secret, Transport};

use crate::blocks::View;
use crate::error::Envelope;
use crate::interaction::ResponseMessage;
use crate::limits::{fit_blocks, fit_view, truncate, MAX_MESSAGE_TEXT};
use crate::models::{
    next_cursor, AuthIdentity, Channel, ChannelsPage, EphemeralAnswer, Message, MessagesPage,
    OpenedView, PostMessage, Posted, Update, ViewAnswer,
};
use crate::SlackError;

/// Slack's Web API.
pub const DEFAULT_BASE_URL: &str = "https://slack.com/api";
/// How long one request may take unless [`SlackClient::with_timeout`] says otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// Most pages a call that follows `next_cursor` reads, so a server that keeps answering
/// with a cursor cannot keep a step running for ever.
pub const MAX_PAGES: usize = 50;
/// Page size asked for by calls that read everything.
const PAGE_SIZE: &str = "200";
/// Where Slack's `response_url`s live.
pub const RESPONSE_URL_PREFIX: &str = "https://hooks.slack.com/";
/// Slack asks for the charset with JSON bodies.
const JSON_UTF8: &str = "application/json; charset=utf-8";

/// A Slack Web API client authenticated with a bot token, over any [`Transport`].
/// Cheap to clone.
#[derive(Debug, Clone)]
pub struct SlackClient {
    base: ApiBase,
}

impl SlackClient {
    /// A client of the API at `base_url` ([`DEFAULT_BASE_URL`], or the devkit's
    /// `http://127.0.0.1:8288/slack/api`) with a bot token (`xoxb-…`).
    pub fn new(
        base_url: impl Into<String>,
        bot_token: impl Into<Secret>,
        transport: Arc<dyn Transport>,
    ) -> Self {
        Self {
            base: ApiBase::new(
                base_url.into(),
                Credential::Bearer(bot_token.into()),
                transport,
                DEFAULT_TIMEOUT,
            ),
        }
    }

    /// Give each request this long (default [`DEFAULT_TIMEOUT`]).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.base = self.base.with_timeout(timeout);
        self
    }

    /// The API's base URL, without a trailing slash.
    pub fn base_url(&self) -> &str {
        self.base.base_url()
    }

    /// `auth.test`: who the bot token is (workspace and bot user). A cheap call that
    /// proves the token works; `invalid_auth`, `not_authed`, `token_revoked`... say why
    /// not.
    pub async fn auth_test(&self) -> Result<AuthIdentity, SlackError> {
        self.read("auth.test", &[]).await
    }

    /// `chat.postMessage`. Blocks are fitted into Slack's limits first (long text cut,
    /// see [`crate::fit_blocks`]).
    pub async fn post_message(&self, message: &PostMessage) -> Result<Posted, SlackError> {
        let mut message = message.clone();
        fit_blocks(&mut message.blocks)?;
        truncate(&mut message.text, MAX_MESSAGE_TEXT);
        self.write("chat.postMessage", &message).await
    }

    /// `chat.update`: the message's text and blocks are replaced (blocks fitted first).
    pub async fn update(&self, update: &Update) -> Result<Posted, SlackError> {
        let mut update = update.clone();
        fit_blocks(&mut update.blocks)?;
        truncate(&mut update.text, MAX_MESSAGE_TEXT);
        self.write("chat.update", &update).await
    }

    /// `chat.postEphemeral`: `text` shown to `user` only; returns its `message_ts`.
    pub async fn post_ephemeral(
        &self,
        channel: &str,
        user: &str,
        text: &str,
    ) -> Result<String, SlackError> {
        let mut text = text.to_owned();
        truncate(&mut text, MAX_MESSAGE_TEXT);
        let body = json!({"channel": channel, "user": user, "text": text});
        let answer: EphemeralAnswer = self.write("chat.postEphemeral", &body).await?;
        Ok(answer.message_ts)
    }

    /// `views.open`: a modal for the person whose interaction gave `trigger_id` (valid
    /// about three seconds, once). The view is fitted into Slack's limits first.
    pub async fn views_open(
        &self,
        trigger_id: &str,
        view: &View,
    ) -> Result<OpenedView, SlackError> {
        let mut view = view.clone();
        fit_view(&mut view)?;
        let body = json!({"trigger_id": trigger_id, "view": view});
        let answer: ViewAnswer = self.write("views.open", &body).await?;
        Ok(answer.view)
    }

    /// `conversations.list`: every channel not archived, following `next_cursor`.
    pub async fn conversations_list(&self) -> Result<Vec<Channel>, SlackError> {
        let mut channels = Vec::new();
        let mut cursor: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let mut query = vec![("exclude_archived", "true"), ("limit", PAGE_SIZE)];
            if let Some(cursor) = &cursor {
                query.push(("cursor", cursor));
            }
            let page: ChannelsPage = self.read("conversations.list", &query).await?;
            channels.extend(page.channels);
            cursor = next_cursor(page.response_metadata);
            if cursor.is_none() {
                return Ok(channels);
            }
        }
        Err(too_many_pages())
    }

    /// `conversations.history`: the channel's latest `limit` messages (thread replies
    /// excluded), newest first.
    pub async fn conversations_history(
        &self,
        channel: &str,
        limit: u32,
    ) -> Result<Vec<Message>, SlackError> {
        let limit = limit.to_string();
        let query = [("channel", channel), ("limit", limit.as_str())];
        let page: MessagesPage = self.read("conversations.history", &query).await?;
        Ok(page.messages)
    }

    /// `conversations.replies`: a thread, parent first, following `next_cursor`.
    pub async fn conversations_replies(
        &self,
        channel: &str,
        ts: &str,
    ) -> Result<Vec<Message>, SlackError> {
        let mut messages = Vec::new();
        let mut cursor: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let mut query = vec![("channel", channel), ("ts", ts), ("limit", PAGE_SIZE)];
            if let Some(cursor) = &cursor {
                query.push(("cursor", cursor));
            }
            let page: MessagesPage = self.read("conversations.replies", &query).await?;
            messages.extend(page.messages);
            cursor = next_cursor(page.response_metadata);
            if cursor.is_none() {
                return Ok(messages);
            }
        }
        Err(too_many_pages())
    }

    /// Posts `message` to an interaction's `response_url` (no token is sent). Only
    /// Slack's `https://hooks.slack.com/` and this client's own origin (the devkit) are
    /// called, so a payload cannot point the platform anywhere else.
    pub async fn respond(
        &self,
        response_url: &str,
        message: &ResponseMessage,
    ) -> Result<(), SlackError> {
        if !self.is_response_url(response_url) {
            return Err(SlackError::Decode(
                "response_url is not on Slack's hooks host".into(),
            ));
        }
        let mut message = message.clone();
        fit_blocks(&mut message.blocks)?;
        truncate(&mut message.text, MAX_MESSAGE_TEXT);
        let body = serde_json::to_vec(&message).map_err(|e| SlackError::decode("request", &e))?;
        // No credential: the URL itself is the capability.
        let mut request = HttpRequest::post_json(response_url, body, self.base.timeout());
        request.headers = vec![("Content-Type".to_owned(), JSON_UTF8.to_owned())];
        let response = self.base.send(request).await?;
        // Slack answers `ok` as text or JSON, and a used or expired URL with a 404 that
        // may name the reason; an explicit `ok: false` is the refusal it names.
        let envelope = serde_json::from_slice::<Envelope>(&response.body).ok();
        match envelope {
            Some(envelope) if !envelope.ok && response.status != 429 => Err(envelope.into_error()),
            _ if !response.is_success() => Err(SlackError::from_status(&response)),
            _ => Ok(()),
        }
    }

    fn is_response_url(&self, url: &str) -> bool {
        if url.starts_with(RESPONSE_URL_PREFIX) {
            return true;
        }
        let origin = origin(self.base.base_url());
        !origin.is_empty()
            && url
                .strip_prefix(origin)
                .is_some_and(|rest| rest.starts_with('/'))
    }

    /// A write method: `POST` with a JSON body.
    async fn write<B, T>(&self, method: &str, body: &B) -> Result<T, SlackError>
    where
        B: Serialize + ?Sized,
        T: DeserializeOwned,
    {
        let body = serde_json::to_vec(body).map_err(|e| SlackError::decode("request", &e))?;
        let mut request = self
            .request("POST", self.url(method))
            .header("Content-Type", JSON_UTF8);
        request.body = body;
        self.answer(self.base.send(request).await?)
    }

    /// A read method: `GET` with query parameters.
    async fn read<T: DeserializeOwned>(
        &self,
        method: &str,
        query: &[(&str, &str)],
    ) -> Result<T, SlackError> {
        let mut url = self.url(method);
        let encoded = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(query)
            .finish();
        if !encoded.is_empty() {
            url.push('?');
            url.push_str(&encoded);
        }
        self.answer(self.base.send(self.request("GET", url)).await?)
    }

    fn request(&self, method: &str, url: String) -> HttpRequest {
        self.base.request(method, url, None)
    }

    fn url(&self, method: &str) -> String {
        self.base.url(&format!("/{method}"))
    }

    /// Slack's answer: a non-2xx status is its error; a 2xx body is the `{"ok": ...}`
    /// envelope, `ok: false` being [`SlackError::Api`].
    fn answer<T: DeserializeOwned>(&self, response: HttpResponse) -> Result<T, SlackError> {
        if !response.is_success() {
            return Err(SlackError::from_status(&response));
        }
        let envelope: Envelope = serde_json::from_slice(&response.body)
            .map_err(|e| SlackError::decode("answer is not Slack's envelope", &e))?;
        if !envelope.ok {
            return Err(envelope.into_error());
        }
        serde_json::from_slice(&response.body).map_err(|e| SlackError::decode("answer", &e))
    }
}

/// `scheme://authority` of `url`, or `""` when it has no scheme.
fn origin(url: &str) -> &str {
    let Some(scheme_end) = url.find("://") else {
        return "";
    };
    let rest = &url[scheme_end + 3..];
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    if rest[..end].contains('@') {
        return "";
    }
    &url[..scheme_end + 3 + end]
}

fn too_many_pages() -> SlackError {
    SlackError::Decode(format!("more than {MAX_PAGES} pages of results"))
}
