//! App attribution: which product app a conversation's event belongs to.
//!
//! The app is found from the event's inboxes (the first inbox, in the event's order,
//! that belongs to an app). Events that name no app's inbox (comments carry no inboxes)
//! belong to the app the conversation already has. A registry cache may only ever
//! answer "found": a miss is re-read from the registry itself ([`Lookup::Miss`]), so an
//! app registered a moment ago is never answered "unknown" from a stale copy.

use serde::{Deserialize, Serialize};

use crate::conversation::ConversationMeta;

/// An app as the intake needs it (a row of the registry).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct App {
    /// Stable slug, used as `appId` in events.
    pub slug: String,
    /// The app's Front inbox, if any.
    pub front_inbox_id: Option<String>,
}

/// The app an event is attributed to, and the inbox that told.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppRef {
    /// The app's slug.
    pub app_id: String,
    /// The inbox it was found by.
    pub inbox_id: Option<String>,
}

/// What a look-up in a (possibly stale) copy of the registry found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    /// The event names no inbox: the conversation's app decides.
    NoInbox,
    /// An app owns one of the inboxes.
    Found(AppRef),
    /// No app owns them in this copy: read the registry again before believing it.
    Miss,
}

/// Look the event's inboxes up in `apps`.
pub fn lookup(apps: &[App], inbox_ids: &[String]) -> Lookup {
    if inbox_ids.is_empty() {
        return Lookup::NoInbox;
    }
    inbox_ids
        .iter()
        .find_map(|inbox| {
            apps.iter()
                .find(|a| a.front_inbox_id.as_deref() == Some(inbox.as_str()))
                .map(|a| AppRef {
                    app_id: a.slug.clone(),
                    inbox_id: Some(inbox.clone()),
                })
        })
        .map_or(Lookup::Miss, Lookup::Found)
}

/// The app of an event: the one found from its inboxes, else the conversation's.
/// `None` means nobody knows, and the event is acknowledged and dropped (counted).
pub fn attribute(
    found: Option<&AppRef>,
    conversation: Option<&ConversationMeta>,
) -> Option<AppRef> {
    found.cloned().or_else(|| {
        let meta = conversation?;
        Some(AppRef {
            app_id: meta.app_id.clone()?,
            inbox_id: meta.inbox_id.clone(),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apps() -> Vec<App> {
        vec![
            App {
                slug: "tt".into(),
                front_inbox_id: Some("inb_tt".into()),
            },
            App {
                slug: "pt".into(),
                front_inbox_id: Some("inb_pt".into()),
            },
        ]
    }

    fn ids(ids: &[&str]) -> Vec<String> {
        ids.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_first_inbox_that_belongs_to_an_app_wins() {
        assert_eq!(
            lookup(&apps(), &ids(&["inb_x", "inb_pt", "inb_tt"])),
            Lookup::Found(AppRef {
                app_id: "pt".into(),
                inbox_id: Some("inb_pt".into())
            })
        );
        assert_eq!(lookup(&apps(), &ids(&["inb_x"])), Lookup::Miss);
        assert_eq!(lookup(&apps(), &[]), Lookup::NoInbox);
        assert_eq!(lookup(&[], &ids(&["inb_tt"])), Lookup::Miss);
    }

    #[test]
    fn events_without_an_app_use_the_conversations() {
        let meta = ConversationMeta {
            app_id: Some("tt".into()),
            inbox_id: Some("inb_tt".into()),
            ..Default::default()
        };
        let found = AppRef {
            app_id: "pt".into(),
            inbox_id: None,
        };
        assert_eq!(attribute(Some(&found), Some(&meta)), Some(found.clone()));
        assert_eq!(
            attribute(None, Some(&meta)),
            Some(AppRef {
                app_id: "tt".into(),
                inbox_id: Some("inb_tt".into())
            })
        );
        assert_eq!(attribute(None, Some(&ConversationMeta::default())), None);
        assert_eq!(attribute(None, None), None);
    }
}
