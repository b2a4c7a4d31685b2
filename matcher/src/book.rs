//! The order book: asks (offers) in per-(region, tier) price trees, providers with their
//! stake, bids (deployments) in priority order, and the live placements that tie them.
//! Every update takes the chain's new absolute value, so replaying an event twice is harmless.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

use alloy_primitives::{Address, U256};
use cloudless_abi::market::{DeploymentSpec, DeploymentStatus, Offer, OfferStatus};

use crate::ask::{Ask, NIL};
use crate::bid::Bid;
use crate::tree;

/// The market-wide values matching depends on.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Config {
    /// The registry's (and market's) payment token.
    pub token: Address,
    /// Stake a provider needs for its offers to be matched.
    pub min_stake: U256,
    /// Paid from a deployment's escrow to the matcher per instance placed.
    pub keeper_fee: u128,
    /// Governance paused new matches.
    pub paused: bool,
    /// Epochs a deployment may wait for its first match (`matchExpiryEpochs`; `None` until
    /// the market's parameters are known: nothing expires).
    pub match_expiry: Option<u64>,
}

/// An update the book cannot apply: the chain and the book disagree.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BookError {
    /// An update names an offer the book never saw created.
    #[error("offer {0} is not in the book (was its OfferCreated event skipped?)")]
    UnknownOffer(u64),
    /// An offer was created twice.
    #[error("offer {0} is already in the book")]
    DuplicateOffer(u64),
    /// An update names a deployment the book never saw created.
    #[error("deployment {0} is not in the book (was its DeploymentCreated event skipped?)")]
    UnknownDeployment(u64),
    /// A deployment was created twice.
    #[error("deployment {0} is already in the book")]
    DuplicateDeployment(u64),
    /// A placement was created twice.
    #[error("placement {0} is already in the book")]
    DuplicatePlacement(u64),
}

/// Hashes offer ids with one multiplication. Ids are consecutive numbers the registry assigns,
/// not values a user picks, so a keyed hash would only cost time.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(self.0 ^ u64::from(b));
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0 ^ n).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

/// A provider: its stake, fraud convictions and offers (arena slots).
#[derive(Clone, Debug)]
pub(crate) struct Provider {
    pub address: Address,
    pub stake: U256,
    pub frauds: u32,
    /// Stake at least the minimum and no fraud: its open asks with room may match.
    pub standing: bool,
    pub asks: Vec<u32>,
}

/// A live placement: which deployment, provider number and instances.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct PlacementRef {
    pub deployment: u64,
    pub provider: u32,
    pub instances: u32,
}

/// The whole book. See the crate docs for how it is fed and queried.
#[derive(Clone, Debug, Default)]
pub struct Book {
    pub(crate) config: Config,
    pub(crate) asks: Vec<Ask>,
    ask_slots: HashMap<u64, u32, BuildHasherDefault<IdHasher>>,
    pub(crate) buckets: BTreeMap<(u8, u8), u32>,
    pub(crate) providers: Vec<Provider>,
    provider_slots: HashMap<Address, u32>,
    pub(crate) bids: BTreeMap<u64, Bid>,
    /// Bids that may still take instances, best first: highest max price, then oldest.
    /// Dormant bids are not in it.
    pub(crate) queue: BTreeSet<(Reverse<u128>, u64)>,
    placements: HashMap<u64, PlacementRef>,
    /// Queueable bids a round found no capacity for, out of the queue until a change that
    /// could serve them (see [`Dormant`]).
    pub(crate) dormant: Dormant,
    /// Highest deployment id ever added: an id at or below it that is not in `bids` was
    /// retired (see [`Book::retire`]).
    last_bid: u64,
}

