//! `cloudless contracts build` and `cloudless function build`: compile the program crates
//! (`cdylib` crates under `contracts/` and `functions/`) for wasm32 in the `contract` profile,
//! process each wasm, check its size (and a function's purity) and write the artifacts folder.

use std::{
    path::{Path, PathBuf},
    process::Command,
};

use serde::Deserialize;

use super::{
    ArtifactError, Artifacts, ArtifactsError, ContractSizes, MAX_CODE_SIZE, Manifest, PurityError,
    check_purity, process,
};

/// The rustc target of Stylus contracts.
pub const WASM_TARGET: &str = "wasm32-unknown-unknown";
/// The cargo profile contracts are built in (root `Cargo.toml`).
pub const CONTRACT_PROFILE: &str = "contract";

/// Why building the contracts failed.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// A tool of the toolchain could not be started or printed something unexpected.
    #[error("cannot run `{command}`: {reason}; is the Rust toolchain on PATH?")]
    Tool {
        /// The command.
        command: &'static str,
        /// What went wrong.
        reason: String,
    },
    /// The toolchain has no wasm32 standard library and rustup is not there to add it.
    #[error(
        "the Rust toolchain at {sysroot} has no {WASM_TARGET} target and rustup is not on PATH; install the target for this toolchain (`rustup target add {WASM_TARGET}` or your distribution's wasm32 rust-std package)"
    )]
    MissingTarget {
        /// The toolchain's sysroot.
        sysroot: PathBuf,
    },
    /// `rustup target add` failed (it printed why above).
    #[error(
        "`rustup target add {WASM_TARGET}` failed (see its output above); add the target to this toolchain by hand, then build again"
    )]
    TargetInstall,
    /// The wasm build failed (cargo printed why above).
    #[error(
        "`cargo build --profile {CONTRACT_PROFILE} --target {WASM_TARGET}` failed; see cargo's errors above"
    )]
    CompileFailed,
    /// No `cdylib` crate under `contracts/` (or `functions/`).
    #[error("no {kind} crates (cdylib crates under {folder}/) in the workspace at {workspace}", folder = kind.folder())]
    NoCrates {
        /// Which programs are missing.
        kind: ProgramKind,
        /// The workspace.
        workspace: PathBuf,
    },
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
    /// A function imports a hook that makes its answer depend on more than its request.
    #[error("function `{name}` {source}")]
    Impure {
        /// The function.
        name: String,
        /// The import refused.
        source: PurityError,
    },
    /// The artifacts folder could not be written.
    #[error(transparent)]
    Write(#[from] ArtifactsError),
}

/// What a program crate is: a contract (`contracts/`) or a function (`functions/`, checked
/// for purity).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProgramKind {
    /// A marketplace contract (or test contract) under `contracts/`.
    Contract,
    /// A pure function under `functions/`.
    Function,
}

impl ProgramKind {
    /// The workspace folder holding crates of this kind.
    pub fn folder(self) -> &'static str {
        match self {
            Self::Contract => "contracts",
            Self::Function => "functions",
        }
    }
}

impl std::fmt::Display for ProgramKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(match self {
            Self::Contract => "contract",
            Self::Function => "function",
        })
    }
}

/// A program crate found in the workspace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContractCrate {
    /// Package name (also the artifact name).
    pub name: String,
    /// The wasm rustc writes for it.
    pub wasm_path: PathBuf,
    /// Contract or function.
    pub kind: ProgramKind,
}

/// Builds every contract and function crate of the workspace at `workspace`, writes
/// `<name>.wasm`, `<name>.code` and `manifest.json` into `artifacts`, and returns the manifest.
/// Fails, naming the program, when one does not validate, exceeds [`MAX_CODE_SIZE`] on chain,
/// or is a function that is not pure.
pub fn build_contracts(workspace: &Path, artifacts: &Artifacts) -> Result<Manifest, BuildError> {
    build(
        workspace,
        artifacts,
        &[ProgramKind::Contract, ProgramKind::Function],
    )
}

/// As [`build_contracts`] for the function crates only; the manifest keeps the contracts it
/// listed, and its functions are replaced by these.
pub fn build_functions(workspace: &Path, artifacts: &Artifacts) -> Result<Manifest, BuildError> {
    build(workspace, artifacts, &[ProgramKind::Function])
}

