//! The probe: a default-built stylus-sdk 0.10 contract (reentrancy guard on) that exercises what
//! the harness must run exactly like Nitro: storage maps and vectors, events, custom errors, a
//! payable method, value transfers, and static and mutating calls into other contracts (EVM or
//! Stylus). Its ABI is [`cloudless_abi::probe::IProbe`].

#![cfg_attr(not(any(test, feature = "export-abi")), no_main)]

extern crate alloc;

mod contract;

pub use contract::{Probe, ProbeError};
