//! `cloudless provider …`: a capacity provider's actions — registration, stake, worker keys,
//! offers, placements, proofs, exits and claims. Amounts are token base units.

use alloy_primitives::{Address, B256, U256};
use clap::Subcommand;
use cloudless_abi::market::{EpochProof, IMarket, IRegistry};
use serde_json::{Value, json};

use crate::{
    chain::{self, Session, WriteArgs, output, send::Sent},
    token,
};

mod serve;

pub use serve::ServeArgs;

/// `cloudless provider` subcommands.
#[derive(Subcommand)]
pub enum Command {
    /// Register the wallet's account as a provider.
    Register {
        /// Where clients find the provider's details.
        #[arg(long, default_value = "", conflicts_with = "url")]
        metadata: String,
        /// The base URL of the provider's node (`cloudless provider serve`): callers find the
        /// node's API there (docs/provider.md). Stored as the provider's metadata.
        #[arg(long, value_name = "URL")]
        url: Option<String>,
        #[command(flatten)]
        args: WriteArgs,
    },
    /// Run the provider node: serve the provider's placements over HTTP with a signed receipt
    /// per answer, prove every epoch's receipts and answer disputes, until SIGINT or SIGTERM.
    Serve(Box<ServeArgs>),
    /// Add to the stake (approving the registry for the amount first when needed).
    Stake {
        /// How much to add.
        amount: U256,
        #[command(flatten)]
        args: WriteArgs,
    },
    /// Move stake to unbonding; `withdraw-stake` pays it out after the unbonding epochs.
    Unstake {
        /// How much to move.
        amount: U256,
        #[command(flatten)]
        args: WriteArgs,
    },
    /// Withdraw all unbonded stake once unlocked.
    WithdrawStake {
        #[command(flatten)]
        args: WriteArgs,
    },
    /// Worker keys that may submit proofs for the provider.
    #[command(subcommand)]
    Worker(WorkerCommand),
    /// Offers of capacity.
    #[command(subcommand)]
    Offer(OfferCommand),
    /// List a provider's placements and which epochs they can prove now, with its live
    /// instances, fraud convictions, and earnings claimable now and still held (pending) for
    /// disputes.
    Placements {
        /// The provider [default: the wallet's account].
        #[arg(long)]
        provider: Option<Address>,
        #[command(flatten)]
        args: WriteArgs,
    },
    /// Prove completed epochs of a placement (several epochs go in one transaction).
    Prove {
        /// The placement.
        placement: u64,
        /// The epochs to prove, in increasing order.
        #[arg(required = true)]
        epochs: Vec<u64>,
        /// Merkle root of the epoch's signed receipts.
        #[arg(long, default_value_t = B256::ZERO)]
        root: B256,
        /// Number of receipts under the root.
        #[arg(long, default_value_t = 0)]
        count: u32,
        #[command(flatten)]
        args: WriteArgs,
    },
    /// Leave a placement after the notice epochs, or at once with `--now` (slashes the exit
    /// penalty per instance).
    Exit {
        /// The placement.
        placement: u64,
        /// End it now and pay the penalty.
        #[arg(long)]
        now: bool,
        #[command(flatten)]
        args: WriteArgs,
    },
    /// Withdraw everything the market owes the wallet that is claimable now (matured earnings,
    /// keeper fees); reports what stays held (pending) for disputes.
    Claim {
        #[command(flatten)]
        args: WriteArgs,
    },
}

/// `cloudless provider worker` subcommands.
#[derive(Subcommand)]
pub enum WorkerCommand {
    /// Let a key submit proofs for the provider.
    Add {
        /// The worker's address.
        worker: Address,
        #[command(flatten)]
        args: WriteArgs,
    },
    /// Revoke a worker key.
    Remove {
        /// The worker's address.
        worker: Address,
        #[command(flatten)]
        args: WriteArgs,
    },
}

/// An offer's id and the wallet that signs.
#[derive(clap::Args)]
pub struct OfferId {
    /// The offer.
    offer: u64,
    #[command(flatten)]
    args: WriteArgs,
}

