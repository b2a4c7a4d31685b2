//! One-time initialization, two-step ownership and the pause switch, as a storage struct that
//! each contract embeds and exposes through `IGoverned`'s functions.

use alloc::{vec, vec::Vec};

use alloy_primitives::{Address, U256};
use cloudless_abi::{deployer::DEPLOYER_SLOT, market::IGoverned};

use alloy_sol_types::SolEvent;

use crate::abi::{Calldata, Output, emit, topic_address};
use stylus_sdk::{
    prelude::*,
    storage::{StorageAddress, StorageBool},
};

use crate::{Revert, revert};

/// Governance state (slot 0: owner, initialized, paused; slot 1: pending owner; slot 2: the
/// extension program).
#[storage]
pub struct Governance {
    owner: StorageAddress,
    initialized: StorageBool,
    paused: StorageBool,
    pending_owner: StorageAddress,
    extension: StorageAddress,
}

impl Governance {
    /// Marks the contract initialized with `owner`; `AlreadyInitialized` the second time,
    /// `NotDeployer` unless the program's creator sends it.
    pub fn initialize(&mut self, owner: Address) -> Result<(), Revert> {
        self.uninitialized_by_deployer()?;
        self.initialized.set(true);
        self.owner.set(owner);
        emit(
            self,
            IGoverned::OwnershipTransferred::SIGNATURE_HASH,
            &[topic_address(Address::ZERO), topic_address(owner)],
            Output::new(),
        );
        Ok(())
    }

    /// Records the extension program before `initialize` runs in it (the core's half of
    /// `initialize`); `AlreadyInitialized` afterwards, so the extension can never change, and
    /// `NotDeployer` unless the program's creator sends it.
    pub fn set_extension(&mut self, extension: Address) -> Result<(), Revert> {
        self.uninitialized_by_deployer()?;
        self.extension.set(extension);
        Ok(())
    }

    /// `AlreadyInitialized` once initialized; before, `NotDeployer` unless the sender is the
    /// account whose `CREATE` recorded itself at [`DEPLOYER_SLOT`] (so no one can initialize a
    /// freshly created program before its deployer does).
    fn uninitialized_by_deployer(&self) -> Result<(), Revert> {
        if self.initialized.get() {
            return Err(revert(IGoverned::AlreadyInitialized {}));
        }
        let caller = self.vm().msg_sender();
        let deployer = self.deployer();
        if caller != deployer || deployer.is_zero() {
            return Err(revert(IGoverned::NotDeployer { caller, deployer }));
        }
        Ok(())
    }

    /// The account that created this program (zero when its init code recorded none).
    pub fn deployer(&self) -> Address {
        let word = self
            .vm()
            .storage_load_bytes32(U256::from_be_bytes(DEPLOYER_SLOT.0));
        Address::from_word(word)
    }

    /// The extension program serving the selectors the core does not know.
    pub fn extension(&self) -> Address {
        self.extension.get()
    }

    /// `NotInitialized` before `initialize`.
    pub fn ready(&self) -> Result<(), Revert> {
        if !self.initialized.get() {
            return Err(revert(IGoverned::NotInitialized {}));
        }
        Ok(())
    }

    /// `NotOwner` unless the sender owns the contract.
    pub fn only_owner(&self) -> Result<(), Revert> {
        let caller = self.vm().msg_sender();
        let owner = self.owner.get();
        if caller != owner || !self.initialized.get() {
            return Err(revert(IGoverned::NotOwner { caller, owner }));
        }
        Ok(())
    }

    /// `ContractPaused` while paused (`NotInitialized` before set-up).
    pub fn not_paused(&self) -> Result<(), Revert> {
        self.ready()?;
        if self.paused.get() {
            return Err(revert(IGoverned::ContractPaused {}));
        }
        Ok(())
    }

    /// The owner.
    pub fn owner(&self) -> Address {
        self.owner.get()
    }

    /// The pending owner.
    pub fn pending_owner(&self) -> Address {
        self.pending_owner.get()
    }

    /// Whether paused.
    pub fn paused(&self) -> bool {
        self.paused.get()
    }

    /// Owner only: offers ownership to `new_owner` (zero withdraws the offer).
    pub fn transfer_ownership(&mut self, new_owner: Address) -> Result<(), Revert> {
        self.only_owner()?;
        self.pending_owner.set(new_owner);
        emit(
            self,
            IGoverned::OwnershipTransferStarted::SIGNATURE_HASH,
            &[topic_address(self.owner.get()), topic_address(new_owner)],
            Output::new(),
        );
        Ok(())
    }

    /// Pending owner only: takes ownership.
    pub fn accept_ownership(&mut self) -> Result<(), Revert> {
        let caller = self.vm().msg_sender();
        let pending = self.pending_owner.get();
        if caller != pending || pending.is_zero() {
            return Err(revert(IGoverned::NotPendingOwner {
                caller,
                pendingOwner: pending,
            }));
        }
        let previous = self.owner.get();
        self.owner.set(caller);
        self.pending_owner.set(Address::ZERO);
        emit(
            self,
            IGoverned::OwnershipTransferred::SIGNATURE_HASH,
            &[topic_address(previous), topic_address(caller)],
            Output::new(),
        );
        Ok(())
    }

    /// Owner only: pauses or resumes new business.
    pub fn set_paused(&mut self, paused: bool) -> Result<(), Revert> {
        self.only_owner()?;
        self.paused.set(paused);
        emit(
            self,
            IGoverned::PauseSet::SIGNATURE_HASH,
            &[],
            Output::new().bool(paused),
        );
        Ok(())
    }

    /// Serves `IGoverned`'s functions; `None` for other selectors.
    pub fn dispatch(&mut self, selector: u32, a: Calldata) -> Result<Option<Vec<u8>>, Revert> {
        crate::route!(selector, {
            IGoverned::ownerCall => Output::new().address(self.owner()).done(),
            IGoverned::pendingOwnerCall => Output::new().address(self.pending_owner()).done(),
            IGoverned::pausedCall => Output::new().bool(self.paused()).done(),
            IGoverned::extensionCall => Output::new().address(self.extension()).done(),
            IGoverned::transferOwnershipCall => {
                self.transfer_ownership(a.address(0)?)?;
                Vec::new()
            },
            IGoverned::acceptOwnershipCall => {
                self.accept_ownership()?;
                Vec::new()
            },
            IGoverned::setPausedCall => {
                self.set_paused(a.bool(0)?)?;
                Vec::new()
            },
        });
        Ok(None)
    }
}