fn build(
    workspace: &Path,
    artifacts: &Artifacts,
    kinds: &[ProgramKind],
) -> Result<Manifest, BuildError> {
    let crates = discover(workspace)?;
    for kind in kinds {
        if !crates.iter().any(|program| program.kind == *kind) {
            return Err(BuildError::NoCrates {
                kind: *kind,
                workspace: workspace.to_path_buf(),
            });
        }
    }
    let crates: Vec<_> = crates
        .into_iter()
        .filter(|program| kinds.contains(&program.kind))
        .collect();
    ensure_wasm_target(workspace)?;
    compile(workspace, &crates)?;
    let mut manifest = artifacts.read_manifest()?.unwrap_or_default();
    for kind in kinds {
        manifest.list_mut(*kind).clear();
    }
    for program in &crates {
        let sizes = build_one(program, artifacts)?;
        manifest.list_mut(program.kind).push(sizes);
    }
    artifacts.write_manifest(&manifest)?;
    Ok(manifest)
}

/// Processes, size-checks (and for a function, purity-checks) one compiled crate and writes its
/// artifacts.
fn build_one(program: &ContractCrate, artifacts: &Artifacts) -> Result<ContractSizes, BuildError> {
    let name = &program.name;
    let raw = std::fs::read(&program.wasm_path).map_err(|source| BuildError::Read {
        path: program.wasm_path.clone(),
        source,
    })?;
    let processed = process(&raw).map_err(|source| BuildError::Process {
        name: name.clone(),
        source,
    })?;
    if program.kind == ProgramKind::Function {
        check_purity(&processed.wasm).map_err(|source| BuildError::Impure {
            name: name.clone(),
            source,
        })?;
    }
    if processed.code.len() > MAX_CODE_SIZE {
        return Err(BuildError::TooLarge {
            name: name.clone(),
            bytes: processed.code.len(),
        });
    }
    artifacts.write(name, &processed)?;
    Ok(ContractSizes {
        name: name.clone(),
        raw_bytes: raw.len(),
        processed_bytes: processed.wasm.len(),
        onchain_bytes: processed.code.len(),
    })
}

/// The `cdylib` crates under `<workspace>/contracts/` and `<workspace>/functions/`, from
/// `cargo metadata`.
pub fn discover(workspace: &Path) -> Result<Vec<ContractCrate>, BuildError> {
    let output = cargo(workspace)
        .args(["metadata", "--no-deps", "--format-version", "1"])
        .output()
        .map_err(|e| tool_error("cargo metadata", e))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        return Err(tool_error("cargo metadata", stderr));
    }
    let metadata: Metadata =
        serde_json::from_slice(&output.stdout).map_err(|e| tool_error("cargo metadata", e))?;
    let wasm_dir = metadata
        .target_directory
        .join(WASM_TARGET)
        .join(CONTRACT_PROFILE);
    let kind_of = |manifest: &Path| {
        [ProgramKind::Contract, ProgramKind::Function]
            .into_iter()
            .find(|kind| manifest.starts_with(metadata.workspace_root.join(kind.folder())))
    };
    let mut crates: Vec<_> = metadata
        .packages
        .iter()
        .filter_map(|package| {
            let kind = kind_of(&package.manifest_path)?;
            let cdylib = package
                .targets
                .iter()
                .find(|target| target.crate_types.iter().any(|t| t == "cdylib"))?;
            Some(ContractCrate {
                wasm_path: wasm_dir.join(format!("{}.wasm", cdylib.name.replace('-', "_"))),
                name: package.name.clone(),
                kind,
            })
        })
        .collect();
    // Contracts first, then functions; each in workspace order.
    crates.sort_by_key(|program| program.kind == ProgramKind::Function);
    Ok(crates)
}

