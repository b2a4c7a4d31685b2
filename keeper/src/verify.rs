//! Verifying proofs. For each `EpochProven` the keeper samples leaves — the same ones on every
//! run, different ones for another keeper ([`sample`]) — fetches each from the provider's node
//! (`GET {url}/v1/proofs/{placement}/{epoch}/{index}`, docs/provider.md) and checks it
//! ([`check_leaf`]): the receipt is that leaf, its path leads to the proven root, a worker of
//! the provider signed it, the request is the one it names, and the function, run on the chain
//! as the court runs it (an `eth_call` of its program), gives the signed response. A wrong
//! response is settled at once with `disputeResult`; a leaf the node cannot show is a
//! `challengeSample` it must answer on-chain.

use std::{collections::BTreeSet, time::Duration};

use alloy::{
    providers::{DynProvider, Provider},
    rpc::types::TransactionRequest,
};
use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use alloy_sol_types::SolCall;
use cloudless_abi::{court::Receipt, market::IRegistry, merkle, receipt};
use cloudless_client::receipts;
use serde_json::Value;

use crate::{Error, state::ProvenEpoch};

/// How a keeper verifies proofs.
#[derive(Clone, Debug, PartialEq)]
pub struct Verify {
    /// Share of each proof's leaves checked (0..=1); at least one leaf of a non-empty proof.
    pub sample_rate: f64,
    /// Bonds the keeper may lock in `challengeSample`s opened in one epoch, token base units.
    pub bond_budget: u128,
    /// How long a provider's node may take to show a leaf.
    pub timeout: Duration,
    /// Proofs verified per poll at most (the rest wait for the next poll).
    pub per_poll: usize,
    /// Hosts reached at another address than DNS says, as curl's `--resolve` (nodes on local
    /// ports under their registered URLs).
    pub resolve: Vec<(String, std::net::SocketAddr)>,
}

impl Default for Verify {
    /// 5 % of the leaves, no bonds (only `disputeResult`, which needs none), 10 s, 32 proofs a
    /// poll.
    fn default() -> Self {
        Self {
            sample_rate: 0.05,
            bond_budget: 0,
            timeout: Duration::from_secs(10),
            per_poll: 32,
            resolve: Vec::new(),
        }
    }
}

/// The leaves `keeper` samples from a proof of `count` receipts at `rate`: ⌈count × rate⌉
/// distinct indices (one at least, all at most), drawn from `keccak256(block_hash ‖ placement ‖
/// epoch ‖ keeper ‖ draw)`, in increasing order. Reproducible, and different per keeper.
pub fn sample(proof: &ProvenEpoch, keeper: Address, rate: f64) -> Vec<u64> {
    let count = u64::from(proof.count);
    if count == 0 || rate <= 0.0 {
        return Vec::new();
    }
    let wanted = ((count as f64 * rate).ceil() as u64).clamp(1, count);
    let draw = |i: u64| {
        let mut seed = Vec::with_capacity(32 + 8 + 8 + 20 + 8);
        seed.extend_from_slice(proof.block_hash.as_slice());
        seed.extend_from_slice(&proof.placement.to_be_bytes());
        seed.extend_from_slice(&proof.epoch.to_be_bytes());
        seed.extend_from_slice(keeper.as_slice());
        seed.extend_from_slice(&i.to_be_bytes());
        U256::from_be_bytes(keccak256(&seed).0)
    };
    if wanted * 2 > count {
        // Most leaves: order all of them by their draw and keep the first.
        let mut all: Vec<(U256, u64)> = (0..count).map(|i| (draw(i), i)).collect();
        all.sort_unstable();
        let mut chosen: Vec<u64> = all
            .into_iter()
            .take(wanted as usize)
            .map(|(_, i)| i)
            .collect();
        chosen.sort_unstable();
        return chosen;
    }
    let mut chosen = BTreeSet::new();
    let mut i = 0;
    while (chosen.len() as u64) < wanted {
        chosen.insert((draw(i) % U256::from(count)).to::<u64>());
        i += 1;
    }
    chosen.into_iter().collect()
}

/// What one sampled leaf showed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The leaf is in the root, signed by the provider's worker, and its response is the
    /// function's.
    Correct,
    /// The function answers the request differently than the signed response: fraud, for
    /// `disputeResult`.
    Wrong {
        /// The signed receipt.
        receipt: Receipt,
        /// Its signature.
        signature: Bytes,
        /// The request.
        request: Bytes,
    },
    /// The node did not show the leaf, or what it showed does not hold: for `challengeSample`.
    Unshown(String),
    /// The node could not be reached or timed out (for `challengeSample` too; a verifier
    /// asks it nothing more for a while).
    Unreachable(String),
    /// The function fails on the request on-chain: the court could not referee it either.
    Unrefereeable(String),
}

