//! Test fixtures for Cloudless: Solidity contracts compiled ahead of time.
//!
//! The sources live in `test-fixtures/solidity/`; their compiled artifacts are committed in
//! `test-fixtures/artifacts/` and embedded here, so tests need neither node nor a Solidity
//! compiler. `cargo run -p test-fixtures --features build --bin build-solidity [-- --check]`
//! rebuilds (or verifies) them; see `docs/fixtures.md`. [`stylus`] holds a small Stylus program
//! in WAT and the init code cargo-stylus deploys programs with.
//!
//! ```
//! let usdc = test_fixtures::solidity("TestUSDC");
//! assert!(!usdc.creation.is_empty());
//! ```

pub mod abi;
mod artifact;
#[cfg(feature = "build")]
pub mod build;
pub mod stylus;

pub use artifact::SolArtifact;

use std::{fmt, sync::LazyLock};

/// Embeds `artifacts/<name>.json` for each listed contract name.
macro_rules! embed {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../artifacts/", $name, ".json")))),*]
    };
}

/// Every committed artifact, sorted by name. Keep in sync with `test-fixtures/artifacts/`
/// (`build-solidity` and the crate's tests report a mismatch).
const EMBEDDED: &[(&str, &str)] = embed![
    "CacheManager",
    "Caller",
    "DaoTreasury",
    "Deployer",
    "FeeToken",
    "Multicall3",
    "NoBoolToken",
    "ReentrantToken",
    "Store",
    "StylusDeployer",
    "TestUSDC",
];

static PARSED: LazyLock<Vec<SolArtifact>> = LazyLock::new(|| {
    EMBEDDED
        .iter()
        .map(|(name, json)| {
            let artifact: SolArtifact = serde_json::from_str(json).unwrap_or_else(|e| {
                panic!(
                    "committed artifact test-fixtures/artifacts/{name}.json is malformed ({e}); \
                     regenerate it with `cargo run -p test-fixtures --features build --bin build-solidity`"
                )
            });
            assert_eq!(
                artifact.contract, *name,
                "test-fixtures/artifacts/{name}.json describes another contract; regenerate the artifacts"
            );
            artifact
        })
        .collect()
});

/// Names of all embedded Solidity fixtures, sorted.
pub fn solidity_names() -> impl ExactSizeIterator<Item = &'static str> {
    EMBEDDED.iter().map(|(name, _)| *name)
}

/// Returns the compiled fixture `name` (a contract name such as `"TestUSDC"`).
///
/// # Panics
/// If there is no such fixture; the message lists the known names. Use [`try_solidity`] to
/// handle that case.
pub fn solidity(name: &str) -> &'static SolArtifact {
    try_solidity(name).unwrap_or_else(|e| panic!("{e}"))
}

/// Returns the compiled fixture `name`, or an error listing the known names.
pub fn try_solidity(name: &str) -> Result<&'static SolArtifact, UnknownFixture> {
    EMBEDDED
        .iter()
        .position(|(known, _)| *known == name)
        .map(|index| &PARSED[index])
        .ok_or_else(|| UnknownFixture {
            name: name.to_owned(),
        })
}

/// A fixture name that is not among the embedded artifacts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownFixture {
    /// The name that was asked for.
    pub name: String,
}

impl fmt::Display for UnknownFixture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let known: Vec<&str> = solidity_names().collect();
        write!(
            f,
            "no Solidity fixture named `{}` (known: {}); to add one, put `{}.sol` in \
             test-fixtures/solidity/, run build-solidity and list it in test-fixtures/src/lib.rs",
            self.name,
            known.join(", "),
            self.name
        )
    }
}

impl std::error::Error for UnknownFixture {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_embedded_artifact_loads_with_code_and_abi() {
        for name in solidity_names() {
            let artifact = solidity(name);
            assert_eq!(artifact.contract, name);
            assert!(!artifact.creation.is_empty(), "{name}: empty creation code");
            assert!(!artifact.runtime.is_empty(), "{name}: empty runtime code");
            assert!(artifact.abi.is_array(), "{name}: ABI is not an array");
            assert!(
                artifact.source.ends_with(".sol"),
                "{name}: source {}",
                artifact.source
            );
        }
    }

    #[test]
    fn committed_files_are_in_canonical_form() {
        for (name, json) in EMBEDDED {
            assert_eq!(
                solidity(name).to_json(),
                *json,
                "artifacts/{name}.json is not what build-solidity writes"
            );
        }
    }

    #[test]
    fn every_committed_file_is_embedded() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("artifacts");
        let mut on_disk: Vec<String> = std::fs::read_dir(dir)
            .expect("test-fixtures/artifacts exists")
            .map(|entry| entry.expect("a directory entry").path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
            .map(|path| path.file_stem().unwrap().to_string_lossy().into_owned())
            .collect();
        on_disk.sort();
        assert_eq!(on_disk, solidity_names().collect::<Vec<_>>());
    }

    #[test]
    fn unknown_names_are_reported_with_the_known_ones() {
        let error = try_solidity("NoSuchToken").unwrap_err();
        assert_eq!(error.name, "NoSuchToken");
        let message = error.to_string();
        let known = solidity_names().collect::<Vec<_>>().join(", ");
        assert!(
            known.contains("Caller") && known.contains("TestUSDC"),
            "{known}"
        );
        assert!(message.contains(&format!("known: {known}")), "{message}");
    }

    #[test]
    #[should_panic(expected = "no Solidity fixture named `Nope`")]
    fn solidity_panics_on_unknown_names() {
        solidity("Nope");
    }
}
