//! The committed artifact format: one JSON file per contract in `test-fixtures/artifacts/`.

use alloy_primitives::Bytes;
use serde::{Deserialize, Serialize};

/// One compiled Solidity contract, as stored in `test-fixtures/artifacts/<contract>.json`.
///
/// Fields are declared in alphabetical order so that the serialized file has sorted keys.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SolArtifact {
    /// The contract's ABI as emitted by the compiler (a JSON array, keys sorted).
    pub abi: serde_json::Value,
    /// Full version of the compiler that produced the bytes, e.g. `0.8.37+commit.f401782d…`.
    pub compiler: String,
    /// Contract name (also the artifact's file stem).
    pub contract: String,
    /// Init code: deploy it (plus ABI-encoded constructor arguments) with a CREATE transaction.
    pub creation: Bytes,
    /// Deployed (runtime) code, as the init code leaves it on chain.
    pub runtime: Bytes,
    /// Source file, relative to `test-fixtures/solidity/`.
    pub source: String,
}

impl SolArtifact {
    /// Serializes the artifact the way it is committed: pretty JSON with every object's keys
    /// sorted, lowercase `0x` hex for the code, and a trailing newline.
    pub fn to_json(&self) -> String {
        let mut value = serde_json::to_value(self).expect("an artifact always serializes to JSON");
        value.sort_all_objects();
        let mut text =
            serde_json::to_string_pretty(&value).expect("a JSON value always serializes to text");
        text.push('\n');
        text
    }
}
