//! The registry's storage and logic, shared by its two programs: `registry` (the core: the
//! market's hooks and the views) and `registry-ext` (provider, stake and offer management and
//! governance), which runs on the core's storage by delegation.

#![no_std]

extern crate alloc;

use alloc::{string::String, vec, vec::Vec};

use alloy_primitives::{Address, U256};
use alloy_sol_types::SolEvent;
use cloudless_abi::{
    eligibility::{self, Standing},
    market::{
        DeploymentSpec, IGoverned, IRegistry, Ineligible, Offer, OfferField, OfferStatus,
        RegistryParams,
    },
};
use contract_kit::{
    MAX_PRICE, Revert, Small,
    abi::{Output, emit, topic, topic_address},
    add, bounded, epoch_at,
    governance::Governance,
    revert,
    text::StorageText,
    token, too_large,
};
use stylus_sdk::{
    prelude::*,
    storage::{
        StorageAddress, StorageBool, StorageMap, StorageU8, StorageU32, StorageU64, StorageU128,
        StorageU256,
    },
};

/// Most seconds an epoch may last (30 days).
const MAX_EPOCH_LENGTH: u64 = 30 * 86_400;
/// Largest `minStake` governance may set (10^9 tokens of 6 decimals).
const MAX_MIN_STAKE: u128 = 1_000_000_000_000_000;
/// Largest `unbondingEpochs`.
const MAX_EPOCHS: u128 = 1_000;

/// A provider's record (slot 0: registered, unlock epoch, fraud convictions, live instances,
/// so `consume` and `release` update the count in a slot eligibility reads anyway).
#[storage]
pub struct ProviderRecord {
    registered: StorageBool,
    unlock_epoch: StorageU64,
    frauds: StorageU32,
    live_instances: StorageU32,
    stake: StorageU256,
    unbonding: StorageU256,
    metadata: StorageText,
}

/// A worker key's binding (one slot): the provider it is bound to for good, and whether it
/// may still prove.
#[storage]
pub struct WorkerRecord {
    provider: StorageAddress,
    active: StorageBool,
}

/// An offer (slot 0: provider, cpu, memory, region, tier, status; slot 1: price, capacity,
/// in use, the epoch an eviction's pause may be lifted).
#[storage]
pub struct OfferRecord {
    provider: StorageAddress,
    cpu_milli: StorageU32,
    mem_mib: StorageU32,
    region: StorageU8,
    tier: StorageU8,
    status: StorageU8,
    price: StorageU128,
    capacity: StorageU32,
    in_use: StorageU32,
    resumable_at: StorageU64,
}

/// The registry's storage.
#[storage]
pub struct Registry {
    /// Governance (owner, pause, set-up).
    pub governance: Governance,
    token: StorageAddress,
    genesis_time: StorageU64,
    epoch_length: StorageU64,
    market: StorageAddress,
    unbonding_epochs: StorageU64,
    eviction_cooldown: StorageU64,
    fraud_penalty: StorageU128,
    min_stake: StorageU256,
    offer_count: StorageU64,
    providers: StorageMap<Address, ProviderRecord>,
    workers: StorageMap<Address, WorkerRecord>,
    offers: StorageMap<u64, OfferRecord>,
}

impl Registry {
    // ---- set-up and governance ----

    /// One-time set-up.
    pub fn initialize(
        &mut self,
        owner: Address,
        token: Address,
        genesis_time: u64,
        epoch_length: u64,
        params: RegistryParams,
    ) -> Result<(), Revert> {
        bounded(
            "epochLength",
            U256::from(epoch_length),
            1,
            MAX_EPOCH_LENGTH.into(),
        )?;
        self.governance.initialize(owner)?;
        self.token.set(token);
        self.genesis_time.set_num(genesis_time);
        self.epoch_length.set_num(epoch_length);
        self.apply_params(&params)?;
        emit(
            self,
            IRegistry::RegistryInitialized::SIGNATURE_HASH,
            &[],
            params_words(
                Output::new()
                    .address(owner)
                    .address(token)
                    .uint((genesis_time).into())
                    .uint((epoch_length).into()),
                &params,
            ),
        );
        Ok(())
    }

