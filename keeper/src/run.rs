//! The keeper's loop. Each cycle: read the head, ingest logs up to `head − confirmations`,
//! settle the journal's pending jobs (receipts, rebroadcasts, fee bumps, nonces consumed
//! elsewhere), then — only when nothing is in flight and every mined job is ingested, so the
//! book reflects the keeper's own work — plan one round and send it with consecutive nonces.

use std::{
    collections::{HashMap, HashSet},
    net::SocketAddr,
    sync::Arc,
    time::{SystemTime, UNIX_EPOCH},
};

use alloy::{
    eips::BlockNumberOrTag,
    providers::{Provider, ProviderBuilder},
};
use alloy_primitives::{B256, Bytes};
use alloy_sol_types::SolCall;
use cloudless_abi::{clock::epoch_at, market::IMarket};
use matcher::{Budget, Sources};
use tokio::sync::{Notify, watch};
use tracing::{debug, error, info, warn};

use crate::{
    Config, Error, Status,
    crash::{self, Point},
    duties::{self, Kind, Work},
    ingest::{self, Cursor},
    journal::{Failure, Job, Journal, Outcome},
    parking::Parking,
    sender::{Sender, Simulated},
    state::MarketState,
};

/// The running keeper's state.
pub struct Daemon {
    config: Config,
    sender: Sender,
    journal: Journal,
    state: MarketState,
    cursor: Cursor,
    status: Status,
    status_tx: watch::Sender<Status>,
    wake: Arc<Notify>,
    /// Work a simulation refused at a block: not tried again before a later block is ingested.
    lost: HashMap<String, u64>,
    /// Work whose simulation keeps losing the same way with unchanged inputs.
    parking: Parking,
    /// Attempts broadcast successfully by this process (others are rebroadcast).
    broadcast: HashSet<B256>,
    reconnect: bool,
}

