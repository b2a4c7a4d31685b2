//! Following the chain with the keeper's ingestion and event fold: the provider's placements
//! and their functions (the [`View`] the HTTP side serves from), and the node's own
//! transactions through the keeper's journaled [`Outbox`]: one `submitProofs` per epoch end
//! and the answers to disputes.

use std::{
    collections::{BTreeMap, HashMap},
    sync::{
        Arc, RwLock,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use alloy::{
    eips::BlockNumberOrTag,
    providers::{DynProvider, Provider},
};
use alloy_primitives::{Address, B256, Bytes};
use alloy_sol_types::SolCall;
use cloudless_abi::{
    clock::epoch_at,
    court::{CourtParams, ICourt},
    market::{EpochProof, IMarket, IRegistry},
};
use cloudless_client::manifest::Manifest;
use cloudless_keeper::{
    ingest::{self, Cursor},
    journal::{Journal, Outcome},
    outbox::Outbox,
    sender::{Sender, Simulated, connect},
    state::MarketState,
};
use tokio::sync::{Semaphore, watch};
use tracing::{info, warn};

use crate::{
    Config, Error, disputes,
    exec::{Cache, Function, LoadError},
    metrics::Metrics,
    prove::{self, Progress},
    store::{Root, Store},
};

/// Answers to one dispute tried (simulated or sent) before the node gives up on it.
const ANSWER_ATTEMPTS: u32 = 3;

/// Per-request limits.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Largest request body, bytes.
    pub max_request: usize,
    /// Ink one invocation may use.
    pub max_ink: u64,
}

/// A placement of the node's provider, as served.
#[derive(Clone, Debug)]
pub struct Serving {
    /// The deployment.
    pub deployment: u64,
    /// First epoch served.
    pub start: u64,
    /// Last epoch served (its own and its deployment's end).
    pub end: u64,
    /// The compiled function, or why it is refused; `None` until loaded.
    pub function: Option<Result<Arc<Function>, LoadError>>,
}

/// What the node knows of the chain.
#[derive(Clone, Debug, Default)]
pub struct View {
    /// Ingested up to the head at the last poll.
    pub synced: bool,
    /// The head at the last poll.
    pub head: u64,
    /// The head block's epoch: the epoch receipts are signed for.
    pub epoch: u64,
    /// The provider's live placements by id.
    pub placements: BTreeMap<u64, Serving>,
    /// The last poll's error.
    pub error: Option<String>,
    /// When the poll that made it finished.
    pub at: Option<Instant>,
}

impl View {
    /// Synced at a poll less than `stale_after` ago (a hung poll must not keep signing for an
    /// epoch that may be over).
    pub fn fresh(&self, stale_after: Duration) -> bool {
        self.synced && self.at.is_some_and(|at| at.elapsed() <= stale_after)
    }
}

/// Where a request for a deployment goes.
pub enum Target {
    /// The node is not following the head.
    NotSynced,
    /// The provider has no live placement of the deployment.
    NotServed,
    /// The provider's placement does not serve the current epoch.
    NotLive {
        /// The placement.
        placement: u64,
        /// The current epoch.
        epoch: u64,
    },
    /// The function cannot be served.
    Refused {
        /// Why.
        reason: String,
    },
    /// Run `function` for `placement` in `epoch`.
    Serve {
        /// The placement (the lowest id live this epoch).
        placement: u64,
        /// The epoch the receipt is for.
        epoch: u64,
        /// The function.
        function: Arc<Function>,
    },
}

/// Requests admitted per worker (running or waiting for it): enough to keep every worker busy
/// under bursts, few enough that a waiting request is served in milliseconds.
pub const WAITING_PER_WORKER: usize = 16;

/// What the HTTP side and the follower share.
pub struct Shared {
    view: RwLock<Arc<View>>,
    /// The receipts database.
    pub store: Store,
    /// The metrics.
    pub metrics: Metrics,
    /// Per-request limits.
    pub limits: Limits,
    /// Execution slots: one per worker.
    pub pool: Arc<Semaphore>,
    /// Admission: requests running or waiting for a worker, at most [`WAITING_PER_WORKER`] per
    /// worker; a request that finds none left is refused with 429, so the queue stays bounded.
    pub admitted: Arc<Semaphore>,
    /// Age after which the view no longer counts as synced.
    pub stale_after: Duration,
    /// The court's `refereeGas`: a run the court could not re-execute is refused (the
    /// provider could not defend it in a dispute).
    pub referee_gas: AtomicU64,
    /// Fault injection ([`crate::Config::tamper`]).
    pub tamper: Option<crate::Tamper>,
}

impl Shared {
    /// Shared state with an empty (unsynced) view, `workers` execution slots, and views
    /// older than `stale_after` counted as not synced.
    pub fn new(store: Store, limits: Limits, workers: usize, stale_after: Duration) -> Self {
        Self {
            view: RwLock::default(),
            store,
            metrics: Metrics::default(),
            limits,
            pool: Arc::new(Semaphore::new(workers.max(1))),
            admitted: Arc::new(Semaphore::new(workers.max(1) * WAITING_PER_WORKER)),
            stale_after,
            referee_gas: AtomicU64::new(u64::MAX),
            tamper: None,
        }
    }

    /// The latest view.
    pub fn view(&self) -> Arc<View> {
        self.view.read().expect("view lock").clone()
    }

    pub(crate) fn publish(&self, view: View) {
        self.metrics.head.set(view.head as i64);
        self.metrics.synced.set(i64::from(view.synced));
        *self.view.write().expect("view lock") = Arc::new(view);
    }

    /// The ink one invocation of `function` may use now: the node's cap, at most what the
    /// court's referee gas leaves after the call's entry (start-up and memory footprint).
    pub fn max_ink(&self, function: &Function) -> u64 {
        let referee = self.referee_gas.load(Ordering::Relaxed);
        self.limits.max_ink.min(function.ink_within(referee))
    }

    /// Where a request for `deployment` goes now.
    pub fn target(&self, deployment: u64) -> Target {
        let view = self.view();
        if !view.fresh(self.stale_after) {
            return Target::NotSynced;
        }
        let mut mine = view
            .placements
            .iter()
            .filter(|(_, p)| p.deployment == deployment)
            .peekable();
        let Some(&(&first, _)) = mine.peek() else {
            return Target::NotServed;
        };
        let epoch = view.epoch;
        let Some((&placement, serving)) = mine.find(|(_, p)| p.start <= epoch && epoch <= p.end)
        else {
            return Target::NotLive {
                placement: first,
                epoch,
            };
        };
        match &serving.function {
            None => Target::NotSynced,
            Some(Err(e)) => Target::Refused {
                reason: format!("deployment {deployment}'s function is refused: {e}"),
            },
            Some(Ok(function)) => Target::Serve {
                placement,
                epoch,
                function: function.clone(),
            },
        }
    }
}

/// A transaction of the node's that was mined.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mined {
    /// `proofs` or `answer`.
    pub kind: String,
    /// Its journal key: `proofs@<head>` or `answer:<dispute id>`.
    pub key: String,
    /// The transaction.
    pub hash: B256,
}

