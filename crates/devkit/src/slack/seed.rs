//! The workspace the stand-in starts with (`fixtures/devkit-slack.json`): the team, the
//! bot, channels and people.

use std::collections::HashSet;
use std::path::Path;

use anyhow::{bail, Context};
use serde::{Deserialize, Serialize};

const DEV_SEED: &str = include_str!("../../../../fixtures/devkit-slack.json");

/// Everything the stand-in starts (and resets) with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlackSeed {
    /// The workspace.
    pub team: Team,
    /// The app's bot user, the author of every message posted through the API.
    pub bot: Bot,
    /// Channels (`C…`), the bot a member of each.
    #[serde(default)]
    pub channels: Vec<SeedChannel>,
    /// People (`U…`) who can click.
    #[serde(default)]
    pub users: Vec<SeedUser>,
}

/// The workspace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Team {
    /// `T…`.
    pub id: String,
    /// The subdomain.
    pub domain: String,
    /// Display name.
    #[serde(default)]
    pub name: String,
}

/// The bot user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bot {
    /// `U…` of the bot user.
    pub user_id: String,
    /// `B…`.
    pub bot_id: String,
    /// `A…`.
    pub app_id: String,
    /// Display name.
    #[serde(default)]
    pub name: String,
}

/// A channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeedChannel {
    /// `C…`.
    pub id: String,
    /// Name without `#`.
    pub name: String,
    /// What it is for.
    #[serde(default)]
    pub purpose: String,
    /// Private channels are `G…`-style in old APIs; here only a flag.
    #[serde(default)]
    pub is_private: bool,
}

/// A person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeedUser {
    /// `U…`.
    pub id: String,
    /// Handle.
    pub name: String,
    /// Full name.
    #[serde(default)]
    pub real_name: String,
    /// What the fixture means them for (shown on the page).
    #[serde(default)]
    pub note: String,
}

impl SlackSeed {
    /// The built-in `fixtures/devkit-slack.json`.
    pub fn dev() -> SlackSeed {
        // Checked by a unit test; a bare workspace if the fixture were ever broken.
        SlackSeed::from_json(DEV_SEED).unwrap_or_else(|_| SlackSeed::bare())
    }

    /// A seed read from a JSON file.
    pub fn from_path(path: &Path) -> anyhow::Result<SlackSeed> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        SlackSeed::from_json(&text).with_context(|| format!("in {}", path.display()))
    }

    /// A seed from JSON text, checked: Slack's id prefixes, no id twice.
    pub fn from_json(text: &str) -> anyhow::Result<SlackSeed> {
        let seed: SlackSeed = serde_json::from_str(text)?;
        let mut seen = HashSet::new();
        let ids = seed
            .channels
            .iter()
            .map(|c| (&c.id, "C"))
            .chain(seed.users.iter().map(|u| (&u.id, "U")))
            .chain([(&seed.team.id, "T"), (&seed.bot.user_id, "U")]);
        for (id, prefix) in ids {
            if !id.starts_with(prefix) || id.len() < 2 {
                bail!("id {id:?} should start with {prefix}");
            }
            if !seen.insert(id.clone()) {
                bail!("id {id:?} appears twice");
            }
        }
        Ok(seed)
    }

    /// A workspace with a bot and nothing else.
    fn bare() -> SlackSeed {
        SlackSeed {
            team: Team {
                id: "T0DEVTEAM".into(),
                domain: "support-dev".into(),
                name: String::new(),
            },
            bot: Bot {
                user_id: "U0DEVBOT".into(),
                bot_id: "B0DEVBOT".into(),
                app_id: "A0DEVSUPPORT".into(),
                name: String::new(),
            },
            channels: Vec::new(),
            users: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dev_fixture_parses_with_its_channels_and_people() {
        let seed = SlackSeed::from_json(DEV_SEED).unwrap();
        let channels: Vec<_> = seed.channels.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(channels, ["C0DEVAPPROVALS", "C0DEVESCALATIONS"]);
        let users: Vec<_> = seed.users.iter().map(|u| u.id.as_str()).collect();
        assert_eq!(users, ["U0DEVAPPROVER", "U0DEVOTHER"]);
        assert_eq!(SlackSeed::dev(), seed);
    }

    #[test]
    fn bad_ids_are_refused() {
        let mut seed = SlackSeed::dev();
        seed.channels[1].id = "C0DEVAPPROVALS".into();
        let text = serde_json::to_string(&seed).unwrap();
        assert!(SlackSeed::from_json(&text).is_err());
        seed.channels[1].id = "X1".into();
        let text = serde_json::to_string(&seed).unwrap();
        assert!(SlackSeed::from_json(&text).is_err());
    }
}
