//! Work whose simulation keeps reverting with the same "lost race" error although nothing it
//! depends on changed is not a race: the keeper's view and the chain disagree for good (an
//! `InsufficientBalance` the book does not predict, say). Re-simulating it every block would
//! cost an `eth_call` per block for ever, so after `blocks` such blocks in a row it is parked
//! — until its inputs change: an event touching its deployment (a top-up, a withdrawal, a
//! placement ending) or a new epoch (evictions and finalizations fall due with time).
//! Pure bookkeeping, in memory: a restart re-simulates everything once, which is harmless.

use std::collections::HashMap;

/// What a work item depends on: the block of the last event touching its deployment (or
/// placement) and the epoch.
pub type Inputs = (u64, u64);

#[derive(Clone, Debug, PartialEq, Eq)]
struct Strikes {
    error: String,
    inputs: Inputs,
    count: u32,
}

/// Lost-race strikes and parked work by key.
#[derive(Debug, Default)]
pub struct Parking {
    /// Strikes in a row after which work is parked (at least 1).
    blocks: u32,
    strikes: HashMap<String, Strikes>,
}

impl Parking {
    /// Parks work after `blocks` lost-race simulations in a row with one error and unchanged
    /// inputs.
    pub fn new(blocks: u32) -> Self {
        Self {
            blocks: blocks.max(1),
            strikes: HashMap::new(),
        }
    }

    /// Whether `key` is parked with these inputs; parked work whose inputs changed is
    /// released (and starts counting again).
    pub fn parked(&mut self, key: &str, inputs: Inputs) -> bool {
        match self.strikes.get(key) {
            Some(s) if s.inputs != inputs => {
                self.strikes.remove(key);
                false
            }
            Some(s) => s.count >= self.blocks,
            None => false,
        }
    }

    /// Records a lost-race simulation of `key` (once per ingested block); returns true when
    /// this strike parks it.
    pub fn lost(&mut self, key: &str, error: &str, inputs: Inputs) -> bool {
        let s = self
            .strikes
            .entry(key.to_owned())
            .or_insert_with(|| Strikes {
                error: error.to_owned(),
                inputs,
                count: 0,
            });
        if s.error != error || s.inputs != inputs {
            *s = Strikes {
                error: error.to_owned(),
                inputs,
                count: 0,
            };
        }
        s.count += 1;
        s.count == self.blocks
    }

    /// `key` simulated successfully (or is gone): forget its strikes.
    pub fn clear(&mut self, key: &str) {
        self.strikes.remove(key);
    }

    /// Work parked now.
    pub fn count(&self) -> u64 {
        self.strikes
            .values()
            .filter(|s| s.count >= self.blocks)
            .count() as u64
    }

    /// Forgets strikes of work not in `due` (done, or no longer needed), so the map follows
    /// live work.
    pub fn retain(&mut self, due: impl Fn(&str) -> bool) {
        self.strikes.retain(|key, _| due(key));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn work_losing_the_same_way_for_the_bound_is_parked_until_its_inputs_change() {
        let mut p = Parking::new(3);
        let inputs = (10, 4);
        assert!(!p.lost("match:7", "InsufficientBalance", inputs));
        assert!(!p.lost("match:7", "InsufficientBalance", inputs));
        assert!(!p.parked("match:7", inputs), "parked before the bound");
        assert!(p.lost("match:7", "InsufficientBalance", inputs));
        assert!(p.parked("match:7", inputs), "not parked at the bound");
        assert_eq!(p.count(), 1);
        // A top-up is an event on the deployment: the work is eligible again.
        assert!(!p.parked("match:7", (12, 4)), "a top-up left it parked");
        assert_eq!(p.count(), 0);
        // So is a new epoch.
        for _ in 0..3 {
            p.lost("evict:2", "NotEvictable", (10, 4));
        }
        assert!(p.parked("evict:2", (10, 4)));
        assert!(!p.parked("evict:2", (10, 5)), "a new epoch left it parked");
    }

    #[test]
    fn a_different_error_or_a_success_restarts_the_count() {
        let mut p = Parking::new(2);
        let inputs = (1, 1);
        p.lost("close:3", "NotClosable", inputs);
        assert!(
            !p.lost("close:3", "ContractPaused", inputs),
            "errors differ"
        );
        p.clear("close:3");
        assert!(
            !p.lost("close:3", "ContractPaused", inputs),
            "a success in between"
        );
        assert!(p.lost("close:3", "ContractPaused", inputs));
        p.retain(|key| key != "close:3");
        assert!(
            !p.parked("close:3", inputs),
            "work no longer due is forgotten"
        );
    }
}
