//! What every Cloudless chain client (the `cloudless` CLI, the keeper) shares:
//!
//! - [`manifest`]: the per-chain deployment manifest `deployments/<chain>.json`.
//! - [`revert`]: revert data decoded by name against the marketplace's and token's errors, with
//!   a hint of what to do next.

pub mod manifest;
pub mod revert;
