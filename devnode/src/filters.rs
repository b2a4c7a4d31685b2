//! Installed filters (`eth_newFilter`, `eth_newBlockFilter`, `eth_newPendingTransactionFilter`):
//! what each one watches and where its next poll starts.
//!
//! As in geth, ids are hex quantities and a filter nobody polls for [`FILTER_TIMEOUT`] is
//! removed. Expiry reads the wall clock (it changes no chain state), passed in by the caller so
//! that tests can move it.

use std::{
    collections::{BTreeMap, HashSet},
    time::{Duration, Instant},
};

use alloy::rpc::types::{Filter, FilterBlockOption};
use alloy_primitives::{B256, U64};

use crate::rpc::errors::{RpcError, RpcResult};

/// A filter not polled for this long is removed (geth's deadline).
pub(crate) const FILTER_TIMEOUT: Duration = Duration::from_secs(5 * 60);
/// Most filters installed at once; installing one more is refused until one is uninstalled or
/// expires.
pub(crate) const MAX_FILTERS: usize = 1024;

/// What a filter reports.
#[derive(Clone, Debug)]
pub(crate) enum Watch {
    /// Hashes of new blocks.
    Blocks,
    /// Hashes of transactions accepted since the last poll.
    PendingTransactions,
    /// New logs matching the filter (its block range, if any, still applies).
    Logs(Box<Filter>),
}

/// What a poll must report: everything from block `from` to the head, and for a pending
/// transaction filter, the pooled transactions not already reported.
#[derive(Clone, Debug)]
pub(crate) struct Due {
    /// What the filter watches.
    pub watch: Watch,
    /// First block not yet reported.
    pub from: u64,
    /// Pooled transactions already reported (pending transaction filters only).
    pub reported: HashSet<B256>,
}

#[derive(Debug)]
struct Installed {
    due: Due,
    polled: Instant,
}

/// The installed filters.
#[derive(Debug, Default)]
pub(crate) struct Filters {
    last_id: u64,
    installed: BTreeMap<u64, Installed>,
}

impl Filters {
    /// Installs a filter that reports what happens after block `head` (and, for pending
    /// transactions, what is not in `pool` already); returns its id.
    pub(crate) fn install(
        &mut self,
        watch: Watch,
        head: u64,
        pool: impl IntoIterator<Item = B256>,
        now: Instant,
    ) -> RpcResult<U64> {
        self.expire(now);
        if self.installed.len() >= MAX_FILTERS {
            return Err(RpcError::server(format!(
                "too many filters: {MAX_FILTERS} are installed; uninstall one or let it expire"
            )));
        }
        self.last_id += 1;
        let due = Due {
            watch,
            from: head + 1,
            reported: pool.into_iter().collect(),
        };
        self.installed
            .insert(self.last_id, Installed { due, polled: now });
        Ok(U64::from(self.last_id))
    }

    /// What filter `id` must report next; polling it keeps it alive.
    pub(crate) fn due(&mut self, id: &str, now: Instant) -> RpcResult<Due> {
        self.expire(now);
        let installed = self.find(id)?;
        installed.polled = now;
        Ok(installed.due.clone())
    }

    /// Records that filter `id` reported up to block `head` and the pooled transactions `pool`.
    pub(crate) fn reported(
        &mut self,
        id: &str,
        head: u64,
        pool: impl IntoIterator<Item = B256>,
    ) -> RpcResult<()> {
        let due = &mut self.find(id)?.due;
        due.from = head + 1;
        due.reported = pool.into_iter().collect();
        Ok(())
    }

    /// What filter `id` watches, without counting as a poll (`eth_getFilterLogs`, as geth).
    pub(crate) fn watch(&mut self, id: &str, now: Instant) -> RpcResult<Watch> {
        self.expire(now);
        Ok(self.find(id)?.due.watch.clone())
    }

    /// Removes filter `id`; false if there was none.
    pub(crate) fn uninstall(&mut self, id: &str, now: Instant) -> bool {
        self.expire(now);
        parse_id(id).is_some_and(|id| self.installed.remove(&id).is_some())
    }

    /// After the chain was cut back to block `head`, the blocks mined next are new to every
    /// filter again.
    pub(crate) fn rewind(&mut self, head: u64) {
        for installed in self.installed.values_mut() {
            installed.due.from = installed.due.from.min(head + 1);
        }
    }

    fn expire(&mut self, now: Instant) {
        self.installed
            .retain(|_, f| now.saturating_duration_since(f.polled) < FILTER_TIMEOUT);
    }

    fn find(&mut self, id: &str) -> RpcResult<&mut Installed> {
        parse_id(id)
            .and_then(|id| self.installed.get_mut(&id))
            .ok_or_else(not_found)
    }
}

/// geth's answer for an unknown filter id.
pub(crate) fn not_found() -> RpcError {
    RpcError::server("filter not found")
}

