//! `cloudless demo`: the README's run command. On a fresh machine it builds the contracts if
//! needed, starts an embedded dev node, deploys the marketplace over JSON-RPC, funds a cast of
//! providers and developers, runs a keeper in-process and plays a scripted market round with
//! controlled time — functions deployed, requests served with signed receipts, epochs proven by
//! their receipts' roots, pay held until its dispute windows close — then prints a statement
//! read back from the chain, with a conservation check.

mod actors;
mod audit;
mod fleet;
mod progress;
mod script;
mod stage;
mod statement;
mod users;

use std::path::Path;

use alloy_primitives::{U256, ruint::UintTryFrom};
use anyhow::{Context, Result};
use clap::Parser;
use harness::artifact;

use cloudless_keeper::verify::Verify;

use crate::contracts::deploy;

/// Flags of `cloudless demo`.
#[derive(clap::Args)]
pub struct Args {
    /// Print the statement as one JSON document on stdout (progress still goes to stderr).
    #[arg(long)]
    json: bool,
}

/// Runs the demo.
pub fn run(args: Args) -> Result<()> {
    build_if_missing()?;
    let statement = crate::chain::multi_thread(Some(2))?.block_on(play())?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&statement)?);
    } else {
        statement.print();
    }
    statement.check()
}

/// Builds the Stylus artifacts when any marketplace program or example function is missing.
fn build_if_missing() -> Result<()> {
    let artifacts = artifact::Artifacts::locate();
    if deploy::PROGRAMS
        .into_iter()
        .chain(script::functions())
        .any(|name| artifacts.load(name).is_err())
    {
        eprintln!("building the Stylus contracts (first run, a few minutes)…");
        artifact::build::build_contracts(&artifact::workspace_root(), &artifacts)
            .context("building the contracts")?;
    }
    Ok(())
}

/// Starts the node, deploys, plays the round and reads the statement back.
async fn play() -> Result<statement::Statement> {
    let node = devnode::start(devnode::Config {
        port: 0,
        accounts: actors::ACCOUNTS,
        ..Default::default()
    })
    .await
    .context("starting the embedded dev node")?;
    let folder = tempfile::tempdir()?;
    let outcome = async {
        let deployed = deploy_marketplace(&node, folder.path()).await?;
        let cast = actors::Cast::connect(&node, &deployed.manifest).await?;
        let ports = fleet::Ports::bind(&actors::PROVIDERS).await?;
        let verify = Verify {
            sample_rate: 1.0,
            resolve: ports.overrides.clone(),
            ..Verify::default()
        };
        let stage = stage::Stage::open(&node, &deployed, &cast, folder.path(), verify).await?;
        let held = script::play(&stage, &cast, &node.rpc_url(), folder.path(), ports).await?;
        let keeper = stage.close().await?;
        let statement =
            statement::Statement::read(&cast, &deployed.manifest, keeper, &held).await?;
        let audit = audit::audit(node.rpc_url(), &deployed.manifest, folder.path().join("audit"))
            .await?;
        progress::line(
            statement.epoch(),
            &format!(
                "audited the chain: {} blocks and {} transactions re-executed in the harness, every receipt and the final state equal the node's; ledger sha256 {}",
                audit.blocks, audit.transactions, audit.ledger_sha256
            ),
        );
        Ok(statement.audited(audit))
    }
    .await;
    node.stop().await?;
    outcome
}

/// `cloudless contracts deploy` against the node, signed by account 0, manifest in `folder`.
async fn deploy_marketplace(node: &devnode::DevNode, folder: &Path) -> Result<deploy::Deployed> {
    let key = format!("0x{}", hex::encode(node.accounts()[0].private_key));
    let args = deploy::Args::try_parse_from([
        "deploy",
        "--rpc-url",
        &node.rpc_url(),
        "--private-key",
        &key,
        "--out",
        &folder.to_string_lossy(),
    ])?;
    let deployed = deploy::ensure_deployed(&args)
        .await
        .context("deploying the marketplace")?;
    let gas: u64 = deployed.sent.iter().map(|tx| tx.gas_used).sum();
    progress::line(
        0,
        &format!(
            "deployed TestUSDC, the registry, the market and its court ({} Stylus programs, activated): {} transactions, {gas} gas",
            deploy::PROGRAMS.len(),
            deployed.sent.len()
        ),
    );
    Ok(deployed)
}

/// `amount` base units of the 6-decimal token as text: `1234.5` → `0.0012345`, at least two
/// decimals (`12.00`).
pub fn usdc<T>(amount: T) -> String
where
    U256: UintTryFrom<T>,
{
    let amount = U256::from(amount);
    let unit = U256::from_limbs([1_000_000, 0, 0, 0]);
    let fraction = format!("{:06}", (amount % unit).to::<u64>());
    let trimmed = fraction.trim_end_matches('0');
    let fraction = if trimmed.len() < 2 {
        &fraction[..2]
    } else {
        trimmed
    };
    format!("{}.{fraction}", amount / unit)
}

#[cfg(test)]
mod tests {
    #[test]
    fn amounts_print_in_tokens() {
        assert_eq!(super::usdc(12_000_000u64), "12.00");
        assert_eq!(super::usdc(1_050_000u64), "1.05");
        assert_eq!(super::usdc(105_000u64), "0.105");
        assert_eq!(super::usdc(1u64), "0.000001");
    }
}
