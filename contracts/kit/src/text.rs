//! Strings in storage, in Solidity's `string` layout: up to 31 bytes sit in the slot itself,
//! left-aligned, with twice the length in its last byte; a longer string keeps `2·len + 1` in the
//! slot and its bytes in the words from `keccak256(slot)` on. Read and written whole, with
//! word-sized arithmetic: the SDK's `StorageString` goes byte by byte through 256-bit division,
//! which costs a program that holds one about 4 KB of its compressed code.

use alloc::{string::String, vec::Vec};

use alloy_primitives::{B256, U256};
use stylus_sdk::{
    crypto::keccak,
    host::VM,
    prelude::*,
    storage::{StorageGuard, StorageGuardMut, StorageType},
};

/// A string in storage (see the module documentation).
pub struct StorageText {
    slot: U256,
    vm: VM,
}

impl StorageType for StorageText {
    type Wraps<'a>
        = StorageGuard<'a, Self>
    where
        Self: 'a;
    type WrapsMut<'a>
        = StorageGuardMut<'a, Self>
    where
        Self: 'a;

    #[allow(unsafe_code)]
    unsafe fn new(slot: U256, _offset: u8, vm: VM) -> Self {
        Self { slot, vm }
    }

    fn load<'s>(self) -> Self::Wraps<'s> {
        StorageGuard::new(self)
    }

    fn load_mut<'s>(self) -> Self::WrapsMut<'s> {
        StorageGuardMut::new(self)
    }
}

impl StorageText {
    /// The stored string; bytes that are not UTF-8 (only another writer could leave them) are
    /// replaced, as the SDK's `StorageString` does.
    pub fn get(&self) -> String {
        let head = self.word(self.slot);
        let bytes = match long_len(&head) {
            None => head[..usize::from(head[31] / 2).min(31)].to_vec(),
            Some(len) => {
                let mut bytes = Vec::with_capacity(len);
                let base = self.base();
                for (i, start) in (0..len).step_by(32).enumerate() {
                    let word = self.word(base + U256::from(i));
                    bytes.extend_from_slice(&word[..(len - start).min(32)]);
                }
                bytes
            }
        };
        String::from_utf8_lossy(&bytes).into_owned()
    }

    /// Stores `text`, clearing the words of a longer string stored before.
    pub fn set(&mut self, text: &str) {
        let bytes = text.as_bytes();
        let old_words = long_len(&self.word(self.slot)).map_or(0, |len| len.div_ceil(32));
        let new_words = if bytes.len() < 32 {
            let mut head = B256::ZERO;
            head[..bytes.len()].copy_from_slice(bytes);
            head[31] = (bytes.len() * 2) as u8;
            self.put(self.slot, head);
            0
        } else {
            self.put(self.slot, U256::from(bytes.len() * 2 + 1).into());
            bytes.len().div_ceil(32)
        };
        // A short string over a short one touches no data word: no hash.
        if new_words.max(old_words) == 0 {
            return;
        }
        let base = self.base();
        for (i, chunk) in bytes.chunks(32).take(new_words).enumerate() {
            let mut word = B256::ZERO;
            word[..chunk.len()].copy_from_slice(chunk);
            self.put(base + U256::from(i), word);
        }
        for i in new_words..old_words {
            self.put(base + U256::from(i), B256::ZERO);
        }
    }

    /// Where a long string's bytes start.
    fn base(&self) -> U256 {
        keccak(self.slot.to_be_bytes::<32>()).into()
    }

    fn word(&self, key: U256) -> B256 {
        self.vm.storage_load_bytes32(key)
    }

    fn put(&self, key: U256, value: B256) {
        // SAFETY: the key is this string's own slot or one of its data words, which nothing
        // else in the contract's storage aliases.
        #[allow(unsafe_code)]
        unsafe {
            self.vm.storage_cache_bytes32(key, value)
        }
    }
}

/// The length of a long string from its slot, `None` for a short one.
fn long_len(head: &B256) -> Option<usize> {
    let mut low = [0u8; 8];
    low.copy_from_slice(&head[24..]);
    (head[31] & 1 == 1).then(|| (u64::from_be_bytes(low) / 2) as usize)
}
