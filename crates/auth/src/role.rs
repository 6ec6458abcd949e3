//! Roles of the people who use the dashboard, and what each may do.
//!
//! | permission | owner | agent | viewer |
//! |---|---|---|---|
//! | [`Permission::ManageApps`] | yes | | |
//! | [`Permission::ManagePeople`] | yes | | |
//! | [`Permission::Decide`] (approve, edit, reject) | yes | yes | |
//! | [`Permission::Read`] | yes | yes | yes |

/// A person's role. Stored as [`Role::as_str`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Everything, including apps and people.
    Owner,
    /// Decides on proposed actions and reads.
    Agent,
    /// Reads only.
    Viewer,
}

/// Something a role may or may not do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    /// Add, configure and remove product apps (and their secrets).
    ManageApps,
    /// Invite people, change their roles, remove them.
    ManagePeople,
    /// Approve, edit or reject proposed actions.
    Decide,
    /// See conversations, actions and the audit log.
    Read,
}

impl Role {
    /// Every role, most powerful first.
    pub const ALL: [Role; 3] = [Role::Owner, Role::Agent, Role::Viewer];

    /// The stored name: `owner`, `agent` or `viewer`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Agent => "agent",
            Role::Viewer => "viewer",
        }
    }

    /// Parses a stored name (exact, lowercase). Anything else is `None`: an
    /// unknown role grants nothing.
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Whether this role may do `permission`.
    pub fn may(self, permission: Permission) -> bool {
        use Permission::*;
        match self {
            Role::Owner => true,
            Role::Agent => matches!(permission, Decide | Read),
            Role::Viewer => matches!(permission, Read),
        }
    }
}

impl core::fmt::Display for Role {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl core::str::FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Role, UnknownRole> {
        Role::parse(s).ok_or(UnknownRole)
    }
}

/// A role name that is not `owner`, `agent` or `viewer`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnknownRole;

impl core::fmt::Display for UnknownRole {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("unknown role")
    }
}

impl std::error::Error for UnknownRole {}

#[cfg(test)]
mod tests {
    use super::*;
    use Permission::*;

    #[test]
    fn permission_table() {
        let all = [ManageApps, ManagePeople, Decide, Read];
        let table = |r: Role| all.map(|p| r.may(p));
        assert_eq!(table(Role::Owner), [true, true, true, true]);
        assert_eq!(table(Role::Agent), [false, false, true, true]);
        assert_eq!(table(Role::Viewer), [false, false, false, true]);
    }

    #[test]
    fn names_round_trip_and_unknown_is_none() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
            assert_eq!(r.to_string().parse::<Role>(), Ok(r));
        }
        for bad in ["", "Owner", "admin", " owner", "viewer\n"] {
            assert_eq!(Role::parse(bad), None, "{bad:?}");
        }
    }
}
