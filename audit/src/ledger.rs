//! The billing ledger: the marketplace's logs folded, in chain order, into what each deployment
//! was paid from per epoch and what each provider earned, claimed and lost. Every map is sorted
//! and amounts are decimal strings, so the same chain gives byte-identical `ledger.json` and
//! `ledger.csv`.

use std::{collections::BTreeMap, fmt::Write as _, path::Path};

use alloy_primitives::{Address, Log, U256};
use alloy_sol_types::SolEvent;
use alloy_sol_types::SolEventInterface;
use cloudless_abi::{
    court::ICourt::ICourtEvents,
    erc20::IStylusToken,
    market::{IMarket::IMarketEvents, IRegistry::IRegistryEvents},
};
use serde::{Serialize, Serializer};

use crate::AuditError;

/// An amount of the payment token, written as a decimal string.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Amount(pub U256);

impl Serialize for Amount {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0.to_string())
    }
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

/// A deployment's money over its life.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct DeploymentRow {
    /// Its owner.
    pub owner: Address,
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
}

/// A provider's earnings.
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
    /// Staked in total (`Staked`).
    pub staked: Amount,
    /// Bonds of disputes it answered (`DisputeAnswered`), claimable.
    pub bonds_won: Amount,
}

/// The whole ledger.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Ledger {
    /// By deployment id.
    pub deployments: BTreeMap<u64, DeploymentRow>,
    /// By provider address.
    pub providers: BTreeMap<Address, ProviderRow>,
    /// Every `Claimed`, by account (providers and keepers).
    pub claimed: BTreeMap<Address, Amount>,
    /// Fees the owner moved out of the treasury.
    pub treasury_withdrawn: Amount,
    /// Challengers' rewards and returned bonds from proven frauds, by account, claimable.
    pub rewards: BTreeMap<Address, Amount>,
    /// Every ERC-20 `Transfer` folded by token and account (a mint is sent by the zero
    /// address): how each account's tokens came and went.
    pub flows: BTreeMap<Address, BTreeMap<Address, Flow>>,
    /// Placement id to (deployment id, provider), from `PlacementCreated`.
    #[serde(skip)]
    placements: BTreeMap<u64, (u64, Address)>,
    /// Bonds of opened disputes, by dispute id (returned to the challenger on a fraud).
    #[serde(skip)]
    bonds: BTreeMap<u64, U256>,
    /// Deployments changed since [`Ledger::check_touched`] last ran.
    #[serde(skip)]
    touched: std::collections::BTreeSet<u64>,
}

/// One account's movements of one token.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Flow {
    /// Received (`Transfer`s to it).
    pub received: Amount,
    /// Sent (`Transfer`s from it).
    pub sent: Amount,
}

/// A replayed log with where it was emitted.
#[derive(Clone, Debug)]
pub struct LedgerLog {
    /// Block number.
    pub block: u64,
    /// Block timestamp.
    pub timestamp: u64,
    /// The log.
    pub log: Log,
}

impl Ledger {
    /// Folds one log in; logs that are not the marketplace's events are ignored.
    pub fn apply(&mut self, log: &LedgerLog) {
        if let Ok(event) = IMarketEvents::decode_log(&log.log) {
            self.market_event(event.data);
        } else if let Ok(event) = ICourtEvents::decode_log(&log.log) {
            self.court_event(event.data);
        } else if let Ok(event) = IRegistryEvents::decode_log(&log.log) {
            self.registry_event(event.data);
        } else if let Ok(t) = IStylusToken::Transfer::decode_log(&log.log) {
            let token = self.flows.entry(log.log.address).or_default();
            token.entry(t.from).or_default().sent += t.value;
            token.entry(t.to).or_default().received += t.value;
        }
    }