/// Bids asleep until the ask side changes in a way that could serve them, indexed so that a
/// change wakes only the bids it could help: by region, then by max price. A bid accepting
/// more than [`Dormant::WIDE`] regions is kept once in `wide` (woken by a helpful change in
/// any region it accepts) rather than once per region, so a spammed mask costs one entry.
///
/// Only the book changes dormancy: [`Book::plan`] puts a bid to sleep when it found nothing
/// against the committed book; any event on the bid, and any event that makes an ask it
/// could use live, cheaper or freer wakes it. So a dormant bid is exactly one a round would
/// have visited for nothing, and a plan is the same with or without dormancy.
#[derive(Clone, Debug, Default)]
pub(crate) struct Dormant {
    /// Every dormant bid.
    ids: HashSet<u64>,
    /// `(max price, id)` of the dormant bids accepting each region.
    by_region: BTreeMap<u8, BTreeSet<(u128, u64)>>,
    /// `(max price, id)` of the dormant bids accepting more than `WIDE` regions.
    wide: BTreeSet<(u128, u64)>,
}

impl Dormant {
    /// Most regions a bid is indexed under one by one.
    const WIDE: u32 = 8;

    fn regions(bid: &Bid) -> impl Iterator<Item = u8> + '_ {
        (0..=u8::MAX).filter(move |&r| bid.spec.regionMask.bit(r as usize))
    }

    fn is_wide(bid: &Bid) -> bool {
        Self::regions(bid).nth(Self::WIDE as usize).is_some()
    }

    fn insert(&mut self, id: u64, bid: &Bid) {
        if !self.ids.insert(id) {
            return;
        }
        let key = (bid.spec.maxPricePerInstanceEpoch, id);
        if Self::is_wide(bid) {
            self.wide.insert(key);
        } else {
            for r in Self::regions(bid) {
                self.by_region.entry(r).or_default().insert(key);
            }
        }
    }

    fn remove(&mut self, id: u64, bid: &Bid) -> bool {
        if !self.ids.remove(&id) {
            return false;
        }
        let key = (bid.spec.maxPricePerInstanceEpoch, id);
        if Self::is_wide(bid) {
            self.wide.remove(&key);
        } else {
            for r in Self::regions(bid) {
                if let Some(set) = self.by_region.get_mut(&r) {
                    set.remove(&key);
                    if set.is_empty() {
                        self.by_region.remove(&r);
                    }
                }
            }
        }
        true
    }

    /// Dormant bids in `region` (or wide) whose max price reaches `price`: the only ones an
    /// ask of that region and price can serve.
    fn reaching(&self, region: u8, price: u128) -> impl Iterator<Item = u64> + '_ {
        let narrow = self
            .by_region
            .get(&region)
            .into_iter()
            .flat_map(move |set| set.range((price, 0)..).map(|&(_, id)| id));
        narrow.chain(self.wide.range((price, 0)..).map(|&(_, id)| id))
    }
}

/// A bid in a [`Snapshot`]: deployment id, the bid, instances per provider address.
pub type BidEntry = (u64, Bid, Vec<(Address, u32)>);

/// The book's content in a canonical order, independent of the order updates arrived in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snapshot {
    /// Market-wide values.
    pub config: Config,
    /// Offers by id.
    pub offers: Vec<(u64, Offer)>,
    /// Provider stakes by address.
    pub stakes: Vec<(Address, U256)>,
    /// Fraud convictions by provider address (providers with none are left out).
    pub frauds: Vec<(Address, u32)>,
    /// Bids by deployment id, with instances per provider address.
    pub bids: Vec<BidEntry>,
    /// Live placements: `(placementId, deploymentId, provider, instances)`.
    pub placements: Vec<(u64, u64, Address, u32)>,
}

impl From<&Snapshot> for Book {
    /// Rebuilds a book from its content (a checkpoint, or a test's reference state).
    fn from(s: &Snapshot) -> Self {
        let mut book = Book::new(s.config.clone());
        for &(provider, stake) in &s.stakes {
            book.set_stake(provider, stake);
        }
        for &(provider, frauds) in &s.frauds {
            book.set_frauds(provider, frauds);
        }
        for (id, offer) in &s.offers {
            book.add_offer(*id, offer)
                .expect("snapshot offers are unique");
        }
        for (id, bid, _) in &s.bids {
            book.bids.insert(*id, bid.clone());
            book.last_bid = book.last_bid.max(*id);
            book.requeue(*id);
        }
        for &(placement, deployment, provider, instances) in &s.placements {
            book.placement_created(placement, deployment, provider, instances)
                .expect("snapshot placements are unique and their deployments known");
        }
        book
    }
}

