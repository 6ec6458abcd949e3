//! The stand-in's in-memory company: its resources, the seed they start from, and ids.

use std::collections::HashMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The dev seed (`fixtures/devkit-front.json`), built into the binary.
const DEV_SEED: &str = include_str!("../../../../fixtures/devkit-front.json");

/// An inbox.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Inbox {
    /// `inb_…`.
    pub id: String,
    /// Name.
    pub name: String,
    /// Its address, if any.
    #[serde(default)]
    pub address: Option<String>,
    /// Whether it is private.
    #[serde(default)]
    pub is_private: bool,
}

/// A channel, bound to one inbox.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Channel {
    /// `cha_…`.
    pub id: String,
    /// The inbox it delivers to.
    pub inbox_id: String,
    /// Name.
    pub name: String,
    /// `custom` (the only kind that takes incoming messages), `smtp`...
    #[serde(rename = "type", default = "custom")]
    pub kind: String,
    /// Address.
    #[serde(default)]
    pub address: Option<String>,
    /// Address it sends as.
    #[serde(default)]
    pub send_as: Option<String>,
}

fn custom() -> String {
    "custom".into()
}

/// A teammate.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Teammate {
    /// `tea_…`.
    pub id: String,
    /// Email address.
    pub email: String,
    /// Username.
    #[serde(default)]
    pub username: Option<String>,
    /// First name.
    #[serde(default)]
    pub first_name: String,
    /// Last name.
    #[serde(default)]
    pub last_name: String,
    /// Admin.
    #[serde(default)]
    pub is_admin: bool,
}

/// A contact and its handles.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Contact {
    /// `crd_…`.
    pub id: String,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// Handles (`{handle, source}`).
    #[serde(default)]
    pub handles: Vec<Handle>,
}

/// One of a contact's handles.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Handle {
    /// The address.
    pub handle: String,
    /// `email`, `phone`, `custom`...
    pub source: String,
}

/// A tag.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Tag {
    /// `tag_…`.
    pub id: String,
    /// Name.
    pub name: String,
    /// Colour.
    #[serde(default)]
    pub highlight: Option<String>,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Seconds since the epoch.
    #[serde(default)]
    pub created_at: f64,
}

/// A handle on a message or conversation.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Recipient {
    /// Address.
    pub handle: String,
    /// `from`, `to`...
    pub role: String,
    /// Display name.
    pub name: Option<String>,
}

/// A conversation.
#[derive(Debug, Clone, Serialize)]
pub struct Conversation {
    /// `cnv_…`.
    pub id: String,
    /// Subject.
    pub subject: Option<String>,
    /// `unassigned`, `assigned`, `archived`, `deleted`, `spam`.
    pub status: String,
    /// `tea_…`.
    pub assignee_id: Option<String>,
    /// The customer.
    pub recipient: Recipient,
    /// The customer's contact.
    pub contact_id: Option<String>,
    /// Inboxes it is in.
    pub inbox_ids: Vec<String>,
    /// The channel it came in through (replies go out through it).
    pub channel_id: String,
    /// Tags.
    pub tag_ids: Vec<String>,
    /// Custom-channel thread reference that brought it.
    pub thread_ref: Option<String>,
    /// Seconds.
    pub created_at: f64,
    /// Seconds.
    pub updated_at: f64,
}

impl Conversation {
    /// Open again (after an inbound message or an `open` update): assigned or not.
    pub fn reopen(&mut self) {
        self.status = if self.assignee_id.is_some() {
            "assigned"
        } else {
            "unassigned"
        }
        .into();
    }
}

/// A message: received, sent, or a draft.
#[derive(Debug, Clone, Serialize)]
pub struct Message {
    /// `msg_…`.
    pub id: String,
    /// What an asynchronous creation answered with.
    pub message_uid: String,
    /// `cnv_…`.
    pub conversation_id: String,
    /// `custom`, `email`...
    pub kind: String,
    /// Received or sent.
    pub is_inbound: bool,
    /// `shared` / `private` for drafts.
    pub draft_mode: Option<String>,
    /// A draft's version.
    pub version: Option<String>,
    /// Seconds.
    pub created_at: f64,
    /// Subject.
    pub subject: Option<String>,
    /// HTML body.
    pub body: String,
    /// Plain text.
    pub text: String,
    /// `tea_…` for sent messages and drafts.
    pub author_id: Option<String>,
    /// From and to.
    pub recipients: Vec<Recipient>,
    /// Metadata as given.
    pub metadata: Value,
}

