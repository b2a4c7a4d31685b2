//! The market's storage and its public functions.

use alloc::{vec, vec::Vec};

use alloy_primitives::{Address, B256, KECCAK256_EMPTY, U256};
use alloy_sol_types::{SolCall, SolEvent};
use cloudless_abi::market::{
    DeploymentSpec, DeploymentStatus, IGoverned, IMarket, IRegistry, MarketParams, SpecField,
};
use cloudless_abi::{
    arbwasm::{ARB_WASM, IArbWasm},
    escrow::required_deposit,
    lifecycle::Lifecycle,
    merkle,
};
use contract_kit::{
    MAX_PRICE, Revert, Small,
    abi::{Calldata, Output, emit, topic, topic_address},
    add, bounded,
    governance::Governance,
    narrow, revert, token,
};
use stylus_sdk::{
    call::static_call,
    prelude::*,
    storage::{
        StorageAddress, StorageB256, StorageBool, StorageMap, StorageU8, StorageU16, StorageU32,
        StorageU64, StorageU128, StorageU256,
    },
};

use crate::{
    billing::{EndReason, Ending, NONE},
    court::DisputeRecord,
    held::{self, Held, HeldSlots},
};

/// Most instances one deployment may ask for.
const MAX_INSTANCES: u32 = 10_000;
/// Longest fixed duration, epochs: its end epoch always fits (and centuries at any epoch
/// length people use).
const MAX_DURATION: u64 = 1_000_000_000;
/// Largest per-instance amounts governance may set (10^9 tokens of 6 decimals).
const MAX_AMOUNT: u128 = 1_000_000_000_000_000;
/// Largest keeper fee per instance (10^6 tokens of 6 decimals).
const MAX_KEEPER_FEE: u128 = 1_000_000_000_000;
/// Largest protocol fee, basis points (10%).
const MAX_FEE_BPS: u128 = 1_000;
/// Largest epoch-count parameter.
const MAX_EPOCHS: u128 = 1_000;

/// `EpochProof` as a tuple: `(placementId, epoch, receiptsRoot, count)`.
pub type ProofTuple = (u64, u64, B256, u32);

/// A deployment (slot 0: owner, instances, min, placed; slot 1: resources, flags, epochs;
/// slot 2: max price, end, underfunded since).
#[storage]
pub struct DeploymentRecord {
    pub(crate) owner: StorageAddress,
    pub(crate) instances: StorageU32,
    pub(crate) min_instances: StorageU32,
    pub(crate) placed: StorageU32,
    pub(crate) cpu_milli: StorageU32,
    pub(crate) mem_mib: StorageU32,
    pub(crate) max_per_provider: StorageU32,
    pub(crate) min_tier: StorageU8,
    pub(crate) reached_min: StorageBool,
    pub(crate) ending: StorageU8,
    pub(crate) created_epoch: StorageU64,
    pub(crate) duration: StorageU64,
    pub(crate) max_price: StorageU128,
    pub(crate) end_epoch: StorageU64,
    pub(crate) underfunded_since: StorageU64,
    pub(crate) program: StorageAddress,
    pub(crate) artifact: StorageB256,
    pub(crate) region_mask: StorageU256,
    balance: StorageU128,
    debt: StorageU128,
    pub(crate) rate: StorageU256,
    pub(crate) per_provider: StorageMap<Address, StorageU32>,
}

impl DeploymentRecord {
    /// What the deployment holds for its placements.
    pub(crate) fn balance(&self) -> U256 {
        U256::from(self.balance.num())
    }

    /// Stores the balance (`AmountTooLarge` beyond 128 bits).
    pub(crate) fn set_balance(&mut self, balance: U256) -> Result<(), Revert> {
        self.balance.set_num(narrow(balance)?);
        Ok(())
    }

    /// What its placements' proven epochs are still owed in all.
    pub(crate) fn debt(&self) -> U256 {
        U256::from(self.debt.num())
    }

    /// Stores the debt (`AmountTooLarge` beyond 128 bits).
    pub(crate) fn set_debt(&mut self, debt: U256) -> Result<(), Revert> {
        self.debt.set_num(narrow(debt)?);
        Ok(())
    }
}

/// A placement (slot 0: deployment, offer, start, end; slot 1: provider, instances, misses,
/// live; slot 2: price, owed; slot 3: epochs proven and the held group a proof last added to;
/// slot 4: the other held group). Matching writes slots 0–2; a proof reads slots 0–3 and
/// writes slot 3 (slot 4 only when a new group starts).
#[storage]
pub struct PlacementRecord {
    pub(crate) deployment: StorageU64,
    pub(crate) offer: StorageU64,
    pub(crate) start_epoch: StorageU64,
    pub(crate) end_epoch: StorageU64,
    pub(crate) provider: StorageAddress,
    pub(crate) instances: StorageU32,
    misses: StorageU32,
    pub(crate) live: StorageBool,
    pub(crate) price: StorageU128,
    owed: StorageU128,
    proven: StorageU64,
    held_at: StorageU64,
    held: StorageU128,
    other_at: StorageU64,
    other: StorageU128,
}