impl Book {
    /// An empty book for a market with `config`.
    pub fn new(config: Config) -> Self {
        Self {
            config,
            ..Self::default()
        }
    }

    /// The market-wide values in force.
    pub fn config(&self) -> &Config {
        &self.config
    }

    // ---- market-wide values ----

    /// Sets the payment token (from `RegistryInitialized`).
    pub fn set_token(&mut self, token: Address) {
        self.config.token = token;
        self.wake_all();
    }

    /// Sets the minimum stake; offers of providers crossing it enter or leave matching.
    pub fn set_min_stake(&mut self, min_stake: U256) {
        self.config.min_stake = min_stake;
        for p in 0..self.providers.len() as u32 {
            self.restake(p);
        }
    }

    /// Sets the keeper fee per instance placed.
    pub fn set_keeper_fee(&mut self, fee: u128) {
        if fee < self.config.keeper_fee {
            self.wake_all(); // escrow that could not pay an instance may now
        }
        self.config.keeper_fee = fee;
    }

    /// Sets the epochs a deployment may wait for its first match (market parameters).
    pub fn set_match_expiry(&mut self, epochs: u64) {
        self.config.match_expiry = Some(epochs);
    }

    /// Pauses or resumes matching (governance `PauseSet` on the market).
    pub fn set_paused(&mut self, paused: bool) {
        self.config.paused = paused;
    }

    // ---- providers and asks ----

    /// Sets `provider`'s stake (from `Staked`, `UnstakeRequested`, `Slashed`).
    pub fn set_stake(&mut self, provider: Address, stake: U256) {
        let p = self.provider_slot(provider);
        self.providers[p as usize].stake = stake;
        self.restake(p);
    }

    /// Sets `provider`'s fraud convictions (from `FraudRecorded`): a convicted provider's asks
    /// leave matching, as the registry refuses them (`Ineligible::Fraud`).
    pub fn set_frauds(&mut self, provider: Address, frauds: u32) {
        let p = self.provider_slot(provider);
        self.providers[p as usize].frauds = frauds;
        self.restake(p);
    }

    /// Adds offer `id` (from `OfferCreated`).
    pub fn add_offer(&mut self, id: u64, offer: &Offer) -> Result<(), BookError> {
        if self.ask_slots.contains_key(&id) {
            return Err(BookError::DuplicateOffer(id));
        }
        let provider = self.provider_slot(offer.provider);
        let slot = self.asks.len() as u32;
        self.asks.push(Ask::new(id, offer, provider));
        self.ask_slots.insert(id, slot);
        self.providers[provider as usize].asks.push(slot);
        self.asks[slot as usize].live = self.is_live(slot);
        let root = self.root(slot);
        let root = tree::insert(&mut self.asks, root, slot);
        self.buckets.insert(self.asks[slot as usize].bucket(), root);
        self.wake_for(slot);
        Ok(())
    }

    /// Sets offer `id`'s price and capacity (from `OfferUpdated`).
    pub fn update_offer(&mut self, id: u64, price: u128, capacity: u32) -> Result<(), BookError> {
        let slot = self.ask_slot(id)?;
        let before = self.offering(slot);
        if self.asks[slot as usize].price() != price {
            let bucket = self.asks[slot as usize].bucket();
            let root = self.root(slot);
            let root = tree::remove(&mut self.asks, root, slot);
            self.asks[slot as usize].set_price(price);
            let root = tree::insert(&mut self.asks, root, slot);
            self.buckets.insert(bucket, root);
        }
        self.asks[slot as usize].capacity = capacity;
        self.relive(slot);
        self.wake_if_better(slot, before);
        Ok(())
    }

    /// Sets offer `id`'s status (from `OfferStatusChanged`).
    pub fn set_offer_status(&mut self, id: u64, status: OfferStatus) -> Result<(), BookError> {
        let slot = self.ask_slot(id)?;
        let before = self.offering(slot);
        self.asks[slot as usize].status = status;
        self.relive(slot);
        self.wake_if_better(slot, before);
        Ok(())
    }

