//! Starting and stopping the HTTP + WebSocket server and the interval miner.

use std::{net::SocketAddr, time::Duration};

use jsonrpsee::{
    Methods,
    core::middleware::RpcServiceBuilder,
    server::{Server, ServerConfig, ServerHandle, stop_channel},
};
use tokio::{net::TcpListener, sync::broadcast, task::JoinHandle};

use crate::{
    Config, Error,
    accounts::{self, DevAccount},
    config::{MAX_HTTP_REQUESTS, MAX_REQUEST_BYTES, MAX_WS_CONNECTIONS},
    connections,
    node::Node,
    rpc::{self, Shared, subscribe::HexIds},
    unknown_method::UnknownMethodLayer,
};

/// Blocks buffered for slow subscribers before they skip ahead.
const EVENT_BUFFER: usize = 256;

/// A running dev node.
pub struct DevNode {
    addr: SocketAddr,
    accounts: Vec<DevAccount>,
    handle: ServerHandle,
    miner: Option<JoinHandle<()>>,
    shared: Shared,
    chain_thread: std::thread::JoinHandle<()>,
}

impl std::fmt::Debug for DevNode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DevNode")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

/// Whole seconds of a block time (at least one).
fn block_seconds(block_time: Duration) -> Result<u64, Error> {
    if block_time.subsec_nanos() != 0 || block_time.as_secs() == 0 {
        return Err(Error::BlockTime(block_time));
    }
    Ok(block_time.as_secs())
}

/// Starts a dev node: derives the accounts, loads `config.state` if given, and serves HTTP and
/// WebSocket JSON-RPC on `config.host:config.port`.
pub async fn start(config: Config) -> Result<DevNode, Error> {
    let block_time = config.block_time.map(block_seconds).transpose()?;
    let accounts = accounts::derive(config.accounts)?;
    let (events, _) = broadcast::channel(EVENT_BUFFER);
    let (shared, chain_thread) = {
        let accounts = accounts.clone();
        let state = config.state.clone();
        let node_events = events.clone();
        let chain_id = config.chain_id;
        let build = move || {
            Node::new(
                chain_id,
                &accounts,
                block_time,
                state.as_deref(),
                node_events,
            )
        };
        Shared::start(build, events.clone()).await?
    };
    let methods: Methods = rpc::module(shared.clone())?.into();
    let addr = SocketAddr::new(config.host, config.port);
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|source| Error::Bind { addr, source })?;
    let addr = listener
        .local_addr()
        .map_err(|source| Error::Bind { addr, source })?;
    let jsonrpsee = Server::builder()
        .set_config(
            ServerConfig::builder()
                .set_id_provider(HexIds::default())
                .max_request_body_size(MAX_REQUEST_BYTES)
                // `connections` enforces the real caps; jsonrpsee's own, over both, never binds.
                .max_connections((MAX_HTTP_REQUESTS + MAX_WS_CONNECTIONS) as u32)
                .build(),
        )
        .set_rpc_middleware(RpcServiceBuilder::new().layer(UnknownMethodLayer(methods.clone())))
        .to_service_builder();
    let (stop, handle) = stop_channel();
    tokio::spawn(connections::serve(listener, jsonrpsee, methods, stop));
    let miner = config.block_time.map(|interval| {
        let shared = shared.clone();
        tokio::spawn(mine_every(interval, shared))
    });
    Ok(DevNode {
        addr,
        accounts,
        handle,
        miner,
        shared,
        chain_thread,
    })
}

/// Mines the pending pool every `interval`.
async fn mine_every(interval: Duration, shared: Shared) {
    let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + interval, interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        match shared.run(|node| node.mine(None).map(drop)).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) | Err(e) => eprintln!("warning: interval block failed: {e:?}"),
        }
    }
}

impl DevNode {
    /// `http://host:port`.
    pub fn rpc_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `ws://host:port`.
    pub fn ws_url(&self) -> String {
        format!("ws://{}", self.addr)
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The prefunded dev accounts.
    pub fn accounts(&self) -> &[DevAccount] {
        &self.accounts
    }

    /// Stops serving, stops the interval miner and waits for any call in flight to finish, so
    /// every block it mined is on disk.
    pub async fn stop(self) -> Result<(), Error> {
        if let Some(miner) = self.miner {
            miner.abort();
        }
        // Already stopped is fine.
        let _ = self.handle.stop();
        self.handle.stopped().await;
        self.shared.shutdown();
        let thread = self.chain_thread;
        tokio::task::spawn_blocking(move || thread.join())
            .await
            .map_err(|e| Error::Task(e.to_string()))?
            .map_err(|_| Error::Task("the chain thread panicked".into()))
    }
}
