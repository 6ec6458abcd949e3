//! Intake counters, tallied in memory and flushed in one write every so often, so that
//! no webhook waits for (or pays for) a database write of its own.

use std::collections::BTreeMap;

/// How often an isolate writes its tally.
pub const FLUSH_INTERVAL_MS: i64 = 10_000;

/// Counts since the last flush.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Tally {
    counts: BTreeMap<&'static str, u64>,
    last_flush_ms: Option<i64>,
}

impl Tally {
    /// Count one `name`.
    pub fn add(&mut self, name: &'static str) {
        *self.counts.entry(name).or_default() += 1;
    }

    /// The counts to write now, if the interval has passed since the last flush (the
    /// first call only starts the clock), leaving the tally empty.
    pub fn take_due(&mut self, now_ms: i64) -> Option<Vec<(&'static str, u64)>> {
        let last = *self.last_flush_ms.get_or_insert(now_ms);
        if now_ms - last < FLUSH_INTERVAL_MS || self.counts.is_empty() {
            return None;
        }
        Some(self.take(now_ms))
    }

    /// Everything counted so far, whatever the time, leaving the tally empty.
    pub fn take(&mut self, now_ms: i64) -> Vec<(&'static str, u64)> {
        self.last_flush_ms = Some(now_ms);
        std::mem::take(&mut self.counts).into_iter().collect()
    }

    /// Put counts back (a flush that failed), so nothing is lost.
    pub fn restore(&mut self, counts: &[(&'static str, u64)]) {
        for (name, n) in counts {
            *self.counts.entry(name).or_default() += n;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flushes_at_most_once_per_interval_and_loses_nothing() {
        let mut t = Tally::default();
        t.add("accepted");
        assert_eq!(t.take_due(1_000), None, "the first call starts the clock");
        t.add("accepted");
        t.add("duplicate");
        assert_eq!(t.take_due(1_000 + FLUSH_INTERVAL_MS - 1), None);
        let due = t.take_due(1_000 + FLUSH_INTERVAL_MS).unwrap();
        assert_eq!(due, [("accepted", 2), ("duplicate", 1)]);
        assert_eq!(
            t.take_due(1_000 + 3 * FLUSH_INTERVAL_MS),
            None,
            "nothing new"
        );
        t.restore(&due);
        assert_eq!(t.take(0), [("accepted", 2), ("duplicate", 1)]);
    }
}
