//! The per-chain deployment manifest, `deployments/<chain>.json`: addresses, code hashes, deploy
//! block, ABI version, token, owner and parameters. `cloudless contracts deploy` saves it after
//! every step so an interrupted deployment resumes; every other command reads addresses from it.

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
};

use alloy_primitives::{Address, B256, U256};
use anyhow::Context;
use cloudless_abi::{
    court::CourtParams,
    market::{MarketParams, RegistryParams},
};
use serde::{Deserialize, Serialize};

/// Where manifests live unless told otherwise (relative to the working directory).
pub const DEFAULT_DIR: &str = "deployments";

/// The interface version the manifest's contracts speak.
pub const ABI_VERSION: &str = "cloudless-protocol-v2";

/// The manifest's name for a chain: well-known names, else the decimal id.
pub fn chain_name(chain_id: u64) -> String {
    match chain_id {
        42161 => "arbitrum-one".into(),
        421614 => "arbitrum-sepolia".into(),
        412346 => "nitro-dev".into(),
        id => id.to_string(),
    }
}

/// One deployed program.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Program {
    /// Where it lives.
    pub address: Address,
    /// Keccak of its on-chain code.
    pub code_hash: B256,
    /// Whether ArbWasm activated it.
    pub activated: bool,
}

/// The registry's parameters, as stored in the manifest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistrySettings {
    /// Stake a provider needs for new placements (token base units).
    pub min_stake: u128,
    /// Epochs between an unstake request and the withdrawal.
    pub unbonding_epochs: u64,
    /// Epochs an offer paused by an eviction stays paused.
    pub eviction_cooldown_epochs: u64,
    /// Slashed per instance of a fraudulent placement; stake a live instance keeps bonded.
    pub fraud_penalty: u128,
}

/// The market's parameters, as stored in the manifest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarketSettings {
    /// Protocol fee on each paid epoch, basis points.
    pub fee_bps: u16,
    /// Paid to the matcher per instance placed.
    pub keeper_fee: u128,
    /// Epochs of the full bid a new deployment must deposit.
    pub min_prepaid_epochs: u64,
    /// Epochs after its end during which an epoch can be proven.
    pub proof_window: u64,
    /// Epochs of notice for cancels and provider exits.
    pub notice_epochs: u64,
    /// Slashed per instance on an immediate provider exit.
    pub exit_penalty: u128,
    /// Missed epochs tolerated before eviction.
    pub max_missed_epochs: u64,
    /// Slashed per missed instance-epoch on eviction.
    pub slash_per_missed_instance_epoch: u128,
    /// Epochs an underfunded deployment may wait before it can be closed.
    pub grace_epochs: u64,
    /// Least deposit of a new deployment (base units).
    pub min_deposit: u128,
    /// Epochs a deployment may wait for its first match before it expires.
    pub match_expiry_epochs: u64,
}

/// The court's parameters, as stored in the manifest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CourtSettings {
    /// Epochs after a proof during which it can be disputed.
    pub dispute_window: u64,
    /// Epochs a provider has to answer a dispute.
    pub response_window: u64,
    /// Bond of an inclusion dispute or a sample challenge (base units).
    pub bond: u128,
    /// Share of a fraud's slash paid to the challenger, basis points.
    pub challenger_reward_bps: u16,
    /// Gas a re-execution of the function may use.
    pub referee_gas: u64,
}

impl From<&RegistrySettings> for RegistryParams {
    fn from(settings: &RegistrySettings) -> Self {
        Self {
            minStake: U256::from(settings.min_stake),
            unbondingEpochs: settings.unbonding_epochs,
            evictionCooldownEpochs: settings.eviction_cooldown_epochs,
            fraudPenalty: settings.fraud_penalty,
        }
    }
}

