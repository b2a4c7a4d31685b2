//! Matching: bids in priority order (highest max price, then oldest), each filled from the
//! cheapest eligible asks (price, then offer id), cut into `matchDeployment` transactions that
//! fit a gas budget.
//!
//! A [`Session`] consumes capacity tentatively so later bids in the same round see what
//! earlier ones took; dropping it restores the book exactly, because the chain's events, not
//! the plan, are what finally update the book.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};
use std::ops::Bound;

use alloy_primitives::U256;
use cloudless_abi::market::{IMarket, MatchPair};

use crate::ask::Key;
use crate::bid::Bid;
use crate::book::Book;
use crate::tree::{self, Need};

/// Gas of `matchDeployment` as `base + per_pair × pairs`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GasModel {
    /// Gas of the call itself, with no pairs.
    pub base: u64,
    /// Gas added by each `(offerId, instances)` pair.
    pub per_pair: u64,
}

impl Default for GasModel {
    /// Measured on the processed contracts in the harness (`cargo bench -p harness --bench
    /// market_gas`): 261,151 gas for one pair and 1,385,198 for ten.
    fn default() -> Self {
        Self {
            base: 136_256,
            per_pair: 124_895,
        }
    }
}

impl GasModel {
    /// Estimated gas of a match with `pairs` pairs.
    pub fn gas(&self, pairs: usize) -> u64 {
        self.base + self.per_pair * pairs as u64
    }
}

/// How much gas a round of matches may use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budget {
    /// Gas model of one `matchDeployment`.
    pub gas: GasModel,
    /// Most gas one transaction may use (pairs beyond it go into further transactions).
    pub tx_gas: u64,
    /// Most gas the whole round may use.
    pub round_gas: u64,
}

impl Default for Budget {
    /// Arbitrum's 32M per-transaction cap, and one such transaction's worth per round.
    fn default() -> Self {
        Self {
            gas: GasModel::default(),
            tx_gas: 32_000_000,
            round_gas: 32_000_000,
        }
    }
}

impl Budget {
    /// An unlimited round (for measuring the matcher alone).
    pub fn unlimited() -> Self {
        Self {
            round_gas: u64::MAX,
            ..Self::default()
        }
    }

    /// Pairs that fit in one transaction (at least one).
    pub fn pairs_per_tx(&self) -> usize {
        (self.tx_gas.saturating_sub(self.gas.base) / self.gas.per_pair.max(1)).max(1) as usize
    }
}

/// One `matchDeployment` transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MatchTx {
    /// The deployment matched.
    pub deployment_id: u64,
    /// The pairs, cheapest first.
    pub pairs: Vec<MatchPair>,
    /// Estimated gas.
    pub gas: u64,
}

impl MatchTx {
    /// Instances placed by the transaction.
    pub fn instances(&self) -> u32 {
        self.pairs.iter().map(|p| p.instances).sum()
    }

    /// The call to send to the market.
    pub fn call(&self) -> IMarket::matchDeploymentCall {
        IMarket::matchDeploymentCall {
            deploymentId: self.deployment_id,
            pairs: self.pairs.clone(),
        }
    }
}

/// A round of matches.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Plan {
    /// Transactions in sending order.
    pub txs: Vec<MatchTx>,
    /// Their estimated gas.
    pub gas: u64,
    /// The first bid (in priority order) left for a later round because the round's gas
    /// budget was spent, if any.
    pub deferred: Option<u64>,
}

impl Plan {
    /// Instances placed by the whole round.
    pub fn instances(&self) -> u32 {
        self.txs.iter().map(MatchTx::instances).sum()
    }
}

impl Book {
    /// The matches to submit at `epoch` within `budget`. The book's content is left as it
    /// was; bids that found nothing go dormant (out of later rounds until an update could
    /// serve them), which never changes a plan. Epochs passed to successive rounds must not
    /// decrease (a bid past its end sleeps).
    pub fn plan(&mut self, epoch: u64, budget: &Budget) -> Plan {
        let mut sleepers = Vec::new();
        let plan = self.plan_round(epoch, budget, &mut sleepers);
        for id in sleepers {
            self.sleep(id);
        }
        plan
    }

