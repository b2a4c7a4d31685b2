//! Protocol v2's Merkle trees, one implementation for the contracts and every off-chain client
//! (docs/proofs.md specifies them):
//!
//! - an epoch's **receipts tree** has the receipts' EIP-712 digests as leaves, leaf `i` being
//!   the receipt with `seq = i`;
//! - a **batch tree** has one leaf per proof of a `submitProofs` call, in calldata order
//!   ([`proof_leaf`]); the market stores only [`batch_commitment`] of its root.
//!
//! Both are positional keccak trees over `count` leaves: a level's nodes are paired left to
//! right, a pair hashes to `keccak256(left ‖ right)`, and an odd node out at the end of a level
//! moves up unchanged. The root of one leaf is the leaf; of none, zero. A leaf's path lists the
//! siblings it meets from the bottom up (none on a level where it moves up alone), so its
//! length follows from `count` and the index: a path cannot be replayed at another position
//! or another tree size.

use alloc::vec::Vec;

use alloy_primitives::{B256, U256, keccak256};

/// `keccak256(left ‖ right)`.
pub fn node(left: &B256, right: &B256) -> B256 {
    let mut pair = [0u8; 64];
    pair[..32].copy_from_slice(left.as_slice());
    pair[32..].copy_from_slice(right.as_slice());
    keccak256(pair)
}

/// The level above `level`: pairs hashed, an odd node out moved up unchanged.
fn parents(level: &[B256]) -> Vec<B256> {
    level
        .chunks(2)
        .map(|pair| match pair {
            [left, right] => node(left, right),
            [alone] => *alone,
            _ => unreachable!("chunks(2) yields one or two nodes"),
        })
        .collect()
}

/// The root of `leaves` (zero when empty).
pub fn root(leaves: &[B256]) -> B256 {
    let mut level: Vec<B256> = leaves.to_vec();
    while level.len() > 1 {
        level = parents(&level);
    }
    level.first().copied().unwrap_or(B256::ZERO)
}

/// The path of leaf `index` (`None` when out of range).
pub fn path(leaves: &[B256], index: usize) -> Option<Vec<B256>> {
    if index >= leaves.len() {
        return None;
    }
    let (mut level, mut index, mut siblings) = (leaves.to_vec(), index, Vec::new());
    while level.len() > 1 {
        if let Some(sibling) = level.get(index ^ 1) {
            siblings.push(*sibling);
        }
        level = parents(&level);
        index /= 2;
    }
    Some(siblings)
}

/// The root that `leaf` at `index` of a `count`-leaf tree leads to along `path`; `None` when
/// `index ≥ count` or the path has not exactly the length the position calls for.
pub fn root_from_path(leaf: B256, index: u64, count: u64, path: &[B256]) -> Option<B256> {
    if index >= count {
        return None;
    }
    let (mut hash, mut index, mut size, mut siblings) = (leaf, index, count, path.iter());
    while size > 1 {
        let alone = index == size - 1 && size % 2 == 1;
        if !alone {
            let sibling = siblings.next()?;
            hash = if index % 2 == 0 {
                node(&hash, sibling)
            } else {
                node(sibling, &hash)
            };
        }
        index /= 2;
        size = size.div_ceil(2);
    }
    siblings.next().is_none().then_some(hash)
}

/// A batch tree's leaf: `keccak256(abi.encode(placementId, epoch, receiptsRoot, count))`.
pub fn proof_leaf(placement_id: u64, epoch: u64, receipts_root: B256, count: u32) -> B256 {
    let mut words = [0u8; 128];
    words[24..32].copy_from_slice(&placement_id.to_be_bytes());
    words[56..64].copy_from_slice(&epoch.to_be_bytes());
    words[64..96].copy_from_slice(receipts_root.as_slice());
    words[124..128].copy_from_slice(&count.to_be_bytes());
    keccak256(words)
}

/// What the market stores for a batch: `keccak256(abi.encode(root, size, provenAt))`.
pub fn batch_commitment(root: B256, size: u32, proven_at: u64) -> B256 {
    let mut words = [0u8; 96];
    words[..32].copy_from_slice(root.as_slice());
    words[32..64].copy_from_slice(&U256::from(size).to_be_bytes::<32>());
    words[88..96].copy_from_slice(&proven_at.to_be_bytes());
    keccak256(words)
}

#[cfg(test)]
mod tests {
    use alloc::vec;

    use alloy_sol_types::SolValue;

    use super::*;

    fn leaves(n: usize) -> Vec<B256> {
        (0..n as u64).map(|i| keccak256(i.to_be_bytes())).collect()
    }

    #[test]
    fn small_trees_follow_the_pairing_rule() {
        let l = leaves(5);
        assert_eq!(root(&[]), B256::ZERO);
        assert_eq!(root(&l[..1]), l[0]);
        assert_eq!(root(&l[..2]), node(&l[0], &l[1]));
        // Three leaves: the third moves up alone.
        assert_eq!(root(&l[..3]), node(&node(&l[0], &l[1]), &l[2]));
        // Five leaves: the fifth moves up alone twice.
        let four = node(&node(&l[0], &l[1]), &node(&l[2], &l[3]));
        assert_eq!(root(&l), node(&four, &l[4]));
        assert_eq!(path(&l, 4), Some(vec![four]));
        assert_eq!(path(&l, 2), Some(vec![l[3], node(&l[0], &l[1]), l[4]]));
    }

    #[test]
    fn every_path_of_every_size_leads_to_the_root_and_nowhere_else() {
        for n in 1..=33 {
            let l = leaves(n);
            let r = root(&l);
            for i in 0..n {
                let p = path(&l, i).unwrap();
                let (i64, n64) = (i as u64, n as u64);
                assert_eq!(
                    root_from_path(l[i], i64, n64, &p),
                    Some(r),
                    "leaf {i} of {n}"
                );
                // Another leaf, another position or a longer path does not lead there.
                let other = keccak256(b"other");
                assert_ne!(root_from_path(other, i64, n64, &p), Some(r));
                if n > 1 {
                    let j = (i64 + 1) % n64;
                    assert_ne!(
                        root_from_path(l[i], j, n64, &p),
                        Some(r),
                        "moved {i}→{j} of {n}"
                    );
                }
                let mut longer = p.clone();
                longer.push(other);
                assert_eq!(root_from_path(l[i], i64, n64, &longer), None);
            }
            assert_eq!(path(&l, n), None);
            assert_eq!(root_from_path(l[0], n as u64, n as u64, &[]), None);
        }
    }

    #[test]
    fn leaves_and_commitments_are_the_abi_encodings_hashed() {
        let r = keccak256(b"root");
        assert_eq!(
            proof_leaf(3, 9, r, 12),
            keccak256((3u64, 9u64, r, 12u32).abi_encode())
        );
        assert_eq!(
            batch_commitment(r, 4, 77),
            keccak256((r, 4u32, 77u64).abi_encode())
        );
    }
}
