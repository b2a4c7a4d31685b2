//! Protocol v1's epoch clock, one definition for the contracts and every off-chain client.

/// The epoch of `timestamp`: `(timestamp − genesis) / length`, 0 before genesis.
pub fn epoch_at(timestamp: u64, genesis: u64, length: u64) -> u64 {
    timestamp.saturating_sub(genesis) / length.max(1)
}

/// The timestamp at which `epoch` starts.
pub fn epoch_start(epoch: u64, genesis: u64, length: u64) -> u64 {
    genesis + epoch * length
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epochs_start_where_the_clock_turns() {
        assert_eq!(epoch_at(5, 10, 60), 0, "before genesis");
        for epoch in [0, 1, 7] {
            let start = epoch_start(epoch, 10, 60);
            assert_eq!(epoch_at(start, 10, 60), epoch);
            assert_eq!(epoch_at(start + 59, 10, 60), epoch);
        }
    }
}