async fn connect(url: &str) -> Result<alloy::providers::DynProvider, Error> {
    let provider = ProviderBuilder::new()
        .connect(url)
        .await
        .map_err(|e| Error::Rpc(format!("connecting to {url}: {e}")))?;
    Ok(provider.erased())
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

impl Daemon {
    /// Connects, checks the chain and opens the journal.
    pub async fn connect(
        config: Config,
        status_tx: watch::Sender<Status>,
        wake: Arc<Notify>,
    ) -> Result<Self, Error> {
        crash::arm().map_err(Error::Config)?;
        let manifest = &config.manifest;
        let address = |name: &str| {
            manifest
                .address(name)
                .ok_or_else(|| Error::Config(format!("the manifest has no {name} address")))
        };
        let sources = Sources {
            registry: address("registry")?,
            market: address("market")?,
        };
        let provider = connect(&config.rpc_url).await?;
        let chain_id = provider.get_chain_id().await?;
        if chain_id != manifest.chain_id {
            return Err(Error::Config(format!(
                "the manifest is for chain {} but {} is chain {chain_id}",
                manifest.chain_id, config.rpc_url
            )));
        }
        let journal = Journal::open(&config.journal, chain_id, config.signer.address())?;
        let sender = Sender::new(provider, config.signer.clone(), chain_id, config.gas);
        info!(keeper = %sender.address(), chain_id, journal = %config.journal.display(), "keeper started");
        Ok(Self {
            cursor: Cursor {
                deploy_block: manifest.deploy_block.unwrap_or(0),
                processed: None,
                chunk: config.log_chunk.max(1),
            },
            state: MarketState::new(sources),
            sender,
            journal,
            status: Status::default(),
            status_tx,
            wake,
            lost: HashMap::new(),
            parking: Parking::new(config.retry.park_lost_after_blocks),
            broadcast: HashSet::new(),
            reconnect: false,
            config,
        })
    }

    /// Where `/metrics` is served.
    pub fn set_metrics_addr(&mut self, addr: SocketAddr) {
        self.status.metrics_addr = Some(addr);
        self.publish();
    }

    fn publish(&self) {
        self.status_tx.send_replace(self.status.clone());
    }

    /// Cycles until `stop` is set.
    pub async fn run(mut self, mut stop: watch::Receiver<bool>) -> Result<(), Error> {
        while !*stop.borrow() {
            match self.cycle().await {
                Ok(idle) => {
                    self.status.idle = idle;
                    self.status.last_poll_ok = Some(SystemTime::now());
                    self.status.last_error = None;
                }
                Err(error) => {
                    warn!(%error, "poll failed; reconnecting on the next one");
                    self.status.idle = false;
                    self.status.last_error = Some(error.to_string());
                    self.reconnect = true;
                }
            }
            self.status.cycles += 1;
            self.publish();
            tokio::select! {
                _ = tokio::time::sleep(self.config.poll_interval) => {}
                _ = self.wake.notified() => {}
                _ = stop.changed() => {}
            }
        }
        info!(status = ?self.status, "keeper stopped");
        Ok(())
    }

    /// One poll; returns whether the keeper is idle (at the head, nothing sent or in flight).
    async fn cycle(&mut self) -> Result<bool, Error> {
        if self.reconnect {
            self.sender.provider = connect(&self.config.rpc_url).await?;
            self.broadcast.clear();
            self.reconnect = false;
        }
        let head = self
            .sender
            .provider
            .get_block_by_number(BlockNumberOrTag::Latest)
            .await?
            .ok_or_else(|| Error::Rpc("the node has no latest block".into()))?;
        let (head, timestamp) = (head.header.number, head.header.timestamp);
        let target = head.saturating_sub(self.config.confirmations);
        if self.cursor.processed.is_none() {
            self.status.rebuilds += 1;
        }
        // The head and lag follow the chain even when ingesting fails below.
        self.status.head = head;
        self.track_lag();
        let ingested = ingest::ingest(
            &self.sender.provider,
            &mut self.cursor,
            &mut self.state,
            target,
        )
        .await;
        self.track_lag();
        for contradiction in ingested? {
            self.status.contradictions += 1;
            self.status.last_contradiction = Some(contradiction.to_string());
        }
        let processed = self.cursor.block();

        let pending = self.settle(head).await?;
        self.status.pending_jobs = pending;
        self.check_balance().await?;
        let unsettled = !self.journal.settled_after(processed)?.is_empty();
        let mut sent = 0;
        if pending == 0 && !unsettled {
            sent = self.round(head, timestamp, processed).await?;
        }
        self.status.parked_jobs = self.journal.parked()? + self.parking.count();
        Ok(pending == 0 && sent == 0 && !unsettled && processed == target)
    }

    fn track_lag(&mut self) {
        let processed = self.cursor.block();
        self.status.processed_block = processed;
        self.status.lag = self.status.head.saturating_sub(processed);
    }

    async fn check_balance(&mut self) -> Result<(), Error> {
        let balance = self.sender.balance().await?;
        let balance = u128::try_from(balance).unwrap_or(u128::MAX);
        let low = balance < self.config.low_balance;
        if low && !self.status.low_balance {
            warn!(balance, threshold = self.config.low_balance, keeper = %self.sender.address(), "low balance: fund the keeper account");
        }
        self.status.balance = balance;
        self.status.low_balance = low;
        Ok(())
    }

    /// Resolves the journal's pending jobs against the chain; returns how many stay pending.
    async fn settle(&mut self, head: u64) -> Result<u64, Error> {
        let jobs = self.journal.pending()?;
        if jobs.is_empty() {
            return Ok(0);
        }
        let (mined_nonce, _) = self.sender.nonces().await?;
        let mut pending = 0;
        for job in jobs {
            if self.settle_mined(&job).await? {
                continue;
            }
            if job.nonce < mined_nonce {
                warn!(key = %job.key, nonce = job.nonce, "nonce consumed by a transaction not in the journal");
                self.journal
                    .finish(job.id, Outcome::Superseded, Some(head), None)?;
                continue;
            }
            pending += 1;
            let Some(last) = job.attempts.last() else {
                continue;
            };
            if head >= last.sent_block + self.config.gas.replace_after_blocks {
                self.replace(&job, head).await?;
            } else if !self.broadcast.contains(&last.hash) {
                self.send(job.id, last).await;
            }
        }
        Ok(pending)
    }

    /// Looks for a receipt of any of the job's attempts (the original may be mined after a
    /// replacement was sent); records the outcome.
    async fn settle_mined(&mut self, job: &Job) -> Result<bool, Error> {
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
            match outcome {
                Outcome::Mined => self.count_mined(job),
                Outcome::Reverted => {
                    self.status.txs_failed += 1;
                    self.lost.insert(job.key.clone(), block);
                    let why = format!("reverted on chain in block {block} ({})", attempt.hash);
                    self.fail(&job.key, &job.calldata, &why)?;
                }
                _ => {
                    info!(key = %job.key, nonce = job.nonce, "nonce consumed by a cancelling self-transfer")
                }
            }
            return Ok(true);
        }
        Ok(false)
    }

    fn count_mined(&mut self, job: &Job) {
        info!(key = %job.key, nonce = job.nonce, "mined");
        let s = &mut self.status;
        match job.kind.as_str() {
            "match" => {
                s.matches += 1;
                if let Ok(call) = IMarket::matchDeploymentCall::abi_decode(&job.calldata) {
                    s.instances_matched += call
                        .pairs
                        .iter()
                        .map(|p| u64::from(p.instances))
                        .sum::<u64>();
                }
            }
            "evict" => s.evictions += 1,
            "close" => s.closes += 1,
            _ => s.finalizes += 1,
        }
    }

    /// Replaces a job's transaction that stayed unmined: the same call with higher fees if it
    /// still succeeds, else a 0-value self-transfer that consumes the nonce.
    async fn replace(&mut self, job: &Job, head: u64) -> Result<(), Error> {
        let Some(last) = job.attempts.last() else {
            return Ok(());
        };
        let Some(fees) = self.sender.bumped(last.max_fee, last.tip) else {
            warn!(key = %job.key, nonce = job.nonce, fee_cap = self.config.gas.fee_cap, "stuck at the fee cap; waiting");
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
        self.status.txs_replaced += 1;
        info!(key = %job.key, nonce = job.nonce, max_fee = fees.0, cancel = attempt.noop, "replacing an unmined transaction");
        self.send(job.id, &attempt).await;
        Ok(())
    }

    /// Broadcasts a journaled attempt; returns whether the node took it.
    async fn send(&mut self, id: i64, attempt: &crate::journal::Attempt) -> bool {
        match self.sender.broadcast(attempt).await {
            Ok(()) => {
                crash::pass(Point::Broadcast);
                self.status.txs_sent += 1;
                self.broadcast.insert(attempt.hash);
                true
            }
            Err(error) => {
                self.status.txs_failed += 1;
                warn!(%error, tx = %attempt.hash, "broadcast failed; the journal keeps it for the next poll");
                if let Err(e) = self.journal.note_error(id, &error) {
                    warn!(%e, "journal");
                }
                false
            }
        }
    }

    /// Plans and sends one round; returns the transactions broadcast.
    async fn round(&mut self, head: u64, timestamp: u64, processed: u64) -> Result<u64, Error> {
        let manifest = &self.config.manifest;
        // The epoch of the next block, where the round's transactions land.
        let epoch = epoch_at(timestamp + 1, manifest.genesis_time, manifest.epoch_length);
        let budget = Budget {
            round_gas: self.config.gas.round_gas,
            ..Budget::default()
        };
        self.lost.retain(|_, &mut at| at >= processed);
        let work = duties::due(&mut self.state, epoch, &budget);
        let keys: HashSet<&str> = work.iter().map(|w| w.key.as_str()).collect();
        self.parking.retain(|key| keys.contains(key));
        if work.is_empty() {
            return Ok(0);
        }
        let Some(fees) = self.sender.fees().await? else {
            warn!(
                fee_cap = self.config.gas.fee_cap,
                "the base fee is above the fee cap; sending nothing"
            );
            return Ok(0);
        };
        let (_, chain_nonce) = self.sender.nonces().await?;
        let mut nonce = chain_nonce.max(self.journal.max_nonce()?.map_or(0, |n| n + 1));
        let (mut sent, mut settlements) = (0, 0);
        for w in work {
            if w.kind == Kind::Match && settlements > 0 {
                // Settlements went out, from this keeper or (a lost race) another: match once
                // their effect is ingested, so a crash or a race between keepers never changes
                // what the matcher sees.
                break;
            }
            if self.lost.get(&w.key).is_some_and(|&at| processed <= at) {
                continue;
            }
            let touched = self.state.deployments.get(&w.deployment);
            let inputs = (touched.map_or(0, |d| d.touched), epoch);
            if self.parking.parked(&w.key, inputs) {
                continue;
            }
            let failure = self.journal.failure(&w.key, &w.calldata)?;
            if failure.parked || failure.retry_at > now_ms() {
                continue;
            }
            match self
                .sender
                .simulate(w.target, &w.calldata, w.kind.as_str())
                .await
            {
                Simulated::Lost(reverted) => {
                    debug!(key = %w.key, error = %reverted.name, "lost race: dropped");
                    self.status.lost_races += 1;
                    self.lost.insert(w.key.clone(), head);
                    if self.parking.lost(&w.key, &reverted.name, inputs) {
                        error!(
                            key = %w.key,
                            error = %reverted.name,
                            blocks = self.config.retry.park_lost_after_blocks,
                            "job parked: its simulation keeps reverting the same way; waiting for an event on deployment {} or a new epoch",
                            w.deployment
                        );
                    } else {
                        settlements += u64::from(w.kind != Kind::Match);
                    }
                }
                Simulated::Failed(why) => self.fail(&w.key, &w.calldata, &why)?,
                Simulated::Ok(gas) => {
                    self.parking.clear(&w.key);
                    if !self.submit(&w, gas, nonce, fees, head).await? {
                        break;
                    }
                    nonce += 1;
                    sent += 1;
                    settlements += u64::from(w.kind != Kind::Match);
                }
            }
        }
        Ok(sent)
    }

    /// Journals then broadcasts one job; false when the node refused it (the round stops so
    /// no later nonce leaves a gap; the journal rebroadcasts it next poll).
    async fn submit(
        &mut self,
        w: &Work,
        gas: u64,
        nonce: u64,
        fees: (u128, u128),
        head: u64,
    ) -> Result<bool, Error> {
        let attempt = self
            .sender
            .sign(Some((w.target, &w.calldata, gas)), nonce, fees, head)?;
        let job = Job {
            id: 0,
            key: w.key.clone(),
            kind: w.kind.as_str().into(),
            target: w.target,
            calldata: w.calldata.clone(),
            nonce,
            created_block: head,
            attempts: vec![attempt.clone()],
        };
        let id = self.journal.record(&job)?;
        crash::pass(Point::Journaled);
        info!(key = %w.key, nonce, instances = w.instances, tx = %attempt.hash, "sending");
        Ok(self.send(id, &attempt).await)
    }

    /// Counts a failure of `key` with `calldata` that is not a lost race: backs off
    /// exponentially, and parks the job once the retries are spent.
    fn fail(&mut self, key: &str, calldata: &Bytes, why: &str) -> Result<(), Error> {
        let mut failure: Failure = self.journal.failure(key, calldata)?;
        failure.count += 1;
        let retry = self.config.retry;
        if failure.count >= retry.attempts {
            failure.parked = true;
            error!(
                key,
                failures = failure.count,
                error = why,
                "job parked: retries exhausted; it will not be tried again"
            );
        } else {
            let wait = retry.backoff * 2u32.saturating_pow(failure.count - 1);
            failure.retry_at = now_ms() + wait.as_millis() as u64;
            warn!(key, failures = failure.count, retry_in = ?wait, error = why, "job failed; backing off");
        }
        self.journal.set_failure(key, calldata, &failure, why)
    }
}
