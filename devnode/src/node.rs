//! [`Node`]: the harness chain plus the blocks, receipts, history, pending pool, clock,
//! snapshots and state file that make it a dev node. Every method runs under one lock, off the
//! async runtime.

use std::{borrow::Cow, collections::HashMap, sync::Arc};

use alloy::consensus::{Transaction as _, TxEnvelope};
use alloy::eips::BlockNumberOrTag;
use alloy::rpc::types::{BlockId, state::StateOverride};
use alloy::signers::local::PrivateKeySigner;
use alloy_primitives::{Address, B256, Bytes, U256};
use harness::evm::{
    Chain, ChainConfig,
    chain::{DEFAULT_TX_GAS, GENESIS_TIMESTAMP},
    digest::StateDigest,
    machine::{Db, StylusEvm, TxError},
};
use revm::{
    DatabaseCommit,
    context::{
        BlockEnv, TxEnv,
        result::{EVMError, ExecResultAndState, ExecutionResult, Output},
    },
    handler::PrecompileProvider as _,
};
use tokio::sync::broadcast;

use crate::{
    Error,
    accounts::{DEV_BALANCE, DevAccount},
    blocks::{BlockParts, COINBASE, MinedBlock, MinedTx},
    filters::Filters,
    history::BlockUndo,
    rpc::errors::{RpcError, RpcResult},
    state_file::{FileHeader, SavedBlock, StateFile},
};

/// The fixed base fee: 0.1 gwei, Nitro's L2 minimum.
pub(crate) const BASE_FEE: u64 = 100_000_000;
/// Per-transaction gas cap (Arbitrum's), also the cap of `eth_call` and `eth_estimateGas`.
pub(crate) const TX_GAS_CAP: u64 = DEFAULT_TX_GAS;

/// A block a query runs against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct At {
    /// The state after this block.
    pub number: u64,
    /// `pending`: the state of the head plus the pending pool's nonces, in the next block.
    pub pending: bool,
}

/// A transaction waiting for the next interval block.
#[derive(Clone, Debug)]
struct Pending {
    tx: TxEnvelope,
    from: Address,
}

/// The controlled clock: block timestamps never read the wall clock.
#[derive(Clone, Copy, Debug, Default)]
struct Clock {
    /// Sum of every `evm_increaseTime`.
    offset: u64,
    /// Seconds added to the next block only.
    pending_increase: u64,
    /// Exact timestamp of the next block.
    next: Option<u64>,
}

#[derive(Clone, Copy, Debug)]
struct Snapshot {
    head: u64,
    clock: Clock,
}

/// Whether a block must contain every transaction given (instant mining, replay) or may drop
/// the ones that became invalid (interval mining).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Inclusion {
    All,
    ValidOnly,
}

/// The dev node's chain and everything around it.
pub(crate) struct Node {
    chain: Chain,
    chain_id: u64,
    gas_limit: u64,
    blocks: Vec<Arc<MinedBlock>>,
    undo: Vec<BlockUndo>,
    by_hash: HashMap<B256, u64>,
    tx_index: HashMap<B256, (u64, usize)>,
    pool: Vec<Pending>,
    clock: Clock,
    block_step: u64,
    interval: bool,
    snapshots: Vec<Snapshot>,
    file: Option<StateFile>,
    events: broadcast::Sender<Arc<MinedBlock>>,
    accounts: Vec<DevAccount>,
    filters: Filters,
    /// The head state's digest, updated by what each block changes.
    digest: StateDigest,
}

