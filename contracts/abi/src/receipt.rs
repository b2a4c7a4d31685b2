//! The EIP-712 digest of a [`Receipt`]: what a worker key signs and what the leaves of an
//! epoch's receipts tree are. Written out word by word (no allocation, one keccak per part) so
//! the court computes it cheaply; the tests check it against alloy's generic EIP-712 encoder.

use alloy_primitives::{Address, B256, U256, keccak256};

use crate::court::Receipt;

/// The EIP-712 domain's `name`.
pub const DOMAIN_NAME: &str = "Cloudless";
/// The EIP-712 domain's `version`: the protocol version receipts belong to.
pub const DOMAIN_VERSION: &str = "2";
/// `EIP712Domain`'s type string.
const DOMAIN_TYPE: &str =
    "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)";
/// `Receipt`'s type string.
pub const RECEIPT_TYPE: &str =
    "Receipt(uint64 placementId,uint64 epoch,uint64 seq,bytes32 requestHash,bytes32 responseHash)";

/// The domain separator of receipts for the market at `market` on chain `chain_id`.
pub fn domain_separator(chain_id: u64, market: Address) -> B256 {
    let mut words = [0u8; 160];
    words[..32].copy_from_slice(keccak256(DOMAIN_TYPE).as_slice());
    words[32..64].copy_from_slice(keccak256(DOMAIN_NAME).as_slice());
    words[64..96].copy_from_slice(keccak256(DOMAIN_VERSION).as_slice());
    words[96..128].copy_from_slice(&U256::from(chain_id).to_be_bytes::<32>());
    words[140..160].copy_from_slice(market.as_slice());
    keccak256(words)
}

/// `hashStruct(receipt)`.
pub fn struct_hash(receipt: &Receipt) -> B256 {
    let mut words = [0u8; 192];
    words[..32].copy_from_slice(keccak256(RECEIPT_TYPE).as_slice());
    for (i, n) in [receipt.placementId, receipt.epoch, receipt.seq]
        .into_iter()
        .enumerate()
    {
        words[56 + 32 * i..64 + 32 * i].copy_from_slice(&n.to_be_bytes());
    }
    words[128..160].copy_from_slice(receipt.requestHash.as_slice());
    words[160..192].copy_from_slice(receipt.responseHash.as_slice());
    keccak256(words)
}

/// The digest a worker signs: `keccak256(0x1901 ‖ domainSeparator ‖ hashStruct(receipt))`.
pub fn digest(domain_separator: B256, receipt: &Receipt) -> B256 {
    let mut bytes = [0u8; 66];
    bytes[..2].copy_from_slice(&[0x19, 0x01]);
    bytes[2..34].copy_from_slice(domain_separator.as_slice());
    bytes[34..].copy_from_slice(struct_hash(receipt).as_slice());
    keccak256(bytes)
}

#[cfg(test)]
mod tests {
    use alloy_primitives::{address, b256};
    use alloy_sol_types::{SolStruct, eip712_domain};

    use super::*;

    fn receipt() -> Receipt {
        Receipt {
            placementId: 7,
            epoch: 1_234,
            seq: 99,
            requestHash: keccak256(b"request"),
            responseHash: keccak256(b"response"),
        }
    }

    #[test]
    fn the_digest_is_alloys_eip712_signing_hash() {
        let market = address!("0x5fbdb2315678afecb367f032d93f642f64180aa3");
        let domain = eip712_domain! {
            name: DOMAIN_NAME,
            version: DOMAIN_VERSION,
            chain_id: 412_346,
            verifying_contract: market,
        };
        let receipt = receipt();
        assert_eq!(domain_separator(412_346, market), domain.separator());
        assert_eq!(struct_hash(&receipt), receipt.eip712_hash_struct());
        assert_eq!(
            digest(domain_separator(412_346, market), &receipt),
            receipt.eip712_signing_hash(&domain)
        );
        assert_eq!(<Receipt as SolStruct>::eip712_encode_type(), RECEIPT_TYPE);
    }

    #[test]
    fn every_field_and_the_domain_change_the_digest() {
        let separator = domain_separator(1, Address::ZERO);
        let base = digest(separator, &receipt());
        let mut changed = [receipt(), receipt(), receipt(), receipt(), receipt()];
        changed[0].placementId += 1;
        changed[1].epoch += 1;
        changed[2].seq += 1;
        changed[3].requestHash = B256::ZERO;
        changed[4].responseHash =
            b256!("0x0000000000000000000000000000000000000000000000000000000000000001");
        for receipt in &changed {
            assert_ne!(digest(separator, receipt), base);
        }
        assert_ne!(digest(domain_separator(2, Address::ZERO), &receipt()), base);
    }
}
