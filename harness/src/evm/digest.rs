//! The state digest: one keccak over every existing account (address, nonce, balance, code hash)
//! and its non-zero storage, in address and slot order, so two runs can compare whole states.

use alloy_primitives::{B256, keccak256};
use revm::database::AccountState;

use super::machine::Db;

/// Digest of every account, code and storage word in `db`.
pub fn state_digest(db: &Db) -> B256 {
    let mut accounts: Vec<_> = db
        .cache
        .accounts
        .iter()
        .filter(|(_, a)| !matches!(a.account_state, AccountState::NotExisting))
        .collect();
    accounts.sort_by_key(|(address, _)| **address);
    let mut buf = Vec::with_capacity(accounts.len() * 96);
    for (address, account) in accounts {
        buf.extend_from_slice(address.as_slice());
        buf.extend_from_slice(&account.info.nonce.to_be_bytes());
        buf.extend_from_slice(&account.info.balance.to_be_bytes::<32>());
        buf.extend_from_slice(account.info.code_hash.as_slice());
        let mut storage: Vec<_> = account
            .storage
            .iter()
            .filter(|(_, v)| !v.is_zero())
            .collect();
        storage.sort_by_key(|(k, _)| **k);
        buf.extend_from_slice(&(storage.len() as u64).to_be_bytes());
        for (key, value) in storage {
            buf.extend_from_slice(&key.to_be_bytes::<32>());
            buf.extend_from_slice(&value.to_be_bytes::<32>());
        }
    }
    keccak256(&buf)
}
