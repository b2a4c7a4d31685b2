//! Stylus programs on any JSON-RPC chain: create a program from its on-chain code and activate
//! it through ArbWasm, as `cargo stylus deploy` does, and bid for its place in the program
//! cache, as `cargo stylus cache bid` does. Used by `contracts deploy` (which resumes
//! step by step) and `function deploy`.

use alloy::{network::TransactionBuilder, providers::Provider, rpc::types::TransactionRequest};
use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use alloy_sol_types::SolCall;
use anyhow::Context;
use cloudless_abi::{
    arbwasm_cache::{ARB_WASM_CACHE, IArbWasmCache},
    cache_manager::ICacheManager,
};
use harness::evm::{arbos::ARB_WASM, arbwasm::IArbWasm, chain::deploy_code_init};

use super::{Client, revert, send::Sent};

/// A program created and activated by [`deploy_program`].
pub struct DeployedProgram {
    /// Its address.
    pub address: Address,
    /// `EXTCODEHASH`: keccak256 of the on-chain code.
    pub code_hash: B256,
    /// The creation and (unless the code hash was active already) the activation.
    pub sent: Vec<Sent>,
}

/// Creates the program `name` from on-chain `code` (`EF F0 00 …`) and activates it unless its
/// code hash is active already.
pub async fn deploy_program(
    client: &Client,
    name: &str,
    code: &[u8],
) -> anyhow::Result<DeployedProgram> {
    let created = create(client, &format!("deploy {name}"), deploy_code_init(code)).await?;
    let address = created
        .created
        .context("the creation receipt names no contract")?;
    let code_hash = keccak256(code);
    let mut sent = vec![created];
    sent.extend(activate(client, name, address, code_hash).await?);
    Ok(DeployedProgram {
        address,
        code_hash,
        sent,
    })
}

/// Sends a contract-creation transaction with `init` code.
pub async fn create(client: &Client, action: &str, init: Bytes) -> anyhow::Result<Sent> {
    let tx = TransactionRequest::default().with_deploy_code(init);
    client.transact(action, tx).await
}

/// What to do when ArbWasm refuses a program without a reason.
const ACTIVATION_FAILED: &str = "ArbWasm refused to activate the program and, as on Nitro, says not why: it is no valid Stylus program (no `user_entrypoint` export or no exported memory, an import Stylus does not provide, or over the size, depth or memory limits); build it with `cloudless function build` or `cloudless contracts build`";

/// Activates `program` through ArbWasm unless its code hash is active already; the data fee is
/// learnt with an `eth_call` first and sent with a 20% margin (Nitro refunds the excess).
pub async fn activate(
    client: &Client,
    name: &str,
    program: Address,
    codehash: B256,
) -> anyhow::Result<Option<Sent>> {
    if client
        .view(ARB_WASM, IArbWasm::codehashVersionCall { codehash })
        .await
        .is_ok()
    {
        return Ok(None);
    }
    let from = client.sender()?;
    let call = IArbWasm::activateProgramCall { program };
    let balance = client.provider.get_balance(from).await?;
    let probe = TransactionRequest::default()
        .with_from(from)
        .with_to(ARB_WASM)
        .with_input(call.abi_encode())
        .with_value(balance);
    let action = format!("activate {name}");
    let output = client.provider.call(probe).await.map_err(|error| {
        let error = revert::from_rpc(error, &action);
        match error.downcast::<revert::Reverted>() {
            // Nitro's ArbWasm gives no reason when a program fails activation.
            Ok(mut reverted) if reverted.detail == revert::NO_DATA => {
                reverted.hint = ACTIVATION_FAILED.into();
                reverted.into()
            }
            Ok(reverted) => reverted.into(),
            Err(error) => error,
        }
    })?;
    let fee = IArbWasm::activateProgramCall::abi_decode_returns(&output)
        .context("decoding activateProgram's data fee")?
        .dataFee;
    let value = fee + fee / U256::from(5);
    let tx = TransactionRequest::default()
        .with_to(ARB_WASM)
        .with_input(call.abi_encode())
        .with_value(value);
    client.transact(&action, tx).await.map(Some)
}

