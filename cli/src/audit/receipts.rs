//! `cloudless audit receipts`: a deployment's proofs checked against its providers' nodes —
//! each sampled (or every) leaf fetched from `GET /v1/proofs/{placement}/{epoch}/{index}`, its
//! path to the proven root, its signature by a worker of the provider and its request
//! checked, and the function re-run on the chain as the court runs it — the keeper's
//! verification ([`cloudless_keeper::verify`]) run on demand, with a report per provider.

use std::{collections::BTreeMap, time::Duration};

use alloy::{providers::Provider, rpc::types::Filter};
use alloy_primitives::{Address, B256, U256};
use alloy_sol_types::SolEvent;
use anyhow::{Context as _, bail};
use cloudless_abi::market::IMarket;
use cloudless_client::calls::http_client;
use cloudless_keeper::{
    state::ProvenEpoch,
    verify::{self, Context, Verdict},
};
use serde::Serialize;

use crate::chain::{self, Session, client::ChainArgs, client::WalletArgs, output::table};

/// Flags of `audit receipts`.
#[derive(clap::Args)]
pub struct ReceiptsArgs {
    /// The deployment whose proofs are checked.
    #[arg(long)]
    deployment: u64,
    /// Proven epochs to check, `A..B` (inclusive) [default: all].
    #[arg(long, value_name = "A..B", value_parser = parse_epochs)]
    epochs: Option<(u64, u64)>,
    /// Check every leaf of every proof.
    #[arg(long, conflicts_with = "sample_rate")]
    all: bool,
    /// Share of each proof's leaves checked (at least one), drawn as a keeper with address
    /// zero draws them: the same leaves on every run.
    #[arg(long, value_name = "RATE", default_value_t = 0.05)]
    sample_rate: f64,
    /// Seconds to wait for a provider's node.
    #[arg(long, default_value_t = 10)]
    timeout: u64,
    #[command(flatten)]
    chain: ChainArgs,
}

/// What one provider's proofs showed.
#[derive(Debug, Default, Serialize)]
struct ProviderReport {
    proofs: u64,
    /// Receipts under the proofs' roots.
    receipts: u64,
    leaves_checked: u64,
    correct: u64,
    wrong: u64,
    unshown: u64,
    unrefereeable: u64,
    /// Every leaf that was not correct: where, and why.
    problems: Vec<Problem>,
}

#[derive(Debug, Serialize)]
struct Problem {
    placement: u64,
    epoch: u64,
    index: u64,
    verdict: &'static str,
    why: String,
}

/// Runs `audit receipts`; fails when a leaf is wrong or was not shown.
pub fn run(args: ReceiptsArgs) -> anyhow::Result<()> {
    // The report is the output, also when it fails: no error document after it.
    chain::run(false, check(args))
}