    /// Sets the market, once. Owner only.
    pub fn set_market(&mut self, market: Address) -> Result<(), Revert> {
        self.governance.only_owner()?;
        let current = self.market.get();
        if !current.is_zero() {
            return Err(revert(IRegistry::MarketAlreadySet { market: current }));
        }
        self.market.set(market);
        emit(
            self,
            IRegistry::MarketSet::SIGNATURE_HASH,
            &[],
            Output::new().address(market),
        );
        Ok(())
    }

    /// Sets parameters within their bounds. Owner only.
    pub fn set_params(&mut self, params: RegistryParams) -> Result<(), Revert> {
        self.governance.only_owner()?;
        self.apply_params(&params)?;
        emit(
            self,
            IRegistry::RegistryParamsSet::SIGNATURE_HASH,
            &[],
            params_words(Output::new(), &params),
        );
        Ok(())
    }

    /// The parameters.
    pub fn params(&self) -> RegistryParams {
        RegistryParams {
            minStake: self.min_stake.get(),
            unbondingEpochs: self.unbonding_epochs.num(),
            evictionCooldownEpochs: self.eviction_cooldown.num(),
            fraudPenalty: self.fraud_penalty.num(),
        }
    }

    /// The token.
    pub fn token(&self) -> Address {
        self.token.get()
    }

    /// The market.
    pub fn market(&self) -> Address {
        self.market.get()
    }

    /// Epoch 0's start.
    pub fn genesis_time(&self) -> u64 {
        self.genesis_time.num()
    }

    /// Seconds per epoch.
    pub fn epoch_length(&self) -> u64 {
        self.epoch_length.num()
    }

    /// The current epoch.
    pub fn current_epoch(&self) -> u64 {
        epoch_at(
            self.vm().block_timestamp(),
            self.genesis_time.num(),
            self.epoch_length.num(),
        )
    }

    // ---- providers ----

    /// Registers the sender.
    pub fn register_provider(&mut self, metadata_uri: String) -> Result<(), Revert> {
        self.governance.ready()?;
        let provider = self.vm().msg_sender();
        let mut record = self.providers.setter(provider);
        if record.registered.get() {
            return Err(revert(IRegistry::AlreadyRegistered { provider }));
        }
        record.registered.set(true);
        record.metadata.set(&metadata_uri);
        emit(
            self,
            IRegistry::ProviderRegistered::SIGNATURE_HASH,
            &[topic_address(provider)],
            Output::string(&metadata_uri),
        );
        Ok(())
    }

    /// Changes the sender's metadata.
    pub fn update_provider(&mut self, metadata_uri: String) -> Result<(), Revert> {
        let provider = self.registered_sender()?;
        self.providers.setter(provider).metadata.set(&metadata_uri);
        emit(
            self,
            IRegistry::ProviderUpdated::SIGNATURE_HASH,
            &[topic_address(provider)],
            Output::string(&metadata_uri),
        );
        Ok(())
    }

    /// `(registered, stake, unbonding, unlockEpoch)`.
    pub fn provider(&self, provider: Address) -> (bool, U256, U256, u64) {
        let record = self.providers.getter(provider);
        (
            record.registered.get(),
            record.stake.get(),
            record.unbonding.get(),
            record.unlock_epoch.num(),
        )
    }

    /// The provider's metadata URI.
    pub fn provider_metadata(&self, provider: Address) -> String {
        self.providers.getter(provider).metadata.get()
    }

    /// Lets `worker` prove for the sender: binds a new key for good, or re-activates one the
    /// sender removed. A key bound to another provider is `WorkerTaken`, even after removal, so
    /// receipts it signed stay attributable. The sender may name itself (one key for both);
    /// adding its active key again changes nothing but logs `WorkerAdded` again.
    pub fn add_worker(&mut self, worker: Address) -> Result<(), Revert> {
        let provider = self.registered_sender()?;
        let mut record = self.workers.setter(worker);
        let bound = record.provider.get();
        if !bound.is_zero() && bound != provider {
            return Err(revert(IRegistry::WorkerTaken {
                worker,
                provider: bound,
            }));
        }
        record.provider.set(provider);
        record.active.set(true);
        emit(
            self,
            IRegistry::WorkerAdded::SIGNATURE_HASH,
            &[topic_address(provider), topic_address(worker)],
            Output::new(),
        );
        Ok(())
    }