impl Node {
    /// A chain at genesis with `accounts` funded, replaying `file`'s blocks if given.
    pub(crate) fn new(
        chain_id: u64,
        accounts: &[DevAccount],
        block_time: Option<u64>,
        state: Option<&std::path::Path>,
        events: broadcast::Sender<Arc<MinedBlock>>,
    ) -> Result<Self, Error> {
        let config = ChainConfig {
            chain_id,
            genesis_timestamp: GENESIS_TIMESTAMP,
            basefee: BASE_FEE,
            ..ChainConfig::default()
        };
        let gas_limit = config.block_gas_limit;
        let mut chain = Chain::new(config);
        for account in accounts {
            chain.fund(account.address, DEV_BALANCE);
        }
        let cache_owner = accounts.first().map_or(Address::ZERO, |a| a.address);
        crate::predeploys::install(&mut chain, cache_owner);
        let digest = StateDigest::of(chain.db());
        let genesis = MinedBlock::seal(
            BlockParts {
                parent_hash: B256::ZERO,
                number: 0,
                timestamp: GENESIS_TIMESTAMP,
                gas_limit,
                basefee: BASE_FEE,
                state_root: digest.root(),
            },
            Vec::new(),
        );
        let mut undo = BlockUndo::default();
        chain.set_block_hash(0, genesis.hash);
        undo.record_block_hash(0);
        let mut node = Self {
            chain,
            chain_id,
            gas_limit,
            by_hash: HashMap::from([(genesis.hash, 0)]),
            blocks: vec![Arc::new(genesis)],
            undo: vec![undo],
            tx_index: HashMap::new(),
            pool: Vec::new(),
            clock: Clock::default(),
            block_step: block_time.unwrap_or(1),
            interval: block_time.is_some(),
            snapshots: Vec::new(),
            file: None,
            events,
            accounts: accounts.to_vec(),
            filters: Filters::default(),
            digest,
        };
        if let Some(path) = state {
            let header = FileHeader::new(
                chain_id,
                GENESIS_TIMESTAMP,
                accounts.len() as u32,
                DEV_BALANCE,
            );
            let (file, saved) = StateFile::open(path, header)?;
            for (i, block) in saved.iter().enumerate() {
                node.replay(block).map_err(|reason| Error::StateCorrupt {
                    path: path.to_path_buf(),
                    line: i + 2,
                    reason,
                })?;
            }
            node.file = Some(file);
        }
        Ok(node)
    }