/// What one poll did.
pub struct Cycle {
    /// Transactions are pending, or were sent in this poll.
    pub busy: bool,
    /// Transactions seen mined in this poll.
    pub mined: Vec<Mined>,
}

/// A transaction the follower is about to send.
struct Planned {
    /// Its journal key: `proofs@<head>` or `answer:<dispute id>`.
    key: String,
    /// `proofs` or `answer`.
    kind: &'static str,
    /// The market call.
    calldata: Bytes,
    /// The roots it proves (none for an answer).
    roots: Vec<Root>,
}

/// The follower: ingests, publishes the view, proves and answers.
pub struct Follower {
    shared: Arc<Shared>,
    outbox: Outbox,
    state: MarketState,
    cursor: Cursor,
    provider: Address,
    market: Address,
    manifest: Manifest,
    cache: Cache,
    poll: Duration,
    rpc_url: String,
    court: Option<CourtParams>,
    answer_attempts: HashMap<u64, u32>,
    /// The head at which the last proof's simulation failed: not tried again before a new block.
    proof_failed_at: Option<u64>,
    pruned_at: u64,
}

impl Follower {
    /// Connects, checks the chain, finds the worker's provider and opens the journal.
    pub async fn connect(config: &Config, shared: Arc<Shared>) -> Result<Self, Error> {
        let sources = ingest::sources(&config.manifest)?;
        let rpc = connect(&config.rpc_url).await?;
        let chain_id = rpc.get_chain_id().await.map_err(rpc_error)?;
        if chain_id != config.manifest.chain_id {
            return Err(Error::Config(format!(
                "the manifest is for chain {} but {} is chain {chain_id}",
                config.manifest.chain_id, config.rpc_url
            )));
        }
        let worker = config.worker.address();
        let provider = provider_of(&rpc, sources.registry, worker).await?;
        let journal = Journal::open(&config.data.join("journal.sqlite"), chain_id, worker)?;
        let sender = Sender::new(rpc, config.worker.clone(), chain_id, config.gas);
        info!(%provider, %worker, chain_id, "provider node following the chain");
        Ok(Self {
            shared,
            outbox: Outbox::new(sender, journal, config.gas.replace_after_blocks),
            state: MarketState::new(sources),
            cursor: Cursor {
                deploy_block: config.manifest.deploy_block.unwrap_or(0),
                processed: None,
                chunk: 2_000,
            },
            provider,
            market: sources.market,
            manifest: config.manifest.clone(),
            cache: Cache::default(),
            poll: config.poll_interval,
            rpc_url: config.rpc_url.clone(),
            court: None,
            answer_attempts: HashMap::new(),
            proof_failed_at: None,
            pruned_at: 0,
        })
    }

