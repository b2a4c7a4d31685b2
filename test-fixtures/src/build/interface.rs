//! The integrators' exports of the marketplace ABI, generated from its one source of truth,
//! `contracts/abi/src/{market,court}.rs`: `contracts/abi/solidity/{ICloudless,ICourt}.sol`
//! (the `sol!` blocks are Solidity already: only the Rust attributes go) and
//! `contracts/abi/json/<Interface>.json` (standard JSON ABIs from the `sol!` types, the payment token's
//! included: the web console bundles them). The Solidity fixtures compile against the
//! generated interface, and `build-solidity --check` fails when a committed export is stale.

use std::path::PathBuf;

use cloudless_abi::{
    court::ICourt,
    erc20::IStylusToken,
    market::{IGoverned, IMarket, IRegistry},
};

use super::{BuildError, Layout};

/// The generated interface's source unit name, as fixtures import it.
pub const INTERFACE: &str = "ICloudless.sol";

/// The Solidity source of the `sol!` block in `rust_source` (the file `source_name`).
pub fn solidity_interface(rust_source: &str, source_name: &str) -> String {
    let start = rust_source
        .find("sol! {\n")
        .map(|i| i + "sol! {\n".len())
        .unwrap_or(0);
    let end = rust_source.rfind("\n}").unwrap_or(rust_source.len());
    let mut out = format!(
        "// SPDX-License-Identifier: MIT OR Apache-2.0\n\
         // Generated from contracts/abi/src/{source_name} by build-solidity: do not edit.\n\
         pragma solidity ^0.8.24;\n\n",
    );
    for line in rust_source[start..end].lines() {
        if line.trim_start().starts_with("#[") {
            continue;
        }
        out.push_str(line.strip_prefix("    ").unwrap_or(line));
        out.push('\n');
    }
    // Rust allows a comma after an enum's last variant; Solidity does not.
    out.replace(",\n}\n", "\n}\n")
}

/// Every export: its path and its contents.
pub fn exports(layout: &Layout) -> Result<Vec<(PathBuf, String)>, BuildError> {
    let source = |name: &str| {
        let path = layout.root.join("contracts/abi/src").join(name);
        std::fs::read_to_string(&path).map_err(layout.io_error(&path))
    };
    let dir = layout.root.join("contracts/abi");
    Ok(vec![
        (
            dir.join("solidity").join(INTERFACE),
            solidity_interface(&source("market.rs")?, "market.rs"),
        ),
        (
            dir.join("solidity/ICourt.sol"),
            solidity_interface(&source("court.rs")?, "court.rs"),
        ),
        (dir.join("json/ICourt.json"), json(&ICourt::abi::contract())),
        (
            dir.join("json/IGoverned.json"),
            json(&IGoverned::abi::contract()),
        ),
        (
            dir.join("json/IRegistry.json"),
            json(&IRegistry::abi::contract()),
        ),
        (
            dir.join("json/IMarket.json"),
            json(&IMarket::abi::contract()),
        ),
        (
            dir.join("json/IStylusToken.json"),
            json(&IStylusToken::abi::contract()),
        ),
    ])
}

fn json<T: serde::Serialize>(abi: &T) -> String {
    serde_json::to_string_pretty(abi).expect("a JSON ABI serializes") + "\n"
}

/// The exports whose committed file differs from (or lacks) the generated contents.
pub fn stale(layout: &Layout) -> Result<Vec<(PathBuf, String)>, BuildError> {
    Ok(exports(layout)?
        .into_iter()
        .filter(|(path, text)| std::fs::read_to_string(path).ok().as_deref() != Some(text.as_str()))
        .collect())
}

/// Writes the stale exports; returns their paths.
pub fn write_exports(layout: &Layout) -> Result<Vec<String>, BuildError> {
    let mut written = Vec::new();
    for (path, text) in stale(layout)? {
        let dir = path.parent().expect("exports live in a directory");
        std::fs::create_dir_all(dir).map_err(layout.io_error(dir))?;
        std::fs::write(&path, text).map_err(layout.io_error(&path))?;
        written.push(layout.display(&path).to_string());
    }
    Ok(written)
}
