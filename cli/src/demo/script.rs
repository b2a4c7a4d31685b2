//! The scenario: four providers with different regions, prices and capacities, each running a
//! provider node; three developers, each running one of the example functions (a deployment
//! spread across providers, an underfunded one, a cancelled one). Every epoch the developers'
//! users call the functions through the gateway; the nodes answer with signed receipts,
//! persist them and prove each epoch's root and count. One provider's node goes down and is
//! evicted; one starts overcharging and is convicted on a user's receipt (`disputeResult`);
//! an honest node answers a sample challenge. Time moves one epoch at a time; the keeper does
//! the matching, evicting, closing and finalizing.

use std::{
    collections::{BTreeMap, BTreeSet},
    path::Path,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
};

use alloy::providers::Provider;
use alloy_primitives::{Address, Bytes, U256};
use alloy_sol_types::SolEvent;
use anyhow::{Context, Result};
use cloudless_abi::{
    court::ICourt,
    erc20::IStylusToken,
    market::{DeploymentSpec, IMarket, IRegistry},
};
use cloudless_client::proofs::find_proof_ref;

use super::{
    actors::{Actor, Cast},
    fleet::{self, Fleet, Ports},
    progress::line,
    stage::Stage,
    usdc,
    users::{self, Held, Users},
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
    /// The epoch its node goes down in, once it proved the one before; `None`: up to the end.
    down_in: Option<u64>,
}

const OFFERS: [Offer; 4] = [
    Offer {
        region: 0,
        price: 80 * UNIT / 100,
        capacity: 4,
        down_in: None,
    },
    Offer {
        region: 1,
        price: 90 * UNIT / 100,
        capacity: 2,
        down_in: Some(2),
    },
    Offer {
        region: 0,
        price: UNIT,
        capacity: 4,
        down_in: None,
    },
    Offer {
        region: 1,
        price: 105 * UNIT / 100,
        capacity: 4,
        down_in: None,
    },
];

/// A developer's deployment, in [`super::actors::DEVELOPERS`] order.
struct Request {
    what: &'static str,
    /// The example function it runs (`functions/`).
    function: &'static str,
    /// What its users send it every epoch, in order (`{epoch}` is the epoch's number): each
    /// is served and receipted.
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
            r#"{"sku": "gpu", "qty": {epoch}, "region": "eu"}"#,
            r#"{"sku": "cpu-small", "qty": 3{epoch}, "region": "us"}"#,
            r#"{"sku": "cpu-large", "qty": 15{epoch}, "region": "ap"}"#,
            r#"{"sku": "gpu", "qty": 2{epoch}, "region": "us"}"#,
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

/// The epoch in which carol cancels her deployment.
const CANCEL_EPOCH: u64 = 3;
/// The epoch from which charlie's node overcharges (until it is convicted).
const CHEAT_EPOCH: u64 = 2;
/// The epoch in which alice samples a leaf proven by alpha.
const SAMPLE_EPOCH: u64 = 4;
/// The providers whose nodes misbehave, by index: bravo's goes down, charlie's cheats.
const CHEATER: usize = 2;
/// Tokens minted to each developer.
const DEVELOPER_FUNDS: u128 = 100 * UNIT;

/// Plays the round, from minting to the last withdrawal; returns every answer the users hold.
pub async fn play(
    stage: &Stage<'_>,
    cast: &Cast,
    rpc_url: &str,
    folder: &Path,
    ports: Ports,
) -> Result<Vec<Held>> {
    let s = &cast.owner.session;
    let (token, registry) = (s.token(), s.registry());
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
        let url = fleet::node_url(&provider.name);
        let register = IRegistry::registerProviderCall {
            metadataURI: url.clone(),
        };
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
                "{} registered its node at {url}, staked {}, added a worker key and offers {} instances in {} at {} (offer {id})",
                provider.name,
                usdc(min_stake),
                offer.capacity,
                REGIONS[usize::from(offer.region)],
                usdc(offer.price)
            ),
        );
    }
    let cheating = Arc::new(AtomicBool::new(false));
    let cheat = (CHEATER, fleet::overcharging(cheating.clone()));
    let mut fleet = Fleet::start(rpc_url, &s.manifest, cast, folder, ports, cheat).await?;
    line(
        0,
        &format!(
            "{} provider nodes serve (in-process, SQLite receipts); the gateway listens for the users",
            cast.providers.len()
        ),
    );
    let outcome = play_market(stage, cast, &mut fleet, &cheating).await;
    fleet.stop().await?;
    outcome
}

