//! Driving a marketplace in the harness, for auditors and independent test suites: the real
//! programs on a fresh chain, transactions whose failures come back decoded by error name,
//! time moved by epoch, the conservation check over every account the chain has seen, and the
//! views the contracts' state does not give directly (a placement's effective end, whether a
//! deployment was cancelled or closed, whether it reached its minimum).
//!
//! ```no_run
//! use cloudless_audit::driver::Driver;
//! use cloudless_abi::market::IRegistry;
//! use alloy_primitives::Address;
//! let mut d = Driver::deploy(Default::default())?;
//! let provider = Address::repeat_byte(0x11);
//! d.fund(provider, 1_000);
//! // Registering twice is refused by name.
//! let register = || IRegistry::registerProviderCall { metadataURI: "https://node".into() };
//! d.send(provider, d.m.registry, register())?;
//! let refused = d.send(provider, d.m.registry, register()).unwrap_err();
//! assert_eq!(refused.name(), "AlreadyRegistered");
//! d.check_conservation()?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::BTreeSet;

use crate::ledger::{Ledger, LedgerLog};
use alloy_primitives::{Address, B256, U256};
use alloy_sol_types::SolCall;
use cloudless_abi::{
    court::{DisputeStatus, ICourt},
    erc20::IStylusToken,
    events::Sources,
    market::{IMarket, IRegistry},
};
use cloudless_client::revert::{Reverted, decode};
use harness::{
    artifact::Artifacts,
    evm::{Chain, ChainError, Receipt, chain::TxRequest},
    marketplace::{Marketplace, Setup},
};

/// Why a transaction failed.
#[derive(Debug, thiserror::Error)]
pub enum Refused {
    /// It reverted: the contract's error, decoded by name with the CLI's hint.
    #[error(transparent)]
    Reverted(#[from] Reverted),
    /// It was invalid or halted (out of gas, a bad nonce).
    #[error("{0}")]
    Failed(String),
}

impl Refused {
    /// The error's name (`NotOfferProvider`, `Error`, `Panic`, …); empty unless it reverted.
    pub fn name(&self) -> &str {
        match self {
            Refused::Reverted(r) => &r.name,
            Refused::Failed(_) => "",
        }
    }
}

/// How a deployment was ended early, if it was.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ending {
    /// Its owner cancelled it, to end after this epoch.
    Cancelled(u64),
    /// A keeper closed it underfunded, to end after this epoch.
    Closed(u64),
}

/// A marketplace on its own harness chain, and what its transactions showed.
pub struct Driver {
    /// The chain.
    pub chain: Chain,
    /// The contracts.
    pub m: Marketplace,
    /// What they were deployed with.
    pub setup: Setup,
    /// Every account that sent a transaction.
    senders: BTreeSet<Address>,
    /// The marketplace's logs folded as `cloudless audit replay` folds them.
    ledger: Ledger,
}

/// The account that deploys everything and owns the marketplace.
pub const OWNER: Address = Address::repeat_byte(0x0a);

impl Driver {
    /// TestUSDC and the built marketplace programs, deployed by [`OWNER`] with `setup`
    /// (`cloudless contracts build` must have run).
    pub fn deploy(setup: Setup) -> Result<Self, Refused> {
        let mut chain = Chain::default();
        chain.fund(OWNER, eth(1_000));
        let creation = test_fixtures::solidity("TestUSDC").creation.clone();
        let token = chain.deploy(OWNER, creation).map_err(failed)?;
        let m = Marketplace::deploy(&mut chain, &Artifacts::locate(), OWNER, token, &setup)
            .map_err(|e| Refused::Failed(e.to_string()))?;
        let ledger = Ledger::new(Sources {
            registry: m.registry,
            market: m.market,
            token: m.token,
        });
        Ok(Self {
            chain,
            m,
            setup,
            senders: BTreeSet::from([OWNER]),
            ledger,
        })
    }

    /// Gives `account` 10 ETH for gas and mints it `tokens` whole tokens (6 decimals).
    pub fn fund(&mut self, account: Address, tokens: u128) {
        self.chain.fund(account, eth(10));
        let mint = IStylusToken::mintCall {
            to: account,
            amount: U256::from(tokens) * U256::from(1_000_000u64),
        };
        self.send(OWNER, self.m.token, mint)
            .expect("the owner mints TestUSDC");
    }

    /// Sends `call` from `from` to `to`; a revert comes back decoded by name.
    pub fn send<C: SolCall>(
        &mut self,
        from: Address,
        to: Address,
        call: C,
    ) -> Result<Receipt, Refused> {
        self.senders.insert(from);
        let receipt = self
            .chain
            .send(TxRequest::call(from, to, call.abi_encode()))
            .map_err(failed)?;
        if let Err(error) = receipt.clone().into_result() {
            return Err(match error {
                ChainError::Reverted(data) => decode(C::SIGNATURE, &data).into(),
                other => failed(other),
            });
        }
        self.observe(&receipt);
        Ok(receipt)
    }

    /// `from` approves the spender `to` for `amount` base units, then sends `call` (a deposit,
    /// a stake, a bond).
    pub fn send_paying<C: SolCall>(
        &mut self,
        from: Address,
        to: Address,
        amount: U256,
        call: C,
    ) -> Result<Receipt, Refused> {
        let approve = IStylusToken::approveCall {
            spender: to,
            value: amount,
        };
        self.send(from, self.m.token, approve)?;
        self.send(from, to, call)
    }

