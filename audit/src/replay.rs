//! [`replay`]: every block from the first audited one to the last, re-executed in the harness
//! over the node's state at the fork block, each receipt and finally every touched account
//! compared with the node.

use std::{path::PathBuf, sync::Arc, time::Instant};

use alloy::{
    consensus::Transaction as _,
    network::TransactionResponse as _,
    rpc::types::{Block, Transaction},
};
use alloy_primitives::{Address, U256};
use cloudless_abi::events::Sources;
use harness::evm::{Chain, ChainConfig, machine::PreState};
use revm::{
    DatabaseCommit,
    context::{
        TxEnv,
        result::{ExecutionResult, Output},
    },
    database::AccountState,
    primitives::KECCAK_EMPTY,
};
use serde::Serialize;

use crate::{
    AuditError,
    compare::{self, AccountFacts, Difference, ReceiptFacts},
    ledger::{Ledger, LedgerLog},
    prefetch,
    rpc::Rpc,
    rpc_db::RpcDb,
};

/// What to replay.
#[derive(Clone, Debug)]
pub struct ReplayConfig {
    /// The node's JSON-RPC URL.
    pub rpc_url: String,
    /// The marketplace's contracts: only their logs are folded into the ledger.
    pub sources: Sources,
    /// The first block replayed (the marketplace's deploy block); the pre-state is the node's
    /// state after the block before it.
    pub from_block: u64,
    /// The last block replayed (default: the node's head).
    pub to_block: Option<u64>,
    /// Where the pre-state cache (`cache/`) goes.
    pub out: PathBuf,
}

impl ReplayConfig {
    /// Replays `rpc_url` from `from_block` (at least 1) to its head, folding the logs of
    /// `sources` into the ledger and caching under `out`.
    pub fn new(
        rpc_url: impl Into<String>,
        sources: Sources,
        from_block: u64,
        out: PathBuf,
    ) -> Self {
        Self {
            rpc_url: rpc_url.into(),
            sources,
            from_block: from_block.max(1),
            to_block: None,
            out,
        }
    }
}

/// Progress, reported once per replayed block.
#[derive(Clone, Copy, Debug)]
pub struct Progress {
    /// The block just replayed.
    pub block: u64,
    /// The last block to replay.
    pub last: u64,
    /// Transactions replayed so far.
    pub transactions: u64,
}

/// The counts of a replay in which everything equalled the node.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct Summary {
    /// The chain id.
    pub chain_id: u64,
    /// First replayed block.
    pub from_block: u64,
    /// Last replayed block.
    pub to_block: u64,
    /// Blocks replayed.
    pub blocks: u64,
    /// Transactions replayed, each receipt equal to the node's.
    pub transactions: u64,
    /// Logs compared.
    pub logs: u64,
    /// Gas the replayed transactions used.
    pub gas: u64,
    /// Accounts whose balance, nonce and code hash equal the node's after the last block.
    pub accounts_checked: u64,
    /// Storage words equal to the node's after the last block.
    pub slots_checked: u64,
    /// Pre-state values fetched from the node (0 when the cache had them all).
    pub prestate_fetched: u64,
    /// Seconds spent replaying and comparing receipts (fetching blocks included).
    pub replay_seconds: f64,
    /// Of those, waiting for blocks and receipts from the node (they are fetched ahead, on
    /// another thread, while earlier blocks execute).
    pub fetch_seconds: f64,
    /// Executing transactions, lazy pre-state reads from the node or its cache included.
    pub execute_seconds: f64,
    /// Comparing receipts.
    pub compare_seconds: f64,
    /// Folding logs into the ledger and checking its invariants.
    pub ledger_seconds: f64,
    /// Seconds spent comparing the final state.
    pub state_seconds: f64,
}

/// A replay that equalled the node: its counts and its ledger.
#[derive(Debug)]
pub struct Outcome {
    /// The counts.
    pub summary: Summary,
    /// The billing ledger folded from the replayed logs.
    pub ledger: Ledger,
}

/// [`replay`] without progress, on a thread of its own: for callers inside an async runtime
/// (the replay blocks on a client runtime of its own).
pub async fn replay_detached(config: ReplayConfig) -> Result<Outcome, AuditError> {
    let (done, outcome) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let _ = done.send(replay(&config, &mut |_| {}));
    });
    outcome
        .await
        .map_err(|_| AuditError::Missing("replay result: the replay thread stopped".into()))?
}

