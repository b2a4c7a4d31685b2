//! The 42 `vm_hooks` a Stylus program imports, with Nitro's semantics and ink prices
//! (`user-host-trait`, ArbOS 50).
//!
//! Hostios run inside wasmi host functions. Those that only need what the invocation knows
//! (calldata, result, call fields, math, keccak, return data, storage cache hits, the meter)
//! finish at once. Those that need EVM state leave a [`Request`](super::api::Request) and a
//! continuation in the [`HostState`], and return a host error that suspends the resumable call;
//! [`answer`] finishes them when the EVM's response comes back.
//!
//! Every hostio first buys its flat ink, then checks `require_gas` sentries, reads its arguments
//! from memory and charges by size, in Nitro's order, so that a failure or an exhausted meter
//! leaves the same ink behind as on Nitro.

mod account;
mod calls;
mod env;
mod fields;
mod io;
mod linker;
mod log;
mod math;
mod price;
mod storage;
mod suspend;
pub(crate) mod trace;

pub(crate) use env::{Env, Escape, Exports, HostState, MeterState};
pub(crate) use linker::linker;
pub(crate) use suspend::answer;
pub use trace::HostioRecord;

#[cfg(test)]
pub(crate) mod testkit;
#[cfg(test)]
mod tests;
