//! What the market would answer to a given `matchDeployment`: the same checks in the same
//! order, ending in the very custom error the contract reverts with. The keeper uses it to
//! explain a rejected match; the harness tests hold it to the contract's answer byte for byte.

use alloy_primitives::U256;
use alloy_sol_types::SolInterface;
use cloudless_abi::eligibility;
use cloudless_abi::market::{
    DeploymentStatus, IGoverned::IGovernedErrors, IMarket::IMarketErrors,
    IRegistry::IRegistryErrors, Ineligible, MatchPair,
};

use crate::book::Book;

/// A match the contracts would refuse, as the custom error they revert with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rejection {
    /// A governance error (`ContractPaused`, `AmountTooLarge`).
    Governed(IGovernedErrors),
    /// A market error (`UnknownDeployment`, `NotMatchable`, `EmptyMatch`, …).
    Market(IMarketErrors),
    /// A registry error (`UnknownOffer`, `NotEligible`).
    Registry(IRegistryErrors),
}

impl Rejection {
    /// The revert data the contract returns.
    pub fn abi_encode(&self) -> Vec<u8> {
        match self {
            Self::Governed(e) => e.abi_encode(),
            Self::Market(e) => e.abi_encode(),
            Self::Registry(e) => e.abi_encode(),
        }
    }
}

impl std::fmt::Display for Rejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Governed(e) => write!(f, "{e:?}"),
            Self::Market(e) => write!(f, "{e:?}"),
            Self::Registry(e) => write!(f, "{e:?}"),
        }
    }
}

fn not_eligible(offer_id: u64, reason: Ineligible) -> Rejection {
    Rejection::Registry(IRegistryErrors::NotEligible(
        cloudless_abi::market::IRegistry::NotEligible {
            offerId: offer_id,
            reason,
        },
    ))
}

impl Book {
    /// `Ok` when `matchDeployment(deployment_id, pairs)` sent at `epoch` would succeed,
    /// otherwise the error it would revert with.
    pub fn verdict(
        &self,
        deployment_id: u64,
        pairs: &[MatchPair],
        epoch: u64,
    ) -> Result<(), Rejection> {
        use cloudless_abi::market::IGoverned::{AmountTooLarge, ContractPaused};
        use cloudless_abi::market::IMarket::{
            BelowMinimum, EmptyMatch, InsufficientBalance, NotMatchable, PriceChanged,
            TooManyInstances, UnknownDeployment,
        };
        use cloudless_abi::market::IRegistry::UnknownOffer;
        if self.config.paused {
            return Err(Rejection::Governed(IGovernedErrors::ContractPaused(
                ContractPaused {},
            )));
        }
        let bid = self.bids.get(&deployment_id).ok_or(Rejection::Market(
            IMarketErrors::UnknownDeployment(UnknownDeployment {
                deploymentId: deployment_id,
            }),
        ))?;
        bid.matchable(epoch, self.config.match_expiry)
            .map_err(|status: DeploymentStatus| {
                Rejection::Market(IMarketErrors::NotMatchable(NotMatchable {
                    deploymentId: deployment_id,
                    status,
                }))
            })?;
        let mut total: u32 = 0;
        for pair in pairs {
            if pair.instances == 0 {
                return Err(Rejection::Market(IMarketErrors::EmptyMatch(EmptyMatch {})));
            }
            total = total
                .checked_add(pair.instances)
                .ok_or(Rejection::Governed(IGovernedErrors::AmountTooLarge(
                    AmountTooLarge {},
                )))?;
        }
        if total == 0 {
            return Err(Rejection::Market(IMarketErrors::EmptyMatch(EmptyMatch {})));
        }
        let room = bid.room();
        if total > room {
            return Err(Rejection::Market(IMarketErrors::TooManyInstances(
                TooManyInstances {
                    deploymentId: deployment_id,
                    requested: total,
                    room,
                },
            )));
        }
        if !bid.reached_min && bid.placed + total < bid.spec.minInstances {
            return Err(Rejection::Market(IMarketErrors::BelowMinimum(
                BelowMinimum {
                    deploymentId: deployment_id,
                    total: bid.placed + total,
                    minInstances: bid.spec.minInstances,
                },
            )));
        }
        // Pairs apply one after another: an offer named twice sees its own first use.
        let mut used: Vec<(u64, u32)> = Vec::new();
        let mut held = bid.per_provider.clone();
        let mut rate = bid.rate;
        for pair in pairs {
            let unknown = UnknownOffer {
                offerId: pair.offerId,
            };
            let slot = self
                .known_ask(pair.offerId)
                .ok_or(Rejection::Registry(IRegistryErrors::UnknownOffer(unknown)))?;
            let ask = &self.asks[slot as usize];
            let mut offer = ask.offer(
                self.providers[ask.provider as usize].address,
                self.config.token,
            );
            let extra = used.iter().find(|u| u.0 == pair.offerId).map_or(0, |u| u.1);
            offer.inUse += extra;
            let have = held.get(ask.provider);
            let provider = &self.providers[ask.provider as usize];
            let standing = eligibility::Standing {
                stake: provider.stake,
                frauds: provider.frauds,
            };
            eligibility::check(
                &offer,
                standing,
                self.config.min_stake,
                pair.instances,
                have,
                &bid.spec,
                self.config.token,
            )
            .map_err(|reason| not_eligible(pair.offerId, reason))?;
            if pair.price != ask.price() {
                return Err(Rejection::Market(IMarketErrors::PriceChanged(
                    PriceChanged {
                        offerId: pair.offerId,
                        planned: pair.price,
                        current: ask.price(),
                    },
                )));
            }
            held.add(ask.provider, i64::from(pair.instances));
            match used.iter_mut().find(|u| u.0 == pair.offerId) {
                Some(u) => u.1 += pair.instances,
                None => used.push((pair.offerId, pair.instances)),
            }
            rate += U256::from(ask.price()) * U256::from(pair.instances);
        }
        let needed = U256::from(self.config.keeper_fee) * U256::from(total) + rate;
        if bid.balance < needed {
            return Err(Rejection::Market(IMarketErrors::InsufficientBalance(
                InsufficientBalance {
                    deploymentId: deployment_id,
                    balance: bid.balance,
                    needed,
                },
            )));
        }
        Ok(())
    }
}
