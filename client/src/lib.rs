//! What every Cloudless chain client (the `cloudless` CLI, the keeper) shares:
//!
//! - [`calls`]: calling a deployment through its providers' nodes, receipts verified.
//! - [`manifest`]: the per-chain deployment manifest `deployments/<chain>.json`.
//! - [`proofs`]: a proof's reference (batch leaf and path) rebuilt from the chain's logs.
//! - [`receipts`]: signed EIP-712 receipts and an epoch's receipts root, as the court checks them.
//! - [`revert`]: revert data decoded by name against the marketplace's and token's errors, with
//!   a hint of what to do next.
//! - [`serve`]: the HTTP serving the provider node and the keeper share: an axum app until a
//!   stop signal, and Prometheus metrics as an answer.
//! - [`transact`]: a transaction's simulation (reverts named) and fee basis.

pub mod calls;
pub mod manifest;
pub mod proofs;
pub mod receipts;
pub mod revert;
pub mod serve;
pub mod transact;
