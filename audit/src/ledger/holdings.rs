//! Token conservation after every transaction: what the market and the registry hold (their
//! payment-token `Transfer`s) against what the events say they owe. Kept as running totals
//! that only grow, so the check is O(1) per transaction and never goes below zero.
//!
//! The market owes every deployment's balance, pay held and claimable (providers' pay, keeper
//! fees, bonds won, challengers' rewards), the treasury and the bonds of open disputes; the
//! registry owes every provider's stake and unbonding. Holding more than owed is a surplus
//! (anyone may send tokens to a contract); holding less is a violation.

use alloy_primitives::{Address, U256};

use super::Flow;

/// What the events moved into and out of the market's and the registry's obligations.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct Holdings {
    /// Σ every deployment's balance as last counted.
    pub balances: U256,
    /// Obligations the market took on besides deployment balances: pay and fees from
    /// deployments (held, then claimable; the treasury's), keeper fees, bonds, challengers'
    /// rewards from slashes.
    pub market_in: U256,
    /// Obligations the market discharged: claims, treasury withdrawals, held pay refunded into
    /// deployments.
    pub market_out: U256,
    /// Staked into the registry.
    pub registry_in: U256,
    /// Slashed out of the registry or withdrawn by providers.
    pub registry_out: U256,
}

impl Holdings {
    /// Re-counts one deployment's balance: `counted` was its last counted balance.
    pub fn recount(&mut self, counted: U256, balance: U256) {
        self.balances = self.balances - counted + balance;
    }

    /// Why the market or the registry holds less than it owes, given every account's token
    /// flows.
    pub fn shortfalls(
        &self,
        flows: &std::collections::BTreeMap<Address, Flow>,
        market: Address,
        registry: Address,
    ) -> Vec<String> {
        let sides = [
            (
                "market",
                market,
                self.balances + self.market_in,
                self.market_out,
            ),
            ("registry", registry, self.registry_in, self.registry_out),
        ];
        sides
            .into_iter()
            .filter_map(|(name, address, owed_in, owed_out)| {
                let flow = flows.get(&address).cloned().unwrap_or_default();
                let (received, sent) = (flow.received.0, flow.sent.0);
                // held = received − sent, owed = owed_in − owed_out, both non-negative.
                (received + owed_out < owed_in + sent).then(|| {
                    format!(
                        "the {name} holds {} tokens but owes {}",
                        received.saturating_sub(sent),
                        owed_in.saturating_sub(owed_out)
                    )
                })
            })
            .collect()
    }
}