    /// Sets offer `id`'s instances in use (from `OfferUsage`).
    pub fn set_in_use(&mut self, id: u64, in_use: u32) -> Result<(), BookError> {
        let slot = self.ask_slot(id)?;
        let before = self.offering(slot);
        self.set_slot_in_use(slot, in_use);
        self.wake_if_better(slot, before);
        Ok(())
    }

    /// Offer `id` as the registry would return it.
    pub fn offer(&self, id: u64) -> Option<Offer> {
        let slot = *self.ask_slots.get(&id)?;
        Some(self.offer_at(slot))
    }

    /// Offers in the book.
    pub fn offer_count(&self) -> usize {
        self.asks.len()
    }

    /// `provider`'s stake (zero when unknown).
    pub fn stake(&self, provider: Address) -> U256 {
        self.provider_slots
            .get(&provider)
            .map_or(U256::ZERO, |&p| self.providers[p as usize].stake)
    }

    // ---- bids and placements ----

    /// Adds deployment `id` (from `DeploymentCreated`).
    pub fn add_bid(
        &mut self,
        id: u64,
        spec: DeploymentSpec,
        balance: U256,
        created_epoch: u64,
    ) -> Result<(), BookError> {
        if self.bids.contains_key(&id) {
            return Err(BookError::DuplicateDeployment(id));
        }
        self.bids.insert(id, Bid::new(spec, balance, created_epoch));
        self.last_bid = self.last_bid.max(id);
        self.requeue(id);
        Ok(())
    }

    /// Forgets deployment `id` if it has ended for good at `epoch`: cancelled, closed, past
    /// its end or expired unmatched, with no live placement. Returns whether it was removed. Later balance, end
    /// and status events of a retired deployment (a withdrawal after the end) change nothing,
    /// so the book's memory follows live business, not history. Deployment ids are the
    /// market's consecutive numbers: an event for an unknown id at or below the highest one
    /// seen is taken for a retired deployment, not reported as a contradiction.
    pub fn retire(&mut self, id: u64, epoch: u64) -> bool {
        let Some(bid) = self.bids.get(&id) else {
            return false;
        };
        let ended = bid.status(epoch, self.config.match_expiry) == DeploymentStatus::Ended;
        if !ended || bid.per_provider.iter().next().is_some() {
            return false;
        }
        self.wake(id);
        let bid = self.bids.remove(&id).expect("present above");
        self.queue.remove(&Self::queue_key(id, &bid));
        true
    }

    /// Whether `id` names a deployment retired from the book.
    fn retired(&self, id: u64) -> bool {
        id <= self.last_bid && !self.bids.contains_key(&id)
    }

    /// Sets deployment `id`'s balance (from `DeploymentFunded`, `DeploymentWithdrawn`).
    pub fn set_balance(&mut self, id: u64, balance: U256) -> Result<(), BookError> {
        if self.retired(id) {
            return Ok(());
        }
        self.bid_mut(id)?.balance = balance;
        Ok(())
    }

    /// Sets deployment `id`'s last epoch (from `DeploymentEndSet`).
    pub fn set_end(&mut self, id: u64, end_epoch: u64) -> Result<(), BookError> {
        if self.retired(id) {
            return Ok(());
        }
        self.bid_mut(id)?.end_epoch = end_epoch;
        Ok(())
    }

    /// Marks deployment `id` cancelled or closed, ending after `end_epoch`.
    pub fn end_bid(&mut self, id: u64, end_epoch: u64) -> Result<(), BookError> {
        if self.retired(id) {
            return Ok(());
        }
        let bid = self.bid_mut(id)?;
        bid.ending = true;
        bid.end_epoch = end_epoch;
        self.requeue(id);
        Ok(())
    }

    /// Marks deployment `id` underfunded or funded (from `DeploymentUnderfunded`).
    pub fn set_underfunded(&mut self, id: u64, underfunded: bool) -> Result<(), BookError> {
        if self.retired(id) {
            return Ok(());
        }
        self.bid_mut(id)?.underfunded = underfunded;
        Ok(())
    }