impl PlacementRecord {
    /// The last epoch proven (the one before its start until a proof lands).
    pub(crate) fn last_proven(&self) -> u64 {
        self.start_epoch.num() - 1 + self.proven.num()
    }

    /// Records `epoch` (after the last proven) as proven, `missed` epochs skipped on the way.
    pub(crate) fn set_proven(&mut self, epoch: u64, missed: u64) {
        self.add_misses(missed);
        let start = self.start_epoch.num();
        self.proven.set_num(epoch - (start - 1));
    }

    /// Epochs missed so far (saturating at `u32::MAX`, some billions of epochs).
    pub(crate) fn misses(&self) -> u64 {
        self.misses.num().into()
    }

    /// Counts `missed` more epochs as missed.
    pub(crate) fn add_misses(&mut self, missed: u64) {
        if missed != 0 {
            let misses = u64::from(self.misses.num()).saturating_add(missed);
            self.misses
                .set_num(u32::try_from(misses).unwrap_or(u32::MAX));
        }
    }

    /// What its proven epochs are still owed.
    pub(crate) fn owed(&self) -> U256 {
        U256::from(self.owed.num())
    }

    /// Stores what is owed (`AmountTooLarge` beyond 128 bits).
    pub(crate) fn set_owed(&mut self, owed: U256) -> Result<(), Revert> {
        self.owed.set_num(narrow(owed)?);
        Ok(())
    }
}

impl HeldSlots for PlacementRecord {
    fn first(&self) -> held::Group {
        (self.held_at.num(), self.held.num())
    }

    fn second(&self) -> held::Group {
        (self.other_at.num(), self.other.num())
    }

    fn set_first(&mut self, (at, amount): held::Group) {
        self.held_at.set_num(at);
        self.held.set_num(amount);
    }

    fn set_second(&mut self, (at, amount): held::Group) {
        self.other_at.set_num(at);
        self.other.set_num(amount);
    }
}

/// The market's storage.
#[storage]
pub struct Market {
    /// Governance (owner, pause, set-up).
    pub governance: Governance,
    pub(crate) token: StorageAddress,
    pub(crate) genesis_time: StorageU64,
    pub(crate) registry: StorageAddress,
    pub(crate) court: StorageAddress,
    pub(crate) upkeep: StorageAddress,
    pub(crate) epoch_length: StorageU64,
    pub(crate) fee_bps: StorageU16,
    pub(crate) min_prepaid: StorageU64,
    pub(crate) proof_window: StorageU64,
    pub(crate) notice: StorageU64,
    pub(crate) max_missed: StorageU64,
    pub(crate) grace: StorageU64,
    pub(crate) keeper_fee: StorageU128,
    pub(crate) exit_penalty: StorageU128,
    pub(crate) slash_per_miss: StorageU128,
    pub(crate) min_deposit: StorageU128,
    pub(crate) match_expiry: StorageU64,
    pub(crate) deployment_count: StorageU64,
    pub(crate) placement_count: StorageU64,
    pub(crate) batch_count: StorageU64,
    pub(crate) treasury: StorageU256,
    pub(crate) deployments: StorageMap<u64, DeploymentRecord>,
    pub(crate) placements: StorageMap<u64, PlacementRecord>,
    pub(crate) claimable: StorageMap<Address, StorageU256>,
    pub(crate) batches: StorageMap<u64, StorageB256>,
    pub(crate) held: StorageMap<Address, Held>,
    pub(crate) dispute_window: StorageU64,
    pub(crate) response_window: StorageU64,
    pub(crate) referee_gas: StorageU64,
    pub(crate) reward_bps: StorageU16,
    pub(crate) bond: StorageU128,
    pub(crate) dispute_count: StorageU64,
    pub(crate) bonds: StorageU256,
    pub(crate) disputes: StorageMap<u64, DisputeRecord>,
}

impl Market {
    // ---- set-up and governance ----

