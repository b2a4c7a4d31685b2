//! Seeded synthetic books for benchmarks and property tests: providers with stakes, offers of
//! common machine shapes across regions and tiers, and deployment requests that mostly find
//! capacity. The same seed always gives the same workload.

use alloy_primitives::{Address, B256, U256};
use cloudless_abi::market::{DeploymentSpec, Offer, OfferStatus};

use crate::book::{Book, Config};

/// A small, fast, seedable generator (splitmix64).
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator started at `seed`.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    /// One of `items`.
    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// The shape of a synthetic market.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shape {
    /// Offers to create.
    pub offers: usize,
    /// Deployment requests to create.
    pub bids: usize,
    /// Regions offers are spread over (at most 256).
    pub regions: u8,
    /// Tiers offers are spread over.
    pub tiers: u8,
    /// Offers per provider on average.
    pub offers_per_provider: usize,
    /// Seed of the generator.
    pub seed: u64,
}

impl Shape {
    /// `offers` offers and `bids` requests over 16 regions and 4 tiers, 8 offers per provider.
    pub fn new(offers: usize, bids: usize, seed: u64) -> Self {
        Self {
            offers,
            bids,
            regions: 16,
            tiers: 4,
            offers_per_provider: 8,
            seed,
        }
    }
}

/// CPU sizes offered and asked for, in thousandths of a core.
const CPUS: [u32; 5] = [500, 1_000, 2_000, 4_000, 8_000];
/// Memory sizes, MiB.
const MEMS: [u32; 6] = [512, 1_024, 2_048, 4_096, 8_192, 16_384];

/// The payment token of synthetic markets.
pub const TOKEN: Address = Address::repeat_byte(0x70);
/// Their minimum stake.
pub const MIN_STAKE: u64 = 1_000;

/// A synthetic market: the market config, provider stakes, offers and requests.
#[derive(Clone, Debug)]
pub struct Workload {
    /// Market-wide values.
    pub config: Config,
    /// `(provider, stake)`; about one in twenty is below the minimum.
    pub stakes: Vec<(Address, U256)>,
    /// `(offerId, offer)`, ids from 1.
    pub offers: Vec<(u64, Offer)>,
    /// `(deploymentId, spec, balance)`, ids from 1.
    pub bids: Vec<(u64, DeploymentSpec, U256)>,
}

impl Workload {
    /// Generates the market `shape` describes.
    pub fn generate(shape: &Shape) -> Self {
        let mut rng = Rng::new(shape.seed);
        let providers = shape
            .offers
            .div_ceil(shape.offers_per_provider.max(1))
            .max(1);
        let stakes = (0..providers)
            .map(|i| {
                let stake = if rng.chance(5) {
                    MIN_STAKE - 1
                } else {
                    MIN_STAKE * 2
                };
                (provider(i), U256::from(stake))
            })
            .collect();
        let offers = (1..=shape.offers as u64)
            .map(|id| {
                let status = match rng.below(20) {
                    0 => OfferStatus::Paused,
                    1 => OfferStatus::Closed,
                    _ => OfferStatus::Open,
                };
                let capacity = rng.range(1, 16) as u32;
                let offer = Offer {
                    provider: provider(rng.below(providers as u64) as usize),
                    cpuMilli: rng.pick(&CPUS),
                    memMiB: rng.pick(&MEMS),
                    region: rng.below(u64::from(shape.regions.max(1))) as u8,
                    tier: rng.below(u64::from(shape.tiers.max(1))) as u8,
                    token: TOKEN,
                    pricePerInstanceEpoch: u128::from(rng.range(100, 10_000)),
                    capacity,
                    inUse: rng.below(u64::from(capacity) + 1) as u32 / 2,
                    status,
                };
                (id, offer)
            })
            .collect();
        let bids = (1..=shape.bids as u64)
            .map(|id| {
                let instances = rng.range(1, 8) as u32;
                let mut mask = U256::ZERO;
                for _ in 0..rng.range(1, 4) {
                    mask.set_bit(rng.below(u64::from(shape.regions.max(1))) as usize, true);
                }
                let price = u128::from(rng.range(500, 12_000));
                let spec = DeploymentSpec {
                    program: Address::ZERO,
                    artifact: B256::with_last_byte(id as u8),
                    instances,
                    minInstances: rng.range(1, u64::from(instances)) as u32,
                    cpuMilli: rng.pick(&CPUS[..4]),
                    memMiB: rng.pick(&MEMS[..5]),
                    regionMask: mask,
                    minTier: rng.below(u64::from(shape.tiers.max(1))) as u8,
                    token: TOKEN,
                    maxPricePerInstanceEpoch: price,
                    maxPerProvider: rng.range(1, u64::from(instances)) as u32,
                    durationEpochs: 0,
                };
                let epochs = rng.range(1, 6) as u128;
                let balance = U256::from(u128::from(instances) * (price + 10) * epochs);
                (id, spec, balance)
            })
            .collect();
        Self {
            config: Config {
                token: TOKEN,
                min_stake: U256::from(MIN_STAKE),
                keeper_fee: 10,
                paused: false,
                match_expiry: None,
            },
            stakes,
            offers,
            bids,
        }
    }

