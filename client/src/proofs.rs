//! Proof references (protocol v2). The market stores one commitment per `submitProofs` batch, so
//! a dispute names a proof by its leaf in the batch and that leaf's path: a [`ProofRef`]. Anyone
//! rebuilds it from the logs of the transaction that committed the batch (`ProofsCommitted` and
//! the batch's `EpochProven`, in order); nothing needs the prover's help.

use alloy::{
    providers::Provider,
    rpc::types::{Filter, Log as RpcLog},
};
use alloy_primitives::{Address, B256, Log};
use alloy_sol_types::SolEvent;
use anyhow::{Context, bail};
use cloudless_abi::{court::ProofRef, market::IMarket, merkle};

/// The references of every proof committed by the market at `market` in `logs` (one
/// transaction's logs), batch by batch in log order. Fails when a batch's proofs do not rebuild
/// its root (logs missing or from another transaction).
pub fn proof_refs<'a>(
    market: Address,
    logs: impl IntoIterator<Item = &'a Log>,
) -> anyhow::Result<Vec<ProofRef>> {
    let mut proven = Vec::new();
    let mut committed = Vec::new();
    for log in logs.into_iter().filter(|log| log.address == market) {
        if let Ok(event) = IMarket::EpochProven::decode_log_data(&log.data) {
            proven.push(event);
        } else if let Ok(event) = IMarket::ProofsCommitted::decode_log_data(&log.data) {
            committed.push(event);
        }
    }
    let mut refs = Vec::with_capacity(proven.len());
    for batch in committed {
        let mut members: Vec<_> = proven.iter().filter(|p| p.batch == batch.batch).collect();
        members.sort_by_key(|p| p.position);
        let leaves: Vec<B256> = members
            .iter()
            .map(|p| merkle::proof_leaf(p.placementId, p.epoch, p.receiptsRoot, p.count))
            .collect();
        if leaves.len() != batch.size as usize || merkle::root(&leaves) != batch.root {
            bail!(
                "the logs hold {} proofs of batch {} that do not rebuild its root {} over {} proofs",
                leaves.len(),
                batch.batch,
                batch.root,
                batch.size
            );
        }
        for p in members {
            refs.push(ProofRef {
                placementId: p.placementId,
                epoch: p.epoch,
                receiptsRoot: p.receiptsRoot,
                count: p.count,
                batch: batch.batch,
                provenAt: batch.provenAt,
                size: batch.size,
                position: p.position,
                path: merkle::path(&leaves, p.position as usize).context("a leaf of its batch")?,
            });
        }
    }
    Ok(refs)
}

/// The reference of the proof of `placement_id`'s `epoch`, found on the chain behind `provider`
/// from block `from_block` on (the market's deploy block). Fails when that epoch was never
/// proven.
pub async fn find_proof_ref<P: Provider>(
    provider: &P,
    market: Address,
    from_block: u64,
    placement_id: u64,
    epoch: u64,
) -> anyhow::Result<ProofRef> {
    let filter = Filter::new()
        .address(market)
        .event_signature(IMarket::EpochProven::SIGNATURE_HASH)
        .topic1(B256::from(alloy_primitives::U256::from(placement_id)))
        .topic2(B256::from(alloy_primitives::U256::from(epoch)))
        .from_block(from_block);
    let logs = provider
        .get_logs(&filter)
        .await
        .context("asking the node for the proof's log")?;
    let Some(tx) = logs.iter().find_map(|log: &RpcLog| log.transaction_hash) else {
        bail!("placement {placement_id} has no proof of epoch {epoch} on this chain");
    };
    let receipt = provider
        .get_transaction_receipt(tx)
        .await
        .context("fetching the proof's transaction receipt")?
        .with_context(|| format!("the node has no receipt of {tx}"))?;
    let logs = receipt.inner.logs().iter().map(|log| &log.inner);
    proof_refs(market, logs)?
        .into_iter()
        .find(|r| r.placementId == placement_id && r.epoch == epoch)
        .with_context(|| format!("{tx} proves placement {placement_id} epoch {epoch} in no batch"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::{LogData, U256};

    fn proven(market: Address, placement: u64, root: B256, batch: u64, position: u32) -> Log {
        let event = IMarket::EpochProven {
            placementId: placement,
            epoch: 4,
            receiptsRoot: root,
            count: 3,
            paid: U256::from(1),
            fee: U256::ZERO,
            misses: 0,
            balance: U256::from(9),
            owed: U256::ZERO,
            batch,
            position,
        };
        Log {
            address: market,
            data: event.encode_log_data(),
        }
    }

    #[test]
    fn every_proof_of_a_batch_gets_the_path_of_its_leaf_to_the_committed_root() {
        let market = Address::repeat_byte(7);
        let roots = [
            B256::repeat_byte(1),
            B256::repeat_byte(2),
            B256::repeat_byte(3),
        ];
        let leaves: Vec<B256> = (0..3)
            .map(|i| merkle::proof_leaf(10 + i as u64, 4, roots[i], 3))
            .collect();
        let committed = IMarket::ProofsCommitted {
            batch: 5,
            root: merkle::root(&leaves),
            size: 3,
            provenAt: 6,
        };
        let mut logs: Vec<Log> = (0..3)
            .map(|i| proven(market, 10 + i as u64, roots[i], 5, i as u32))
            .collect();
        logs.push(Log {
            address: market,
            data: committed.encode_log_data(),
        });
        // Another contract's look-alike log is ignored.
        logs.push(proven(Address::repeat_byte(8), 99, roots[0], 5, 3));
        let refs = proof_refs(market, &logs).unwrap();
        assert_eq!(refs.len(), 3);
        for r in &refs {
            let leaf = merkle::proof_leaf(r.placementId, r.epoch, r.receiptsRoot, r.count);
            let root = merkle::root_from_path(leaf, r.position.into(), r.size.into(), &r.path);
            assert_eq!(root, Some(committed.root));
            assert_eq!((r.batch, r.provenAt), (5, 6));
        }
        // A missing proof cannot rebuild the root.
        logs.remove(1);
        assert!(proof_refs(market, &logs).is_err());
        let empty: [Log; 1] = [Log {
            address: market,
            data: LogData::new_unchecked(vec![], Default::default()),
        }];
        assert!(proof_refs(market, &empty).unwrap().is_empty());
    }
}
