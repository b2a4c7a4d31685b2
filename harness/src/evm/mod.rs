//! The EVM side of the executor: revm 43 frames that run Stylus programs next to EVM bytecode.
//!
//! - [`arbos`]: the precompile set (Ethereum's plus ArbWasm and ArbWasmCache), Stylus parameters
//!   and the compiled programs.
//! - [`arbwasm`]: the ArbWasm precompile: activation, keepalive and the views cargo-stylus calls.
//! - [`arbwasm_cache`]: the ArbWasmCache precompile: the program cache and its managers.
//! - [`frame`] / [`stylus_frame`] / [`bridge`]: a frame is either revm's `EthFrame` or a
//!   suspended Stylus invocation; the bridge answers a program's requests from the journal and
//!   turns its calls and creates into child frames.
//! - [`machine`]: the [`machine::StylusEvm`] that ties them into revm's handler loop.
//! - [`chain`]: the deterministic chain that tests, the dev node and replays drive.
//! - [`inspect`]: transactions under a revm inspector (traces), Stylus frames included;
//!   [`hostio_trace`]: Nitro's `stylusTracer` over it.

pub mod arbos;
pub mod arbwasm;
pub mod arbwasm_cache;
mod bridge;
pub mod chain;
pub mod digest;
mod frame;
pub mod hostio_trace;
pub mod inspect;
pub mod machine;
mod precompile;
mod stylus_frame;

pub use chain::{Chain, ChainConfig, ChainError, Receipt};

/// True if `code` is a Stylus program (Nitro's rule: at least four bytes, starting `EF F0 00`).
pub fn is_stylus_program(code: &[u8]) -> bool {
    code.len() >= 4 && code[..3] == crate::artifact::STYLUS_PREFIX[..3]
}