/// Makes sure the toolchain that builds `workspace` has the wasm32 standard library. rustup adds
/// the targets `rust-toolchain.toml` lists only when it installs the toolchain itself, so an
/// existing toolchain (or one on a machine with `RUSTUP_AUTO_INSTALL=0`) may lack it: then rustup
/// adds it here, saying so on stderr, instead of the build failing minutes later.
fn ensure_wasm_target(workspace: &Path) -> Result<(), BuildError> {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let output = Command::new(rustc)
        .args(["--print", "sysroot"])
        .current_dir(workspace)
        .output()
        .map_err(|e| tool_error("rustc --print sysroot", e))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        return Err(tool_error("rustc --print sysroot", stderr));
    }
    let sysroot = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
    if sysroot
        .join("lib/rustlib")
        .join(WASM_TARGET)
        .join("lib")
        .is_dir()
    {
        return Ok(());
    }
    eprintln!(
        "note: the toolchain at {} has no {WASM_TARGET} target; adding it with `rustup target add {WASM_TARGET}`",
        sysroot.display()
    );
    let status = match Command::new("rustup")
        .args(["target", "add", WASM_TARGET])
        .current_dir(workspace)
        .stdout(std::process::Stdio::null())
        .status()
    {
        Ok(status) => status,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            return Err(BuildError::MissingTarget { sysroot });
        }
        Err(error) => return Err(tool_error("rustup target add", error)),
    };
    if !status.success() {
        return Err(BuildError::TargetInstall);
    }
    Ok(())
}

/// `cargo build --profile contract --target wasm32-unknown-unknown -p …`; cargo's own output goes
/// to stderr.
fn compile(workspace: &Path, crates: &[ContractCrate]) -> Result<(), BuildError> {
    let mut command = cargo(workspace);
    command.args([
        "build",
        "--profile",
        CONTRACT_PROFILE,
        "--target",
        WASM_TARGET,
    ]);
    for program in crates {
        command.args(["-p", &program.name]);
    }
    let status = command
        .stdout(std::process::Stdio::null())
        .status()
        .map_err(|e| tool_error("cargo build", e))?;
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

fn tool_error(command: &'static str, reason: impl ToString) -> BuildError {
    BuildError::Tool {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A valid program importing `storage_load_bytes32`, written to a fresh folder.
    fn storage_program(folder: &Path) -> PathBuf {
        let wasm = wat::parse_str(
            r#"(module
                 (import "vm_hooks" "read_args" (func (param i32)))
                 (import "vm_hooks" "storage_load_bytes32" (func (param i32 i32)))
                 (memory (export "memory") 1)
                 (func (export "user_entrypoint") (param i32) (result i32) i32.const 0))"#,
        )
        .unwrap();
        std::fs::create_dir_all(folder).unwrap();
        let path = folder.join("program.wasm");
        std::fs::write(&path, wasm).unwrap();
        path
    }

    fn scratch(test: &str) -> PathBuf {
        std::env::temp_dir().join(format!("cloudless-build-{test}-{}", std::process::id()))
    }

    #[test]
    fn a_function_that_reads_storage_is_refused_naming_the_import() {
        let folder = scratch("impure");
        let program = ContractCrate {
            name: "counter".into(),
            wasm_path: storage_program(&folder),
            kind: ProgramKind::Function,
        };
        let artifacts = Artifacts::at(folder.join("artifacts"));
        let error = build_one(&program, &artifacts).unwrap_err();
        let BuildError::Impure { name, source } = &error else {
            panic!("expected Impure, got {error}");
        };
        assert_eq!(name, "counter");
        assert!(matches!(
            source,
            PurityError::ImpureFunction { import, .. } if import == "vm_hooks::storage_load_bytes32"
        ));
        assert!(
            error
                .to_string()
                .starts_with("function `counter` imports vm_hooks::storage_load_bytes32"),
            "{error}"
        );
        assert!(
            artifacts.load("counter").is_err(),
            "an artifact was written"
        );
        std::fs::remove_dir_all(folder).unwrap();
    }

    #[test]
    fn a_contract_may_read_storage() {
        let folder = scratch("contract");
        let program = ContractCrate {
            name: "counter".into(),
            wasm_path: storage_program(&folder),
            kind: ProgramKind::Contract,
        };
        let artifacts = Artifacts::at(folder.join("artifacts"));
        let sizes = build_one(&program, &artifacts).unwrap();
        assert_eq!(
            artifacts.load("counter").unwrap().len(),
            sizes.onchain_bytes
        );
        std::fs::remove_dir_all(folder).unwrap();
    }

    #[test]
    fn a_manifest_written_before_functions_reads_with_none() {
        let json = r#"{"contracts": [{"name": "probe", "raw_bytes": 3, "processed_bytes": 2, "onchain_bytes": 1}]}"#;
        let manifest: Manifest = serde_json::from_str(json).unwrap();
        assert_eq!(manifest.contracts.len(), 1);
        assert!(manifest.functions.is_empty());
    }
}