    /// Records a match of deployment `id` (from `DeploymentMatched`).
    pub fn matched(
        &mut self,
        id: u64,
        placed: u32,
        balance: U256,
        rate: U256,
    ) -> Result<(), BookError> {
        let bid = self.bid_mut(id)?;
        (bid.reached_min, bid.placed, bid.balance, bid.rate) = (true, placed, balance, rate);
        self.requeue(id);
        Ok(())
    }

    /// Records a new placement (from `PlacementCreated`).
    pub fn placement_created(
        &mut self,
        placement: u64,
        deployment: u64,
        provider: Address,
        instances: u32,
    ) -> Result<(), BookError> {
        if self.placements.contains_key(&placement) {
            return Err(BookError::DuplicatePlacement(placement));
        }
        self.bid_mut(deployment)?;
        let p = self.provider_slot(provider);
        self.bid_mut(deployment)?
            .per_provider
            .add(p, i64::from(instances));
        self.placements.insert(
            placement,
            PlacementRef {
                deployment,
                provider: p,
                instances,
            },
        );
        Ok(())
    }

    /// Records a proof's new balance for the placement's deployment (from `EpochProven`).
    pub fn proven(&mut self, placement: u64, balance: U256) -> Result<(), BookError> {
        if let Some(r) = self.placements.get(&placement).copied() {
            self.set_balance(r.deployment, balance)?;
        }
        Ok(())
    }

    /// Records an ended placement with its deployment's values after it (from
    /// `PlacementEnded`).
    pub fn placement_ended(
        &mut self,
        placement: u64,
        placed: u32,
        rate: U256,
        balance: U256,
    ) -> Result<(), BookError> {
        let Some(&r) = self.placements.get(&placement) else {
            return Ok(());
        };
        let bid = self.bid_mut(r.deployment)?;
        bid.per_provider.add(r.provider, -i64::from(r.instances));
        (bid.placed, bid.rate, bid.balance) = (placed, rate, balance);
        self.placements.remove(&placement);
        self.requeue(r.deployment);
        Ok(())
    }

    /// Deployments in the book (waiting, dormant, placed or ending, not retired).
    pub fn bid_count(&self) -> usize {
        self.bids.len()
    }

    /// Deployment `id` as the book knows it.
    pub fn bid(&self, id: u64) -> Option<&Bid> {
        self.bids.get(&id)
    }

