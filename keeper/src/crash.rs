//! Test hook for deterministic crash tests: `CLOUDLESS_KEEPER_CRASH_AT=<point>:<n>` makes the
//! process abort (`std::process::abort`, no cleanup, like a power cut after the last fsync) the
//! n-th time it passes `point`, counted from the process's start. Read once when the daemon
//! connects; unset, a pass costs one load of an initialised `OnceLock`.

use std::sync::{
    OnceLock,
    atomic::{AtomicU64, Ordering},
};

/// The variable naming the crash point.
pub const CRASH_AT: &str = "CLOUDLESS_KEEPER_CRASH_AT";

/// Where the keeper can be made to crash.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Point {
    /// A job's transaction is in the journal (its intent is durable) but not broadcast yet.
    Journaled,
    /// The node accepted a broadcast (first sends, rebroadcasts and replacements alike).
    Broadcast,
    /// A job's receipt is recorded in the journal (mined, reverted or cancelled).
    Settled,
}

impl Point {
    fn parse(name: &str) -> Option<Self> {
        match name {
            "journaled" => Some(Self::Journaled),
            "broadcast" => Some(Self::Broadcast),
            "settled" => Some(Self::Settled),
            _ => None,
        }
    }
}

static ARMED: OnceLock<Option<(Point, AtomicU64)>> = OnceLock::new();

/// Parses `<point>:<n>` (n ≥ 1).
fn parse(value: &str) -> Option<(Point, u64)> {
    let (point, n) = value.split_once(':')?;
    let n: u64 = n.parse().ok().filter(|&n| n > 0)?;
    Some((Point::parse(point)?, n))
}

/// Reads the variable once; a value that does not parse is refused, so a typo cannot silently
/// turn a crash test into a test without crashes.
pub fn arm() -> Result<(), String> {
    let value = std::env::var(CRASH_AT).ok();
    let armed = match value.as_deref() {
        None => None,
        Some(v) => Some(parse(v).ok_or_else(|| {
            format!("{CRASH_AT}={v}: expected <journaled|broadcast|settled>:<n ≥ 1>")
        })?),
    };
    ARMED.get_or_init(|| armed.map(|(point, n)| (point, AtomicU64::new(n))));
    Ok(())
}

/// Marks a pass through `point`; aborts on the armed pass.
pub fn pass(point: Point) {
    if let Some(Some((at, left))) = ARMED.get()
        && *at == point
        && left.fetch_sub(1, Ordering::SeqCst) == 1
    {
        tracing::error!(?point, "{CRASH_AT}: aborting");
        std::process::abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crash_points_parse_as_name_colon_count_and_nothing_else() {
        assert_eq!(parse("journaled:1"), Some((Point::Journaled, 1)));
        assert_eq!(parse("broadcast:3"), Some((Point::Broadcast, 3)));
        assert_eq!(parse("settled:2"), Some((Point::Settled, 2)));
        for bad in ["settled:0", "settled", "mined:1", "journaled:-1", ":1", ""] {
            assert_eq!(parse(bad), None, "{bad:?} must be refused");
        }
    }
}
