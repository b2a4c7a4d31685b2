//! The Cloudless dev node: the harness chain (revm with the Stylus executor) behind an Ethereum
//! JSON-RPC server on HTTP and WebSocket, so alloy, foundry's `cast`, cargo-stylus and wallets
//! talk to it like any Arbitrum node.
//!
//! - [`config`]: [`Config`] and [`Error`]; [`accounts`]: the prefunded dev accounts.
//! - `node`: the chain with its blocks, receipts, pending pool, clock and snapshots; `blocks`:
//!   the block model with real headers; `admission`: raw transaction checks.
//! - `history`: per-block undo records for queries at past blocks; `overrides`: state overrides
//!   for simulations; `filters`: the installed `eth_newFilter` filters.
//! - `tracers`: the `debug_trace*` tracers (struct logger, `callTracer`, `stylusTracer`).
//! - `state_file`: the append-only JSON-lines log replayed on restart.
//! - `rpc`: the method handlers; `connections`: HTTP and WebSocket under separate caps, with
//!   `shape` telling notifications and non-requests apart; `server`: [`start`] and [`DevNode`].
//!
//! Time is controlled: genesis is at [`harness::evm::chain::GENESIS_TIMESTAMP`] and each block is
//! one second (or the block time) after its parent plus any `evm_increaseTime`, or exactly the
//! `evm_setNextBlockTimestamp` value, so the same transactions give the same blocks and hashes
//! on any machine.

pub mod accounts;
mod admission;
mod blocks;
pub mod config;
mod connections;
mod filters;
mod history;
mod node;
mod overrides;
pub mod predeploys;
mod rpc;
mod server;
mod shape;
mod state_file;
mod tracers;
mod unknown_method;

pub use accounts::DevAccount;
pub use config::{Config, Error};
pub use server::{DevNode, start};