    /// The provider the node serves.
    pub fn provider(&self) -> Address {
        self.provider
    }

    /// The pause between polls.
    pub fn poll_interval(&self) -> Duration {
        self.poll
    }

    /// Polls until `stop` is set.
    pub async fn run(mut self, mut stop: watch::Receiver<bool>) {
        let mut reconnect = false;
        while !*stop.borrow() {
            if reconnect {
                match connect(&self.rpc_url).await {
                    Ok(rpc) => {
                        self.outbox.sender.provider = rpc;
                        self.outbox.forget_broadcasts();
                        reconnect = false;
                    }
                    Err(e) => warn!(%e, "reconnecting"),
                }
            }
            if let Err(error) = self.cycle().await.map(drop) {
                warn!(%error, "poll failed; retrying");
                let mut view = (*self.shared.view()).clone();
                view.synced = false;
                view.error = Some(error.to_string());
                self.shared.publish(view);
                reconnect = true;
            }
            tokio::select! {
                _ = tokio::time::sleep(self.poll) => {}
                _ = stop.changed() => {}
            }
        }
        info!("provider node stopped following the chain");
    }

    /// One poll: ingests up to the head, publishes the view, settles the node's transactions
    /// and, with none in flight, sends the proofs and answers due.
    pub async fn cycle(&mut self) -> Result<Cycle, Error> {
        let rpc = self.outbox.sender.provider.clone();
        let head = rpc
            .get_block_by_number(BlockNumberOrTag::Latest)
            .await
            .map_err(rpc_error)?
            .ok_or_else(|| Error::Rpc("the node has no latest block".into()))?;
        let (head, timestamp) = (head.header.number, head.header.timestamp);
        for contradiction in ingest::ingest(&rpc, &mut self.cursor, &mut self.state, head).await? {
            warn!(%contradiction, "a log contradicts the state");
        }
        let m = &self.manifest;
        let epoch = epoch_at(timestamp, m.genesis_time, m.epoch_length);
        let referee_gas = self.court_params().await?.refereeGas;
        self.shared
            .referee_gas
            .store(referee_gas, Ordering::Relaxed);
        self.refresh(head, epoch).await?;
        let (settled, pending) = self.outbox.settle(head).await?;
        let mut mined = Vec::new();
        for done in settled {
            if done.outcome != Outcome::Mined {
                continue;
            }
            if done.job.kind == "answer" {
                self.shared.metrics.disputes_answered.inc();
            }
            if let Some(hash) = done.hash {
                mined.push(Mined {
                    kind: done.job.kind,
                    key: done.job.key,
                    hash,
                });
            }
        }
        self.resolve_refs().await?;
        let unsettled = !self
            .outbox
            .journal
            .settled_after(self.cursor.block())?
            .is_empty();
        let sent = if pending == 0 && !unsettled {
            self.act(head, epoch).await?
        } else {
            0
        };
        self.prune(epoch).await?;
        Ok(Cycle {
            busy: pending > 0 || unsettled || sent > 0,
            mined,
        })
    }

