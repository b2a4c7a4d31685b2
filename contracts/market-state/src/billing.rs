//! Matching, pay-on-proof billing and the end of placements. Every function here touches a
//! fixed set of slots: nothing loops over deployments, placements or epochs (a batch loops over
//! its own entries only).

use alloy_primitives::{Address, U256};
use alloy_sol_types::SolEvent;
pub(crate) use cloudless_abi::market::EndReason;
use cloudless_abi::market::IMarket;
use contract_kit::{
    Revert, Small,
    abi::{Output, emit, topic, topic_address},
    add, epoch_at, narrow, revert, too_large,
};
use stylus_sdk::prelude::*;

use crate::{
    contract::{Market, ProofTuple},
    held,
};

/// "Not set" for epoch fields such as `underfundedSince`.
pub(crate) const NONE: u64 = 0;

/// What one payment did.
pub(crate) struct Payment {
    /// Taken from the deployment's balance (fee included).
    pub gross: U256,
    /// Of which to the treasury.
    pub fee: U256,
    /// Still owed to the placement afterwards.
    pub owed: U256,
    /// The deployment's balance afterwards.
    pub balance: U256,
}

/// How a deployment is ending (stored as `u8`).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ending {
    /// Running.
    No = 0,
    /// Cancelled by its owner.
    Cancelled = 1,
    /// Closed after its grace period.
    Closed = 2,
}

impl Market {
    /// The current epoch.
    pub(crate) fn epoch(&self) -> u64 {
        epoch_at(
            self.vm().block_timestamp(),
            self.genesis_time.num(),
            self.epoch_length.num(),
        )
    }

    /// The match itself (see `IMarket.matchDeployment`); returns the first placement id.
    pub(crate) fn match_pairs(
        &mut self,
        deployment_id: u64,
        pairs: &[(u64, u32, u128)],
    ) -> Result<u64, Revert> {
        let current = self.epoch();
        let start = current + 1;
        if let Err(status) = self.lifecycle(deployment_id).matchable(current) {
            return Err(revert(IMarket::NotMatchable {
                deploymentId: deployment_id,
                status,
            }));
        }
        let d = self.deployments.getter(deployment_id);
        let mut total: u32 = 0;
        for &(_, k, _) in pairs {
            if k == 0 {
                return Err(revert(IMarket::EmptyMatch {}));
            }
            total = total.checked_add(k).ok_or_else(too_large)?;
        }
        if total == 0 {
            return Err(revert(IMarket::EmptyMatch {}));
        }
        let (instances, min, placed) = (d.instances.num(), d.min_instances.num(), d.placed.num());
        let first = !d.reached_min.get();
        let room = instances - placed;
        if total > room {
            return Err(revert(IMarket::TooManyInstances {
                deploymentId: deployment_id,
                requested: total,
                room,
            }));
        }
        if first && placed + total < min {
            return Err(revert(IMarket::BelowMinimum {
                deploymentId: deployment_id,
                total: placed + total,
                minInstances: min,
            }));
        }
        let spec = self.spec(deployment_id);
        let first_placement = self.placement_count.num() + 1;
        for &(offer_id, k, planned) in pairs {
            let (provider, price) = self.consume(offer_id, k, spec.clone())?;
            if price != planned {
                return Err(revert(IMarket::PriceChanged {
                    offerId: offer_id,
                    planned,
                    current: price,
                }));
            }
            self.place(deployment_id, offer_id, provider, k, price, start)?;
        }
        let keeper = self.vm().msg_sender();
        let fee = U256::from(self.keeper_fee.num() * u128::from(total));
        let mut d = self.deployments.setter(deployment_id);
        if first {
            d.reached_min.set(true);
            let duration = d.duration.num();
            if duration != 0 {
                let end = start.checked_add(duration - 1).ok_or_else(too_large)?;
                d.end_epoch.set_num(end);
                emit(
                    self,
                    IMarket::DeploymentEndSet::SIGNATURE_HASH,
                    &[topic((deployment_id).into())],
                    Output::new().uint((end).into()),
                );
            }
        }
        let mut d = self.deployments.setter(deployment_id);
        let (balance, rate) = (d.balance(), d.rate.get());
        let needed = add(fee, rate)?;
        if balance < needed {
            return Err(revert(IMarket::InsufficientBalance {
                deploymentId: deployment_id,
                balance,
                needed,
            }));
        }
        let balance = balance - fee;
        d.set_balance(balance)?;
        let placed = d.placed.num();
        let owed = add(self.claimable.get(keeper), fee)?;
        self.claimable.insert(keeper, owed);
        emit(
            self,
            IMarket::DeploymentMatched::SIGNATURE_HASH,
            &[topic((deployment_id).into()), topic_address(keeper)],
            Output::new()
                .uint((placed).into())
                .u256(fee)
                .u256(balance)
                .u256(rate),
        );
        Ok(first_placement)
    }