    /// A book holding the whole workload.
    pub fn book(&self) -> Book {
        let mut book = self.asks();
        self.add_bids(&mut book);
        book
    }

    /// A book holding the providers and offers only.
    pub fn asks(&self) -> Book {
        let mut book = Book::new(self.config.clone());
        for &(provider, stake) in &self.stakes {
            book.set_stake(provider, stake);
        }
        for (id, offer) in &self.offers {
            book.add_offer(*id, offer).expect("fresh offer ids");
        }
        book
    }

    /// `count` deployment requests, ids from `first_id`, that no offer of this workload can
    /// ever serve: half ask only for a region no offer is in, half cap their price below every
    /// ask. Well funded and otherwise ordinary: the spam a round must not pay for.
    pub fn dead_bids(&self, count: usize, first_id: u64) -> Vec<(u64, DeploymentSpec, U256)> {
        let empty_region = self
            .offers
            .iter()
            .map(|(_, o)| o.region)
            .max()
            .map_or(0, |r| r.saturating_add(1));
        let cheapest = self
            .offers
            .iter()
            .map(|(_, o)| o.pricePerInstanceEpoch)
            .min()
            .unwrap_or(1);
        (0..count as u64)
            .map(|i| {
                let mut mask = U256::ZERO;
                let price = if i % 2 == 0 {
                    mask.set_bit(usize::from(empty_region), true);
                    cheapest * 2
                } else {
                    mask.set_bit(0, true);
                    cheapest.saturating_sub(1)
                };
                let spec = DeploymentSpec {
                    program: Address::ZERO,
                    artifact: B256::with_last_byte(i as u8),
                    instances: 2,
                    minInstances: 1,
                    cpuMilli: CPUS[0],
                    memMiB: MEMS[0],
                    regionMask: mask,
                    minTier: 0,
                    token: TOKEN,
                    maxPricePerInstanceEpoch: price,
                    maxPerProvider: 2,
                    durationEpochs: 0,
                };
                (first_id + i, spec, U256::from(1_000_000_000u64))
            })
            .collect()
    }

    /// Adds the deployment requests to `book`.
    pub fn add_bids(&self, book: &mut Book) {
        for (id, spec, balance) in &self.bids {
            book.add_bid(*id, spec.clone(), *balance, 0)
                .expect("fresh deployment ids");
        }
    }
}

/// The address of synthetic provider `i`.
pub fn provider(i: usize) -> Address {
    let mut bytes = [0u8; 20];
    bytes[0] = 0x9a;
    bytes[12..].copy_from_slice(&(i as u64).to_be_bytes());
    Address::from(bytes)
}
