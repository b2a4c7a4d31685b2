//! Auditing a Cloudless chain from any node: [`replay::replay`] re-executes every block since
//! the marketplace was deployed in the harness, over the node's state at the fork block
//! ([`rpc_db::RpcDb`], cached on disk), compares each receipt and, at the end, every touched
//! account with the node ([`compare`]), and folds the replayed logs into a billing
//! [`ledger::Ledger`] written as deterministic JSON and CSV. [`driver::Driver`] drives a
//! marketplace in the harness for auditors and independent suites (`examples/drive.rs`).
//!
//! ```no_run
//! use cloudless_audit::replay::{ReplayConfig, replay};
//! # let sources = cloudless_abi::events::Sources {
//! #     registry: Default::default(), market: Default::default(), token: Default::default() };
//! // `sources`: the marketplace's registry, market and token (from its manifest).
//! let config = ReplayConfig::new("http://127.0.0.1:8547", sources, 1, "audit".into());
//! let outcome = replay(&config, &mut |p| eprintln!("block {}/{}", p.block, p.last))?;
//! println!("{} transactions equal", outcome.summary.transactions);
//! # Ok::<(), cloudless_audit::AuditError>(())
//! ```

pub mod compare;
pub mod driver;
pub mod ledger;
pub mod plot;
pub mod prefetch;
pub mod replay;
pub mod rpc;
pub mod rpc_db;

use alloy_primitives::{Address, B256};

pub use compare::Difference;

/// Why an audit stopped.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// A request to the node failed.
    #[error("RPC {what} failed: {reason}")]
    Rpc {
        /// The request.
        what: String,
        /// The node's or the transport's error.
        reason: String,
    },
    /// The node does not have something it must have (a block, a receipt).
    #[error("the node has no {0}")]
    Missing(String),
    /// A replayed transaction's receipt differs from the node's.
    #[error("block {block}, transaction {tx}: {difference}")]
    Receipt {
        /// Block number.
        block: u64,
        /// Transaction hash.
        tx: B256,
        /// What differs.
        difference: Box<Difference>,
    },
    /// The node mined a transaction the replay rejects as invalid.
    #[error("block {block}, transaction {tx}: the replay rejects it: {reason}")]
    Rejected {
        /// Block number.
        block: u64,
        /// Transaction hash.
        tx: B256,
        /// revm's reason.
        reason: String,
    },
    /// After a transaction the ledger breaks one of the protocol's invariants.
    #[error("block {block}, transaction {tx}: {violation}")]
    Invariant {
        /// Block number.
        block: u64,
        /// Transaction hash.
        tx: B256,
        /// Which, and by how much.
        violation: String,
    },
    /// An account's state after the last block differs from the node's.
    #[error("after block {block}, account {address}: {difference}")]
    State {
        /// The last replayed block.
        block: u64,
        /// The account.
        address: Address,
        /// What differs.
        difference: Box<Difference>,
    },
    /// The on-disk pre-state cache or an output file could not be read or written.
    #[error("{path}: {reason}")]
    File {
        /// The file.
        path: String,
        /// What went wrong.
        reason: String,
    },
}
