//! `cloudless contracts deploy`: the marketplace on any JSON-RPC chain, as harness
//! `Marketplace::deploy` does in-process — each program created and activated through ArbWasm,
//! the registry and market initialized, the court's parameters set, the market bound —
//! recording every step in the manifest so that a re-run resumes or reports "already
//! deployed". Last, it bids for each program's place in the chain's program cache (free while
//! the cache has room, capped by `--cache-max-bid`), checked again on every run.

use std::path::PathBuf;

use alloy::{eips::BlockNumberOrTag, providers::Provider};
use alloy_primitives::{Address, B256, keccak256};
use anyhow::{Context, bail};
use cloudless_abi::{
    court::{CourtParams, ICourt},
    market::{IGoverned, IMarket, IRegistry},
};
use harness::{artifact::Artifacts, evm::chain::deploy_code_init, marketplace::Setup};
use serde_json::json;

use crate::chain::{
    Client,
    client::{RpcArgs, WalletArgs},
    manifest::{self, CourtSettings, Manifest, MarketSettings, Program, RegistrySettings},
    output,
    program::{CacheArgs, activate, create},
    revert,
    send::Sent,
};

/// The programs in deployment order: each extension (and the market's court) before the core
/// program that delegates to it.
pub const PROGRAMS: [&str; 6] = [
    "registry-ext",
    "registry",
    "market-ext",
    "court",
    "market-upkeep",
    "market",
];

/// Flags of `cloudless contracts deploy`; parameters default to the protocol's defaults.
/// (`Parser` too, so `cloudless bench` can deploy with the same flags.)
#[derive(clap::Parser)]
pub struct Args {
    #[command(flatten)]
    rpc: RpcArgs,
    #[command(flatten)]
    wallet: WalletArgs,
    /// An existing ERC-20 to pay and stake with; without it the TestUSDC fixture is deployed
    /// (for dev chains).
    #[arg(long)]
    token: Option<Address>,
    /// Folder of the manifest `<chain>.json`.
    #[arg(long, value_name = "DIR", default_value = manifest::DEFAULT_DIR)]
    out: PathBuf,
    /// Seconds per epoch.
    #[arg(long, default_value_t = Setup::default().epoch_length)]
    epoch_length: u64,
    /// Timestamp where epoch 0 starts [default: the latest block's timestamp].
    #[arg(long)]
    genesis_time: Option<u64>,
    /// Stake a provider needs for new placements (token base units).
    #[arg(long, default_value_t = Setup::default().registry.minStake.to::<u128>())]
    min_stake: u128,
    /// Epochs between an unstake request and the withdrawal.
    #[arg(long, default_value_t = Setup::default().registry.unbondingEpochs)]
    unbonding_epochs: u64,
    /// Epochs an offer paused by an eviction stays paused.
    #[arg(long, default_value_t = Setup::default().registry.evictionCooldownEpochs)]
    eviction_cooldown_epochs: u64,
    /// Slashed per instance of a placement the court finds fraudulent (base units); also the
    /// stake each live instance keeps bonded.
    #[arg(long, default_value_t = Setup::default().registry.fraudPenalty)]
    fraud_penalty: u128,
    /// Protocol fee on each paid epoch, basis points.
    #[arg(long, default_value_t = Setup::default().market.feeBps)]
    fee_bps: u16,
    /// Paid to the matcher per instance placed (base units).
    #[arg(long, default_value_t = Setup::default().market.keeperFee)]
    keeper_fee: u128,
    /// Epochs of the full bid a new deployment must deposit.
    #[arg(long, default_value_t = Setup::default().market.minPrepaidEpochs)]
    min_prepaid_epochs: u64,
    /// Epochs after its end during which an epoch can be proven.
    #[arg(long, default_value_t = Setup::default().market.proofWindow)]
    proof_window: u64,
    /// Epochs of notice for cancels and provider exits.
    #[arg(long, default_value_t = Setup::default().market.noticeEpochs)]
    notice_epochs: u64,
    /// Slashed per instance on an immediate provider exit (base units).
    #[arg(long, default_value_t = Setup::default().market.exitPenalty)]
    exit_penalty: u128,
    /// Missed epochs tolerated before eviction.
    #[arg(long, default_value_t = Setup::default().market.maxMissedEpochs)]
    max_missed_epochs: u64,
    /// Slashed per missed instance-epoch on eviction (base units).
    #[arg(long, default_value_t = Setup::default().market.slashPerMissedInstanceEpoch)]
    slash_per_missed_instance_epoch: u128,
    /// Epochs an underfunded deployment may wait for a top-up before it can be closed.
    #[arg(long, default_value_t = Setup::default().market.graceEpochs)]
    grace_epochs: u64,
    /// Least deposit of a new deployment (base units), whatever its bid.
    #[arg(long, default_value_t = Setup::default().market.minDeposit)]
    min_deposit: u128,
    /// Epochs a deployment may wait for its first match before it expires (refundable).
    #[arg(long, default_value_t = Setup::default().market.matchExpiryEpochs)]
    match_expiry_epochs: u64,
    /// Epochs after a proof during which it can be disputed.
    #[arg(long, default_value_t = Setup::default().court.disputeWindow)]
    dispute_window: u64,
    /// Epochs a provider has to answer a dispute.
    #[arg(long, default_value_t = Setup::default().court.responseWindow)]
    response_window: u64,
    /// Bond of an inclusion dispute or a sample challenge (base units).
    #[arg(long, default_value_t = Setup::default().court.bond)]
    bond: u128,
    /// Share of a fraud's slash paid to the challenger, basis points.
    #[arg(long, default_value_t = Setup::default().court.challengerRewardBps)]
    challenger_reward_bps: u16,
    /// Gas a re-execution of the function may use in a dispute.
    #[arg(long, default_value_t = Setup::default().court.refereeGas)]
    referee_gas: u64,
    #[command(flatten)]
    cache: CacheArgs,
}

