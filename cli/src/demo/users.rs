//! The developers' users: they call the functions through the gateway, keep every answer with
//! its signed receipt, and check each by running the function themselves (an `eth_call` of its
//! program: what the court's re-execution does). A wrong answer is disputed with
//! `disputeResult`; a proven epoch can be sampled with `challengeSample`.

use alloy::{network::TransactionBuilder, providers::Provider, rpc::types::TransactionRequest};
use alloy_primitives::{Address, Bytes, keccak256};
use alloy_sol_types::SolValue;
use anyhow::{Context, Result, bail};
use cloudless_abi::court::{ICourt, Receipt};
use cloudless_client::calls::{RECEIPT_HEADER, SIGNATURE_HEADER};

use super::actors::Actor;

/// An answer a user holds: the request, the response and its signed receipt.
#[derive(Clone, Debug)]
pub struct Held {
    /// The deployment called.
    pub deployment: u64,
    /// The provider that answered.
    pub provider: Address,
    /// The receipt.
    pub receipt: Receipt,
    /// The worker's signature over it.
    pub signature: Bytes,
    /// What was sent.
    pub request: Bytes,
    /// What came back.
    pub response: Bytes,
    /// Whether it is what the function answers, once checked.
    pub correct: Option<bool>,
}

impl Held {
    /// `disputeResult` for this answer.
    pub fn dispute(&self) -> ICourt::disputeResultCall {
        ICourt::disputeResultCall {
            receipt: self.receipt.clone(),
            signature: self.signature.clone(),
            request: self.request.clone(),
        }
    }
}

/// Calls through one gateway.
pub struct Users {
    http: reqwest::Client,
    gateway: String,
}

impl Users {
    /// Users of the gateway at `gateway`.
    pub fn new(gateway: String) -> Self {
        Self {
            http: reqwest::Client::new(),
            gateway,
        }
    }

    /// `POST /d/{deployment}` with `request`: the answer with its receipt, or `None` when the
    /// gateway refuses (no live placement, every node failed) — the refusal's code with it.
    pub async fn call(&self, deployment: u64, request: Bytes) -> Result<Result<Held, String>> {
        let reply = self
            .http
            .post(format!("{}/d/{deployment}", self.gateway))
            .body(request.to_vec())
            .send()
            .await
            .context("calling the gateway")?;
        let status = reply.status();
        let headers = reply.headers().clone();
        let body = reply.bytes().await?;
        if !status.is_success() {
            let refusal: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
            let code = refusal["error"].as_str().unwrap_or("unknown").to_owned();
            return Ok(Err(code));
        }
        let header = |name: &str| -> Result<Bytes> {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse().ok())
                .with_context(|| format!("the gateway's answer has no {name}"))
        };
        let receipt = Receipt::abi_decode(&header(RECEIPT_HEADER)?)?;
        let provider = headers
            .get("Cloudless-Provider")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
            .context("the gateway's answer names no provider")?;
        let response = Bytes::from(body.to_vec());
        if receipt.requestHash != keccak256(&request)
            || receipt.responseHash != keccak256(&response)
        {
            bail!("the gateway's receipt is not for this request and response");
        }
        Ok(Ok(Held {
            deployment,
            provider,
            receipt,
            signature: header(SIGNATURE_HEADER)?,
            request,
            response,
            correct: None,
        }))
    }
}

/// Whether `held` is what `program` answers to its request, run by `user` (an `eth_call`).
pub async fn checks_out(user: &Actor, program: Address, held: &Held) -> Result<bool> {
    let tx = TransactionRequest::default()
        .with_to(program)
        .with_input(held.request.clone());
    let expected = user
        .session
        .client
        .provider
        .call(tx)
        .await
        .with_context(|| format!("running {program} on a held request"))?;
    Ok(expected == held.response)
}
