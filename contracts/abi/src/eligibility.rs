//! The protocol's eligibility rules, in the order they are checked (the first failure is the
//! reason reported). The registry contract enforces them and the matcher uses the very same
//! function, so the two cannot disagree.

use alloy_primitives::{Address, U256};

use crate::market::{DeploymentSpec, Ineligible, Offer, OfferStatus};

/// What eligibility needs to know of an offer's provider.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Standing {
    /// Its stake (unbonding excluded).
    pub stake: U256,
    /// Its fraud convictions: any makes it ineligible for good.
    pub frauds: u32,
}

/// Whether `offer` can take `instances` more instances of `spec` from a provider in `standing`
/// (minimum stake `min_stake`) that already holds `provider_instances` of them; `token` is the
/// registry's token.
pub fn check(
    offer: &Offer,
    standing: Standing,
    min_stake: U256,
    instances: u32,
    provider_instances: u32,
    spec: &DeploymentSpec,
    token: Address,
) -> Result<(), Ineligible> {
    let free = offer.capacity.saturating_sub(offer.inUse);
    let room = spec.maxPerProvider.saturating_sub(provider_instances);
    let rules = [
        (offer.status != OfferStatus::Closed, Ineligible::OfferClosed),
        (offer.status != OfferStatus::Paused, Ineligible::OfferPaused),
        (standing.frauds == 0, Ineligible::Fraud),
        (standing.stake >= min_stake, Ineligible::StakeBelowMinimum),
        (offer.cpuMilli >= spec.cpuMilli, Ineligible::Cpu),
        (offer.memMiB >= spec.memMiB, Ineligible::Memory),
        (
            spec.regionMask.bit(offer.region as usize),
            Ineligible::Region,
        ),
        (offer.tier >= spec.minTier, Ineligible::Tier),
        (spec.token == token, Ineligible::PaymentToken),
        (
            offer.pricePerInstanceEpoch <= spec.maxPricePerInstanceEpoch,
            Ineligible::Price,
        ),
        (free >= instances, Ineligible::Capacity),
        (room >= instances, Ineligible::ProviderCap),
    ];
    match rules.into_iter().find(|(ok, _)| !ok) {
        Some((_, reason)) => Err(reason),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use alloy_primitives::B256;

    use super::*;

    const TOKEN: Address = Address::repeat_byte(0x70);
    const MIN_STAKE: u64 = 1_000;

    fn offer() -> Offer {
        Offer {
            provider: Address::repeat_byte(0x11),
            cpuMilli: 2_000,
            memMiB: 2_048,
            region: 3,
            tier: 2,
            token: TOKEN,
            pricePerInstanceEpoch: 100,
            capacity: 10,
            inUse: 4,
            status: OfferStatus::Open,
        }
    }

    fn spec() -> DeploymentSpec {
        DeploymentSpec {
            program: Address::ZERO,
            artifact: B256::ZERO,
            instances: 8,
            minInstances: 1,
            cpuMilli: 1_000,
            memMiB: 1_024,
            regionMask: U256::from(1u8) << 3,
            minTier: 1,
            token: TOKEN,
            maxPricePerInstanceEpoch: 150,
            maxPerProvider: 5,
            durationEpochs: 0,
        }
    }

    fn standing(stake: u64) -> Standing {
        Standing {
            stake: U256::from(stake),
            frauds: 0,
        }
    }

    fn verdict(
        offer: &Offer,
        standing: Standing,
        k: u32,
        held: u32,
        spec: &DeploymentSpec,
    ) -> Result<(), Ineligible> {
        check(offer, standing, U256::from(MIN_STAKE), k, held, spec, TOKEN)
    }

    #[test]
    fn an_offer_meeting_every_rule_is_eligible_up_to_its_free_capacity_and_the_cap() {
        assert_eq!(
            verdict(&offer(), standing(MIN_STAKE), 5, 0, &spec()),
            Ok(())
        );
        assert_eq!(
            verdict(&offer(), standing(MIN_STAKE), 7, 0, &spec()),
            Err(Ineligible::Capacity)
        );
        assert_eq!(
            verdict(&offer(), standing(MIN_STAKE), 6, 0, &spec()),
            Err(Ineligible::ProviderCap)
        );
        assert_eq!(
            verdict(&offer(), standing(MIN_STAKE), 2, 3, &spec()),
            Ok(())
        );
        assert_eq!(
            verdict(&offer(), standing(MIN_STAKE), 3, 3, &spec()),
            Err(Ineligible::ProviderCap)
        );
    }

    #[test]
    fn each_rule_reports_its_own_reason() {
        type BreakRule = fn(&mut Offer, &mut DeploymentSpec, &mut Standing);
        let cases: [(BreakRule, Ineligible); 11] = [
            (
                |o, _, _| o.status = OfferStatus::Closed,
                Ineligible::OfferClosed,
            ),
            (
                |o, _, _| o.status = OfferStatus::Paused,
                Ineligible::OfferPaused,
            ),
            (|_, _, p| p.frauds = 1, Ineligible::Fraud),
            (
                |_, _, p| p.stake = U256::from(MIN_STAKE - 1),
                Ineligible::StakeBelowMinimum,
            ),
            (|o, _, _| o.cpuMilli = 999, Ineligible::Cpu),
            (|o, _, _| o.memMiB = 1_023, Ineligible::Memory),
            (
                |_, s, _| s.regionMask = U256::from(1u8) << 4,
                Ineligible::Region,
            ),
            (|o, _, _| o.tier = 0, Ineligible::Tier),
            (|_, s, _| s.token = Address::ZERO, Ineligible::PaymentToken),
            (|o, _, _| o.pricePerInstanceEpoch = 151, Ineligible::Price),
            (|o, _, _| o.inUse = 10, Ineligible::Capacity),
        ];
        for (break_rule, reason) in cases {
            let (mut o, mut s, mut p) = (offer(), spec(), standing(MIN_STAKE));
            break_rule(&mut o, &mut s, &mut p);
            assert_eq!(verdict(&o, p, 1, 0, &s), Err(reason));
        }
    }

    #[test]
    fn the_first_failing_rule_in_protocol_order_wins() {
        let mut o = offer();
        o.status = OfferStatus::Paused;
        o.pricePerInstanceEpoch = 1_000;
        o.cpuMilli = 1;
        assert_eq!(
            verdict(&o, standing(0), 100, 100, &spec()),
            Err(Ineligible::OfferPaused)
        );
        o.status = OfferStatus::Open;
        assert_eq!(
            verdict(&o, standing(0), 100, 100, &spec()),
            Err(Ineligible::StakeBelowMinimum)
        );
        assert_eq!(
            verdict(&o, standing(MIN_STAKE), 100, 100, &spec()),
            Err(Ineligible::Cpu)
        );
    }

    #[test]
    fn prices_at_the_bid_and_capacity_exactly_full_are_accepted() {
        let mut o = offer();
        o.pricePerInstanceEpoch = 150;
        assert_eq!(verdict(&o, standing(MIN_STAKE), 5, 0, &spec()), Ok(()));
        o.inUse = 5;
        assert_eq!(verdict(&o, standing(MIN_STAKE), 5, 0, &spec()), Ok(()));
    }
}
