//! The keeper's loop. Each cycle: read the head, ingest logs up to `head − confirmations`,
//! settle the journal's pending jobs (receipts, rebroadcasts, fee bumps, nonces consumed
//! elsewhere), then — only when nothing is in flight and every mined job is ingested, so the
//! book reflects the keeper's own work — plan one round and send it with consecutive nonces.

use std::{
    collections::{HashMap, HashSet, hash_map::Entry},
    net::SocketAddr,
    sync::Arc,
    time::{SystemTime, UNIX_EPOCH},
};

use alloy::{eips::BlockNumberOrTag, providers::Provider};
use alloy_primitives::{Address, Bytes, U256};
use alloy_sol_types::SolCall;
use cloudless_abi::{clock::epoch_at, court::ICourt, erc20::IStylusToken, market::IMarket};
use cloudless_client::{calls::http_client, proofs::find_proof_ref};
use matcher::Budget;
use tokio::sync::{Notify, watch};
use tracing::{debug, error, info, warn};

use crate::{
    Config, Error, Status, crash,
    duties::{self, Kind, Work},
    ingest::{self, Cursor},
    journal::{Failure, Job, Journal, Outcome},
    outbox::Outbox,
    parking::Parking,
    sender::{Sender, Simulated, connect},
    state::{MarketState, ProvenEpoch},
    verify::{self, Verdict},
};

/// The running keeper's state.
pub struct Daemon {
    config: Config,
    outbox: Outbox,
    /// Mined transactions that reverted.
    reverted: u64,
    state: MarketState,
    cursor: Cursor,
    status: Status,
    status_tx: watch::Sender<Status>,
    wake: Arc<Notify>,
    /// Work a simulation refused at a block: not tried again before a later block is ingested.
    lost: HashMap<String, u64>,
    /// Work whose simulation keeps losing the same way with unchanged inputs.
    parking: Parking,
    reconnect: bool,
    /// Disputes the verifier found, sent with the next round.
    challenges: Vec<Work>,
    /// Fetches leaves from providers' nodes.
    http: reqwest::Client,
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
        let sources = ingest::sources(manifest)?;
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
        let outbox = Outbox::new(sender, journal, config.gas.replace_after_blocks);
        Ok(Self {
            cursor: Cursor {
                deploy_block: manifest.deploy_block.unwrap_or(0),
                processed: None,
                chunk: config.log_chunk.max(1),
            },
            state: match config.verify {
                Some(_) => MarketState::new(sources).track_proofs(),
                None => MarketState::new(sources),
            },
            outbox,
            reverted: 0,
            status: Status::default(),
            status_tx,
            wake,
            lost: HashMap::new(),
            parking: Parking::new(config.retry.park_lost_after_blocks),
            reconnect: false,
            challenges: Vec::new(),
            http: leaf_client(&config.verify.clone().unwrap_or_default())?,
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
            self.outbox.sender.provider = connect(&self.config.rpc_url).await?;
            self.outbox.forget_broadcasts();
            self.reconnect = false;
        }
        let head = self
            .outbox
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
            &self.outbox.sender.provider,
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
        let unsettled = !self.outbox.journal.settled_after(processed)?.is_empty();
        let (mut sent, mut unverified) = (0, 0);
        if pending == 0 && !unsettled {
            let manifest = &self.config.manifest;
            // The epoch of the next block, where the round's transactions land.
            let epoch = epoch_at(timestamp + 1, manifest.genesis_time, manifest.epoch_length);
            // The market's work first: a slow node must not hold up matches and evictions.
            sent = self.round(head, epoch, processed).await?;
            unverified = self.verify(epoch).await?;
        }
        self.status.parked_jobs = self.outbox.journal.parked()? + self.parking.count();
        Ok(pending == 0 && sent == 0 && unverified == 0 && !unsettled && processed == target)
    }

    fn track_lag(&mut self) {
        let processed = self.cursor.block();
        self.status.processed_block = processed;
        self.status.lag = self.status.head.saturating_sub(processed);
    }

    async fn check_balance(&mut self) -> Result<(), Error> {
        let balance = self.outbox.sender.balance().await?;
        let balance = u128::try_from(balance).unwrap_or(u128::MAX);
        let low = balance < self.config.low_balance;
        if low && !self.status.low_balance {
            warn!(balance, threshold = self.config.low_balance, keeper = %self.outbox.sender.address(), "low balance: fund the keeper account");
        }
        self.status.balance = balance;
        self.status.low_balance = low;
        Ok(())
    }

