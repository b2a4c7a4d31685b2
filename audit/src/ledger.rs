//! The billing ledger: the marketplace's logs folded, in chain order, into its offers,
//! placements, deployments (what each was paid from per epoch) and disputes, and what each
//! provider earned, claimed and lost. Only logs of the contracts named by its
//! [`Sources`] count. Every map is sorted and amounts are decimal strings, so the same chain
//! gives byte-identical `ledger.json` and `ledger.csv` ([`files`]).

mod files;
mod holdings;

use std::collections::{BTreeMap, BTreeSet};

use alloy_primitives::{Address, B256, Log, U256};
use cloudless_abi::{
    court::{DisputeKind, ICourt::ICourtEvents},
    events::{DecodeError, Event, Sources},
    market::{IMarket::IMarketEvents, IRegistry::IRegistryEvents},
};
use serde::{Serialize, Serializer};

/// An amount of the payment token, written as a decimal string.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Amount(#[serde(serialize_with = "decimal")] pub U256);

/// Serializes a token amount as a decimal string (JSON numbers lose precision past 2^53).
pub fn decimal<S: Serializer>(amount: &U256, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&amount.to_string())
}

impl std::ops::AddAssign<U256> for Amount {
    fn add_assign(&mut self, rhs: U256) {
        self.0 = self.0.saturating_add(rhs);
    }
}

impl std::fmt::Display for Amount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// An offer as its provider created and last updated it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct OfferRow {
    /// Its provider.
    pub provider: Address,
    /// Region code.
    pub region: u8,
    /// Hardware tier.
    pub tier: u8,
    /// CPU per instance, in thousandths of a core.
    pub cpu_milli: u32,
    /// Memory per instance, MiB.
    pub mem_mib: u32,
    /// Price per instance-epoch.
    pub price: Amount,
    /// Instances it offers.
    pub capacity: u32,
}

/// A placement: who served which deployment at which price, and how it went.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PlacementRow {
    /// The deployment it serves.
    pub deployment: u64,
    /// The provider that serves it.
    pub provider: Address,
    /// The offer it was matched to.
    pub offer: u64,
    /// Instances.
    pub instances: u32,
    /// Price per instance-epoch.
    pub price: Amount,
    /// First epoch served.
    pub start_epoch: u64,
    /// Receipts proven per epoch (each proof's `count`).
    pub proven: BTreeMap<u64, u32>,
    /// Paid to the provider (after the protocol fee).
    pub paid: Amount,
    /// Protocol fees taken from its payments.
    pub fee: Amount,
    /// What its proven epochs earned that the deployment could not pay yet (gross).
    pub owed: Amount,
    /// `completed`, `exited_with_penalty`, `evicted` or `fraud`; `None` while live.
    pub ended: Option<String>,
    /// Stake slashed into the deployment when it ended.
    pub slashed: Amount,
}

impl PlacementRow {
    /// Receipts proven in all: Σ the proofs' `count`.
    pub fn receipts(&self) -> u64 {
        self.proven.values().map(|&count| u64::from(count)).sum()
    }
}

/// One deployment in one epoch: the sums of its placements' `EpochProven` events.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct EpochRow {
    /// Proofs (one per placement proven for the epoch).
    pub proofs: u64,
    /// Paid to providers.
    pub paid: Amount,
    /// Paid to the treasury.
    pub fee: Amount,
    /// Missed receipts the proofs reported.
    pub misses: u64,
    /// What the placements were still owed after the last proof (gross).
    pub owed: Amount,
    /// The deployment's balance after the last proof of the epoch.
    pub balance: Amount,
}

/// A deployment's request and its money over its life.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct DeploymentRow {
    /// Its owner.
    pub owner: Address,
    /// The function's program.
    pub program: Address,
    /// The program's code hash.
    pub artifact: B256,
    /// Instances requested.
    pub instances: u32,
    /// Bit `r` set: region `r` is acceptable.
    pub region_mask: U256,
    /// The most it pays per instance-epoch.
    pub max_price: Amount,
    /// The most instances one provider may serve.
    pub max_per_provider: u32,
    /// The deposit it was created with.
    pub deposit: Amount,
    /// Added later (`DeploymentFunded`).
    pub funded: Amount,
    /// Taken back by the owner (`DeploymentWithdrawn`).
    pub withdrawn: Amount,
    /// Paid to keepers for matching it.
    pub keeper_fees: Amount,
    /// Paid to providers by proofs and settlements.
    pub paid: Amount,
    /// Paid to the treasury by proofs and settlements.
    pub fee: Amount,
    /// Moved into it from providers' stakes when placements ended, and from their held pay and
    /// stakes when a fraud was proven.
    pub slash_received: Amount,
    /// Its balance after the last event that reported it.
    pub balance: Amount,
    /// The epoch it was cancelled to end after, if it was.
    pub cancelled: Option<u64>,
    /// The epoch it was closed to end after, if it was.
    pub closed: Option<u64>,
    /// Per epoch, what its proofs moved.
    pub epochs: BTreeMap<u64, EpochRow>,
    /// `keeper_fees` by the epoch the matched placements start in.
    pub keeper_fees_by_epoch: BTreeMap<u64, Amount>,
    /// `slash_received` by epoch: a placement's end epoch, or a proven fraud's disputed epoch
    /// (the placement's last proven one when the fraud named none).
    pub slashes_by_epoch: BTreeMap<u64, Amount>,
    /// `balance` when the market's holdings last counted it.
    #[serde(skip)]
    counted: U256,
}

