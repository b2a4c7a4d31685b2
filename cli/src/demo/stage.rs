//! The stage the script plays on: the node's clock, an in-process keeper, and sending that
//! lets the keeper react to every transaction before the next one, so a run is deterministic.

use std::{path::Path, time::Duration};

use alloy::providers::Provider;
use alloy_primitives::{Address, U256};
use alloy_sol_types::SolCall;
use anyhow::{Context, Result};
use cloudless_abi::{clock::epoch_start, market::IMarket};
use cloudless_keeper::{Config, Keeper, KeeperHandle, Status, verify::Verify};
use tokio::sync::Mutex;

use super::{
    actors::{Actor, Cast},
    progress::Tracker,
};
use crate::{
    chain::{
        program::{DeployedProgram, deploy_program},
        send::Sent,
    },
    contracts::deploy::Deployed,
    token,
};

/// How long the keeper may take to work through one step.
const KEEPER_TIMEOUT: Duration = Duration::from_secs(120);

/// The node, the keeper and the progress tracker.
pub struct Stage<'a> {
    cast: &'a Cast,
    keeper: KeeperHandle,
    tracker: Mutex<Tracker>,
    genesis_time: u64,
    epoch_length: u64,
}

/// What the keeper reports at the end, with every account's gas.
pub struct Closed {
    /// The keeper's counters.
    pub status: Status,
    /// Gas used per sending account, deployment included.
    pub gas: std::collections::BTreeMap<Address, u64>,
}

impl<'a> Stage<'a> {
    /// Starts the keeper (journal in `folder`, verifying proofs as `verify` says) on the
    /// deployed marketplace.
    pub async fn open(
        node: &devnode::DevNode,
        deployed: &Deployed,
        cast: &'a Cast,
        folder: &Path,
        verify: Verify,
    ) -> Result<Self> {
        let mut config = Config::new(
            node.rpc_url(),
            deployed.manifest.clone(),
            node.accounts()[1].signer(),
            folder.join("keeper.sqlite"),
        );
        config.poll_interval = Duration::from_millis(50);
        config.verify = Some(verify);
        let keeper = Keeper::start(config).await.context("starting the keeper")?;
        let stage = Self {
            cast,
            keeper,
            tracker: Mutex::new(Tracker::default()),
            genesis_time: deployed.manifest.genesis_time,
            epoch_length: deployed.manifest.epoch_length,
        };
        stage.settle().await?;
        super::progress::line(0, "keeper started (in-process, SQLite journal)");
        Ok(stage)
    }

    /// Sends `call` from `actor` to `to`, then lets the keeper react.
    pub async fn send<C: SolCall>(&self, actor: &Actor, to: Address, call: C) -> Result<Sent> {
        let sent = actor.session.client.send(to, call).await?;
        self.settle().await?;
        Ok(sent)
    }

    /// [`token::send_paying`] from `actor`, then lets the keeper react.
    pub async fn send_paying<C: SolCall + Clone>(
        &self,
        actor: &Actor,
        spender: Address,
        amount: U256,
        to: Address,
        call: C,
    ) -> Result<Vec<Sent>> {
        let sent = token::send_paying(&actor.session, spender, amount, to, call).await?;
        self.settle().await?;
        Ok(sent)
    }

    /// Deploys and activates the built function `name` from `actor`, then lets the keeper
    /// react.
    pub async fn deploy_function(&self, actor: &Actor, name: &str) -> Result<DeployedProgram> {
        let code = harness::artifact::Artifacts::locate()
            .load(name)
            .with_context(|| format!("loading the {name} artifact"))?;
        let deployed = deploy_program(&actor.session.client, name, &code).await?;
        self.settle().await?;
        Ok(deployed)
    }

    /// The market's current epoch.
    pub async fn epoch(&self) -> Result<u64> {
        let s = &self.cast.owner.session;
        s.client
            .view(s.market(), IMarket::currentEpochCall {})
            .await
    }

    /// Mines the first block of `epoch` (`evm_mine` at its start time), then lets the keeper
    /// react.
    pub async fn advance_to(&self, epoch: u64) -> Result<()> {
        let start = epoch_start(epoch, self.genesis_time, self.epoch_length);
        self.cast
            .owner
            .session
            .client
            .provider
            .raw_request::<_, serde_json::Value>("evm_mine".into(), (start,))
            .await
            .with_context(|| format!("mining the first block of epoch {epoch}"))?;
        self.settle().await
    }

    /// Waits until the keeper has handled the head and has nothing in flight, then reports
    /// what it did.
    pub async fn settle(&self) -> Result<()> {
        self.keeper
            .wait_idle(KEEPER_TIMEOUT)
            .await
            .context("waiting for the keeper")?;
        let epoch = self.epoch().await?;
        let client = &self.cast.owner.session.client;
        self.tracker
            .lock()
            .await
            .catch_up(client, self.cast, epoch)
            .await
    }

    /// Stops the keeper and returns its counters and the gas tally.
    pub async fn close(self) -> Result<Closed> {
        self.settle().await?;
        let status = self.keeper.status();
        self.keeper
            .shutdown()
            .await
            .context("stopping the keeper")?;
        Ok(Closed {
            status,
            gas: self.tracker.into_inner().gas,
        })
    }
}