    /// Records one placement of `k` instances at `price` from `start`.
    fn place(
        &mut self,
        deployment_id: u64,
        offer_id: u64,
        provider: Address,
        k: u32,
        price: u128,
        start: u64,
    ) -> Result<(), Revert> {
        let mut d = self.deployments.setter(deployment_id);
        let held = d.per_provider.get(provider) + alloy_primitives::Uint::from(k);
        if held > alloy_primitives::Uint::from(d.max_per_provider.num()) {
            return Err(Market::provider_cap(offer_id));
        }
        d.per_provider.insert(provider, held);
        let placed = d.placed.num() + k;
        d.placed.set_num(placed);
        let rate = add(d.rate.get(), U256::from(u128::from(k) * price))?;
        d.rate.set(rate);
        let id = self.placement_count.num() + 1;
        self.placement_count.set_num(id);
        let mut p = self.placements.setter(id);
        p.deployment.set_num(deployment_id);
        p.offer.set_num(offer_id);
        p.start_epoch.set_num(start);
        p.provider.set(provider);
        p.instances.set_num(k);
        p.end_epoch.set_num(u64::MAX);
        p.price.set_num(price);
        p.live.set(true);
        emit(
            self,
            IMarket::PlacementCreated::SIGNATURE_HASH,
            &[
                topic((id).into()),
                topic((deployment_id).into()),
                topic((offer_id).into()),
            ],
            Output::new()
                .address(provider)
                .uint((k).into())
                .uint(price)
                .uint((start).into()),
        );
        Ok(())
    }

    /// One proof (see `IMarket.submitProof`), leaf `position` of `batch`. `worker_of` caches the
    /// sender's provider across a batch.
    pub(crate) fn prove(
        &mut self,
        (placement_id, epoch, root, count): ProofTuple,
        (batch, position): (u64, u32),
        worker_of: &mut Option<Address>,
    ) -> Result<(), Revert> {
        let (provider, end) = self.live(placement_id)?;
        let sender = self.vm().msg_sender();
        if sender != provider {
            let boss = match *worker_of {
                Some(boss) => boss,
                None => *worker_of.insert(self.worker_provider(sender)?),
            };
            if boss != provider {
                return Err(revert(IMarket::NotProver {
                    placementId: placement_id,
                    caller: sender,
                }));
            }
        }
        let current = self.epoch();
        let p = self.placements.getter(placement_id);
        let last = p.last_proven();
        if epoch <= last {
            return Err(revert(IMarket::AlreadyProven {
                placementId: placement_id,
                epoch,
                lastProven: last,
            }));
        }
        let earliest = (last + 1).max(current.saturating_sub(self.proof_window.num()));
        let latest = end.min(current.saturating_sub(1));
        if epoch < earliest || epoch > latest || current == 0 {
            return Err(revert(IMarket::ProofOutOfWindow {
                placementId: placement_id,
                epoch,
                earliest,
                latest,
            }));
        }
        let deployment_id = p.deployment.num();
        // k ≤ MAX_INSTANCES and price ≤ MAX_PRICE: fits in u128.
        let amount = U256::from(u128::from(p.instances.num()) * p.price.num());
        let mut p = self.placements.setter(placement_id);
        p.set_proven(epoch, epoch - last - 1);
        let misses = p.misses();
        let paid = self.pay(deployment_id, placement_id, provider, amount)?;
        emit(
            self,
            IMarket::EpochProven::SIGNATURE_HASH,
            &[topic((placement_id).into()), topic((epoch).into())],
            Output::new()
                .b256(root)
                .uint((count).into())
                .u256(paid.gross - paid.fee)
                .u256(paid.fee)
                .uint((misses).into())
                .u256(paid.balance)
                .u256(paid.owed)
                .uint(batch.into())
                .uint(position.into()),
        );
        self.refresh_funding(deployment_id);
        if epoch == end {
            return self.retire(placement_id, EndReason::Completed, end, U256::ZERO);
        }
        Ok(())
    }

    /// Pays a placement what it was owed plus `earned`, as far as its deployment's balance
    /// goes: the fee to the treasury, the rest to the provider's claimable; what the balance
    /// cannot cover stays owed (and in the deployment's debt) until a later proof or
    /// `settleOwed`. So a proven epoch is never lost to a late top-up.
    pub(crate) fn pay(
        &mut self,
        deployment_id: u64,
        placement_id: u64,
        provider: Address,
        earned: U256,
    ) -> Result<Payment, Revert> {
        let owed_before = self.placements.getter(placement_id).owed();
        let due = add(owed_before, earned)?;
        let mut d = self.deployments.setter(deployment_id);
        let balance = d.balance();
        let gross = due.min(balance);
        let (balance, owed) = (balance - gross, due - gross);
        d.set_balance(balance)?;
        let debt = add(d.debt() - owed_before, owed)?;
        d.set_debt(debt)?;
        // Each epoch adds at most k × price < 2^114, so what is owed fits u128 unless some 2^14
        // proven epochs went unpaid; then proofs refuse with AmountTooLarge rather than wrap.
        self.placements.setter(placement_id).set_owed(owed)?;
        let gross_units = narrow(gross)?;
        let bps = u128::from(self.fee_bps.num());
        // ⌊gross × bps / 10⁴⌋ without the product overflowing u128.
        let fee_units = gross_units / 10_000 * bps + gross_units % 10_000 * bps / 10_000;
        let fee = U256::from(fee_units);
        let treasury = add(self.treasury.get(), fee)?;
        self.treasury.set(treasury);
        self.hold(provider, placement_id, gross_units - fee_units)?;
        Ok(Payment {
            gross,
            fee,
            owed,
            balance,
        })
    }

