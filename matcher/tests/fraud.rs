//! Fraud convictions: a convicted provider's asks leave matching (the registry refuses them
//! with `Ineligible::Fraud`), bids go to the others, and a rebuilt book keeps the conviction.

use alloy_primitives::{Address, B256, U256};
use cloudless_abi::market::{DeploymentSpec, Offer, OfferStatus};
use matcher::workload::{MIN_STAKE, TOKEN};
use matcher::{Book, Budget, Config};

const CONVICTED: Address = Address::repeat_byte(0x11);
const HONEST: Address = Address::repeat_byte(0x22);

fn offer(provider: Address, price: u128) -> Offer {
    Offer {
        provider,
        cpuMilli: 1_000,
        memMiB: 1_024,
        region: 0,
        tier: 1,
        token: TOKEN,
        pricePerInstanceEpoch: price,
        capacity: 2,
        inUse: 0,
        status: OfferStatus::Open,
    }
}

fn spec() -> DeploymentSpec {
    DeploymentSpec {
        program: Address::ZERO,
        artifact: B256::ZERO,
        instances: 2,
        minInstances: 1,
        cpuMilli: 1_000,
        memMiB: 1_024,
        regionMask: U256::from(1),
        minTier: 1,
        token: TOKEN,
        maxPricePerInstanceEpoch: 5_000,
        maxPerProvider: 2,
        durationEpochs: 0,
    }
}

/// Offer 1 (price 1,000) of `CONVICTED`, offer 2 (price 2,000) of `HONEST`, both staked.
fn market() -> Book {
    let mut book = Book::new(Config {
        token: TOKEN,
        min_stake: U256::from(MIN_STAKE),
        keeper_fee: 10,
        paused: false,
        match_expiry: None,
    });
    book.set_stake(CONVICTED, U256::from(MIN_STAKE));
    book.set_stake(HONEST, U256::from(MIN_STAKE));
    book.add_offer(1, &offer(CONVICTED, 1_000)).unwrap();
    book.add_offer(2, &offer(HONEST, 2_000)).unwrap();
    book
}

/// The offers a fresh bid is matched on in one round.
fn matched_offers(book: &mut Book, bid: u64) -> Vec<u64> {
    book.add_bid(bid, spec(), U256::from(1_000_000u64), 0)
        .unwrap();
    let plan = book.plan(5, &Budget::unlimited());
    plan.txs
        .iter()
        .filter(|tx| tx.deployment_id == bid)
        .flat_map(|tx| tx.pairs.iter().map(|p| p.offerId))
        .collect()
}

#[test]
fn a_convicted_providers_asks_leave_matching_and_bids_go_to_the_others() {
    assert_eq!(
        matched_offers(&mut market(), 1),
        vec![1],
        "the cheaper ask serves the bid before any conviction"
    );
    let mut book = market();
    book.set_frauds(CONVICTED, 1);
    book.validate().unwrap();
    assert_eq!(
        matched_offers(&mut book, 1),
        vec![2],
        "a convicted provider's ask was still matched"
    );
}

#[test]
fn a_conviction_outlasts_any_stake_and_a_rebuilt_book() {
    let mut book = market();
    book.set_frauds(CONVICTED, 1);
    book.set_stake(CONVICTED, U256::from(MIN_STAKE * 10));
    book.set_min_stake(U256::ZERO);
    let snapshot = book.snapshot();
    assert_eq!(snapshot.frauds, vec![(CONVICTED, 1)]);
    let mut rebuilt = Book::from(&snapshot);
    rebuilt.validate().unwrap();
    assert_eq!(rebuilt.snapshot(), snapshot, "the rebuild lost something");
    assert_eq!(
        matched_offers(&mut rebuilt, 1),
        vec![2],
        "the rebuilt book matched the convicted provider"
    );
}