    fn replay(&mut self, saved: &SavedBlock) -> Result<(), String> {
        if saved.number != self.head() + 1 {
            return Err(format!(
                "block {} follows block {}",
                saved.number,
                self.head()
            ));
        }
        let txs = saved
            .txs
            .iter()
            .map(|raw| crate::admission::decode(raw).map(|(tx, from)| Pending { tx, from }))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("block {}: {e:?}", saved.number))?;
        let block = self
            .build_block(txs, saved.timestamp, Inclusion::All)
            .map_err(|e| format!("block {} does not replay: {e:?}", saved.number))?;
        if block.hash != saved.hash {
            return Err(format!(
                "block {} replays to hash {} but the file saved {}; the file was written by a different chain version",
                saved.number, block.hash, saved.hash
            ));
        }
        Ok(())
    }

    /// Chain id.
    pub(crate) fn chain_id(&self) -> u64 {
        self.chain_id
    }

    /// The dev accounts' addresses.
    pub(crate) fn accounts(&self) -> Vec<Address> {
        self.accounts.iter().map(|a| a.address).collect()
    }

    /// The signer of dev account `address`, if it is one.
    pub(crate) fn signer(&self, address: Address) -> Option<PrivateKeySigner> {
        self.accounts
            .iter()
            .find(|a| a.address == address)
            .map(DevAccount::signer)
    }

    /// The installed filters.
    pub(crate) fn filters(&mut self) -> &mut Filters {
        &mut self.filters
    }

    /// Number of the newest block.
    pub(crate) fn head(&self) -> u64 {
        self.blocks.len() as u64 - 1
    }

    /// Block `number`, if mined.
    pub(crate) fn block(&self, number: u64) -> Option<&Arc<MinedBlock>> {
        self.blocks.get(usize::try_from(number).ok()?)
    }

    /// Block with `hash`, if mined.
    pub(crate) fn block_by_hash(&self, hash: &B256) -> Option<&Arc<MinedBlock>> {
        self.by_hash.get(hash).and_then(|n| self.block(*n))
    }

    /// The mined transaction with `hash`: its block and index.
    pub(crate) fn transaction(&self, hash: &B256) -> Option<(&Arc<MinedBlock>, usize)> {
        let (number, index) = self.tx_index.get(hash)?;
        Some((self.block(*number)?, *index))
    }

    /// Hashes of the transactions in the pending pool, oldest first.
    pub(crate) fn pending_hashes(&self) -> Vec<B256> {
        self.pool.iter().map(|p| *p.tx.tx_hash()).collect()
    }

    /// A pending transaction with `hash`.
    pub(crate) fn pending_transaction(&self, hash: &B256) -> Option<(&TxEnvelope, Address)> {
        self.pool
            .iter()
            .find(|p| p.tx.tx_hash() == hash)
            .map(|p| (&p.tx, p.from))
    }

    /// Resolves a block number or tag.
    pub(crate) fn resolve_number(&self, tag: BlockNumberOrTag) -> RpcResult<At> {
        let head = self.head();
        let number = match tag {
            BlockNumberOrTag::Earliest => 0,
            BlockNumberOrTag::Pending => {
                return Ok(At {
                    number: head,
                    pending: true,
                });
            }
            BlockNumberOrTag::Number(n) if n <= head => n,
            BlockNumberOrTag::Number(_) => return Err(RpcError::server("header not found")),
            _ => head,
        };
        Ok(At {
            number,
            pending: false,
        })
    }

    /// Resolves a block id (number, tag or EIP-1898 hash).
    pub(crate) fn resolve(&self, id: Option<BlockId>) -> RpcResult<At> {
        match id.unwrap_or_default() {
            BlockId::Number(tag) => self.resolve_number(tag),
            BlockId::Hash(h) => match self.by_hash.get(&h.block_hash) {
                Some(n) => Ok(At {
                    number: *n,
                    pending: false,
                }),
                None => Err(RpcError::server(format!(
                    "block {} not found",
                    h.block_hash
                ))),
            },
        }
    }

    fn db_mut(&mut self) -> &mut Db {
        &mut self.chain.evm_mut().ctx.journaled_state.database
    }

    /// The state after block `number`: the live state, or a copy with later blocks undone.
    pub(crate) fn state_at(&mut self, number: u64) -> Cow<'_, Db> {
        let head = self.head();
        if number >= head {
            return Cow::Borrowed(self.db_mut());
        }
        let mut db = self.db_mut().clone();
        for undo in self.undo[number as usize + 1..].iter().rev() {
            undo.undo(&mut db);
        }
        Cow::Owned(db)
    }

    /// Nonce of `address` at `at`, counting the pending pool for `pending`.
    pub(crate) fn nonce(&mut self, address: Address, at: At) -> u64 {
        let nonce = account(&self.state_at(at.number), address).nonce;
        if at.pending {
            nonce + self.pool.iter().filter(|p| p.from == address).count() as u64
        } else {
            nonce
        }
    }

    /// The nonce the next transaction of `address` must carry.
    pub(crate) fn next_nonce(&mut self, address: Address) -> u64 {
        let head = self.head();
        self.nonce(
            address,
            At {
                number: head,
                pending: true,
            },
        )
    }

    /// Balance of `address` at `at`.
    pub(crate) fn balance(&mut self, address: Address, at: At) -> U256 {
        account(&self.state_at(at.number), address).balance
    }

    /// Code of `address` at `at`.
    pub(crate) fn code(&mut self, address: Address, at: At) -> Bytes {
        let db = self.state_at(at.number);
        let info = account(&db, address);
        info.code
            .or_else(|| db.cache.contracts.get(&info.code_hash).cloned())
            .map(|c| c.original_bytes())
            .unwrap_or_default()
    }

    /// Storage word of `address` at `slot`, at `at`.
    pub(crate) fn storage(&mut self, address: Address, slot: U256, at: At) -> U256 {
        self.state_at(at.number)
            .cache
            .accounts
            .get(&address)
            .and_then(|a| a.storage.get(&slot).copied())
            .unwrap_or_default()
    }

    /// Whether `address` is a precompile (Ethereum's or ArbOS's).
    pub(crate) fn is_precompile(&mut self, address: &Address) -> bool {
        self.chain.evm_mut().arbos.contains(address)
    }

    /// Whether a transaction with `hash` is mined or pending.
    pub(crate) fn knows(&self, hash: &B256) -> bool {
        self.tx_index.contains_key(hash) || self.pool.iter().any(|p| p.tx.tx_hash() == hash)
    }

    fn next_timestamp(&self) -> u64 {
        let prev = self.blocks[self.blocks.len() - 1].timestamp();
        self.clock
            .next
            .unwrap_or(prev + self.block_step + self.clock.pending_increase)
    }

    /// Runs `tx` against the head state without committing (`Err`: it cannot be included).
    pub(crate) fn dry_run(
        &mut self,
        tx: &TxEnvelope,
        from: Address,
        check_nonce: bool,
    ) -> RpcResult<()> {
        let env = tx_env(tx, from)?;
        let head = self.head();
        let timestamp = self.next_timestamp();
        self.set_block(head + 1, timestamp);
        let evm = self.chain.evm_mut();
        evm.ctx.cfg.disable_nonce_check = !check_nonce;
        let out = evm.transact(env);
        evm.ctx.cfg.disable_nonce_check = false;
        match out {
            Ok(_) => Ok(()),
            Err(EVMError::Transaction(e)) => Err(RpcError::invalid_tx(&e)),
            Err(e) => Err(RpcError::server(e.to_string())),
        }
    }

    /// Accepts a checked transaction: mines it now (instant mode) or queues it (interval mode).
    pub(crate) fn submit(&mut self, tx: TxEnvelope, from: Address) -> RpcResult<B256> {
        let hash = *tx.tx_hash();
        if self.interval {
            self.dry_run(&tx, from, false)?;
            self.pool.push(Pending { tx, from });
        } else {
            let timestamp = self.next_timestamp();
            self.mine_block(vec![Pending { tx, from }], timestamp, Inclusion::All)?;
        }
        Ok(hash)
    }

    /// Mines the pending pool (possibly empty) into one block at the clock's next timestamp, or
    /// at `timestamp` if given (must be after the head's).
    pub(crate) fn mine(&mut self, timestamp: Option<u64>) -> RpcResult<Arc<MinedBlock>> {
        let prev = self.blocks[self.blocks.len() - 1].timestamp();
        let timestamp = match timestamp {
            Some(t) if t <= prev => {
                return Err(RpcError::server(format!(
                    "timestamp {t} is not after the latest block's {prev}"
                )));
            }
            Some(t) => t,
            None => self.next_timestamp(),
        };
        let txs = std::mem::take(&mut self.pool);
        self.mine_block(txs, timestamp, Inclusion::ValidOnly)
    }

    fn mine_block(
        &mut self,
        txs: Vec<Pending>,
        timestamp: u64,
        inclusion: Inclusion,
    ) -> RpcResult<Arc<MinedBlock>> {
        let block = self.build_block(txs, timestamp, inclusion)?;
        if let Some(file) = &mut self.file {
            let saved = SavedBlock {
                number: block.number(),
                timestamp: block.timestamp(),
                txs: block.raw_txs(),
                hash: block.hash,
            };
            if let Err(e) = file.append(&saved) {
                let message = format!(
                    "cannot save block {} to {}: {e}; the block was dropped",
                    block.number(),
                    file.path().display()
                );
                self.truncate(block.number() - 1);
                return Err(RpcError::Internal(message));
            }
        }
        self.clock.pending_increase = 0;
        self.clock.next = None;
        // Nobody listening is fine.
        let _ = self.events.send(block.clone());
        Ok(block)
    }

    fn set_block(&mut self, number: u64, timestamp: u64) {
        let block = &mut self.chain.evm_mut().ctx.block;
        block.number = U256::from(number);
        block.timestamp = U256::from(timestamp);
        block.basefee = BASE_FEE;
        block.beneficiary = COINBASE;
    }

    /// Executes `txs` in a new block on top of the head and seals it (not yet saved).
    fn build_block(
        &mut self,
        txs: Vec<Pending>,
        timestamp: u64,
        inclusion: Inclusion,
    ) -> RpcResult<Arc<MinedBlock>> {
        let number = self.head() + 1;
        self.set_block(number, timestamp);
        let mut undo = BlockUndo::default();
        let mut mined = Vec::with_capacity(txs.len());
        let mut cumulative = 0;
        let mut log_index = 0;
        for Pending { tx, from } in txs {
            let outcome = tx_env(&tx, from).and_then(|env| {
                self.chain.evm_mut().transact(env).map_err(|e| match e {
                    EVMError::Transaction(e) => RpcError::invalid_tx(&e),
                    e => RpcError::server(e.to_string()),
                })
            });
            let out = match (outcome, inclusion) {
                (Ok(out), _) => out,
                (Err(e), Inclusion::All) => {
                    undo.undo(self.db_mut());
                    return Err(e);
                }
                (Err(e), Inclusion::ValidOnly) => {
                    eprintln!(
                        "warning: dropped pending transaction {}: {e:?}",
                        tx.tx_hash()
                    );
                    continue;
                }
            };
            undo.record(self.db_mut(), &out.state);
            self.db_mut().commit(out.state);
            let result = out.result;
            let gas_used = result.tx_gas_used();
            cumulative += gas_used;
            let contract_address = match &result {
                ExecutionResult::Success {
                    output: Output::Create(_, address),
                    ..
                } => *address,
                _ => None,
            };
            let success = result.is_success();
            let logs = result.into_logs();
            let first_log_index = log_index;
            log_index += logs.len() as u64;
            mined.push(MinedTx::new(
                tx,
                from,
                success,
                gas_used,
                cumulative,
                logs,
                BASE_FEE,
                contract_address,
                first_log_index,
            ));
        }
        self.digest.update(self.chain.db(), undo.addresses());
        let parent = &self.blocks[self.blocks.len() - 1];
        let block = Arc::new(MinedBlock::seal(
            BlockParts {
                parent_hash: parent.hash,
                number,
                timestamp,
                gas_limit: self.gas_limit,
                basefee: BASE_FEE,
                state_root: self.digest.root(),
            },
            mined,
        ));
        self.chain.set_block_hash(number, block.hash);
        undo.record_block_hash(number);
        for (i, tx) in block.txs.iter().enumerate() {
            self.tx_index.insert(tx.hash, (number, i));
        }
        self.by_hash.insert(block.hash, number);
        self.blocks.push(block.clone());
        self.undo.push(undo);
        Ok(block)
    }

    /// Drops every block after `number`, restoring the state after it.
    fn truncate(&mut self, number: u64) {
        while self.head() > number {
            let undo = self.undo.pop().expect("one undo record per block");
            undo.undo(self.db_mut());
            self.digest.update(self.chain.db(), undo.addresses());
            let block = self.blocks.pop().expect("head exists");
            self.by_hash.remove(&block.hash);
            for tx in &block.txs {
                self.tx_index.remove(&tx.hash);
            }
        }
        self.filters.rewind(number);
    }

    /// Adds `seconds` to the next block's timestamp; returns the total offset.
    pub(crate) fn increase_time(&mut self, seconds: u64) -> u64 {
        self.clock.pending_increase = self.clock.pending_increase.saturating_add(seconds);
        self.clock.offset = self.clock.offset.saturating_add(seconds);
        self.clock.offset
    }

    /// Sets the exact timestamp of the next block (must be after the head's).
    pub(crate) fn set_next_timestamp(&mut self, timestamp: u64) -> RpcResult<()> {
        let prev = self.blocks[self.blocks.len() - 1].timestamp();
        if timestamp <= prev {
            return Err(RpcError::server(format!(
                "timestamp {timestamp} is not after the latest block's {prev}"
            )));
        }
        self.clock.next = Some(timestamp);
        Ok(())
    }

    /// Saves the head, clock and snapshot id; returns the id.
    pub(crate) fn snapshot(&mut self) -> u64 {
        self.snapshots.push(Snapshot {
            head: self.head(),
            clock: self.clock,
        });
        self.snapshots.len() as u64 - 1
    }

    /// Returns to snapshot `id`, dropping it, every later one, later blocks and the pending
    /// pool, and rewriting the state file. False if there is no such snapshot.
    pub(crate) fn revert(&mut self, id: u64) -> RpcResult<bool> {
        let Some(snapshot) = usize::try_from(id)
            .ok()
            .and_then(|i| self.snapshots.get(i).copied())
        else {
            return Ok(false);
        };
        self.snapshots.truncate(id as usize);
        self.truncate(snapshot.head);
        self.clock = snapshot.clock;
        self.pool.clear();
        if let Some(file) = &mut self.file {
            let saved: Vec<SavedBlock> = self.blocks[1..]
                .iter()
                .map(|b| SavedBlock {
                    number: b.number(),
                    timestamp: b.timestamp(),
                    txs: b.raw_txs(),
                    hash: b.hash,
                })
                .collect();
            file.rewrite(&saved).map_err(|e| {
                RpcError::Internal(format!(
                    "reverted, but cannot rewrite {}: {e}",
                    file.path().display()
                ))
            })?;
        }
        Ok(true)
    }

    /// Runs `env` against the state after `at` without committing, with balance, base fee and
    /// nonce checks off (`eth_call`, `eth_estimateGas`, `eth_createAccessList`); returns the
    /// result and the accounts and slots it touched.
    pub(crate) fn simulate(
        &mut self,
        env: TxEnv,
        at: At,
        overrides: Option<&StateOverride>,
    ) -> RpcResult<ExecResultAndState<ExecutionResult>> {
        self.simulate_with(env, at, overrides, StylusEvm::transact)
    }

    /// [`Node::simulate`] with `execute` running the transaction (under an inspector, say).
    pub(crate) fn simulate_with(
        &mut self,
        env: TxEnv,
        at: At,
        overrides: Option<&StateOverride>,
        execute: impl FnOnce(&mut StylusEvm, TxEnv) -> Result<Executed, TxError>,
    ) -> RpcResult<Executed> {
        let (number, timestamp) = if at.pending {
            (self.head() + 1, self.next_timestamp())
        } else {
            let block = &self.blocks[at.number as usize];
            (block.number(), block.timestamp())
        };
        let state = if at.number < self.head() || overrides.is_some() {
            let mut db = self.state_at(at.number).into_owned();
            if let Some(overrides) = overrides {
                crate::overrides::apply(&mut db, overrides)?;
            }
            Some(db)
        } else {
            None
        };
        let out = self.in_block(state, number, timestamp, |evm| {
            evm.ctx.cfg.disable_balance_check = true;
            evm.ctx.cfg.disable_base_fee = true;
            evm.ctx.cfg.disable_nonce_check = true;
            let out = execute(evm, env);
            evm.ctx.cfg.disable_balance_check = false;
            evm.ctx.cfg.disable_base_fee = false;
            evm.ctx.cfg.disable_nonce_check = false;
            out
        });
        out.map_err(|e| match e {
            EVMError::Transaction(e) => RpcError::invalid_tx(&e),
            e => RpcError::server(e.to_string()),
        })
    }

    /// Re-executes mined transaction `hash` with `execute` (under an inspector, say): from the
    /// state before its block, the transactions before it in the block are run and committed
    /// to a copy, then it runs. The live state is untouched.
    pub(crate) fn replay_transaction(
        &mut self,
        hash: &B256,
        execute: impl FnOnce(&mut StylusEvm, TxEnv) -> Result<Executed, TxError>,
    ) -> RpcResult<Executed> {
        let Some((block, index)) = self.transaction(hash).map(|(b, i)| (b.clone(), i)) else {
            return Err(RpcError::server(format!("transaction {hash} not found")));
        };
        let state = self.state_at(block.number() - 1).into_owned();
        let out = self.in_block(
            Some(state),
            block.number(),
            block.timestamp(),
            |evm| -> Result<Executed, ReplayError> {
                for mined in &block.txs[..index] {
                    let out = evm.transact(tx_env(&mined.tx, mined.from)?)?;
                    evm.ctx.journaled_state.database.commit(out.state);
                }
                let mined = &block.txs[index];
                Ok(execute(evm, tx_env(&mined.tx, mined.from)?)?)
            },
        );
        out.map_err(|e| match e {
            ReplayError::Rpc(e) => e,
            ReplayError::Evm(e) => {
                RpcError::server(format!("transaction {hash} does not replay: {e}"))
            }
        })
    }

    /// Runs `f` on the EVM in block `number` at `timestamp`, over `state` if given (else the
    /// live state), then puts the live state and the next block back.
    fn in_block<T>(
        &mut self,
        state: Option<Db>,
        number: u64,
        timestamp: u64,
        f: impl FnOnce(&mut StylusEvm) -> T,
    ) -> T {
        let saved_block: BlockEnv = self.chain.block().clone();
        let live = state.map(|db| std::mem::replace(self.db_mut(), db));
        self.set_block(number, timestamp);
        let out = f(self.chain.evm_mut());
        self.chain.evm_mut().ctx.block = saved_block;
        if let Some(live) = live {
            *self.db_mut() = live;
        }
        out
    }
}

