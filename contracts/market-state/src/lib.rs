//! The market's storage and logic, shared by its three programs: `market` (the core: matching,
//! proofs), `market-ext` (deployments, exits, claims, views, governance) and `court` (disputes,
//! fraud, evictions, finalization, closes, parameters, the treasury), which run on the core's
//! storage by delegation. Every function is O(1) in the number of deployments, placements and epochs.

#![no_std]

extern crate alloc;

mod billing;
mod contract;
mod court;
mod held;
mod registry;

pub use contract::{Market, ProofTuple, params_words, read_params};
pub use court::{court_params_words, read_court_params, read_receipt};
