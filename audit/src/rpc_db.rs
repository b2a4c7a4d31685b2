//! [`RpcDb`]: the state of a node at the fork block, read lazily over JSON-RPC and kept in a
//! JSON file, so a second replay of the same chain asks the node for nothing it already gave.
//!
//! revm asks the database synchronously and the harness's database cannot fail, so a failed
//! request is recorded ([`RpcDb::failure`]) and answered with an empty value; the replay checks
//! for a failure after every transaction and stops before comparing anything.

use std::{
    collections::BTreeMap,
    convert::Infallible,
    path::{Path, PathBuf},
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
};

use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use revm::{
    DatabaseRef,
    primitives::KECCAK_EMPTY,
    state::{AccountInfo, Bytecode},
};
use serde::{Deserialize, Serialize};

use crate::{AuditError, rpc::Rpc};

/// An account as the node reported it at the fork block.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
struct CachedAccount {
    balance: U256,
    nonce: u64,
    code: Bytes,
}

/// What was read from the node, in sorted maps so the file is the same for the same reads.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Cache {
    chain_id: u64,
    fork_block: u64,
    fork_hash: B256,
    accounts: BTreeMap<Address, CachedAccount>,
    storage: BTreeMap<Address, BTreeMap<U256, U256>>,
    block_hashes: BTreeMap<u64, B256>,
}

/// The pre-state of a replay: the node's state after `fork_block`.
#[derive(Debug)]
pub struct RpcDb {
    rpc: Arc<Rpc>,
    fork_block: u64,
    path: PathBuf,
    cache: Mutex<Cache>,
    codes: Mutex<BTreeMap<B256, Bytecode>>,
    failure: Mutex<Option<AuditError>>,
    poisoned: AtomicBool,
    fetched: AtomicU64,
}

impl RpcDb {
    /// The state after `fork_block` of chain `chain_id` (whose hash is `fork_hash`), cached in
    /// `dir`; an existing cache file of the same chain and block is loaded.
    pub fn open(
        rpc: Arc<Rpc>,
        chain_id: u64,
        fork_block: u64,
        fork_hash: B256,
        dir: &Path,
    ) -> Result<Self, AuditError> {
        let path = dir.join(format!("prestate-{chain_id}-{fork_block}-{fork_hash}.json"));
        let cache = match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| AuditError::File {
                path: path.display().to_string(),
                reason: format!("not a pre-state cache: {e}"),
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Cache {
                chain_id,
                fork_block,
                fork_hash,
                ..Cache::default()
            },
            Err(e) => {
                return Err(AuditError::File {
                    path: path.display().to_string(),
                    reason: e.to_string(),
                });
            }
        };
        let codes = cache
            .accounts
            .values()
            .map(|a| (code_hash(&a.code), Bytecode::new_raw(a.code.clone())))
            .collect();
        Ok(Self {
            rpc,
            fork_block,
            path,
            cache: Mutex::new(cache),
            codes: Mutex::new(codes),
            failure: Mutex::new(None),
            poisoned: AtomicBool::new(false),
            fetched: AtomicU64::new(0),
        })
    }

    /// The first request that failed, taken (later reads may have been answered with zeros).
    pub fn failure(&self) -> Option<AuditError> {
        self.failure.lock().expect("not poisoned").take()
    }

    /// How many values were fetched from the node rather than the cache.
    pub fn fetched(&self) -> u64 {
        self.fetched.load(Ordering::Relaxed)
    }

    /// Writes the cache file (creating its directory), unless a request failed: a value that
    /// stands in for a failed one must never be read back as the node's.
    pub fn save(&self) -> Result<(), AuditError> {
        if self.poisoned.load(Ordering::Relaxed) {
            return Ok(());
        }
        let file_error = |e: &dyn std::fmt::Display| AuditError::File {
            path: self.path.display().to_string(),
            reason: e.to_string(),
        };
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| file_error(&e))?;
        }
        let json = serde_json::to_vec(&*self.cache.lock().expect("not poisoned"))
            .map_err(|e| file_error(&e))?;
        std::fs::write(&self.path, json).map_err(|e| file_error(&e))
    }

    /// `fetch`'s value, or `default` after recording its error.
    fn fetch<T>(&self, default: T, fetch: impl FnOnce() -> Result<T, AuditError>) -> T {
        self.fetched.fetch_add(1, Ordering::Relaxed);
        match fetch() {
            Ok(value) => value,
            Err(e) => {
                self.poisoned.store(true, Ordering::Relaxed);
                self.failure.lock().expect("not poisoned").get_or_insert(e);
                default
            }
        }
    }

    fn account(&self, address: Address) -> CachedAccount {
        if let Some(account) = self
            .cache
            .lock()
            .expect("not poisoned")
            .accounts
            .get(&address)
        {
            return account.clone();
        }
        let at = self.fork_block;
        let account = self.fetch(CachedAccount::default(), || {
            Ok(CachedAccount {
                balance: self.rpc.balance(address, at)?,
                nonce: self.rpc.nonce(address, at)?,
                code: self.rpc.code(address, at)?,
            })
        });
        self.codes.lock().expect("not poisoned").insert(
            code_hash(&account.code),
            Bytecode::new_raw(account.code.clone()),
        );
        self.cache
            .lock()
            .expect("not poisoned")
            .accounts
            .insert(address, account.clone());
        account
    }
}

fn code_hash(code: &[u8]) -> B256 {
    if code.is_empty() {
        KECCAK_EMPTY
    } else {
        keccak256(code)
    }
}

impl DatabaseRef for RpcDb {
    type Error = Infallible;

    fn basic_ref(&self, address: Address) -> Result<Option<AccountInfo>, Infallible> {
        let account = self.account(address);
        if account == CachedAccount::default() {
            // What a node reports for an account that does not exist.
            return Ok(None);
        }
        let code = Bytecode::new_raw(account.code.clone());
        Ok(Some(AccountInfo::new(
            account.balance,
            account.nonce,
            code_hash(&account.code),
            code,
        )))
    }

    fn code_by_hash_ref(&self, code_hash: B256) -> Result<Bytecode, Infallible> {
        let code = self
            .codes
            .lock()
            .expect("not poisoned")
            .get(&code_hash)
            .cloned();
        Ok(code.unwrap_or_else(|| {
            self.poisoned.store(true, Ordering::Relaxed);
            self.failure
                .lock()
                .expect("not poisoned")
                .get_or_insert(AuditError::Missing(format!("code with hash {code_hash}")));
            Bytecode::default()
        }))
    }

    fn storage_ref(&self, address: Address, index: U256) -> Result<U256, Infallible> {
        let cached = self
            .cache
            .lock()
            .expect("not poisoned")
            .storage
            .get(&address)
            .and_then(|s| s.get(&index).copied());
        if let Some(value) = cached {
            return Ok(value);
        }
        let value = self.fetch(U256::ZERO, || {
            self.rpc.storage(address, index, self.fork_block)
        });
        self.cache
            .lock()
            .expect("not poisoned")
            .storage
            .entry(address)
            .or_default()
            .insert(index, value);
        Ok(value)
    }

    fn block_hash_ref(&self, number: u64) -> Result<B256, Infallible> {
        if let Some(hash) = self
            .cache
            .lock()
            .expect("not poisoned")
            .block_hashes
            .get(&number)
        {
            return Ok(*hash);
        }
        let hash = self.fetch(B256::ZERO, || Ok(self.rpc.block(number)?.header.hash));
        self.cache
            .lock()
            .expect("not poisoned")
            .block_hashes
            .insert(number, hash);
        Ok(hash)
    }
}