/// Replays the chain `config` names; the first difference from the node is the error.
pub fn replay(
    config: &ReplayConfig,
    progress: &mut dyn FnMut(Progress),
) -> Result<Outcome, AuditError> {
    let started = Instant::now();
    let rpc = Arc::new(Rpc::connect(&config.rpc_url)?);
    let chain_id = rpc.chain_id()?;
    let head = rpc.head()?;
    let from = config.from_block.max(1);
    let to = config.to_block.unwrap_or(head).min(head);
    let fork = from - 1;
    let fork_hash = rpc.block(fork)?.header.hash;
    let db = Arc::new(RpcDb::open(
        rpc.clone(),
        chain_id,
        fork,
        fork_hash,
        &config.out.join("cache"),
    )?);
    let mut chain = Chain::forked(
        ChainConfig {
            chain_id,
            ..ChainConfig::default()
        },
        PreState::from_source(db.clone()),
    );
    let mut summary = Summary {
        chain_id,
        from_block: from,
        to_block: to,
        ..Summary::default()
    };
    let mut ledger = Ledger::new(config.sources);
    let fetched = prefetch::blocks(&config.rpc_url, from, to)?;
    for number in from..=to {
        let waiting = Instant::now();
        let (block, receipts) = fetched.recv().map_err(|_| {
            AuditError::Missing(format!("block {number}: the block fetcher stopped"))
        })??;
        summary.fetch_seconds += waiting.elapsed().as_secs_f64();
        replay_block(
            &mut chain,
            &db,
            &block,
            &receipts,
            &mut summary,
            &mut ledger,
        )?;
        chain.set_block_hash(number, block.header.hash);
        summary.blocks += 1;
        progress(Progress {
            block: number,
            last: to,
            transactions: summary.transactions,
        });
    }
    summary.replay_seconds = started.elapsed().as_secs_f64();
    db.save()?;
    let checked = Instant::now();
    check_state(&chain, &rpc, to, &mut summary)?;
    summary.state_seconds = checked.elapsed().as_secs_f64();
    summary.prestate_fetched = db.fetched();
    Ok(Outcome { summary, ledger })
}

fn replay_block(
    chain: &mut Chain,
    db: &RpcDb,
    block: &Block,
    receipts: &[alloy::rpc::types::TransactionReceipt],
    summary: &mut Summary,
    ledger: &mut Ledger,
) -> Result<(), AuditError> {
    let header = &block.header;
    let number = header.number;
    {
        let env = &mut chain.evm_mut().ctx.block;
        env.number = U256::from(number);
        env.timestamp = U256::from(header.timestamp);
        env.basefee = header.base_fee_per_gas.unwrap_or_default();
        env.beneficiary = header.beneficiary;
        env.gas_limit = header.gas_limit;
        env.difficulty = header.difficulty;
        env.prevrandao = Some(header.mix_hash);
    }
    let txs: Vec<&Transaction> = block.transactions.txns().collect();
    if txs.len() != block.transactions.len() {
        return Err(AuditError::Missing(format!(
            "full transactions of block {number}"
        )));
    }
    for (index, tx) in txs.into_iter().enumerate() {
        let hash = tx.tx_hash();
        let executing = Instant::now();
        let out = chain.evm_mut().transact(tx_env(tx));
        if let Some(failure) = db.failure() {
            return Err(failure);
        }
        let out = out.map_err(|e| AuditError::Rejected {
            block: number,
            tx: hash,
            reason: e.to_string(),
        })?;
        chain
            .evm_mut()
            .ctx
            .journaled_state
            .database
            .commit(out.state);
        let comparing = Instant::now();
        summary.execute_seconds += (comparing - executing).as_secs_f64();
        let replayed = facts(out.result);
        let node = receipts
            .get(index)
            .filter(|r| r.transaction_hash == hash)
            .map(|r| ReceiptFacts {
                success: r.status(),
                gas_used: r.gas_used,
                logs: r.inner.logs().iter().map(|l| l.inner.clone()).collect(),
                created: r.contract_address,
            });
        let Some(node) = node else {
            return Err(AuditError::Receipt {
                block: number,
                tx: hash,
                difference: Box::new(Difference::NoReceipt),
            });
        };
        compare::receipts(&replayed, &node).map_err(|difference| AuditError::Receipt {
            block: number,
            tx: hash,
            difference: Box::new(difference),
        })?;
        let folding = Instant::now();
        summary.compare_seconds += (folding - comparing).as_secs_f64();
        summary.transactions += 1;
        summary.gas += replayed.gas_used;
        summary.logs += replayed.logs.len() as u64;
        for log in replayed.logs {
            let entry = LedgerLog {
                block: number,
                tx: hash,
                log,
            };
            ledger.apply(&entry).map_err(|e| AuditError::Invariant {
                block: number,
                tx: hash,
                violation: e.to_string(),
            })?;
        }
        let violation = ledger.check_touched().into_iter().next();
        summary.ledger_seconds += folding.elapsed().as_secs_f64();
        if let Some(violation) = violation {
            return Err(AuditError::Invariant {
                block: number,
                tx: hash,
                violation,
            });
        }
    }
    Ok(())
}