    /// Resolves the journal's pending jobs against the chain; returns how many stay pending.
    async fn settle(&mut self, head: u64) -> Result<u64, Error> {
        let (settled, pending) = self.outbox.settle(head).await?;
        for done in settled {
            let job = &done.job;
            match done.outcome {
                Outcome::Mined => self.count_mined(job),
                Outcome::Reverted => {
                    self.reverted += 1;
                    self.lost.insert(job.key.clone(), done.block);
                    let hash = done.hash.unwrap_or_default();
                    let why = format!("reverted on chain in block {} ({hash})", done.block);
                    self.fail(&job.key, &job.calldata, &why)?;
                }
                Outcome::Cancelled => {
                    info!(key = %job.key, nonce = job.nonce, "nonce consumed by a cancelling self-transfer")
                }
                Outcome::Superseded => {}
            }
        }
        self.track_txs();
        Ok(pending)
    }

    /// Copies the outbox's counters into the status.
    fn track_txs(&mut self) {
        let counters = self.outbox.counters;
        self.status.txs_sent = counters.sent;
        self.status.txs_replaced = counters.replaced;
        self.status.txs_failed = counters.refused + self.reverted;
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
            "dispute" => {
                *s.disputes
                    .entry(("result".into(), "fraud".into()))
                    .or_default() += 1
            }
            "sample" => {
                *s.disputes
                    .entry(("sample".into(), "opened".into()))
                    .or_default() += 1
            }
            "resolve" => s.resolves += 1,
            _ => s.finalizes += 1,
        }
    }

    /// Plans and sends one round in `epoch` (the verifier's disputes first); returns the
    /// transactions broadcast.
    async fn round(&mut self, head: u64, epoch: u64, processed: u64) -> Result<u64, Error> {
        let budget = Budget {
            round_gas: self.config.gas.round_gas,
            ..Budget::default()
        };
        self.lost.retain(|_, &mut at| at >= processed);
        let mut work = std::mem::take(&mut self.challenges);
        work.extend(duties::due(&mut self.state, epoch, &budget));
        let keys: HashSet<&str> = work.iter().map(|w| w.key.as_str()).collect();
        self.parking.retain(|key| keys.contains(key));
        if work.is_empty() {
            return Ok(0);
        }
        let Some(fees) = self.outbox.sender.fees().await? else {
            warn!(
                fee_cap = self.config.gas.fee_cap,
                "the base fee is above the fee cap; sending nothing"
            );
            return Ok(0);
        };
        let mut nonce = self.outbox.next_nonce().await?;
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
            let failure = self.outbox.journal.failure(&w.key, &w.calldata)?;
            if failure.parked || failure.retry_at > now_ms() {
                continue;
            }
            match self
                .outbox
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
        info!(key = %w.key, nonce, instances = w.instances, "planned");
        let (_, taken) = self
            .outbox
            .submit(
                &w.key,
                w.kind.as_str(),
                w.target,
                &w.calldata,
                gas,
                nonce,
                fees,
                head,
            )
            .await?;
        self.track_txs();
        Ok(taken)
    }

    /// Verifies up to `per_poll` proofs not verified before (keeper/README.md): samples their
    /// leaves, fetches and checks each, and queues `disputeResult` for a wrong response or
    /// `challengeSample` (within the epoch's bond budget) for a leaf the node did not show.
    /// Journals every proof's outcome. Returns the proofs left for later polls.
    async fn verify(&mut self, epoch: u64) -> Result<usize, Error> {
        let Some(v) = &self.config.verify else {
            return Ok(0);
        };
        let Some(proof_window) = self.state.params.as_ref().map(|p| p.proofWindow) else {
            return Ok(0);
        };
        // The court's windows and bond: from its events, else from its view.
        let court = match self.state.court_params.clone() {
            Some(court) => court,
            None => {
                let market = self.state.sources().market;
                let rpc = &self.outbox.sender.provider;
                verify::view(rpc, market, ICourt::courtParamsCall {}).await?
            }
        };
        let (last_chance, bond) = (proof_window + court.disputeWindow, court.bond);
        let Some(queue) = self.state.proven.as_mut() else {
            return Ok(0);
        };
        let batch: Vec<ProvenEpoch> = queue.drain(..queue.len().min(v.per_poll)).collect();
        let remaining = queue.len();
        let sources = self.state.sources();
        let cx = verify::Context {
            rpc: &self.outbox.sender.provider,
            chain_id: self.config.manifest.chain_id,
            market: sources.market,
            registry: sources.registry,
            http: &self.http,
        };
        let keeper = self.outbox.sender.address();
        // Providers' node URLs, and those whose node did not answer: for this poll.
        let (mut urls, mut down) = (HashMap::new(), HashSet::new());
        for proof in batch {
            let (placement, proven) = (proof.placement, proof.epoch);
            if self.outbox.journal.verified(placement, proven)? {
                continue;
            }
            let mut outcome = "correct";
            let mut locked = 0;
            if epoch > proven + last_chance {
                outcome = "expired";
            }
            let url = match urls.entry(proof.provider) {
                Entry::Occupied(known) => known.into_mut(),
                Entry::Vacant(new) => new.insert(verify::node_url(&cx, proof.provider).await?),
            }
            .as_deref();
            let leaves = verify::sample(&proof, keeper, v.sample_rate);
            for index in &leaves {
                if outcome != "correct" {
                    break;
                }
                self.status.leaves_sampled += 1;
                let verdict = if down.contains(&proof.provider) {
                    Verdict::Unreachable("its node did not answer earlier in this poll".into())
                } else {
                    verify::check_leaf(&cx, &proof, url, *index).await
                };
                if let Verdict::Unreachable(_) = verdict {
                    down.insert(proof.provider);
                }
                match verdict {
                    Verdict::Correct => {}
                    Verdict::Unrefereeable(why) => {
                        warn!(placement, epoch = proven, index, %why, "a sampled leaf cannot be refereed");
                    }
                    Verdict::Wrong {
                        receipt,
                        signature,
                        request,
                    } => {
                        warn!(placement, epoch = proven, index, provider = %proof.provider, "a sampled leaf's response is wrong: disputing it");
                        let call = ICourt::disputeResultCall {
                            receipt,
                            signature,
                            request,
                        };
                        self.challenges.push(challenge(
                            format!("dispute:{placement}:{proven}:{index}"),
                            Kind::Dispute,
                            sources.market,
                            call.abi_encode(),
                        ));
                        outcome = "disputed";
                    }
                    Verdict::Unshown(why) | Verdict::Unreachable(why) => {
                        warn!(placement, epoch = proven, index, %why, "a sampled leaf was not shown");
                        let spent = self.outbox.journal.bonds_in(epoch)?;
                        let funded = spent + bond <= v.bond_budget
                            && bond_funded(&cx, self.config.manifest.token, keeper, bond).await?;
                        if !funded {
                            warn!(
                                placement,
                                epoch = proven,
                                "no bond left to challenge it (raise --bond-budget, fund and approve the keeper)"
                            );
                            *self
                                .status
                                .disputes
                                .entry(("sample".into(), "unfunded".into()))
                                .or_default() += 1;
                            outcome = "unfunded";
                            continue;
                        }
                        let proof_ref =
                            find_proof_ref(cx.rpc, cx.market, proof.block, placement, proven)
                                .await
                                .map_err(|e| Error::Rpc(format!("{e:#}")))?;
                        let call = ICourt::challengeSampleCall {
                            proof: proof_ref,
                            index: *index,
                        };
                        self.challenges.push(challenge(
                            format!("sample:{placement}:{proven}:{index}"),
                            Kind::Sample,
                            sources.market,
                            call.abi_encode(),
                        ));
                        (outcome, locked) = ("challenged", bond);
                    }
                }
            }
            self.status.proofs_verified += 1;
            self.outbox
                .journal
                .record_verified(placement, proven, outcome, locked, epoch)?;
            info!(
                placement,
                epoch = proven,
                leaves = leaves.len(),
                outcome,
                "proof verified"
            );
        }
        Ok(remaining)
    }

    /// Counts a failure of `key` with `calldata` that is not a lost race: backs off
    /// exponentially, and parks the job once the retries are spent.
    fn fail(&mut self, key: &str, calldata: &Bytes, why: &str) -> Result<(), Error> {
        let mut failure: Failure = self.outbox.journal.failure(key, calldata)?;
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
        self.outbox
            .journal
            .set_failure(key, calldata, &failure, why)
    }
}

/// A dispute the verifier queues for the next round.
fn challenge(key: String, kind: Kind, market: Address, calldata: Vec<u8>) -> Work {
    Work {
        key,
        kind,
        target: market,
        calldata: calldata.into(),
        instances: 0,
        deployment: 0,
    }
}

/// Whether `keeper` holds `bond` of `token` and allowed the market to take them.
async fn bond_funded(
    cx: &verify::Context<'_>,
    token: Option<Address>,
    keeper: Address,
    bond: u128,
) -> Result<bool, Error> {
    let Some(token) = token else {
        return Ok(false);
    };
    let balance =
        verify::view(cx.rpc, token, IStylusToken::balanceOfCall { owner: keeper }).await?;
    let allowance = IStylusToken::allowanceCall {
        owner: keeper,
        spender: cx.market,
    };
    let allowed = verify::view(cx.rpc, token, allowance).await?;
    Ok(balance.min(allowed) >= U256::from(bond))
}

/// The HTTP client that fetches leaves: `v`'s timeout and host overrides.
fn leaf_client(v: &verify::Verify) -> Result<reqwest::Client, Error> {
    http_client(v.timeout, &v.resolve).map_err(|e| Error::Config(format!("{e:#}")))
}
