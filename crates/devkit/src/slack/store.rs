//! The workspace in memory: channels and their messages (threads included), ephemeral
//! messages, open modals, trigger ids and response URLs; and how Slack renders them.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::{json, Value};

use super::seed::{SeedChannel, SeedUser, SlackSeed};

/// A message in a channel (top level or in a thread).
#[derive(Debug, Clone, Serialize)]
pub struct Message {
    /// `"1733150000.000100"`: its id in the channel.
    pub ts: String,
    /// Fallback text.
    pub text: String,
    /// Blocks as posted.
    pub blocks: Value,
    /// The parent's `ts` for replies (and for parents once they have replies).
    pub thread_ts: Option<String>,
    /// Message metadata as posted.
    pub metadata: Option<Value>,
    /// `{user, ts}` of the last `chat.update`.
    pub edited: Option<Value>,
}

/// A channel and its messages, oldest first.
#[derive(Debug, Clone)]
pub struct Channel {
    pub seed: SeedChannel,
    pub created: i64,
    pub messages: Vec<Message>,
}

/// A message only one person sees.
#[derive(Debug, Clone, Serialize)]
pub struct Ephemeral {
    pub channel: String,
    pub user: String,
    pub message_ts: String,
    pub text: String,
    pub blocks: Value,
    pub thread_ts: Option<String>,
}

/// A modal opened with `views.open`.
#[derive(Debug, Clone, Serialize)]
pub struct OpenView {
    /// `V…`.
    pub id: String,
    /// The trigger it was opened with.
    pub trigger_id: String,
    /// Whose screen it is on.
    pub user: String,
    /// The view as Slack renders it (`id`, `hash`, `state`, ...).
    pub view: Value,
    /// Still on screen (not submitted and closed, nor cleared).
    pub open: bool,
    /// `response_action: errors` of the last submission.
    pub errors: Option<Value>,
    /// Submissions so far.
    pub submissions: u32,
}

/// A trigger id handed out with an interaction.
#[derive(Debug, Clone)]
pub struct Trigger {
    pub user: String,
    pub issued: Instant,
    pub used: bool,
}

/// A response URL handed out with a `block_actions` payload.
#[derive(Debug, Clone)]
pub struct ResponseUrl {
    pub channel: String,
    pub message_ts: String,
    pub user: String,
    pub issued: Instant,
    pub uses: u32,
}

/// How often and how long a response URL works.
pub const RESPONSE_URL_USES: u32 = 5;
/// See [`RESPONSE_URL_USES`].
pub const RESPONSE_URL_TTL: Duration = Duration::from_secs(30 * 60);

/// Everything the API changes.
pub struct Store {
    pub seed: SlackSeed,
    pub channels: Vec<Channel>,
    pub ephemerals: Vec<Ephemeral>,
    pub views: Vec<OpenView>,
    pub triggers: HashMap<String, Trigger>,
    pub response_urls: HashMap<String, ResponseUrl>,
}

impl Store {
    pub fn new(seed: &SlackSeed, created: i64) -> Store {
        Store {
            seed: seed.clone(),
            channels: seed
                .channels
                .iter()
                .map(|c| Channel {
                    seed: c.clone(),
                    created,
                    messages: Vec::new(),
                })
                .collect(),
            ephemerals: Vec::new(),
            views: Vec::new(),
            triggers: HashMap::new(),
            response_urls: HashMap::new(),
        }
    }

    /// A channel by id, or by name (`support-approvals` or `#support-approvals`), as
    /// `chat.postMessage` accepts both.
    pub fn channel_index(&self, id_or_name: &str) -> Option<usize> {
        let name = id_or_name.strip_prefix('#').unwrap_or(id_or_name);
        self.channels
            .iter()
            .position(|c| c.seed.id == id_or_name)
            .or_else(|| self.channels.iter().position(|c| c.seed.name == name))
    }

    pub fn user(&self, id: &str) -> Option<&SeedUser> {
        self.seed.users.iter().find(|u| u.id == id)
    }

    /// A message by channel and `ts`.
    pub fn message(&self, channel: &str, ts: &str) -> Option<(&Channel, &Message)> {
        let channel = &self.channels[self.channel_index(channel)?];
        Some((channel, channel.messages.iter().find(|m| m.ts == ts)?))
    }

    /// A message as Slack renders it in answers, history and payloads.
    pub fn render(&self, channel: &Channel, message: &Message) -> Value {
        let bot = &self.seed.bot;
        let mut value = json!({
            "type": "message",
            "user": bot.user_id,
            "bot_id": bot.bot_id,
            "app_id": bot.app_id,
            "text": message.text,
            "blocks": message.blocks,
            "ts": message.ts,
            "team": self.seed.team.id,
            "bot_profile": {"id": bot.bot_id, "app_id": bot.app_id, "name": bot.name,
                            "team_id": self.seed.team.id, "deleted": false},
        });
        if let Some(thread_ts) = &message.thread_ts {
            value["thread_ts"] = json!(thread_ts);
            if *thread_ts == message.ts {
                let replies: Vec<&Message> = channel
                    .messages
                    .iter()
                    .filter(|m| m.thread_ts.as_deref() == Some(&message.ts) && m.ts != message.ts)
                    .collect();
                value["reply_count"] = json!(replies.len());
                value["reply_users_count"] = json!(1);
                value["reply_users"] = json!([bot.user_id]);
                if let Some(last) = replies.last() {
                    value["latest_reply"] = json!(last.ts);
                }
            } else {
                value["parent_user_id"] = json!(bot.user_id);
            }
        }
        if let Some(metadata) = &message.metadata {
            value["metadata"] = metadata.clone();
        }
        if let Some(edited) = &message.edited {
            value["edited"] = edited.clone();
        }
        value
    }

    /// A channel as `conversations.list` renders it.
    pub fn render_channel(&self, channel: &Channel) -> Value {
        let c = &channel.seed;
        json!({
            "id": c.id, "name": c.name, "name_normalized": c.name,
            "is_channel": true, "is_group": false, "is_im": false, "is_mpim": false,
            "is_private": c.is_private, "is_archived": false, "is_general": false,
            "is_member": true, "is_shared": false, "is_ext_shared": false, "is_org_shared": false,
            "created": channel.created, "creator": self.seed.bot.user_id,
            "context_team_id": self.seed.team.id,
            "topic": {"value": "", "creator": "", "last_set": 0},
            "purpose": {"value": c.purpose, "creator": "", "last_set": 0},
            "num_members": self.seed.users.len() + 1,
        })
    }

    /// Channels with their messages, threads nested, for the control API.
    pub fn channels_state(&self) -> Value {
        let channels: Vec<Value> = self
            .channels
            .iter()
            .map(|channel| {
                let messages: Vec<Value> = channel
                    .messages
                    .iter()
                    .filter(|m| m.thread_ts.as_ref().is_none_or(|t| *t == m.ts))
                    .map(|parent| {
                        let mut value = self.render(channel, parent);
                        let replies: Vec<Value> = channel
                            .messages
                            .iter()
                            .filter(|m| {
                                m.thread_ts.as_deref() == Some(&parent.ts) && m.ts != parent.ts
                            })
                            .map(|m| self.render(channel, m))
                            .collect();
                        value["replies"] = json!(replies);
                        value
                    })
                    .collect();
                json!({"id": channel.seed.id, "name": channel.seed.name, "messages": messages})
            })
            .collect();
        json!(channels)
    }
}