/// Runs `cloudless contracts deploy`.
pub fn run(args: Args) -> anyhow::Result<()> {
    crate::chain::run(args.rpc.json, deploy(args))
}

async fn deploy(args: Args) -> anyhow::Result<()> {
    let deployed = ensure_deployed(&args).await?;
    let manifest = &deployed.manifest;
    let [
        registry_extension,
        registry,
        market_extension,
        court,
        upkeep,
        market,
    ] = PROGRAMS.map(|name| manifest.address(name).expect("deployed"));
    let status = if deployed.sent.is_empty() {
        "already deployed"
    } else {
        "deployed"
    };
    let summary = json!({
        "status": status,
        "manifest": deployed.path.display().to_string(),
        "chain": manifest.chain,
        "chain_id": manifest.chain_id,
        "owner": manifest.owner.to_string(),
        "token": manifest.token.unwrap_or_default().to_string(),
        "test_token": manifest.test_token,
        "registry": registry.to_string(),
        "market": market.to_string(),
        "registry_extension": registry_extension.to_string(),
        "market_extension": market_extension.to_string(),
        "court": court.to_string(),
        "upkeep": upkeep.to_string(),
        "court_params": manifest.court_params,
        "deploy_block": manifest.deploy_block,
        "cache": deployed
            .cache
            .iter()
            .map(|(name, cached)| (name.to_string(), json!(cached)))
            .collect::<serde_json::Map<_, _>>(),
        "gas_used": deployed.sent.iter().map(|tx| tx.gas_used).sum::<u64>(),
    });
    output::report(args.rpc.json, &deployed.sent, summary);
    Ok(())
}