/// A filter id: a hex quantity.
fn parse_id(id: &str) -> Option<u64> {
    u64::from_str_radix(id.strip_prefix("0x")?, 16).ok()
}

/// The blocks a log filter's own range allows: `latest`, `pending` and an absent bound leave
/// that side open, since the filter reports new logs as they come.
pub(crate) fn block_range(filter: &Filter, by_hash: impl Fn(B256) -> Option<u64>) -> (u64, u64) {
    use alloy::eips::BlockNumberOrTag::{Earliest, Number};
    match filter.block_option {
        FilterBlockOption::AtBlockHash(hash) => match by_hash(hash) {
            Some(n) => (n, n),
            None => (1, 0),
        },
        FilterBlockOption::Range {
            from_block,
            to_block,
        } => {
            let from = match from_block {
                Some(Number(n)) => n,
                _ => 0,
            };
            let to = match to_block {
                Some(Number(n)) => n,
                Some(Earliest) => 0,
                _ => u64::MAX,
            };
            (from, to)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(filters: &mut Filters, now: Instant) -> String {
        let id = filters.install(Watch::Blocks, 3, [], now).unwrap();
        format!("{id:#x}")
    }

    #[test]
    fn ids_are_hex_quantities_counting_up() {
        let mut filters = Filters::default();
        let now = Instant::now();
        assert_eq!(id(&mut filters, now), "0x1");
        assert_eq!(id(&mut filters, now), "0x2");
        assert!(filters.uninstall("0x1", now));
        assert_eq!(id(&mut filters, now), "0x3");
    }

    #[test]
    fn a_poll_starts_after_the_head_at_install_then_after_the_last_report() {
        let mut filters = Filters::default();
        let now = Instant::now();
        let id = id(&mut filters, now);
        assert_eq!(filters.due(&id, now).unwrap().from, 4);
        filters.reported(&id, 9, []).unwrap();
        assert_eq!(filters.due(&id, now).unwrap().from, 10);
    }

    #[test]
    fn unknown_and_malformed_ids_are_not_found() {
        let mut filters = Filters::default();
        let now = Instant::now();
        for id in ["0x1", "1", "0xzz", ""] {
            let err = filters.due(id, now).unwrap_err();
            assert_eq!(err, not_found(), "{id}");
            assert!(!filters.uninstall(id, now));
        }
    }

    #[test]
    fn a_filter_not_polled_for_the_timeout_expires_and_polling_keeps_it_alive() {
        let mut filters = Filters::default();
        let t0 = Instant::now();
        let kept = id(&mut filters, t0);
        let idle = id(&mut filters, t0);
        let almost = t0 + FILTER_TIMEOUT - Duration::from_secs(1);
        filters.due(&kept, almost).unwrap();
        let later = t0 + FILTER_TIMEOUT;
        assert!(filters.due(&kept, later).is_ok());
        assert!(filters.due(&idle, later).is_err());
        // `eth_getFilterLogs` does not count as a poll.
        filters.watch(&kept, later + FILTER_TIMEOUT / 2).unwrap();
        assert!(filters.due(&kept, later + FILTER_TIMEOUT).is_err());
    }

    #[test]
    fn installing_past_the_limit_is_refused_until_one_goes() {
        let mut filters = Filters::default();
        let now = Instant::now();
        for _ in 0..MAX_FILTERS {
            id(&mut filters, now);
        }
        let err = filters.install(Watch::Blocks, 0, [], now).unwrap_err();
        assert!(matches!(err, RpcError::Server(m) if m.starts_with("too many filters")));
        assert!(filters.uninstall("0x1", now));
        id(&mut filters, now);
        // Expired filters make room too.
        id(&mut filters, now + FILTER_TIMEOUT);
    }

    #[test]
    fn a_revert_below_the_cursor_brings_it_back() {
        let mut filters = Filters::default();
        let now = Instant::now();
        let id = id(&mut filters, now);
        filters.reported(&id, 9, []).unwrap();
        filters.rewind(5);
        assert_eq!(filters.due(&id, now).unwrap().from, 6);
        filters.rewind(20);
        assert_eq!(filters.due(&id, now).unwrap().from, 6);
    }

    #[test]
    fn a_log_filter_range_is_open_on_latest_sides() {
        let unknown = |_| None;
        let range = |f: Filter| block_range(&f, unknown);
        assert_eq!(range(Filter::new()), (0, u64::MAX));
        assert_eq!(range(Filter::new().from_block(3).to_block(7)), (3, 7));
        assert_eq!(
            range(
                Filter::new()
                    .from_block(alloy::eips::BlockNumberOrTag::Latest)
                    .to_block(alloy::eips::BlockNumberOrTag::Earliest)
            ),
            (0, 0)
        );
        let hash = B256::repeat_byte(1);
        assert_eq!(
            block_range(&Filter::new().at_block_hash(hash), |_| Some(4)),
            (4, 4)
        );
        let (from, to) = block_range(&Filter::new().at_block_hash(hash), unknown);
        assert!(from > to);
    }
}
