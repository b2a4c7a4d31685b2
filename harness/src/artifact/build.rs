//! `cloudless contracts build`: compiles every contract crate for wasm32 in the `contract`
//! profile, processes each wasm and writes the artifacts folder.

use std::{
    path::{Path, PathBuf},
    process::Command,
};

use serde::Deserialize;

use super::{
    ArtifactError, Artifacts, ArtifactsError, ContractSizes, MAX_CODE_SIZE, Manifest, process,
};

/// The rustc target of Stylus contracts.
pub const WASM_TARGET: &str = "wasm32-unknown-unknown";
/// The cargo profile contracts are built in (root `Cargo.toml`).
pub const CONTRACT_PROFILE: &str = "contract";

/// Why building the contracts failed.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// cargo could not be started or printed something unexpected.
    #[error("cannot run `cargo {command}`: {reason}; is cargo on PATH?")]
    Cargo {
        /// The cargo subcommand.
        command: &'static str,
        /// What went wrong.
        reason: String,
    },
    /// The wasm build failed (cargo printed why above).
    #[error(
        "`cargo build --profile {CONTRACT_PROFILE} --target {WASM_TARGET}` failed; see cargo's errors above"
    )]
    CompileFailed,
    /// No `cdylib` crate under `contracts/`.
    #[error("no contract crates (cdylib crates under contracts/) in the workspace at {0}")]
    NoContracts(PathBuf),
    /// A contract's wasm could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The wasm file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A contract's wasm failed processing or validation.
    #[error("contract `{name}`: {source}")]
    Process {
        /// The contract.
        name: String,
        /// The cause.
        source: ArtifactError,
    },
    /// A contract's on-chain code is above [`MAX_CODE_SIZE`].
    #[error(
        "contract `{name}` is {bytes} on-chain bytes, above the {MAX_CODE_SIZE}-byte limit; shrink it (opt-level, fewer dependencies) or split it"
    )]
    TooLarge {
        /// The contract.
        name: String,
        /// Its on-chain size.
        bytes: usize,
    },
    /// The artifacts folder could not be written.
    #[error(transparent)]
    Write(#[from] ArtifactsError),
}

/// A contract crate found in the workspace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContractCrate {
    /// Package name (also the artifact name).
    pub name: String,
    /// The wasm rustc writes for it.
    pub wasm_path: PathBuf,
}

/// Builds every contract crate of the workspace at `workspace`, writes `<name>.wasm`,
/// `<name>.code` and `manifest.json` into `artifacts`, and returns the sizes. Fails, naming the
/// contract, when one does not validate or exceeds [`MAX_CODE_SIZE`] on chain.
pub fn build_contracts(
    workspace: &Path,
    artifacts: &Artifacts,
) -> Result<Vec<ContractSizes>, BuildError> {
    let contracts = discover(workspace)?;
    compile(workspace, &contracts)?;
    let mut sizes = Vec::with_capacity(contracts.len());
    for contract in &contracts {
        let raw = std::fs::read(&contract.wasm_path).map_err(|source| BuildError::Read {
            path: contract.wasm_path.clone(),
            source,
        })?;
        let processed = process(&raw).map_err(|source| BuildError::Process {
            name: contract.name.clone(),
            source,
        })?;
        if processed.code.len() > MAX_CODE_SIZE {
            return Err(BuildError::TooLarge {
                name: contract.name.clone(),
                bytes: processed.code.len(),
            });
        }
        artifacts.write(&contract.name, &processed)?;
        sizes.push(ContractSizes {
            name: contract.name.clone(),
            raw_bytes: raw.len(),
            processed_bytes: processed.wasm.len(),
            onchain_bytes: processed.code.len(),
        });
    }
    artifacts.write_manifest(&Manifest {
        contracts: sizes.clone(),
    })?;
    Ok(sizes)
}

/// The `cdylib` crates under `<workspace>/contracts/`, from `cargo metadata`.
pub fn discover(workspace: &Path) -> Result<Vec<ContractCrate>, BuildError> {
    let output = cargo(workspace)
        .args(["metadata", "--no-deps", "--format-version", "1"])
        .output()
        .map_err(|e| cargo_error("metadata", e))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        return Err(cargo_error("metadata", stderr));
    }
    let metadata: Metadata =
        serde_json::from_slice(&output.stdout).map_err(|e| cargo_error("metadata", e))?;
    let contracts_dir = metadata.workspace_root.join("contracts");
    let wasm_dir = metadata
        .target_directory
        .join(WASM_TARGET)
        .join(CONTRACT_PROFILE);
    let contracts: Vec<_> = metadata
        .packages
        .into_iter()
        .filter(|package| package.manifest_path.starts_with(&contracts_dir))
        .filter_map(|package| {
            let cdylib = package
                .targets
                .iter()
                .find(|target| target.crate_types.iter().any(|t| t == "cdylib"))?;
            Some(ContractCrate {
                wasm_path: wasm_dir.join(format!("{}.wasm", cdylib.name.replace('-', "_"))),
                name: package.name,
            })
        })
        .collect();
    if contracts.is_empty() {
        return Err(BuildError::NoContracts(workspace.to_path_buf()));
    }
    Ok(contracts)
}

/// `cargo build --profile contract --target wasm32-unknown-unknown -p …`; cargo's own output goes
/// to stderr.
fn compile(workspace: &Path, contracts: &[ContractCrate]) -> Result<(), BuildError> {
    let mut command = cargo(workspace);
    command.args([
        "build",
        "--profile",
        CONTRACT_PROFILE,
        "--target",
        WASM_TARGET,
    ]);
    for contract in contracts {
        command.args(["-p", &contract.name]);
    }
    let status = command
        .stdout(std::process::Stdio::null())
        .status()
        .map_err(|e| cargo_error("build", e))?;
    if !status.success() {
        return Err(BuildError::CompileFailed);
    }
    Ok(())
}

/// A cargo command in `workspace`, using the cargo that runs us when there is one.
fn cargo(workspace: &Path) -> Command {
    let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    command.current_dir(workspace);
    command
}

fn cargo_error(command: &'static str, reason: impl ToString) -> BuildError {
    BuildError::Cargo {
        command,
        reason: reason.to_string(),
    }
}

/// The parts of `cargo metadata` we read.
#[derive(Deserialize)]
struct Metadata {
    packages: Vec<Package>,
    workspace_root: PathBuf,
    target_directory: PathBuf,
}

#[derive(Deserialize)]
struct Package {
    name: String,
    manifest_path: PathBuf,
    targets: Vec<Target>,
}

#[derive(Deserialize)]
struct Target {
    name: String,
    crate_types: Vec<String>,
}
