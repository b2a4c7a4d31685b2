//! A deployed marketplace on a fresh chain, with typed helpers for sending calls, expecting
//! named errors, reading events and checking the conservation invariant.

use alloy_primitives::{Address, Bytes, Log, U256};
use alloy_sol_types::{SolCall, SolError, SolEvent};
use cloudless_abi::{
    court::{DisputeStatus, ICourt, ProofRef},
    market::{DeploymentSpec, EpochProof, IMarket, IRegistry, MatchPair},
};
use harness::{
    artifact::Artifacts,
    evm::{Chain, ChainError, Receipt, chain::TxRequest},
    marketplace::{Marketplace, Setup},
};
use test_fixtures::abi::TestUSDC;

/// The governance owner, who also deploys everything.
pub const OWNER: Address = Address::repeat_byte(0x0a);
/// Providers.
pub const P1: Address = Address::repeat_byte(0x11);
/// A second provider.
pub const P2: Address = Address::repeat_byte(0x12);
/// A third provider.
pub const P3: Address = Address::repeat_byte(0x13);
/// Developers.
pub const DEV: Address = Address::repeat_byte(0xd1);
/// A second developer.
pub const DEV2: Address = Address::repeat_byte(0xd2);
/// A keeper.
pub const KEEPER: Address = Address::repeat_byte(0x4e);
/// A worker key.
pub const WORKER: Address = Address::repeat_byte(0x77);
/// An account with no role.
pub const STRANGER: Address = Address::repeat_byte(0x5a);

/// One whole token (6 decimals).
pub const UNIT: u128 = 1_000_000;

/// `n` whole tokens.
pub fn tokens(n: u128) -> U256 {
    U256::from(n * UNIT)
}

/// A marketplace deployed on its own chain.
pub struct Fixture {
    /// The chain.
    pub chain: Chain,
    /// Contract addresses.
    pub m: Marketplace,
    /// What it was deployed with.
    pub setup: Setup,
    /// Every account that may hold stake, escrow or claims (for the invariant).
    pub accounts: Vec<Address>,
}

impl Fixture {
    /// TestUSDC, the registry and the market with the default setup; every named account
    /// holds 1,000,000 tokens and 1,000 ETH.
    pub fn new() -> Self {
        Self::with(Setup::default(), "TestUSDC")
    }

    /// As [`Fixture::new`], paying in the Solidity fixture token `token` (any fixture with
    /// ERC-20 functions and `mint(address,uint256)`).
    pub fn with_token(token: &str) -> Self {
        Self::with(Setup::default(), token)
    }

    fn with(setup: Setup, token: &str) -> Self {
        let mut chain = Chain::default();
        let accounts = vec![OWNER, P1, P2, P3, DEV, DEV2, KEEPER, WORKER, STRANGER];
        for who in &accounts {
            chain.fund(*who, U256::from(10u64).pow(U256::from(21)));
        }
        let usdc = chain
            .deploy(OWNER, test_fixtures::solidity(token).creation.clone())
            .unwrap_or_else(|e| panic!("{token} deploys: {e}"));
        let m = Marketplace::deploy(&mut chain, &Artifacts::locate(), OWNER, usdc, &setup)
            .unwrap_or_else(|e| {
                panic!("{e} (run `cargo run -p cloudless-cli -- contracts build`)")
            });
        let mut fixture = Self {
            chain,
            m,
            setup,
            accounts,
        };
        for who in fixture.accounts.clone() {
            fixture.send(
                OWNER,
                usdc,
                TestUSDC::mintCall {
                    to: who,
                    value: tokens(1_000_000),
                },
            );
        }
        fixture
    }

    /// Sends `call` from `from` to `to`; panics with the decoded error when it fails.
    pub fn send<C: SolCall>(&mut self, from: Address, to: Address, call: C) -> Receipt {
        match self.try_send(from, to, &call) {
            Ok(receipt) => receipt,
            Err(e) => panic!("{} from {from} failed: {}", C::SIGNATURE, describe(&e)),
        }
    }

