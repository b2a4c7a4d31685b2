//! Stylus artifacts: processing raw contract wasm the way `cargo stylus deploy` does, validating
//! it against Nitro's rules, building the workspace's contracts and loading the results.
//!
//! - [`process`] turns rustc's wasm into the processed wasm and the on-chain code
//!   (`EF F0 00 00` + brotli); [`decompress`] reverses the second step for activation.
//! - [`validate()`] checks a wasm against Nitro's feature set and limits.
//! - [`check_purity`] checks that a function imports only the hooks a pure function may use.
//! - [`build`] compiles every contract crate for wasm32 and writes the artifacts folder;
//!   [`Artifacts`] loads it.

pub mod build;
mod codec;
pub mod purity;
mod store;
pub mod validate;

pub use codec::{
    ArtifactError, MAX_CODE_SIZE, Processed, STYLUS_PREFIX, compress, decompress, process,
};
pub use purity::{PurityError, check_purity};
pub use store::{
    ARTIFACTS_ENV, Artifacts, ArtifactsError, ContractSizes, Manifest, workspace_root,
};
pub use validate::{ValidationError, validate};

#[cfg(test)]
mod tests;