    /// Publishes the provider's placements at `head`, loading functions not seen before.
    async fn refresh(&mut self, head: u64, epoch: u64) -> Result<(), Error> {
        let mine: Vec<(u64, Serving, Address, B256)> = self
            .state
            .placements
            .iter()
            .filter(|(_, p)| p.provider == self.provider)
            .filter_map(|(&id, p)| {
                let d = self.state.deployments.get(&p.deployment)?;
                let serving = Serving {
                    deployment: p.deployment,
                    start: p.start,
                    end: p.end.min(d.end),
                    function: None,
                };
                Some((id, serving, d.program, d.artifact))
            })
            .collect();
        let mut placements = BTreeMap::new();
        for (id, mut serving, program, artifact) in mine {
            let function = match self.cache.get(&artifact) {
                Some(loaded) => loaded,
                None => {
                    let code = self
                        .outbox
                        .sender
                        .provider
                        .get_code_at(program)
                        .await
                        .map_err(rpc_error)?;
                    self.cache.insert(artifact, &code)
                }
            };
            serving.function = Some(function);
            placements.insert(id, serving);
        }
        self.shared.publish(View {
            synced: self.cursor.block() >= head,
            head,
            epoch,
            placements,
            error: None,
            at: Some(Instant::now()),
        });
        Ok(())
    }

    /// Plans and sends the epoch's proofs and the dispute answers due; returns how many were
    /// sent.
    async fn act(&mut self, head: u64, epoch: u64) -> Result<usize, Error> {
        let progress: Vec<Progress> = self
            .state
            .placements
            .iter()
            .filter(|(_, p)| p.provider == self.provider)
            .filter_map(|(&placement, p)| {
                let d = self.state.deployments.get(&p.deployment)?;
                Some(Progress {
                    placement,
                    start: p.start,
                    last_proven: p.last_proven,
                    end: p.end.min(d.end),
                })
            })
            .collect();
        let proof_window = self.state.params.as_ref().map_or(1, |p| p.proofWindow);
        let due = prove::due(&progress, epoch, proof_window);
        let mut calls: Vec<Planned> = Vec::new();
        if !due.is_empty() && self.proof_failed_at.is_none_or(|at| head > at) {
            self.shared.store.seal(epoch - 1).await?;
            let mut roots = Vec::with_capacity(due.len());
            for (placement, proven) in due {
                roots.push(self.shared.store.root(placement, proven)?);
            }
            let proofs = roots
                .iter()
                .map(|r| EpochProof {
                    placementId: r.placement,
                    epoch: r.epoch,
                    receiptsRoot: r.root,
                    count: r.count,
                })
                .collect();
            let calldata = IMarket::submitProofsCall { proofs }.abi_encode();
            calls.push(Planned {
                key: format!("proofs@{head}"),
                kind: "proofs",
                calldata: calldata.into(),
                roots,
            });
        }
        for (&id, dispute) in &self.state.disputes {
            let mine = self
                .state
                .placements
                .get(&dispute.placement)
                .is_some_and(|p| p.provider == self.provider);
            let tried = self.answer_attempts.get(&id).copied().unwrap_or(0);
            if !mine || dispute.deadline < epoch || tried >= ANSWER_ATTEMPTS {
                continue;
            }
            match disputes::answer(&self.shared.store, id, dispute) {
                Ok(calldata) => calls.push(Planned {
                    key: format!("answer:{id}"),
                    kind: "answer",
                    calldata,
                    roots: Vec::new(),
                }),
                Err(error) => {
                    warn!(dispute = id, %error, "cannot answer a dispute");
                    self.answer_attempts.insert(id, ANSWER_ATTEMPTS);
                }
            }
        }
        if calls.is_empty() {
            return Ok(0);
        }
        let Some(fees) = self.outbox.sender.fees().await? else {
            warn!("the base fee is above the fee cap; sending nothing");
            return Ok(0);
        };
        let mut sent = 0;
        let mut nonce = self.outbox.next_nonce().await?;
        for Planned {
            key,
            kind,
            calldata,
            roots,
        } in calls
        {
            if let Some(id) = key.strip_prefix("answer:").and_then(|id| id.parse().ok()) {
                *self.answer_attempts.entry(id).or_insert(0) += 1;
            }
            match self
                .outbox
                .sender
                .simulate(self.market, &calldata, kind)
                .await
            {
                Simulated::Ok(gas) => {
                    if !roots.is_empty() {
                        self.shared.store.proofs_sent(&roots, &key)?;
                    }
                    let (hash, taken) = self
                        .outbox
                        .submit(&key, kind, self.market, &calldata, gas, nonce, fees, head)
                        .await?;
                    info!(%key, %hash, proofs = roots.len(), "sent");
                    sent += 1;
                    if !taken {
                        break;
                    }
                    nonce += 1;
                }
                Simulated::Lost(reverted) => self.not_sent(&key, kind, head, &reverted),
                Simulated::Failed(why) => self.not_sent(&key, kind, head, &why),
            }
        }
        Ok(sent)
    }

