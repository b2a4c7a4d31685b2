//! The one source of truth for the ABIs of Cloudless's Stylus contracts, as alloy `sol!`
//! interfaces with their events and errors.
//!
//! The contracts emit and revert with these very types, and every Rust consumer (harness tests,
//! keeper, CLI) encodes calls and decodes logs and errors with them. The crate depends only on
//! alloy, so it builds both natively and for `wasm32-unknown-unknown`.

#![no_std]

pub mod erc20;
pub mod probe;
