//! Answers to the court: a sampled leaf (`answerSample`: receipt, signature, request, path) or
//! a disputed receipt's path (`answerInclusion`), built from the receipts database.

use alloy_primitives::Bytes;
use alloy_sol_types::SolCall;
use cloudless_abi::{court::DisputeKind, court::ICourt, merkle};
use cloudless_keeper::state::OpenDispute;

use crate::store::{Store, StoreError};

/// Why the node cannot answer a dispute.
#[derive(Debug, thiserror::Error)]
pub enum Unanswerable {
    /// The leaf is not in the database (never signed here, or pruned).
    #[error("placement {placement} epoch {epoch} has no receipt {index} here")]
    NoLeaf {
        /// The placement.
        placement: u64,
        /// The epoch.
        epoch: u64,
        /// The leaf.
        index: u64,
    },
    /// The request was pruned.
    #[error("the request of receipt {0} was pruned")]
    Pruned(u64),
    /// A `disputeResult` needs no answer.
    #[error("a result dispute is settled when opened")]
    NotOpen,
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The calldata of the answer to dispute `id`.
pub fn answer(store: &Store, id: u64, dispute: &OpenDispute) -> Result<Bytes, Unanswerable> {
    let (placement, epoch, index) = (dispute.placement, dispute.epoch, dispute.index);
    let no_leaf = || Unanswerable::NoLeaf {
        placement,
        epoch,
        index,
    };
    let leaves = store.leaves(placement, epoch)?;
    let path = merkle::path(&leaves, usize::try_from(index).map_err(|_| no_leaf())?)
        .ok_or_else(no_leaf)?;
    let calldata = match dispute.kind {
        DisputeKind::Inclusion => ICourt::answerInclusionCall {
            disputeId: id,
            path,
        }
        .abi_encode(),
        DisputeKind::Sample => {
            let stored = store
                .receipt(placement, epoch, index)?
                .ok_or_else(no_leaf)?;
            ICourt::answerSampleCall {
                disputeId: id,
                receipt: stored.signed.receipt,
                signature: stored.signed.signature,
                request: stored.request.ok_or(Unanswerable::Pruned(index))?,
                path,
            }
            .abi_encode()
        }
        _ => return Err(Unanswerable::NotOpen),
    };
    Ok(calldata.into())
}

#[cfg(test)]
mod tests {
    use alloy::signers::local::PrivateKeySigner;
    use alloy_primitives::{Address, B256, keccak256};
    use cloudless_abi::receipt::{digest, domain_separator};

    use super::*;

    #[tokio::test]
    async fn answers_carry_the_leaf_and_a_path_to_the_proven_root() {
        let dir = tempfile::tempdir().unwrap();
        let worker = PrivateKeySigner::from_bytes(&B256::repeat_byte(3)).unwrap();
        let market = Address::repeat_byte(9);
        let store = Store::open(&dir.path().join("p.sqlite"), 1, market, worker).unwrap();
        for i in 0..5u8 {
            store
                .record(2, 7, Bytes::from(vec![i]), keccak256([i]))
                .await
                .unwrap();
        }
        let root = store.root(2, 7).unwrap();
        let dispute = OpenDispute {
            placement: 2,
            kind: DisputeKind::Sample,
            epoch: 7,
            index: 3,
            deadline: 10,
        };
        let calldata = answer(&store, 11, &dispute).unwrap();
        let call = ICourt::answerSampleCall::abi_decode(&calldata).unwrap();
        assert_eq!((call.disputeId, call.receipt.seq), (11, 3));
        assert_eq!(call.request, Bytes::from(vec![3]));
        let leaf = digest(domain_separator(1, market), &call.receipt);
        assert_eq!(
            merkle::root_from_path(leaf, 3, 5, &call.path),
            Some(root.root)
        );
        let inclusion = OpenDispute {
            kind: DisputeKind::Inclusion,
            ..dispute
        };
        let call =
            ICourt::answerInclusionCall::abi_decode(&answer(&store, 12, &inclusion).unwrap())
                .unwrap();
        assert_eq!(
            merkle::root_from_path(leaf, 3, 5, &call.path),
            Some(root.root),
            "the inclusion answer is the same leaf's path"
        );
        let missing = OpenDispute {
            index: 5,
            ..dispute
        };
        assert!(matches!(
            answer(&store, 12, &missing),
            Err(Unanswerable::NoLeaf { index: 5, .. })
        ));
    }
}