    /// One-time set-up; copies the token and the epoch clock from `registry`.
    pub fn initialize(
        &mut self,
        owner: Address,
        registry: Address,
        params: MarketParams,
        (court, upkeep): (Address, Address),
    ) -> Result<(), Revert> {
        self.governance.initialize(owner)?;
        self.registry.set(registry);
        self.court.set(court);
        self.upkeep.set(upkeep);
        let token = self.registry_view(IRegistry::tokenCall {})?;
        let genesis = self.registry_view(IRegistry::genesisTimeCall {})?;
        let length = self.registry_view(IRegistry::epochLengthCall {})?;
        self.token.set(token);
        self.genesis_time.set_num(genesis);
        self.epoch_length.set_num(length);
        self.apply_params(&params)?;
        emit(
            self,
            IMarket::MarketInitialized::SIGNATURE_HASH,
            &[],
            params_words(
                Output::new()
                    .address(owner)
                    .address(registry)
                    .address(token)
                    .uint(genesis.into())
                    .uint(length.into()),
                &params,
            ),
        );
        Ok(())
    }

    /// Sets parameters within their bounds. Owner only.
    pub fn set_params(&mut self, params: MarketParams) -> Result<(), Revert> {
        self.governance.only_owner()?;
        self.apply_params(&params)?;
        emit(
            self,
            IMarket::MarketParamsSet::SIGNATURE_HASH,
            &[],
            params_words(Output::new(), &params),
        );
        Ok(())
    }

    /// The parameters.
    pub fn params(&self) -> MarketParams {
        MarketParams {
            feeBps: self.fee_bps.num(),
            keeperFee: self.keeper_fee.num(),
            minPrepaidEpochs: self.min_prepaid.num(),
            proofWindow: self.proof_window.num(),
            noticeEpochs: self.notice.num(),
            exitPenalty: self.exit_penalty.num(),
            maxMissedEpochs: self.max_missed.num(),
            slashPerMissedInstanceEpoch: self.slash_per_miss.num(),
            graceEpochs: self.grace.num(),
            minDeposit: self.min_deposit.num(),
            matchExpiryEpochs: self.match_expiry.num(),
        }
    }

    /// The registry.
    pub fn registry(&self) -> Address {
        self.registry.get()
    }

    /// The court program.
    pub fn court(&self) -> Address {
        self.court.get()
    }

    /// The upkeep program.
    pub fn upkeep(&self) -> Address {
        self.upkeep.get()
    }

    /// The payment token.
    pub fn token(&self) -> Address {
        self.token.get()
    }

    /// The current epoch.
    pub fn current_epoch(&self) -> u64 {
        self.epoch()
    }

    // ---- deployments ----

    /// Creates a deployment and pulls `deposit` from the sender.
    pub fn create_deployment(
        &mut self,
        spec: DeploymentSpec,
        deposit: U256,
    ) -> Result<u64, Revert> {
        let (id, owner) = self.open_deployment(spec, deposit)?;
        let token = self.token.get();
        token::pull(self, token, owner, deposit)?;
        Ok(id)
    }

    /// `create_deployment` with an EIP-2612 permit.
    pub fn create_deployment_with_permit(
        &mut self,
        spec: DeploymentSpec,
        deposit: U256,
        permit: token::Permit,
    ) -> Result<u64, Revert> {
        let (id, owner) = self.open_deployment(spec, deposit)?;
        let token = self.token.get();
        token::pull_with_permit(self, token, owner, deposit, permit)?;
        Ok(id)
    }

    /// Adds `amount` to a deployment's balance.
    pub fn top_up(&mut self, deployment_id: u64, amount: U256) -> Result<(), Revert> {
        let from = self.credit(deployment_id, amount)?;
        let token = self.token.get();
        token::pull(self, token, from, amount)
    }

    /// `top_up` with an EIP-2612 permit.
    pub fn top_up_with_permit(
        &mut self,
        deployment_id: u64,
        amount: U256,
        permit: token::Permit,
    ) -> Result<(), Revert> {
        let from = self.credit(deployment_id, amount)?;
        let token = self.token.get();
        token::pull_with_permit(self, token, from, amount, permit)
    }

    /// Sends `amount` above the reserve to the owner.
    pub fn withdraw(&mut self, deployment_id: u64, amount: U256) -> Result<(), Revert> {
        let owner = self.owned(deployment_id)?;
        if amount.is_zero() {
            return Err(revert(IGoverned::ZeroAmount {}));
        }
        let reserve = self.reserve(deployment_id)?;
        let mut deployment = self.deployments.setter(deployment_id);
        let balance = deployment.balance();
        if amount > balance.saturating_sub(reserve) {
            return Err(revert(IMarket::InsufficientReserve {
                deploymentId: deployment_id,
                balance,
                reserve,
                requested: amount,
            }));
        }
        let balance = balance - amount;
        deployment.set_balance(balance)?;
        emit(
            self,
            IMarket::DeploymentWithdrawn::SIGNATURE_HASH,
            &[topic((deployment_id).into())],
            Output::new().u256(amount).u256(balance),
        );
        let token = self.token.get();
        token::push(self, token, owner, amount)
    }