/// `cloudless provider offer` subcommands.
#[derive(Subcommand)]
pub enum OfferCommand {
    /// Offer capacity at a price per instance and epoch; prints the offer id.
    Create {
        /// CPU per instance, thousandths of a core.
        #[arg(long, default_value_t = 1_000)]
        cpu_milli: u32,
        /// Memory per instance, MiB.
        #[arg(long, default_value_t = 512)]
        mem_mib: u32,
        /// Region code (the bit index deployments select with their regions).
        #[arg(long, default_value_t = 0)]
        region: u8,
        /// Service tier.
        #[arg(long, default_value_t = 0)]
        tier: u8,
        /// Price per instance and epoch.
        #[arg(long)]
        price: u128,
        /// Instances it can host.
        #[arg(long)]
        capacity: u32,
        #[command(flatten)]
        args: WriteArgs,
    },
    /// Change an offer's price (future placements only) and capacity; what is not given stays.
    Update {
        /// The offer.
        offer: u64,
        /// New price per instance and epoch.
        #[arg(long)]
        price: Option<u128>,
        /// New capacity (not below the instances in use).
        #[arg(long)]
        capacity: Option<u32>,
        #[command(flatten)]
        args: WriteArgs,
    },
    /// Stop taking new placements (running ones continue).
    Pause(OfferId),
    /// Take new placements again.
    Resume(OfferId),
    /// Close the offer for good (running placements continue).
    Close(OfferId),
}

/// Runs a `provider` subcommand.
pub fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Register {
            metadata,
            url,
            args,
        } => {
            let metadata = match url {
                Some(url) => serve::base_url(&url)?,
                None => metadata,
            };
            let summary = json!({ "metadata": metadata });
            let call = IRegistry::registerProviderCall {
                metadataURI: metadata,
            };
            chain::send_one(args, Session::registry, call, summary)
        }
        Command::Serve(args) => serve::run(*args),
        Command::Stake { amount, args } => chain::write(args, move |s| stake(s, amount)),
        Command::Unstake { amount, args } => {
            let call = IRegistry::requestUnstakeCall { amount };
            chain::send_one(args, Session::registry, call, json!({}))
        }
        Command::WithdrawStake { args } => {
            let call = IRegistry::withdrawStakeCall {};
            chain::send_one(args, Session::registry, call, json!({}))
        }
        Command::Worker(WorkerCommand::Add { worker, args }) => {
            let call = IRegistry::addWorkerCall { worker };
            chain::write(args, move |s| send_worker(s, worker, call))
        }
        Command::Worker(WorkerCommand::Remove { worker, args }) => {
            let call = IRegistry::removeWorkerCall { worker };
            chain::write(args, move |s| send_worker(s, worker, call))
        }
        Command::Offer(command) => offer(command),
        Command::Placements { provider, args } => {
            chain::read(args, move |s| placements(s, provider))
        }
        Command::Prove {
            placement,
            epochs,
            root,
            count,
            args,
        } => chain::write(args, move |s| prove(s, placement, epochs, root, count)),
        Command::Exit {
            placement,
            now,
            args,
        } => chain::write(args, move |s| async move {
            let market = s.market();
            let sent = if now {
                let call = IMarket::exitPlacementNowCall {
                    placementId: placement,
                };
                s.client.send(market, call).await?
            } else {
                let call = IMarket::exitPlacementCall {
                    placementId: placement,
                };
                s.client.send(market, call).await?
            };
            finish(&s, vec![sent], json!({}))
        }),
        Command::Claim { args } => chain::write(args, |s| async move {
            let sent = s.client.send(s.market(), IMarket::claimCall {}).await?;
            let amount = sent
                .event("Claimed")
                .and_then(|event| event.fields.get("amount").cloned());
            let left = Earnings::of(&s, s.client.sender()?).await?;
            let extra = json!({ "claimed": amount, "pending": left.pending.to_string() });
            finish(&s, vec![sent], extra)
        }),
    }
}