/// What [`ensure_deployed`] did.
pub struct Deployed {
    /// The complete manifest.
    pub manifest: Manifest,
    /// Where it was written.
    pub path: PathBuf,
    /// The transactions this run sent (none when everything was deployed already).
    pub sent: Vec<Sent>,
    /// Each program's place in the program cache (`"already"`, `"bid"`, `"skipped: …"`);
    /// empty with `--no-cache`.
    pub cache: Vec<(&'static str, String)>,
}

/// Deploys, activates, initializes and binds whatever of the marketplace the chain does not
/// have yet, saving the manifest after every step.
pub async fn ensure_deployed(args: &Args) -> anyhow::Result<Deployed> {
    let artifacts = Artifacts::locate();
    let codes = PROGRAMS
        .iter()
        .map(|name| {
            artifacts.load(name).with_context(|| {
                format!("loading the {name} artifact: run `cloudless contracts build` first")
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let client = Client::connect(&args.rpc, &args.wallet).await?;
    let owner = client.sender()?;
    let path = Manifest::path_in(&args.out, client.chain_id);
    let mut manifest = match Manifest::load(&path)? {
        Some(manifest) => {
            if manifest.owner != owner {
                bail!(
                    "{} was deployed by {}: sign with that key to resume it, or pass another --out",
                    path.display(),
                    manifest.owner
                );
            }
            let manifest = forget_vanished(&client, manifest, &path).await?;
            verify(&client, &manifest, &codes).await?;
            manifest
        }
        None => fresh(args, &client, owner).await?,
    };
    let mut sent = Vec::new();
    let mut record = |manifest: &Manifest, tx: Sent| -> anyhow::Result<()> {
        sent.push(tx);
        manifest.save(&path)
    };

    match (args.token, manifest.token) {
        (Some(token), Some(recorded)) if token != recorded => bail!(
            "{} uses token {recorded}, not {token}: pass another --out for a new deployment",
            path.display()
        ),
        (Some(token), _) => manifest.token = Some(token),
        (None, Some(_)) => {}
        (None, None) => {
            let creation = &test_fixtures::solidity("TestUSDC").creation;
            let tx = create(&client, "deploy TestUSDC", creation.clone()).await?;
            manifest.token = tx.created;
            manifest.test_token = true;
            manifest.deploy_block.get_or_insert(tx.block);
            record(&manifest, tx)?;
        }
    }
    manifest.save(&path)?;

    for (name, code) in PROGRAMS.iter().zip(&codes) {
        let code_hash = keccak256(code);
        if manifest.contracts.get(*name).map(|p| p.code_hash) != Some(code_hash) {
            let tx = create(&client, &format!("deploy {name}"), deploy_code_init(code)).await?;
            let address = tx
                .created
                .context("the creation receipt names no contract")?;
            manifest.contracts.insert(
                (*name).to_owned(),
                Program {
                    address,
                    code_hash,
                    activated: false,
                },
            );
            manifest.deploy_block.get_or_insert(tx.block);
            record(&manifest, tx)?;
        }
        let program = &manifest.contracts[*name];
        if !program.activated {
            let activation = activate(&client, name, program.address, code_hash).await?;
            manifest
                .contracts
                .get_mut(*name)
                .expect("recorded")
                .activated = true;
            match activation {
                Some(tx) => record(&manifest, tx)?,
                None => manifest.save(&path)?,
            }
        }
    }

    let [
        registry_extension,
        registry,
        market_extension,
        court,
        upkeep,
        market,
    ] = PROGRAMS.map(|name| manifest.address(name).expect("deployed above"));
    let token = manifest.token.expect("chosen above");
    if initialized(&client, registry).await? {
        check_binding(&client, "registry", registry, registry_extension, owner).await?;
    } else {
        let call = IRegistry::initializeCall {
            owner,
            token,
            genesisTime: manifest.genesis_time,
            epochLength: manifest.epoch_length,
            params: (&manifest.registry_params).into(),
            extension: registry_extension,
        };
        let tx = client.send(registry, call).await?;
        manifest.mark("registry-initialized");
        record(&manifest, tx)?;
    }
    if initialized(&client, market).await? {
        check_binding(&client, "market", market, market_extension, owner).await?;
        check_delegates(&client, market, court, upkeep).await?;
    } else {
        let call = IMarket::initializeCall {
            owner,
            registry,
            params: (&manifest.market_params).into(),
            extension: market_extension,
            court,
            upkeep,
        };
        let tx = client.send(market, call).await?;
        manifest.mark("market-initialized");
        record(&manifest, tx)?;
    }
    // Before the market is bound, so no placement exists under unset court parameters. (Set
    // ones that differ from the manifest's were refused by `verify`.)
    if !court_params_set(&client, market).await? {
        let call = ICourt::setCourtParamsCall {
            params: (&manifest.court_params).into(),
        };
        let tx = client.send(market, call).await?;
        manifest.mark("court-params-set");
        record(&manifest, tx)?;
    }
    if client.view(registry, IRegistry::marketCall {}).await? == Address::ZERO {
        let tx = client
            .send(registry, IRegistry::setMarketCall { market })
            .await?;
        manifest.mark("market-set");
        record(&manifest, tx)?;
    }
    for step in [
        "registry-initialized",
        "market-initialized",
        "court-params-set",
        "market-set",
    ] {
        manifest.mark(step);
    }
    manifest.save(&path)?;
    // Checked on every run: another bid may have evicted a program since.
    let mut cache = Vec::new();
    for name in PROGRAMS {
        let program = &manifest.contracts[name];
        let program = (program.address, program.code_hash);
        if let Some(cached) = args.cache.bid(&client, name, program, &mut sent).await? {
            cache.push((name, cached));
        }
    }
    Ok(Deployed {
        manifest,
        path,
        sent,
        cache,
    })
}

/// A new manifest from the flags; genesis defaults to the latest block's timestamp.
async fn fresh(args: &Args, client: &Client, owner: Address) -> anyhow::Result<Manifest> {
    let genesis_time = match args.genesis_time {
        Some(time) => time,
        None => {
            client
                .provider
                .get_block_by_number(BlockNumberOrTag::Latest)
                .await?
                .context("the node has no latest block")?
                .header
                .timestamp
        }
    };
    Ok(Manifest {
        chain: manifest::chain_name(client.chain_id),
        chain_id: client.chain_id,
        abi_version: manifest::ABI_VERSION.into(),
        owner,
        token: args.token,
        test_token: false,
        deploy_block: None,
        genesis_time,
        epoch_length: args.epoch_length,
        registry_params: RegistrySettings {
            min_stake: args.min_stake,
            unbonding_epochs: args.unbonding_epochs,
            eviction_cooldown_epochs: args.eviction_cooldown_epochs,
            fraud_penalty: args.fraud_penalty,
        },
        market_params: MarketSettings {
            fee_bps: args.fee_bps,
            keeper_fee: args.keeper_fee,
            min_prepaid_epochs: args.min_prepaid_epochs,
            proof_window: args.proof_window,
            notice_epochs: args.notice_epochs,
            exit_penalty: args.exit_penalty,
            max_missed_epochs: args.max_missed_epochs,
            slash_per_missed_instance_epoch: args.slash_per_missed_instance_epoch,
            grace_epochs: args.grace_epochs,
            min_deposit: args.min_deposit,
            match_expiry_epochs: args.match_expiry_epochs,
        },
        court_params: CourtSettings {
            dispute_window: args.dispute_window,
            response_window: args.response_window,
            bond: args.bond,
            challenger_reward_bps: args.challenger_reward_bps,
            referee_gas: args.referee_gas,
        },
        contracts: Default::default(),
        steps: Vec::new(),
    })
}

/// Checks the manifest against the chain: when a recorded contract has no code there (a
/// restarted dev chain), the manifest is stale and the deployment starts afresh with the same
/// parameters. (Other code at a recorded address is refused by [`verify`].)
async fn forget_vanished(
    client: &Client,
    mut manifest: Manifest,
    path: &std::path::Path,
) -> anyhow::Result<Manifest> {
    let mut expected: Vec<Address> = manifest
        .contracts
        .values()
        .map(|program| program.address)
        .collect();
    if let (Some(token), true) = (manifest.token, manifest.test_token) {
        expected.push(token);
    }
    for address in expected {
        if client.provider.get_code_at(address).await?.is_empty() {
            eprintln!(
                "{} is stale (no code at {address}): deploying afresh",
                path.display()
            );
            manifest.contracts.clear();
            manifest.steps.clear();
            manifest.deploy_block = None;
            if manifest.test_token {
                manifest.token = None;
                manifest.test_token = false;
            }
            break;
        }
    }
    Ok(manifest)
}

/// The end of every [`Untrusted`] message.
const AFRESH: &str =
    ": nothing was sent or written; deploy afresh with a fresh manifest (`--out <new dir>`)";

/// Why `contracts deploy` refuses to build on what a manifest names: the chain holds something
/// other than what this build would have deployed there.
#[derive(Debug, thiserror::Error)]
pub enum Untrusted {
    /// A recorded program's address holds code other than the build's artifact.
    #[error(
        "{name} at {address} has code hash {found}, not {expected} (the build's {name} artifact){AFRESH}"
    )]
    Code {
        /// The program (`registry`, `market-ext`, …).
        name: String,
        /// Its recorded address.
        address: Address,
        /// `EXTCODEHASH` there.
        found: B256,
        /// keccak256 of the artifact's code.
        expected: B256,
    },
    /// A core program delegates to an extension other than the manifest's.
    #[error(
        "{name} at {core} delegates to the extension {found}, not {expected} (the manifest's){AFRESH}"
    )]
    Extension {
        /// The core program (`registry` or `market`).
        name: &'static str,
        /// Its address.
        core: Address,
        /// The extension it recorded at `initialize`.
        found: Address,
        /// The manifest's extension.
        expected: Address,
    },
    /// The market's court parameters are set, to other values than the manifest's.
    #[error(
        "the market at {market} has court parameters {found:?}, not the manifest's {expected:?}{AFRESH}"
    )]
    CourtParams {
        /// The market.
        market: Address,
        /// Its `courtParams()`.
        found: CourtParams,
        /// The manifest's.
        expected: CourtParams,
    },
    /// A core program is owned by another account than the deployer.
    #[error("{name} at {core} is owned by {found}, not {expected} (the deployer){AFRESH}")]
    Owner {
        /// The core program (`registry` or `market`).
        name: &'static str,
        /// Its address.
        core: Address,
        /// Its `owner()`.
        found: Address,
        /// The manifest's owner.
        expected: Address,
    },
}

