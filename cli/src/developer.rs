//! `cloudless deploy …`: a developer's deployments — create one (the bid, with its escrow
//! deposit), top it up, withdraw above the reserve, cancel, inspect and list. Amounts are token
//! base units.

use alloy::providers::Provider;
use alloy_primitives::{Address, B256, U256, keccak256};
use clap::Subcommand;
use cloudless_abi::{
    escrow::required_deposit,
    market::{DeploymentSpec, IMarket},
};
use serde_json::{Value, json};

use crate::{
    chain::{self, Session, WriteArgs, output},
    token,
};

/// `cloudless deploy` subcommands.
#[derive(Subcommand)]
pub enum Command {
    /// Post a deployment request with its deposit (approving the market first when needed);
    /// prints the deployment id.
    Create(Box<CreateArgs>),
    /// Add to a deployment's balance (anyone may pay).
    TopUp {
        /// The deployment.
        deployment: u64,
        /// How much to add.
        amount: U256,
        #[command(flatten)]
        args: WriteArgs,
    },
    /// Withdraw balance above the reserve that live placements need. Owner only.
    Withdraw {
        /// The deployment.
        deployment: u64,
        /// How much [default: everything above the reserve].
        amount: Option<U256>,
        #[command(flatten)]
        args: WriteArgs,
    },
    /// End the deployment after the notice epochs. Owner only.
    Cancel {
        /// The deployment.
        deployment: u64,
        #[command(flatten)]
        args: WriteArgs,
    },
    /// Show a deployment's request, state and reserve.
    Status {
        /// The deployment.
        deployment: u64,
        #[command(flatten)]
        args: WriteArgs,
    },
    /// List deployments, the wallet's (or `--owner`'s) by default, every one with `--all`.
    List(ListArgs),
}

/// What `cloudless deploy create` asks for.
#[derive(clap::Args)]
pub struct CreateArgs {
    /// Instances wanted.
    #[arg(long)]
    instances: u32,
    /// Instances the first match must place at once.
    #[arg(long, default_value_t = 1)]
    min_instances: u32,
    /// CPU per instance, thousandths of a core.
    #[arg(long, default_value_t = 1_000)]
    cpu_milli: u32,
    /// Memory per instance, MiB.
    #[arg(long, default_value_t = 512)]
    mem_mib: u32,
    /// Acceptable region codes, e.g. `--regions 0,3`.
    #[arg(
        long,
        value_delimiter = ',',
        required_unless_present = "any_region",
        conflicts_with = "any_region"
    )]
    regions: Vec<u8>,
    /// Accept every region.
    #[arg(long)]
    any_region: bool,
    /// Lowest acceptable provider tier.
    #[arg(long, default_value_t = 0)]
    min_tier: u8,
    /// Highest acceptable price per instance and epoch.
    #[arg(long)]
    max_price: u128,
    /// Most instances one provider may hold [default: all of them].
    #[arg(long)]
    max_per_provider: Option<u32>,
    /// Epochs to run from the first match; 0 runs until cancelled.
    #[arg(long, default_value_t = 0)]
    duration_epochs: u64,
    /// The function to run: an activated Stylus program (`cloudless function deploy`).
    #[arg(long)]
    function: Address,
    /// The function's code hash, which every provider must run [default: read from the chain].
    #[arg(long)]
    artifact: Option<B256>,
    /// Escrow to deposit [default: the minimum, instances × max price × minPrepaidEpochs, and
    /// at least the market's minDeposit].
    #[arg(long)]
    deposit: Option<U256>,
    #[command(flatten)]
    args: WriteArgs,
}

/// Which deployments to list.
#[derive(clap::Args)]
pub struct ListArgs {
    /// Only this owner's [default: the wallet's, if any].
    #[arg(long, conflicts_with = "all")]
    owner: Option<Address>,
    /// Every deployment.
    #[arg(long)]
    all: bool,
    #[command(flatten)]
    args: WriteArgs,
}

/// Runs a `deploy` subcommand.
pub fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Create(create_args) => {
            let create_args = *create_args;
            let args = create_args.args.clone();
            chain::write(args, move |s| create(s, create_args))
        }
        Command::TopUp {
            deployment,
            amount,
            args,
        } => chain::write(args, move |s| async move {
            let call = IMarket::topUpCall {
                deploymentId: deployment,
                amount,
            };
            let sent = token::send_paying(&s, s.market(), amount, s.market(), call).await?;
            output::report(s.json, &sent, json!({}));
            Ok(())
        }),
        Command::Withdraw {
            deployment,
            amount,
            args,
        } => chain::write(args, move |s| withdraw(s, deployment, amount)),
        Command::Cancel { deployment, args } => chain::write(args, move |s| async move {
            let call = IMarket::cancelCall {
                deploymentId: deployment,
            };
            let sent = s.client.send(s.market(), call).await?;
            let end = sent
                .event("DeploymentCancelled")
                .and_then(|event| event.fields.get("end_epoch").cloned());
            output::report(s.json, &[sent], json!({ "end_epoch": end }));
            Ok(())
        }),
        Command::Status { deployment, args } => chain::read(args, move |s| async move {
            let status = describe(&s, deployment).await?;
            output::fields(s.json, &status);
            Ok(())
        }),
        Command::List(ListArgs { owner, all, args }) => chain::read(args, move |s| async move {
            let owner = if all { None } else { owner.or(s.client.from) };
            list(&s, owner).await
        }),
    }
}

/// The region mask that accepts exactly `regions` (bit r for region r), or every region.
pub fn region_mask(regions: &[u8], any: bool) -> U256 {
    if any {
        return U256::MAX;
    }
    regions
        .iter()
        .fold(U256::ZERO, |mask, &region| mask | (U256::from(1) << region))
}