/// A transaction's result and state changes, uncommitted.
pub(crate) type Executed = ExecResultAndState<ExecutionResult>;

/// Why a replay failed: a stored transaction that no longer converts, or one the EVM refuses.
#[derive(Debug)]
enum ReplayError {
    Rpc(RpcError),
    Evm(TxError),
}

impl From<RpcError> for ReplayError {
    fn from(e: RpcError) -> Self {
        Self::Rpc(e)
    }
}

impl From<TxError> for ReplayError {
    fn from(e: TxError) -> Self {
        Self::Evm(e)
    }
}

/// Account info in `db` (zero for unknown accounts).
fn account(db: &Db, address: Address) -> revm::state::AccountInfo {
    db.cache
        .accounts
        .get(&address)
        .map(|a| a.info.clone())
        .unwrap_or_default()
}

/// revm's view of a signed transaction.
pub(crate) fn tx_env(tx: &TxEnvelope, from: Address) -> RpcResult<TxEnv> {
    TxEnv::builder()
        .tx_type(Some(tx.tx_type() as u8))
        .caller(from)
        .gas_limit(tx.gas_limit())
        .gas_price(tx.max_fee_per_gas())
        .gas_priority_fee(tx.max_priority_fee_per_gas())
        .kind(tx.kind())
        .value(tx.value())
        .data(tx.input().clone())
        .nonce(tx.nonce())
        .chain_id(tx.chain_id())
        .access_list(tx.access_list().cloned().unwrap_or_default())
        .build()
        .map_err(|e| RpcError::server(format!("invalid transaction: {e:?}")))
}

