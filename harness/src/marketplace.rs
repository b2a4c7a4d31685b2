//! The marketplace on a [`Chain`]: deploys and initializes the Stylus registry and market next
//! to a payment token, as `cloudless contracts deploy` does on a real chain. Tests, benchmarks,
//! the demo and audit replays start from here.

use alloy_primitives::{Address, B256, U256, keccak256};
use alloy_sol_types::SolCall;
use cloudless_abi::{
    arbwasm_cache::{ARB_WASM_CACHE, IArbWasmCache},
    court::{CourtParams, ICourt},
    market::{DeploymentSpec, IGoverned, IMarket, IRegistry, MarketParams, RegistryParams},
};

use crate::{
    artifact::{Artifacts, ArtifactsError},
    evm::{Chain, ChainError},
};

/// What a marketplace is deployed with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Setup {
    /// Timestamp where epoch 0 starts.
    pub genesis_time: u64,
    /// Seconds per epoch.
    pub epoch_length: u64,
    /// The registry's parameters.
    pub registry: RegistryParams,
    /// The market's parameters.
    pub market: MarketParams,
    /// The court's parameters.
    pub court: CourtParams,
}

impl Default for Setup {
    /// The harness chain's genesis, one-hour epochs and the protocol's default parameters for a
    /// 6-decimal token: 1,000 tokens minimum stake, 2-epoch unbonding, a 5% fee, 0.01 per
    /// instance to the keeper, 2 prepaid epochs, a 2-epoch proof window, 2 epochs of notice, 5
    /// per instance for an immediate exit, eviction after 2 missed epochs at 1 per missed
    /// instance-epoch, and 2 epochs of grace; disputes open for 2 epochs after a proof with 2
    /// epochs to answer, a 10-token bond, half of a fraud's slash to the challenger (50 tokens
    /// per instance), and 5M gas to re-execute a function.
    fn default() -> Self {
        const UNIT: u128 = 1_000_000;
        Self {
            genesis_time: crate::evm::ChainConfig::default().genesis_timestamp,
            epoch_length: 3_600,
            registry: RegistryParams {
                minStake: U256::from(1_000 * UNIT),
                unbondingEpochs: 2,
                evictionCooldownEpochs: 4,
                fraudPenalty: 50 * UNIT,
            },
            market: MarketParams {
                feeBps: 500,
                keeperFee: UNIT / 100,
                minPrepaidEpochs: 2,
                proofWindow: 2,
                noticeEpochs: 2,
                exitPenalty: 5 * UNIT,
                maxMissedEpochs: 2,
                slashPerMissedInstanceEpoch: UNIT,
                graceEpochs: 2,
                minDeposit: UNIT,
                matchExpiryEpochs: 24,
            },
            court: CourtParams {
                disputeWindow: 2,
                responseWindow: 2,
                bond: 10 * UNIT,
                challengerRewardBps: 5_000,
                refereeGas: 5_000_000,
            },
        }
    }
}

impl Setup {
    /// The timestamp at which `epoch` starts.
    pub fn epoch_start(&self, epoch: u64) -> u64 {
        cloudless_abi::clock::epoch_start(epoch, self.genesis_time, self.epoch_length)
    }
}

/// The example function a marketplace deploys for its requests to run.
pub const DEFAULT_FUNCTION: &str = "notify";

/// Why a deployment failed.
#[derive(Debug, thiserror::Error)]
pub enum DeployError {
    /// A built artifact is missing or unreadable.
    #[error(transparent)]
    Artifacts(#[from] ArtifactsError),
    /// A deployment or set-up transaction failed.
    #[error("{step}: {source}")]
    Chain {
        /// The step that failed.
        step: &'static str,
        /// Its error.
        source: ChainError,
    },
}

/// A deployed marketplace's addresses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Marketplace {
    /// The payment and stake token.
    pub token: Address,
    /// The registry contract.
    pub registry: Address,
    /// The market contract.
    pub market: Address,
    /// The governance owner.
    pub owner: Address,
    /// The function its requests run: the `notify` example, deployed and activated.
    pub function: Address,
    /// The function's code hash.
    pub artifact: B256,
}