    /// Revokes `worker`: it can no longer prove, but stays bound to the sender.
    pub fn remove_worker(&mut self, worker: Address) -> Result<(), Revert> {
        let provider = self.vm().msg_sender();
        let mut record = self.workers.setter(worker);
        if record.provider.get() != provider || !record.active.get() {
            return Err(revert(IRegistry::NotWorkerOf { worker, provider }));
        }
        record.active.set(false);
        emit(
            self,
            IRegistry::WorkerRemoved::SIGNATURE_HASH,
            &[topic_address(provider), topic_address(worker)],
            Output::new(),
        );
        Ok(())
    }

    /// The provider `worker` may prove for (zero when none or removed).
    pub fn worker_provider(&self, worker: Address) -> Address {
        match self.worker_of(worker) {
            (provider, true) => provider,
            _ => Address::ZERO,
        }
    }

    /// The provider `worker` is bound to for good (zero when never added), and whether it is
    /// active.
    pub fn worker_of(&self, worker: Address) -> (Address, bool) {
        let record = self.workers.getter(worker);
        (record.provider.get(), record.active.get())
    }

    /// Times the court convicted `provider` of fraud.
    pub fn frauds(&self, provider: Address) -> u32 {
        self.providers.getter(provider).frauds.num()
    }

    /// Instances `provider` has in live placements.
    pub fn live_instances(&self, provider: Address) -> u32 {
        self.providers.getter(provider).live_instances.num()
    }

    // ---- stake ----

    /// Adds `amount` to the sender's stake.
    pub fn stake(&mut self, amount: U256) -> Result<(), Revert> {
        let provider = self.stake_credit(amount)?;
        let token = self.token.get();
        token::pull(self, token, provider, amount)
    }

    /// `stake` with an EIP-2612 permit.
    pub fn stake_with_permit(&mut self, amount: U256, permit: token::Permit) -> Result<(), Revert> {
        let provider = self.stake_credit(amount)?;
        let token = self.token.get();
        token::pull_with_permit(self, token, provider, amount, permit)
    }

    /// Moves `amount` of the sender's stake to unbonding.
    pub fn request_unstake(&mut self, amount: U256) -> Result<(), Revert> {
        let provider = self.registered_sender()?;
        if amount.is_zero() {
            return Err(revert(IGoverned::ZeroAmount {}));
        }
        let unlock = self.current_epoch() + self.unbonding_epochs.num();
        let mut record = self.providers.setter(provider);
        let have = record.stake.get();
        if have < amount {
            return Err(revert(IRegistry::InsufficientStake {
                provider,
                have,
                want: amount,
            }));
        }
        let stake = have - amount;
        // What a fraud on every live instance would slash must stay staked.
        let exposed =
            U256::from(self.fraud_penalty.num()) * U256::from(record.live_instances.num());
        if stake < exposed {
            return Err(revert(IRegistry::StakeExposed {
                provider,
                remaining: stake,
                exposed,
            }));
        }
        let unbonding = add(record.unbonding.get(), amount)?;
        record.stake.set(stake);
        record.unbonding.set(unbonding);
        record.unlock_epoch.set_num(unlock);
        emit(
            self,
            IRegistry::UnstakeRequested::SIGNATURE_HASH,
            &[topic_address(provider)],
            Output::new()
                .u256(amount)
                .u256(stake)
                .u256(unbonding)
                .uint((unlock).into()),
        );
        Ok(())
    }

    /// Withdraws the sender's unbonded stake once unlocked.
    pub fn withdraw_stake(&mut self) -> Result<(), Revert> {
        let provider = self.vm().msg_sender();
        let current = self.current_epoch();
        let mut record = self.providers.setter(provider);
        let amount = record.unbonding.get();
        if amount.is_zero() {
            return Err(revert(IRegistry::NothingToWithdraw { account: provider }));
        }
        let unlock = record.unlock_epoch.num();
        if current < unlock {
            return Err(revert(IRegistry::StillUnbonding {
                provider,
                unlockEpoch: unlock,
                currentEpoch: current,
            }));
        }
        record.unbonding.set(U256::ZERO);
        emit(
            self,
            IRegistry::StakeWithdrawn::SIGNATURE_HASH,
            &[topic_address(provider)],
            Output::new().u256(amount),
        );
        let token = self.token.get();
        token::push(self, token, provider, amount)
    }

    // ---- offers ----

