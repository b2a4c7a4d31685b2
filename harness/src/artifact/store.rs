//! The artifacts folder: `<name>.wasm` (processed wasm), `<name>.code` (on-chain bytes) and
//! `manifest.json` (sizes of contracts and functions), at `artifacts/stylus/` in the workspace unless `CLOUDLESS_ARTIFACTS`
//! names another folder.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{Processed, build::ProgramKind};

/// Environment variable that overrides the artifacts folder.
pub const ARTIFACTS_ENV: &str = "CLOUDLESS_ARTIFACTS";

/// One contract's sizes, as `cloudless contracts build --json` prints them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractSizes {
    /// Contract (crate) name.
    pub name: String,
    /// rustc's wasm.
    pub raw_bytes: usize,
    /// The processed wasm.
    pub processed_bytes: usize,
    /// The on-chain code (prefix + brotli).
    pub onchain_bytes: usize,
}

/// `manifest.json`: the sizes of every program in the folder. Functions have their own list, so
/// a reader that knows only `contracts` reads the same contracts as before.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// One entry per contract, in build order.
    pub contracts: Vec<ContractSizes>,
    /// One entry per function, in build order (absent in manifests written before functions).
    #[serde(default)]
    pub functions: Vec<ContractSizes>,
}

impl Manifest {
    /// The list of programs of `kind`.
    pub fn list_mut(&mut self, kind: ProgramKind) -> &mut Vec<ContractSizes> {
        match kind {
            ProgramKind::Contract => &mut self.contracts,
            ProgramKind::Function => &mut self.functions,
        }
    }
}

/// Why the artifacts folder could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum ArtifactsError {
    /// An artifact is not there.
    #[error("no Stylus artifact {path}; run `cloudless contracts build` first")]
    Missing {
        /// The file looked for.
        path: PathBuf,
    },
    /// Reading or writing failed.
    #[error("cannot access {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

/// The artifacts folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artifacts {
    dir: PathBuf,
}

impl Artifacts {
    /// The documented folder: `$CLOUDLESS_ARTIFACTS`, else `artifacts/stylus/` in the workspace.
    pub fn locate() -> Self {
        match std::env::var_os(ARTIFACTS_ENV) {
            Some(dir) if !dir.is_empty() => Self::at(dir),
            _ => Self::at(workspace_root().join("artifacts").join("stylus")),
        }
    }

    /// A folder at `dir`.
    pub fn at(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// The folder's path.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The on-chain code of contract `name` (`<name>.code`), ready to deploy.
    pub fn load(&self, name: &str) -> Result<Vec<u8>, ArtifactsError> {
        self.read(&self.code_path(name))
    }

    /// The processed wasm of contract `name` (`<name>.wasm`).
    pub fn load_wasm(&self, name: &str) -> Result<Vec<u8>, ArtifactsError> {
        self.read(&self.dir.join(format!("{name}.wasm")))
    }

    /// Path of `<name>.code`.
    pub fn code_path(&self, name: &str) -> PathBuf {
        self.dir.join(format!("{name}.code"))
    }

    /// Writes `<name>.wasm` and `<name>.code`, creating the folder if needed.
    pub fn write(&self, name: &str, processed: &Processed) -> Result<(), ArtifactsError> {
        std::fs::create_dir_all(&self.dir).map_err(|source| ArtifactsError::Io {
            path: self.dir.clone(),
            source,
        })?;
        write(&self.dir.join(format!("{name}.wasm")), &processed.wasm)?;
        write(&self.code_path(name), &processed.code)
    }

    /// Writes `manifest.json`.
    pub fn write_manifest(&self, manifest: &Manifest) -> Result<(), ArtifactsError> {
        let json = serde_json::to_vec_pretty(manifest).expect("the manifest serializes");
        write(&self.dir.join("manifest.json"), &json)
    }

    /// Reads `manifest.json`; `None` when there is none yet.
    pub fn read_manifest(&self) -> Result<Option<Manifest>, ArtifactsError> {
        let path = self.dir.join("manifest.json");
        match self.read(&path) {
            Ok(json) => {
                serde_json::from_slice(&json)
                    .map(Some)
                    .map_err(|source| ArtifactsError::Io {
                        path,
                        source: source.into(),
                    })
            }
            Err(ArtifactsError::Missing { .. }) => Ok(None),
            Err(error) => Err(error),
        }
    }

    fn read(&self, path: &Path) -> Result<Vec<u8>, ArtifactsError> {
        std::fs::read(path).map_err(|source| match source.kind() {
            std::io::ErrorKind::NotFound => ArtifactsError::Missing { path: path.into() },
            _ => ArtifactsError::Io {
                path: path.into(),
                source,
            },
        })
    }
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), ArtifactsError> {
    std::fs::write(path, bytes).map_err(|source| ArtifactsError::Io {
        path: path.into(),
        source,
    })
}

/// The workspace root: the parent of the harness crate.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the harness crate lives inside the workspace")
        .to_path_buf()
}