    /// Ends the deployment after the notice period.
    pub fn cancel(&mut self, deployment_id: u64) -> Result<(), Revert> {
        self.owned(deployment_id)?;
        let end = self.epoch() + self.notice.num();
        let end = self.end_deployment(deployment_id, Ending::Cancelled, end)?;
        emit(
            self,
            IMarket::DeploymentCancelled::SIGNATURE_HASH,
            &[topic((deployment_id).into())],
            Output::new().uint((end).into()),
        );
        Ok(())
    }

    /// Ends an underfunded deployment after its grace period.
    pub fn close(&mut self, deployment_id: u64) -> Result<(), Revert> {
        self.existing(deployment_id)?;
        let current = self.epoch();
        let since = self
            .deployments
            .getter(deployment_id)
            .underfunded_since
            .num();
        let closable_at = since + self.grace.num();
        if since == NONE || current < closable_at {
            return Err(revert(IMarket::NotClosable {
                deploymentId: deployment_id,
                underfundedSince: since,
                closableAt: if since == NONE { 0 } else { closable_at },
            }));
        }
        let end = self.end_deployment(deployment_id, Ending::Closed, current - 1)?;
        emit(
            self,
            IMarket::DeploymentClosed::SIGNATURE_HASH,
            &[topic((deployment_id).into())],
            Output::new().uint((end).into()),
        );
        Ok(())
    }

    /// The state: `(owner, balance, rate, placed, endEpoch, underfundedSince, createdEpoch,
    /// status)`.
    #[allow(clippy::type_complexity)]
    pub fn deployment_state(
        &self,
        deployment_id: u64,
    ) -> Result<(Address, U256, U256, u32, u64, u64, u64, u8), Revert> {
        self.existing(deployment_id)?;
        let status = self.status(deployment_id) as u8;
        let d = self.deployments.getter(deployment_id);
        Ok((
            d.owner.get(),
            d.balance(),
            d.rate.get(),
            d.placed.num(),
            d.end_epoch.num(),
            d.underfunded_since.num(),
            d.created_epoch.num(),
            status,
        ))
    }

    /// Balance `withdraw` must leave.
    pub fn reserve(&self, deployment_id: u64) -> Result<U256, Revert> {
        self.existing(deployment_id)?;
        let d = self.deployments.getter(deployment_id);
        let end = d.end_epoch.num();
        let window = self.proof_window.num();
        // What proven epochs are owed is never the owner's to take back.
        let debt = d.debt();
        if end != u64::MAX && self.epoch() > end.saturating_add(window) {
            return Ok(debt);
        }
        add(debt, d.rate.get() * U256::from(window + 1))
    }

    /// Instances `provider` holds in the deployment.
    pub fn provider_instances(&self, deployment_id: u64, provider: Address) -> u32 {
        self.deployments
            .getter(deployment_id)
            .per_provider
            .getter(provider)
            .num()
    }

    /// Deployments created so far.
    pub fn deployment_count(&self) -> u64 {
        self.deployment_count.num()
    }

    // ---- matching ----

    /// Places instances on offers; pays the caller the keeper fee.
    pub fn match_deployment(
        &mut self,
        deployment_id: u64,
        pairs: Vec<(u64, u32, u128)>,
    ) -> Result<u64, Revert> {
        self.governance.not_paused()?;
        self.existing(deployment_id)?;
        self.match_pairs(deployment_id, &pairs)
    }

    /// The placement: `(deploymentId, offerId, provider, instances, price, startEpoch,
    /// lastProven, endEpoch, misses, live)`.
    #[allow(clippy::type_complexity)]
    pub fn placement(
        &self,
        placement_id: u64,
    ) -> Result<(u64, u64, Address, u32, u128, u64, u64, u64, u64, bool), Revert> {
        let p = self.placements.getter(placement_id);
        if p.provider.get().is_zero() {
            return Err(revert(IMarket::UnknownPlacement {
                placementId: placement_id,
            }));
        }
        Ok((
            p.deployment.num(),
            p.offer.num(),
            p.provider.get(),
            p.instances.num(),
            p.price.num(),
            p.start_epoch.num(),
            p.last_proven(),
            p.end_epoch.num(),
            p.misses(),
            p.live.get(),
        ))
    }

    /// Placements created so far.
    pub fn placement_count(&self) -> u64 {
        self.placement_count.num()
    }

    // ---- proofs, exits, evictions ----

    /// Proves a completed epoch of a placement and pays it (a batch of one).
    pub fn submit_proof(
        &mut self,
        placement_id: u64,
        epoch: u64,
        receipts_root: B256,
        count: u32,
    ) -> Result<(), Revert> {
        self.submit_proofs(vec![(placement_id, epoch, receipts_root, count)])
    }