    /// Creates an offer from the sender.
    #[allow(clippy::too_many_arguments)]
    pub fn create_offer(
        &mut self,
        cpu_milli: u32,
        mem_mib: u32,
        region: u8,
        tier: u8,
        token: Address,
        price: u128,
        capacity: u32,
    ) -> Result<u64, Revert> {
        self.governance.not_paused()?;
        let provider = self.registered_sender()?;
        let invalid = [
            (cpu_milli == 0, OfferField::Cpu),
            (mem_mib == 0, OfferField::Memory),
            (price == 0 || price > MAX_PRICE, OfferField::Price),
            (capacity == 0, OfferField::Capacity),
            (token != self.token.get(), OfferField::PaymentToken),
        ];
        if let Some((_, field)) = invalid.into_iter().find(|(bad, _)| *bad) {
            return Err(revert(IRegistry::InvalidOffer { field }));
        }
        let id = self.offer_count.num() + 1;
        self.offer_count.set_num(id);
        let mut offer = self.offers.setter(id);
        offer.provider.set(provider);
        offer.cpu_milli.set_num(cpu_milli);
        offer.mem_mib.set_num(mem_mib);
        offer.region.set_num(region);
        offer.tier.set_num(tier);
        offer.price.set_num(price);
        offer.capacity.set_num(capacity);
        emit(
            self,
            IRegistry::OfferCreated::SIGNATURE_HASH,
            &[topic((id).into()), topic_address(provider)],
            Output::new()
                .uint((cpu_milli).into())
                .uint((mem_mib).into())
                .uint((region).into())
                .uint((tier).into())
                .address(token)
                .uint(price)
                .uint((capacity).into()),
        );
        Ok(id)
    }

    /// Sets an offer's price (future placements) and capacity (never below in use).
    pub fn update_offer(
        &mut self,
        offer_id: u64,
        price: u128,
        capacity: u32,
    ) -> Result<(), Revert> {
        self.own_open_offer(offer_id)?;
        if price == 0 || price > MAX_PRICE {
            return Err(revert(IRegistry::InvalidOffer {
                field: OfferField::Price,
            }));
        }
        let mut offer = self.offers.setter(offer_id);
        let in_use = offer.in_use.num();
        if capacity < in_use || capacity == 0 {
            return Err(revert(IRegistry::CapacityBelowUse {
                offerId: offer_id,
                inUse: in_use,
                capacity,
            }));
        }
        offer.price.set_num(price);
        offer.capacity.set_num(capacity);
        emit(
            self,
            IRegistry::OfferUpdated::SIGNATURE_HASH,
            &[topic((offer_id).into())],
            Output::new().uint(price).uint((capacity).into()),
        );
        Ok(())
    }

    /// Pauses or resumes an offer.
    pub fn set_offer_paused(&mut self, offer_id: u64, paused: bool) -> Result<(), Revert> {
        self.own_open_offer(offer_id)?;
        let resumable_at = self.offers.getter(offer_id).resumable_at.num();
        if !paused && self.current_epoch() < resumable_at {
            return Err(revert(IRegistry::OfferCoolingDown {
                offerId: offer_id,
                resumableAt: resumable_at,
            }));
        }
        let status = if paused {
            OfferStatus::Paused
        } else {
            OfferStatus::Open
        };
        self.set_status(offer_id, status);
        Ok(())
    }

    /// Closes an offer for good.
    pub fn close_offer(&mut self, offer_id: u64) -> Result<(), Revert> {
        self.own_open_offer(offer_id)?;
        self.set_status(offer_id, OfferStatus::Closed);
        Ok(())
    }

    /// Offers created so far.
    pub fn offer_count(&self) -> u64 {
        self.offer_count.num()
    }

    // ---- market hooks ----

    /// Market only: checks eligibility (but the provider cap) and takes capacity; returns
    /// `(provider, price)`.
    pub fn consume(
        &mut self,
        offer_id: u64,
        instances: u32,
        spec: DeploymentSpec,
    ) -> Result<(Address, u128), Revert> {
        self.only_market()?;
        // The market checks the provider cap, last in order, once it knows the provider.
        let offer = self
            .check(offer_id, instances, 0, spec)?
            .map_err(|reason| {
                revert(IRegistry::NotEligible {
                    offerId: offer_id,
                    reason,
                })
            })?;
        // Checked: ~4·10⁹ live instances is out of reach, but a wrapped count would free stake.
        let mut record = self.providers.setter(offer.provider);
        let live = record.live_instances.num().checked_add(instances);
        record.live_instances.set_num(live.ok_or_else(too_large)?);
        self.set_in_use(offer_id, offer.inUse + instances);
        Ok((offer.provider, offer.pricePerInstanceEpoch))
    }