/// Where things are, for [`check_leaf`].
pub struct Context<'a> {
    /// The chain.
    pub rpc: &'a DynProvider,
    /// Its id.
    pub chain_id: u64,
    /// The market (receipts are signed for it).
    pub market: Address,
    /// The registry (`workerOf`).
    pub registry: Address,
    /// Fetches leaves.
    pub http: &'a reqwest::Client,
}

/// Fetches leaf `index` of `proof` from the node at `url` (the provider's [`node_url`]) and
/// checks it.
pub async fn check_leaf(
    cx: &Context<'_>,
    proof: &ProvenEpoch,
    url: Option<&str>,
    index: u64,
) -> Verdict {
    let Some(url) = url else {
        return Verdict::Unshown("the provider registered no node URL".into());
    };
    let (placement, epoch) = (proof.placement, proof.epoch);
    let leaf_url = format!(
        "{}/v1/proofs/{placement}/{epoch}/{index}",
        url.trim_end_matches('/')
    );
    let shown = match fetch(cx.http, &leaf_url).await {
        Ok(shown) => shown,
        Err(Fetch::Down(why)) => return Verdict::Unreachable(why),
        Err(Fetch::Refused(why)) => return Verdict::Unshown(why),
    };
    let Some((receipt, signature, request, path)) = parse(&shown) else {
        return Verdict::Unshown(format!("{leaf_url} answered something that is not a leaf"));
    };
    if (receipt.placementId, receipt.epoch, receipt.seq) != (placement, epoch, index) {
        return Verdict::Unshown(format!(
            "{leaf_url} showed receipt {} of placement {} epoch {}",
            receipt.seq, receipt.placementId, receipt.epoch
        ));
    }
    let leaf = receipt::digest(receipt::domain_separator(cx.chain_id, cx.market), &receipt);
    let root = merkle::root_from_path(leaf, index, u64::from(proof.count), &path);
    if root != Some(proof.root) {
        return Verdict::Unshown("the leaf's path does not lead to the proven root".into());
    }
    if keccak256(&request) != receipt.requestHash {
        return Verdict::Unshown("the request is not the one the receipt names".into());
    }
    match signer_serves(cx, &receipt, &signature, proof.provider).await {
        Ok(true) => {}
        Ok(false) => return Verdict::Unshown("not signed by a worker of the provider".into()),
        Err(why) => return Verdict::Unrefereeable(why),
    }
    let run = TransactionRequest::default()
        .to(proof.program)
        .input(request.clone().into());
    match cx.rpc.call(run).await {
        Ok(response) if keccak256(&response) == receipt.responseHash => Verdict::Correct,
        Ok(_) => Verdict::Wrong {
            receipt,
            signature,
            request,
        },
        Err(e) => Verdict::Unrefereeable(format!("the function fails on the request: {e}")),
    }
}

/// Why a leaf was not fetched.
enum Fetch {
    /// No answer: refused connection, timeout.
    Down(String),
    /// An answer that is not a leaf.
    Refused(String),
}

async fn fetch(http: &reqwest::Client, url: &str) -> Result<Value, Fetch> {
    let reply = http
        .get(url)
        .send()
        .await
        .map_err(|e| Fetch::Down(format!("{url}: {e}")))?;
    let status = reply.status();
    if !status.is_success() {
        return Err(Fetch::Refused(format!("{url} answered {status}")));
    }
    reply
        .json()
        .await
        .map_err(|e| Fetch::Refused(format!("{url}: {e}")))
}

/// A leaf as the node shows it: receipt, signature, request and path.
fn parse(shown: &Value) -> Option<(Receipt, Bytes, Bytes, Vec<B256>)> {
    let r = &shown["receipt"];
    let hash = |v: &Value| v.as_str()?.parse::<B256>().ok();
    let receipt = Receipt {
        placementId: r["placementId"].as_u64()?,
        epoch: r["epoch"].as_u64()?,
        seq: r["seq"].as_u64()?,
        requestHash: hash(&r["requestHash"])?,
        responseHash: hash(&r["responseHash"])?,
    };
    let bytes = |v: &Value| v.as_str()?.parse::<Bytes>().ok();
    let path = shown["path"]
        .as_array()?
        .iter()
        .map(hash)
        .collect::<Option<Vec<_>>>()?;
    Some((
        receipt,
        bytes(&shown["signature"])?,
        bytes(&shown["request"])?,
        path,
    ))
}