impl From<&MarketSettings> for MarketParams {
    fn from(s: &MarketSettings) -> Self {
        Self {
            feeBps: s.fee_bps,
            keeperFee: s.keeper_fee,
            minPrepaidEpochs: s.min_prepaid_epochs,
            proofWindow: s.proof_window,
            noticeEpochs: s.notice_epochs,
            exitPenalty: s.exit_penalty,
            maxMissedEpochs: s.max_missed_epochs,
            slashPerMissedInstanceEpoch: s.slash_per_missed_instance_epoch,
            graceEpochs: s.grace_epochs,
            minDeposit: s.min_deposit,
            matchExpiryEpochs: s.match_expiry_epochs,
        }
    }
}

impl From<&CourtSettings> for CourtParams {
    fn from(s: &CourtSettings) -> Self {
        Self {
            disputeWindow: s.dispute_window,
            responseWindow: s.response_window,
            bond: s.bond,
            challengerRewardBps: s.challenger_reward_bps,
            refereeGas: s.referee_gas,
        }
    }
}

/// A deployment of the marketplace on one chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// The chain's name ([`chain_name`]).
    pub chain: String,
    /// The chain's id.
    pub chain_id: u64,
    /// [`ABI_VERSION`] when deployed.
    pub abi_version: String,
    /// Governance owner (also the deployer).
    pub owner: Address,
    /// The payment and stake token (unset until chosen or deployed).
    pub token: Option<Address>,
    /// Whether `token` is the TestUSDC fixture this deployment created.
    pub test_token: bool,
    /// Block of the first deployment transaction.
    pub deploy_block: Option<u64>,
    /// Timestamp where epoch 0 starts.
    pub genesis_time: u64,
    /// Seconds per epoch.
    pub epoch_length: u64,
    /// The registry's initial parameters.
    pub registry_params: RegistrySettings,
    /// The market's initial parameters.
    pub market_params: MarketSettings,
    /// The court's parameters, set right after the market's initialization.
    pub court_params: CourtSettings,
    /// Programs by name: `registry-ext`, `registry`, `market-ext`, `court`, `market-upkeep`,
    /// `market`.
    pub contracts: BTreeMap<String, Program>,
    /// Set-up steps done: `registry-initialized`, `market-initialized`, `court-params-set`,
    /// `market-set`.
    pub steps: Vec<String>,
}

impl Manifest {
    /// `dir/<chain name>.json`.
    pub fn path_in(dir: &Path, chain_id: u64) -> PathBuf {
        dir.join(format!("{}.json", chain_name(chain_id)))
    }

