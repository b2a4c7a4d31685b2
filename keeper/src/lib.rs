//! The Cloudless keeper: follows the marketplace's events, keeps the matcher's book, and
//! submits `matchDeployment`, `evict`, `close` and `finalize` transactions from a crash-safe
//! SQLite journal.
//!
//! ```no_run
//! # async fn demo(manifest: cloudless_client::manifest::Manifest, key: alloy::signers::local::PrivateKeySigner) -> Result<(), cloudless_keeper::Error> {
//! use cloudless_keeper::{Config, Keeper};
//! let config = Config::new("http://127.0.0.1:8547".into(), manifest, key, "keeper.sqlite".into());
//! let keeper = Keeper::start(config).await?;
//! keeper.wait_idle(std::time::Duration::from_secs(30)).await?;
//! println!("{:?}", keeper.status());
//! keeper.shutdown().await
//! # }
//! ```

mod crash;
mod duties;
pub mod ingest;
pub mod journal;
mod metrics;
pub mod outbox;
mod parking;
mod run;
pub mod sender;
pub mod state;
pub mod verify;

use std::{
    net::SocketAddr,
    path::PathBuf,
    sync::Arc,
    time::{Duration, SystemTime},
};

use alloy::signers::local::PrivateKeySigner;
use cloudless_client::manifest::Manifest;
use tokio::sync::{Notify, watch};

pub use crash::CRASH_AT;
pub use sender::LOST_RACE;

/// Fees: what the keeper pays and how it replaces a stuck transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GasPolicy {
    /// Highest fee cap (wei per gas) the keeper ever signs, first attempts included.
    pub fee_cap: u128,
    /// Priority fee of a first attempt (Arbitrum ignores tips; 0 there).
    pub tip: u128,
    /// Raise of both fees on a replacement, percent (≥ 12.5 % rounded up: geth wants 10 %).
    pub bump_percent: u32,
    /// Blocks a transaction may stay unmined before it is replaced.
    pub replace_after_blocks: u64,
    /// Most gas one round of matches may use (the matcher cuts its plan there).
    pub round_gas: u64,
}

impl Default for GasPolicy {
    fn default() -> Self {
        Self {
            fee_cap: 10_000_000_000,
            tip: 0,
            bump_percent: 13,
            replace_after_blocks: 3,
            round_gas: 32_000_000,
        }
    }
}

impl GasPolicy {
    /// The fees of a replacement of an attempt at `max_fee`/`tip`: both raised by
    /// `bump_percent` (at least 1 wei), capped at `fee_cap`; `None` when already at the cap.
    pub fn bumped(&self, max_fee: u128, tip: u128) -> Option<(u128, u128)> {
        if max_fee >= self.fee_cap {
            return None;
        }
        let raise = |v: u128| (v + v * u128::from(self.bump_percent) / 100).max(v + 1);
        let max_fee = raise(max_fee).min(self.fee_cap);
        Some((max_fee, raise(tip).min(max_fee)))
    }
}

/// Bounded retries of work that fails for a reason other than a lost race.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Failures after which the job is parked (reported, never tried again).
    pub attempts: u32,
    /// Wait after the first failure; doubled after each further one.
    pub backoff: Duration,
    /// Ingested blocks in a row in which work's simulation reverts with the same lost-race
    /// error although nothing it depends on changed, after which it is parked (counted in
    /// `keeper_parked_jobs`) until an event touches its deployment or the epoch changes.
    pub park_lost_after_blocks: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            attempts: 4,
            backoff: Duration::from_secs(2),
            park_lost_after_blocks: 10,
        }
    }
}

/// How to run a keeper.
#[derive(Clone, Debug)]
pub struct Config {
    /// JSON-RPC endpoint: `http(s)://` or `ws(s)://`.
    pub rpc_url: String,
    /// The marketplace's deployment manifest (addresses, deploy block).
    pub manifest: Manifest,
    /// The keeper account.
    pub signer: PrivateKeySigner,
    /// The SQLite journal file.
    pub journal: PathBuf,
    /// Blocks behind the head that the keeper acts on. 0 (the default, right for dev chains
    /// and for Arbitrum's sequencer-ordered `latest`) reacts within the block; a larger depth
    /// only delays matching, because a reorged-away match is replanned after the rebuild and
    /// every action is a permissionless, simulated, idempotent-by-revert call.
    pub confirmations: u64,
    /// Pause between polls of the head.
    pub poll_interval: Duration,
    /// Address for `/metrics` and `/healthz` (port 0 picks one, see [`Status::metrics_addr`]).
    pub metrics: Option<SocketAddr>,
    /// Fees and replacements.
    pub gas: GasPolicy,
    /// Retries of failing work.
    pub retry: RetryPolicy,
    /// A warning is logged (and `keeper_low_balance` set) below this balance, wei.
    pub low_balance: u128,
    /// Blocks per `eth_getLogs` call.
    pub log_chunk: u64,
    /// Verifying proofs (sampling leaves from the providers' nodes); `None`: no verification.
    pub verify: Option<verify::Verify>,
}

