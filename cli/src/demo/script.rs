//! The scenario: four providers with different regions, prices and capacities; three
//! developers, each running one of the example functions (a deployment spread across
//! providers, an underfunded one, a cancelled one); one provider that stops proving. Every
//! proven placement-epoch is real work: the provider's worker serves the function's requests
//! (an `eth_call` to the function's program, the executor a provider node runs), signs a
//! receipt for each and proves their Merkle root and count. Time moves one epoch at a time; the
//! keeper does the matching, evicting, closing and finalizing.

use std::collections::BTreeMap;

use alloy::{network::TransactionBuilder, providers::Provider, rpc::types::TransactionRequest};
use alloy_primitives::{Address, Bytes, U256};
use anyhow::{Context, Result};
use cloudless_abi::{
    erc20::IStylusToken,
    market::{DeploymentSpec, EpochProof, IMarket, IRegistry, Placement},
};
use cloudless_client::receipts;

use super::{
    actors::{Actor, Cast},
    progress::line,
    stage::Stage,
    usdc,
};
use crate::developer::region_mask;

/// One token in base units (6 decimals).
const UNIT: u128 = 1_000_000;

/// Region names by code.
pub const REGIONS: [&str; 2] = ["eu-west", "us-east"];

/// A provider's offer and reliability, in [`super::actors::PROVIDERS`] order.
struct Offer {
    region: u8,
    price: u128,
    capacity: u32,
    /// The last epoch it proves (its workers go down after it); `None`: proves to the end.
    proves_until: Option<u64>,
}

const OFFERS: [Offer; 4] = [
    Offer {
        region: 0,
        price: 80 * UNIT / 100,
        capacity: 4,
        proves_until: None,
    },
    Offer {
        region: 1,
        price: 90 * UNIT / 100,
        capacity: 2,
        proves_until: Some(1),
    },
    Offer {
        region: 0,
        price: UNIT,
        capacity: 4,
        proves_until: None,
    },
    Offer {
        region: 1,
        price: 105 * UNIT / 100,
        capacity: 4,
        proves_until: None,
    },
];

/// A developer's deployment, in [`super::actors::DEVELOPERS`] order.
struct Request {
    what: &'static str,
    /// The example function it runs (`functions/`).
    function: &'static str,
    /// What its users send it every epoch, in order: each is served and receipted.
    calls: &'static [&'static str],
    instances: u32,
    regions: &'static [u8],
    max_price: u128,
    max_per_provider: u32,
    duration: u64,
    deposit: u128,
}

const REQUESTS: [Request; 3] = [
    Request {
        what: "an API spread over providers",
        function: "quote-api",
        calls: &[
            r#"{"sku": "gpu", "qty": 12, "region": "eu"}"#,
            r#"{"sku": "cpu-small", "qty": 3, "region": "us"}"#,
            r#"{"sku": "cpu-large", "qty": 150, "region": "ap"}"#,
        ],
        instances: 6,
        regions: &[0, 1],
        max_price: 110 * UNIT / 100,
        max_per_provider: 2,
        duration: 8,
        deposit: 60 * UNIT,
    },
    Request {
        what: "a queue worker funded for two epochs",
        function: "csv-stats",
        calls: &["a,b\n1,2\n3,4", "10,20,30", "5\n-3\n8\n0"],
        instances: 2,
        regions: &[0],
        max_price: UNIT,
        max_per_provider: 2,
        duration: 0,
        deposit: 4 * UNIT,
    },
    Request {
        what: "a cron job, cancelled later",
        function: "notify",
        calls: &[
            "name=Ada\n---\nHi {{name}}, your report is ready.",
            "name=Grace\nplan=Pro\n---\nHi {{name}}, your {{plan}} plan renews tomorrow.",
        ],
        instances: 1,
        regions: &[1],
        max_price: 150 * UNIT / 100,
        max_per_provider: 1,
        duration: 0,
        deposit: 10 * UNIT,
    },
];

/// The example functions the developers run.
pub fn functions() -> impl Iterator<Item = &'static str> {
    REQUESTS.iter().map(|request| request.function)
}

/// A function program on chain and the requests its users send every epoch.
struct Function {
    program: Address,
    calls: &'static [&'static str],
}

/// The epoch in which carol cancels her deployment.
const CANCEL_EPOCH: u64 = 3;
/// Tokens minted to each developer.
const DEVELOPER_FUNDS: u128 = 100 * UNIT;

