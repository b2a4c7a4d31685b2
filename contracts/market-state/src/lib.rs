//! The market's storage and logic, shared by its two programs: `market` (the core: deposits,
//! matching, proofs, claims and the views) and `market-ext` (cancels, closes, exits,
//! evictions, finalization, the treasury and governance), which runs on the core's storage by
//! delegation. Every function is O(1) in the number of deployments, placements and epochs.

#![no_std]

extern crate alloc;

mod billing;
mod contract;
mod registry;

pub use contract::{Market, ProofTuple, params_words, read_params};
