//! The set-up the marketplace benchmarks share: the marketplace deployed over RPC and the
//! owner's account registered as a staked provider, holding tokens approved to the market.

use alloy::{primitives::U256, signers::local::PrivateKeySigner};
use anyhow::{Context, Result};
use clap::Parser;
use cloudless_abi::{erc20::IStylusToken, market::IRegistry};
use cloudless_client::manifest::Manifest;
use harness::{
    artifact::Artifacts,
    marketplace::{DEFAULT_FUNCTION, Marketplace},
};
use std::path::Path;

use crate::{
    chain::{
        Client,
        client::{RpcArgs, WalletArgs},
        program,
    },
    contracts::deploy,
};

/// A deployed marketplace whose owner is a staked provider.
pub(super) struct StakedProvider {
    /// The owner's client.
    pub client: Client,
    /// The deployment manifest.
    pub manifest: Manifest,
    /// The token, registry and market, and the owner.
    pub marketplace: Marketplace,
}

impl StakedProvider {
    /// Deploys the marketplace on `url` from `owner` (manifest in `dir`), then registers and
    /// stakes `owner` as a provider with `deposits` more tokens approved to the market.
    pub(super) async fn open(
        url: &str,
        owner: &PrivateKeySigner,
        dir: &Path,
        deposits: U256,
    ) -> Result<Self> {
        let key = format!("0x{}", hex::encode(owner.to_bytes()));
        let out = dir.to_string_lossy().into_owned();
        let args = deploy::Args::try_parse_from([
            "deploy",
            "--rpc-url",
            url,
            "--private-key",
            &key,
            "--out",
            &out,
        ])?;
        let manifest = deploy::ensure_deployed(&args).await?.manifest;
        let (token, registry, market) = (
            manifest.token.context("deployed token")?,
            manifest.address("registry").context("deployed registry")?,
            manifest.address("market").context("deployed market")?,
        );
        let wallet = WalletArgs {
            private_key: Some(key),
            ..WalletArgs::default()
        };
        let rpc = RpcArgs {
            rpc_url: url.to_owned(),
            json: true,
        };
        let client = Client::connect(&rpc, &wallet).await?;
        let address = client.sender()?;
        let stake = U256::from(manifest.registry_params.min_stake);
        let mint = IStylusToken::mintCall {
            to: address,
            amount: stake + deposits,
        };
        client.send(token, mint).await?;
        for (spender, value) in [(registry, stake), (market, deposits)] {
            client
                .send(token, IStylusToken::approveCall { spender, value })
                .await?;
        }
        let register = IRegistry::registerProviderCall {
            metadataURI: "bench".into(),
        };
        client.send(registry, register).await?;
        client
            .send(registry, IRegistry::stakeCall { amount: stake })
            .await?;
        let code = Artifacts::locate().load(DEFAULT_FUNCTION)?;
        let function = program::deploy_program(&client, DEFAULT_FUNCTION, &code).await?;
        Ok(Self {
            client,
            manifest,
            marketplace: Marketplace {
                token,
                registry,
                market,
                owner: address,
                function: function.address,
                artifact: function.code_hash,
            },
        })
    }

    /// Opens an offer of `capacity` instances of 4 CPUs and 8 GiB in region 0 at `price`;
    /// returns its id.
    pub(super) async fn offer(&self, price: u128, capacity: u32) -> Result<u64> {
        let create = IRegistry::createOfferCall {
            cpuMilli: 4_000,
            memMiB: 8_192,
            region: 0,
            tier: 0,
            token: self.marketplace.token,
            pricePerInstanceEpoch: price,
            capacity,
        };
        let sent = self.client.send(self.marketplace.registry, create).await?;
        sent.event_id("OfferCreated", "offer_id")
    }
}
