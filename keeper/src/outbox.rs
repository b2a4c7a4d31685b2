//! The account's transactions from intent to receipt: every signed attempt is journaled before
//! it is broadcast; pending jobs are settled against the chain (receipts, rebroadcasts, fee
//! bumps, nonces consumed elsewhere). The keeper and the provider node send through it.

use std::collections::HashSet;

use alloy_primitives::{Address, B256, Bytes};
use tracing::{info, warn};

use crate::{
    Error,
    crash::{self, Point},
    journal::{Attempt, Job, Journal, Outcome},
    sender::{Sender, Simulated},
};

/// A job that ended while being settled.
#[derive(Clone, Debug)]
pub struct Settled {
    /// The job.
    pub job: Job,
    /// How it ended.
    pub outcome: Outcome,
    /// The block it was mined in (the head for a superseded nonce).
    pub block: u64,
    /// The attempt that was mined (`None` when superseded).
    pub hash: Option<B256>,
}

/// Counters of what was broadcast.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TxCounters {
    /// Transactions broadcast, replacements included.
    pub sent: u64,
    /// Broadcasts the node refused (reverts on chain are the caller's to count).
    pub refused: u64,
    /// Replacements (fee bumps and cancelling self-transfers).
    pub replaced: u64,
}

/// One account's journaled transactions.
pub struct Outbox {
    /// Signs, simulates and broadcasts.
    pub sender: Sender,
    /// Every nonce the account used.
    pub journal: Journal,
    /// Attempts broadcast successfully by this process (others are rebroadcast).
    broadcast: HashSet<B256>,
    /// Blocks an attempt may stay unmined before it is replaced.
    replace_after_blocks: u64,
    /// What was sent so far.
    pub counters: TxCounters,
}

impl Outbox {
    /// An outbox over `sender` and `journal`.
    pub fn new(sender: Sender, journal: Journal, replace_after_blocks: u64) -> Self {
        Self {
            sender,
            journal,
            broadcast: HashSet::new(),
            replace_after_blocks: replace_after_blocks.max(1),
            counters: TxCounters::default(),
        }
    }

    /// Forgets which attempts this process broadcast (after a reconnect: the new node may
    /// not have them).
    pub fn forget_broadcasts(&mut self) {
        self.broadcast.clear();
    }

    /// The next nonce to assign: past both the chain's pending nonce and the journal's.
    pub async fn next_nonce(&mut self) -> Result<u64, Error> {
        let (_, chain_nonce) = self.sender.nonces().await?;
        Ok(chain_nonce.max(self.journal.max_nonce()?.map_or(0, |n| n + 1)))
    }

    /// Resolves the journal's pending jobs against the chain at `head`: returns the jobs that
    /// ended and how many stay pending.
    pub async fn settle(&mut self, head: u64) -> Result<(Vec<Settled>, u64), Error> {
        let jobs = self.journal.pending()?;
        if jobs.is_empty() {
            return Ok((Vec::new(), 0));
        }
        let (mined_nonce, _) = self.sender.nonces().await?;
        let (mut settled, mut pending) = (Vec::new(), 0);
        for job in jobs {
            if let Some(done) = self.settle_mined(&job).await? {
                settled.push(done);
                continue;
            }
            if job.nonce < mined_nonce {
                warn!(key = %job.key, nonce = job.nonce, "nonce consumed by a transaction not in the journal");
                self.journal
                    .finish(job.id, Outcome::Superseded, Some(head), None)?;
                settled.push(Settled {
                    job,
                    outcome: Outcome::Superseded,
                    block: head,
                    hash: None,
                });
                continue;
            }
            pending += 1;
            let Some(last) = job.attempts.last() else {
                continue;
            };
            if head >= last.sent_block + self.replace_after_blocks {
                self.replace(&job, head).await?;
            } else if !self.broadcast.contains(&last.hash) {
                self.send(job.id, last).await;
            }
        }
        Ok((settled, pending))
    }