/// A provider's earnings and losses.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ProviderRow {
    /// Placements it got.
    pub placements: u64,
    /// Paid to it by proofs and settlements (claimable after the dispute window).
    pub earned: Amount,
    /// Claimed (`Claimed` with its address).
    pub claimed: Amount,
    /// Taken from its stake (`Slashed`).
    pub slashed: Amount,
    /// Held pay taken back into deployments when a fraud was proven.
    pub refunded: Amount,
    /// Staked in total (`Staked`).
    pub staked: Amount,
    /// Stake taken back after unbonding (`StakeWithdrawn`).
    pub withdrawn: Amount,
    /// Bonds of disputes it answered (`DisputeAnswered`), claimable.
    pub bonds_won: Amount,
    /// Disputes against its placements (opened, or settled at once by `disputeResult`).
    pub disputes: u64,
    /// Of those, proven frauds.
    pub frauds: u64,
}

/// How a dispute stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Waiting for the provider's answer.
    Open,
    /// The provider answered; the bond went to it.
    Answered,
    /// Fraud proven: the provider was slashed.
    Fraud,
}

impl Outcome {
    /// `open`, `answered` or `fraud`, as in `ledger.json`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Answered => "answered",
            Self::Fraud => "fraud",
        }
    }
}

/// A dispute and how it ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DisputeRow {
    /// The court's id (`0` for a `disputeResult`, settled in its own transaction).
    pub id: u64,
    /// `result`, `inclusion` or `sample`.
    pub kind: String,
    /// The placement disputed.
    pub placement: u64,
    /// Its provider.
    pub provider: Address,
    /// The epoch disputed (`None` for a `disputeResult`: its event does not say; the
    /// transaction's calldata does).
    pub epoch: Option<u64>,
    /// Who opened it.
    pub challenger: Address,
    /// How it stands.
    pub outcome: Outcome,
    /// The challenger's bond.
    pub bond: Amount,
    /// Stake slashed from the provider.
    pub slashed: Amount,
    /// The challenger's share of it.
    pub reward: Amount,
    /// Held pay taken back from the provider into the deployment.
    pub refunded: Amount,
    /// The transaction that opened it (or settled it, for a `disputeResult`).
    pub tx: B256,
}

/// The whole ledger.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Ledger {
    /// The contracts whose logs it folds.
    #[serde(skip)]
    sources: Sources,
    /// By offer id.
    pub offers: BTreeMap<u64, OfferRow>,
    /// By placement id.
    pub placements: BTreeMap<u64, PlacementRow>,
    /// By deployment id.
    pub deployments: BTreeMap<u64, DeploymentRow>,
    /// By provider address.
    pub providers: BTreeMap<Address, ProviderRow>,
    /// In chain order.
    pub disputes: Vec<DisputeRow>,
    /// Matching fees, by keeper.
    pub keeper_fees: BTreeMap<Address, Amount>,
    /// Every `Claimed`, by account (providers and keepers).
    pub claimed: BTreeMap<Address, Amount>,
    /// Fees the owner moved out of the treasury.
    pub treasury_withdrawn: Amount,
    /// Challengers' rewards and returned bonds from proven frauds, by account, claimable.
    pub rewards: BTreeMap<Address, Amount>,
    /// Every payment-token `Transfer` folded by account (a mint is sent by the zero
    /// address): how each account's tokens came and went.
    pub flows: BTreeMap<Address, Flow>,
    /// Deployments changed since [`Ledger::check_touched`] last ran.
    #[serde(skip)]
    touched: BTreeSet<u64>,
    /// What the market and the registry owe, against what they hold.
    #[serde(skip)]
    holdings: holdings::Holdings,
}

/// One account's movements of the payment token.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Flow {
    /// Received (`Transfer`s to it).
    pub received: Amount,
    /// Sent (`Transfer`s from it).
    pub sent: Amount,
}

