//! Calling a deployment through its providers' nodes (the HTTP API of docs/provider.md). The
//! live placements and their providers' node URLs come from the chain; the request goes to one
//! node and fails over to the next; an answer counts only once its receipt verifies: signed by
//! a worker of that placement's provider, for this request and exactly this response, in the
//! current epoch.

use std::{net::SocketAddr, time::Duration};

use alloy::{
    providers::Provider,
    rpc::types::{Filter, TransactionRequest},
};
use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use alloy_sol_types::{SolCall, SolEvent, SolValue};
use anyhow::Context;
use cloudless_abi::{
    court::Receipt,
    market::{IMarket, IRegistry},
};
use serde::{Deserialize, Serialize};

use crate::receipts;

/// Header carrying the ABI encoding of the [`Receipt`], `0x`-hex.
pub const RECEIPT_HEADER: &str = "Cloudless-Receipt";
/// Header carrying the worker's 65-byte signature `r ‖ s ‖ v`, `0x`-hex.
pub const SIGNATURE_HEADER: &str = "Cloudless-Signature";

/// Where a deployment is served: a live placement and its provider's node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Route {
    /// The placement.
    pub placement_id: u64,
    /// Its provider.
    pub provider: Address,
    /// The provider's node (its registered metadata URI).
    pub url: String,
}

/// A receipt as JSON: the fields of [`Receipt`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptJson {
    /// The placement that answered.
    pub placement_id: u64,
    /// The epoch it answered in.
    pub epoch: u64,
    /// Its index among the placement's receipts of the epoch.
    pub seq: u64,
    /// `keccak256(request)`.
    pub request_hash: B256,
    /// `keccak256(response)`.
    pub response_hash: B256,
}

impl From<&Receipt> for ReceiptJson {
    fn from(r: &Receipt) -> Self {
        Self {
            placement_id: r.placementId,
            epoch: r.epoch,
            seq: r.seq,
            request_hash: r.requestHash,
            response_hash: r.responseHash,
        }
    }
}

impl From<&ReceiptJson> for Receipt {
    fn from(r: &ReceiptJson) -> Self {
        Self {
            placementId: r.placement_id,
            epoch: r.epoch,
            seq: r.seq,
            requestHash: r.request_hash,
            responseHash: r.response_hash,
        }
    }
}

/// A verified answer, as kept on disk for disputes (`cloudless dispute … FILE`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    /// The chain.
    pub chain_id: u64,
    /// The market the receipt is signed for.
    pub market: Address,
    /// The deployment called.
    pub deployment_id: u64,
    /// The placement's provider.
    pub provider: Address,
    /// The node that answered.
    pub url: String,
    /// The key that signed the receipt (a worker of `provider`, or `provider` itself).
    pub signer: Address,
    /// The receipt.
    pub receipt: ReceiptJson,
    /// Its signature.
    pub signature: Bytes,
    /// The request sent.
    pub request: Bytes,
    /// The response received.
    pub response: Bytes,
}

impl Answer {
    /// The receipt as the court takes it.
    pub fn receipt(&self) -> Receipt {
        Receipt::from(&self.receipt)
    }
}

