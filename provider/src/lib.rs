//! The Cloudless provider node: serves the functions of its provider's placements over HTTP,
//! signs a receipt for every answer and commits it before the answer leaves, proves each
//! epoch's receipts root with one `submitProofs`, and answers the court's disputes.
//!
//! - [`chain`]: follows the chain with the keeper's ingestion and fold; sends through the
//!   keeper's journaled outbox.
//! - [`exec`]: loads, checks and runs functions on the harness's Stylus executor.
//! - [`store`]: the receipts database.
//! - [`http`]: the API (docs/provider.md).
//! - [`prove`], [`disputes`]: what proofs and answers carry.
//! - [`metrics`]: Prometheus metrics.
//!
//! ```no_run
//! # async fn demo(manifest: cloudless_client::manifest::Manifest, key: alloy::signers::local::PrivateKeySigner) -> Result<(), cloudless_provider::Error> {
//! use cloudless_provider::{Config, Node};
//! let config = Config::new("http://127.0.0.1:8547".into(), manifest, key, "provider-data".into());
//! let node = Node::start(config).await?;
//! println!("serving {} on http://{}", node.provider(), node.addr());
//! node.shutdown().await
//! # }
//! ```

pub mod chain;
pub mod disputes;
pub mod exec;
pub mod http;
pub mod metrics;
pub mod prove;
pub mod store;

use std::{net::SocketAddr, path::PathBuf, sync::Arc, time::Duration};

use alloy::signers::local::PrivateKeySigner;
use alloy_primitives::Address;
use cloudless_client::manifest::Manifest;
use cloudless_keeper::GasPolicy;
use tokio::{
    sync::{Mutex, watch},
    task::JoinHandle,
};

pub use crate::chain::Mined;
use crate::{
    chain::{Follower, Limits, Shared},
    store::{Store, StoreError},
};

/// Polls one [`NodeHandle::step`] makes at most while its transactions are pending.
const STEP_CYCLES: usize = 100;

/// The default `--listen` address.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8560";

/// How to run a provider node.
#[derive(Clone, Debug)]
pub struct Config {
    /// JSON-RPC endpoint.
    pub rpc_url: String,
    /// The marketplace's deployment manifest.
    pub manifest: Manifest,
    /// The worker key: signs receipts and the node's transactions.
    pub worker: PrivateKeySigner,
    /// Where the API listens (port 0 picks one, see [`Node::addr`]).
    pub listen: SocketAddr,
    /// Directory of `provider.sqlite` (receipts) and `journal.sqlite` (transactions).
    pub data: PathBuf,
    /// Largest request body, bytes.
    pub max_request: usize,
    /// Ink one invocation may use.
    pub max_ink: u64,
    /// Invocations running at once; more are refused with 429.
    pub workers: usize,
    /// Pause between polls of the chain.
    pub poll_interval: Duration,
    /// Fees and replacements of the node's transactions.
    pub gas: GasPolicy,
    /// Driven: the node follows the chain, proves and answers only when its handle's
    /// [`NodeHandle::step`] is called, and its view never goes stale between steps. For
    /// tests and the demo, which move the chain themselves and want every run identical.
    pub driven: bool,
    /// Fault injection: rewrites responses before they are receipted. `None` in production.
    pub tamper: Option<Tamper>,
}

/// Rewrites a response (given the request) before it is receipted and signed, as a broken or
/// dishonest node would: fault injection for dispute drills, such as the demo's cheating
/// provider. A real node never sets it.
#[derive(Clone)]
pub struct Tamper(pub Arc<Rewrite>);

/// `(request, response) → the response sent instead`.
pub type Rewrite = dyn Fn(&[u8], Vec<u8>) -> Vec<u8> + Send + Sync;

impl std::fmt::Debug for Tamper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Tamper(..)")
    }
}

impl Config {
    /// A configuration with the defaults: [`DEFAULT_LISTEN`], 1 MiB requests, the ink of 10
    /// million gas, one worker per core, 500 ms polls.
    pub fn new(
        rpc_url: String,
        manifest: Manifest,
        worker: PrivateKeySigner,
        data: PathBuf,
    ) -> Self {
        Self {
            rpc_url,
            manifest,
            worker,
            listen: DEFAULT_LISTEN.parse().expect("a valid address"),
            data,
            max_request: 1 << 20,
            max_ink: 10_000_000 * 10_000,
            workers: std::thread::available_parallelism().map_or(2, |n| n.get()),
            poll_interval: Duration::from_millis(500),
            gas: GasPolicy::default(),
            driven: false,
            tamper: None,
        }
    }
}

