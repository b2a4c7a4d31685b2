//! The storage cache of one program invocation (Nitro's `StorageCache`).
//!
//! `storage_load_bytes32` reads through it, `storage_cache_bytes32` only writes into it, and
//! nothing reaches the EVM until the program calls `storage_flush_cache`: writes still in the
//! cache when the program exits are lost, as on Nitro. Each access pays a small fee that grows
//! with the number of accesses in the invocation.

use std::collections::HashMap;

use alloy_primitives::U256;

/// Gas the cache itself must be able to charge for one access (Nitro's `REQUIRED_ACCESS_GAS`).
pub const REQUIRED_ACCESS_GAS: u64 = 10;

/// A cached slot.
#[derive(Clone, Copy, Debug)]
struct Slot {
    /// The value the program sees.
    value: U256,
    /// The value the EVM holds, when the cache knows it.
    known: Option<U256>,
}

impl Slot {
    fn is_dirty(&self) -> bool {
        self.known != Some(self.value)
    }
}

/// The slots one invocation has read or written, in the order it first touched them.
#[derive(Debug, Default)]
pub struct StorageCache {
    slots: Vec<(U256, Slot)>,
    /// Where each slot is in `slots`, kept once there are more than [`StorageCache::SCANNED`]
    /// (most invocations touch a handful, which a scan finds faster than a hash).
    index: HashMap<U256, usize>,
    reads: u32,
    writes: u32,
}

impl StorageCache {
    /// Most slots looked up by scanning.
    const SCANNED: usize = 16;

    /// Counts a read and returns its fee in gas: the first 32 reads are free, reads 33 to 128
    /// cost 2 gas, later ones 10. Cache hits and misses both count.
    pub fn read_fee(&mut self) -> u64 {
        self.reads += 1;
        match self.reads {
            0..=32 => 0,
            33..=128 => 2,
            _ => 10,
        }
    }

    /// Counts a write and returns its fee in gas: the first 8 writes are free, writes 9 to 64
    /// cost 7 gas, later ones 10.
    pub fn write_fee(&mut self) -> u64 {
        self.writes += 1;
        match self.writes {
            0..=8 => 0,
            9..=64 => 7,
            _ => 10,
        }
    }

    /// The cached value of `key`, if the cache holds it.
    pub fn get(&self, key: U256) -> Option<U256> {
        self.position(key).map(|i| self.slots[i].1.value)
    }

    fn position(&self, key: U256) -> Option<usize> {
        if self.slots.len() <= Self::SCANNED {
            self.slots.iter().position(|(k, _)| *k == key)
        } else {
            self.index.get(&key).copied()
        }
    }

    /// Records `value` as what the EVM holds at `key`, after a load that missed the cache.
    pub fn remember(&mut self, key: U256, value: U256) {
        self.slot(
            key,
            Slot {
                value,
                known: Some(value),
            },
        );
    }

    /// Writes `value` at `key` in the cache only.
    pub fn write(&mut self, key: U256, value: U256) {
        self.slot(key, Slot { value, known: None }).value = value;
    }

    /// Takes the dirty slots, in the order the invocation first touched them, and marks them
    /// clean; with `clear`, the cache forgets every slot (the access counts stay).
    pub fn flush(&mut self, clear: bool) -> Vec<(U256, U256)> {
        let dirty = self
            .slots
            .iter_mut()
            .filter(|(_, slot)| slot.is_dirty())
            .map(|(key, slot)| {
                slot.known = Some(slot.value);
                (*key, slot.value)
            })
            .collect();
        if clear {
            self.slots.clear();
            self.index.clear();
        }
        dirty
    }

    /// The slot at `key`, inserted as `fresh` if the cache does not hold it.
    fn slot(&mut self, key: U256, fresh: Slot) -> &mut Slot {
        let i = match self.position(key) {
            Some(i) => i,
            None => {
                self.slots.push((key, fresh));
                let i = self.slots.len() - 1;
                if i == Self::SCANNED {
                    let keys = self.slots.iter().enumerate().map(|(i, (k, _))| (*k, i));
                    self.index.extend(keys);
                } else if i > Self::SCANNED {
                    self.index.insert(key, i);
                }
                i
            }
        };
        &mut self.slots[i].1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(n: u64) -> U256 {
        U256::from(n)
    }

    #[test]
    fn fees_follow_nitros_tiers() {
        let mut cache = StorageCache::default();
        let reads: Vec<u64> = (0..130).map(|_| cache.read_fee()).collect();
        assert_eq!(
            (reads[31], reads[32], reads[127], reads[128]),
            (0, 2, 2, 10)
        );
        let writes: Vec<u64> = (0..66).map(|_| cache.write_fee()).collect();
        assert_eq!(
            (writes[7], writes[8], writes[63], writes[64]),
            (0, 7, 7, 10)
        );
        assert_eq!(reads.iter().sum::<u64>(), 96 * 2 + 2 * 10);
    }

    #[test]
    fn loaded_slots_are_clean_until_changed() {
        let mut cache = StorageCache::default();
        cache.remember(word(1), word(10));
        cache.remember(word(2), word(20));
        cache.write(word(2), word(20));
        assert_eq!(cache.get(word(1)), Some(word(10)));
        assert_eq!(cache.get(word(3)), None);
        assert!(cache.flush(false).is_empty());
        cache.write(word(1), word(11));
        assert_eq!(cache.flush(false), vec![(word(1), word(11))]);
        assert!(cache.flush(false).is_empty(), "a flushed slot is clean");
    }

    #[test]
    fn flush_keeps_first_touch_order_and_clear_forgets() {
        let mut cache = StorageCache::default();
        for key in [9, 3, 7] {
            cache.write(word(key), word(key * 100));
        }
        cache.write(word(3), word(301));
        assert_eq!(
            cache.flush(true),
            vec![
                (word(9), word(900)),
                (word(3), word(301)),
                (word(7), word(700))
            ]
        );
        assert_eq!(cache.get(word(9)), None);
        cache.write(word(7), word(701));
        assert_eq!(cache.flush(false), vec![(word(7), word(701))]);
        assert_eq!(
            cache.get(word(7)),
            Some(word(701)),
            "without clear the cache keeps slots"
        );
    }

    #[test]
    fn a_written_slot_stays_dirty_even_if_equal_to_storage() {
        let mut cache = StorageCache::default();
        cache.write(word(5), U256::ZERO);
        assert_eq!(cache.flush(false), vec![(word(5), U256::ZERO)]);
    }

    #[test]
    fn slots_are_found_the_same_below_and_above_the_scanned_count() {
        let mut cache = StorageCache::default();
        let many = 3 * StorageCache::SCANNED as u64;
        for round in 0..2 {
            for key in 0..many {
                cache.remember(word(key), word(key + 1000));
                // Touching every earlier slot again adds none.
                cache.write(word(key / 2), word(key / 2 + 2000));
            }
            for key in 0..many {
                let expected = if key < many / 2 {
                    key + 2000
                } else {
                    key + 1000
                };
                assert_eq!(cache.get(word(key)), Some(word(expected)), "round {round}");
            }
            assert_eq!(cache.get(word(many)), None);
            let dirty = cache.flush(true);
            assert_eq!(dirty.len() as u64, many / 2, "each written slot once");
            assert_eq!(
                cache.get(word(0)),
                None,
                "a cleared cache forgets, index too"
            );
        }
    }
}