/// From the developers' deployments to the last withdrawal, with the nodes running.
async fn play_market(
    stage: &Stage<'_>,
    cast: &Cast,
    fleet: &mut Fleet,
    cheating: &AtomicBool,
) -> Result<Vec<Held>> {
    let s = &cast.owner.session;
    let (token, market) = (s.token(), s.market());
    let mut deployments = Vec::new();
    let mut functions = Vec::new();
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
        functions.push(Function {
            deployment: id,
            program: function.address,
            calls: request.calls,
        });
    }

    let users = Users::new(fleet.gateway());
    let mut held = Vec::new();
    // Past the spread deployment's end and proof window: anything left unproven is finalizable.
    let last_epoch = REQUESTS[0].duration + s.manifest.market_params.proof_window + 2;
    for epoch in 1..=last_epoch {
        stage.advance_to(epoch).await?;
        fleet.step(cast, epoch).await?;
        stage.settle().await?;
        for (i, (provider, offer)) in cast.providers.iter().zip(&OFFERS).enumerate() {
            if offer.down_in == Some(epoch) {
                fleet.take_down(i).await?;
                line(
                    epoch,
                    &format!(
                        "{}'s node goes down: its placements are no longer served or proven",
                        provider.name
                    ),
                );
            }
        }
        if epoch == CHEAT_EPOCH {
            cheating.store(true, Ordering::Relaxed);
            line(
                epoch,
                &format!(
                    "{}'s node starts overcharging: the quotes it signs double the total",
                    cast.providers[CHEATER].name
                ),
            );
        }
        // The nodes see what the keeper did before the users call.
        fleet.step(cast, epoch).await?;
        let answers = call(stage, cast, &users, &functions, epoch).await?;
        held.extend(answers);
        if epoch == SAMPLE_EPOCH {
            sample(stage, cast, &held, deployments[0], epoch).await?;
            fleet.step(cast, epoch).await?;
            stage.settle().await?;
        }
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

    settle_up(stage, cast, &deployments, last_epoch).await?;
    Ok(held)
}

/// A function program on chain and the requests its users send every epoch.
struct Function {
    deployment: u64,
    program: Address,
    calls: &'static [&'static str],
}

/// Every developer's users call its deployment through the gateway; each answer is checked by
/// running the function, and the first wrong answer of each placement is disputed by the
/// developer. Returns the answers, wrong ones included.
async fn call(
    stage: &Stage<'_>,
    cast: &Cast,
    users: &Users,
    functions: &[Function],
    epoch: u64,
) -> Result<Vec<Held>> {
    let mut answers = Vec::new();
    for (developer, function) in cast.developers.iter().zip(functions) {
        let mut by_provider: BTreeMap<String, u32> = BTreeMap::new();
        let (mut refused, mut wrong) = (BTreeMap::new(), Vec::new());
        for template in function.calls {
            let request = template.replace("{epoch}", &epoch.to_string());
            let answer = users
                .call(function.deployment, Bytes::from(request.into_bytes()))
                .await?;
            let mut held = match answer {
                Ok(held) => held,
                Err(code) => {
                    *refused.entry(code).or_insert(0) += 1;
                    continue;
                }
            };
            *by_provider.entry(cast.name_of(held.provider)).or_default() += 1;
            let correct = users::checks_out(developer, function.program, &held).await?;
            held.correct = Some(correct);
            if !correct {
                wrong.push(held.clone());
            }
            answers.push(held);
        }
        // A deployment that ended has no route: nothing to report.
        if by_provider.is_empty() && refused.keys().all(|code: &String| code == "no_route") {
            continue;
        }
        let served: Vec<String> = by_provider
            .iter()
            .map(|(name, n)| format!("{name} {n}"))
            .collect();
        let refused: Vec<String> = refused
            .iter()
            .map(|(code, n)| format!(", {n} refused ({code})"))
            .collect();
        line(
            epoch,
            &format!(
                "{}'s users called deployment {} through the gateway: {} answered with verified receipts ({}){}; {} checked by re-running the function",
                developer.name,
                function.deployment,
                by_provider.values().sum::<u32>(),
                served.join(", "),
                refused.concat(),
                developer.name,
            ),
        );
        let mut disputed = BTreeSet::new();
        for held in &wrong {
            if disputed.insert(held.receipt.placementId) {
                dispute(stage, cast, developer, held, epoch).await?;
            }
        }
    }
    Ok(answers)
}