    /// Market only: returns capacity, to the offer and to its provider's live instances.
    pub fn release(&mut self, offer_id: u64, instances: u32) -> Result<(), Revert> {
        self.only_market()?;
        let offer = self.offers.getter(offer_id);
        let (provider, in_use) = (offer.provider.get(), offer.in_use.num());
        // The market releases what it consumed, so neither count goes below zero; saturation
        // only guards the arithmetic.
        let released = instances.min(in_use);
        let mut record = self.providers.setter(provider);
        let live = record.live_instances.num();
        record.live_instances.set_num(live.saturating_sub(released));
        self.set_in_use(offer_id, in_use - released);
        Ok(())
    }

    /// Market only: counts a fraud conviction of `provider`; returns its convictions.
    pub fn record_fraud(&mut self, provider: Address) -> Result<u32, Revert> {
        self.only_market()?;
        let mut record = self.providers.setter(provider);
        let frauds = record.frauds.num().saturating_add(1);
        record.frauds.set_num(frauds);
        emit(
            self,
            IRegistry::FraudRecorded::SIGNATURE_HASH,
            &[topic_address(provider)],
            Output::new().uint(frauds.into()),
        );
        Ok(frauds)
    }

    /// Market only: moves up to `amount` of stake (then unbonding) to the market and pauses
    /// `offer_id` for `evictionCooldownEpochs` when it is an offer of `provider` that is not
    /// closed (0 names none); returns what was taken.
    pub fn slash(
        &mut self,
        provider: Address,
        amount: U256,
        offer_id: u64,
    ) -> Result<U256, Revert> {
        let market = self.only_market()?;
        let mut record = self.providers.setter(provider);
        let (stake, unbonding) = (record.stake.get(), record.unbonding.get());
        let from_stake = amount.min(stake);
        let from_unbonding = (amount - from_stake).min(unbonding);
        let (stake, unbonding) = (stake - from_stake, unbonding - from_unbonding);
        record.stake.set(stake);
        record.unbonding.set(unbonding);
        let taken = from_stake + from_unbonding;
        emit(
            self,
            IRegistry::Slashed::SIGNATURE_HASH,
            &[topic_address(provider)],
            Output::new().u256(taken).u256(stake).u256(unbonding),
        );
        // Offer 0 (never created) means "none": only an offer of this provider pauses, so no
        // event ever names an offer that does not exist. One the provider paused itself just
        // before gets the cooldown too.
        let offer = self.offers.getter(offer_id);
        let status = offer.status.num();
        if offer.provider.get() == provider && status != OfferStatus::Closed as u8 {
            let resumable_at = self.current_epoch() + self.eviction_cooldown.num();
            self.offers
                .setter(offer_id)
                .resumable_at
                .set_num(resumable_at);
            if status == OfferStatus::Open as u8 {
                self.set_status(offer_id, OfferStatus::Paused);
            }
        }
        if !taken.is_zero() {
            let token = self.token.get();
            token::push(self, token, market, taken)?;
        }
        Ok(taken)
    }
}

impl Registry {
    fn apply_params(&mut self, p: &RegistryParams) -> Result<(), Revert> {
        bounded("minStake", p.minStake, 0, MAX_MIN_STAKE)?;
        bounded(
            "unbondingEpochs",
            U256::from(p.unbondingEpochs),
            1,
            MAX_EPOCHS,
        )?;
        bounded(
            "evictionCooldownEpochs",
            U256::from(p.evictionCooldownEpochs),
            0,
            MAX_EPOCHS,
        )?;
        self.min_stake.set(p.minStake);
        self.unbonding_epochs.set_num(p.unbondingEpochs);
        bounded("fraudPenalty", U256::from(p.fraudPenalty), 0, MAX_MIN_STAKE)?;
        self.eviction_cooldown.set_num(p.evictionCooldownEpochs);
        self.fraud_penalty.set_num(p.fraudPenalty);
        Ok(())
    }

    /// The sender, when registered.
    fn registered_sender(&self) -> Result<Address, Revert> {
        let account = self.vm().msg_sender();
        if !self.providers.getter(account).registered.get() {
            return Err(revert(IRegistry::NotRegistered { account }));
        }
        Ok(account)
    }

