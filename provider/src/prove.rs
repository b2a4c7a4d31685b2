//! Proofs: which epochs of the node's placements are due, and where each sits in its
//! committed batch once `submitProofs` is mined (docs/proofs.md).

use alloy::rpc::types::TransactionReceipt;
use alloy_primitives::Address;
use cloudless_abi::{court::ProofRef, market::EpochProof};
use cloudless_client::proofs::proof_refs;

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

/// The references of `proofs`, sent to `market` in the transaction of `receipt`, rebuilt from
/// its logs as any client does (`cloudless_client::proofs`). `None` unless they name exactly
/// `proofs`, in order.
pub fn refs(
    receipt: &TransactionReceipt,
    market: Address,
    proofs: &[EpochProof],
) -> Option<Vec<ProofRef>> {
    let logs = receipt.inner.logs().iter().map(|log| &log.inner);
    let refs = proof_refs(market, logs).ok()?;
    let named = refs.len() == proofs.len()
        && refs.iter().zip(proofs).all(|(r, p)| {
            (r.placementId, r.epoch, r.receiptsRoot, r.count)
                == (p.placementId, p.epoch, p.receiptsRoot, p.count)
        });
    named.then_some(refs)
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
