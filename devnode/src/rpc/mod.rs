//! The JSON-RPC module: `eth_*`, `net_*`, `web3_*` ([`eth`]), `eth_createAccessList`
//! ([`access_list`]), polling filters ([`filters`]), the unlocked dev accounts ([`wallet`]),
//! anvil's `evm_*` ([`dev`]), `eth_subscribe` ([`subscribe`]) and the `debug_trace*` methods
//! ([`debug`]). Chain work runs on the chain thread, one job at a time.

pub(crate) mod access_list;
pub(crate) mod convert;
pub(crate) mod debug;
pub(crate) mod dev;
pub(crate) mod errors;
pub(crate) mod eth;
pub(crate) mod filters;
pub(crate) mod subscribe;
pub(crate) mod wallet;

use std::{
    panic::{AssertUnwindSafe, catch_unwind},
    sync::{Arc, mpsc},
    thread,
};

use jsonrpsee::{
    RpcModule,
    types::{ErrorObjectOwned, Params},
};
use serde::Serialize;
use tokio::sync::{broadcast, oneshot};

use crate::{Error, blocks::MinedBlock, node::Node};
use errors::RpcError;

/// Work for the chain thread.
type Job = Box<dyn FnOnce(&mut Node) + Send>;

/// What every handler shares: the queue to the chain thread, which owns the [`Node`] (revm's
/// state is not `Send`) and runs one job at a time, and the new-block feed.
#[derive(Clone)]
pub(crate) struct Shared {
    jobs: mpsc::Sender<Option<Job>>,
    /// Every mined block, for subscriptions.
    pub(crate) events: broadcast::Sender<Arc<MinedBlock>>,
}

impl Shared {
    /// Starts the chain thread, which builds its node with `build`.
    pub(crate) async fn start(
        build: impl FnOnce() -> Result<Node, Error> + Send + 'static,
        events: broadcast::Sender<Arc<MinedBlock>>,
    ) -> Result<(Self, thread::JoinHandle<()>), Error> {
        let (jobs, queue) = mpsc::channel::<Option<Job>>();
        let (ready, started) = oneshot::channel();
        let thread = thread::Builder::new()
            .name("devnode-chain".into())
            .spawn(move || {
                let mut node = match build() {
                    Ok(node) => {
                        let _ = ready.send(Ok(()));
                        node
                    }
                    Err(e) => {
                        let _ = ready.send(Err(e));
                        return;
                    }
                };
                while let Ok(Some(job)) = queue.recv() {
                    // A bug in a handler must not take the node down with it.
                    if catch_unwind(AssertUnwindSafe(|| job(&mut node))).is_err() {
                        eprintln!("error: a request panicked; the node keeps serving");
                    }
                }
            })
            .map_err(|e| Error::Task(e.to_string()))?;
        started
            .await
            .map_err(|_| Error::Task("the chain thread died while starting".into()))??;
        Ok((Self { jobs, events }, thread))
    }

    /// Runs `f` on the node, after every job queued before it.
    pub(crate) async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Node) -> T + Send + 'static,
    ) -> Result<T, RpcError> {
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move |node| {
            let _ = tx.send(f(node));
        });
        let stopped = || RpcError::Internal("the dev node is stopping".into());
        self.jobs.send(Some(job)).map_err(|_| stopped())?;
        rx.await.map_err(|_| stopped())
    }

    /// Asks the chain thread to finish after the jobs queued so far.
    pub(crate) fn shutdown(&self) {
        let _ = self.jobs.send(None);
    }
}

/// The RPC module over `shared`.
pub(crate) fn module(shared: Shared) -> Result<RpcModule<Shared>, Error> {
    let mut module = RpcModule::new(shared);
    eth::register(&mut module)?;
    access_list::register(&mut module)?;
    filters::register(&mut module)?;
    wallet::register(&mut module)?;
    dev::register(&mut module)?;
    subscribe::register(&mut module)?;
    debug::register(&mut module)?;
    Ok(module)
}

/// Registers `name` as a method that runs `f` on the node's thread.
pub(crate) fn node_method<R, F>(
    module: &mut RpcModule<Shared>,
    name: &'static str,
    f: F,
) -> Result<(), Error>
where
    R: Serialize + Clone + Send + 'static,
    F: Fn(&mut Node, Params<'static>) -> Result<R, ErrorObjectOwned>
        + Clone
        + Send
        + Sync
        + 'static,
{
    module
        .register_async_method(name, move |params, shared, _| {
            let f = f.clone();
            async move {
                shared
                    .run(move |node| f(node, params))
                    .await
                    .map_err(ErrorObjectOwned::from)?
            }
        })
        .map_err(|e| Error::Register(e.to_string()))?;
    Ok(())
}