    fn plan_round(&mut self, epoch: u64, budget: &Budget, sleepers: &mut Vec<u64>) -> Plan {
        let mut plan = Plan::default();
        if self.config.paused {
            return plan;
        }
        let per_tx = budget.pairs_per_tx();
        let mut session = self.session(epoch);
        let mut after = None;
        while let Some(id) = session.next_waiting(after) {
            after = Some(id);
            let mark = session.undo.len();
            let Some(pairs) = session.match_bid(id) else {
                // Capacity taken tentatively earlier in this round may never be taken on
                // chain (a lost race, a revert): only a bid that none of it could have served
                // found nothing in the committed book.
                if !session.took_what_could_serve(id) {
                    sleepers.push(id);
                }
                continue;
            };
            let bid = &session.book.bids[&id];
            let first = pairs[..pairs.len().min(per_tx)].iter();
            let first_instances: u32 = first.map(|p| p.instances).sum();
            if !bid.reached_min && bid.placed + first_instances < bid.spec.minInstances {
                // The minimum does not fit in one transaction: leave the bid unmatched.
                session.rollback(mark);
                continue;
            }
            let txs: Vec<MatchTx> = pairs
                .chunks(per_tx)
                .map(|chunk| MatchTx {
                    deployment_id: id,
                    pairs: chunk.to_vec(),
                    gas: budget.gas.gas(chunk.len()),
                })
                .collect();
            let gas: u64 = txs.iter().map(|tx| tx.gas).sum();
            if plan.gas.saturating_add(gas) > budget.round_gas {
                session.rollback(mark);
                plan.deferred = Some(id);
                break;
            }
            plan.gas += gas;
            plan.txs.extend(txs);
        }
        plan
    }

    /// A matching session at `epoch`: capacity it takes is given back when it is dropped.
    pub fn session(&mut self, epoch: u64) -> Session<'_> {
        Session {
            book: self,
            epoch,
            undo: Vec::new(),
            heap: BinaryHeap::new(),
            scan: Vec::new(),
            taken: BTreeMap::new(),
        }
    }
}

/// Tentative matching against a book (see the module docs).
pub struct Session<'a> {
    book: &'a mut Book,
    epoch: u64,
    /// `(slot, in_use before)` for every tentative consumption, oldest first.
    undo: Vec<(u32, u32)>,
    /// Merge heap over the bid's buckets: `(key, bucket root, slot)`, cheapest on top.
    heap: BinaryHeap<Reverse<(Key, u32, u32)>>,
    /// Candidates of the linear-scan baseline.
    scan: Vec<(Key, u32)>,
    /// Per (region, tier) where the session took capacity: the lowest price, largest CPU and
    /// largest memory of the asks it took from.
    taken: BTreeMap<(u8, u8), (u128, u32, u32)>,
}

impl Session<'_> {
    /// The waiting bid after `after` in priority order.
    fn next_waiting(&self, after: Option<u64>) -> Option<u64> {
        let range = match after.and_then(|id| self.book.bids.get(&id).map(|b| (b, id))) {
            Some((bid, id)) => (
                Bound::Excluded((Reverse(bid.spec.maxPricePerInstanceEpoch), id)),
                Bound::Unbounded,
            ),
            None => (Bound::Unbounded, Bound::Unbounded),
        };
        self.book.queue.range(range).next().map(|&(_, id)| id)
    }

    /// Matches bid `id` from the cheapest eligible asks found through the price trees, and
    /// takes that capacity for the rest of the session. `None` when nothing can be placed
    /// (not matchable now, nothing eligible, or the first match cannot reach its minimum).
    pub fn match_bid(&mut self, id: u64) -> Option<Vec<MatchPair>> {
        let need = self.need(id)?;
        let bid = &self.book.bids[&id];
        self.heap.clear();
        for (&(region, tier), &root) in &self.book.buckets {
            if !bid.spec.regionMask.bit(region as usize) || tier < bid.spec.minTier {
                continue;
            }
            if let Some(slot) = tree::first_after(&self.book.asks, root, None, &need) {
                let key = self.book.asks[slot as usize].key();
                self.heap.push(Reverse((key, root, slot)));
            }
        }
        let (book, heap) = (&*self.book, &mut self.heap);
        let candidates = std::iter::from_fn(|| {
            let Reverse((key, root, slot)) = heap.pop()?;
            if let Some(next) = tree::first_after(&book.asks, root, Some(key), &need) {
                heap.push(Reverse((book.asks[next as usize].key(), root, next)));
            }
            Some(slot)
        });
        let taken = fill(book, bid, candidates)?;
        Some(self.take(taken))
    }

    /// As [`Session::match_bid`], but by scanning every ask: the naive baseline the indexed
    /// search is measured and checked against.
    pub fn match_bid_scan(&mut self, id: u64) -> Option<Vec<MatchPair>> {
        let need = self.need(id)?;
        let bid = &self.book.bids[&id];
        self.scan.clear();
        for (slot, a) in self.book.asks.iter().enumerate() {
            let eligible = a.live
                && a.cpu >= need.cpu
                && a.mem >= need.mem
                && a.price() <= need.max_price
                && bid.spec.regionMask.bit(a.region as usize)
                && a.tier >= bid.spec.minTier;
            if eligible {
                self.scan.push((a.key(), slot as u32));
            }
        }
        self.scan.sort_unstable();
        let taken = fill(self.book, bid, self.scan.iter().map(|&(_, slot)| slot))?;
        Some(self.take(taken))
    }

    /// What bid `id` needs from an ask, or `None` when it cannot be matched at all now.
    fn need(&self, id: u64) -> Option<Need> {
        let book = &*self.book;
        let bid = book.bids.get(&id)?;
        let ok = !book.config.paused
            && bid
                .matchable(self.epoch, self.book.config.match_expiry)
                .is_ok()
            && bid.spec.token == book.config.token
            && bid.room() > 0;
        ok.then_some(Need {
            cpu: bid.spec.cpuMilli,
            mem: bid.spec.memMiB,
            max_price: bid.spec.maxPricePerInstanceEpoch,
        })
    }

    /// Whether the session took capacity from an ask that could serve bid `id` (region,
    /// tier, price, CPU and memory fit), counting what it gave back.
    fn took_what_could_serve(&self, id: u64) -> bool {
        let spec = &self.book.bids[&id].spec;
        self.taken
            .iter()
            .any(|(&(region, tier), &(price, cpu, mem))| {
                spec.regionMask.bit(region as usize)
                    && tier >= spec.minTier
                    && price <= spec.maxPricePerInstanceEpoch
                    && cpu >= spec.cpuMilli
                    && mem >= spec.memMiB
            })
    }

    /// Consumes `taken` tentatively and returns it as match pairs.
    fn take(&mut self, taken: Vec<(u32, u32)>) -> Vec<MatchPair> {
        taken
            .into_iter()
            .map(|(slot, k)| {
                let a = &self.book.asks[slot as usize];
                let seen = self
                    .taken
                    .entry(a.bucket())
                    .or_insert((a.price(), a.cpu, a.mem));
                *seen = (seen.0.min(a.price()), seen.1.max(a.cpu), seen.2.max(a.mem));
                let in_use = self.book.asks[slot as usize].in_use;
                self.undo.push((slot, in_use));
                self.book.set_slot_in_use(slot, in_use + k);
                let ask = &self.book.asks[slot as usize];
                MatchPair {
                    offerId: ask.id,
                    instances: k,
                    price: ask.price(),
                }
            })
            .collect()
    }

    /// Gives back everything taken after the first `mark` consumptions.
    fn rollback(&mut self, mark: usize) {
        while self.undo.len() > mark {
            let (slot, in_use) = self.undo.pop().expect("above the mark");
            self.book.set_slot_in_use(slot, in_use);
        }
    }
}

