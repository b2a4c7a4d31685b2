//! Progress on stderr: one line per step of the script, plus what the chain shows the keeper
//! did and each account's gas, read block by block from the receipts.

use std::collections::BTreeMap;

use alloy::{eips::BlockId, providers::Provider};
use alloy_primitives::Address;
use alloy_sol_types::SolEventInterface;
use anyhow::{Context, Result};
use cloudless_abi::market::{EndReason, IMarket::IMarketEvents};

use super::{actors::Cast, usdc};
use crate::chain::Client;

/// Prints one progress line for `epoch`.
pub fn line(epoch: u64, text: &str) {
    eprintln!("[epoch {epoch:>2}] {text}");
}

/// What the receipts show so far.
#[derive(Default)]
pub struct Tracker {
    /// Last block read.
    block: u64,
    /// Gas used per sending account.
    pub gas: BTreeMap<Address, u64>,
    /// Each placement's provider, from `PlacementCreated`.
    providers: BTreeMap<u64, Address>,
}

impl Tracker {
    /// Reads the blocks after the last one read up to the head: adds up gas per sender and
    /// prints the keeper's matches, evictions, closes and finalizations, and new underfunding.
    pub async fn catch_up(&mut self, client: &Client, cast: &Cast, epoch: u64) -> Result<()> {
        let head = client.provider.get_block_number().await?;
        for number in self.block + 1..=head {
            let receipts = client
                .provider
                .get_block_receipts(BlockId::number(number))
                .await?
                .with_context(|| format!("the node has no receipts for block {number}"))?;
            for receipt in receipts {
                *self.gas.entry(receipt.from).or_default() += receipt.gas_used;
                let by_keeper = receipt.from == cast.keeper.address();
                for log in receipt.logs() {
                    if let Ok(event) = IMarketEvents::decode_log(&log.inner) {
                        self.note(&event.data, by_keeper, cast, epoch);
                    }
                }
            }
        }
        self.block = head;
        Ok(())
    }

    fn note(&mut self, event: &IMarketEvents, by_keeper: bool, cast: &Cast, epoch: u64) {
        use IMarketEvents as E;
        let text = match event {
            E::PlacementCreated(e) => {
                self.providers.insert(e.placementId, e.provider);
                format!(
                    "matched deployment {}: {} × {} at {} (placement {}, from epoch {})",
                    e.deploymentId,
                    e.instances,
                    cast.name_of(e.provider),
                    usdc(e.price),
                    e.placementId,
                    e.startEpoch
                )
            }
            E::PlacementEnded(e) if by_keeper => {
                let provider = self.providers.get(&e.placementId).copied();
                let provider = provider.map_or_else(String::new, |p| cast.name_of(p));
                if e.reason == EndReason::Evicted {
                    format!(
                        "evicted placement {} ({provider}): {} slashed into its deployment",
                        e.placementId,
                        usdc(e.slashed)
                    )
                } else {
                    format!("finalized placement {} ({provider})", e.placementId)
                }
            }
            E::DeploymentClosed(e) => format!(
                "closed underfunded deployment {}: it ends after epoch {}",
                e.deploymentId, e.endEpoch
            ),
            E::DeploymentUnderfunded(e) if e.sinceEpoch > 0 => {
                line(
                    epoch,
                    &format!(
                        "deployment {} is underfunded since epoch {}",
                        e.deploymentId, e.sinceEpoch
                    ),
                );
                return;
            }
            _ => return,
        };
        if by_keeper {
            line(epoch, &format!("keeper {text}"));
        }
    }
}