/// A log with where it was emitted.
#[derive(Clone, Debug)]
pub struct LedgerLog {
    /// Block number.
    pub block: u64,
    /// The transaction that emitted it.
    pub tx: B256,
    /// The log.
    pub log: Log,
}

impl LedgerLog {
    /// A log as a node returns it (`eth_getLogs`, receipts).
    pub fn from_rpc(log: &alloy::rpc::types::Log) -> Self {
        Self {
            block: log.block_number.unwrap_or_default(),
            tx: log.transaction_hash.unwrap_or_default(),
            log: log.inner.clone(),
        }
    }
}

impl Ledger {
    /// An empty ledger of the marketplace whose contracts are `sources`.
    pub fn new(sources: Sources) -> Self {
        Self {
            sources,
            offers: BTreeMap::new(),
            placements: BTreeMap::new(),
            deployments: BTreeMap::new(),
            providers: BTreeMap::new(),
            disputes: Vec::new(),
            keeper_fees: BTreeMap::new(),
            claimed: BTreeMap::new(),
            treasury_withdrawn: Amount::default(),
            rewards: BTreeMap::new(),
            flows: BTreeMap::new(),
            touched: BTreeSet::new(),
            holdings: holdings::Holdings::default(),
        }
    }

    /// The ledger of `logs` in chain order (from `eth_getLogs`, say).
    pub fn fold<'a>(
        sources: Sources,
        logs: impl IntoIterator<Item = &'a alloy::rpc::types::Log>,
    ) -> Result<Self, DecodeError> {
        let mut ledger = Self::new(sources);
        for log in logs {
            ledger.apply(&LedgerLog::from_rpc(log))?;
        }
        Ok(ledger)
    }

    /// Folds one log in; logs of other contracts and events that move no money are ignored.
    /// A log with a marketplace event's signature whose data does not decode is an error.
    pub fn apply(&mut self, entry: &LedgerLog) -> Result<(), DecodeError> {
        match self.sources.decode(&entry.log)? {
            Some(Event::Market(event)) => self.market_event(event),
            Some(Event::Court(event)) => self.court_event(event, entry.tx),
            Some(Event::Registry(event)) => self.registry_event(event),
            Some(Event::Transfer(t)) => {
                self.flows.entry(t.from).or_default().sent += t.value;
                self.flows.entry(t.to).or_default().received += t.value;
            }
            Some(Event::MarketGoverned(_) | Event::RegistryGoverned(_)) | None => {}
        }
        Ok(())
    }

    /// The protocol's invariants the ledger can check, as the violations found: every
    /// deployment's money balances (`deposit + funded + slash_received = paid + fee +
    /// keeper_fees + withdrawn + balance`), the market and the registry hold at least what
    /// they owe, and no provider claimed more than it earned.
    pub fn violations(&self) -> Vec<String> {
        let mut found: Vec<String> = self
            .deployments
            .iter()
            .filter_map(|(&id, d)| unbalanced(id, d))
            .collect();
        let mut all = self.holdings.clone();
        all.balances = self.deployments.values().map(|d| d.balance.0).sum();
        found.extend(all.shortfalls(&self.flows, self.sources.market, self.sources.registry));
        for (address, p) in &self.providers {
            let rewards = self.rewards.get(address).copied().unwrap_or_default();
            let owed = p.earned.0 + p.bonds_won.0 + rewards.0;
            if p.claimed.0 > owed {
                found.push(format!(
                    "provider {address} claimed {} but earned {}, won {} in bonds and {rewards} in rewards",
                    p.claimed, p.earned, p.bonds_won
                ));
            }
        }
        found
    }

    /// The money identity of every deployment changed since the last call (after a
    /// transaction, say), and the market's and the registry's token holdings against what they
    /// owe; the violations found.
    pub fn check_touched(&mut self) -> Vec<String> {
        let mut found = Vec::new();
        for id in std::mem::take(&mut self.touched) {
            let Some(d) = self.deployments.get_mut(&id) else {
                continue;
            };
            self.holdings.recount(d.counted, d.balance.0);
            d.counted = d.balance.0;
            found.extend(unbalanced(id, d));
        }
        found.extend(self.holdings.shortfalls(
            &self.flows,
            self.sources.market,
            self.sources.registry,
        ));
        found
    }

    /// Deployment `id`'s row (created empty), noted as touched.
    fn deployment(&mut self, id: u64) -> &mut DeploymentRow {
        self.touched.insert(id);
        self.deployments.entry(id).or_default()
    }

    /// The provider of placement `id` (zero when unknown).
    fn provider_of(&self, placement: u64) -> Address {
        self.placements
            .get(&placement)
            .map(|p| p.provider)
            .unwrap_or_default()
    }

    fn court_event(&mut self, event: ICourtEvents, tx: B256) {
        let kind_name = |kind: DisputeKind| format!("{kind:?}").to_lowercase();
        match event {
            ICourtEvents::DisputeOpened(e) => {
                let provider = self.provider_of(e.placementId);
                self.providers.entry(provider).or_default().disputes += 1;
                self.holdings.market_in += e.bond;
                self.disputes.push(DisputeRow {
                    id: e.disputeId,
                    kind: kind_name(e.kind),
                    placement: e.placementId,
                    provider,
                    epoch: Some(e.epoch),
                    challenger: e.challenger,
                    outcome: Outcome::Open,
                    bond: Amount(e.bond),
                    slashed: Amount::default(),
                    reward: Amount::default(),
                    refunded: Amount::default(),
                    tx,
                });
            }
            ICourtEvents::FraudProven(e) => {
                // A fraud moves the slash (less the challenger's reward) and the held pay into
                // the deployment; a live placement's `PlacementEnded` reported it already, an
                // ended one's only shows in the balance.
                let provider = self.provider_of(e.placementId);
                let opened = (e.disputeId != 0)
                    .then(|| self.disputes.iter().rposition(|d| d.id == e.disputeId))
                    .flatten();
                let index = opened.unwrap_or_else(|| {
                    self.providers.entry(provider).or_default().disputes += 1;
                    self.disputes.push(DisputeRow {
                        id: e.disputeId,
                        kind: kind_name(e.kind),
                        placement: e.placementId,
                        provider,
                        epoch: None,
                        challenger: e.challenger,
                        outcome: Outcome::Fraud,
                        bond: Amount::default(),
                        slashed: Amount::default(),
                        reward: Amount::default(),
                        refunded: Amount::default(),
                        tx,
                    });
                    self.disputes.len() - 1
                });
                let dispute = &mut self.disputes[index];
                dispute.outcome = Outcome::Fraud;
                dispute.slashed = Amount(e.slashed);
                dispute.reward = Amount(e.reward);
                dispute.refunded = Amount(e.refunded);
                let bond = dispute.bond.0;
                *self.rewards.entry(e.challenger).or_default() += e.reward + bond;
                self.holdings.market_in += e.reward;
                self.holdings.market_out += e.refunded;
                let row = self.providers.entry(provider).or_default();
                row.frauds += 1;
                row.refunded += e.refunded;
                let disputed = self.disputes[index].epoch;
                if let Some(p) = self.placements.get(&e.placementId) {
                    let epoch = disputed
                        .or_else(|| p.proven.keys().next_back().copied())
                        .unwrap_or(p.start_epoch);
                    let d = self.deployment(p.deployment);
                    let received = e.balance.saturating_sub(d.balance.0);
                    d.slash_received += received;
                    if received != U256::ZERO {
                        *d.slashes_by_epoch.entry(epoch).or_default() += received;
                    }
                    d.balance = Amount(e.balance);
                }
            }
            ICourtEvents::DisputeAnswered(e) => {
                if let Some(d) = self.disputes.iter_mut().rfind(|d| d.id == e.disputeId) {
                    d.outcome = Outcome::Answered;
                }
                self.providers.entry(e.provider).or_default().bonds_won += e.bond;
            }
            _ => {}
        }
    }

    fn market_event(&mut self, event: IMarketEvents) {
        use IMarketEvents as E;
        match event {
            E::DeploymentCreated(e) => {
                let spec = &e.spec;
                let d = self.deployment(e.deploymentId);
                d.owner = e.owner;
                d.program = spec.program;
                d.artifact = spec.artifact;
                d.instances = spec.instances;
                d.region_mask = spec.regionMask;
                d.max_price = Amount(U256::from(spec.maxPricePerInstanceEpoch));
                d.max_per_provider = spec.maxPerProvider;
                d.deposit += e.balance;
                d.balance = Amount(e.balance);
            }
            E::DeploymentFunded(e) => {
                let d = self.deployment(e.deploymentId);
                d.funded += e.amount;
                d.balance = Amount(e.balance);
            }
            E::DeploymentWithdrawn(e) => {
                let d = self.deployment(e.deploymentId);
                d.withdrawn += e.amount;
                d.balance = Amount(e.balance);
            }
            E::DeploymentMatched(e) => {
                *self.keeper_fees.entry(e.keeper).or_default() += e.keeperFee;
                self.holdings.market_in += e.keeperFee;
                // The round's placements were created just before, in the same transaction.
                let start = self
                    .placements
                    .values()
                    .rfind(|p| p.deployment == e.deploymentId)
                    .map(|p| p.start_epoch)
                    .unwrap_or_default();
                let d = self.deployment(e.deploymentId);
                d.keeper_fees += e.keeperFee;
                *d.keeper_fees_by_epoch.entry(start).or_default() += e.keeperFee;
                d.balance = Amount(e.balance);
            }
            E::DeploymentCancelled(e) => {
                self.deployment(e.deploymentId).cancelled = Some(e.endEpoch);
            }
            E::DeploymentClosed(e) => {
                self.deployment(e.deploymentId).closed = Some(e.endEpoch);
            }
            E::PlacementCreated(e) => {
                self.placements.insert(
                    e.placementId,
                    PlacementRow {
                        deployment: e.deploymentId,
                        provider: e.provider,
                        offer: e.offerId,
                        instances: e.instances,
                        price: Amount(U256::from(e.price)),
                        start_epoch: e.startEpoch,
                        ..PlacementRow::default()
                    },
                );
                self.providers.entry(e.provider).or_default().placements += 1;
            }
            E::EpochProven(e) => {
                let Some(p) = self.placements.get_mut(&e.placementId) else {
                    return;
                };
                p.proven.insert(e.epoch, e.count);
                self.holdings.market_in += e.paid + e.fee;
                p.paid += e.paid;
                p.fee += e.fee;
                p.owed = Amount(e.owed);
                let (deployment, provider) = (p.deployment, p.provider);
                self.providers.entry(provider).or_default().earned += e.paid;
                let d = self.deployment(deployment);
                d.paid += e.paid;
                d.fee += e.fee;
                d.balance = Amount(e.balance);
                let row = d.epochs.entry(e.epoch).or_default();
                row.proofs += 1;
                row.paid += e.paid;
                row.fee += e.fee;
                row.misses += e.misses;
                row.owed = Amount(e.owed);
                row.balance = Amount(e.balance);
            }
            E::OwedSettled(e) => {
                self.holdings.market_in += e.paid + e.fee;
                if let Some(p) = self.placements.get_mut(&e.placementId) {
                    p.paid += e.paid;
                    p.fee += e.fee;
                    p.owed = Amount(e.owed);
                    let provider = p.provider;
                    self.providers.entry(provider).or_default().earned += e.paid;
                }
                let d = self.deployment(e.deploymentId);
                d.paid += e.paid;
                d.fee += e.fee;
                d.balance = Amount(e.balance);
            }
            E::PlacementEnded(e) => {
                let Some(p) = self.placements.get_mut(&e.placementId) else {
                    return;
                };
                p.ended = Some(snake_case(&format!("{:?}", e.reason)));
                p.slashed += e.slashed;
                let deployment = p.deployment;
                let d = self.deployment(deployment);
                d.slash_received += e.slashed;
                if e.slashed != U256::ZERO {
                    *d.slashes_by_epoch.entry(e.endEpoch).or_default() += e.slashed;
                }
                d.balance = Amount(e.balance);
            }
            E::Claimed(e) => {
                self.holdings.market_out += e.amount;
                *self.claimed.entry(e.account).or_default() += e.amount;
                if let Some(p) = self.providers.get_mut(&e.account) {
                    p.claimed += e.amount;
                }
            }
            E::TreasuryWithdrawn(e) => {
                self.holdings.market_out += e.amount;
                self.treasury_withdrawn += e.amount;
            }
            _ => {}
        }
    }

    fn registry_event(&mut self, event: IRegistryEvents) {
        use IRegistryEvents as E;
        match event {
            E::Slashed(e) => {
                self.holdings.registry_out += e.amount;
                self.providers.entry(e.provider).or_default().slashed += e.amount;
            }
            E::Staked(e) => {
                self.holdings.registry_in += e.amount;
                self.providers.entry(e.provider).or_default().staked += e.amount;
            }
            E::StakeWithdrawn(e) => {
                self.holdings.registry_out += e.amount;
                self.providers.entry(e.provider).or_default().withdrawn += e.amount;
            }
            E::OfferCreated(e) => {
                self.offers.insert(
                    e.offerId,
                    OfferRow {
                        provider: e.provider,
                        region: e.region,
                        tier: e.tier,
                        cpu_milli: e.cpuMilli,
                        mem_mib: e.memMiB,
                        price: Amount(U256::from(e.pricePerInstanceEpoch)),
                        capacity: e.capacity,
                    },
                );
            }
            E::OfferUpdated(e) => {
                if let Some(offer) = self.offers.get_mut(&e.offerId) {
                    offer.price = Amount(U256::from(e.pricePerInstanceEpoch));
                    offer.capacity = e.capacity;
                }
            }
            _ => {}
        }
    }
}