/// Plays the round, from minting to the last withdrawal.
pub async fn play(stage: &Stage<'_>, cast: &Cast) -> Result<()> {
    let s = &cast.owner.session;
    let (token, registry, market) = (s.token(), s.registry(), s.market());
    let min_stake = U256::from(s.manifest.registry_params.min_stake);
    let mint = |to: &Actor, amount: U256| IStylusToken::mintCall {
        to: to.address(),
        amount,
    };
    for provider in &cast.providers {
        stage
            .send(&cast.owner, token, mint(provider, min_stake))
            .await?;
    }
    for developer in &cast.developers {
        let call = mint(developer, U256::from(DEVELOPER_FUNDS));
        stage.send(&cast.owner, token, call).await?;
    }
    line(
        0,
        &format!(
            "owner minted {} TestUSDC to each provider and {} to each developer",
            usdc(min_stake),
            usdc(DEVELOPER_FUNDS)
        ),
    );

    for ((provider, worker), offer) in cast.providers.iter().zip(&cast.workers).zip(&OFFERS) {
        let uri = format!("https://{}.example/cloudless.json", provider.name);
        let register = IRegistry::registerProviderCall { metadataURI: uri };
        stage.send(provider, registry, register).await?;
        let stake = IRegistry::stakeCall { amount: min_stake };
        stage
            .send_paying(provider, registry, min_stake, registry, stake)
            .await?;
        let add = IRegistry::addWorkerCall {
            worker: worker.address(),
        };
        stage.send(provider, registry, add).await?;
        let create = IRegistry::createOfferCall {
            cpuMilli: 2_000,
            memMiB: 4_096,
            region: offer.region,
            tier: 0,
            token,
            pricePerInstanceEpoch: offer.price,
            capacity: offer.capacity,
        };
        let id = stage
            .send(provider, registry, create)
            .await?
            .event_id("OfferCreated", "offer_id")?;
        line(
            0,
            &format!(
                "{} registered, staked {}, added a worker key and offers {} instances in {} at {} (offer {id})",
                provider.name,
                usdc(min_stake),
                offer.capacity,
                REGIONS[usize::from(offer.region)],
                usdc(offer.price)
            ),
        );
    }

    let mut deployments = Vec::new();
    let mut functions = BTreeMap::new();
    for (developer, request) in cast.developers.iter().zip(&REQUESTS) {
        let function = stage.deploy_function(developer, request.function).await?;
        line(
            0,
            &format!(
                "{} deployed the {} function (a Stylus program, activated) at {}",
                developer.name, request.function, function.address
            ),
        );
        let spec = DeploymentSpec {
            program: function.address,
            artifact: function.code_hash,
            instances: request.instances,
            minInstances: 1,
            cpuMilli: 1_000,
            memMiB: 512,
            regionMask: region_mask(request.regions, false),
            minTier: 0,
            token,
            maxPricePerInstanceEpoch: request.max_price,
            maxPerProvider: request.max_per_provider,
            durationEpochs: request.duration,
        };
        let deposit = U256::from(request.deposit);
        let regions: Vec<&str> = request
            .regions
            .iter()
            .map(|&r| REGIONS[usize::from(r)])
            .collect();
        let duration = match request.duration {
            0 => "until cancelled".to_owned(),
            epochs => format!("for {epochs} epochs"),
        };
        line(
            0,
            &format!(
                "{} asks for {}: {} instance(s) in {} at most {} each, at most {} per provider, {duration}, deposit {}",
                developer.name,
                request.what,
                request.instances,
                regions.join("/"),
                usdc(request.max_price),
                request.max_per_provider,
                usdc(deposit)
            ),
        );
        let create = IMarket::createDeploymentCall { spec, deposit };
        let sent = stage
            .send_paying(developer, market, deposit, market, create)
            .await?;
        let id = sent
            .last()
            .map(|tx| tx.event_id("DeploymentCreated", "deployment_id"))
            .transpose()?
            .unwrap_or_default();
        deployments.push(id);
        let function = Function {
            program: function.address,
            calls: request.calls,
        };
        functions.insert(id, function);
    }

    // Past the spread deployment's end and proof window: anything left unproven is finalizable.
    let last_epoch = REQUESTS[0].duration + s.manifest.market_params.proof_window + 2;
    for epoch in 1..=last_epoch {
        stage.advance_to(epoch).await?;
        prove(stage, cast, &functions, epoch).await?;
        if epoch == CANCEL_EPOCH {
            let carol = &cast.developers[2];
            let cancel = IMarket::cancelCall {
                deploymentId: deployments[2],
            };
            let sent = stage.send(carol, market, cancel).await?;
            let end = sent
                .event("DeploymentCancelled")
                .and_then(|e| e.fields.get("end_epoch").cloned());
            line(
                epoch,
                &format!(
                    "carol cancelled deployment {}: it ends after epoch {}",
                    deployments[2],
                    end.unwrap_or_default()
                ),
            );
        }
    }

    settle_up(stage, cast, &deployments, last_epoch).await
}

