//! Off-chain receipts (protocol v2): a worker key signs an EIP-712 [`Receipt`] for every
//! request it answers, and an epoch's receipts become the Merkle root its proof commits to.
//! The digest and the tree are `cloudless_abi`'s, the ones the court checks.

use alloy::signers::{SignerSync, local::PrivateKeySigner};
use alloy_primitives::{Address, B256, Bytes, Signature, keccak256};
use anyhow::Context;
use cloudless_abi::{
    court::Receipt,
    merkle,
    receipt::{digest, domain_separator},
};

/// Signs `receipt` for the market at `market` on chain `chain_id`: 65 bytes `r ‖ s ‖ v` with
/// `v` 27 or 28, as the court expects.
pub fn sign(signer: &PrivateKeySigner, chain_id: u64, market: Address, receipt: &Receipt) -> Bytes {
    sign_digest(signer, digest(domain_separator(chain_id, market), receipt))
}

/// The key that signed `receipt` with `signature` (as [`sign`] makes it).
pub fn recover(
    chain_id: u64,
    market: Address,
    receipt: &Receipt,
    signature: &[u8],
) -> anyhow::Result<Address> {
    let signature = Signature::from_raw(signature).context("a receipt signature is 65 bytes")?;
    let digest = digest(domain_separator(chain_id, market), receipt);
    signature
        .recover_address_from_prehash(&digest)
        .context("the signature recovers no key")
}

fn sign_digest(signer: &PrivateKeySigner, digest: B256) -> Bytes {
    // A local secp256k1 key signs any 32-byte digest (RFC 6979: deterministic, no failure path).
    let signature = signer
        .sign_hash_sync(&digest)
        .expect("a local key signs any digest");
    Bytes::copy_from_slice(&signature.as_bytes())
}

/// One answered request: the signed receipt with what it commits to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Served {
    /// The receipt (its `seq` is its leaf index).
    pub receipt: Receipt,
    /// The worker's signature over it.
    pub signature: Bytes,
    /// The request (calldata of the function).
    pub request: Bytes,
    /// The function's response (return data).
    pub response: Bytes,
}

/// The receipts of one placement in one epoch, in `seq` order: what a proof's root and count
/// are built from, and what a provider answers disputes with.
#[derive(Clone, Debug)]
pub struct Epoch {
    separator: B256,
    placement_id: u64,
    epoch: u64,
    served: Vec<Served>,
    leaves: Vec<B256>,
}

impl Epoch {
    /// No receipts yet for `placement_id` in `epoch`, on the market at `market` of chain
    /// `chain_id`.
    pub fn new(chain_id: u64, market: Address, placement_id: u64, epoch: u64) -> Self {
        Self {
            separator: domain_separator(chain_id, market),
            placement_id,
            epoch,
            served: Vec::new(),
            leaves: Vec::new(),
        }
    }

    /// Records the answer `response` to `request` as the next receipt, signed by `worker`.
    pub fn record(
        &mut self,
        worker: &PrivateKeySigner,
        request: Bytes,
        response: Bytes,
    ) -> &Served {
        let receipt = Receipt {
            placementId: self.placement_id,
            epoch: self.epoch,
            seq: self.served.len() as u64,
            requestHash: keccak256(&request),
            responseHash: keccak256(&response),
        };
        let leaf = digest(self.separator, &receipt);
        let signature = sign_digest(worker, leaf);
        self.leaves.push(leaf);
        self.served.push(Served {
            receipt,
            signature,
            request,
            response,
        });
        self.served.last().expect("just pushed")
    }

    /// The answered requests, in `seq` order.
    pub fn served(&self) -> &[Served] {
        &self.served
    }

    /// Receipts under the root: the proof's `count`.
    pub fn count(&self) -> u32 {
        u32::try_from(self.served.len()).expect("fewer than 2^32 receipts an epoch")
    }

    /// The receipts' Merkle root: the proof's `receiptsRoot` (zero when none).
    pub fn root(&self) -> B256 {
        merkle::root(&self.leaves)
    }

    /// The Merkle path of receipt `seq` (`None` when there is no such receipt).
    pub fn path(&self, seq: u64) -> Option<Vec<B256>> {
        merkle::path(&self.leaves, usize::try_from(seq).ok()?)
    }
}

#[cfg(test)]
mod tests {
    use alloy_primitives::address;

    use super::*;

    const CHAIN: u64 = 412_346;
    const MARKET: Address = address!("0x5fbdb2315678afecb367f032d93f642f64180aa3");

    fn worker() -> PrivateKeySigner {
        PrivateKeySigner::from_bytes(&B256::repeat_byte(7)).unwrap()
    }

    #[test]
    fn a_signature_recovers_to_its_signer_and_only_for_its_receipt() {
        let worker = worker();
        let receipt = Receipt {
            placementId: 3,
            epoch: 9,
            seq: 0,
            requestHash: keccak256(b"request"),
            responseHash: keccak256(b"response"),
        };
        let signature = sign(&worker, CHAIN, MARKET, &receipt);
        assert_eq!(signature.len(), 65);
        assert!(matches!(signature[64], 27 | 28), "v is 27 or 28");
        let signer = recover(CHAIN, MARKET, &receipt, &signature).unwrap();
        assert_eq!(signer, worker.address());
        let other = Receipt { seq: 1, ..receipt };
        assert_ne!(recover(CHAIN, MARKET, &other, &signature).unwrap(), signer);
        assert_ne!(
            recover(CHAIN + 1, MARKET, &Receipt { seq: 0, ..other }, &signature).unwrap(),
            signer
        );
    }

    #[test]
    fn an_epochs_root_and_paths_are_the_merkle_tree_of_its_signed_receipts() {
        let worker = worker();
        let mut epoch = Epoch::new(CHAIN, MARKET, 5, 2);
        assert_eq!((epoch.count(), epoch.root()), (0, B256::ZERO));
        for i in 0..5u8 {
            let served = epoch.record(&worker, Bytes::from(vec![i]), Bytes::from(vec![i, i]));
            assert_eq!(served.receipt.seq, u64::from(i));
        }
        assert_eq!(epoch.count(), 5);
        let root = epoch.root();
        for served in epoch.served() {
            let r = &served.receipt;
            assert_eq!((r.placementId, r.epoch), (5, 2));
            assert_eq!(r.requestHash, keccak256(&served.request));
            assert_eq!(r.responseHash, keccak256(&served.response));
            assert_eq!(
                recover(CHAIN, MARKET, r, &served.signature).unwrap(),
                worker.address()
            );
            let leaf = digest(domain_separator(CHAIN, MARKET), r);
            let path = epoch.path(r.seq).unwrap();
            assert_eq!(
                merkle::root_from_path(leaf, r.seq, 5, &path),
                Some(root),
                "receipt {}",
                r.seq
            );
        }
        assert_eq!(epoch.path(5), None);
    }
}
