//! The state digest: one hash over every existing account (address, nonce, balance, code hash)
//! and its non-zero storage, so two runs can compare whole states.
//!
//! Each account hashes to a leaf. Leaves sit in 65,536 buckets by the address's first two
//! bytes; each bucket hashes its leaves in address order, and a 16-ary tree over the buckets
//! (four levels, one per hex digit of those two bytes) hashes up to the digest, a node with only
//! empty children being zero. [`StateDigest`] keeps the leaves and the tree, so after a block
//! only the accounts it changed, their buckets and the four nodes above each are hashed again:
//! a block costs what it changed, not what the whole state holds.

use std::collections::BTreeMap;

use alloy_primitives::{Address, B256, keccak256};
use revm::database::{AccountState, DbAccount};

use super::machine::Db;

/// Children of a tree node.
const FANOUT: usize = 16;
/// Tree levels above the buckets.
const LEVELS: u32 = 4;
/// Buckets: `FANOUT^LEVELS`, one per value of an address's first two bytes.
const BUCKETS: usize = FANOUT.pow(LEVELS);

/// Digest of every account, code and storage word in `db`.
pub fn state_digest(db: &Db) -> B256 {
    StateDigest::of(db).root()
}

/// The state digest with its leaves and tree kept, updated by the accounts that changed.
#[derive(Clone, Debug)]
pub struct StateDigest {
    /// Per bucket, each existing account's leaf.
    leaves: Vec<BTreeMap<Address, B256>>,
    /// `tree[0]` holds the buckets' hashes, `tree[l]` the nodes `l` levels above them; the last
    /// level is the root's children.
    tree: Vec<Vec<B256>>,
}

impl StateDigest {
    /// The digest of `db`, every account hashed.
    pub fn of(db: &Db) -> Self {
        let mut digest = Self {
            leaves: vec![BTreeMap::new(); BUCKETS],
            tree: (0..LEVELS)
                .map(|level| vec![B256::ZERO; BUCKETS / FANOUT.pow(level)])
                .collect(),
        };
        let existing = db.cache.accounts.keys().copied();
        digest.update(db, existing);
        digest
    }

    /// Hashes again the accounts in `changed` (any order, repeats allowed) as `db` now holds
    /// them, the buckets they are in and the nodes above those.
    pub fn update(&mut self, db: &Db, changed: impl IntoIterator<Item = Address>) {
        let mut dirty = std::collections::BTreeSet::new();
        for address in changed {
            let b = bucket(&address);
            let account = db.cache.accounts.get(&address);
            match account.and_then(|account| leaf(&address, account)) {
                Some(leaf) => self.leaves[b].insert(address, leaf),
                None => self.leaves[b].remove(&address),
            };
            dirty.insert(b);
        }
        for &b in &dirty {
            self.tree[0][b] = bucket_hash(&self.leaves[b]);
        }
        for level in 1..LEVELS as usize {
            dirty = dirty.into_iter().map(|i| i / FANOUT).collect();
            for &i in &dirty {
                let children = &self.tree[level - 1][i * FANOUT..(i + 1) * FANOUT];
                self.tree[level][i] = node_hash(children);
            }
        }
    }

    /// The digest.
    pub fn root(&self) -> B256 {
        node_hash(&self.tree[LEVELS as usize - 1])
    }
}

fn bucket(address: &Address) -> usize {
    usize::from(u16::from_be_bytes([address[0], address[1]]))
}

/// The hash of a node's children, zero when they all are.
fn node_hash(children: &[B256]) -> B256 {
    if children.iter().all(|child| child.is_zero()) {
        return B256::ZERO;
    }
    keccak256(children.concat())
}

/// The hash of a bucket's leaves, in address order (zero when empty).
fn bucket_hash(leaves: &BTreeMap<Address, B256>) -> B256 {
    if leaves.is_empty() {
        return B256::ZERO;
    }
    let mut buf = Vec::with_capacity(leaves.len() * 52);
    for (address, leaf) in leaves {
        buf.extend_from_slice(address.as_slice());
        buf.extend_from_slice(leaf.as_slice());
    }
    keccak256(&buf)
}

/// An existing account's leaf: its nonce, balance, code hash and non-zero storage in slot
/// order; `None` for an account that does not exist.
fn leaf(address: &Address, account: &DbAccount) -> Option<B256> {
    if matches!(account.account_state, AccountState::NotExisting) {
        return None;
    }
    let mut storage: Vec<_> = account
        .storage
        .iter()
        .filter(|(_, v)| !v.is_zero())
        .collect();
    storage.sort_by_key(|(k, _)| **k);
    let mut buf = Vec::with_capacity(100 + storage.len() * 64);
    buf.extend_from_slice(address.as_slice());
    buf.extend_from_slice(&account.info.nonce.to_be_bytes());
    buf.extend_from_slice(&account.info.balance.to_be_bytes::<32>());
    buf.extend_from_slice(account.info.code_hash.as_slice());
    for (key, value) in storage {
        buf.extend_from_slice(&key.to_be_bytes::<32>());
        buf.extend_from_slice(&value.to_be_bytes::<32>());
    }
    Some(keccak256(&buf))
}

#[cfg(test)]
mod tests {
    use alloy_primitives::U256;

    use super::*;
    use crate::evm::Chain;

    #[test]
    fn an_updated_digest_equals_one_computed_from_scratch() {
        let mut chain = Chain::default();
        let accounts: Vec<Address> = (1..=40u8)
            .map(|i| Address::repeat_byte(i.wrapping_mul(37)))
            .collect();
        for (i, a) in accounts.iter().enumerate() {
            chain.fund(*a, U256::from(i + 1));
        }
        let mut digest = StateDigest::of(chain.db());
        assert_eq!(digest.root(), state_digest(chain.db()));
        // Change three accounts, one of them twice; only they are given to the update.
        chain.fund(accounts[3], U256::from(1_000));
        chain.fund(accounts[17], U256::from(2_000));
        chain.fund(accounts[3], U256::from(3_000));
        let before = digest.root();
        digest.update(chain.db(), [accounts[3], accounts[17], accounts[3]]);
        assert_ne!(digest.root(), before);
        assert_eq!(digest.root(), state_digest(chain.db()));
        // A new account, too.
        let newcomer = Address::repeat_byte(0xfe);
        chain.fund(newcomer, U256::from(5));
        digest.update(chain.db(), [newcomer]);
        assert_eq!(digest.root(), state_digest(chain.db()));
    }
}
