//! Historical state by per-block undo records.
//!
//! Before each transaction's changes are committed, [`BlockUndo::record`] saves the previous
//! value of everything they overwrite: the touched accounts' info and the written storage slots
//! (or the whole storage of an account that is created or destroyed). The state after block `n`
//! is the head state with the undo records of blocks `head..=n+1` applied newest first. Memory
//! grows with what blocks change, never with a copy of the whole state per block; a historical
//! query costs one copy of the state plus the undo of the blocks since.

use alloy_primitives::{Address, U256};
use harness::evm::machine::Db;
use revm::{
    database::{AccountState, DbAccount},
    state::{AccountInfo, EvmState},
};

/// What an account looked like before a transaction changed it.
#[derive(Clone, Debug)]
struct AccountUndo {
    address: Address,
    /// Info and state, or `None` if the cache had no entry.
    before: Option<(AccountInfo, AccountState)>,
    /// Previous values of the written slots (`None`: the slot had no entry).
    slots: Vec<(U256, Option<U256>)>,
    /// The whole previous storage, when the transaction cleared it.
    storage: Option<Vec<(U256, U256)>>,
}

/// The undo record of one block: the accounts its transactions changed, in commit order.
#[derive(Clone, Debug, Default)]
pub(crate) struct BlockUndo {
    accounts: Vec<AccountUndo>,
    block_hash_number: Option<U256>,
}

impl BlockUndo {
    /// Records what committing `changes` to `db` will overwrite.
    pub(crate) fn record(&mut self, db: &Db, changes: &EvmState) {
        for (address, account) in changes {
            if !account.is_touched() {
                continue;
            }
            let cached = db.cache.accounts.get(address);
            let clears = account.is_created() || account.is_selfdestructed();
            self.accounts.push(AccountUndo {
                address: *address,
                before: cached.map(|a| (a.info.clone(), a.account_state.clone())),
                slots: account
                    .storage
                    .keys()
                    .map(|slot| (*slot, cached.and_then(|a| a.storage.get(slot).copied())))
                    .collect(),
                storage: clears.then(|| {
                    cached
                        .map(|a| a.storage.iter().map(|(k, v)| (*k, *v)).collect())
                        .unwrap_or_default()
                }),
            });
        }
    }

    /// Notes that the block's hash was entered as block `number` in the database.
    pub(crate) fn record_block_hash(&mut self, number: u64) {
        self.block_hash_number = Some(U256::from(number));
    }

    /// The accounts the block changed (repeats possible).
    pub(crate) fn addresses(&self) -> impl Iterator<Item = Address> + '_ {
        self.accounts.iter().map(|undo| undo.address)
    }

    /// Puts `db` back as it was before the block.
    pub(crate) fn undo(&self, db: &mut Db) {
        if let Some(number) = self.block_hash_number {
            db.cache.block_hashes.remove(&number);
        }
        for undo in self.accounts.iter().rev() {
            let Some((info, state)) = &undo.before else {
                db.cache.accounts.remove(&undo.address);
                continue;
            };
            let account = db
                .cache
                .accounts
                .entry(undo.address)
                .or_insert_with(DbAccount::new_not_existing);
            account.info = info.clone();
            account.account_state = state.clone();
            if let Some(storage) = &undo.storage {
                account.storage = storage.iter().copied().collect();
            }
            for (slot, value) in &undo.slots {
                match value {
                    Some(v) => {
                        account.storage.insert(*slot, *v);
                    }
                    None => {
                        account.storage.remove(slot);
                    }
                }
            }
        }
    }
}