    /// Sends `call`; `Err` when it reverts or halts.
    pub fn try_send<C: SolCall>(
        &mut self,
        from: Address,
        to: Address,
        call: &C,
    ) -> Result<Receipt, ChainError> {
        let receipt = self
            .chain
            .send(TxRequest::call(from, to, call.abi_encode()))?;
        receipt.clone().into_result()?;
        Ok(receipt)
    }

    /// Sends `call` and returns its decoded return value.
    pub fn call<C: SolCall>(&mut self, from: Address, to: Address, call: C) -> C::Return {
        let receipt = self.send(from, to, call);
        C::abi_decode_returns(&receipt.output()).expect("return data matches the ABI")
    }

    /// Sends `call`, asserts it reverts with error `E` and changed nothing but the sender's
    /// nonce, and returns the error.
    pub fn expect_error<C: SolCall, E: SolError>(
        &mut self,
        from: Address,
        to: Address,
        call: C,
    ) -> E {
        let snapshot = self.chain.snapshot();
        let data = match self.try_send(from, to, &call) {
            Err(ChainError::Reverted(data)) => data,
            Ok(_) => panic!("{} succeeded; expected {}", C::SIGNATURE, E::SIGNATURE),
            Err(e) => panic!(
                "{} failed with {e}; expected {}",
                C::SIGNATURE,
                E::SIGNATURE
            ),
        };
        let error = E::abi_decode(&data).unwrap_or_else(|_| {
            let got = describe(&ChainError::Reverted(data.clone()));
            panic!("{} reverted with {got}, not {}", C::SIGNATURE, E::SIGNATURE)
        });
        assert_eq!(
            Bytes::from(error.abi_encode()),
            data,
            "{} is encoded as the ABI encodes it",
            E::SIGNATURE
        );
        let after = self.chain.state_digest();
        assert!(self.chain.revert(snapshot));
        self.chain
            .send(TxRequest::call(from, from, Vec::new()))
            .expect("a plain transfer");
        assert_eq!(
            after,
            self.chain.state_digest(),
            "a reverted call changed state"
        );
        error
    }

    /// Views `call` on `to`.
    pub fn view<C: SolCall>(&mut self, to: Address, call: C) -> C::Return {
        self.chain
            .view_sol(to, &call)
            .unwrap_or_else(|e| panic!("{}: {}", C::SIGNATURE, describe(&e)))
    }

    /// The current epoch by the contracts' clock.
    pub fn epoch(&mut self) -> u64 {
        self.view(self.m.registry, IRegistry::currentEpochCall {})
    }

    /// Moves time to the start of epoch `epoch` (and one block on).
    pub fn goto_epoch(&mut self, epoch: u64) {
        let target = self.setup.epoch_start(epoch);
        let now = self.chain.block().timestamp.to::<u64>();
        assert!(target >= now, "time cannot go back (epoch {epoch})");
        self.chain.advance(target - now);
    }

    /// Moves time `n` epochs on (to the start of the epoch `n` after the current one).
    pub fn advance_epochs(&mut self, n: u64) {
        let epoch = self.epoch();
        self.goto_epoch(epoch + n);
    }

    /// Moves time on until every pay held so far has matured (two widths of the dispute and
    /// response windows).
    pub fn mature(&mut self) {
        let c = &self.setup.court;
        self.advance_epochs(2 * (c.disputeWindow + c.responseWindow + 2));
    }

    /// What `who` has earned and not claimed: claimable plus still held.
    pub fn earned(&mut self, who: Address) -> U256 {
        let market = self.m.market;
        self.view(market, IMarket::claimableCall { account: who })
            + self.view(market, IMarket::pendingCall { account: who })
    }

    /// Token balance of `who`.
    pub fn token_balance(&mut self, who: Address) -> U256 {
        self.view(self.m.token, TestUSDC::balanceOfCall(who))
    }