impl Marketplace {
    /// Deploys the built programs from `owner` (each contract is a core program plus the
    /// extension it delegates to; the market's extension delegates on to its court and upkeep), initializes them with `setup` and `token`, and binds the
    /// market to the registry.
    pub fn deploy(
        chain: &mut Chain,
        artifacts: &Artifacts,
        owner: Address,
        token: Address,
        setup: &Setup,
    ) -> Result<Self, DeployError> {
        let step = |step| move |source| DeployError::Chain { step, source };
        let mut deploy = |name: &'static str| -> Result<Address, DeployError> {
            let code = artifacts.load(name)?;
            chain
                .deploy_stylus(owner, &code)
                .map_err(|source| DeployError::Chain { step: name, source })
        };
        let registry_extension = deploy("registry-ext")?;
        let registry = deploy("registry")?;
        let market_extension = deploy("market-ext")?;
        let court = deploy("court")?;
        let upkeep = deploy("market-upkeep")?;
        let market = deploy("market")?;
        let function = deploy(DEFAULT_FUNCTION)?;
        let artifact = keccak256(artifacts.load(DEFAULT_FUNCTION)?);
        let init_registry = IRegistry::initializeCall {
            owner,
            token,
            genesisTime: setup.genesis_time,
            epochLength: setup.epoch_length,
            params: setup.registry.clone(),
            extension: registry_extension,
        };
        chain
            .call(owner, registry, init_registry.abi_encode())
            .map_err(step("initializing the registry"))?;
        let init_market = IMarket::initializeCall {
            owner,
            registry,
            params: setup.market.clone(),
            extension: market_extension,
            court,
            upkeep,
        };
        chain
            .call(owner, market, init_market.abi_encode())
            .map_err(step("initializing the market"))?;
        let court_params = ICourt::setCourtParamsCall {
            params: setup.court.clone(),
        };
        chain
            .call(owner, market, court_params.abi_encode())
            .map_err(step("setting the court's parameters"))?;
        chain
            .call(
                owner,
                registry,
                IRegistry::setMarketCall { market }.abi_encode(),
            )
            .map_err(step("binding the market to the registry"))?;
        Ok(Self {
            token,
            registry,
            market,
            owner,
            function,
            artifact,
        })
    }
}

impl Marketplace {
    /// The six programs of the registry and the market, cores first:
    /// `[registry, registry-ext, market, market-ext, court, market-upkeep]`.
    pub fn programs(&self, chain: &mut Chain) -> Result<[Address; 6], ChainError> {
        let extension = IGoverned::extensionCall {};
        Ok([
            self.registry,
            chain.view_sol(self.registry, &extension)?,
            self.market,
            chain.view_sol(self.market, &extension)?,
            chain.view_sol(self.market, &IMarket::courtCall {})?,
            chain.view_sol(self.market, &IMarket::upkeepCall {})?,
        ])
    }

    /// Caches the six programs in ArbOS's program cache, as a winning `CacheManager` bid does
    /// on Arbitrum: from then on each entry pays only the cached init gas. `manager` becomes a
    /// cache manager first.
    pub fn cache(&self, chain: &mut Chain, manager: Address) -> Result<(), ChainError> {
        crate::evm::arbwasm_cache::add_manager(chain, manager);
        for program in self.programs(chain)? {
            let cache = IArbWasmCache::cacheProgramCall { addr: program };
            chain.call(manager, ARB_WASM_CACHE, cache.abi_encode())?;
        }
        Ok(())
    }

    /// A plain request in this marketplace's token: `instances` instances (one at least, all
    /// on one provider allowed) of 1 CPU and 512 MiB in any region and tier, at up to
    /// `max_price` per instance-epoch, until cancelled.
    pub fn request(&self, instances: u32, max_price: u128) -> DeploymentSpec {
        DeploymentSpec {
            program: self.function,
            artifact: self.artifact,
            instances,
            minInstances: 1,
            cpuMilli: 1_000,
            memMiB: 512,
            regionMask: U256::MAX,
            minTier: 0,
            token: self.token,
            maxPricePerInstanceEpoch: max_price,
            maxPerProvider: instances,
            durationEpochs: 0,
        }
    }
}