/// A comment.
#[derive(Debug, Clone, Serialize)]
pub struct Comment {
    /// `com_…`.
    pub id: String,
    /// `cnv_…`.
    pub conversation_id: String,
    /// `tea_…`.
    pub author_id: Option<String>,
    /// Markdown.
    pub body: String,
    /// Seconds.
    pub posted_at: f64,
    /// Pinned.
    pub is_pinned: bool,
}

/// What the stand-in starts (and resets) with: a JSON document such as
/// `fixtures/devkit-front.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Seed {
    /// `cmp_…`, sent as the webhooks' `authorization.id`.
    #[serde(default = "company")]
    pub company_id: String,
    /// Inboxes.
    #[serde(default)]
    pub inboxes: Vec<Inbox>,
    /// Channels, each bound to one of the inboxes.
    #[serde(default)]
    pub channels: Vec<Channel>,
    /// Teammates.
    #[serde(default)]
    pub teammates: Vec<Teammate>,
    /// Tags.
    #[serde(default)]
    pub tags: Vec<Tag>,
    /// Contacts.
    #[serde(default)]
    pub contacts: Vec<Contact>,
}

fn company() -> String {
    "cmp_dev".into()
}

impl Default for Seed {
    /// An empty company (`cmp_dev` with nothing in it).
    fn default() -> Self {
        Seed {
            company_id: company(),
            inboxes: Vec::new(),
            channels: Vec::new(),
            teammates: Vec::new(),
            tags: Vec::new(),
            contacts: Vec::new(),
        }
    }
}

impl Seed {
    /// The dev apps' company: inbox `inb_dev` with channel `cha_dev` (Total TypeScript),
    /// `inb_other` with `cha_other`, teammates `tea_dev_support` and `tea_dev_instructor`.
    pub fn dev() -> Seed {
        // Checked by a unit test; an empty company if the fixture were ever broken.
        Seed::from_json(DEV_SEED).unwrap_or_default()
    }

    /// A seed read from a JSON file.
    pub fn from_file(path: &Path) -> Result<Seed, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        Seed::from_json(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// A seed from JSON text, checked: ids carry Front's prefixes and channels name a
    /// seeded inbox.
    pub fn from_json(text: &str) -> Result<Seed, String> {
        let seed: Seed = serde_json::from_str(text).map_err(|e| e.to_string())?;
        let prefixed = |prefix: &str, ids: Vec<&str>| {
            ids.into_iter()
                .find(|id| !id.starts_with(prefix) || id.len() == prefix.len())
                .map_or(Ok(()), |id| {
                    Err(format!("id {id:?} must start with {prefix}"))
                })
        };
        prefixed("inb_", seed.inboxes.iter().map(|i| i.id.as_str()).collect())?;
        prefixed(
            "cha_",
            seed.channels.iter().map(|c| c.id.as_str()).collect(),
        )?;
        prefixed(
            "tea_",
            seed.teammates.iter().map(|t| t.id.as_str()).collect(),
        )?;
        prefixed("tag_", seed.tags.iter().map(|t| t.id.as_str()).collect())?;
        prefixed(
            "crd_",
            seed.contacts.iter().map(|c| c.id.as_str()).collect(),
        )?;
        prefixed("cmp_", vec![seed.company_id.as_str()])?;
        if let Some(channel) = seed
            .channels
            .iter()
            .find(|c| !seed.inboxes.iter().any(|i| i.id == c.inbox_id))
        {
            return Err(format!(
                "channel {} names inbox {}, which is not in the seed",
                channel.id, channel.inbox_id
            ));
        }
        Ok(seed)
    }
}

/// Everything the company holds.
#[derive(Debug, Clone, Serialize)]
pub struct Store {
    pub company_id: String,
    pub inboxes: Vec<Inbox>,
    pub channels: Vec<Channel>,
    pub teammates: Vec<Teammate>,
    pub contacts: Vec<Contact>,
    pub tags: Vec<Tag>,
    pub conversations: Vec<Conversation>,
    pub messages: Vec<Message>,
    pub comments: Vec<Comment>,
    /// `(channel, thread_ref)` → conversation.
    #[serde(skip)]
    pub threads: HashMap<(String, String), String>,
}

impl Store {
    /// The company as seeded.
    pub fn new(seed: &Seed) -> Store {
        Store {
            company_id: seed.company_id.clone(),
            inboxes: seed.inboxes.clone(),
            channels: seed.channels.clone(),
            teammates: seed.teammates.clone(),
            contacts: seed.contacts.clone(),
            tags: seed.tags.clone(),
            conversations: Vec::new(),
            messages: Vec::new(),
            comments: Vec::new(),
            threads: HashMap::new(),
        }
    }

