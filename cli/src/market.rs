//! `cloudless market …`: read-only views of the marketplace (offers, deployments, parameters
//! and the epoch clock), plus the actions anyone may take that the keeper automates: `match`,
//! `evict`, `finalize` and `close`.

use alloy_primitives::Address;
use anyhow::Context;
use clap::Subcommand;
use cloudless_abi::{
    clock::epoch_start,
    market::{IGoverned, IMarket, IRegistry, MatchPair},
};
use serde_json::json;

use crate::{
    chain::{self, Session, WriteArgs, output},
    developer,
};

/// `cloudless market` subcommands.
#[derive(Subcommand)]
pub enum Command {
    /// List offers (open ones only unless `--all`).
    Offers {
        /// Include paused and closed offers.
        #[arg(long)]
        all: bool,
        /// Only this provider's.
        #[arg(long)]
        provider: Option<Address>,
        #[command(flatten)]
        args: WriteArgs,
    },
    /// List deployments (every one unless `--owner`).
    Deployments {
        /// Only this owner's.
        #[arg(long)]
        owner: Option<Address>,
        #[command(flatten)]
        args: WriteArgs,
    },
    /// Show the addresses, parameters, the current epoch and when the next one starts.
    Params {
        #[command(flatten)]
        args: WriteArgs,
    },
    /// Place instances of a deployment on offers (`matchDeployment`); the sender earns the
    /// keeper fee.
    Match {
        /// The deployment.
        #[arg(long)]
        deployment: u64,
        /// `OFFER_ID:INSTANCES[:PRICE]` pairs, e.g. `--offer 1:2 --offer 4:1:1500000`. The
        /// match holds each offer to PRICE (its current price when omitted): a provider that
        /// reprices in between makes it revert `PriceChanged`.
        #[arg(long = "offer", required = true, value_parser = parse_pair)]
        offers: Vec<(u64, u32, Option<u128>)>,
        #[command(flatten)]
        args: WriteArgs,
    },
    /// End a placement whose provider missed more than `maxMissedEpochs` proofs and slash the
    /// provider into the deployment's balance (`evict`).
    Evict(PlacementArgs),
    /// Release a placement whose end epoch's proof window has passed (`finalize`).
    Finalize(PlacementArgs),
    /// End a deployment that stayed underfunded past the grace period (`close`).
    Close {
        /// The deployment.
        deployment: u64,
        #[command(flatten)]
        args: WriteArgs,
    },
}

/// A placement to act on.
#[derive(clap::Args)]
pub struct PlacementArgs {
    /// The placement.
    placement: u64,
    #[command(flatten)]
    args: WriteArgs,
}

impl PlacementArgs {
    /// Sends the market call that `call` builds from the placement id.
    fn send<C>(self, call: impl FnOnce(u64) -> C) -> anyhow::Result<()>
    where
        C: alloy_sol_types::SolCall + Send + 'static,
    {
        let summary = json!({ "placement_id": self.placement });
        chain::send_one(self.args, Session::market, call(self.placement), summary)
    }
}

/// Runs a `market` subcommand.
pub fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Offers {
            all,
            provider,
            args,
        } => chain::read(args, move |s| offers(s, all, provider)),
        Command::Deployments { owner, args } => {
            chain::read(
                args,
                move |s| async move { developer::list(&s, owner).await },
            )
        }
        Command::Params { args } => chain::read(args, params),
        Command::Match {
            deployment,
            offers,
            args,
        } => chain::write(args, move |s| async move {
            let mut pairs = Vec::with_capacity(offers.len());
            for (offer_id, instances, price) in offers {
                let price = match price {
                    Some(price) => price,
                    None => {
                        let offer = IRegistry::offerCall { offerId: offer_id };
                        s.client
                            .view(s.registry(), offer)
                            .await?
                            .pricePerInstanceEpoch
                    }
                };
                pairs.push(MatchPair {
                    offerId: offer_id,
                    instances,
                    price,
                });
            }
            let call = IMarket::matchDeploymentCall {
                deploymentId: deployment,
                pairs,
            };
            let sent = s.client.send(s.market(), call).await?;
            let placements: Vec<_> = sent
                .events
                .iter()
                .filter(|event| event.name == "PlacementCreated")
                .filter_map(|event| event.fields.get("placement_id").cloned())
                .collect();
            output::report(s.json, &[sent], json!({ "placement_ids": placements }));
            Ok(())
        }),
        Command::Evict(p) => p.send(|id| IMarket::evictCall { placementId: id }),
        Command::Finalize(p) => p.send(|id| IMarket::finalizeCall { placementId: id }),
        Command::Close { deployment, args } => {
            let call = IMarket::closeCall {
                deploymentId: deployment,
            };
            chain::send_one(
                args,
                Session::market,
                call,
                json!({ "deployment_id": deployment }),
            )
        }
    }
}