impl Untrusted {
    /// The error's name, as the CLI's JSON reports it.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Code { .. } => "ForeignCode",
            Self::Extension { .. } => "ForeignExtension",
            Self::Owner { .. } => "ForeignOwner",
            Self::CourtParams { .. } => "ForeignCourtParams",
        }
    }

    /// What to do next.
    pub fn hint(&self) -> &'static str {
        "the chain does not hold what this build deploys at the manifest's addresses, so nothing was sent or written: deploy afresh with a fresh manifest (`cloudless contracts deploy --out <new dir>`), or rebuild the artifacts the manifest was deployed from"
    }
}

/// Checks what `manifest` records against the chain before anything builds on it: every
/// recorded program's `EXTCODEHASH` is keccak256 of the build's artifact `codes` (in
/// [`PROGRAMS`] order), every initialized core delegates to the manifest's extension and is
/// owned by the manifest's owner, and court parameters already set are the manifest's.
async fn verify(client: &Client, manifest: &Manifest, codes: &[Vec<u8>]) -> anyhow::Result<()> {
    for (name, code) in PROGRAMS.iter().zip(codes) {
        let Some(program) = manifest.contracts.get(*name) else {
            continue;
        };
        let found = keccak256(client.provider.get_code_at(program.address).await?);
        let expected = keccak256(code);
        if found != expected {
            return Err(Untrusted::Code {
                name: (*name).to_owned(),
                address: program.address,
                found,
                expected,
            }
            .into());
        }
    }
    for (name, extension) in [("registry", "registry-ext"), ("market", "market-ext")] {
        let (Some(core), Some(extension)) = (manifest.address(name), manifest.address(extension))
        else {
            continue;
        };
        if initialized(client, core).await? {
            check_binding(client, name, core, extension, manifest.owner).await?;
        }
    }
    let delegates = ["market", "court", "market-upkeep"].map(|name| manifest.address(name));
    if let [Some(market), Some(court), Some(upkeep)] = delegates
        && initialized(client, market).await?
    {
        check_delegates(client, market, court, upkeep).await?;
        let expected = CourtParams::from(&manifest.court_params);
        let found = client.view(market, ICourt::courtParamsCall {}).await?;
        if found != CourtParams::default() && found != expected {
            return Err(Untrusted::CourtParams {
                market,
                found,
                expected,
            }
            .into());
        }
    }
    Ok(())
}

