//! `cloudless dispute`: the court's disputes (docs/proofs.md), driven from the answers
//! `cloudless call` keeps and the proofs on the chain.

use std::path::PathBuf;

use anyhow::Context;
use cloudless_abi::court::{DisputeKind, DisputeStatus, ICourt};
use cloudless_client::proofs::find_proof_ref;
use serde_json::json;

use crate::{
    call,
    chain::{self, Session, WriteArgs, output},
    token::send_paying,
};

/// `cloudless dispute` subcommands.
#[derive(clap::Subcommand)]
pub enum Command {
    /// The answer kept in FILE is wrong: the court re-executes the function on its request and
    /// convicts the provider if the response differs (one transaction, no bond).
    Result {
        /// An answer kept by `cloudless call`.
        file: PathBuf,
        #[command(flatten)]
        args: WriteArgs,
    },
    /// The answer kept in FILE is missing from its epoch's proven root: the provider must show
    /// its path within the response window or be convicted (pulls the bond).
    Inclusion {
        /// An answer kept by `cloudless call`.
        file: PathBuf,
        #[command(flatten)]
        args: WriteArgs,
    },
    /// Challenges leaf INDEX of a placement's proven epoch: the provider must reveal it (a
    /// receipt its worker signed, its request, its path) and the court re-executes it (pulls the
    /// bond).
    Sample {
        /// The placement.
        placement: u64,
        /// The proven epoch.
        epoch: u64,
        /// The leaf (0 ≤ INDEX < the proof's count).
        index: u64,
        #[command(flatten)]
        args: WriteArgs,
    },
    /// Settles a dispute whose response window passed unanswered: the provider is convicted.
    Resolve {
        /// The dispute.
        id: u64,
        #[command(flatten)]
        args: WriteArgs,
    },
    /// Shows a dispute.
    Status {
        /// The dispute.
        id: u64,
        #[command(flatten)]
        args: WriteArgs,
    },
}

/// Runs a `cloudless dispute` subcommand.
pub fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Result { file, args } => chain::write(args, |s| async move {
            let answer = checked(&s, &file)?;
            let call = ICourt::disputeResultCall {
                receipt: answer.receipt(),
                signature: answer.signature.clone(),
                request: answer.request.clone(),
            };
            let sent = s.client.send(s.market(), call).await?;
            output::report(
                s.json,
                &[sent],
                json!({ "placement": answer.receipt.placement_id }),
            );
            Ok(())
        }),
        Command::Inclusion { file, args } => chain::write(args, |s| async move {
            let answer = checked(&s, &file)?;
            let r = &answer.receipt;
            let proof = proof_ref(&s, r.placement_id, r.epoch).await?;
            let call = ICourt::disputeInclusionCall {
                receipt: answer.receipt(),
                signature: answer.signature.clone(),
                proof,
            };
            opened(&s, call).await
        }),
        Command::Sample {
            placement,
            epoch,
            index,
            args,
        } => chain::write(args, |s| async move {
            let proof = proof_ref(&s, placement, epoch).await?;
            opened(&s, ICourt::challengeSampleCall { proof, index }).await
        }),
        Command::Resolve { id, args } => chain::write(args, |s| async move {
            let sent = s
                .client
                .send(s.market(), ICourt::resolveCall { disputeId: id })
                .await?;
            output::report(s.json, &[sent], json!({ "dispute": id }));
            Ok(())
        }),
        Command::Status { id, args } => chain::read(args, |s| async move {
            let d = s
                .client
                .view(s.market(), ICourt::disputeCall { disputeId: id })
                .await?;
            let kind = match d.kind {
                DisputeKind::Result => "result",
                DisputeKind::Inclusion => "inclusion",
                DisputeKind::Sample => "sample",
                _ => "unknown",
            };
            let status = match d.status {
                DisputeStatus::Open => "open",
                DisputeStatus::Fraud => "fraud",
                DisputeStatus::Answered => "answered",
                _ => "unknown",
            };
            let report = json!({
                "dispute": id,
                "kind": kind,
                "status": status,
                "placement": d.placementId,
                "epoch": d.epoch,
                "index": d.index,
                "count": d.count,
                "challenger": d.challenger.to_string(),
                "bond": d.bond.to_string(),
                "deadline": d.deadline,
            });
            output::fields(s.json, &report);
            Ok(())
        }),
    }
}

/// The answer in `file`, refused when it was kept for another chain or market.
fn checked(s: &Session, file: &std::path::Path) -> anyhow::Result<cloudless_client::calls::Answer> {
    let answer = call::load(file)?;
    if answer.chain_id != s.client.chain_id || answer.market != s.market() {
        anyhow::bail!(
            "{} was answered on chain {} for market {}; this is chain {} with market {}",
            file.display(),
            answer.chain_id,
            answer.market,
            s.client.chain_id,
            s.market()
        );
    }
    Ok(answer)
}

/// The reference of the proof of `placement`'s `epoch`, rebuilt from the chain's logs.
async fn proof_ref(
    s: &Session,
    placement: u64,
    epoch: u64,
) -> anyhow::Result<cloudless_abi::court::ProofRef> {
    let from = s.manifest.deploy_block.unwrap_or_default();
    find_proof_ref(&s.client.provider, s.market(), from, placement, epoch)
        .await
        .with_context(|| format!("finding the proof of placement {placement} epoch {epoch}"))
}

/// Sends a bonded dispute (approving the bond first when needed) and reports its id.
async fn opened<C: alloy_sol_types::SolCall + Clone>(s: &Session, call: C) -> anyhow::Result<()> {
    let params = s
        .client
        .view(s.market(), ICourt::courtParamsCall {})
        .await?;
    let bond = alloy_primitives::U256::from(params.bond);
    let sent = send_paying(s, s.market(), bond, s.market(), call).await?;
    let id = sent
        .last()
        .context("the dispute's transaction")?
        .event_id("DisputeOpened", "dispute_id")?;
    output::report(
        s.json,
        &sent,
        json!({ "dispute": id, "bond": params.bond.to_string() }),
    );
    Ok(())
}