/// Why a node's answer was not accepted (the call then fails over to the next node).
#[derive(Debug, thiserror::Error)]
pub enum Rejected {
    /// The node could not be reached or timed out.
    #[error("unreachable: {0}")]
    Unreachable(String),
    /// The node answered with an error status.
    #[error("HTTP {status}: {body}")]
    Status {
        /// The status code.
        status: u16,
        /// The body (the node's JSON error).
        body: String,
    },
    /// A receipt header is missing or malformed.
    #[error("no valid {0} header")]
    Header(&'static str),
    /// The receipt names another placement, request or response than this call's.
    #[error("the receipt does not match the call: {0}")]
    Mismatch(String),
    /// The receipt is for another epoch than the current one.
    #[error("the receipt is for epoch {got}, the current epoch is {current}")]
    Epoch {
        /// The receipt's epoch.
        got: u64,
        /// The chain's.
        current: u64,
    },
    /// The signature is not by a worker of the placement's provider.
    #[error("signed by {signer}, not by a worker of provider {provider}")]
    Signer {
        /// Who signed.
        signer: Address,
        /// The placement's provider.
        provider: Address,
    },
}

/// One failed attempt of a call.
#[derive(Debug)]
pub struct Attempt {
    /// Where it went.
    pub route: Route,
    /// Why it failed.
    pub rejected: Rejected,
}

/// Calls deployments of the marketplace at `market` (with its `registry`) on the chain behind
/// `provider`.
pub struct Caller<P> {
    provider: P,
    chain_id: u64,
    market: Address,
    registry: Address,
    from_block: u64,
    timeout: Duration,
    http: reqwest::Client,
}

impl<P: Provider> Caller<P> {
    /// A caller whose log queries start at `from_block` (the market's deploy block) and whose
    /// requests time out after `timeout`.
    pub fn new(
        provider: P,
        chain_id: u64,
        (market, registry): (Address, Address),
        from_block: u64,
        timeout: Duration,
    ) -> anyhow::Result<Self> {
        Ok(Self {
            provider,
            chain_id,
            market,
            registry,
            from_block,
            timeout,
            http: http_client(timeout, &[])?,
        })
    }

    /// Sends requests for each `(host, addr)` to `addr` instead of resolving `host` (curl's
    /// `--resolve`): reach nodes under their registered URLs before their DNS exists, or on
    /// local ports. A port in the URL wins over the address's.
    pub fn resolving(mut self, overrides: &[(String, SocketAddr)]) -> anyhow::Result<Self> {
        self.http = http_client(self.timeout, overrides)?;
        Ok(self)
    }

    async fn view<C: SolCall>(&self, to: Address, call: C) -> anyhow::Result<C::Return> {
        let tx = TransactionRequest::default()
            .to(to)
            .input(call.abi_encode().into());
        let output = self
            .provider
            .call(tx)
            .await
            .map_err(|error| crate::revert::from_rpc(error, C::SIGNATURE))?;
        C::abi_decode_returns(&output).with_context(|| format!("decoding {}", C::SIGNATURE))
    }

    /// The market's current epoch.
    pub async fn current_epoch(&self) -> anyhow::Result<u64> {
        self.view(self.market, IMarket::currentEpochCall {}).await
    }

    /// The placements of `deployment_id` live in `epoch`, with their providers' node URLs, by
    /// placement id. Providers with no URL registered are left out.
    pub async fn routes(&self, deployment_id: u64, epoch: u64) -> anyhow::Result<Vec<Route>> {
        let filter = Filter::new()
            .address(self.market)
            .event_signature(IMarket::PlacementCreated::SIGNATURE_HASH)
            .topic2(B256::from(U256::from(deployment_id)))
            .from_block(self.from_block);
        let logs = self
            .provider
            .get_logs(&filter)
            .await
            .context("asking the node for the deployment's placements")?;
        let mut routes = Vec::new();
        for log in logs {
            let created = IMarket::PlacementCreated::decode_log_data(log.data())
                .context("decoding PlacementCreated")?;
            let id = created.placementId;
            let p = self
                .view(self.market, IMarket::placementCall { placementId: id })
                .await?;
            if !p.live || p.startEpoch > epoch || p.endEpoch < epoch {
                continue;
            }
            let url = self
                .view(
                    self.registry,
                    IRegistry::providerMetadataCall {
                        provider: p.provider,
                    },
                )
                .await?;
            if url.starts_with("http://") || url.starts_with("https://") {
                routes.push(Route {
                    placement_id: id,
                    provider: p.provider,
                    url: url.trim_end_matches('/').to_owned(),
                });
            }
        }
        Ok(routes)
    }