/// Whether the court parameters of the initialized market at `market` are set (they are all
/// zero before `setCourtParams`, which refuses zero windows).
async fn court_params_set(client: &Client, market: Address) -> anyhow::Result<bool> {
    let params = client.view(market, ICourt::courtParamsCall {}).await?;
    Ok(params != CourtParams::default())
}

/// Checks that the initialized core program `name` at `core` delegates to `extension` and is
/// owned by `owner`.
async fn check_binding(
    client: &Client,
    name: &'static str,
    core: Address,
    extension: Address,
    owner: Address,
) -> anyhow::Result<()> {
    let found = client.view(core, IGoverned::extensionCall {}).await?;
    if found != extension {
        return Err(Untrusted::Extension {
            name,
            core,
            found,
            expected: extension,
        }
        .into());
    }
    let found = client.view(core, IGoverned::ownerCall {}).await?;
    if found != owner {
        return Err(Untrusted::Owner {
            name,
            core,
            found,
            expected: owner,
        }
        .into());
    }
    Ok(())
}

/// Checks that the initialized market at `market` delegates to `court` and `upkeep`.
async fn check_delegates(
    client: &Client,
    market: Address,
    court: Address,
    upkeep: Address,
) -> anyhow::Result<()> {
    let found = [
        (
            "market's court",
            client.view(market, IMarket::courtCall {}).await?,
            court,
        ),
        (
            "market's upkeep",
            client.view(market, IMarket::upkeepCall {}).await?,
            upkeep,
        ),
    ];
    for (name, found, expected) in found {
        if found != expected {
            return Err(Untrusted::Extension {
                name,
                core: market,
                found,
                expected,
            }
            .into());
        }
    }
    Ok(())
}