impl Config {
    /// A configuration with the defaults: no confirmations, 500 ms polls, no metrics server.
    pub fn new(
        rpc_url: String,
        manifest: Manifest,
        signer: PrivateKeySigner,
        journal: PathBuf,
    ) -> Self {
        Self {
            rpc_url,
            manifest,
            signer,
            journal,
            confirmations: 0,
            poll_interval: Duration::from_millis(500),
            metrics: None,
            gas: GasPolicy::default(),
            retry: RetryPolicy::default(),
            low_balance: 10_000_000_000_000_000,
            log_chunk: 2_000,
            verify: None,
        }
    }
}

/// Why the keeper could not start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The configuration cannot work (bad URL, manifest for another chain, busy port).
    #[error("{0}")]
    Config(String),
    /// The node failed or answered nonsense.
    #[error("RPC: {0}")]
    Rpc(String),
    /// The journal cannot be used.
    #[error("journal: {0}")]
    Journal(String),
    /// The journal was written by a newer keeper: its schema is unknown to this build.
    #[error(
        "journal: schema version {version} is newer than this keeper's {supported}: run the \
         keeper release that wrote it (or a later one), or start on a new journal file"
    )]
    JournalTooNew {
        /// The journal's `user_version`.
        version: u32,
        /// The newest version this build knows.
        supported: u32,
    },
    /// Waiting timed out.
    #[error("timed out: {0}")]
    Timeout(String),
}

impl From<rusqlite::Error> for Error {
    fn from(error: rusqlite::Error) -> Self {
        Error::Journal(error.to_string())
    }
}

impl From<alloy::transports::TransportError> for Error {
    fn from(error: alloy::transports::TransportError) -> Self {
        Error::Rpc(error.to_string())
    }
}

/// A snapshot of the keeper's progress and counters.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Status {
    /// Latest block seen.
    pub head: u64,
    /// Last block ingested (`head − confirmations` when caught up).
    pub processed_block: u64,
    /// `head − processed_block`.
    pub lag: u64,
    /// Mined `matchDeployment` transactions.
    pub matches: u64,
    /// Instances they placed.
    pub instances_matched: u64,
    /// Mined evictions.
    pub evictions: u64,
    /// Mined closes.
    pub closes: u64,
    /// Mined finalizations.
    pub finalizes: u64,
    /// Transactions broadcast, replacements included.
    pub txs_sent: u64,
    /// Transactions reverted on chain or refused by the node.
    pub txs_failed: u64,
    /// Replacements (fee bumps and cancelling self-transfers).
    pub txs_replaced: u64,
    /// Work dropped because a simulation said another keeper or user got there first.
    pub lost_races: u64,
    /// Jobs whose retries are exhausted.
    pub parked_jobs: u64,
    /// Jobs with a transaction not mined yet.
    pub pending_jobs: u64,
    /// Wallet balance, wei.
    pub balance: u128,
    /// The balance is below the warning threshold.
    pub low_balance: bool,
    /// State rebuilds from the deploy block.
    pub rebuilds: u64,
    /// Logs that contradicted the state and were skipped (each one is a bug or a missed log:
    /// the book may be wrong about what it names).
    pub contradictions: u64,
    /// The latest such log: where it is and why it did not fit.
    pub last_contradiction: Option<String>,
    /// Poll cycles completed.
    pub cycles: u64,
    /// The last cycle found nothing to do and nothing in flight, at the head.
    pub idle: bool,
    /// When a poll last succeeded.
    pub last_poll_ok: Option<SystemTime>,
    /// The last poll's error, if it failed.
    pub last_error: Option<String>,
    /// Where `/metrics` is served.
    pub metrics_addr: Option<SocketAddr>,
    /// Mined `resolve`s of disputes left unanswered.
    pub resolves: u64,
    /// Proofs verified (their sampled leaves fetched and checked).
    pub proofs_verified: u64,
    /// Leaves fetched and checked.
    pub leaves_sampled: u64,
    /// Disputes by `(kind, outcome)`: `result`/`fraud` when a `disputeResult` was mined,
    /// `sample`/`opened` when a `challengeSample` was, `sample`/`unfunded` for a leaf that
    /// could not be challenged within the bond budget or the keeper's funds.
    pub disputes: std::collections::BTreeMap<(String, String), u64>,
}