    /// Many proofs, all or none, committed as one batch: the market stores only the batch
    /// tree's commitment, which the court checks proof references against.
    pub fn submit_proofs(&mut self, proofs: Vec<ProofTuple>) -> Result<(), Revert> {
        if proofs.is_empty() {
            return Err(revert(IMarket::EmptyMatch {}));
        }
        let batch = self.batch_count.num() + 1;
        self.batch_count.set_num(batch);
        let mut worker_of = None;
        let mut leaves = Vec::with_capacity(proofs.len());
        for (position, proof) in proofs.into_iter().enumerate() {
            self.prove(proof, (batch, position as u32), &mut worker_of)?;
            leaves.push(merkle::proof_leaf(proof.0, proof.1, proof.2, proof.3));
        }
        let (root, size, proven_at) = (merkle::root(&leaves), leaves.len() as u32, self.epoch());
        let commitment = merkle::batch_commitment(root, size, proven_at);
        self.batches.setter(batch).set(commitment);
        emit(
            self,
            IMarket::ProofsCommitted::SIGNATURE_HASH,
            &[topic(batch.into())],
            Output::new()
                .b256(root)
                .uint(size.into())
                .uint(proven_at.into()),
        );
        Ok(())
    }

    /// The commitment of proof batch `batch` (zero when none).
    pub fn proof_batch(&self, batch: u64) -> B256 {
        self.batches.get(batch)
    }

    /// Proof batches committed so far.
    pub fn proof_batch_count(&self) -> u64 {
        self.batch_count.num()
    }

    /// Gives notice: the placement ends after `noticeEpochs`.
    pub fn exit_placement(&mut self, placement_id: u64) -> Result<(), Revert> {
        self.provided_live(placement_id)?;
        let end = self.placements.getter(placement_id).end_epoch.num();
        if end != u64::MAX {
            return Err(revert(IMarket::AlreadyExiting {
                placementId: placement_id,
                endEpoch: end,
            }));
        }
        let end = self.epoch() + self.notice.num();
        self.placements.setter(placement_id).end_epoch.set_num(end);
        emit(
            self,
            IMarket::PlacementExiting::SIGNATURE_HASH,
            &[topic((placement_id).into())],
            Output::new().uint((end).into()),
        );
        Ok(())
    }

    /// Ends the placement now, slashing `exitPenalty` per instance.
    pub fn exit_placement_now(&mut self, placement_id: u64) -> Result<(), Revert> {
        let provider = self.provided_live(placement_id)?;
        let p = self.placements.getter(placement_id);
        let (instances, last) = (p.instances.num(), p.last_proven());
        let penalty = U256::from(self.exit_penalty.num() * u128::from(instances));
        let slashed = self.slash(provider, penalty, 0)?;
        self.retire(placement_id, EndReason::ExitedWithPenalty, last, slashed)
    }

    /// Ends a placement that missed more than `maxMissedEpochs`, slashing its provider.
    pub fn evict(&mut self, placement_id: u64) -> Result<(), Revert> {
        let (provider, end) = self.live(placement_id)?;
        let p = self.placements.getter(placement_id);
        let (instances, last, offer) = (p.instances.num(), p.last_proven(), p.offer.num());
        let current = self.epoch();
        let missed = end.min(current.saturating_sub(1)).saturating_sub(last);
        let max_missed = self.max_missed.num();
        if missed <= max_missed || current == 0 {
            return Err(revert(IMarket::NotEvictable {
                placementId: placement_id,
                missed,
                maxMissed: max_missed,
            }));
        }
        self.placements.setter(placement_id).add_misses(missed);
        let amount = self
            .slash_per_miss
            .num()
            .saturating_mul(u128::from(instances))
            .saturating_mul(u128::from(missed));
        let amount = U256::from(amount);
        let slashed = self.slash(provider, amount, offer)?;
        self.retire(placement_id, EndReason::Evicted, last, slashed)
    }

    /// Ends a placement whose last epoch's proof window has passed.
    pub fn finalize(&mut self, placement_id: u64) -> Result<(), Revert> {
        let (_, end) = self.live(placement_id)?;
        let provable_until = end.saturating_add(self.proof_window.num());
        if end == u64::MAX || self.epoch() <= provable_until {
            return Err(revert(IMarket::NotFinished {
                placementId: placement_id,
                provableUntil: provable_until,
            }));
        }
        self.retire(placement_id, EndReason::Completed, end, U256::ZERO)
    }

    // ---- claims and treasury ----

    /// Earnings whose dispute windows closed, keeper fees, bonds and rewards waiting for
    /// `account`.
    pub fn claimable(&self, account: Address) -> U256 {
        let (matured, _) = held::split(self.held.getter(account).groups(), self.epoch());
        self.claimable.get(account) + U256::from(matured)
    }

    /// Earnings of `account` still held for disputes.
    pub fn pending(&self, account: Address) -> U256 {
        let (_, pending) = held::split(self.held.getter(account).groups(), self.epoch());
        U256::from(pending)
    }

