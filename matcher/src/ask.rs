//! One ask: an offer's matching-relevant fields plus its links in the price tree of its
//! (region, tier) bucket. 72 bytes, so a million offers fit in 72 MB of records.

use alloy_primitives::Address;
use cloudless_abi::market::{Offer, OfferStatus};

/// A tree key: price, then offer id.
pub(crate) type Key = (u128, u64);

/// "No node" in the arena.
pub(crate) const NIL: u32 = u32::MAX;

/// An offer as the book keeps it. `slot` numbers (indices into the book's arena) link the
/// tree; the price is split in two words so the record stays 8-byte aligned.
#[derive(Clone, Debug)]
pub(crate) struct Ask {
    pub id: u64,
    price_hi: u64,
    price_lo: u64,
    /// Index into the book's provider table.
    pub provider: u32,
    pub cpu: u32,
    pub mem: u32,
    pub capacity: u32,
    pub in_use: u32,
    pub region: u8,
    pub tier: u8,
    pub status: OfferStatus,
    /// Open, provider staked and free capacity left: the only asks a match may take.
    pub live: bool,
    /// Whether any node in this subtree is live.
    pub any_live: bool,
    pub left: u32,
    pub right: u32,
    pub parent: u32,
    /// Largest CPU among live nodes of this subtree.
    pub best_cpu: u32,
    /// Largest memory among live nodes of this subtree.
    pub best_mem: u32,
}

impl Ask {
    /// A detached ask for `offer` sold by provider number `provider`.
    pub fn new(id: u64, offer: &Offer, provider: u32) -> Self {
        let mut ask = Self {
            id,
            price_hi: 0,
            price_lo: 0,
            provider,
            cpu: offer.cpuMilli,
            mem: offer.memMiB,
            capacity: offer.capacity,
            in_use: offer.inUse,
            region: offer.region,
            tier: offer.tier,
            status: offer.status,
            live: false,
            any_live: false,
            left: NIL,
            right: NIL,
            parent: NIL,
            best_cpu: 0,
            best_mem: 0,
        };
        ask.set_price(offer.pricePerInstanceEpoch);
        ask
    }

    /// Price per instance and epoch.
    pub fn price(&self) -> u128 {
        (u128::from(self.price_hi) << 64) | u128::from(self.price_lo)
    }

    /// Sets the price (the ask must be out of its tree while its key changes).
    pub fn set_price(&mut self, price: u128) {
        self.price_hi = (price >> 64) as u64;
        self.price_lo = price as u64;
    }

    /// The tree key: cheapest first, then the oldest offer.
    pub fn key(&self) -> Key {
        (self.price(), self.id)
    }

    /// Instances still free.
    pub fn free(&self) -> u32 {
        self.capacity.saturating_sub(self.in_use)
    }

    /// The bucket the ask lives in.
    pub fn bucket(&self) -> (u8, u8) {
        (self.region, self.tier)
    }

    /// The ABI view of the ask, with `provider`'s address and the market's `token`.
    pub fn offer(&self, provider: Address, token: Address) -> Offer {
        Offer {
            provider,
            cpuMilli: self.cpu,
            memMiB: self.mem,
            region: self.region,
            tier: self.tier,
            token,
            pricePerInstanceEpoch: self.price(),
            capacity: self.capacity,
            inUse: self.in_use,
            status: self.status,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ask_record_stays_within_72_bytes() {
        assert!(size_of::<Ask>() <= 72, "{}", size_of::<Ask>());
    }

    #[test]
    fn prices_beyond_64_bits_survive_the_split() {
        let offer = Offer {
            provider: Address::ZERO,
            cpuMilli: 1,
            memMiB: 1,
            region: 0,
            tier: 0,
            token: Address::ZERO,
            pricePerInstanceEpoch: (7u128 << 90) | 5,
            capacity: 1,
            inUse: 0,
            status: OfferStatus::Open,
        };
        assert_eq!(Ask::new(1, &offer, 0).price(), (7u128 << 90) | 5);
    }
}