async fn create(s: Session, a: CreateArgs) -> anyhow::Result<()> {
    let market = s.market();
    let artifact = match a.artifact {
        Some(artifact) => artifact,
        None => {
            let code = s.client.provider.get_code_at(a.function).await?;
            keccak256(&code)
        }
    };
    let spec = DeploymentSpec {
        program: a.function,
        artifact,
        instances: a.instances,
        minInstances: a.min_instances,
        cpuMilli: a.cpu_milli,
        memMiB: a.mem_mib,
        regionMask: region_mask(&a.regions, a.any_region),
        minTier: a.min_tier,
        token: s.token(),
        maxPricePerInstanceEpoch: a.max_price,
        maxPerProvider: a.max_per_provider.unwrap_or(a.instances),
        durationEpochs: a.duration_epochs,
    };
    let deposit = match a.deposit {
        Some(deposit) => deposit,
        None => {
            let params = s.client.view(market, IMarket::paramsCall {}).await?;
            U256::from(required_deposit(
                a.instances,
                a.max_price,
                params.minPrepaidEpochs,
                params.minDeposit,
            ))
        }
    };
    let call = IMarket::createDeploymentCall { spec, deposit };
    let sent = token::send_paying(&s, market, deposit, market, call).await?;
    let id = sent
        .last()
        .and_then(|tx| tx.event("DeploymentCreated"))
        .and_then(|event| event.fields.get("deployment_id").cloned());
    output::report(
        s.json,
        &sent,
        json!({ "deployment_id": id, "deposit": deposit.to_string() }),
    );
    Ok(())
}

async fn withdraw(s: Session, deployment: u64, amount: Option<U256>) -> anyhow::Result<()> {
    let market = s.market();
    let amount = match amount {
        Some(amount) => amount,
        None => {
            let state = s
                .client
                .view(
                    market,
                    IMarket::deploymentStateCall {
                        deploymentId: deployment,
                    },
                )
                .await?;
            let reserve = s
                .client
                .view(
                    market,
                    IMarket::reserveCall {
                        deploymentId: deployment,
                    },
                )
                .await?;
            state.balance.saturating_sub(reserve)
        }
    };
    let call = IMarket::withdrawCall {
        deploymentId: deployment,
        amount,
    };
    let sent = s.client.send(market, call).await?;
    output::report(s.json, &[sent], json!({ "withdrawn": amount.to_string() }));
    Ok(())
}

/// A deployment's request, state and reserve as JSON.
pub async fn describe(s: &Session, deployment: u64) -> anyhow::Result<Value> {
    let market = s.market();
    let id = deployment;
    let spec = s
        .client
        .view(market, IMarket::deploymentSpecCall { deploymentId: id })
        .await?;
    let state = s
        .client
        .view(market, IMarket::deploymentStateCall { deploymentId: id })
        .await?;
    let reserve = s
        .client
        .view(market, IMarket::reserveCall { deploymentId: id })
        .await?;
    let end = (state.endEpoch != u64::MAX).then_some(state.endEpoch);
    Ok(json!({
        "deployment_id": id,
        "owner": state.owner.to_string(),
        "status": format!("{:?}", state.status),
        "balance": state.balance.to_string(),
        "reserve": reserve.to_string(),
        "rate": state.rate.to_string(),
        "placed": state.placed,
        "instances": spec.instances,
        "min_instances": spec.minInstances,
        "cpu_milli": spec.cpuMilli,
        "mem_mib": spec.memMiB,
        "region_mask": format!("{:#x}", spec.regionMask),
        "min_tier": spec.minTier,
        "max_price": spec.maxPricePerInstanceEpoch.to_string(),
        "max_per_provider": spec.maxPerProvider,
        "duration_epochs": spec.durationEpochs,
        "program": spec.program.to_string(),
        "artifact": spec.artifact.to_string(),
        "created_epoch": state.createdEpoch,
        "end_epoch": end,
        "underfunded_since": state.underfundedSince,
    }))
}

/// Lists deployments (only `owner`'s when given) as a table or JSON.
pub async fn list(s: &Session, owner: Option<Address>) -> anyhow::Result<()> {
    let count = s
        .client
        .view(s.market(), IMarket::deploymentCountCall {})
        .await?;
    let mut rows = Vec::new();
    for id in 1..=count {
        let row = describe(s, id).await?;
        if owner.is_none_or(|owner| row["owner"] == owner.to_string()) {
            rows.push(row);
        }
    }
    if s.json {
        output::print_json(&json!({ "deployments": rows }));
        return Ok(());
    }
    let keys = [
        "deployment_id",
        "owner",
        "status",
        "placed",
        "instances",
        "max_price",
        "balance",
        "reserve",
        "end_epoch",
    ];
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|row| keys.iter().map(|key| output::plain(&row[*key])).collect())
        .collect();
    output::table(
        &[
            "id",
            "owner",
            "status",
            "placed",
            "wanted",
            "max price",
            "balance",
            "reserve",
            "end",
        ],
        &cells,
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_become_a_mask() {
        assert_eq!(region_mask(&[], true), U256::MAX);
        assert_eq!(region_mask(&[0], false), U256::from(1));
        assert_eq!(region_mask(&[0, 3, 3], false), U256::from(0b1001));
        assert_eq!(region_mask(&[255], false), U256::from(1) << 255);
        assert_eq!(region_mask(&[], false), U256::ZERO);
    }
}

#[cfg(test)]
mod cli_tests {
    use clap::Subcommand;

    #[test]
    fn flags_are_consistent() {
        super::Command::augment_subcommands(clap::Command::new("developer")).debug_assert();
    }
}