/// An account's earnings in the market: claimable now, and held until their dispute windows
/// close.
struct Earnings {
    claimable: U256,
    pending: U256,
}

impl Earnings {
    async fn of(s: &Session, account: Address) -> anyhow::Result<Self> {
        let market = s.market();
        Ok(Self {
            claimable: s
                .client
                .view(market, IMarket::claimableCall { account })
                .await?,
            pending: s
                .client
                .view(market, IMarket::pendingCall { account })
                .await?,
        })
    }
}

/// Reports the transactions `sent` and the `extra` fields.
fn finish(s: &Session, sent: Vec<Sent>, extra: Value) -> anyhow::Result<()> {
    output::report(s.json, &sent, extra);
    Ok(())
}

/// Sends a worker change and reports the key's binding after it (a key stays bound to its
/// first provider for good; `active` says whether it may still prove).
async fn send_worker<C>(s: Session, worker: Address, call: C) -> anyhow::Result<()>
where
    C: alloy_sol_types::SolCall + Send + 'static,
{
    let sent = s.client.send(s.registry(), call).await?;
    let bound = s
        .client
        .view(s.registry(), IRegistry::workerOfCall { worker })
        .await?;
    let extra = json!({
        "worker": worker.to_string(),
        "bound_to": bound.provider.to_string(),
        "active": bound.active,
    });
    finish(&s, vec![sent], extra)
}

async fn stake(s: Session, amount: U256) -> anyhow::Result<()> {
    let call = IRegistry::stakeCall { amount };
    let sent = token::send_paying(&s, s.registry(), amount, s.registry(), call).await?;
    let info = s
        .client
        .view(
            s.registry(),
            IRegistry::providerCall {
                provider: s.client.sender()?,
            },
        )
        .await?;
    finish(&s, sent, json!({ "stake": info.stake.to_string() }))
}

fn offer(command: OfferCommand) -> anyhow::Result<()> {
    match command {
        OfferCommand::Create {
            cpu_milli,
            mem_mib,
            region,
            tier,
            price,
            capacity,
            args,
        } => chain::write(args, move |s| async move {
            let call = IRegistry::createOfferCall {
                cpuMilli: cpu_milli,
                memMiB: mem_mib,
                region,
                tier,
                token: s.token(),
                pricePerInstanceEpoch: price,
                capacity,
            };
            let sent = s.client.send(s.registry(), call).await?;
            let id = sent
                .event("OfferCreated")
                .and_then(|event| event.fields.get("offer_id").cloned());
            finish(&s, vec![sent], json!({ "offer_id": id }))
        }),
        OfferCommand::Update {
            offer,
            price,
            capacity,
            args,
        } => chain::write(args, move |s| async move {
            let current = s
                .client
                .view(s.registry(), IRegistry::offerCall { offerId: offer })
                .await?;
            let call = IRegistry::updateOfferCall {
                offerId: offer,
                pricePerInstanceEpoch: price.unwrap_or(current.pricePerInstanceEpoch),
                capacity: capacity.unwrap_or(current.capacity),
            };
            let sent = s.client.send(s.registry(), call).await?;
            finish(&s, vec![sent], json!({}))
        }),
        OfferCommand::Pause(id) => set_paused(id, true),
        OfferCommand::Resume(id) => set_paused(id, false),
        OfferCommand::Close(OfferId { offer, args }) => {
            let call = IRegistry::closeOfferCall { offerId: offer };
            chain::send_one(args, Session::registry, call, json!({ "offer_id": offer }))
        }
    }
}

fn set_paused(OfferId { offer, args }: OfferId, paused: bool) -> anyhow::Result<()> {
    chain::write(args, move |s| async move {
        let call = IRegistry::setOfferPausedCall {
            offerId: offer,
            paused,
        };
        let sent = s.client.send(s.registry(), call).await?;
        finish(&s, vec![sent], json!({}))
    })
}

