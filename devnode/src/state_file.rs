//! The state file: an append-only JSON-lines log of the chain.
//!
//! Line 1 is a [`FileHeader`]; every further line is one mined [`SavedBlock`] (its number,
//! timestamp, raw signed transactions and resulting hash). The chain is deterministic, so
//! replaying the blocks rebuilds it exactly, and each replayed hash is checked against the saved
//! one. A block is appended and fsync'ed before the call that mined it returns. A crash
//! mid-append leaves a torn last line without its newline; loading drops it with a warning. A
//! rewrite (after `evm_revert` drops blocks) writes a temporary file in the same folder, fsyncs
//! it, renames it over the old one and fsyncs the folder, so either the old or the new file
//! survives a crash.

use std::{
    fs::{self, File, OpenOptions},
    io::{self, Write},
    path::{Path, PathBuf},
};

use alloy_primitives::{B256, Bytes, U256};
use serde::{Deserialize, Serialize};

use crate::Error;

/// Format name written in the header.
const FORMAT: &str = "cloudless-devnode-state";
/// Format version: 2 since block state roots are the bucketed digest
/// (`harness::evm::digest`), which changed every block hash.
const VERSION: u32 = 2;

/// The first line: what the chain was started with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct FileHeader {
    /// Always [`FORMAT`].
    pub format: String,
    /// Always [`VERSION`].
    pub version: u32,
    /// Chain id.
    pub chain_id: u64,
    /// Genesis timestamp.
    pub genesis_timestamp: u64,
    /// Number of dev accounts funded at genesis.
    pub accounts: u32,
    /// Balance of each.
    pub balance: U256,
}

impl FileHeader {
    /// The header of a chain with these settings.
    pub(crate) fn new(chain_id: u64, genesis_timestamp: u64, accounts: u32, balance: U256) -> Self {
        Self {
            format: FORMAT.into(),
            version: VERSION,
            chain_id,
            genesis_timestamp,
            accounts,
            balance,
        }
    }
}

/// One mined block.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct SavedBlock {
    /// Number.
    pub number: u64,
    /// Timestamp.
    pub timestamp: u64,
    /// The signed transactions, EIP-2718 encoded.
    pub txs: Vec<Bytes>,
    /// Hash of the block.
    pub hash: B256,
}

/// An open state file.
#[derive(Debug)]
pub(crate) struct StateFile {
    path: PathBuf,
    file: File,
    header: FileHeader,
}

impl StateFile {
    /// Opens `path`, creating it with `header` if it is missing or empty. Returns the saved
    /// blocks to replay.
    pub(crate) fn open(path: &Path, header: FileHeader) -> Result<(Self, Vec<SavedBlock>), Error> {
        let io_err = |source| Error::StateIo {
            path: path.to_path_buf(),
            source,
        };
        let text = match fs::read(path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(io_err(e)),
        };
        // Only complete lines count: a trailing fragment without its newline is a torn write.
        let complete = text.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
        let torn = complete < text.len();
        if torn {
            eprintln!(
                "warning: state file {}: ignoring a torn last line ({} bytes) left by an interrupted write",
                path.display(),
                text.len() - complete
            );
        }
        if complete == 0 {
            rewrite(path, &header, &[]).map_err(io_err)?;
            let file = open_append(path).map_err(io_err)?;
            let state = Self {
                path: path.to_path_buf(),
                file,
                header,
            };
            return Ok((state, Vec::new()));
        }
        let corrupt = |line: usize, reason: String| Error::StateCorrupt {
            path: path.to_path_buf(),
            line,
            reason,
        };
        let text = std::str::from_utf8(&text[..complete])
            .map_err(|e| corrupt(0, format!("not UTF-8: {e}")))?;
        let mut lines = text.lines();
        let first = lines.next().unwrap_or_default();
        let saved: FileHeader = serde_json::from_str(first)
            .map_err(|e| corrupt(1, format!("not a dev node state header: {e}")))?;
        if saved.format != FORMAT || saved.version != VERSION {
            return Err(corrupt(
                1,
                format!(
                    "format {} version {} is not {FORMAT} version {VERSION}; it was written by another dev node version: start without --state, or with a new file",
                    saved.format, saved.version
                ),
            ));
        }
        check(path, "chain id", saved.chain_id, header.chain_id)?;
        check(path, "accounts", saved.accounts, header.accounts)?;
        check(
            path,
            "genesis timestamp",
            saved.genesis_timestamp,
            header.genesis_timestamp,
        )?;
        check(path, "account balance", saved.balance, header.balance)?;
        let mut blocks = Vec::new();
        for (i, line) in lines.enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let block: SavedBlock =
                serde_json::from_str(line).map_err(|e| corrupt(i + 2, e.to_string()))?;
            blocks.push(block);
        }
        if torn {
            // Cut the torn fragment so the next append starts on a fresh line.
            let file = OpenOptions::new().write(true).open(path).map_err(io_err)?;
            file.set_len(complete as u64).map_err(io_err)?;
            file.sync_all().map_err(io_err)?;
        }
        let file = open_append(path).map_err(io_err)?;
        Ok((
            Self {
                path: path.to_path_buf(),
                file,
                header: saved,
            },
            blocks,
        ))
    }

    /// Appends `block` and waits until it is on disk.
    pub(crate) fn append(&mut self, block: &SavedBlock) -> io::Result<()> {
        let mut line = serde_json::to_vec(block).map_err(io::Error::other)?;
        line.push(b'\n');
        self.file.write_all(&line)?;
        self.file.sync_data()
    }

    /// Replaces the file with the header and `blocks`, atomically.
    pub(crate) fn rewrite(&mut self, blocks: &[SavedBlock]) -> io::Result<()> {
        rewrite(&self.path, &self.header, blocks)?;
        self.file = open_append(&self.path)?;
        Ok(())
    }

    /// The file's path.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }
}

fn check<T: PartialEq + std::fmt::Display>(
    path: &Path,
    setting: &'static str,
    saved: T,
    requested: T,
) -> Result<(), Error> {
    if saved == requested {
        return Ok(());
    }
    Err(Error::StateMismatch {
        path: path.to_path_buf(),
        setting,
        saved: saved.to_string(),
        requested: requested.to_string(),
    })
}

fn open_append(path: &Path) -> io::Result<File> {
    OpenOptions::new().append(true).open(path)
}

/// Writes the header and `blocks` to a temporary file next to `path`, fsyncs it, renames it
/// over `path` and fsyncs the folder.
fn rewrite(path: &Path, header: &FileHeader, blocks: &[SavedBlock]) -> io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "state".into());
    let tmp = dir.join(format!(".{name}.tmp"));
    {
        let mut file = File::create(&tmp)?;
        let mut text = serde_json::to_vec(header).map_err(io::Error::other)?;
        text.push(b'\n');
        for block in blocks {
            text.extend(serde_json::to_vec(block).map_err(io::Error::other)?);
            text.push(b'\n');
        }
        file.write_all(&text)?;
        file.sync_all()?;
    }
    fs::rename(&tmp, path)?;
    File::open(&dir)?.sync_all()
}