/// The program-cache flags of the deploy commands.
#[derive(clap::Args)]
pub struct CacheArgs {
    /// Most wei to bid, per program, for a place in the chain's program cache (a cached
    /// program is entered for a fraction of the gas); bids cost nothing while the cache has room.
    #[arg(long, value_name = "WEI", default_value_t = U256::ZERO)]
    cache_max_bid: U256,
    /// Place no bids for the program cache.
    #[arg(long)]
    no_cache: bool,
}

impl CacheArgs {
    /// Bids for `program`'s place in the cache ([`cache`]) unless `--no-cache`; a bid's
    /// transaction joins `sent`. Returns what happened ([`Cached::describe`]), `None` with
    /// `--no-cache`.
    pub async fn bid(
        &self,
        client: &Client,
        name: &str,
        (program, codehash): (Address, B256),
        sent: &mut Vec<Sent>,
    ) -> anyhow::Result<Option<String>> {
        if self.no_cache {
            return Ok(None);
        }
        let cached = cache(client, name, program, codehash, self.cache_max_bid).await?;
        let described = cached.describe();
        if let Cached::Bid(tx) = cached {
            sent.push(tx);
        }
        Ok(Some(described))
    }
}

/// What [`cache`] did for a program.
#[derive(Debug)]
pub enum Cached {
    /// The program was cached already.
    Already,
    /// This bid cached it.
    Bid(Sent),
    /// No bid was placed, for this reason.
    Skipped(String),
}

impl Cached {
    /// `"already"`, `"bid"` or `"skipped: <why>"`.
    pub fn describe(&self) -> String {
        match self {
            Self::Already => "already".into(),
            Self::Bid(_) => "bid".into(),
            Self::Skipped(why) => format!("skipped: {why}"),
        }
    }
}

/// Bids for `program`'s place in the chain's program cache through its `CacheManager`, as
/// `cargo stylus cache bid` does, paying the cache's current minimum bid when it is at most
/// `max_bid` wei. A cached program pays only the cached init gas each time it is entered
/// (Nitro's ArbWasmCache); chains without a program cache are skipped.
pub async fn cache(
    client: &Client,
    name: &str,
    program: Address,
    codehash: B256,
    max_bid: U256,
) -> anyhow::Result<Cached> {
    let Ok(managers) = client
        .view(ARB_WASM_CACHE, IArbWasmCache::allCacheManagersCall {})
        .await
    else {
        return Ok(Cached::Skipped("the chain has no program cache".into()));
    };
    let Some(&manager) = managers.first() else {
        return Ok(Cached::Skipped("the chain has no cache manager".into()));
    };
    let cached = IArbWasmCache::codehashIsCachedCall { codehash };
    if client.view(ARB_WASM_CACHE, cached).await? {
        return Ok(Cached::Already);
    }
    let min_bid = client
        .view(manager, ICacheManager::getMinBid_2Call { program })
        .await;
    let min_bid = match refused(min_bid)? {
        Ok(min_bid) => U256::from(min_bid),
        Err(why) => return Ok(Cached::Skipped(why)),
    };
    if min_bid > max_bid {
        return Ok(Cached::Skipped(format!(
            "the cache's minimum bid is {min_bid} wei, above --cache-max-bid {max_bid}"
        )));
    }
    let tx = TransactionRequest::default()
        .with_to(manager)
        .with_input(ICacheManager::placeBidCall { program }.abi_encode())
        .with_value(min_bid);
    let sent = client.transact(&format!("cache {name}"), tx).await;
    Ok(match refused(sent)? {
        Ok(sent) => Cached::Bid(sent),
        Err(why) => Cached::Skipped(why),
    })
}

/// A refusal by the cache manager (a revert, decoded) as the reason a bid was skipped; other
/// errors (the node, the connection) stay errors.
fn refused<T>(result: anyhow::Result<T>) -> anyhow::Result<Result<T, String>> {
    match result {
        Ok(value) => Ok(Ok(value)),
        Err(error) => match error.downcast::<revert::Reverted>() {
            Ok(reverted) => Ok(Err(format!("{}: {}", reverted.name, reverted.hint))),
            Err(error) => Err(error),
        },
    }
}