/// `ExitedWithPenalty` → `exited_with_penalty`.
fn snake_case(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// Why deployment `id`'s money does not balance (`deposit + funded + slash_received = paid +
/// fee + keeper_fees + withdrawn + balance`), if it does not.
fn unbalanced(id: u64, d: &DeploymentRow) -> Option<String> {
    let credits = d.deposit.0 + d.funded.0 + d.slash_received.0;
    let debits = d.paid.0 + d.fee.0 + d.keeper_fees.0 + d.withdrawn.0 + d.balance.0;
    (credits != debits)
        .then(|| format!("deployment {id}: {credits} came in but {debits} is paid out or left"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_sol_types::SolEvent;
    use cloudless_abi::{
        erc20::IStylusToken,
        market::{IMarket, IRegistry},
    };

    const SOURCES: Sources = Sources {
        registry: Address::repeat_byte(0x11),
        market: Address::repeat_byte(0x22),
        token: Address::repeat_byte(0x70),
    };

    fn log(event: impl SolEvent) -> LedgerLog {
        LedgerLog {
            block: 1,
            tx: B256::ZERO,
            log: Log {
                address: SOURCES.market,
                data: event.encode_log_data(),
            },
        }
    }

    fn registry_log(event: impl SolEvent) -> LedgerLog {
        let mut entry = log(event);
        entry.log.address = SOURCES.registry;
        entry
    }

    /// `value` of the payment token from `from` to `to`.
    fn transfer(from: Address, to: Address, value: u64) -> LedgerLog {
        let mut entry = log(IStylusToken::Transfer {
            from,
            to,
            value: U256::from(value),
        });
        entry.log.address = SOURCES.token;
        entry
    }

    /// Deployment 7 created by `owner` with `balance`.
    fn created(owner: Address, balance: u64) -> LedgerLog {
        log(IMarket::DeploymentCreated {
            deploymentId: 7,
            owner,
            spec: harness::marketplace::Marketplace {
                token: Address::ZERO,
                registry: Address::ZERO,
                market: Address::ZERO,
                owner: Address::ZERO,
                function: Address::ZERO,
                artifact: B256::ZERO,
            }
            .request(2, 10),
            balance: U256::from(balance),
            createdEpoch: 2,
        })
    }

    fn proven(placement: u64, epoch: u64, paid: u64, fee: u64, balance: u64) -> LedgerLog {
        log(IMarket::EpochProven {
            placementId: placement,
            epoch,
            receiptsRoot: B256::ZERO,
            count: 0,
            paid: U256::from(paid),
            fee: U256::from(fee),
            misses: 0,
            balance: U256::from(balance),
            owed: U256::ZERO,
            batch: 1,
            position: 0,
        })
    }

    /// Two placements of deployment 7 proven in epoch 4, their provider's claim.
    fn ledger() -> Ledger {
        let mut ledger = Ledger::new(SOURCES);
        for entry in ledger_logs() {
            ledger.apply(&entry).unwrap();
        }
        ledger
            .apply(&log(IMarket::Claimed {
                account: Address::repeat_byte(0xb0),
                amount: U256::from(18),
            }))
            .unwrap();
        ledger
    }

    #[test]
    fn proofs_of_one_epoch_sum_per_deployment_and_keep_the_last_balance() {
        let ledger = ledger();
        let row = &ledger.deployments[&7].epochs[&4];
        assert_eq!(
            (row.proofs, row.paid.0, row.fee.0),
            (2, U256::from(18), U256::from(2))
        );
        assert_eq!(row.balance.0, U256::from(90));
        let provider = &ledger.providers[&Address::repeat_byte(0xb0)];
        assert_eq!(
            (provider.earned.0, provider.claimed.0),
            (U256::from(18), U256::from(18))
        );
    }

    #[test]
    fn a_deployments_money_balances_through_a_fraud_and_a_tampered_one_does_not() {
        let (owner, provider) = (Address::repeat_byte(0xd1), Address::repeat_byte(0xb0));
        let mut ledger = Ledger::new(SOURCES);
        let apply = |ledger: &mut Ledger, entries: Vec<LedgerLog>| {
            for entry in entries {
                ledger.apply(&entry).unwrap();
            }
            ledger.check_touched()
        };
        let staked = registry_log(IRegistry::Staked {
            provider,
            amount: U256::from(50),
            stake: U256::from(50),
        });
        let mut setup = vec![
            transfer(owner, SOURCES.market, 110),
            created(owner, 110),
            transfer(provider, SOURCES.registry, 50),
            staked,
        ];
        setup.extend(ledger_logs());
        assert_eq!(apply(&mut ledger, setup), Vec::<String>::new());
        assert_eq!(ledger.violations(), Vec::<String>::new());
        // A fraud on placement 1 after it ended: 40 of slash and 20 of held pay come back.
        let fraud = vec![
            registry_log(IRegistry::Slashed {
                provider,
                amount: U256::from(50),
                stake: U256::ZERO,
                unbonding: U256::ZERO,
            }),
            transfer(SOURCES.registry, SOURCES.market, 50),
            log(cloudless_abi::court::ICourt::FraudProven {
                placementId: 1,
                disputeId: 0,
                kind: cloudless_abi::court::DisputeKind::Result,
                challenger: Address::repeat_byte(0xc0),
                slashed: U256::from(50),
                reward: U256::from(10),
                refunded: U256::from(20),
                balance: U256::from(150),
            }),
        ];
        assert_eq!(apply(&mut ledger, fraud), Vec::<String>::new());
        assert_eq!(ledger.deployments[&7].slash_received.0, U256::from(60));
        assert_eq!(ledger.violations(), Vec::<String>::new());
        // A withdrawal whose reported balance does not follow is caught at that transaction:
        // the deployment's books and the market's holdings both disagree.
        let withdrawn = |amount, balance| {
            vec![
                transfer(SOURCES.market, owner, amount),
                log(IMarket::DeploymentWithdrawn {
                    deploymentId: 7,
                    amount: U256::from(amount),
                    balance: U256::from(balance),
                }),
            ]
        };
        let found = apply(&mut ledger, withdrawn(10, 145));
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found[0].starts_with("deployment 7"), "{found:?}");
        assert!(
            found[1].starts_with("the market holds 150 tokens but owes 155"),
            "{found:?}"
        );
        assert_eq!(
            ledger.check_touched().len(),
            1,
            "a deployment is checked once, a shortfall stands"
        );
        assert!(
            apply(&mut ledger, withdrawn(5, 135)).is_empty(),
            "balanced again"
        );
        ledger.deployments.get_mut(&7).unwrap().withdrawn += U256::from(1);
        let found = ledger.violations();
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].starts_with("deployment 7"), "{found:?}");
    }

    #[test]
    fn tokens_that_leave_the_market_without_an_event_are_a_shortfall_and_gifts_are_not() {
        let (owner, stranger) = (Address::repeat_byte(0xd1), Address::repeat_byte(0xee));
        let mut ledger = Ledger::new(SOURCES);
        let mut apply = |entries: Vec<LedgerLog>| {
            for entry in entries {
                ledger.apply(&entry).unwrap();
            }
            ledger.check_touched()
        };
        assert!(
            apply(vec![
                transfer(owner, SOURCES.market, 100),
                created(owner, 100)
            ])
            .is_empty()
        );
        assert!(
            apply(vec![transfer(stranger, SOURCES.market, 5)]).is_empty(),
            "a gift is a surplus"
        );
        assert_eq!(
            apply(vec![transfer(SOURCES.market, stranger, 30)]),
            ["the market holds 75 tokens but owes 100"]
        );
    }

    /// Two placements of deployment 7 created and proven in epoch 4.
    /// Placement `placement` of deployment 7, one instance from provider `0xb0…` at 10 from
    /// epoch `start`.
    fn placed(placement: u64, start: u64) -> LedgerLog {
        log(IMarket::PlacementCreated {
            placementId: placement,
            deploymentId: 7,
            offerId: 1,
            provider: Address::repeat_byte(0xb0),
            instances: 1,
            price: 10,
            startEpoch: start,
        })
    }

    fn ledger_logs() -> Vec<LedgerLog> {
        let mut logs = vec![placed(1, 3), placed(2, 3)];
        logs.push(proven(2, 4, 9, 1, 100));
        logs.push(proven(1, 4, 9, 1, 90));
        logs
    }

    #[test]
    fn keeper_fees_and_slashes_are_booked_in_the_epochs_they_fall_in() {
        let keeper = Address::repeat_byte(0xee);
        let matched = |fee: u64, balance: u64| {
            log(IMarket::DeploymentMatched {
                deploymentId: 7,
                keeper,
                placed: 1,
                keeperFee: U256::from(fee),
                balance: U256::from(balance),
                rate: U256::from(10),
            })
        };
        let entries = vec![
            created(Address::repeat_byte(0xd1), 110),
            placed(1, 3),
            placed(2, 3),
            matched(5, 105),
            proven(1, 4, 9, 1, 95),
            proven(2, 4, 9, 1, 85),
            placed(3, 6),
            matched(2, 83),
            log(IMarket::PlacementEnded {
                placementId: 1,
                reason: cloudless_abi::market::EndReason::Evicted,
                endEpoch: 5,
                slashed: U256::from(7),
                placed: 2,
                rate: U256::from(20),
                balance: U256::from(90),
            }),
            // A fraud on placement 2 with no dispute opened: its last proven epoch.
            log(cloudless_abi::court::ICourt::FraudProven {
                placementId: 2,
                disputeId: 0,
                kind: cloudless_abi::court::DisputeKind::Result,
                challenger: Address::repeat_byte(0xc0),
                slashed: U256::ZERO,
                reward: U256::ZERO,
                refunded: U256::ZERO,
                balance: U256::from(94),
            }),
        ];
        let mut ledger = Ledger::new(SOURCES);
        for entry in entries {
            ledger.apply(&entry).unwrap();
        }
        let d = &ledger.deployments[&7];
        let amounts = |by_epoch: &BTreeMap<u64, Amount>| -> Vec<(u64, U256)> {
            by_epoch.iter().map(|(e, a)| (*e, a.0)).collect()
        };
        let u = U256::from;
        assert_eq!(amounts(&d.keeper_fees_by_epoch), [(3, u(5)), (6, u(2))]);
        assert_eq!(amounts(&d.slashes_by_epoch), [(4, u(4)), (5, u(7))]);
        let sum = |by_epoch: &BTreeMap<u64, Amount>| by_epoch.values().map(|a| a.0).sum::<U256>();
        assert_eq!(sum(&d.keeper_fees_by_epoch), d.keeper_fees.0);
        assert_eq!(sum(&d.slashes_by_epoch), d.slash_received.0);
        let svg = crate::plot::svg(&ledger).unwrap().unwrap();
        for label in ["deployment 7 keeper fees", "deployment 7 slashes received"] {
            assert!(svg.contains(label), "{label}: {svg}");
        }
    }

    #[test]
    fn token_transfers_add_up_per_account_and_look_alikes_do_not_count() {
        let (minter, alice) = (Address::ZERO, Address::repeat_byte(0xa1));
        let mut ledger = Ledger::new(SOURCES);
        let impostor = Address::repeat_byte(0x66);
        let mut counterfeit = transfer(minter, alice, 1_000);
        counterfeit.log.address = impostor;
        for entry in [
            transfer(minter, alice, 100),
            transfer(alice, SOURCES.market, 30),
            counterfeit,
        ] {
            ledger.apply(&entry).unwrap();
        }
        let flows = &ledger.flows;
        assert_eq!(flows[&minter].sent.0, U256::from(100));
        assert_eq!(
            (flows[&alice].received.0, flows[&alice].sent.0),
            (U256::from(100), U256::from(30))
        );
        assert_eq!(flows[&SOURCES.market].received.0, U256::from(30));
        // A contract that logs the marketplace's events is not the marketplace.
        let mut fake = log(IMarket::Claimed {
            account: alice,
            amount: U256::from(7),
        });
        fake.log.address = impostor;
        ledger.apply(&fake).unwrap();
        assert!(ledger.claimed.is_empty(), "{:?}", ledger.claimed);
    }

    #[test]
    fn the_plot_names_each_deployment_and_is_reproducible() {
        let svg = crate::plot::svg(&ledger())
            .unwrap()
            .expect("an epoch was proven");
        assert!(svg.starts_with("<svg"), "{svg}");
        assert!(svg.contains("deployment 7 balance"), "{svg}");
        assert_eq!(crate::plot::svg(&ledger()), Ok(Some(svg)));
        assert_eq!(crate::plot::svg(&Ledger::new(SOURCES)), Ok(None));
    }

    #[test]
    fn a_subject_plot_draws_only_its_deployments() {
        use crate::plot::{Subject, svg, svg_of};
        let ledger = ledger();
        assert_eq!(svg_of(&ledger, Subject::Market), svg(&ledger));
        let one = svg_of(&ledger, Subject::Deployment(7))
            .unwrap()
            .expect("deployment 7 was proven");
        assert!(one.contains("Deployment 7:"), "{one}");
        assert_ne!(Some(&one), svg(&ledger).unwrap().as_ref());
        assert_eq!(svg_of(&ledger, Subject::Deployment(8)), Ok(None));
        let provider = ledger.placements.values().next().unwrap().provider;
        let served = svg_of(&ledger, Subject::Provider(provider))
            .unwrap()
            .expect("the provider served deployment 7");
        assert!(
            served.contains(&provider.to_string()) && served.contains("deployment 7 balance"),
            "{served}"
        );
        assert_eq!(
            svg_of(&ledger, Subject::Provider(Address::repeat_byte(0xee))),
            Ok(None)
        );
    }

    #[test]
    fn the_same_logs_give_the_same_bytes() {
        assert_eq!(ledger().to_json(), ledger().to_json());
        assert_eq!(
            ledger().to_csv(),
            "deployment,epoch,owner,proofs,paid,fee,misses,owed,balance\n\
             7,4,0x0000000000000000000000000000000000000000,2,18,2,0,0,90\n"
        );
    }
}
