//! The one source of truth for the ABIs of Cloudless's Stylus contracts, as alloy `sol!`
//! interfaces with their events and errors.
//!
//! The contracts emit and revert with these very types, and every Rust consumer (harness tests,
//! keeper, CLI) encodes calls and decodes logs and errors with them. The crate depends only on
//! alloy, so it builds both natively and for `wasm32-unknown-unknown`.
//!
//! - [`market`]: the registry and market interfaces and the types they share;
//! - [`court`]: protocol v2's disputes, receipts and proof references;
//! - [`receipt`], [`merkle`]: a receipt's EIP-712 digest and the receipts and batch trees;
//! - [`events`]: the marketplace's logs decoded by the contract that emitted them;
//! - [`eligibility`]: protocol v1's eligibility rules, one function for the contracts and the
//!   matcher;
//! - [`lifecycle`]: a deployment's status, one function for the market and the matcher;
//! - [`escrow`]: the least deposit of a new deployment;
//! - [`arbwasm`], [`arbwasm_cache`]: Nitro's ArbWasm and ArbWasmCache precompiles;
//! - [`stylus_deployer`], [`cache_manager`]: the Stylus developer's contracts every Arbitrum
//!   chain has (the dev node's predeploys);
//! - [`clock`]: the epoch clock;
//! - [`deployer`]: the storage slot where a program records the account that created it;
//! - [`erc20`], [`probe`]: the test token (plus EIP-2612 `permit`) and the SDK probe.

#![no_std]

extern crate alloc;

pub mod arbwasm;
pub mod arbwasm_cache;
pub mod cache_manager;
pub mod clock;
pub mod court;
pub mod deployer;
pub mod eligibility;
pub mod erc20;
pub mod escrow;
pub mod events;
pub mod lifecycle;
pub mod market;
pub mod merkle;
pub mod probe;
pub mod receipt;
pub mod stylus_deployer;