    /// The protocol's invariants the ledger can check, as the violations found: every
    /// deployment's money balances (`deposit + funded + slash_received = paid + fee +
    /// keeper_fees + withdrawn + balance`), and no provider claimed more than it earned.
    pub fn violations(&self) -> Vec<String> {
        let mut found: Vec<String> = self
            .deployments
            .iter()
            .filter_map(|(&id, d)| unbalanced(id, d))
            .collect();
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
    /// transaction, say); the violations found.
    pub fn check_touched(&mut self) -> Vec<String> {
        let touched = std::mem::take(&mut self.touched);
        touched
            .into_iter()
            .filter_map(|id| unbalanced(id, self.deployments.get(&id)?))
            .collect()
    }

    /// Deployment `id`'s row (created empty), noted as touched.
    fn deployment(&mut self, id: u64) -> &mut DeploymentRow {
        self.touched.insert(id);
        self.deployments.entry(id).or_default()
    }

    fn court_event(&mut self, event: ICourtEvents) {
        // A fraud moves the slash (less the challenger's reward) and the held pay into the
        // deployment; a live placement's `PlacementEnded` reported it already, an ended one's
        // only shows in the balance.
        match event {
            ICourtEvents::DisputeOpened(e) => {
                self.bonds.insert(e.disputeId, e.bond);
            }
            ICourtEvents::FraudProven(e) => {
                let bond = self.bonds.remove(&e.disputeId).unwrap_or_default();
                *self.rewards.entry(e.challenger).or_default() += e.reward + bond;
                if let Some(&(deployment, _)) = self.placements.get(&e.placementId) {
                    let d = self.deployment(deployment);
                    d.slash_received += e.balance.saturating_sub(d.balance.0);
                    d.balance = Amount(e.balance);
                }
            }
            ICourtEvents::DisputeAnswered(e) => {
                self.bonds.remove(&e.disputeId);
                self.providers.entry(e.provider).or_default().bonds_won += e.bond;
            }
            _ => {}
        }
    }

    fn market_event(&mut self, event: IMarketEvents) {
        use IMarketEvents as E;
        match event {
            E::DeploymentCreated(e) => {
                let d = self.deployment(e.deploymentId);
                d.owner = e.owner;
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
                let d = self.deployment(e.deploymentId);
                d.keeper_fees += e.keeperFee;
                d.balance = Amount(e.balance);
            }
            E::DeploymentCancelled(e) => {
                self.deployment(e.deploymentId).cancelled = Some(e.endEpoch);
            }
            E::DeploymentClosed(e) => {
                self.deployment(e.deploymentId).closed = Some(e.endEpoch);
            }
            E::PlacementCreated(e) => {
                self.placements
                    .insert(e.placementId, (e.deploymentId, e.provider));
                self.providers.entry(e.provider).or_default().placements += 1;
            }
            E::EpochProven(e) => {
                let Some(&(deployment, provider)) = self.placements.get(&e.placementId) else {
                    return;
                };
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
                if let Some(&(_, provider)) = self.placements.get(&e.placementId) {
                    self.providers.entry(provider).or_default().earned += e.paid;
                }
                let d = self.deployment(e.deploymentId);
                d.paid += e.paid;
                d.fee += e.fee;
                d.balance = Amount(e.balance);
            }
            E::PlacementEnded(e) => {
                let Some(&(deployment, _)) = self.placements.get(&e.placementId) else {
                    return;
                };
                let d = self.deployment(deployment);
                d.slash_received += e.slashed;
                d.balance = Amount(e.balance);
            }
            E::Claimed(e) => {
                *self.claimed.entry(e.account).or_default() += e.amount;
                if let Some(p) = self.providers.get_mut(&e.account) {
                    p.claimed += e.amount;
                }
            }
            E::TreasuryWithdrawn(e) => self.treasury_withdrawn += e.amount,
            _ => {}
        }
    }

    fn registry_event(&mut self, event: IRegistryEvents) {
        use IRegistryEvents as E;
        match event {
            E::Slashed(e) => self.providers.entry(e.provider).or_default().slashed += e.amount,
            E::Staked(e) => self.providers.entry(e.provider).or_default().staked += e.amount,
            _ => {}
        }
    }

    /// The ledger as pretty JSON, ending in a newline.
    pub fn to_json(&self) -> String {
        let mut json = serde_json::to_string_pretty(self).expect("the ledger serializes");
        json.push('\n');
        json
    }

    /// One CSV row per deployment and proven epoch, in id and epoch order.
    pub fn to_csv(&self) -> String {
        let mut csv = String::from("deployment,epoch,owner,proofs,paid,fee,misses,owed,balance\n");
        for (id, d) in &self.deployments {
            for (epoch, row) in &d.epochs {
                writeln!(
                    csv,
                    "{id},{epoch},{},{},{},{},{},{},{}",
                    d.owner, row.proofs, row.paid, row.fee, row.misses, row.owed, row.balance
                )
                .expect("writing to a string");
            }
        }
        csv
    }

    /// Writes `ledger.json`, `ledger.csv` and, when an epoch was proven, `ledger.svg` into
    /// `dir` (created if missing).
    pub fn write(&self, dir: &Path) -> Result<(), AuditError> {
        let file_error = |path: &Path, e: std::io::Error| AuditError::File {
            path: path.display().to_string(),
            reason: e.to_string(),
        };
        std::fs::create_dir_all(dir).map_err(|e| file_error(dir, e))?;
        let svg = crate::plot::svg(self).map_err(|reason| AuditError::File {
            path: dir.join("ledger.svg").display().to_string(),
            reason,
        })?;
        let files = [
            ("ledger.json", Some(self.to_json())),
            ("ledger.csv", Some(self.to_csv())),
            ("ledger.svg", svg),
        ];
        for (name, text) in files.into_iter().filter_map(|(n, t)| Some((n, t?))) {
            let path = dir.join(name);
            std::fs::write(&path, text).map_err(|e| file_error(&path, e))?;
        }
        Ok(())
    }
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
    use alloy_primitives::B256;
    use alloy_sol_types::SolEvent;
    use cloudless_abi::market::IMarket;

    fn log(event: impl SolEvent) -> LedgerLog {
        LedgerLog {
            block: 1,
            timestamp: 0,
            log: Log {
                address: Address::repeat_byte(0x11),
                data: event.encode_log_data(),
            },
        }
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
        let mut ledger = Ledger::default();
        for entry in ledger_logs() {
            ledger.apply(&entry);
        }
        ledger.apply(&log(IMarket::Claimed {
            account: Address::repeat_byte(0xb0),
            amount: U256::from(18),
        }));
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
        let mut ledger = Ledger::default();
        ledger.apply(&log(IMarket::DeploymentCreated {
            deploymentId: 7,
            owner: Address::repeat_byte(0xd1),
            spec: harness::marketplace::Marketplace {
                token: Address::ZERO,
                registry: Address::ZERO,
                market: Address::ZERO,
                owner: Address::ZERO,
                function: Address::ZERO,
                artifact: B256::ZERO,
            }
            .request(2, 10),
            balance: U256::from(110),
            createdEpoch: 2,
        }));
        for entry in ledger_logs() {
            ledger.apply(&entry);
        }
        assert_eq!(ledger.violations(), Vec::<String>::new());
        // A fraud on placement 1 after it ended: 40 of slash and 20 of held pay come back.
        ledger.apply(&log(cloudless_abi::court::ICourt::FraudProven {
            placementId: 1,
            disputeId: 0,
            kind: cloudless_abi::court::DisputeKind::Result,
            challenger: Address::repeat_byte(0xc0),
            slashed: U256::from(50),
            reward: U256::from(10),
            refunded: U256::from(20),
            balance: U256::from(150),
        }));
        assert_eq!(ledger.deployments[&7].slash_received.0, U256::from(60));
        assert_eq!(ledger.violations(), Vec::<String>::new());
        assert_eq!(ledger.check_touched(), Vec::<String>::new());
        // A withdrawal whose reported balance does not follow is caught at that transaction.
        ledger.apply(&log(IMarket::DeploymentWithdrawn {
            deploymentId: 7,
            amount: U256::from(10),
            balance: U256::from(145),
        }));
        let found = ledger.check_touched();
        assert!(
            found.len() == 1 && found[0].starts_with("deployment 7"),
            "{found:?}"
        );
        assert!(
            ledger.check_touched().is_empty(),
            "each change is checked once"
        );
        ledger.apply(&log(IMarket::DeploymentWithdrawn {
            deploymentId: 7,
            amount: U256::from(5),
            balance: U256::from(135),
        }));
        assert!(ledger.check_touched().is_empty(), "balanced again");
        ledger.deployments.get_mut(&7).unwrap().withdrawn += U256::from(1);
        let found = ledger.violations();
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].starts_with("deployment 7"), "{found:?}");
    }

    /// Two placements of deployment 7 created and proven in epoch 4.
    fn ledger_logs() -> Vec<LedgerLog> {
        let provider = Address::repeat_byte(0xb0);
        let mut logs: Vec<LedgerLog> = [1, 2]
            .into_iter()
            .map(|placement| {
                log(IMarket::PlacementCreated {
                    placementId: placement,
                    deploymentId: 7,
                    offerId: 1,
                    provider,
                    instances: 1,
                    price: 10,
                    startEpoch: 3,
                })
            })
            .collect();
        logs.push(proven(2, 4, 9, 1, 100));
        logs.push(proven(1, 4, 9, 1, 90));
        logs
    }

    #[test]
    fn token_transfers_add_up_per_token_and_account() {
        let (token, minter, alice) = (
            Address::repeat_byte(0x70),
            Address::ZERO,
            Address::repeat_byte(0xa1),
        );
        let transfer = |from, to, value: u64| LedgerLog {
            block: 1,
            timestamp: 0,
            log: Log {
                address: token,
                data: IStylusToken::Transfer {
                    from,
                    to,
                    value: U256::from(value),
                }
                .encode_log_data(),
            },
        };
        let mut ledger = Ledger::default();
        for entry in [transfer(minter, alice, 100), transfer(alice, token, 30)] {
            ledger.apply(&entry);
        }
        let flows = &ledger.flows[&token];
        assert_eq!(flows[&minter].sent.0, U256::from(100));
        assert_eq!(
            (flows[&alice].received.0, flows[&alice].sent.0),
            (U256::from(100), U256::from(30))
        );
        assert_eq!(flows[&token].received.0, U256::from(30));
    }

    #[test]
    fn the_plot_names_each_deployment_and_is_reproducible() {
        let svg = crate::plot::svg(&ledger())
            .unwrap()
            .expect("an epoch was proven");
        assert!(svg.starts_with("<svg"), "{svg}");
        assert!(svg.contains("deployment 7 balance"), "{svg}");
        assert_eq!(crate::plot::svg(&ledger()), Ok(Some(svg)));
        assert_eq!(crate::plot::svg(&Ledger::default()), Ok(None));
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
