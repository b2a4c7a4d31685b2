//! The cast: the dev node's prefunded accounts as named actors, each with a client that signs
//! with its key and knows the marketplace's addresses.

use alloy::signers::local::PrivateKeySigner;
use alloy_primitives::Address;
use anyhow::Result;
use serde::Serialize;

use crate::chain::{
    Client, Session,
    client::{RpcArgs, WalletArgs},
    manifest::Manifest,
};

/// What an actor does in the round.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Deploys the marketplace, owns the token and the treasury.
    Owner,
    /// Runs the keeper.
    Keeper,
    /// Sells capacity.
    Provider,
    /// A provider's worker key: serves requests, signs their receipts and submits the proofs.
    Worker,
    /// Buys capacity.
    Developer,
}

/// The providers, then the developers, in account order after the owner and the keeper.
pub const PROVIDERS: [&str; 4] = ["alpha", "bravo", "charlie", "delta"];
/// The developers.
pub const DEVELOPERS: [&str; 3] = ["alice", "bob", "carol"];
/// Dev accounts the node must prefund: owner, keeper, providers, their workers, developers.
pub const ACCOUNTS: u32 = 2 + 2 * PROVIDERS.len() as u32 + DEVELOPERS.len() as u32;

/// A named account.
pub struct Actor {
    /// Its name in the statement.
    pub name: String,
    /// What it does.
    pub role: Role,
    /// A client signing with its key, plus the manifest.
    pub session: Session,
    /// Its key, for what is signed off-chain (a worker's receipts).
    pub signer: PrivateKeySigner,
}

impl Actor {
    /// Its address.
    pub fn address(&self) -> Address {
        self.session.client.from.unwrap_or_default()
    }
}

/// Everyone in the round.
pub struct Cast {
    /// Deployer, token owner and treasury owner (account 0).
    pub owner: Actor,
    /// The keeper's account.
    pub keeper: Actor,
    /// Providers, in [`PROVIDERS`] order.
    pub providers: Vec<Actor>,
    /// Each provider's worker key.
    pub workers: Vec<Actor>,
    /// Developers, in [`DEVELOPERS`] order.
    pub developers: Vec<Actor>,
}

impl Cast {
    /// Connects one client per dev account of `node`.
    pub async fn connect(node: &devnode::DevNode, manifest: &Manifest) -> Result<Self> {
        let accounts = node.accounts();
        let url = node.rpc_url();
        let actor = |index: usize, name: String, role: Role| {
            let key = format!("0x{}", hex::encode(accounts[index].private_key));
            let signer = accounts[index].signer();
            let url = url.clone();
            async move {
                let rpc = RpcArgs {
                    rpc_url: url,
                    json: true,
                };
                let wallet = WalletArgs {
                    private_key: Some(key),
                    ..WalletArgs::default()
                };
                Ok::<_, anyhow::Error>(Actor {
                    name,
                    role,
                    session: Session {
                        client: Client::connect(&rpc, &wallet).await?,
                        manifest: manifest.clone(),
                        json: true,
                    },
                    signer,
                })
            }
        };
        let n = PROVIDERS.len();
        let mut cast = Self {
            owner: actor(0, "owner".into(), Role::Owner).await?,
            keeper: actor(1, "keeper".into(), Role::Keeper).await?,
            providers: Vec::new(),
            workers: Vec::new(),
            developers: Vec::new(),
        };
        for (i, name) in PROVIDERS.iter().enumerate() {
            let provider = actor(2 + i, (*name).into(), Role::Provider).await?;
            cast.providers.push(provider);
            let worker = actor(2 + n + i, format!("{name}-worker"), Role::Worker).await?;
            cast.workers.push(worker);
        }
        for (i, name) in DEVELOPERS.iter().enumerate() {
            let developer = actor(2 + 2 * n + i, (*name).into(), Role::Developer).await?;
            cast.developers.push(developer);
        }
        Ok(cast)
    }

    /// Every actor, owner first.
    pub fn all(&self) -> impl Iterator<Item = &Actor> {
        [&self.owner, &self.keeper]
            .into_iter()
            .chain(&self.providers)
            .chain(&self.workers)
            .chain(&self.developers)
    }

    /// The name of `address`: an actor's, else the address.
    pub fn name_of(&self, address: Address) -> String {
        self.all()
            .find(|actor| actor.address() == address)
            .map_or_else(|| address.to_string(), |actor| actor.name.clone())
    }
}