    /// Bids that may still take instances (not ending, not fully placed) and are not
    /// dormant, best first.
    pub fn waiting(&self) -> impl Iterator<Item = u64> + '_ {
        self.queue.iter().map(|&(_, id)| id)
    }

    /// Instances `provider` holds in deployment `id`'s live placements.
    pub fn held(&self, id: u64, provider: Address) -> u32 {
        match (self.bids.get(&id), self.provider_slots.get(&provider)) {
            (Some(bid), Some(&p)) => bid.per_provider.get(p),
            _ => 0,
        }
    }

    // ---- whole-book views ----

    /// The content in canonical order.
    pub fn snapshot(&self) -> Snapshot {
        let mut offers: Vec<_> = (0..self.asks.len() as u32)
            .map(|slot| (self.asks[slot as usize].id, self.offer_at(slot)))
            .collect();
        offers.sort_by_key(|(id, _)| *id);
        let mut stakes: Vec<_> = self
            .providers
            .iter()
            .filter(|p| !p.stake.is_zero())
            .map(|p| (p.address, p.stake))
            .collect();
        stakes.sort();
        let mut frauds: Vec<_> = self
            .providers
            .iter()
            .filter(|p| p.frauds > 0)
            .map(|p| (p.address, p.frauds))
            .collect();
        frauds.sort();
        let address = |p: u32| self.providers[p as usize].address;
        let bids = self
            .bids
            .iter()
            .map(|(&id, bid)| {
                let mut held: Vec<_> = bid
                    .per_provider
                    .iter()
                    .map(|(p, k)| (address(p), k))
                    .collect();
                held.sort();
                let mut bid = bid.clone();
                bid.per_provider.clear();
                (id, bid, held)
            })
            .collect();
        let mut placements: Vec<_> = self
            .placements
            .iter()
            .map(|(&id, r)| (id, r.deployment, address(r.provider), r.instances))
            .collect();
        placements.sort();
        Snapshot {
            config: self.config.clone(),
            offers,
            stakes,
            frauds,
            bids,
            placements,
        }
    }

    /// Checks every internal invariant: tree order, heap and aggregates, bucket membership,
    /// liveness flags and the bid queue. For tests and debugging.
    pub fn validate(&self) -> Result<(), String> {
        let mut in_trees = 0;
        for (&bucket, &root) in &self.buckets {
            in_trees += tree::validate(&self.asks, root)?;
            let mut stack = vec![root];
            while let Some(t) = stack.pop() {
                if t != NIL {
                    let a = &self.asks[t as usize];
                    if a.bucket() != bucket {
                        return Err(format!("offer {} sits in the wrong bucket", a.id));
                    }
                    stack.extend([a.left, a.right]);
                }
            }
        }
        if in_trees != self.asks.len() {
            return Err(format!(
                "{in_trees} asks in trees, {} known",
                self.asks.len()
            ));
        }
        for slot in 0..self.asks.len() as u32 {
            if self.asks[slot as usize].live != self.is_live(slot) {
                let id = self.asks[slot as usize].id;
                return Err(format!("offer {id} has a stale live flag"));
            }
        }
        let mut awake = 0;
        for (&id, bid) in &self.bids {
            let queued = self.queue.contains(&Self::queue_key(id, bid));
            let dormant = self.dormant.ids.contains(&id);
            if queued == dormant && Self::queueable(bid) {
                return Err(format!(
                    "deployment {id} is both or neither queued and dormant"
                ));
            }
            if !Self::queueable(bid) && (queued || dormant) {
                return Err(format!("deployment {id} is wrongly queued or dormant"));
            }
            awake += usize::from(queued);
        }
        if self.queue.len() != awake {
            return Err("the queue holds unknown deployments".into());
        }
        if self
            .dormant
            .ids
            .iter()
            .any(|id| !self.bids.contains_key(id))
        {
            return Err("a dormant deployment is unknown".into());
        }
        Ok(())
    }

    // ---- internals ----

    fn offer_at(&self, slot: u32) -> Offer {
        let ask = &self.asks[slot as usize];
        ask.offer(
            self.providers[ask.provider as usize].address,
            self.config.token,
        )
    }

    fn ask_slot(&self, id: u64) -> Result<u32, BookError> {
        self.ask_slots
            .get(&id)
            .copied()
            .ok_or(BookError::UnknownOffer(id))
    }

    /// The provider number of `address`, registering it on first sight.
    pub(crate) fn provider_slot(&mut self, address: Address) -> u32 {
        if let Some(&p) = self.provider_slots.get(&address) {
            return p;
        }
        let p = self.providers.len() as u32;
        self.providers.push(Provider {
            address,
            stake: U256::ZERO,
            frauds: 0,
            standing: U256::ZERO >= self.config.min_stake,
            asks: Vec::new(),
        });
        self.provider_slots.insert(address, p);
        p
    }

    /// The arena slot of offer `id`, if it is known.
    pub(crate) fn known_ask(&self, id: u64) -> Option<u32> {
        self.ask_slots.get(&id).copied()
    }

    /// Deployment `id` for an update; the update may make it matchable, so it wakes.
    fn bid_mut(&mut self, id: u64) -> Result<&mut Bid, BookError> {
        self.wake(id);
        self.bids
            .get_mut(&id)
            .ok_or(BookError::UnknownDeployment(id))
    }

    /// The root of the tree `slot`'s bucket.
    fn root(&self, slot: u32) -> u32 {
        let bucket = self.asks[slot as usize].bucket();
        self.buckets.get(&bucket).copied().unwrap_or(NIL)
    }

    fn is_live(&self, slot: u32) -> bool {
        let a = &self.asks[slot as usize];
        a.status == OfferStatus::Open
            && self.providers[a.provider as usize].standing
            && a.free() > 0
    }

    /// Sets `in_use` of the ask at `slot` (also used for tentative consumption).
    pub(crate) fn set_slot_in_use(&mut self, slot: u32, in_use: u32) {
        self.asks[slot as usize].in_use = in_use;
        self.relive(slot);
    }

    /// Re-evaluates the ask's liveness and repairs its tree's aggregates when it changed.
    fn relive(&mut self, slot: u32) {
        let live = self.is_live(slot);
        if self.asks[slot as usize].live != live {
            self.asks[slot as usize].live = live;
            tree::repair(&mut self.asks, slot);
        }
    }

    /// Re-evaluates provider `p`'s standing (minimum stake, no fraud) and its asks' liveness.
    fn restake(&mut self, p: u32) {
        let provider = &mut self.providers[p as usize];
        let standing = provider.stake >= self.config.min_stake && provider.frauds == 0;
        if provider.standing != standing {
            provider.standing = standing;
            for i in 0..self.providers[p as usize].asks.len() {
                let slot = self.providers[p as usize].asks[i];
                let before = self.offering(slot);
                self.relive(slot);
                self.wake_if_better(slot, before);
            }
        }
    }

    fn queue_key(id: u64, bid: &Bid) -> (Reverse<u128>, u64) {
        (Reverse(bid.spec.maxPricePerInstanceEpoch), id)
    }

    fn queueable(bid: &Bid) -> bool {
        !bid.ending && bid.room() > 0
    }

    /// Puts deployment `id` in or out of the queue after a change.
    fn requeue(&mut self, id: u64) {
        let bid = &self.bids[&id];
        let key = Self::queue_key(id, bid);
        if Self::queueable(bid) && !self.dormant.ids.contains(&id) {
            self.queue.insert(key);
        } else {
            self.queue.remove(&key);
        }
    }

    // ---- dormancy ----

    /// Puts queued bid `id` to sleep: a round found nothing for it in the committed book.
    pub(crate) fn sleep(&mut self, id: u64) {
        let Some(bid) = self.bids.get(&id) else {
            return;
        };
        if self.queue.remove(&Self::queue_key(id, bid)) {
            self.dormant.insert(id, bid);
        }
    }

    /// Wakes bid `id` if it sleeps.
    fn wake(&mut self, id: u64) {
        if let Some(bid) = self.bids.get(&id)
            && self.dormant.remove(id, bid)
        {
            self.requeue(id);
        }
    }

    /// Wakes every dormant bid (a market-wide value changed in their favour).
    fn wake_all(&mut self) {
        let ids: Vec<u64> = self.dormant.ids.iter().copied().collect();
        for id in ids {
            self.wake(id);
        }
    }

    /// What the ask at `slot` offers now, to tell whether an update made it better.
    fn offering(&self, slot: u32) -> (bool, u32, u128) {
        let a = &self.asks[slot as usize];
        (a.live, a.free(), a.price())
    }

    /// Wakes the bids the ask at `slot` could serve if the update made it live, freer or
    /// cheaper than `before`.
    fn wake_if_better(&mut self, slot: u32, before: (bool, u32, u128)) {
        let (live, free, price) = self.offering(slot);
        if live && (!before.0 || free > before.1 || price < before.2) {
            self.wake_for(slot);
        }
    }

    /// Wakes the dormant bids the (live) ask at `slot` could serve: region, tier, price, CPU
    /// and memory fit.
    fn wake_for(&mut self, slot: u32) {
        let a = &self.asks[slot as usize];
        if !a.live || self.dormant.ids.is_empty() {
            return;
        }
        let (tier, cpu, mem) = (a.tier, a.cpu, a.mem);
        let woken: Vec<u64> = self
            .dormant
            .reaching(a.region, a.price())
            .filter(|id| {
                let spec = &self.bids[id].spec;
                spec.regionMask.bit(a.region as usize)
                    && spec.minTier <= tier
                    && spec.cpuMilli <= cpu
                    && spec.memMiB <= mem
            })
            .collect();
        for id in woken {
            self.wake(id);
        }
    }

    /// Deployments asleep until a change could serve them (not in [`Book::waiting`]).
    pub fn dormant(&self) -> usize {
        self.dormant.ids.len()
    }

    /// Whether deployment `id` sleeps.
    pub fn is_dormant(&self, id: u64) -> bool {
        self.dormant.ids.contains(&id)
    }
}
