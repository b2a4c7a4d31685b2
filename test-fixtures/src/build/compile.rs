//! Running solc (through foundry-compilers and the shim) on the fixture sources.

use std::{
    collections::{BTreeMap, btree_map::Entry},
    fs,
    path::PathBuf,
};

use foundry_compilers::{
    artifacts::{
        BytecodeHash, Contract, EvmVersion, Optimizer, Settings, SettingsMetadata, SolcInput,
        SolcLanguage, Source, Sources, output_selection::OutputSelection,
    },
    solc::Solc,
};

use super::{BuildError, Layout};
use crate::SolArtifact;

/// The solc release the artifacts are built with (major.minor.patch; the npm build of it).
pub const SOLC_VERSION: &str = "0.8.37";

/// The pinned compiler settings: optimizer on with 200 runs, EVM version `cancun`, and no
/// metadata hash or CBOR trailer, so the bytes do not depend on file paths or comments.
/// Only the ABI and the creation and runtime code are requested.
pub fn settings() -> Settings {
    let outputs = ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"];
    let mut settings = Settings::new(OutputSelection::common_output_selection(
        outputs.map(String::from),
    ));
    settings.optimizer = Optimizer {
        enabled: Some(true),
        runs: Some(200),
        details: None,
    };
    settings.evm_version = Some(EvmVersion::Cancun);
    settings.metadata = Some(SettingsMetadata::new(BytecodeHash::None, false));
    settings
}

/// Compiles every `*.sol` in `layout.sources` and returns one artifact per deployable contract
/// (interfaces and abstract contracts have no code and are skipped), keyed by contract name.
pub fn compile_all(layout: &Layout) -> Result<BTreeMap<String, SolArtifact>, BuildError> {
    if !layout.root.join("node_modules/solc/package.json").is_file() {
        return Err(BuildError::SolcNotInstalled);
    }
    let mut solc = Solc::new(&layout.solc)?;
    let version = &solc.version;
    if format!("{}.{}.{}", version.major, version.minor, version.patch) != SOLC_VERSION {
        return Err(BuildError::WrongCompilerVersion {
            found: version.to_string(),
        });
    }
    // Imports between fixtures resolve against the sources directory.
    solc.base_path = Some(layout.sources.clone());

    let input = SolcInput::new(SolcLanguage::Solidity, read_sources(layout)?, settings());
    let output = solc.compile(&input)?;
    let diagnostics: Vec<String> = output
        .errors
        .iter()
        .filter(|e| e.is_error() || e.is_warning())
        .map(ToString::to_string)
        .collect();
    if !diagnostics.is_empty() {
        return Err(BuildError::Diagnostics(diagnostics));
    }

    let mut artifacts = BTreeMap::new();
    for (file, contracts) in &output.contracts {
        for (name, contract) in contracts {
            let Some(artifact) = to_artifact(&solc, file, name, contract)? else {
                continue;
            };
            match artifacts.entry(name.clone()) {
                Entry::Vacant(slot) => {
                    slot.insert(artifact);
                }
                Entry::Occupied(first) => {
                    return Err(BuildError::DuplicateContract {
                        contract: name.clone(),
                        first: first.get().source.clone(),
                        second: artifact.source,
                    });
                }
            }
        }
    }
    Ok(artifacts)
}

/// Reads the sources, keyed by file name relative to the sources directory.
fn read_sources(layout: &Layout) -> Result<Sources, BuildError> {
    let mut sources = Sources::new();
    for entry in fs::read_dir(&layout.sources).map_err(layout.io_error(&layout.sources))? {
        let path = entry.map_err(layout.io_error(&layout.sources))?.path();
        if path.extension().is_some_and(|ext| ext == "sol") {
            let text = fs::read_to_string(&path).map_err(layout.io_error(&path))?;
            let name = path.file_name().expect("a directory entry has a file name");
            sources.insert(PathBuf::from(name), Source::new(text));
        }
    }
    // The marketplace interface, generated from its `sol!` source, for fixtures to import.
    if !sources.is_empty() {
        let (_, interface) = super::interface::exports(layout)?.swap_remove(0);
        sources.insert(
            PathBuf::from(super::interface::INTERFACE),
            Source::new(interface),
        );
    }
    if sources.is_empty() {
        return Err(BuildError::NoSources {
            dir: layout.display(&layout.sources).to_string(),
        });
    }
    Ok(sources)
}

/// The artifact for one compiled contract, or `None` if it has no creation code.
fn to_artifact(
    solc: &Solc,
    file: &std::path::Path,
    name: &str,
    contract: &Contract,
) -> Result<Option<SolArtifact>, BuildError> {
    let missing = |what| BuildError::MissingBytecode {
        contract: name.to_owned(),
        what,
    };
    let evm = contract.evm.as_ref().ok_or_else(|| missing("creation"))?;
    let creation = evm
        .bytecode
        .as_ref()
        .ok_or_else(|| missing("creation"))?
        .object
        .as_bytes()
        .ok_or_else(|| missing("creation"))?;
    if creation.is_empty() {
        return Ok(None);
    }
    let runtime = evm
        .deployed_bytecode
        .as_ref()
        .and_then(|deployed| deployed.bytecode.as_ref())
        .and_then(|bytecode| bytecode.object.as_bytes())
        .ok_or_else(|| missing("runtime"))?;
    let abi = serde_json::to_value(contract.abi.clone().unwrap_or_default())
        .expect("an ABI always serializes to JSON");
    Ok(Some(SolArtifact {
        abi,
        compiler: solc.version.to_string(),
        contract: name.to_owned(),
        creation: creation.clone(),
        runtime: runtime.clone(),
        source: file.display().to_string(),
    }))
}