    /// Sends the sender everything claimable (matured earnings included).
    pub fn claim(&mut self) -> Result<(), Revert> {
        let account = self.vm().msg_sender();
        let (groups, matured) = held::release(self.held.getter(account).groups(), self.epoch());
        if matured != 0 {
            self.held.setter(account).set_groups(groups);
        }
        let amount = add(self.claimable.get(account), U256::from(matured))?;
        if amount.is_zero() {
            return Err(revert(IMarket::NothingToClaim { account }));
        }
        self.claimable.insert(account, U256::ZERO);
        emit(
            self,
            IMarket::Claimed::SIGNATURE_HASH,
            &[topic_address(account)],
            Output::new().u256(amount),
        );
        let token = self.token.get();
        token::push(self, token, account, amount)
    }

    /// What the placement's proven epochs are still owed.
    pub fn owed(&self, placement_id: u64) -> U256 {
        self.placements.getter(placement_id).owed()
    }

    /// Pays what a placement is owed, as far as its deployment's balance goes.
    pub fn settle_owed(&mut self, placement_id: u64) -> Result<(), Revert> {
        let p = self.placements.getter(placement_id);
        let (deployment_id, provider) = (p.deployment.num(), p.provider.get());
        let paid = self.pay(deployment_id, placement_id, provider, U256::ZERO)?;
        if paid.gross.is_zero() {
            return Err(revert(IMarket::NothingOwed {
                placementId: placement_id,
            }));
        }
        emit(
            self,
            IMarket::OwedSettled::SIGNATURE_HASH,
            &[topic((placement_id).into()), topic((deployment_id).into())],
            Output::new()
                .u256(paid.gross - paid.fee)
                .u256(paid.fee)
                .u256(paid.owed)
                .u256(paid.balance),
        );
        self.refresh_funding(deployment_id);
        Ok(())
    }

    /// Fees collected.
    pub fn treasury(&self) -> U256 {
        self.treasury.get()
    }

    /// Sends `amount` of fees to `to`. Owner only.
    pub fn withdraw_treasury(&mut self, to: Address, amount: U256) -> Result<(), Revert> {
        self.governance.only_owner()?;
        if amount.is_zero() {
            return Err(revert(IGoverned::ZeroAmount {}));
        }
        let have = self.treasury.get();
        if amount > have {
            return Err(revert(IMarket::InsufficientTreasury { have, want: amount }));
        }
        let treasury = have - amount;
        self.treasury.set(treasury);
        emit(
            self,
            IMarket::TreasuryWithdrawn::SIGNATURE_HASH,
            &[topic_address(to)],
            Output::new().u256(amount).u256(treasury),
        );
        let token = self.token.get();
        token::push(self, token, to, amount)
    }
}

impl Market {
    fn apply_params(&mut self, p: &MarketParams) -> Result<(), Revert> {
        let epochs = [
            ("minPrepaidEpochs", p.minPrepaidEpochs),
            ("proofWindow", p.proofWindow),
            ("noticeEpochs", p.noticeEpochs),
            ("maxMissedEpochs", p.maxMissedEpochs),
            ("graceEpochs", p.graceEpochs),
            ("matchExpiryEpochs", p.matchExpiryEpochs),
        ];
        for (name, value) in epochs {
            bounded(name, U256::from(value), 1, MAX_EPOCHS)?;
        }
        bounded("feeBps", U256::from(p.feeBps), 0, MAX_FEE_BPS)?;
        bounded("keeperFee", U256::from(p.keeperFee), 0, MAX_KEEPER_FEE)?;
        let amounts = [
            ("exitPenalty", p.exitPenalty),
            ("slashPerMissedInstanceEpoch", p.slashPerMissedInstanceEpoch),
            ("minDeposit", p.minDeposit),
        ];
        for (name, value) in amounts {
            bounded(name, U256::from(value), 0, MAX_AMOUNT)?;
        }
        self.fee_bps.set_num(p.feeBps);
        self.keeper_fee.set_num(p.keeperFee);
        self.min_prepaid.set_num(p.minPrepaidEpochs);
        self.proof_window.set_num(p.proofWindow);
        self.notice.set_num(p.noticeEpochs);
        self.exit_penalty.set_num(p.exitPenalty);
        self.max_missed.set_num(p.maxMissedEpochs);
        self.slash_per_miss.set_num(p.slashPerMissedInstanceEpoch);
        self.grace.set_num(p.graceEpochs);
        self.min_deposit.set_num(p.minDeposit);
        self.match_expiry.set_num(p.matchExpiryEpochs);
        Ok(())
    }

