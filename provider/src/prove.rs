//! Proofs: which epochs of the node's placements are due, and where each sits in its
//! committed batch once `submitProofs` is mined (docs/proofs.md).

use alloy::rpc::types::TransactionReceipt;
use alloy_primitives::B256;
use alloy_sol_types::SolEvent;
use cloudless_abi::{
    court::ProofRef,
    market::{EpochProof, IMarket},
    merkle,
};

/// Most proofs in one `submitProofs` transaction.
pub const MAX_PROOFS: usize = 64;

/// A placement's proof progress, as the chain knows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    /// The placement.
    pub placement: u64,
    /// First epoch served.
    pub start: u64,
    /// Last epoch proven (`start − 1` before any).
    pub last_proven: u64,
    /// Last epoch it may serve (its own and its deployment's end).
    pub end: u64,
}

/// The `(placement, epoch)` pairs provable in epoch `current` with the market's `proof_window`,
/// in placement then epoch order, at most [`MAX_PROOFS`]: every completed epoch after the last
/// proven one that the window still admits.
pub fn due(placements: &[Progress], current: u64, proof_window: u64) -> Vec<(u64, u64)> {
    let mut due = Vec::new();
    if current == 0 {
        return due;
    }
    for p in placements {
        let earliest = (p.last_proven + 1)
            .max(current.saturating_sub(proof_window))
            .max(p.start);
        let latest = p.end.min(current - 1);
        for epoch in earliest..=latest {
            if due.len() == MAX_PROOFS {
                return due;
            }
            due.push((p.placement, epoch));
        }
    }
    due
}

/// The references of `proofs`, sent in the transaction of `receipt` in calldata order: the
/// batch from its `ProofsCommitted`, each position from its `EpochProven`, each path from the
/// batch tree. `None` when the receipt has no `ProofsCommitted`.
pub fn refs(receipt: &TransactionReceipt, proofs: &[EpochProof]) -> Option<Vec<ProofRef>> {
    let logs = receipt.inner.logs();
    let committed = logs
        .iter()
        .find_map(|log| IMarket::ProofsCommitted::decode_log_data(log.data()).ok())?;
    let positions: Vec<(u64, u64, u32)> = logs
        .iter()
        .filter_map(|log| IMarket::EpochProven::decode_log_data(log.data()).ok())
        .map(|e| (e.placementId, e.epoch, e.position))
        .collect();
    let leaves: Vec<B256> = proofs
        .iter()
        .map(|p| merkle::proof_leaf(p.placementId, p.epoch, p.receiptsRoot, p.count))
        .collect();
    if merkle::root(&leaves) != committed.root {
        return None;
    }
    proofs
        .iter()
        .map(|p| {
            let &(_, _, position) = positions
                .iter()
                .find(|(id, epoch, _)| (*id, *epoch) == (p.placementId, p.epoch))?;
            Some(ProofRef {
                placementId: p.placementId,
                epoch: p.epoch,
                receiptsRoot: p.receiptsRoot,
                count: p.count,
                batch: committed.batch,
                provenAt: committed.provenAt,
                size: committed.size,
                position,
                path: merkle::path(&leaves, position as usize)?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn progress(placement: u64, start: u64, last_proven: u64, end: u64) -> Progress {
        Progress {
            placement,
            start,
            last_proven,
            end,
        }
    }

    #[test]
    fn every_completed_unproven_epoch_inside_the_window_is_due() {
        // Started in 3, nothing proven; now epoch 6 with a 2-epoch window: 4 and 5.
        let due = due(&[progress(1, 3, 2, u64::MAX)], 6, 2);
        assert_eq!(due, [(1, 4), (1, 5)]);
    }

    #[test]
    fn nothing_is_due_before_the_first_epoch_ends_or_after_the_end() {
        assert!(due(&[progress(1, 3, 2, u64::MAX)], 3, 2).is_empty());
        assert_eq!(due(&[progress(1, 3, 2, 4)], 9, 10), [(1, 3), (1, 4)]);
        assert!(due(&[progress(1, 3, 4, 4)], 9, 10).is_empty(), "all proven");
    }

    #[test]
    fn a_proof_batch_is_capped() {
        let many: Vec<Progress> = (1..=40).map(|id| progress(id, 0, 0, u64::MAX)).collect();
        assert_eq!(due(&many, 4, 10).len(), MAX_PROOFS);
    }
}