    /// Views `call` on `to`.
    pub fn view<C: SolCall>(&mut self, to: Address, call: C) -> Result<C::Return, Refused> {
        self.chain.view_sol(to, &call).map_err(|e| match e {
            ChainError::Reverted(data) => decode(C::SIGNATURE, &data).into(),
            other => failed(other),
        })
    }

    /// The contracts' current epoch.
    pub fn epoch(&mut self) -> Result<u64, Refused> {
        self.view(self.m.market, IMarket::currentEpochCall {})
    }

    /// Moves time to the start of `epoch` (never back).
    pub fn goto_epoch(&mut self, epoch: u64) {
        let target = self.setup.epoch_start(epoch);
        let now = self.chain.block().timestamp.to::<u64>();
        self.chain.advance(target.saturating_sub(now));
    }

    /// Every account that sent a transaction or moved tokens, in address order.
    pub fn accounts(&self) -> BTreeSet<Address> {
        let moved = self.ledger.flows.keys().filter(|a| !a.is_zero());
        self.senders.iter().chain(moved).copied().collect()
    }

    /// The billing ledger of every transaction sent so far ([`Ledger`], as `cloudless audit
    /// replay` builds it).
    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    /// Conservation: the tokens the registry and the market hold equal what they owe — every
    /// deployment's balance, the treasury, the bonds of open disputes, and every account's
    /// claimable and held pay, stake and unbonding — and the ledger's invariants
    /// ([`Ledger::violations`]). `Err` names what does not hold.
    pub fn check_conservation(&mut self) -> Result<(), String> {
        let (m, view_error) = (self.m, |e: Refused| e.to_string());
        let balance = |d: &mut Self, who| {
            d.view(m.token, IStylusToken::balanceOfCall { owner: who })
                .map_err(view_error)
        };
        let held = balance(self, m.registry)? + balance(self, m.market)?;
        let mut owed = self
            .view(m.market, IMarket::treasuryCall {})
            .map_err(view_error)?;
        let deployments = self
            .view(m.market, IMarket::deploymentCountCall {})
            .map_err(view_error)?;
        for id in 1..=deployments {
            let state = IMarket::deploymentStateCall { deploymentId: id };
            owed += self.view(m.market, state).map_err(view_error)?.balance;
        }
        let disputes = self
            .view(m.market, ICourt::disputeCountCall {})
            .map_err(view_error)?;
        for id in 1..=disputes {
            let dispute = self
                .view(m.market, ICourt::disputeCall { disputeId: id })
                .map_err(view_error)?;
            if dispute.status == DisputeStatus::Open {
                owed += U256::from(dispute.bond);
            }
        }
        for who in self.accounts() {
            owed += self
                .view(m.market, IMarket::claimableCall { account: who })
                .map_err(view_error)?;
            owed += self
                .view(m.market, IMarket::pendingCall { account: who })
                .map_err(view_error)?;
            let info = self
                .view(m.registry, IRegistry::providerCall { provider: who })
                .map_err(view_error)?;
            owed += info.stake + info.unbonding;
        }
        if held != owed {
            return Err(format!("the contracts hold {held} but owe {owed}"));
        }
        match self.ledger.violations().as_slice() {
            [] => Ok(()),
            found => Err(found.join("; ")),
        }
    }

    /// The last epoch `placement` serves: the earlier of its own end and its deployment's.
    pub fn effective_end(&mut self, placement: u64) -> Result<u64, Refused> {
        let market = self.m.market;
        let p = self.view(
            market,
            IMarket::placementCall {
                placementId: placement,
            },
        )?;
        let d = IMarket::deploymentStateCall {
            deploymentId: p.deploymentId,
        };
        Ok(p.endEpoch.min(self.view(market, d)?.endEpoch))
    }

    /// Whether `deployment` was cancelled or closed (from the events the driver saw).
    pub fn ending(&self, deployment: u64) -> Option<Ending> {
        let d = self.ledger.deployments.get(&deployment)?;
        d.cancelled
            .map(Ending::Cancelled)
            .or(d.closed.map(Ending::Closed))
    }

    /// Whether `deployment` has at least its `minInstances` placed.
    pub fn reached_minimum(&mut self, deployment: u64) -> Result<bool, Refused> {
        let market = self.m.market;
        let spec = self.view(
            market,
            IMarket::deploymentSpecCall {
                deploymentId: deployment,
            },
        )?;
        let state = IMarket::deploymentStateCall {
            deploymentId: deployment,
        };
        Ok(self.view(market, state)?.placed >= spec.minInstances)
    }

    /// Folds `receipt`'s logs into the ledger.
    fn observe(&mut self, receipt: &Receipt) {
        let block = self.chain.block().number.saturating_to::<u64>();
        for log in receipt.logs() {
            let entry = LedgerLog {
                block,
                tx: B256::ZERO,
                log: log.clone(),
            };
            self.ledger
                .apply(&entry)
                .expect("the marketplace's programs log decodable events");
        }
    }
}

/// `n` ETH in wei.
fn eth(n: u64) -> U256 {
    U256::from(n) * U256::from(10u64).pow(U256::from(18))
}

fn failed(error: ChainError) -> Refused {
    Refused::Failed(error.to_string())
}