    /// A call whose simulation failed at `head`: a proof is tried again after the next block
    /// (an answer's attempts are counted).
    fn not_sent(&mut self, key: &str, kind: &str, head: u64, why: &dyn std::fmt::Display) {
        warn!(key, error = %why, "not sent");
        if kind == "proofs" {
            self.proof_failed_at = Some(head);
        }
    }

    /// Finds where mined proofs sit in their batch (after a restart too: the journal knows
    /// which transaction was mined).
    async fn resolve_refs(&mut self) -> Result<(), Error> {
        for job in self.shared.store.jobs_without_refs()? {
            for (hash, calldata) in self.outbox.journal.mined_attempts(&job)? {
                let Some(receipt) = self.outbox.sender.receipt(hash).await? else {
                    continue;
                };
                let Ok(call) = IMarket::submitProofsCall::abi_decode(&calldata) else {
                    continue;
                };
                if let Some(refs) = prove::refs(&receipt, self.market, &call.proofs) {
                    self.shared.store.set_refs(&refs, hash)?;
                    self.shared.metrics.proofs.inc_by(refs.len() as u64);
                    info!(%job, %hash, proofs = refs.len(), "proofs committed");
                }
            }
        }
        Ok(())
    }

    /// The court's parameters: from its events once it logged any, else read once.
    async fn court_params(&mut self) -> Result<CourtParams, Error> {
        if let Some(params) = self.state.court_params.clone().or(self.court.clone()) {
            return Ok(params);
        }
        let rpc = &self.outbox.sender.provider;
        let params = view(rpc, self.market, ICourt::courtParamsCall {}).await?;
        self.court = Some(params.clone());
        Ok(params)
    }

    /// Once an epoch, drops what no dispute can ask for any more: receipts older than the
    /// proof, dispute and response windows.
    async fn prune(&mut self, epoch: u64) -> Result<(), Error> {
        if epoch <= self.pruned_at {
            return Ok(());
        }
        let court = self.court_params().await?;
        let proof_window = self.state.params.as_ref().map_or(1, |p| p.proofWindow);
        let keep = proof_window + court.disputeWindow + court.responseWindow + 2;
        if let Some(before) = epoch.checked_sub(keep) {
            let dropped = self.shared.store.prune(before)?;
            if dropped > 0 {
                info!(before, dropped, "pruned receipts past every dispute window");
            }
        }
        self.pruned_at = epoch;
        Ok(())
    }
}

/// Calls the view `call` on `to`.
async fn view<C: SolCall>(rpc: &DynProvider, to: Address, call: C) -> Result<C::Return, Error> {
    let tx = alloy::rpc::types::TransactionRequest::default()
        .to(to)
        .input(Bytes::from(call.abi_encode()).into());
    let out = rpc.call(tx).await.map_err(rpc_error)?;
    C::abi_decode_returns(&out).map_err(|e| Error::Rpc(format!("{}: {e}", C::SIGNATURE)))
}

/// The provider `worker` signs for: the provider it is bound to, or itself when it is a
/// registered provider. A removed worker or an unknown key is refused: its proofs would fail.
async fn provider_of(
    rpc: &DynProvider,
    registry: Address,
    worker: Address,
) -> Result<Address, Error> {
    let bound = view(rpc, registry, IRegistry::workerOfCall { worker }).await?;
    if !bound.provider.is_zero() {
        if !bound.active {
            return Err(Error::Config(format!(
                "{worker} was removed as a worker of {}: it can no longer prove; use an active worker key",
                bound.provider
            )));
        }
        return Ok(bound.provider);
    }
    let own = view(rpc, registry, IRegistry::providerCall { provider: worker }).await?;
    if !own.registered {
        return Err(Error::Config(format!(
            "{worker} is neither a registered provider nor a provider's worker: register it (`cloudless provider register --url …`) or add it (`cloudless provider worker add`)"
        )));
    }
    Ok(worker)
}

fn rpc_error(e: impl std::fmt::Display) -> Error {
    Error::Rpc(e.to_string())
}