impl Drop for Session<'_> {
    fn drop(&mut self) {
        self.rollback(0);
    }
}

/// Fills `bid` greedily from `candidates` (eligible asks, cheapest first): each takes
/// `min(instances left, free capacity, provider room, what the escrow still covers)`.
/// Returns `(slot, instances)` pairs, or `None` when nothing is placed or a first match
/// falls short of the minimum.
fn fill(book: &Book, bid: &Bid, candidates: impl Iterator<Item = u32>) -> Option<Vec<(u32, u32)>> {
    let fee = U256::from(book.config.keeper_fee);
    let mut funds = bid.balance.checked_sub(bid.rate)?;
    let mut remaining = bid.room();
    let mut held = bid.per_provider.clone();
    let mut taken = Vec::new();
    for slot in candidates {
        let ask = &book.asks[slot as usize];
        let unit = U256::from(ask.price()) + fee;
        let affordable = if unit.is_zero() {
            u32::MAX
        } else {
            u32::try_from(funds / unit).unwrap_or(u32::MAX)
        };
        if affordable == 0 {
            break; // every later ask costs at least as much
        }
        let have = held.get(ask.provider);
        let room = bid.spec.maxPerProvider.saturating_sub(have);
        let k = remaining.min(ask.free()).min(room).min(affordable);
        if k == 0 {
            continue;
        }
        held.add(ask.provider, i64::from(k));
        funds -= unit * U256::from(k);
        remaining -= k;
        taken.push((slot, k));
        if remaining == 0 {
            break;
        }
    }
    let total = bid.room() - remaining;
    let short = !bid.reached_min && bid.placed + total < bid.spec.minInstances;
    (total > 0 && !short).then_some(taken)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_per_tx_follows_the_gas_model_and_is_never_zero() {
        let budget = Budget::default();
        assert_eq!(
            budget.pairs_per_tx() as u64,
            (32_000_000 - 136_256) / 124_895
        );
        let tiny = Budget {
            tx_gas: 1,
            ..Budget::default()
        };
        assert_eq!(tiny.pairs_per_tx(), 1);
    }

    #[test]
    fn a_match_costs_its_base_plus_each_pair() {
        let model = GasModel::default();
        assert_eq!(model.gas(1), 261_151);
        assert_eq!(model.gas(10), 136_256 + 1_248_950);
    }
}