    /// Credits `amount` to the sender's stake and logs it (the tokens are pulled next).
    fn stake_credit(&mut self, amount: U256) -> Result<Address, Revert> {
        let provider = self.registered_sender()?;
        if amount.is_zero() {
            return Err(revert(IGoverned::ZeroAmount {}));
        }
        let mut record = self.providers.setter(provider);
        let stake = add(record.stake.get(), amount)?;
        record.stake.set(stake);
        emit(
            self,
            IRegistry::Staked::SIGNATURE_HASH,
            &[topic_address(provider)],
            Output::new().u256(amount).u256(stake),
        );
        Ok(provider)
    }

    /// The offer, or `UnknownOffer`.
    pub fn load_offer(&self, offer_id: u64) -> Result<Offer, Revert> {
        let offer = self.offers.getter(offer_id);
        let provider = offer.provider.get();
        if provider.is_zero() {
            return Err(revert(IRegistry::UnknownOffer { offerId: offer_id }));
        }
        Ok(Offer {
            provider,
            cpuMilli: offer.cpu_milli.num(),
            memMiB: offer.mem_mib.num(),
            region: offer.region.num(),
            tier: offer.tier.num(),
            token: self.token.get(),
            pricePerInstanceEpoch: offer.price.num(),
            capacity: offer.capacity.num(),
            inUse: offer.in_use.num(),
            status: OfferStatus::try_from(offer.status.num()).unwrap_or(OfferStatus::Closed),
        })
    }

    /// The offer when the sender is its provider and it is not closed.
    fn own_open_offer(&self, offer_id: u64) -> Result<(), Revert> {
        let offer = self.load_offer(offer_id)?;
        let caller = self.vm().msg_sender();
        if offer.provider != caller {
            return Err(revert(IRegistry::NotOfferProvider {
                offerId: offer_id,
                caller,
            }));
        }
        if offer.status == OfferStatus::Closed {
            return Err(revert(IRegistry::OfferIsClosed { offerId: offer_id }));
        }
        Ok(())
    }

    fn set_status(&mut self, offer_id: u64, status: OfferStatus) {
        self.offers.setter(offer_id).status.set_num(status as u8);
        emit(
            self,
            IRegistry::OfferStatusChanged::SIGNATURE_HASH,
            &[topic((offer_id).into())],
            Output::new().uint(status as u128),
        );
    }

    fn set_in_use(&mut self, offer_id: u64, in_use: u32) {
        self.offers.setter(offer_id).in_use.set_num(in_use);
        emit(
            self,
            IRegistry::OfferUsage::SIGNATURE_HASH,
            &[topic((offer_id).into())],
            Output::new().uint((in_use).into()),
        );
    }

    /// The market's address when it is the sender.
    fn only_market(&self) -> Result<Address, Revert> {
        let caller = self.vm().msg_sender();
        let market = self.market.get();
        if caller != market || market.is_zero() {
            return Err(revert(IRegistry::NotMarket { caller }));
        }
        Ok(market)
    }

    /// The offer, and whether it can take `instances` of `spec` from a provider already
    /// holding `provider_instances`.
    pub fn check(
        &self,
        offer_id: u64,
        instances: u32,
        provider_instances: u32,
        spec: DeploymentSpec,
    ) -> Result<Result<Offer, Ineligible>, Revert> {
        let offer = self.load_offer(offer_id)?;
        let standing = Standing {
            stake: self.providers.getter(offer.provider).stake.get(),
            frauds: self.providers.getter(offer.provider).frauds.num(),
        };
        let verdict = eligibility::check(
            &offer,
            standing,
            self.min_stake.get(),
            instances,
            provider_instances,
            &spec,
            self.token.get(),
        );
        Ok(verdict.map(|()| offer))
    }
}

// SAFETY: `Registry` is always instantiated as a program's whole storage at slot 0 (see
// `contract_kit::entrypoint!`), which is what `TopLevelStorage` promises.
#[allow(unsafe_code)]
unsafe impl TopLevelStorage for Registry {}

/// Appends `RegistryParams` (4 words).
pub fn params_words(out: Output, p: &RegistryParams) -> Output {
    out.u256(p.minStake)
        .uint(p.unbondingEpochs.into())
        .uint(p.evictionCooldownEpochs.into())
        .uint(p.fraudPenalty)
}
