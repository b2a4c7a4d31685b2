//! Dormancy: a bid a round found nothing for leaves the queue, so later rounds cost nothing
//! for it, and comes back in the next round after any change that could serve it — and only
//! then.

use alloy_primitives::{Address, B256, U256};
use cloudless_abi::market::{DeploymentSpec, Offer, OfferStatus};
use matcher::workload::{MIN_STAKE, Shape, TOKEN, Workload};
use matcher::{Book, Budget, Config};

const PROVIDER: Address = Address::repeat_byte(0x11);
const OTHER: Address = Address::repeat_byte(0x22);

fn offer(provider: Address, region: u8, price: u128, capacity: u32) -> Offer {
    Offer {
        provider,
        cpuMilli: 1_000,
        memMiB: 1_024,
        region,
        tier: 1,
        token: TOKEN,
        pricePerInstanceEpoch: price,
        capacity,
        inUse: 0,
        status: OfferStatus::Open,
    }
}

fn spec(region: u8, max_price: u128) -> DeploymentSpec {
    let mut mask = U256::ZERO;
    mask.set_bit(usize::from(region), true);
    DeploymentSpec {
        program: Address::ZERO,
        artifact: B256::ZERO,
        instances: 2,
        minInstances: 1,
        cpuMilli: 1_000,
        memMiB: 1_024,
        regionMask: mask,
        minTier: 1,
        token: TOKEN,
        maxPricePerInstanceEpoch: max_price,
        maxPerProvider: 2,
        durationEpochs: 0,
    }
}

/// A book with offer 1 (region 0, price 1,000, 2 instances) of a staked provider, an unstaked
/// provider, and bid 1 as `bid` with plenty of escrow.
fn market(bid: DeploymentSpec) -> Book {
    let mut book = Book::new(Config {
        token: TOKEN,
        min_stake: U256::from(MIN_STAKE),
        keeper_fee: 10,
        paused: false,
        match_expiry: None,
    });
    book.set_stake(PROVIDER, U256::from(MIN_STAKE));
    book.set_stake(OTHER, U256::ZERO);
    book.add_offer(1, &offer(PROVIDER, 0, 1_000, 2)).unwrap();
    book.add_bid(1, bid, U256::from(1_000_000u64), 0).unwrap();
    book
}

fn matched(book: &mut Book, id: u64) -> bool {
    let plan = book.plan(5, &Budget::default());
    plan.txs.iter().any(|tx| tx.deployment_id == id)
}

/// Plans `book` once, checks bid 1 found nothing and slept, applies `change`, and says whether
/// the next round matched it.
fn after(mut book: Book, change: impl FnOnce(&mut Book)) -> bool {
    assert!(!matched(&mut book, 1), "bid 1 must start unservable");
    assert!(book.is_dormant(1), "a bid that found nothing must sleep");
    assert_eq!(book.waiting().count(), 0, "a dormant bid is not waiting");
    book.validate().unwrap();
    change(&mut book);
    book.validate().unwrap();
    matched(&mut book, 1)
}

#[test]
fn a_dormant_bid_is_matched_in_the_next_round_after_any_change_that_can_serve_it() {
    // Region 1 has no offer: a new offer there serves the bid.
    assert!(
        after(market(spec(1, 5_000)), |b| b
            .add_offer(2, &offer(PROVIDER, 1, 1_000, 2))
            .unwrap()),
        "a new offer in the bid's region did not wake it"
    );
    // Every ask is dearer than the bid's cap: a price cut serves it.
    assert!(
        after(market(spec(0, 500)), |b| b.update_offer(1, 400, 2).unwrap()),
        "a price cut below the bid's cap did not wake it"
    );
    // The only ask is full: freed capacity serves it.
    let mut full = market(spec(0, 5_000));
    full.set_in_use(1, 2).unwrap();
    assert!(
        after(full.clone(), |b| b.set_in_use(1, 1).unwrap()),
        "freed capacity did not wake it"
    );
    assert!(
        after(full, |b| b.update_offer(1, 1_000, 3).unwrap()),
        "raised capacity did not wake it"
    );
    // The only ask is paused: reopening it serves the bid.
    let mut paused = market(spec(0, 5_000));
    paused.set_offer_status(1, OfferStatus::Paused).unwrap();
    assert!(
        after(paused, |b| b
            .set_offer_status(1, OfferStatus::Open)
            .unwrap()),
        "a reopened offer did not wake it"
    );
    // The only ask's provider is under-staked: staking serves the bid.
    let mut unstaked = market(spec(1, 5_000));
    unstaked.add_offer(2, &offer(OTHER, 1, 1_000, 2)).unwrap();
    assert!(
        after(unstaked, |b| b.set_stake(OTHER, U256::from(MIN_STAKE))),
        "a stake reaching the minimum did not wake it"
    );
    // The escrow cannot pay one instance: a top-up serves the bid.
    let mut broke = market(spec(0, 5_000));
    broke.set_balance(1, U256::from(500)).unwrap();
    assert!(
        after(broke, |b| b
            .set_balance(1, U256::from(1_000_000u64))
            .unwrap()),
        "a top-up did not wake it"
    );
}

#[test]
fn changes_that_cannot_serve_a_dormant_bid_leave_it_asleep() {
    let mut book = market(spec(1, 500));
    assert!(!matched(&mut book, 1));
    // A cheap offer elsewhere, a dear offer in its region, a price rise, a new bid.
    book.add_offer(2, &offer(PROVIDER, 2, 100, 2)).unwrap();
    book.add_offer(3, &offer(PROVIDER, 1, 900, 2)).unwrap();
    book.update_offer(3, 950, 2).unwrap();
    book.add_bid(2, spec(0, 5_000), U256::from(1_000_000u64), 0)
        .unwrap();
    assert!(book.is_dormant(1), "a change that cannot serve it woke it");
    assert_eq!(book.waiting().collect::<Vec<_>>(), vec![2]);
    book.validate().unwrap();
}

#[test]
fn dead_bids_change_no_round_and_all_sleep_after_the_first() {
    let work = Workload::generate(&Shape::new(2_000, 400, 5));
    let budget = Budget::unlimited();
    let clean = work.book().plan(5, &budget);
    let mut book = work.book();
    let dead = work.dead_bids(20_000, 1_000_000);
    for (id, spec, balance) in &dead {
        book.add_bid(*id, spec.clone(), *balance, 0).unwrap();
    }
    assert_eq!(book.plan(5, &budget), clean, "dead bids changed the round");
    assert!(
        dead.iter().all(|(id, ..)| book.is_dormant(*id)),
        "a dead bid stayed in the queue after a round found nothing for it"
    );
    assert_eq!(
        book.plan(5, &budget),
        clean,
        "dormant bids changed the round"
    );
    book.validate().unwrap();
}
