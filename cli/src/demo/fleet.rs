//! The providers' nodes and the gateway, in-process: one `cloudless provider serve` node per
//! provider (its worker key, its own data directory), driven step by step so every run is
//! identical, and one `cloudless gateway` the users call through. Nodes are registered under
//! fixed URLs (`http://<name>.provider.test`) that the gateway resolves to their local ports,
//! so the chain never sees a port picked at run time.

use std::{
    net::SocketAddr,
    path::Path,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use alloy::providers::Provider;
use alloy_primitives::U256;
use alloy_sol_types::SolEvent;
use anyhow::{Context, Result};
use cloudless_abi::{court::ICourt, market::IMarket};
use cloudless_client::{calls::Caller, serve::spawn_serving};
use cloudless_provider::{Config, Node, NodeHandle, Tamper};
use tokio::{net::TcpListener, sync::watch, task::JoinHandle};

use super::{actors::Cast, progress::line, usdc};
use crate::chain::manifest::Manifest;

/// The URL `provider` registers for its node.
pub fn node_url(provider: &str) -> String {
    format!("http://{}", host(provider))
}

fn host(provider: &str) -> String {
    format!("{provider}.provider.test")
}

/// Loopback listeners for the nodes, bound before anything starts, so the keeper and the
/// gateway know from the start where each node's URL resolves.
pub struct Ports {
    listeners: Vec<TcpListener>,
    /// `(host, address)` of every provider's node.
    pub overrides: Vec<(String, SocketAddr)>,
}

impl Ports {
    /// Binds one listener per provider name.
    pub async fn bind(providers: &[&str]) -> Result<Self> {
        let (mut listeners, mut overrides) = (Vec::new(), Vec::new());
        for name in providers {
            let listener = TcpListener::bind("127.0.0.1:0").await?;
            overrides.push((host(name), listener.local_addr()?));
            listeners.push(listener);
        }
        Ok(Self {
            listeners,
            overrides,
        })
    }
}

/// Seconds the gateway waits for one node.
const NODE_TIMEOUT: Duration = Duration::from_secs(30);

/// The running nodes and gateway.
pub struct Fleet {
    /// Each provider's node, in [`super::actors::PROVIDERS`] order; `None` once taken down.
    nodes: Vec<Option<NodeHandle>>,
    names: Vec<String>,
    gateway: SocketAddr,
    stop: watch::Sender<bool>,
    serving: JoinHandle<()>,
}

impl Fleet {
    /// Starts a driven node for every provider on its port (data under `folder`), with
    /// `cheat.1` tampering on the node of provider `cheat.0`, and the gateway.
    pub async fn start(
        rpc_url: &str,
        manifest: &Manifest,
        cast: &Cast,
        folder: &Path,
        ports: Ports,
        cheat: (usize, Tamper),
    ) -> Result<Self> {
        let mut nodes = Vec::new();
        let nodes_on = cast
            .providers
            .iter()
            .zip(&cast.workers)
            .zip(ports.listeners);
        for (i, ((provider, worker), listener)) in nodes_on.enumerate() {
            let mut config = Config::new(
                rpc_url.to_owned(),
                manifest.clone(),
                worker.signer.clone(),
                folder.join(&provider.name),
            );
            config.driven = true;
            config.workers = 1;
            config.poll_interval = Duration::from_millis(10);
            if i == cheat.0 {
                config.tamper = Some(cheat.1.clone());
            }
            let node = Node::start_on(config, listener)
                .await
                .with_context(|| format!("starting {}'s node", provider.name))?;
            nodes.push(Some(node));
        }
        let s = &cast.owner.session;
        let caller = Caller::new(
            s.client.provider.clone(),
            s.client.chain_id,
            (s.market(), s.registry()),
            manifest.deploy_block.unwrap_or_default(),
            NODE_TIMEOUT,
        )?
        .resolving(&ports.overrides)?;
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let gateway = listener.local_addr()?;
        let app = crate::gateway::router(caller, 1 << 20);
        let (stop, stopped) = watch::channel(false);
        let serving = spawn_serving(listener, app, stopped);
        let names = cast.providers.iter().map(|p| p.name.clone()).collect();
        Ok(Self {
            nodes,
            names,
            gateway,
            stop,
            serving,
        })
    }

    /// The gateway's base URL.
    pub fn gateway(&self) -> String {
        format!("http://{}", self.gateway)
    }

    /// Steps every running node in provider order (each catches up, proves what is due and
    /// answers its disputes) and prints what they got mined.
    pub async fn step(&self, cast: &Cast, epoch: u64) -> Result<()> {
        for (node, name) in self.nodes.iter().zip(&self.names) {
            let Some(node) = node else { continue };
            let mined = node
                .step()
                .await
                .with_context(|| format!("stepping {name}'s node"))?;
            for tx in mined {
                let receipt = cast
                    .owner
                    .session
                    .client
                    .provider
                    .get_transaction_receipt(tx.hash)
                    .await?
                    .with_context(|| format!("no receipt for {}", tx.hash))?;
                for log in receipt.logs() {
                    if let Ok(e) = IMarket::EpochProven::decode_log(&log.inner) {
                        let fee = usdc(e.fee);
                        line(
                            epoch,
                            &format!(
                                "{name}'s node proved placement {} epoch {}: {} receipt(s) under root {}…, {} held for {name}, {fee} fee",
                                e.placementId,
                                e.epoch,
                                e.count,
                                &e.receiptsRoot.to_string()[..10],
                                usdc(e.paid),
                            ),
                        );
                    } else if let Ok(e) = ICourt::DisputeAnswered::decode_log(&log.inner) {
                        line(
                            epoch,
                            &format!(
                                "{name}'s node answered dispute {} with the leaf and its path: the court re-ran it and the bond ({}) goes to {name}",
                                e.disputeId,
                                usdc(e.bond)
                            ),
                        );
                    }
                }
            }
        }
        Ok(())
    }

    /// Takes provider `index`'s node down: its API stops and nothing more is proven.
    pub async fn take_down(&mut self, index: usize) -> Result<()> {
        if let Some(node) = self.nodes[index].take() {
            node.shutdown().await?;
        }
        Ok(())
    }

    /// Stops the gateway and every node.
    pub async fn stop(self) -> Result<()> {
        let _ = self.stop.send(true);
        self.serving.await?;
        for node in self.nodes.into_iter().flatten() {
            node.shutdown().await?;
        }
        Ok(())
    }
}

/// A switch for the cheating node: while on, every quote it answers has its total doubled
/// (a wrong response, receipted and signed as if right).
pub fn overcharging(on: Arc<AtomicBool>) -> Tamper {
    Tamper(Arc::new(move |_request: &[u8], response: Vec<u8>| {
        if !on.load(Ordering::Relaxed) {
            return response;
        }
        double_total(&response).unwrap_or(response)
    }))
}

/// A quote (`{…,"total":N,…}`) with `N` doubled; `None` for anything else.
fn double_total(response: &[u8]) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(response).ok()?;
    let at = text.find(r#""total":"#)? + r#""total":"#.len();
    let digits = text[at..].bytes().take_while(u8::is_ascii_digit).count();
    let total: U256 = text[at..at + digits].parse().ok()?;
    Some(
        format!(
            "{}{}{}",
            &text[..at],
            total * U256::from(2),
            &text[at + digits..]
        )
        .into_bytes(),
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_overcharged_quote_doubles_only_its_total() {
        let quote = br#"{"sku":"gpu","qty":12,"unit_price":27000,"total":307800,"quote_id":"ab"}"#;
        let doubled = super::double_total(quote).unwrap();
        assert_eq!(
            doubled,
            br#"{"sku":"gpu","qty":12,"unit_price":27000,"total":615600,"quote_id":"ab"}"#
        );
        assert_eq!(super::double_total(b"a,b\n1,2"), None);
    }
}
