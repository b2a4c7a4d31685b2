//! Proof traffic for `cloudless bench devnode` (one `submitProof` a transaction) and the
//! history `cloudless bench audit` replays (`submitProofs` batches): a marketplace with enough
//! live placements that every client proves its own placements, two epochs each.

use alloy::{
    primitives::{Bytes, U256},
    providers::Provider,
    signers::local::PrivateKeySigner,
};
use alloy_sol_types::SolCall;
use anyhow::{Context, Result};
use cloudless_abi::{
    events::Sources,
    market::{EpochProof, IMarket, IRegistry, MatchPair},
};
use cloudless_client::receipts::Epoch;

use super::{
    devnode::{Call, Throughput, measure, sign},
    provider::StakedProvider,
};
use crate::chain::{
    Client,
    client::{RpcArgs, WalletArgs},
};

/// Gas limit of one benchmark `submitProof` (it uses about 85k; the first of a deployment more).
const PROOF_GAS: u64 = 300_000;
/// Offers the provider opens; each deployment takes one instance of every offer.
const MAX_OFFERS: u64 = 50;
/// Price per instance-epoch (base units).
const PRICE: u128 = 1_000_000;

/// The proofs sent.
pub(super) struct Proven {
    /// How fast the node took them.
    pub throughput: Throughput,
    /// The marketplace's contracts.
    pub sources: Sources,
    /// The first block that can hold a proof (the ones before set the marketplace up).
    pub first_block: u64,
}

/// A live placement the benchmark proves.
struct Placement {
    id: u64,
    start: u64,
}

/// Sets up a marketplace on `url` with `signers[0]` as owner, provider and developer and the
/// next `clients` signers as the provider's workers, then measures `proofs` proofs sent by the
/// workers at once, `per_tx` to a transaction (`submitProof` when 1, else `submitProofs`).
pub(super) async fn run(
    url: &str,
    signers: &[PrivateKeySigner],
    clients: usize,
    proofs: usize,
    per_tx: usize,
) -> Result<Proven> {
    let workers = &signers[1..=clients];
    let (sources, placements) = open_placements(url, &signers[0], workers, proofs.div_ceil(2))
        .await
        .context("setting up the marketplace for the proof benchmark")?;
    let market = sources.market;
    let client = Client::connect(&rpc(url), &WalletArgs::default()).await?;
    let mut batches: Vec<Vec<Bytes>> = vec![Vec::new(); clients];
    for (worker, signer) in workers.iter().enumerate() {
        // A real epoch per proof: one answer whose receipt the worker signs.
        let proven: Vec<EpochProof> = placements
            .iter()
            .skip(worker)
            .step_by(clients)
            .flat_map(|placement| [placement.start, placement.start + 1].map(|e| (placement.id, e)))
            .map(|(placement, epoch)| {
                let mut served = Epoch::new(client.chain_id, market, placement, epoch);
                served.record(
                    signer,
                    Bytes::from_static(b"request"),
                    Bytes::from_static(b"response"),
                );
                EpochProof {
                    placementId: placement,
                    epoch,
                    receiptsRoot: served.root(),
                    count: served.count(),
                }
            })
            .collect();
        let first_nonce = client
            .provider
            .get_transaction_count(signer.address())
            .await?;
        for (nonce, chunk) in (first_nonce..).zip(proven.chunks(per_tx.max(1))) {
            let data = match chunk {
                [one] => IMarket::submitProofCall {
                    placementId: one.placementId,
                    epoch: one.epoch,
                    receiptsRoot: one.receiptsRoot,
                    count: one.count,
                }
                .abi_encode(),
                many => IMarket::submitProofsCall {
                    proofs: many.to_vec(),
                }
                .abi_encode(),
            };
            let call = Call {
                to: market,
                data: data.into(),
                value: U256::ZERO,
                gas_limit: PROOF_GAS * chunk.len() as u64,
            };
            batches[worker].push(sign(signer, client.chain_id, nonce, &call)?);
        }
    }
    batches.retain(|batch| !batch.is_empty());
    let kind = if per_tx > 1 {
        "submitProofs"
    } else {
        "submitProof"
    };
    let first_block = client.provider.get_block_number().await? + 1;
    Ok(Proven {
        throughput: measure(url, kind, batches).await?,
        sources,
        first_block,
    })
}

fn rpc(url: &str) -> RpcArgs {
    RpcArgs {
        rpc_url: url.to_owned(),
        json: true,
    }
}

/// Deploys the marketplace, registers `owner` as a provider with `workers`, opens offers and
/// matches deployments until there are `wanted` placements, then moves time on until each
/// placement's first two epochs can be proven. Returns the marketplace's contracts and the
/// placements.
async fn open_placements(
    url: &str,
    owner: &PrivateKeySigner,
    workers: &[PrivateKeySigner],
    wanted: usize,
) -> Result<(Sources, Vec<Placement>)> {
    let manifests = tempfile::tempdir()?;
    let offers = MAX_OFFERS.min(wanted as u64);
    let deployments = (wanted as u64).div_ceil(offers);
    let deposit = U256::from(PRICE * u128::from(offers) * 10);
    let provider = StakedProvider::open(
        url,
        owner,
        manifests.path(),
        deposit * U256::from(deployments),
    )
    .await?;
    let (client, marketplace) = (&provider.client, &provider.marketplace);
    let (registry, market) = (marketplace.registry, marketplace.market);
    for worker in workers {
        let add = IRegistry::addWorkerCall {
            worker: worker.address(),
        };
        client.send(registry, add).await?;
    }
    let mut offer_ids = Vec::new();
    for _ in 0..offers {
        offer_ids.push(provider.offer(PRICE, u32::try_from(deployments)?).await?);
    }
    let mut placements = Vec::new();
    for _ in 0..deployments {
        let mut spec = marketplace.request(u32::try_from(offers)?, PRICE);
        spec.maxPerProvider = spec.instances;
        let create = IMarket::createDeploymentCall { spec, deposit };
        let sent = client.send(market, create).await?;
        let deployment = sent.event_id("DeploymentCreated", "deployment_id")?;
        let pairs = offer_ids
            .iter()
            .map(|&offer_id| MatchPair {
                offerId: offer_id,
                instances: 1,
                price: PRICE,
            })
            .collect();
        let matched = IMarket::matchDeploymentCall {
            deploymentId: deployment,
            pairs,
        };
        let sent = client.send(market, matched).await?;
        let first = sent.event_id("PlacementCreated", "placement_id")?;
        let start = client
            .view(market, IMarket::placementCall { placementId: first })
            .await?
            .startEpoch;
        placements.extend((first..first + offers).map(|id| Placement { id, start }));
    }
    placements.truncate(wanted);
    let latest_start = placements.iter().map(|p| p.start).max().unwrap_or_default();
    let now = client.view(market, IMarket::currentEpochCall {}).await?;
    let seconds = (latest_start + 2 - now) * provider.manifest.epoch_length;
    client
        .provider
        .raw_request::<_, serde_json::Value>("evm_increaseTime".into(), (seconds,))
        .await?;
    client
        .provider
        .raw_request::<_, serde_json::Value>("evm_mine".into(), ())
        .await?;
    Ok((provider.manifest.sources()?, placements))
}