    /// Holds `net` pay of `placement_id` for `provider` until its dispute windows close; what
    /// matured meanwhile becomes claimable.
    fn hold(&mut self, provider: Address, placement_id: u64, net: u128) -> Result<(), Revert> {
        if net == 0 {
            return Ok(());
        }
        let current = self.epoch();
        let width = self.dispute_window.num() + self.response_window.num() + 2;
        let at = held::matures_at(current, width);
        let released = held::hold(&mut *self.held.setter(provider), at, net, current)?;
        if released != 0 {
            let claimable = add(self.claimable.get(provider), U256::from(released))?;
            self.claimable.insert(provider, claimable);
        }
        held::hold(&mut *self.placements.setter(placement_id), at, net, current)?;
        Ok(())
    }

    /// Ends a live placement at `end`: credits `slashed` to the deployment, drops the placement
    /// from its rate and placed count, and releases the capacity.
    pub(crate) fn retire(
        &mut self,
        placement_id: u64,
        reason: EndReason,
        end: u64,
        slashed: U256,
    ) -> Result<(), Revert> {
        let mut p = self.placements.setter(placement_id);
        p.live.set(false);
        p.end_epoch.set_num(end);
        let (deployment_id, offer_id) = (p.deployment.num(), p.offer.num());
        let (provider, k, price) = (p.provider.get(), p.instances.num(), p.price.num());
        let mut d = self.deployments.setter(deployment_id);
        let held = d.per_provider.get(provider) - alloy_primitives::Uint::from(k);
        d.per_provider.insert(provider, held);
        let placed = d.placed.num() - k;
        d.placed.set_num(placed);
        let rate = d.rate.get() - U256::from(u128::from(k) * price);
        d.rate.set(rate);
        let balance = add(d.balance(), slashed)?;
        d.set_balance(balance)?;
        emit(
            self,
            IMarket::PlacementEnded::SIGNATURE_HASH,
            &[topic((placement_id).into())],
            Output::new()
                .uint(reason as u128)
                .uint((end).into())
                .u256(slashed)
                .uint((placed).into())
                .u256(rate)
                .u256(balance),
        );
        self.refresh_funding(deployment_id);
        self.release(offer_id, k)
    }

    /// Marks the deployment underfunded when its balance fell below its rate, or funded again.
    pub(crate) fn refresh_funding(&mut self, deployment_id: u64) {
        let current = self.epoch();
        let mut d = self.deployments.setter(deployment_id);
        // Short when the balance cannot pay what is owed plus the next epoch.
        let short = d.balance() < d.rate.get().saturating_add(d.debt());
        let since = d.underfunded_since.num();
        let next = match (short, since) {
            (true, NONE) => current.max(1),
            (false, s) if s != NONE => NONE,
            _ => return,
        };
        d.underfunded_since.set_num(next);
        emit(
            self,
            IMarket::DeploymentUnderfunded::SIGNATURE_HASH,
            &[topic((deployment_id).into())],
            Output::new().uint((next).into()),
        );
    }

    /// A live placement's provider and effective end epoch (its own or its deployment's).
    pub(crate) fn live(&self, placement_id: u64) -> Result<(Address, u64), Revert> {
        let p = self.placements.getter(placement_id);
        let provider = p.provider.get();
        if provider.is_zero() {
            return Err(revert(IMarket::UnknownPlacement {
                placementId: placement_id,
            }));
        }
        if !p.live.get() {
            return Err(revert(IMarket::PlacementNotLive {
                placementId: placement_id,
            }));
        }
        let deployment_end = self.deployments.getter(p.deployment.num()).end_epoch.num();
        Ok((provider, p.end_epoch.num().min(deployment_end)))
    }

    /// A live placement's provider, when it is the sender.
    pub(crate) fn provided_live(&self, placement_id: u64) -> Result<Address, Revert> {
        let (provider, _) = self.live(placement_id)?;
        let caller = self.vm().msg_sender();
        if caller != provider {
            return Err(revert(IMarket::NotPlacementProvider {
                placementId: placement_id,
                caller,
            }));
        }
        Ok(provider)
    }
}