/// Each provider's worker proves every epoch it can, in one `submitProofs`: for each
/// placement-epoch it serves the function's requests, signs their receipts and proves their
/// root and count. A provider past its `proves_until` stays silent.
async fn prove(
    stage: &Stage<'_>,
    cast: &Cast,
    functions: &BTreeMap<u64, Function>,
    epoch: u64,
) -> Result<()> {
    let s = &cast.owner.session;
    let market = s.market();
    let window = s.manifest.market_params.proof_window;
    let count = s
        .client
        .view(market, IMarket::placementCountCall {})
        .await?;
    let mut live: BTreeMap<_, Vec<(u64, Placement, u64)>> = BTreeMap::new();
    for id in 1..=count {
        let p = s
            .client
            .view(market, IMarket::placementCall { placementId: id })
            .await?;
        if p.live {
            let deployment = IMarket::deploymentStateCall {
                deploymentId: p.deploymentId,
            };
            let end = s
                .client
                .view(market, deployment)
                .await?
                .endEpoch
                .min(p.endEpoch);
            live.entry(p.provider).or_default().push((id, p, end));
        }
    }
    for ((provider, worker), offer) in cast.providers.iter().zip(&cast.workers).zip(&OFFERS) {
        let Some(placements) = live.get(&provider.address()) else {
            continue;
        };
        let last = offer.proves_until.unwrap_or(u64::MAX);
        let mut proofs = Vec::new();
        for (id, p, end) in placements {
            let function = functions
                .get(&p.deploymentId)
                .with_context(|| format!("deployment {} runs no known function", p.deploymentId))?;
            let from = (p.lastProven + 1).max(epoch.saturating_sub(window));
            let to = (*end).min(epoch - 1).min(last);
            for e in from..=to {
                let served = serve(worker, *id, e, function).await?;
                proofs.push(EpochProof {
                    placementId: *id,
                    epoch: e,
                    receiptsRoot: served.root(),
                    count: served.count(),
                });
            }
        }
        if proofs.is_empty() {
            if offer.proves_until.is_some_and(|until| epoch > until + 1) {
                line(
                    epoch,
                    &format!("{} sends no proof: its workers are down", provider.name),
                );
            }
            continue;
        }
        let n = proofs.len();
        let receipts: u32 = proofs.iter().map(|proof| proof.count).sum();
        let sent = stage
            .send(worker, market, IMarket::submitProofsCall { proofs })
            .await?;
        let sum = |field: &str| -> U256 {
            sent.events
                .iter()
                .filter_map(|e| e.fields.get(field)?.as_str()?.parse::<U256>().ok())
                .sum()
        };
        line(
            epoch,
            &format!(
                "{} served {receipts} requests with signed receipts and proved {n} placement-epoch(s) by their roots: {} held for {}, {} fees",
                worker.name,
                usdc(sum("paid")),
                provider.name,
                usdc(sum("fee"))
            ),
        );
    }
    Ok(())
}

/// What `worker` serves for placement `placement` in `epoch`: every request of `function`
/// answered by its program (`eth_call`: the same executor a provider node runs), each with a
/// signed receipt, in order.
async fn serve(
    worker: &Actor,
    placement: u64,
    epoch: u64,
    function: &Function,
) -> Result<receipts::Epoch> {
    let client = &worker.session.client;
    let market = worker.session.market();
    let mut served = receipts::Epoch::new(client.chain_id, market, placement, epoch);
    for call in function.calls {
        let request = Bytes::from_static(call.as_bytes());
        let tx = TransactionRequest::default()
            .with_to(function.program)
            .with_input(request.clone());
        let response = client
            .provider
            .call(tx)
            .await
            .with_context(|| format!("serving {call:?} on {}", function.program))?;
        served.record(&worker.signer, request, response);
    }
    Ok(served)
}

/// Developers withdraw what their deployments hold; once the held pay has matured (its
/// dispute windows closed), providers and the keeper claim.
async fn settle_up(stage: &Stage<'_>, cast: &Cast, deployments: &[u64], epoch: u64) -> Result<()> {
    let market = cast.owner.session.market();
    for (developer, &id) in cast.developers.iter().zip(deployments) {
        let client = &developer.session.client;
        let state = client
            .view(market, IMarket::deploymentStateCall { deploymentId: id })
            .await?;
        let reserve = client
            .view(market, IMarket::reserveCall { deploymentId: id })
            .await?;
        let amount = state.balance.saturating_sub(reserve);
        if !amount.is_zero() {
            let withdraw = IMarket::withdrawCall {
                deploymentId: id,
                amount,
            };
            stage.send(developer, market, withdraw).await?;
            line(
                epoch,
                &format!(
                    "{} withdrew {} left in deployment {id}",
                    developer.name,
                    usdc(amount)
                ),
            );
        }
    }

    // Pay proven in epoch p matures by p + 2 × (disputeWindow + responseWindow + 2).
    let court = &cast.owner.session.manifest.court_params;
    let matured = epoch + 2 * (court.dispute_window + court.response_window + 2);
    stage.advance_to(matured).await?;
    line(
        matured,
        "the dispute windows of every proof have closed: held pay is claimable",
    );
    for actor in cast.providers.iter().chain([&cast.keeper]) {
        let claimable = IMarket::claimableCall {
            account: actor.address(),
        };
        let amount = actor.session.client.view(market, claimable).await?;
        if !amount.is_zero() {
            stage.send(actor, market, IMarket::claimCall {}).await?;
            line(matured, &format!("{} claimed {}", actor.name, usdc(amount)));
        }
    }
    Ok(())
}