/// Starts keepers.
pub struct Keeper;

impl Keeper {
    /// Connects, opens the journal and starts the keeper's loop (and the metrics server).
    /// Reconciliation with the chain's nonces happens in the first cycle, before any new work.
    pub async fn start(config: Config) -> Result<KeeperHandle, Error> {
        let (status_tx, status_rx) = watch::channel(Status::default());
        let (stop_tx, stop_rx) = watch::channel(false);
        let wake = Arc::new(Notify::new());
        let mut daemon = run::Daemon::connect(config.clone(), status_tx, wake.clone()).await?;
        if let Some(addr) = config.metrics {
            let healthy_within = (config.poll_interval * 3).max(Duration::from_secs(10));
            let local =
                metrics::serve(addr, status_rx.clone(), healthy_within, stop_rx.clone()).await?;
            daemon.set_metrics_addr(local);
        }
        let task = tokio::spawn(daemon.run(stop_rx));
        Ok(KeeperHandle {
            status: status_rx,
            stop: stop_tx,
            wake,
            task,
        })
    }
}

/// A running keeper.
pub struct KeeperHandle {
    status: watch::Receiver<Status>,
    stop: watch::Sender<bool>,
    wake: Arc<Notify>,
    task: tokio::task::JoinHandle<Result<(), Error>>,
}

impl KeeperHandle {
    /// The latest status.
    pub fn status(&self) -> Status {
        self.status.borrow().clone()
    }

    /// Resolves once a cycle that started after this call found the keeper at the chain head
    /// with nothing to send and nothing in flight; fails after `timeout` or if the keeper
    /// stopped.
    pub async fn wait_idle(&self, timeout: Duration) -> Result<Status, Error> {
        let mut status = self.status.clone();
        let start = status.borrow_and_update().cycles;
        self.wake.notify_one();
        let wait = async {
            loop {
                {
                    let s = status.borrow_and_update();
                    if s.cycles >= start + 2 && s.idle {
                        return Ok(s.clone());
                    }
                }
                self.wake.notify_one();
                status
                    .changed()
                    .await
                    .map_err(|_| Error::Config("the keeper stopped".into()))?;
            }
        };
        tokio::time::timeout(timeout, wait)
            .await
            .map_err(|_| Error::Timeout(format!("the keeper was not idle within {timeout:?}")))?
    }

    /// Stops after the cycle in progress (its transactions are journaled) and closes the
    /// journal.
    pub async fn shutdown(self) -> Result<(), Error> {
        let _ = self.stop.send(true);
        self.wake.notify_one();
        self.task
            .await
            .map_err(|e| Error::Config(format!("the keeper task failed: {e}")))?
    }
}

#[cfg(test)]
mod tests {
    use super::GasPolicy;

    #[test]
    fn replacements_raise_both_fees_enough_for_geth_and_stop_at_the_cap() {
        let policy = GasPolicy {
            fee_cap: 1_000,
            ..GasPolicy::default()
        };
        // geth replaces a pending transaction only if both fees rise by at least 10%.
        let (max_fee, tip) = policy.bumped(200, 100).unwrap();
        assert!(max_fee * 10 >= 200 * 11 && tip * 10 >= 100 * 11);
        assert!(tip <= max_fee);
        // Tiny fees still move (by at least 1 wei), and a zero tip stays payable.
        assert_eq!(policy.bumped(1, 0), Some((2, 1)));
        // Raises stop at the cap; at the cap there is no replacement.
        assert_eq!(policy.bumped(950, 0).unwrap().0, 1_000);
        assert_eq!(policy.bumped(1_000, 0), None);
        let mut fees = (100, 0);
        let mut replacements = 0;
        while let Some(next) = policy.bumped(fees.0, fees.1) {
            assert!(next.0 > fees.0);
            fees = next;
            replacements += 1;
        }
        assert_eq!(fees.0, 1_000);
        assert!(replacements < 30, "a bounded number of replacements");
    }
}