    /// Looks for a receipt of any of the job's attempts (the original may be mined after a
    /// replacement was sent); records the outcome.
    async fn settle_mined(&mut self, job: &Job) -> Result<Option<Settled>, Error> {
        for attempt in &job.attempts {
            let Some(receipt) = self.sender.receipt(attempt.hash).await? else {
                continue;
            };
            let block = receipt.block_number.unwrap_or_default();
            let outcome = match (attempt.noop, receipt.status()) {
                (true, _) => Outcome::Cancelled,
                (false, true) => Outcome::Mined,
                (false, false) => Outcome::Reverted,
            };
            self.journal.finish(job.id, outcome, Some(block), None)?;
            crash::pass(Point::Settled);
            return Ok(Some(Settled {
                job: job.clone(),
                outcome,
                block,
                hash: Some(attempt.hash),
            }));
        }
        Ok(None)
    }

    /// Replaces a job's transaction that stayed unmined: the same call with higher fees if it
    /// still succeeds, else a 0-value self-transfer that consumes the nonce.
    async fn replace(&mut self, job: &Job, head: u64) -> Result<(), Error> {
        let Some(last) = job.attempts.last() else {
            return Ok(());
        };
        let Some(fees) = self.sender.bumped(last.max_fee, last.tip) else {
            warn!(key = %job.key, nonce = job.nonce, "stuck at the fee cap; waiting");
            if !self.broadcast.contains(&last.hash) {
                self.send(job.id, last).await;
            }
            return Ok(());
        };
        let call = match self
            .sender
            .simulate(job.target, &job.calldata, &job.kind)
            .await
        {
            Simulated::Ok(gas) if !last.noop => Some((job.target, &job.calldata, gas)),
            _ => None,
        };
        let attempt = self.sender.sign(call, job.nonce, fees, head)?;
        self.journal.add_attempt(job.id, &attempt)?;
        self.counters.replaced += 1;
        info!(key = %job.key, nonce = job.nonce, max_fee = fees.0, cancel = attempt.noop, "replacing an unmined transaction");
        self.send(job.id, &attempt).await;
        Ok(())
    }

    /// Broadcasts a journaled attempt; returns whether the node took it.
    async fn send(&mut self, id: i64, attempt: &Attempt) -> bool {
        match self.sender.broadcast(attempt).await {
            Ok(()) => {
                crash::pass(Point::Broadcast);
                self.counters.sent += 1;
                self.broadcast.insert(attempt.hash);
                true
            }
            Err(error) => {
                self.counters.refused += 1;
                warn!(%error, tx = %attempt.hash, "broadcast failed; the journal keeps it for the next poll");
                if let Err(e) = self.journal.note_error(id, &error) {
                    warn!(%e, "journal");
                }
                false
            }
        }
    }

    /// Signs a call of `calldata` on `target` (simulated at `gas`) with `nonce`, journals it
    /// as job `key` of `kind`, then broadcasts it. Returns the attempt's hash and whether the
    /// node took it (if not, the journal rebroadcasts it at the next [`Outbox::settle`]; a
    /// caller sending several should stop so no later nonce leaves a gap).
    #[allow(clippy::too_many_arguments)]
    pub async fn submit(
        &mut self,
        key: &str,
        kind: &str,
        target: Address,
        calldata: &Bytes,
        gas: u64,
        nonce: u64,
        fees: (u128, u128),
        head: u64,
    ) -> Result<(B256, bool), Error> {
        let attempt = self
            .sender
            .sign(Some((target, calldata, gas)), nonce, fees, head)?;
        let job = Job {
            id: 0,
            key: key.into(),
            kind: kind.into(),
            target,
            calldata: calldata.clone(),
            nonce,
            created_block: head,
            attempts: vec![attempt.clone()],
        };
        let id = self.journal.record(&job)?;
        crash::pass(Point::Journaled);
        info!(key, nonce, tx = %attempt.hash, "sending");
        Ok((attempt.hash, self.send(id, &attempt).await))
    }
}
