//! Compiling the Solidity fixtures and writing or checking the committed artifacts
//! (feature `build`; used by the `build-solidity` binary).
//!
//! The compiler is npm `solc` (solc-js) behind the `scripts/solc` node shim, driven through
//! foundry-compilers with the pinned [`settings`]. Needs node on `PATH` and
//! `npm ci` at the repository root.

mod compile;
pub mod interface;
mod store;

pub use compile::{SOLC_VERSION, compile_all, settings};
pub use store::{Mismatch, Problem, check, embedding_drift, write};

use std::path::{Path, PathBuf};

/// Where the fixture sources, the artifacts and the compiler shim live in the repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// Repository root (holds `package.json` and `node_modules/`).
    pub root: PathBuf,
    /// `test-fixtures/solidity/`: every `*.sol` in it is compiled.
    pub sources: PathBuf,
    /// `test-fixtures/artifacts/`: one `<Contract>.json` per deployable contract.
    pub artifacts: PathBuf,
    /// `scripts/solc`: the node shim that foundry-compilers runs as `solc`.
    pub solc: PathBuf,
}

impl Layout {
    /// The layout of the checkout this crate was built from.
    pub fn of_this_checkout() -> Self {
        let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
        let root = crate_dir
            .parent()
            .expect("the test-fixtures crate sits inside the repository")
            .to_path_buf();
        Self {
            sources: crate_dir.join("solidity"),
            artifacts: crate_dir.join("artifacts"),
            solc: root.join("scripts").join("solc"),
            root,
        }
    }

    /// `path` relative to the repository root, for messages that do not depend on the checkout's
    /// location.
    pub fn display<'a>(&self, path: &'a Path) -> std::path::Display<'a> {
        path.strip_prefix(&self.root).unwrap_or(path).display()
    }

    /// Turns an I/O error on `path` into [`BuildError::Io`].
    fn io_error<'a>(&'a self, path: &'a Path) -> impl FnOnce(std::io::Error) -> BuildError + 'a {
        move |source| BuildError::Io {
            path: self.display(path).to_string(),
            source,
        }
    }
}

/// Why the fixtures could not be built or checked.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// `node_modules/solc` is missing.
    #[error(
        "npm package `solc` is not installed (no node_modules/solc/package.json at the repository \
         root); run `npm ci` in the repository root first"
    )]
    SolcNotInstalled,
    /// The shim could not be run or failed.
    #[error(
        "scripts/solc failed: {0}\nIt needs node (v20 or later) on PATH and `npm ci` in the \
         repository root"
    )]
    Compiler(#[from] foundry_compilers::error::SolcError),
    /// The shim runs another compiler version than the pinned one.
    #[error(
        "scripts/solc reports solc {found}, but the fixtures are pinned to {SOLC_VERSION}; \
         run `npm ci` so node_modules matches package-lock.json"
    )]
    WrongCompilerVersion {
        /// The version the shim reported.
        found: String,
    },
    /// There are no `.sol` files to compile.
    #[error("no .sol files in {dir}; the Solidity fixtures belong there")]
    NoSources {
        /// The sources directory, relative to the repository root.
        dir: String,
    },
    /// solc reported errors or warnings.
    #[error(
        "solc reported {} problem(s); fixtures must compile without errors or warnings:\n{}",
        .0.len(),
        .0.join("\n")
    )]
    Diagnostics(Vec<String>),
    /// A contract came back without usable bytecode (e.g. unlinked library references).
    #[error("solc produced no {what} for {contract}; fixtures must not need library linking")]
    MissingBytecode {
        /// Contract name.
        contract: String,
        /// `creation` or `runtime`.
        what: &'static str,
    },
    /// Two source files define deployable contracts with the same name.
    #[error(
        "contract {contract} is defined in both {first} and {second}; artifact names must be \
         unique, rename one"
    )]
    DuplicateContract {
        /// Contract name.
        contract: String,
        /// First source file.
        first: String,
        /// Second source file.
        second: String,
    },
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory, relative to the repository root.
        path: String,
        /// The underlying error.
        source: std::io::Error,
    },
}