async fn placements(s: Session, provider: Option<Address>) -> anyhow::Result<()> {
    let provider = chain::account_or_wallet(&s, provider, "--provider")?;
    let market = s.market();
    let epoch = s.client.view(market, IMarket::currentEpochCall {}).await?;
    let registry = s.registry();
    let live = s
        .client
        .view(registry, IRegistry::liveInstancesCall { provider })
        .await?;
    let frauds = s
        .client
        .view(registry, IRegistry::fraudsCall { provider })
        .await?;
    let earnings = Earnings::of(&s, provider).await?;
    let proof_window = s
        .client
        .view(market, IMarket::paramsCall {})
        .await?
        .proofWindow;
    let count = s
        .client
        .view(market, IMarket::placementCountCall {})
        .await?;
    let mut rows = Vec::new();
    for id in 1..=count {
        let p = s
            .client
            .view(market, IMarket::placementCall { placementId: id })
            .await?;
        if p.provider != provider {
            continue;
        }
        let end = (p.endEpoch != u64::MAX).then_some(p.endEpoch);
        // Epochs after the last proven one that are over, not past the end and still inside
        // the proof window can be proven.
        let provable_to = epoch
            .checked_sub(1)
            .map(|last| end.map_or(last, |end| last.min(end)));
        let provable_from = (p.lastProven + 1).max(epoch.saturating_sub(proof_window));
        let provable = match provable_to {
            Some(to) if p.live && to >= provable_from => Some((provable_from, to)),
            _ => None,
        };
        rows.push(json!({
            "placement_id": id,
            "deployment_id": p.deploymentId,
            "offer_id": p.offerId,
            "instances": p.instances,
            "price": p.price.to_string(),
            "start_epoch": p.startEpoch,
            "last_proven": p.lastProven,
            "end_epoch": end,
            "misses": p.misses,
            "live": p.live,
            "provable": provable.map(|(from, to)| json!([from, to])),
        }));
    }
    if s.json {
        output::print_json(&json!({
            "provider": provider.to_string(),
            "current_epoch": epoch,
            "live_instances": live,
            "frauds": frauds,
            "claimable": earnings.claimable.to_string(),
            "pending": earnings.pending.to_string(),
            "placements": rows,
        }));
        return Ok(());
    }
    println!(
        "provider {provider}, current epoch {epoch}, {live} live instances, {frauds} fraud convictions; claimable {}, pending {} (held until the dispute windows close)",
        earnings.claimable, earnings.pending
    );
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|row| {
            [
                "placement_id",
                "deployment_id",
                "offer_id",
                "instances",
                "price",
                "start_epoch",
                "last_proven",
                "end_epoch",
                "misses",
                "live",
                "provable",
            ]
            .iter()
            .map(|key| output::plain(&row[*key]))
            .collect()
        })
        .collect();
    output::table(
        &[
            "id",
            "deployment",
            "offer",
            "inst",
            "price",
            "start",
            "proven",
            "end",
            "misses",
            "live",
            "provable",
        ],
        &cells,
    );
    Ok(())
}

async fn prove(
    s: Session,
    placement: u64,
    epochs: Vec<u64>,
    root: B256,
    count: u32,
) -> anyhow::Result<()> {
    let market = s.market();
    let sent = match epochs.as_slice() {
        [epoch] => {
            let call = IMarket::submitProofCall {
                placementId: placement,
                epoch: *epoch,
                receiptsRoot: root,
                count,
            };
            s.client.send(market, call).await?
        }
        _ => {
            let proofs = epochs
                .iter()
                .map(|&epoch| EpochProof {
                    placementId: placement,
                    epoch,
                    receiptsRoot: root,
                    count,
                })
                .collect();
            s.client
                .send(market, IMarket::submitProofsCall { proofs })
                .await?
        }
    };
    let paid: U256 = sent
        .events
        .iter()
        .filter_map(|event| event.fields.get("paid")?.as_str()?.parse::<U256>().ok())
        .sum();
    finish(&s, vec![sent], json!({ "paid": paid.to_string() }))
}

#[cfg(test)]
mod cli_tests {
    use clap::Subcommand;

    #[test]
    fn flags_are_consistent() {
        super::Command::augment_subcommands(clap::Command::new("provider")).debug_assert();
    }
}