/// Whether `signature` over `receipt` is by `provider` or a worker bound to it.
async fn signer_serves(
    cx: &Context<'_>,
    receipt: &Receipt,
    signature: &Bytes,
    provider: Address,
) -> Result<bool, String> {
    let Ok(signer) = receipts::recover(cx.chain_id, cx.market, receipt, signature) else {
        return Ok(false);
    };
    if signer == provider {
        return Ok(true);
    }
    let call = IRegistry::workerOfCall { worker: signer };
    let bound = view(cx.rpc, cx.registry, call)
        .await
        .map_err(|e| e.to_string())?;
    Ok(bound.provider == provider)
}

/// The node URL `provider` registered (`providerMetadata`), if it is one.
pub async fn node_url(cx: &Context<'_>, provider: Address) -> Result<Option<String>, Error> {
    let call = IRegistry::providerMetadataCall { provider };
    let url = view(cx.rpc, cx.registry, call).await?;
    Ok((url.starts_with("http://") || url.starts_with("https://")).then_some(url))
}

/// Calls the view `call` on `to`.
pub async fn view<C: SolCall>(rpc: &DynProvider, to: Address, call: C) -> Result<C::Return, Error> {
    let tx = TransactionRequest::default()
        .to(to)
        .input(Bytes::from(call.abi_encode()).into());
    let out = rpc.call(tx).await?;
    C::abi_decode_returns(&out).map_err(|e| Error::Rpc(format!("{}: {e}", C::SIGNATURE)))
}

#[cfg(test)]
mod tests {
    use alloy_sol_types::SolValue;

    use super::*;

    fn proof(count: u32) -> ProvenEpoch {
        ProvenEpoch {
            placement: 7,
            epoch: 3,
            root: B256::ZERO,
            count,
            provider: Address::repeat_byte(1),
            program: Address::repeat_byte(2),
            block: 10,
            block_hash: B256::repeat_byte(9),
        }
    }

    #[test]
    fn a_sample_is_reproducible_distinct_and_in_range() {
        let keeper = Address::repeat_byte(4);
        let chosen = sample(&proof(1_000), keeper, 0.01);
        assert_eq!(chosen.len(), 10);
        assert!(chosen.windows(2).all(|w| w[0] < w[1]), "{chosen:?}");
        assert!(chosen.iter().all(|&i| i < 1_000));
        assert_eq!(sample(&proof(1_000), keeper, 0.01), chosen);
    }

    #[test]
    fn two_keepers_sample_differently() {
        let a = sample(&proof(1_000), Address::repeat_byte(4), 0.01);
        let b = sample(&proof(1_000), Address::repeat_byte(5), 0.01);
        assert_ne!(a, b);
    }

    /// The catch rate keeper/README.md predicts: a provider faking 1 % of 1,000 receipts an
    /// epoch is caught in one epoch with probability ≈ 1 − 0.99^50 ≈ 40 % at the default rate.
    /// Over 400 proofs (block hashes and wrong leaves drawn from fixed seeds) the share caught
    /// must be near it.
    #[test]
    fn a_one_percent_cheat_is_caught_at_the_predicted_rate() {
        let keeper = Address::repeat_byte(4);
        let rate = Verify::default().sample_rate;
        let proofs = 400u64;
        let caught = (0..proofs)
            .filter(|&i| {
                let proof = ProvenEpoch {
                    block_hash: keccak256(i.to_be_bytes()),
                    ..proof(1_000)
                };
                // Ten wrong leaves at positions the provider chose (any: the sample is unknown
                // to it until its proof is mined).
                let wrong: BTreeSet<u64> = (0..10u64)
                    .map(|j| {
                        u64::from_be_bytes(keccak256((i, j).abi_encode())[..8].try_into().unwrap())
                            % 1_000
                    })
                    .collect();
                sample(&proof, keeper, rate)
                    .iter()
                    .any(|l| wrong.contains(l))
            })
            .count() as f64;
        let share = caught / proofs as f64;
        assert!((0.33..=0.47).contains(&share), "caught {share}");
    }

    #[test]
    fn a_small_proof_gets_one_leaf_a_full_rate_all_of_them() {
        let keeper = Address::repeat_byte(4);
        assert_eq!(sample(&proof(3), keeper, 0.01).len(), 1);
        assert_eq!(sample(&proof(5), keeper, 1.0), [0, 1, 2, 3, 4]);
        assert_eq!(sample(&proof(8), keeper, 0.75).len(), 6);
        assert!(sample(&proof(0), keeper, 1.0).is_empty());
        assert!(sample(&proof(9), keeper, 0.0).is_empty());
    }
}