    /// Reads the manifest at `path`; `None` when there is no such file.
    pub fn load(path: &Path) -> anyhow::Result<Option<Self>> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(error) => {
                return Err(error).with_context(|| format!("reading {}", path.display()));
            }
        };
        serde_json::from_str(&text)
            .map(Some)
            .with_context(|| format!("{} is not a deployment manifest", path.display()))
    }

    /// Writes the manifest to `path` atomically: a temporary file next to it, then a rename.
    pub fn save(&self, path: &Path) -> anyhow::Result<()> {
        if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        let temporary = path.with_extension("json.tmp");
        let mut text = serde_json::to_string_pretty(self)?;
        text.push('\n');
        std::fs::write(&temporary, text)
            .with_context(|| format!("writing {}", temporary.display()))?;
        std::fs::rename(&temporary, path)
            .with_context(|| format!("moving {} into place", path.display()))
    }

    /// The address of program `name`, once deployed.
    pub fn address(&self, name: &str) -> Option<Address> {
        self.contracts.get(name).map(|program| program.address)
    }

    /// The contracts whose logs are the marketplace's; the error names what is not deployed.
    pub fn sources(&self) -> anyhow::Result<cloudless_abi::events::Sources> {
        let address = |name: &str| {
            self.address(name)
                .with_context(|| format!("the manifest has no {name} address"))
        };
        Ok(cloudless_abi::events::Sources {
            registry: address("registry")?,
            market: address("market")?,
            token: self.token.context("the manifest has no token address")?,
        })
    }

    /// Whether set-up step `step` is done.
    pub fn done(&self, step: &str) -> bool {
        self.steps.iter().any(|done| done == step)
    }

    /// Records set-up step `step` as done.
    pub fn mark(&mut self, step: &str) {
        if !self.done(step) {
            self.steps.push(step.to_owned());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Manifest {
        let mut contracts = BTreeMap::new();
        contracts.insert(
            "registry".to_owned(),
            Program {
                address: Address::repeat_byte(1),
                code_hash: B256::repeat_byte(2),
                activated: true,
            },
        );
        Manifest {
            chain: chain_name(412346),
            chain_id: 412346,
            abi_version: ABI_VERSION.into(),
            owner: Address::repeat_byte(3),
            token: Some(Address::repeat_byte(4)),
            test_token: true,
            deploy_block: Some(7),
            genesis_time: 1_700_000_000,
            epoch_length: 3_600,
            registry_params: RegistrySettings {
                min_stake: 1_000_000_000,
                unbonding_epochs: 2,
                eviction_cooldown_epochs: 4,
                fraud_penalty: 50_000_000,
            },
            market_params: MarketSettings {
                fee_bps: 500,
                keeper_fee: 10_000,
                min_prepaid_epochs: 2,
                proof_window: 2,
                notice_epochs: 2,
                exit_penalty: 5_000_000,
                max_missed_epochs: 2,
                slash_per_missed_instance_epoch: 1_000_000,
                grace_epochs: 2,
                min_deposit: 1_000_000,
                match_expiry_epochs: 24,
            },
            court_params: CourtSettings {
                dispute_window: 2,
                response_window: 3,
                bond: 10_000_000,
                challenger_reward_bps: 5_000,
                referee_gas: 5_000_000,
            },
            contracts,
            steps: vec!["registry-initialized".into()],
        }
    }

    #[test]
    fn chain_names() {
        assert_eq!(chain_name(42161), "arbitrum-one");
        assert_eq!(chain_name(421614), "arbitrum-sepolia");
        assert_eq!(chain_name(412346), "nitro-dev");
        assert_eq!(chain_name(31337), "31337");
        assert_eq!(
            Manifest::path_in(Path::new("deployments"), 42161),
            Path::new("deployments/arbitrum-one.json")
        );
    }

    #[test]
    fn round_trips_and_writes_atomically() {
        let dir = tempfile::tempdir().unwrap();
        let path = Manifest::path_in(&dir.path().join("nested"), 412346);
        assert_eq!(Manifest::load(&path).unwrap(), None);
        let mut manifest = sample();
        manifest.save(&path).unwrap();
        assert_eq!(Manifest::load(&path).unwrap(), Some(manifest.clone()));
        manifest.mark("market-set");
        manifest.mark("market-set");
        manifest.save(&path).unwrap();
        let loaded = Manifest::load(&path).unwrap().unwrap();
        assert_eq!(loaded.steps, ["registry-initialized", "market-set"]);
        assert!(loaded.done("market-set"));
        let names: Vec<_> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|entry| entry.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(
            names,
            ["nitro-dev.json"],
            "no temporary file is left behind"
        );
        std::fs::write(&path, "{").unwrap();
        assert!(Manifest::load(&path).is_err());
    }

    #[test]
    fn params_convert() {
        let manifest = sample();
        let registry = RegistryParams::from(&manifest.registry_params);
        assert_eq!(registry.minStake, U256::from(1_000_000_000u64));
        let market = MarketParams::from(&manifest.market_params);
        assert_eq!((market.feeBps, market.graceEpochs), (500, 2));
        let court = CourtParams::from(&manifest.court_params);
        assert_eq!(
            court,
            CourtParams {
                disputeWindow: 2,
                responseWindow: 3,
                bond: 10_000_000,
                challengerRewardBps: 5_000,
                refereeGas: 5_000_000,
            }
        );
    }
}