/// revm's view of a mined transaction.
fn tx_env(tx: &Transaction) -> TxEnv {
    let envelope = tx.inner.inner();
    let mut env = TxEnv {
        tx_type: envelope.tx_type() as u8,
        caller: tx.from(),
        gas_limit: envelope.gas_limit(),
        gas_price: envelope.max_fee_per_gas(),
        gas_priority_fee: envelope.max_priority_fee_per_gas(),
        kind: envelope.kind(),
        value: envelope.value(),
        data: envelope.input().clone(),
        nonce: envelope.nonce(),
        chain_id: envelope.chain_id(),
        ..TxEnv::default()
    };
    if let Some(list) = envelope.access_list() {
        env.access_list = list.clone();
    }
    env
}

fn facts(result: ExecutionResult) -> ReceiptFacts {
    let gas_used = result.tx_gas_used();
    let success = result.is_success();
    let created = match &result {
        ExecutionResult::Success {
            output: Output::Create(_, address),
            ..
        } => *address,
        _ => None,
    };
    ReceiptFacts {
        success,
        gas_used,
        logs: result.into_logs(),
        created,
    }
}

/// Compares every account the replay read or wrote, and every storage word it holds, with the
/// node after block `at`, in address and slot order (the node is asked a few reads at a time).
fn check_state(chain: &Chain, rpc: &Rpc, at: u64, summary: &mut Summary) -> Result<(), AuditError> {
    let mut accounts: Vec<_> = chain.db().cache.accounts.iter().collect();
    accounts.sort_by_key(|(address, _)| **address);
    let addresses: Vec<Address> = accounts.iter().map(|(address, _)| **address).collect();
    let slots: Vec<Vec<(U256, U256)>> = accounts
        .iter()
        .map(|(_, account)| {
            let mut slots: Vec<_> = account.storage.iter().map(|(s, v)| (*s, *v)).collect();
            slots.sort_by_key(|(slot, _)| *slot);
            slots
        })
        .collect();
    let keys: Vec<(Address, U256)> = addresses
        .iter()
        .zip(&slots)
        .flat_map(|(address, slots)| slots.iter().map(|(slot, _)| (*address, *slot)))
        .collect();
    let facts = rpc.accounts(&addresses, at)?;
    let mut words = rpc.storage_words(&keys, at)?.into_iter();
    for ((address, account), (slots, (balance, nonce, code))) in addresses
        .into_iter()
        .zip(accounts.iter().map(|(_, a)| a))
        .zip(slots.into_iter().zip(facts))
    {
        let state_error = |difference| AuditError::State {
            block: at,
            address,
            difference: Box::new(difference),
        };
        let exists = !matches!(account.account_state, AccountState::NotExisting);
        let replayed = if exists {
            AccountFacts {
                balance: account.info.balance,
                nonce: account.info.nonce,
                code_hash: account.info.code_hash,
            }
        } else {
            AccountFacts {
                balance: U256::ZERO,
                nonce: 0,
                code_hash: KECCAK_EMPTY,
            }
        };
        let node = AccountFacts {
            balance,
            nonce,
            code_hash: if code.is_empty() {
                KECCAK_EMPTY
            } else {
                alloy_primitives::keccak256(&code)
            },
        };
        compare::accounts(&replayed, &node).map_err(state_error)?;
        summary.accounts_checked += 1;
        for (slot, value) in slots {
            let theirs = words.next().unwrap_or_default();
            if value != theirs {
                return Err(state_error(Difference::Storage {
                    slot,
                    replayed: value,
                    node: theirs,
                }));
            }
            summary.slots_checked += 1;
        }
    }
    Ok(())
}