/// Parses `OFFER_ID:INSTANCES`.
fn parse_pair(text: &str) -> anyhow::Result<(u64, u32, Option<u128>)> {
    let mut parts = text.split(':').map(str::trim);
    let (Some(offer), Some(instances), price, None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        anyhow::bail!("expected OFFER_ID:INSTANCES[:PRICE], e.g. 3:2 or 3:2:1500000");
    };
    Ok((
        offer.parse().context("the offer id is not a number")?,
        instances
            .parse()
            .context("the instance count is not a number")?,
        price
            .map(|p| p.parse().context("the price is not a number of base units"))
            .transpose()?,
    ))
}

async fn offers(s: Session, all: bool, provider: Option<Address>) -> anyhow::Result<()> {
    let registry = s.registry();
    let count = s
        .client
        .view(registry, IRegistry::offerCountCall {})
        .await?;
    let mut rows = Vec::new();
    for id in 1..=count {
        let offer = s
            .client
            .view(registry, IRegistry::offerCall { offerId: id })
            .await?;
        let status = format!("{:?}", offer.status);
        if (!all && status != "Open") || provider.is_some_and(|p| p != offer.provider) {
            continue;
        }
        rows.push(json!({
            "offer_id": id,
            "provider": offer.provider.to_string(),
            "cpu_milli": offer.cpuMilli,
            "mem_mib": offer.memMiB,
            "region": offer.region,
            "tier": offer.tier,
            "price": offer.pricePerInstanceEpoch.to_string(),
            "capacity": offer.capacity,
            "in_use": offer.inUse,
            "status": status,
        }));
    }
    if s.json {
        output::print_json(&json!({ "offers": rows }));
        return Ok(());
    }
    let keys = [
        "offer_id",
        "provider",
        "cpu_milli",
        "mem_mib",
        "region",
        "tier",
        "price",
        "capacity",
        "in_use",
        "status",
    ];
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|row| keys.iter().map(|key| output::plain(&row[*key])).collect())
        .collect();
    output::table(
        &[
            "id", "provider", "cpu", "MiB", "region", "tier", "price", "cap", "used", "status",
        ],
        &cells,
    );
    Ok(())
}

async fn params(s: Session) -> anyhow::Result<()> {
    let (registry, market, client) = (s.registry(), s.market(), &s.client);
    let registry_params = client.view(registry, IRegistry::paramsCall {}).await?;
    let market_params = client.view(market, IMarket::paramsCall {}).await?;
    let epoch = client.view(market, IMarket::currentEpochCall {}).await?;
    let genesis = client.view(registry, IRegistry::genesisTimeCall {}).await?;
    let length = client.view(registry, IRegistry::epochLengthCall {}).await?;
    let report = json!({
        "chain_id": client.chain_id,
        "token": s.token().to_string(),
        "registry": registry.to_string(),
        "market": market.to_string(),
        "owner": client.view(market, IGoverned::ownerCall {}).await?.to_string(),
        "paused": client.view(market, IGoverned::pausedCall {}).await?,
        "current_epoch": epoch,
        "genesis_time": genesis,
        "epoch_length": length,
        "next_epoch_starts_at": epoch_start(epoch + 1, genesis, length),
        "offers": client.view(registry, IRegistry::offerCountCall {}).await?,
        "deployments": client.view(market, IMarket::deploymentCountCall {}).await?,
        "placements": client.view(market, IMarket::placementCountCall {}).await?,
        "treasury": client.view(market, IMarket::treasuryCall {}).await?.to_string(),
        "min_stake": registry_params.minStake.to_string(),
        "unbonding_epochs": registry_params.unbondingEpochs,
        "eviction_cooldown_epochs": registry_params.evictionCooldownEpochs,
        "fee_bps": market_params.feeBps,
        "keeper_fee": market_params.keeperFee.to_string(),
        "min_prepaid_epochs": market_params.minPrepaidEpochs,
        "proof_window": market_params.proofWindow,
        "notice_epochs": market_params.noticeEpochs,
        "exit_penalty": market_params.exitPenalty.to_string(),
        "max_missed_epochs": market_params.maxMissedEpochs,
        "slash_per_missed_instance_epoch": market_params.slashPerMissedInstanceEpoch.to_string(),
        "grace_epochs": market_params.graceEpochs,
        "min_deposit": market_params.minDeposit.to_string(),
        "match_expiry_epochs": market_params.matchExpiryEpochs,
    });
    output::fields(s.json, &report);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_match_pairs() {
        assert_eq!(parse_pair("3:2").unwrap(), (3, 2, None));
        assert_eq!(parse_pair(" 10 : 1 ").unwrap(), (10, 1, None));
        assert_eq!(parse_pair("3:2:1500000").unwrap(), (3, 2, Some(1_500_000)));
        assert!(parse_pair("3").is_err());
        assert!(parse_pair("x:1").is_err());
        assert!(parse_pair("3:2:cheap").is_err());
        assert!(parse_pair("3:2:1:9").is_err());
    }
}

#[cfg(test)]
mod cli_tests {
    use clap::Subcommand;

    #[test]
    fn flags_are_consistent() {
        super::Command::augment_subcommands(clap::Command::new("market")).debug_assert();
    }
}
