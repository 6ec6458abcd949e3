//! Where "now" comes from.

use std::rc::Rc;
use std::sync::Arc;

/// A source of the current time, used for the timestamp tolerance check.
///
/// Only [`Clock::now_unix_millis`] has to be implemented.
pub trait Clock {
    /// Milliseconds since the Unix epoch.
    fn now_unix_millis(&self) -> i64;

    /// Whole seconds since the Unix epoch, rounded towards negative infinity.
    fn now_unix(&self) -> i64 {
        self.now_unix_millis().div_euclid(1000)
    }
}

/// The real clock. It uses [`web_time::SystemTime`], so it works natively and
/// in browsers and Workers (`wasm32-unknown-unknown`), where
/// `std::time::SystemTime::now()` panics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_unix_millis(&self) -> i64 {
        let now = web_time::SystemTime::now();
        match now.duration_since(web_time::UNIX_EPOCH) {
            Ok(since) => i64::try_from(since.as_millis()).unwrap_or(i64::MAX),
            Err(before) => i64::try_from(before.duration().as_millis()).map_or(i64::MIN, |ms| -ms),
        }
    }
}

/// A clock stopped at a fixed instant, in **milliseconds** since the Unix epoch.
/// Meant for tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FixedClock(pub i64);

impl FixedClock {
    /// A clock stopped at `secs` seconds since the Unix epoch (saturating).
    pub const fn from_secs(secs: i64) -> Self {
        Self(secs.saturating_mul(1000))
    }
}

impl Clock for FixedClock {
    fn now_unix_millis(&self) -> i64 {
        self.0
    }
}

impl<C: Clock + ?Sized> Clock for &C {
    fn now_unix_millis(&self) -> i64 {
        (**self).now_unix_millis()
    }
    fn now_unix(&self) -> i64 {
        (**self).now_unix()
    }
}

impl<C: Clock + ?Sized> Clock for Box<C> {
    fn now_unix_millis(&self) -> i64 {
        (**self).now_unix_millis()
    }
    fn now_unix(&self) -> i64 {
        (**self).now_unix()
    }
}

impl<C: Clock + ?Sized> Clock for Arc<C> {
    fn now_unix_millis(&self) -> i64 {
        (**self).now_unix_millis()
    }
    fn now_unix(&self) -> i64 {
        (**self).now_unix()
    }
}

impl<C: Clock + ?Sized> Clock for Rc<C> {
    fn now_unix_millis(&self) -> i64 {
        (**self).now_unix_millis()
    }
    fn now_unix(&self) -> i64 {
        (**self).now_unix()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_clock_rounds_seconds_down() {
        assert_eq!(FixedClock(1_700_000_000_999).now_unix(), 1_700_000_000);
        assert_eq!(FixedClock(-1).now_unix(), -1);
        assert_eq!(FixedClock::from_secs(42).now_unix_millis(), 42_000);
    }

    #[test]
    fn system_clock_is_after_2023() {
        assert!(SystemClock.now_unix() > 1_700_000_000);
        assert!(SystemClock.now_unix_millis() > 1_700_000_000_000);
    }

    #[test]
    fn smart_pointers_forward() {
        let shared: Arc<dyn Clock + Send + Sync> = Arc::new(FixedClock(5_000));
        assert_eq!(shared.now_unix(), 5);
        fn by_value<C: Clock>(clock: C) -> i64 {
            clock.now_unix_millis()
        }
        assert_eq!(by_value(&*shared), 5_000);
        assert_eq!(by_value(shared.clone()), 5_000);
        let boxed: Box<dyn Clock> = Box::new(FixedClock(7_000));
        assert_eq!(boxed.now_unix(), 7);
        assert_eq!(Rc::new(FixedClock(9_000)).now_unix(), 9);
    }
}
