//! What every Cloudless chain client (the `cloudless` CLI, the keeper) shares:
//!
//! - [`manifest`]: the per-chain deployment manifest `deployments/<chain>.json`.
//! - [`receipts`]: signed EIP-712 receipts and an epoch's receipts root, as the court checks them.
//! - [`revert`]: revert data decoded by name against the marketplace's and token's errors, with
//!   a hint of what to do next.

pub mod manifest;
pub mod receipts;
pub mod revert;