    /// `from` approves `spender` for `amount`.
    pub fn approve(&mut self, from: Address, spender: Address, amount: U256) {
        self.send(
            from,
            self.m.token,
            TestUSDC::approveCall {
                spender,
                value: amount,
            },
        );
    }

    /// Registers `provider` and stakes `stake` whole tokens.
    pub fn provider(&mut self, provider: Address, stake: u128) {
        let registry = self.m.registry;
        self.send(
            provider,
            registry,
            IRegistry::registerProviderCall {
                metadataURI: format!("ipfs://{provider}"),
            },
        );
        if stake > 0 {
            self.approve(provider, registry, tokens(stake));
            self.send(
                provider,
                registry,
                IRegistry::stakeCall {
                    amount: tokens(stake),
                },
            );
        }
    }

    /// Creates an offer; returns its id.
    pub fn offer(&mut self, provider: Address, offer: OfferArgs) -> u64 {
        let token = self.m.token;
        self.call(
            provider,
            self.m.registry,
            IRegistry::createOfferCall {
                cpuMilli: offer.cpu_milli,
                memMiB: offer.mem_mib,
                region: offer.region,
                tier: offer.tier,
                token,
                pricePerInstanceEpoch: offer.price,
                capacity: offer.capacity,
            },
        )
    }

    /// A request for `instances` instances at up to `max_price`, all regions, 1 CPU, 512 MiB.
    pub fn spec(&self, instances: u32, max_price: u128) -> DeploymentSpec {
        self.m.request(instances, max_price)
    }

    /// `owner` approves and creates a deployment with `deposit`; returns its id.
    pub fn deployment(&mut self, owner: Address, spec: DeploymentSpec, deposit: U256) -> u64 {
        let market = self.m.market;
        self.approve(owner, market, deposit);
        self.call(
            owner,
            market,
            IMarket::createDeploymentCall { spec, deposit },
        )
    }

    /// A pair of `instances` on `offer` at its current price.
    pub fn pair(&mut self, offer: u64, instances: u32) -> MatchPair {
        let listed = self.view(self.m.registry, IRegistry::offerCall { offerId: offer });
        MatchPair {
            offerId: offer,
            instances,
            price: listed.pricePerInstanceEpoch,
        }
    }

    /// KEEPER matches `instances` of `deployment` onto `offer`.
    pub fn match_on(&mut self, deployment: u64, offer: u64, instances: u32) -> Receipt {
        let pairs = vec![self.pair(offer, instances)];
        let call = IMarket::matchDeploymentCall {
            deploymentId: deployment,
            pairs,
        };
        self.send(KEEPER, self.m.market, call)
    }

    /// Asserts the conservation invariant (v2): the tokens the contracts hold equal the sum of
    /// balances, claimable and pending pay, stake (incl. unbonding), the treasury and the bonds
    /// of open disputes.
    pub fn assert_conserved(&mut self) {
        let (registry, market) = (self.m.registry, self.m.market);
        let held = self.token_balance(registry) + self.token_balance(market);
        let mut owed = self.view(market, IMarket::treasuryCall {});
        let deployments = self.view(market, IMarket::deploymentCountCall {});
        for id in 1..=deployments {
            owed += self
                .view(market, IMarket::deploymentStateCall { deploymentId: id })
                .balance;
        }
        for id in 1..=self.view(market, ICourt::disputeCountCall {}) {
            let dispute = self.view(market, ICourt::disputeCall { disputeId: id });
            if dispute.status == DisputeStatus::Open {
                owed += U256::from(dispute.bond);
            }
        }
        for who in self.accounts.clone() {
            owed += self.view(market, IMarket::claimableCall { account: who });
            owed += self.view(market, IMarket::pendingCall { account: who });
            let info = self.view(registry, IRegistry::providerCall { provider: who });
            owed += info.stake + info.unbonding;
        }
        assert_eq!(
            held, owed,
            "conservation: contracts hold {held}, owe {owed}"
        );
    }
}