/// `developer` disputes `held`, a wrong answer: the court re-runs the function and convicts.
async fn dispute(
    stage: &Stage<'_>,
    cast: &Cast,
    developer: &Actor,
    held: &Held,
    epoch: u64,
) -> Result<()> {
    let market = developer.session.market();
    let sent = stage.send(developer, market, held.dispute()).await?;
    let receipt = developer
        .session
        .client
        .provider
        .get_transaction_receipt(sent.tx_hash)
        .await?
        .context("no receipt for the dispute")?;
    let fraud = receipt
        .logs()
        .iter()
        .find_map(|log| ICourt::FraudProven::decode_log(&log.inner).ok())
        .context("disputeResult convicted no one")?;
    line(
        epoch,
        &format!(
            "{} got a wrong answer from {} (placement {}, receipt {}): disputeResult re-ran the function and convicted {}: {} slashed, {} of it to {}, placement ended",
            developer.name,
            cast.name_of(held.provider),
            held.receipt.placementId,
            held.receipt.seq,
            cast.name_of(held.provider),
            usdc(fraud.slashed),
            usdc(fraud.reward),
            developer.name,
        ),
    );
    Ok(())
}

/// Alice samples the last leaf of alpha's latest proven epoch that answered her
/// (`challengeSample`, bonded); alpha's node must answer it.
async fn sample(
    stage: &Stage<'_>,
    cast: &Cast,
    held: &[Held],
    deployment: u64,
    epoch: u64,
) -> Result<()> {
    let (alice, alpha) = (&cast.developers[0], cast.providers[0].address());
    let s = &alice.session;
    let market = s.market();
    let Some((placement, proven)) = held
        .iter()
        .filter(|h| h.deployment == deployment && h.provider == alpha && h.receipt.epoch < epoch)
        .map(|h| (h.receipt.placementId, h.receipt.epoch))
        .next_back()
    else {
        line(epoch, "alpha never answered alice: nothing to sample");
        return Ok(());
    };
    let from = s.manifest.deploy_block.unwrap_or_default();
    let proof = find_proof_ref(&s.client.provider, market, from, placement, proven).await?;
    let index = u64::from(proof.count.saturating_sub(1));
    let bond = s
        .client
        .view(market, ICourt::courtParamsCall {})
        .await?
        .bond;
    let challenge = ICourt::challengeSampleCall { proof, index };
    stage
        .send_paying(alice, market, U256::from(bond), market, challenge)
        .await?;
    line(
        epoch,
        &format!(
            "alice challenged leaf {index} of alpha's proof of placement {placement} epoch {proven}, bonding {}",
            usdc(bond)
        ),
    );
    Ok(())
}

/// Developers withdraw what their deployments hold; once the held pay has matured (its
/// dispute windows closed), providers, the keeper and the challengers claim.
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
    for actor in cast
        .providers
        .iter()
        .chain([&cast.keeper])
        .chain(&cast.developers)
    {
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
