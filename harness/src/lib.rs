//! Cloudless chain model: revm 43 with a Stylus executor on wasmi 2.0.
//!
//! - [`artifact`]: turns a contract's raw wasm into what `cargo stylus deploy` uploads
//!   (WAT round trip, custom sections stripped, Nitro validation, brotli, `EF F0 00 00`).
//! - [`stylus`]: the program side: activation, ink metering, the 42 `vm_hooks`, suspended on
//!   every request that touches EVM state.
//! - [`evm`]: the EVM side: revm frames that run Stylus programs, the ArbWasm precompile and the
//!   [`evm::Chain`] that tests, the dev node and the auditors drive.
//! - [`marketplace`]: deploys and initializes the marketplace contracts on a [`evm::Chain`].

pub mod artifact;
pub mod evm;
pub mod marketplace;
pub mod stylus;