/// An offer's terms.
#[derive(Clone, Copy, Debug)]
pub struct OfferArgs {
    /// CPU per instance, thousandths of a core.
    pub cpu_milli: u32,
    /// Memory per instance, MiB.
    pub mem_mib: u32,
    /// Region code.
    pub region: u8,
    /// Tier.
    pub tier: u8,
    /// Price per instance-epoch, base units.
    pub price: u128,
    /// Instances.
    pub capacity: u32,
}

impl OfferArgs {
    /// 2 CPUs, 2 GiB, region 0, tier 1, `price` base units, `capacity` instances.
    pub fn priced(price: u128, capacity: u32) -> Self {
        Self {
            cpu_milli: 2_000,
            mem_mib: 2_048,
            region: 0,
            tier: 1,
            price,
            capacity,
        }
    }
}

/// The events of type `E` in `receipt`, in order.
pub fn events<E: SolEvent>(receipt: &Receipt) -> Vec<E> {
    receipt
        .logs()
        .iter()
        .filter_map(|log: &Log| E::decode_log(log).ok().map(|decoded| decoded.data))
        .collect()
}

/// The single event of type `E` in `receipt`.
pub fn event<E: SolEvent>(receipt: &Receipt) -> E {
    let mut all = events::<E>(receipt);
    assert_eq!(all.len(), 1, "expected one {} event", E::SIGNATURE);
    all.remove(0)
}

/// A chain error with its revert decoded by name when it is one of the marketplace's errors.
pub fn describe(error: &ChainError) -> String {
    use alloy_sol_types::SolInterface;
    use cloudless_abi::market::IGoverned::IGovernedErrors;
    use cloudless_abi::market::IMarket::IMarketErrors;
    use cloudless_abi::market::IRegistry::IRegistryErrors;
    match error {
        ChainError::Reverted(data) => {
            if let Ok(e) = IMarketErrors::abi_decode(data) {
                format!("{e:?}")
            } else if let Ok(e) = IRegistryErrors::abi_decode(data) {
                format!("{e:?}")
            } else if let Ok(e) = IGovernedErrors::abi_decode(data) {
                format!("{e:?}")
            } else {
                error.to_string()
            }
        }
        other => other.to_string(),
    }
}

/// The references of `proofs`, submitted together in the transaction of `receipt`, as any
/// client rebuilds them from its logs (`cloudless_client::proofs`); they must name exactly the
/// proofs submitted, in order.
pub fn proof_refs(receipt: &Receipt, proofs: &[EpochProof]) -> Vec<ProofRef> {
    let market = receipt
        .logs()
        .iter()
        .find(|log| IMarket::ProofsCommitted::decode_log(log).is_ok())
        .expect("a ProofsCommitted log")
        .address;
    let refs = cloudless_client::proofs::proof_refs(market, receipt.logs()).expect("the batch");
    let named: Vec<_> = refs
        .iter()
        .map(|r| (r.placementId, r.epoch, r.receiptsRoot, r.count))
        .collect();
    let submitted: Vec<_> = proofs
        .iter()
        .map(|p| (p.placementId, p.epoch, p.receiptsRoot, p.count))
        .collect();
    assert_eq!(named, submitted, "the batch holds the proofs submitted");
    refs
}

/// The root and count of `n` requests to the `notify` function answered for `placement` in
/// `epoch`, each receipt signed with a fixed worker key: a real epoch for tests that only
/// prove it (the court's tests sign with a registered worker).
pub fn served(f: &Fixture, placement: u64, epoch: u64, n: u64) -> (alloy_primitives::B256, u32) {
    let key = alloy::signers::local::PrivateKeySigner::from_bytes(&[0x5e; 32].into())
        .expect("a valid key");
    let mut served =
        cloudless_client::receipts::Epoch::new(f.chain.chain_id(), f.m.market, placement, epoch);
    for i in 0..n {
        let request = format!("name=user {i}\n---\nHello {{{{name}}}}.").into_bytes();
        let response = notify::handle(&request).expect("the request renders");
        served.record(&key, request.into(), response.into());
    }
    (served.root(), served.count())
}