#[cfg(test)]
mod tests {
    use alloy::{
        consensus::{SignableTransaction, TxEip1559},
        network::TxSignerSync,
        primitives::TxKind,
    };
    use harness::evm::digest::state_digest;

    use super::*;

    /// A 1-wei transfer from `from` to a new address.
    fn transfer(node: &mut Node, from: &DevAccount, to: u8) -> RpcResult<B256> {
        let mut tx = TxEip1559 {
            chain_id: node.chain_id(),
            nonce: node.next_nonce(from.address),
            gas_limit: 21_000,
            max_fee_per_gas: u128::from(BASE_FEE),
            to: TxKind::Call(Address::repeat_byte(to)),
            value: U256::from(1),
            ..Default::default()
        };
        let signature = from.signer().sign_transaction_sync(&mut tx).unwrap();
        node.submit(TxEnvelope::from(tx.into_signed(signature)), from.address)
    }

    #[test]
    fn each_blocks_state_root_is_the_whole_states_digest_through_a_revert() {
        let accounts = crate::accounts::derive(2).unwrap();
        let (events, _) = broadcast::channel(16);
        let mut node = Node::new(412_346, &accounts, None, None, events).unwrap();
        let whole = |node: &Node| state_digest(node.chain.db());
        let snapshot = node.snapshot();
        for to in 1..=5 {
            transfer(&mut node, &accounts[to % 2], to as u8).unwrap();
            assert_eq!(
                node.blocks[node.head() as usize].header.state_root,
                whole(&node)
            );
        }
        assert!(node.revert(snapshot).unwrap());
        assert_eq!(node.digest.root(), whole(&node));
        assert_eq!(node.blocks[0].header.state_root, whole(&node));
        transfer(&mut node, &accounts[0], 9).unwrap();
        assert_eq!(node.blocks[1].header.state_root, whole(&node));
    }
}