async fn check(args: ReceiptsArgs) -> anyhow::Result<()> {
    let session = Session::open(&args.chain, &WalletArgs::default()).await?;
    let rpc = &session.client.provider;
    let (market, registry) = (session.market(), session.registry());
    let from = session.manifest.deploy_block.unwrap_or_default();
    let id = args.deployment;
    let spec = session
        .client
        .view(market, IMarket::deploymentSpecCall { deploymentId: id })
        .await?;
    let http = http_client(Duration::from_secs(args.timeout), &[])?;
    let cx = Context {
        rpc,
        chain_id: session.client.chain_id,
        market,
        registry,
        http: &http,
    };
    let rate = if args.all { 1.0 } else { args.sample_rate };
    let mut reports: BTreeMap<Address, ProviderReport> = BTreeMap::new();
    for (placement, provider) in placements(rpc, market, from, id).await? {
        let url = verify::node_url(&cx, provider).await?;
        let report = reports.entry(provider).or_default();
        let filter = Filter::new()
            .address(market)
            .event_signature(IMarket::EpochProven::SIGNATURE_HASH)
            .topic1(B256::from(U256::from(placement)))
            .from_block(from);
        for log in rpc.get_logs(&filter).await? {
            let e = IMarket::EpochProven::decode_log_data(log.data())?;
            if args.epochs.is_some_and(|(a, b)| e.epoch < a || e.epoch > b) {
                continue;
            }
            let proof = ProvenEpoch {
                placement,
                epoch: e.epoch,
                root: e.receiptsRoot,
                count: e.count,
                provider,
                program: spec.program,
                block: log.block_number.unwrap_or_default(),
                block_hash: log.block_hash.unwrap_or_default(),
            };
            report.proofs += 1;
            report.receipts += u64::from(e.count);
            for index in verify::sample(&proof, Address::ZERO, rate) {
                let verdict = verify::check_leaf(&cx, &proof, url.as_deref(), index).await;
                report.leaves_checked += 1;
                let (verdict, why) = match verdict {
                    Verdict::Correct => {
                        report.correct += 1;
                        continue;
                    }
                    Verdict::Wrong { .. } => {
                        report.wrong += 1;
                        (
                            "wrong",
                            "the function answers the request differently".into(),
                        )
                    }
                    Verdict::Unshown(why) | Verdict::Unreachable(why) => {
                        report.unshown += 1;
                        ("unshown", why)
                    }
                    Verdict::Unrefereeable(why) => {
                        report.unrefereeable += 1;
                        ("unrefereeable", why)
                    }
                };
                report.problems.push(Problem {
                    placement,
                    epoch: e.epoch,
                    index,
                    verdict,
                    why,
                });
            }
        }
    }
    print(&session, id, &reports)?;
    let failed: u64 = reports.values().map(|r| r.wrong + r.unshown).sum();
    if failed > 0 {
        bail!(
            "{failed} leaf/leaves wrong or not shown: `cloudless dispute result` convicts a wrong answer; `cloudless dispute sample` makes a node show a leaf on-chain"
        );
    }
    Ok(())
}

/// The placements of deployment `id` with their providers.
async fn placements(
    rpc: &alloy::providers::DynProvider,
    market: Address,
    from: u64,
    id: u64,
) -> anyhow::Result<Vec<(u64, Address)>> {
    let filter = Filter::new()
        .address(market)
        .event_signature(IMarket::PlacementCreated::SIGNATURE_HASH)
        .topic2(B256::from(U256::from(id)))
        .from_block(from);
    rpc.get_logs(&filter)
        .await
        .context("asking the node for the deployment's placements")?
        .iter()
        .map(|log| {
            let e = IMarket::PlacementCreated::decode_log_data(log.data())?;
            Ok((e.placementId, e.provider))
        })
        .collect()
}

fn print(
    session: &Session,
    deployment: u64,
    reports: &BTreeMap<Address, ProviderReport>,
) -> anyhow::Result<()> {
    if session.json {
        let report = serde_json::json!({ "deployment": deployment, "providers": reports });
        println!("{}", serde_json::to_string(&report)?);
        return Ok(());
    }
    let rows: Vec<Vec<String>> = reports
        .iter()
        .map(|(provider, r)| {
            [
                provider.to_string(),
                r.proofs.to_string(),
                r.receipts.to_string(),
                r.leaves_checked.to_string(),
                r.correct.to_string(),
                r.wrong.to_string(),
                r.unshown.to_string(),
                r.unrefereeable.to_string(),
            ]
            .into()
        })
        .collect();
    let headers = [
        "provider",
        "proofs",
        "receipts",
        "checked",
        "correct",
        "wrong",
        "unshown",
        "unrefereeable",
    ];
    table(&headers, &rows);
    for (provider, r) in reports {
        for p in &r.problems {
            eprintln!(
                "{provider}: placement {} epoch {} leaf {}: {} ({})",
                p.placement, p.epoch, p.index, p.verdict, p.why
            );
        }
    }
    Ok(())
}

/// `A..B`: inclusive epochs.
fn parse_epochs(text: &str) -> Result<(u64, u64), String> {
    let parsed = text
        .split_once("..")
        .and_then(|(a, b)| Some((a.parse().ok()?, b.parse().ok()?)));
    match parsed {
        Some((a, b)) if a <= b => Ok((a, b)),
        _ => Err(format!("`{text}` is not A..B with A ≤ B")),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn epochs_are_an_inclusive_range() {
        assert_eq!(super::parse_epochs("3..7"), Ok((3, 7)));
        assert_eq!(super::parse_epochs("4..4"), Ok((4, 4)));
        assert!(super::parse_epochs("7..3").is_err());
        assert!(super::parse_epochs("3-7").is_err());
    }
}
