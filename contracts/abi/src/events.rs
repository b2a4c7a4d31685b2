//! The marketplace's logs decoded once, by the contract that emitted them: every consumer that
//! folds the chain (the matcher's book, the keeper's index, the auditor's ledger, the demo's
//! statement) reads logs through [`Sources::decode`], so a look-alike event logged by any
//! other contract is never taken for the marketplace's.

use alloy_primitives::{Address, Log};
use alloy_sol_types::{SolEvent, SolEventInterface};

use crate::{
    court::ICourt::ICourtEvents,
    erc20::IStylusToken,
    market::{IGoverned::IGovernedEvents, IMarket::IMarketEvents, IRegistry::IRegistryEvents},
};

/// The contracts whose logs are the marketplace's (the court logs at the market's address).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sources {
    /// The registry: providers, stakes, offers.
    pub registry: Address,
    /// The market: deployments, placements, proofs, disputes.
    pub market: Address,
    /// The payment token, whose `Transfer`s are the token flows.
    pub token: Address,
}

/// One of the marketplace's events.
#[derive(Clone, Debug)]
pub enum Event {
    /// Logged by the registry.
    Registry(IRegistryEvents),
    /// Logged by the market.
    Market(IMarketEvents),
    /// Logged by the court, at the market's address.
    Court(ICourtEvents),
    /// Ownership and pause, logged by the market.
    MarketGoverned(IGovernedEvents),
    /// Ownership and pause, logged by the registry.
    RegistryGoverned(IGovernedEvents),
    /// A payment-token transfer (a mint is sent by the zero address).
    Transfer(IStylusToken::Transfer),
}

/// A log with a marketplace event's signature whose data does not decode.
#[derive(Debug)]
pub struct DecodeError {
    /// "registry", "market" or "token".
    pub contract: &'static str,
    /// The decoder's complaint.
    pub source: alloy_sol_types::Error,
}

impl core::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "undecodable {} log: {}", self.contract, self.source)
    }
}

impl core::error::Error for DecodeError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        Some(&self.source)
    }
}

impl Sources {
    /// `log` as a marketplace event: `None` when another contract logged it or its signature
    /// is none of its emitter's events; an error when the signature is known but the data is
    /// not.
    pub fn decode(&self, log: &Log) -> Result<Option<Event>, DecodeError> {
        let topic = log.topics().first().map(|topic| topic.0);
        let known = |selectors: &[[u8; 32]]| topic.is_some_and(|t| selectors.contains(&t));
        let governed = |contract, wrap: fn(IGovernedEvents) -> Event| {
            Ok(known(IGovernedEvents::SELECTORS)
                .then(|| decode(log, contract))
                .transpose()?
                .map(wrap))
        };
        if log.address == self.market {
            if known(IMarketEvents::SELECTORS) {
                return decode(log, "market").map(|e| Some(Event::Market(e)));
            }
            if known(ICourtEvents::SELECTORS) {
                return decode(log, "market").map(|e| Some(Event::Court(e)));
            }
            return governed("market", Event::MarketGoverned);
        }
        if log.address == self.registry {
            if known(IRegistryEvents::SELECTORS) {
                return decode(log, "registry").map(|e| Some(Event::Registry(e)));
            }
            return governed("registry", Event::RegistryGoverned);
        }
        if log.address == self.token && topic == Some(IStylusToken::Transfer::SIGNATURE_HASH.0) {
            return IStylusToken::Transfer::decode_log(log)
                .map(|t| Some(Event::Transfer(t.data)))
                .map_err(|source| DecodeError {
                    contract: "token",
                    source,
                });
        }
        Ok(None)
    }
}

fn decode<E: SolEventInterface>(log: &Log, contract: &'static str) -> Result<E, DecodeError> {
    E::decode_log(log)
        .map(|event| event.data)
        .map_err(|source| DecodeError { contract, source })
}

#[cfg(test)]
mod tests {
    use alloy_primitives::U256;

    use super::*;
    use crate::market::IMarket;

    const SOURCES: Sources = Sources {
        registry: Address::repeat_byte(0x11),
        market: Address::repeat_byte(0x22),
        token: Address::repeat_byte(0x33),
    };

    fn claimed_by(address: Address) -> Log {
        let event = IMarket::Claimed {
            account: Address::repeat_byte(0xa1),
            amount: U256::from(5),
        };
        Log {
            address,
            data: event.encode_log_data(),
        }
    }

    #[test]
    fn only_the_emitter_named_in_the_sources_counts() {
        let decoded = SOURCES.decode(&claimed_by(SOURCES.market)).unwrap();
        assert!(
            matches!(decoded, Some(Event::Market(IMarketEvents::Claimed(ref e))) if e.amount == U256::from(5)),
            "{decoded:?}"
        );
        for impostor in [SOURCES.registry, SOURCES.token, Address::repeat_byte(0x44)] {
            assert!(SOURCES.decode(&claimed_by(impostor)).unwrap().is_none());
        }
    }

    #[test]
    fn a_known_signature_with_bad_data_is_an_error_naming_the_contract() {
        let mut log = claimed_by(SOURCES.market);
        log.data = alloy_primitives::LogData::new_unchecked(log.data.topics().to_vec(), [].into());
        let error = SOURCES.decode(&log).unwrap_err();
        assert_eq!(error.contract, "market");
    }
}