/// Whether `contract` is initialized: its `owner()` is set (it reverts `NotInitialized` before).
async fn initialized(client: &Client, contract: Address) -> anyhow::Result<bool> {
    match client.view(contract, IGoverned::ownerCall {}).await {
        Ok(owner) => Ok(owner != Address::ZERO),
        Err(error)
            if error
                .downcast_ref::<revert::Reverted>()
                .is_some_and(|reverted| reverted.name == "NotInitialized") =>
        {
            Ok(false)
        }
        Err(error) => Err(error),
    }
}

#[cfg(test)]
mod tests {
    use clap::{Args as _, Parser};

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        args: super::Args,
    }

    #[test]
    fn flags_default_to_the_protocol_defaults() {
        super::Args::augment_args(clap::Command::new("deploy")).debug_assert();
        let cli = Cli::parse_from(["deploy", "--fee-bps", "100"]);
        let setup = super::Setup::default();
        assert_eq!(cli.args.fee_bps, 100);
        assert_eq!(cli.args.epoch_length, setup.epoch_length);
        assert_eq!(cli.args.min_stake, setup.registry.minStake.to::<u128>());
        assert_eq!(cli.args.grace_epochs, setup.market.graceEpochs);
        assert_eq!(cli.args.dispute_window, setup.court.disputeWindow);
        assert_eq!(cli.args.referee_gas, setup.court.refereeGas);
        assert_eq!(cli.args.genesis_time, None);
    }
}