    /// `program` must hold activated Stylus code whose hash is `artifact`.
    fn check_program(&self, program: Address, artifact: B256) -> Result<(), Revert> {
        let codehash = self.vm().code_hash(program);
        if codehash.is_zero() || codehash == KECCAK256_EMPTY {
            return Err(revert(IMarket::FunctionMissing { program }));
        }
        if codehash != artifact {
            return Err(revert(IMarket::ArtifactMismatch {
                program,
                artifact,
                codehash,
            }));
        }
        let version = IArbWasm::codehashVersionCall { codehash }.abi_encode();
        static_call(self.vm(), Call::new(), ARB_WASM, &version)
            .map_err(|_| revert(IMarket::FunctionNotActivated { program }))?;
        Ok(())
    }

    /// Validates and records a new deployment (the deposit is pulled next); returns its id and
    /// owner.
    fn open_deployment(
        &mut self,
        spec: DeploymentSpec,
        deposit: U256,
    ) -> Result<(u64, Address), Revert> {
        self.governance.not_paused()?;
        let invalid = [
            (
                spec.instances == 0 || spec.instances > MAX_INSTANCES,
                SpecField::Instances,
            ),
            (
                spec.minInstances == 0 || spec.minInstances > spec.instances,
                SpecField::MinInstances,
            ),
            (spec.maxPerProvider == 0, SpecField::MaxPerProvider),
            (spec.cpuMilli == 0, SpecField::Cpu),
            (spec.memMiB == 0, SpecField::Memory),
            (spec.regionMask.is_zero(), SpecField::RegionMask),
            (
                spec.maxPricePerInstanceEpoch == 0 || spec.maxPricePerInstanceEpoch > MAX_PRICE,
                SpecField::Price,
            ),
            (spec.token != self.token.get(), SpecField::PaymentToken),
            (spec.durationEpochs > MAX_DURATION, SpecField::Duration),
        ];
        if let Some((_, field)) = invalid.into_iter().find(|(bad, _)| *bad) {
            return Err(revert(IMarket::InvalidSpec { field }));
        }
        let required = U256::from(required_deposit(
            spec.instances,
            spec.maxPricePerInstanceEpoch,
            self.min_prepaid.num(),
            self.min_deposit.num(),
        ));
        if deposit < required {
            return Err(revert(IMarket::InsufficientDeposit {
                required,
                provided: deposit,
            }));
        }
        self.check_program(spec.program, spec.artifact)?;
        let owner = self.vm().msg_sender();
        let current = self.epoch();
        let id = self.deployment_count.num() + 1;
        self.deployment_count.set_num(id);
        let mut d = self.deployments.setter(id);
        d.owner.set(owner);
        d.instances.set_num(spec.instances);
        d.min_instances.set_num(spec.minInstances);
        d.cpu_milli.set_num(spec.cpuMilli);
        d.mem_mib.set_num(spec.memMiB);
        d.max_per_provider.set_num(spec.maxPerProvider);
        d.min_tier.set_num(spec.minTier);
        d.created_epoch.set_num(current);
        d.duration.set_num(spec.durationEpochs);
        d.max_price.set_num(spec.maxPricePerInstanceEpoch);
        d.end_epoch.set_num(u64::MAX);
        d.program.set(spec.program);
        d.artifact.set(spec.artifact);
        d.region_mask.set(spec.regionMask);
        d.set_balance(deposit)?;
        let spec = &spec;
        emit(
            self,
            IMarket::DeploymentCreated::SIGNATURE_HASH,
            &[topic((id).into()), topic_address(owner)],
            Output::new()
                .spec(spec)
                .u256(deposit)
                .uint((current).into()),
        );
        Ok((id, owner))
    }

    /// Credits a top-up of `amount` (pulled next); returns the payer.
    fn credit(&mut self, deployment_id: u64, amount: U256) -> Result<Address, Revert> {
        self.existing(deployment_id)?;
        if amount.is_zero() {
            return Err(revert(IGoverned::ZeroAmount {}));
        }
        let from = self.vm().msg_sender();
        let mut d = self.deployments.setter(deployment_id);
        let balance = add(d.balance(), amount)?;
        d.set_balance(balance)?;
        emit(
            self,
            IMarket::DeploymentFunded::SIGNATURE_HASH,
            &[topic((deployment_id).into()), topic_address(from)],
            Output::new().u256(amount).u256(balance),
        );
        self.refresh_funding(deployment_id);
        Ok(from)
    }

    /// `UnknownDeployment` unless it exists.
    pub fn existing(&self, deployment_id: u64) -> Result<(), Revert> {
        if self.deployments.getter(deployment_id).owner.get().is_zero() {
            return Err(revert(IMarket::UnknownDeployment {
                deploymentId: deployment_id,
            }));
        }
        Ok(())
    }

