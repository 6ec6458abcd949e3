//! Login throttling decisions: fixed windows, pure logic.
//!
//! The caller keeps one counter of **failed** sign-ins per account (normalised
//! email) and one per client address, each keyed by the window it falls in
//! ([`Policy::window_start`]), and asks [`Policy::decide`] before checking a
//! password. A success does not count; the caller may reset the account counter
//! on success. Storage (D1, a Durable Object) is elsewhere.
//!
//! Fixed windows are simple to store (one row per key and window) and bound an
//! attacker to `limit` guesses per window per account; a burst at a window's
//! edge can reach twice the limit in a short time, which is acceptable for
//! these numbers. Both counters are checked so that one address cannot spray
//! many accounts and many addresses cannot hammer one account.

/// Failed sign-ins allowed per account per window.
pub const ACCOUNT_FAILURE_LIMIT: u32 = 5;
/// Failed sign-ins allowed per client address per window (shared offices and
/// NAT put several people behind one address).
pub const ADDRESS_FAILURE_LIMIT: u32 = 20;
/// Window length for both: 15 minutes.
pub const WINDOW_SECS: u64 = 15 * 60;

/// The per-account policy: 5 failures per 15 minutes.
pub const PER_ACCOUNT: Policy = Policy {
    limit: ACCOUNT_FAILURE_LIMIT,
    window_secs: WINDOW_SECS,
};
/// The per-address policy: 20 failures per 15 minutes.
pub const PER_ADDRESS: Policy = Policy {
    limit: ADDRESS_FAILURE_LIMIT,
    window_secs: WINDOW_SECS,
};

/// Whether an attempt may go ahead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Go ahead; `remaining` more failures are allowed after this attempt
    /// should it fail too.
    Allow {
        /// Failures still allowed in this window after this attempt.
        remaining: u32,
    },
    /// Refuse without checking the password.
    Deny {
        /// Seconds until the window ends (for `Retry-After`); 0 when unknown.
        retry_after_secs: u64,
    },
}

impl Decision {
    /// `true` for [`Decision::Allow`].
    pub fn is_allowed(self) -> bool {
        matches!(self, Decision::Allow { .. })
    }

    /// The stricter of two decisions: a denial wins (the later retry time when
    /// both deny), otherwise the smaller `remaining`.
    pub fn and(self, other: Decision) -> Decision {
        use Decision::*;
        match (self, other) {
            (
                Deny {
                    retry_after_secs: a,
                },
                Deny {
                    retry_after_secs: b,
                },
            ) => Deny {
                retry_after_secs: a.max(b),
            },
            (d @ Deny { .. }, _) | (_, d @ Deny { .. }) => d,
            (Allow { remaining: a }, Allow { remaining: b }) => Allow {
                remaining: a.min(b),
            },
        }
    }
}

/// `attempts_in_window` failures already recorded in the current window,
/// against `limit`: allowed while fewer than `limit` have failed. A limit of 0
/// denies everything.
pub fn allow(attempts_in_window: u32, limit: u32) -> Decision {
    if attempts_in_window < limit {
        Decision::Allow {
            remaining: limit - attempts_in_window - 1,
        }
    } else {
        Decision::Deny {
            retry_after_secs: 0,
        }
    }
}

/// A limit per fixed window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Failures allowed per window.
    pub limit: u32,
    /// Window length in seconds (non-zero).
    pub window_secs: u64,
}

impl Policy {
    /// Start (Unix seconds) of the window containing `now_secs`: the key under
    /// which the caller counts failures.
    pub fn window_start(&self, now_secs: u64) -> u64 {
        let w = self.window_secs.max(1);
        now_secs - now_secs % w
    }

    /// Seconds from `now_secs` until the current window ends (at least 1).
    pub fn retry_after(&self, now_secs: u64) -> u64 {
        let w = self.window_secs.max(1);
        w - now_secs % w
    }

    /// [`allow`] with this policy's limit, and a `Retry-After` when denied.
    pub fn decide(&self, attempts_in_window: u32, now_secs: u64) -> Decision {
        match allow(attempts_in_window, self.limit) {
            Decision::Deny { .. } => Decision::Deny {
                retry_after_secs: self.retry_after(now_secs),
            },
            allowed => allowed,
        }
    }
}

/// The sign-in decision from both counters ([`PER_ACCOUNT`] and [`PER_ADDRESS`]).
pub fn decide_login(account_failures: u32, address_failures: u32, now_secs: u64) -> Decision {
    PER_ACCOUNT
        .decide(account_failures, now_secs)
        .and(PER_ADDRESS.decide(address_failures, now_secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limit_boundaries() {
        assert_eq!(allow(0, 5), Decision::Allow { remaining: 4 });
        assert_eq!(allow(4, 5), Decision::Allow { remaining: 0 });
        assert!(!allow(5, 5).is_allowed());
        assert!(!allow(u32::MAX, 5).is_allowed());
        assert!(!allow(0, 0).is_allowed());
    }

    #[test]
    fn windows_and_retry_after() {
        let t = 1_700_000_123; // 1_700_000_123 % 900 = 23
        assert_eq!(PER_ACCOUNT.window_start(t), t - 23);
        assert_eq!(PER_ACCOUNT.retry_after(t), 900 - 23);
        assert_eq!(PER_ACCOUNT.retry_after(t - 23), 900);
        assert_eq!(
            PER_ACCOUNT.decide(5, t),
            Decision::Deny {
                retry_after_secs: 877
            }
        );
        assert!(PER_ACCOUNT.decide(4, t).is_allowed());
    }

    #[test]
    fn both_counters_apply() {
        let t = 0;
        assert_eq!(decide_login(0, 0, t), Decision::Allow { remaining: 4 });
        assert_eq!(decide_login(1, 18, t), Decision::Allow { remaining: 1 });
        assert!(!decide_login(5, 0, t).is_allowed(), "account locked");
        assert!(!decide_login(0, 20, t).is_allowed(), "address locked");
        assert!(decide_login(4, 19, t).is_allowed());
    }
}