    /// Sends `request` to `deployment_id` over `routes` (found for `epoch`), starting at the one
    /// the request's hash picks (so calls spread over the nodes) and failing over to the next
    /// until one answer verifies; a receipt must be for `epoch` or the next (a call across the
    /// boundary). Returns it with the attempts that failed before it, or every failed attempt.
    pub async fn call(
        &self,
        deployment_id: u64,
        epoch: u64,
        routes: &[Route],
        request: Bytes,
    ) -> Result<(Answer, Vec<Attempt>), Vec<Attempt>> {
        let mut failed = Vec::new();
        let start = match routes.len() {
            0 => 0,
            n => usize::from(keccak256(&request)[31]) % n,
        };
        for route in routes.iter().cycle().skip(start).take(routes.len()) {
            match self.attempt(deployment_id, epoch, route, &request).await {
                Ok(answer) => return Ok((answer, failed)),
                Err(rejected) => failed.push(Attempt {
                    route: route.clone(),
                    rejected,
                }),
            }
        }
        Err(failed)
    }

    async fn attempt(
        &self,
        deployment_id: u64,
        epoch: u64,
        route: &Route,
        request: &Bytes,
    ) -> Result<Answer, Rejected> {
        let url = format!("{}/v1/deployments/{deployment_id}", route.url);
        let reply = self
            .http
            .post(url)
            .header("content-type", "application/octet-stream")
            .body(request.to_vec())
            .send()
            .await
            .map_err(unreachable)?;
        let status = reply.status();
        let headers = reply.headers().clone();
        let body = reply.bytes().await.map_err(unreachable)?;
        if !status.is_success() {
            return Err(Rejected::Status {
                status: status.as_u16(),
                body: String::from_utf8_lossy(&body).into_owned(),
            });
        }
        let hex_header = |name: &'static str| -> Result<Bytes, Rejected> {
            headers
                .get(name)
                .and_then(|value| value.to_str().ok())
                .and_then(|value| value.parse::<Bytes>().ok())
                .ok_or(Rejected::Header(name))
        };
        let receipt = Receipt::abi_decode(&hex_header(RECEIPT_HEADER)?)
            .map_err(|_| Rejected::Header(RECEIPT_HEADER))?;
        let signature = hex_header(SIGNATURE_HEADER)?;
        let response = Bytes::from(body.to_vec());
        if receipt.placementId != route.placement_id {
            return Err(Rejected::Mismatch(format!(
                "placement {} instead of {}",
                receipt.placementId, route.placement_id
            )));
        }
        if receipt.requestHash != keccak256(request) {
            return Err(Rejected::Mismatch("another request's hash".into()));
        }
        if receipt.responseHash != keccak256(&response) {
            return Err(Rejected::Mismatch("another response's hash".into()));
        }
        if receipt.epoch != epoch && receipt.epoch != epoch + 1 {
            return Err(Rejected::Epoch {
                got: receipt.epoch,
                current: epoch,
            });
        }
        let signer = receipts::recover(self.chain_id, self.market, &receipt, &signature)
            .map_err(|_| Rejected::Header(SIGNATURE_HEADER))?;
        if signer != route.provider {
            let worker = self
                .view(self.registry, IRegistry::workerOfCall { worker: signer })
                .await
                .map_err(unreachable)?;
            if worker.provider != route.provider {
                return Err(Rejected::Signer {
                    signer,
                    provider: route.provider,
                });
            }
        }
        Ok(Answer {
            chain_id: self.chain_id,
            market: self.market,
            deployment_id,
            provider: route.provider,
            url: route.url.clone(),
            signer,
            receipt: ReceiptJson::from(&receipt),
            signature,
            request: request.clone(),
            response,
        })
    }
}

/// An HTTP client timing out after `timeout` that reaches each `(host, addr)` of `overrides`
/// at `addr` instead of resolving it.
pub fn http_client(
    timeout: Duration,
    overrides: &[(String, SocketAddr)],
) -> anyhow::Result<reqwest::Client> {
    overrides
        .iter()
        .fold(
            reqwest::Client::builder().timeout(timeout),
            |b, (host, addr)| b.resolve(host, *addr),
        )
        .build()
        .context("building the HTTP client")
}

fn unreachable(error: impl std::fmt::Display) -> Rejected {
    Rejected::Unreachable(error.to_string())
}