    pub fn conversation(&self, id: &str) -> Option<&Conversation> {
        self.conversations.iter().find(|c| c.id == id)
    }

    pub fn conversation_mut(&mut self, id: &str) -> Option<&mut Conversation> {
        self.conversations.iter_mut().find(|c| c.id == id)
    }

    pub fn teammate(&self, id: &str) -> Option<&Teammate> {
        self.teammates.iter().find(|t| t.id == id)
    }

    pub fn channel(&self, id: &str) -> Option<&Channel> {
        self.channels.iter().find(|c| c.id == id)
    }

    pub fn inbox(&self, id: &str) -> Option<&Inbox> {
        self.inboxes.iter().find(|i| i.id == id)
    }

    pub fn tag(&self, id: &str) -> Option<&Tag> {
        self.tags.iter().find(|t| t.id == id)
    }

    /// A message by id, or by `alt:uid:<message_uid>` as Front allows.
    pub fn message(&self, id: &str) -> Option<&Message> {
        match id.strip_prefix("alt:uid:") {
            Some(uid) => self.messages.iter().find(|m| m.message_uid == uid),
            None => self.messages.iter().find(|m| m.id == id),
        }
    }

    /// A contact by id, or by alias `alt:<source>:<handle>` (e.g. `alt:email:dana@…`).
    pub fn contact(&self, id: &str) -> Option<&Contact> {
        match id
            .strip_prefix("alt:")
            .and_then(|rest| rest.split_once(':'))
        {
            Some((source, handle)) => self.contacts.iter().find(|c| {
                c.handles
                    .iter()
                    .any(|h| h.source == source && h.handle.eq_ignore_ascii_case(handle))
            }),
            None => self.contacts.iter().find(|c| c.id == id),
        }
    }
}

/// Ids unique across restarts of the devkit (the platform keeps conversations and
/// event ids for days), in Front's style: a prefix and lowercase base-36 characters.
#[derive(Debug)]
pub struct Ids {
    run: String,
    next: u64,
}

impl Ids {
    /// Ids for a devkit started at `now_ms`.
    pub fn new(now_ms: i64) -> Ids {
        Ids {
            run: base36(now_ms.max(0) as u64),
            next: 0,
        }
    }

    /// A fresh id, e.g. `cnv_m3x9k2a1`.
    pub fn next(&mut self, prefix: &str) -> String {
        format!("{prefix}_{}", self.token())
    }

    /// A fresh unprefixed token (message uids, draft versions).
    pub fn token(&mut self) -> String {
        self.next += 1;
        format!("{}{}", self.run, base36(self.next))
    }
}

fn base36(mut n: u64) -> String {
    const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut out = Vec::new();
    loop {
        out.push(DIGITS[(n % 36) as usize]);
        n /= 36;
        if n == 0 {
            break;
        }
    }
    out.reverse();
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dev_seed_has_the_dev_apps() {
        let seed = Seed::from_json(DEV_SEED).unwrap();
        let channels: Vec<_> = seed
            .channels
            .iter()
            .map(|c| (c.id.as_str(), c.inbox_id.as_str(), c.kind.as_str()))
            .collect();
        assert_eq!(
            channels,
            [
                ("cha_dev", "inb_dev", "custom"),
                ("cha_other", "inb_other", "custom")
            ]
        );
        let teammates: Vec<_> = seed.teammates.iter().map(|t| t.id.as_str()).collect();
        assert_eq!(teammates, ["tea_dev_support", "tea_dev_instructor"]);
        assert_eq!(seed.company_id, "cmp_dev");
    }

    #[test]
    fn seeds_with_bad_ids_or_orphan_channels_are_refused() {
        let orphan = r#"{"channels": [{"id": "cha_x", "inbox_id": "inb_none", "name": "x"}]}"#;
        assert!(Seed::from_json(orphan).unwrap_err().contains("inb_none"));
        let bad = r#"{"inboxes": [{"id": "box_1", "name": "x"}]}"#;
        assert!(Seed::from_json(bad).unwrap_err().contains("inb_"));
    }

    #[test]
    fn ids_are_prefixed_and_distinct() {
        let mut ids = Ids::new(1_700_000_000_000);
        let a = ids.next("cnv");
        let b = ids.next("cnv");
        assert!(a.starts_with("cnv_") && a != b, "{a} {b}");
        assert_ne!(
            Ids::new(1_700_000_000_001).next("cnv"),
            Ids::new(1_700_000_000_000).next("cnv")
        );
    }
}