    /// The owner, when it is the sender.
    fn owned(&self, deployment_id: u64) -> Result<Address, Revert> {
        self.existing(deployment_id)?;
        let caller = self.vm().msg_sender();
        if self.deployments.getter(deployment_id).owner.get() != caller {
            return Err(revert(IMarket::NotDeploymentOwner {
                deploymentId: deployment_id,
                caller,
            }));
        }
        Ok(caller)
    }

    /// Moves the deployment's end to `end` (never later) and marks how it ends; returns the end.
    fn end_deployment(&mut self, deployment_id: u64, how: Ending, end: u64) -> Result<u64, Revert> {
        let mut d = self.deployments.setter(deployment_id);
        let current_end = d.end_epoch.num();
        let ending = d.ending.num();
        if ending == how as u8 || ending == Ending::Closed as u8 {
            return Err(revert(IMarket::AlreadyEnding {
                deploymentId: deployment_id,
                endEpoch: current_end,
            }));
        }
        let end = end.min(current_end);
        d.end_epoch.set_num(end);
        d.ending.set_num(how as u8);
        Ok(end)
    }

    /// The status of an existing deployment (the rule is `cloudless_abi::lifecycle`).
    pub(crate) fn status(&self, deployment_id: u64) -> DeploymentStatus {
        self.lifecycle(deployment_id).status(self.epoch())
    }

    /// The fields a deployment's status derives from.
    pub(crate) fn lifecycle(&self, deployment_id: u64) -> Lifecycle {
        let d = self.deployments.getter(deployment_id);
        let unmatched_until = if d.reached_min.get() {
            u64::MAX
        } else {
            d.created_epoch
                .num()
                .saturating_add(self.match_expiry.num())
        };
        Lifecycle {
            unmatched_until,
            end_epoch: d.end_epoch.num(),
            ending: d.ending.num() != Ending::No as u8,
            placed: d.placed.num(),
            min_instances: d.min_instances.num(),
            underfunded: d.underfunded_since.num() != NONE,
        }
    }

    /// Records the spec's provider cap failure as the registry would.
    pub(crate) fn provider_cap(offer_id: u64) -> Revert {
        revert(IRegistry::NotEligible {
            offerId: offer_id,
            reason: cloudless_abi::market::Ineligible::ProviderCap,
        })
    }

    /// The deployment's request, for the registry's eligibility check.
    pub fn spec(&self, deployment_id: u64) -> DeploymentSpec {
        let d = self.deployments.getter(deployment_id);
        DeploymentSpec {
            program: d.program.get(),
            artifact: d.artifact.get(),
            instances: d.instances.num(),
            minInstances: d.min_instances.num(),
            cpuMilli: d.cpu_milli.num(),
            memMiB: d.mem_mib.num(),
            regionMask: d.region_mask.get(),
            minTier: d.min_tier.num(),
            token: self.token.get(),
            maxPricePerInstanceEpoch: d.max_price.num(),
            maxPerProvider: d.max_per_provider.num(),
            durationEpochs: d.duration.num(),
        }
    }
}

// SAFETY: `Market` is always instantiated as a program's whole storage at slot 0 (see
// `contract_kit::entrypoint!`), which is what `TopLevelStorage` promises.
#[allow(unsafe_code)]
unsafe impl TopLevelStorage for Market {}

/// Appends `MarketParams` (11 words): the events' and the `params` view's encoding.
pub fn params_words(out: Output, p: &MarketParams) -> Output {
    let out = out.uint(p.feeBps.into()).uint(p.keeperFee);
    let out = out
        .uint(p.minPrepaidEpochs.into())
        .uint(p.proofWindow.into());
    let out = out.uint(p.noticeEpochs.into()).uint(p.exitPenalty);
    let out = out
        .uint(p.maxMissedEpochs.into())
        .uint(p.slashPerMissedInstanceEpoch);
    out.uint(p.graceEpochs.into())
        .uint(p.minDeposit)
        .uint(p.matchExpiryEpochs.into())
}

/// `MarketParams` (11 static words) starting at word `at`.
pub fn read_params(a: Calldata, at: usize) -> Result<MarketParams, Revert> {
    Ok(MarketParams {
        feeBps: a.u16(at)?,
        keeperFee: a.u128(at + 1)?,
        minPrepaidEpochs: a.u64(at + 2)?,
        proofWindow: a.u64(at + 3)?,
        noticeEpochs: a.u64(at + 4)?,
        exitPenalty: a.u128(at + 5)?,
        maxMissedEpochs: a.u64(at + 6)?,
        slashPerMissedInstanceEpoch: a.u128(at + 7)?,
        graceEpochs: a.u64(at + 8)?,
        minDeposit: a.u128(at + 9)?,
        matchExpiryEpochs: a.u64(at + 10)?,
    })
}