/// Why the node could not start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The configuration cannot work.
    #[error("{0}")]
    Config(String),
    /// The chain's node failed or answered nonsense.
    #[error("RPC: {0}")]
    Rpc(String),
    /// The keeper machinery (ingestion, journal, sender) failed.
    #[error(transparent)]
    Keeper(#[from] cloudless_keeper::Error),
    /// The receipts database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Starts provider nodes.
pub struct Node;

impl Node {
    /// Opens the data directory, connects, binds the API on `config.listen` and starts
    /// following the chain. The API answers 503 `not_synced` until the node has caught up with
    /// the head.
    pub async fn start(config: Config) -> Result<NodeHandle, Error> {
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .map_err(|e| Error::Config(format!("binding {}: {e}", config.listen)))?;
        Self::start_on(config, listener).await
    }

    /// [`Node::start`] serving the API on `listener`, bound beforehand (its address can be
    /// handed out before the node starts).
    pub async fn start_on(
        config: Config,
        listener: tokio::net::TcpListener,
    ) -> Result<NodeHandle, Error> {
        std::fs::create_dir_all(&config.data)
            .map_err(|e| Error::Config(format!("creating {}: {e}", config.data.display())))?;
        let market = config
            .manifest
            .address("market")
            .ok_or_else(|| Error::Config("the manifest has no market address".into()))?;
        let store = Store::open(
            &config.data.join("provider.sqlite"),
            config.manifest.chain_id,
            market,
            config.worker.clone(),
        )?;
        let limits = Limits {
            max_request: config.max_request,
            max_ink: config.max_ink,
        };
        let stale_after = match config.driven {
            true => Duration::MAX,
            false => (config.poll_interval * 20).max(Duration::from_secs(10)),
        };
        let mut shared = Shared::new(store, limits, config.workers, stale_after);
        shared.tamper = config.tamper.clone();
        let shared = Arc::new(shared);
        let follower = Follower::connect(&config, shared.clone()).await?;
        let provider = follower.provider();
        let addr = listener
            .local_addr()
            .map_err(|e| Error::Config(e.to_string()))?;
        let (stop, stopped) = watch::channel(false);
        let mut tasks = Vec::new();
        let driven = if config.driven {
            Some(Mutex::new(follower))
        } else {
            tasks.push(tokio::spawn(follower.run(stopped.clone())));
            None
        };
        let until = stopped;
        let serve = cloudless_client::serve::spawn_serving(listener, http::router(shared), until);
        tasks.push(serve);
        tracing::info!(%addr, %provider, "provider node serving");
        Ok(NodeHandle {
            addr,
            provider,
            stop,
            tasks,
            driven,
        })
    }
}

/// A running node.
pub struct NodeHandle {
    addr: SocketAddr,
    provider: Address,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
    /// The follower of a driven node.
    driven: Option<Mutex<Follower>>,
}

impl NodeHandle {
    /// Where the API listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The provider whose placements the node serves.
    pub fn provider(&self) -> Address {
        self.provider
    }

    /// Drives a [`Config::driven`] node: catches up with the head, sends the proofs and
    /// dispute answers due, and follows until each is mined, failed or given up. Returns the
    /// transactions mined, in order. Errors for a node that follows the chain by itself.
    pub async fn step(&self) -> Result<Vec<Mined>, Error> {
        let follower = self.driven.as_ref().ok_or_else(|| {
            Error::Config("only a driven node (`Config::driven`) is stepped".into())
        })?;
        let mut follower = follower.lock().await;
        let mut mined = Vec::new();
        for _ in 0..STEP_CYCLES {
            let cycle = follower.cycle().await?;
            mined.extend(cycle.mined);
            if !cycle.busy {
                return Ok(mined);
            }
            tokio::time::sleep(follower.poll_interval()).await;
        }
        Err(Error::Rpc(format!(
            "transactions still pending after {STEP_CYCLES} polls: does the chain mine?"
        )))
    }

    /// Stops serving (requests in flight finish) and following the chain.
    pub async fn shutdown(self) -> Result<(), Error> {
        let _ = self.stop.send(true);
        for task in self.tasks {
            task.await
                .map_err(|e| Error::Config(format!("a node task failed: {e}")))?;
        }
        Ok(())
    }
}
