//! The court (protocol v2): disputes about signed receipts and proven epochs, settled by
//! Merkle paths and by re-executing the deployment's function, and the fraud that ends a
//! placement. Every function touches a fixed set of slots.

use alloc::{vec, vec::Vec};

use alloy_primitives::{Address, B256, U256, keccak256};
use alloy_sol_types::SolEvent;
use cloudless_abi::{
    court::{CourtParams, DisputeKind, DisputeStatus, ICourt, Receipt},
    market::IMarket,
    merkle, receipt,
};
use contract_kit::{
    Revert, Small,
    abi::{Calldata, Output, emit, topic},
    add, bounded, revert, token,
};
use stylus_sdk::{
    call::static_call,
    prelude::*,
    storage::{
        StorageAddress, StorageB256, StorageGuard, StorageU8, StorageU32, StorageU64, StorageU128,
    },
};

use crate::{
    billing::EndReason,
    contract::{Market, PlacementRecord},
    held::{self, HeldSlots},
};

/// The ecrecover precompile.
const ECRECOVER: Address = Address::with_last_byte(1);
/// Half the secp256k1 group order: signatures with a higher `s` are malleable copies (EIP-2).
const HALF_ORDER: U256 = U256::from_be_slice(&[
    0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0x5d, 0x57, 0x6e, 0x73, 0x57, 0xa4, 0x50, 0x1d, 0xdf, 0xe9, 0x2f, 0x46, 0x68, 0x1b, 0x20, 0xa0,
]);
/// Largest bond governance may set (10^9 tokens of 6 decimals).
const MAX_BOND: u128 = 1_000_000_000_000_000;
/// Bounds of `refereeGas`.
const MIN_REFEREE_GAS: u128 = 100_000;
const MAX_REFEREE_GAS: u128 = 100_000_000;

/// A dispute (slot 0: kind, status, placement, epoch, deadline, count; slot 1: challenger,
/// index; slot 2: bond; slots 3–4: root and leaf).
#[storage]
pub struct DisputeRecord {
    kind: StorageU8,
    status: StorageU8,
    placement: StorageU64,
    epoch: StorageU64,
    deadline: StorageU64,
    count: StorageU32,
    challenger: StorageAddress,
    index: StorageU64,
    bond: StorageU128,
    root: StorageB256,
    leaf: StorageB256,
}

/// A proven epoch, checked against its batch's commitment.
struct Proven {
    placement: u64,
    epoch: u64,
    root: B256,
    count: u32,
}

impl Market {
    // ---- parameters ----

    /// The court's parameters.
    pub fn court_params(&self) -> CourtParams {
        CourtParams {
            disputeWindow: self.dispute_window.num(),
            responseWindow: self.response_window.num(),
            bond: self.bond.num(),
            challengerRewardBps: self.reward_bps.num(),
            refereeGas: self.referee_gas.num(),
        }
    }

    /// Sets the court's parameters within their bounds. Owner only.
    pub fn set_court_params(&mut self, p: CourtParams) -> Result<(), Revert> {
        self.governance.only_owner()?;
        bounded("disputeWindow", U256::from(p.disputeWindow), 1, 1_000)?;
        bounded("responseWindow", U256::from(p.responseWindow), 1, 1_000)?;
        bounded("bond", U256::from(p.bond), 0, MAX_BOND)?;
        bounded(
            "challengerRewardBps",
            U256::from(p.challengerRewardBps),
            0,
            10_000,
        )?;
        let gas = U256::from(p.refereeGas);
        bounded("refereeGas", gas, MIN_REFEREE_GAS, MAX_REFEREE_GAS)?;
        self.dispute_window.set_num(p.disputeWindow);
        self.response_window.set_num(p.responseWindow);
        self.bond.set_num(p.bond);
        self.reward_bps.set_num(p.challengerRewardBps);
        self.referee_gas.set_num(p.refereeGas);
        emit(
            self,
            ICourt::CourtParamsSet::SIGNATURE_HASH,
            &[],
            court_params_words(Output::new(), &p),
        );
        Ok(())
    }

    /// The EIP-712 digest of `receipt` for this market.
    pub fn receipt_digest(&self, r: &Receipt) -> B256 {
        let separator =
            receipt::domain_separator(self.vm().chain_id(), self.vm().contract_address());
        receipt::digest(separator, r)
    }

    // ---- disputes ----

    /// `disputeResult`: re-executes the function on `request`; a different response is fraud.
    pub fn dispute_result(
        &mut self,
        r: Receipt,
        signature: &[u8],
        request: &[u8],
    ) -> Result<(), Revert> {
        self.signed_by_worker(&r, signature)?;
        let closes = r
            .epoch
            .saturating_add(self.proof_window.num())
            .saturating_add(self.dispute_window.num());
        self.within(r.placementId, r.epoch, closes)?;
        let response = self.referee(r.placementId, &r, request)?;
        if response == r.responseHash {
            return Err(revert(ICourt::ResultCorrect {
                responseHash: response,
            }));
        }
        let challenger = self.vm().msg_sender();
        self.convict(r.placementId, 0, DisputeKind::Result, challenger, 0)
    }

    /// `disputeInclusion`: a signed receipt claimed missing from its proven epoch.
    pub fn dispute_inclusion(
        &mut self,
        r: Receipt,
        signature: &[u8],
        proof: Calldata,
    ) -> Result<u64, Revert> {
        let proven = self.proven(proof)?;
        if (proven.placement, proven.epoch) != (r.placementId, r.epoch) {
            return Err(mismatch(r.placementId, r.epoch, r.seq));
        }
        self.signed_by_worker(&r, signature)?;
        let leaf = self.receipt_digest(&r);
        let id = self.open(DisputeKind::Inclusion, &proven, r.seq, leaf)?;
        if u64::from(proven.count) <= r.seq {
            let challenger = self.vm().msg_sender();
            let bond = self.disputes.getter(id).bond.num();
            self.convict(r.placementId, id, DisputeKind::Inclusion, challenger, bond)?;
        }
        Ok(id)
    }

    /// `answerInclusion`: the disputed receipt's path in its epoch's root.
    pub fn answer_inclusion(&mut self, id: u64, path: &[B256]) -> Result<(), Revert> {
        let (index, count, root, leaf) = self.answerable(id, DisputeKind::Inclusion)?;
        if merkle::root_from_path(leaf, index, count, path) != Some(root) {
            return Err(revert(ICourt::WrongPath { disputeId: id }));
        }
        self.dismiss(id)
    }

    /// `challengeSample`: asks for leaf `index` of a proven epoch.
    pub fn challenge_sample(&mut self, proof: Calldata, index: u64) -> Result<u64, Revert> {
        let proven = self.proven(proof)?;
        if index >= u64::from(proven.count) {
            return Err(revert(ICourt::IndexOutOfRange {
                index,
                count: proven.count,
            }));
        }
        self.open(DisputeKind::Sample, &proven, index, B256::ZERO)
    }

    /// `answerSample`: the sampled leaf's receipt, signature, request and path; a wrong
    /// response is fraud.
    pub fn answer_sample(
        &mut self,
        id: u64,
        r: Receipt,
        signature: &[u8],
        request: &[u8],
        path: &[B256],
    ) -> Result<(), Revert> {
        let (index, count, root, _) = self.answerable(id, DisputeKind::Sample)?;
        let d = self.disputes.getter(id);
        let placement = d.placement.num();
        if (r.placementId, r.epoch, r.seq) != (placement, d.epoch.num(), index) {
            return Err(mismatch(r.placementId, r.epoch, r.seq));
        }
        if merkle::root_from_path(self.receipt_digest(&r), index, count, path) != Some(root) {
            return Err(revert(ICourt::WrongPath { disputeId: id }));
        }
        self.signed_by_worker(&r, signature)?;
        if self.referee(placement, &r, request)? == r.responseHash {
            return self.dismiss(id);
        }
        let d = self.disputes.getter(id);
        let (challenger, bond) = (d.challenger.get(), d.bond.num());
        self.convict(placement, id, DisputeKind::Sample, challenger, bond)
    }

    /// `resolve`: convicts the provider of a dispute left unanswered past its deadline.
    pub fn resolve(&mut self, id: u64) -> Result<(), Revert> {
        let d = self.open_dispute(id)?;
        let deadline = d.deadline.num();
        if self.epoch() <= deadline {
            return Err(revert(ICourt::DeadlineNotReached {
                disputeId: id,
                deadline,
            }));
        }
        let (placement, challenger, bond) = (d.placement.num(), d.challenger.get(), d.bond.num());
        let kind = bonded_kind(d.kind.num());
        self.convict(placement, id, kind, challenger, bond)
    }

    /// The dispute's ABI words (`Dispute`).
    pub fn dispute_words(&self, id: u64) -> Result<Vec<u8>, Revert> {
        self.existing_dispute(id)?;
        let d = self.disputes.getter(id);
        let out = Output::new()
            .uint(d.kind.num().into())
            .uint(d.status.num().into());
        let out = out
            .uint(d.placement.num().into())
            .uint(d.epoch.num().into());
        let out = out.uint(d.index.num().into()).uint(d.count.num().into());
        let out = out.address(d.challenger.get()).uint(d.bond.num());
        let out = out.uint(d.deadline.num().into()).b256(d.root.get());
        Ok(out.b256(d.leaf.get()).done())
    }

    /// Disputes opened so far.
    pub fn dispute_count(&self) -> u64 {
        self.dispute_count.num()
    }

    // ---- the steps ----

    /// The proven epoch `proof` (a `ProofRef`) names, checked against its batch's commitment.
    fn proven(&self, proof: Calldata) -> Result<Proven, Revert> {
        let (placement, epoch, root, count) =
            (proof.u64(0)?, proof.u64(1)?, proof.b256(2)?, proof.u32(3)?);
        let (batch, proven_at, size, position) =
            (proof.u64(4)?, proof.u64(5)?, proof.u32(6)?, proof.u32(7)?);
        let leaf = merkle::proof_leaf(placement, epoch, root, count);
        let path = proof.b256s(8)?;
        let batch_root = merkle::root_from_path(leaf, position.into(), size.into(), &path);
        let commitment = batch_root.map(|r| merkle::batch_commitment(r, size, proven_at));
        if commitment != Some(self.batches.get(batch)) || commitment == Some(B256::ZERO) {
            return Err(revert(ICourt::InvalidProofRef { batch }));
        }
        let closes = proven_at.saturating_add(self.dispute_window.num());
        self.within(placement, epoch, closes)?;
        Ok(Proven {
            placement,
            epoch,
            root,
            count,
        })
    }

    /// `DisputeWindowClosed` once the current epoch is past `closes`.
    fn within(&self, placement: u64, epoch: u64, closes: u64) -> Result<(), Revert> {
        if self.epoch() > closes {
            return Err(revert(ICourt::DisputeWindowClosed {
                placementId: placement,
                epoch,
                closedAt: closes,
            }));
        }
        Ok(())
    }

    /// Opens a bonded dispute about leaf `index` of `proven` (pulls the bond).
    fn open(
        &mut self,
        kind: DisputeKind,
        proven: &Proven,
        index: u64,
        leaf: B256,
    ) -> Result<u64, Revert> {
        let challenger = self.vm().msg_sender();
        let bond = self.bond.num();
        let deadline = self.epoch() + self.response_window.num();
        let id = self.dispute_count.num() + 1;
        self.dispute_count.set_num(id);
        let mut d = self.disputes.setter(id);
        d.kind.set_num(kind as u8);
        d.status.set_num(DisputeStatus::Open as u8);
        d.placement.set_num(proven.placement);
        d.epoch.set_num(proven.epoch);
        d.deadline.set_num(deadline);
        d.count.set_num(proven.count);
        d.challenger.set(challenger);
        d.index.set_num(index);
        d.bond.set_num(bond);
        d.root.set(proven.root);
        d.leaf.set(leaf);
        let bonds = add(self.bonds.get(), U256::from(bond))?;
        self.bonds.set(bonds);
        emit(
            self,
            ICourt::DisputeOpened::SIGNATURE_HASH,
            &[topic(id.into()), topic(proven.placement.into())],
            Output::new()
                .uint(kind as u128)
                .uint(proven.epoch.into())
                .uint(index.into())
                .address(challenger)
                .uint(bond)
                .uint(deadline.into()),
        );
        if bond != 0 {
            let token = self.token.get();
            token::pull(self, token, challenger, U256::from(bond))?;
        }
        Ok(id)
    }

    /// An open dispute.
    fn open_dispute(&self, id: u64) -> Result<StorageGuard<'_, DisputeRecord>, Revert> {
        self.existing_dispute(id)?;
        let d = self.disputes.getter(id);
        let status = d.status.num();
        if status != DisputeStatus::Open as u8 {
            let status = if status == DisputeStatus::Fraud as u8 {
                DisputeStatus::Fraud
            } else {
                DisputeStatus::Answered
            };
            return Err(revert(ICourt::DisputeClosed {
                disputeId: id,
                status,
            }));
        }
        Ok(d)
    }

    fn existing_dispute(&self, id: u64) -> Result<(), Revert> {
        if id == 0 || id > self.dispute_count.num() {
            return Err(revert(ICourt::UnknownDispute { disputeId: id }));
        }
        Ok(())
    }

    /// An open dispute of `kind` still answerable: its `(index, count, root, leaf)`.
    fn answerable(&self, id: u64, kind: DisputeKind) -> Result<(u64, u64, B256, B256), Revert> {
        let d = self.open_dispute(id)?;
        let deadline = d.deadline.num();
        if d.kind.num() != kind as u8 {
            return Err(revert(ICourt::WrongDisputeKind {
                disputeId: id,
                kind: bonded_kind(d.kind.num()),
            }));
        }
        if self.epoch() > deadline {
            return Err(revert(ICourt::AnswerTooLate {
                disputeId: id,
                deadline,
            }));
        }
        Ok((
            d.index.num(),
            d.count.num().into(),
            d.root.get(),
            d.leaf.get(),
        ))
    }

    /// A right answer: the bond goes to the provider, the dispute closes.
    fn dismiss(&mut self, id: u64) -> Result<(), Revert> {
        let d = self.disputes.getter(id);
        let (placement, bond) = (d.placement.num(), U256::from(d.bond.num()));
        let provider = self.placements.getter(placement).provider.get();
        self.disputes
            .setter(id)
            .status
            .set_num(DisputeStatus::Answered as u8);
        self.bonds.set(self.bonds.get() - bond);
        let claimable = add(self.claimable.get(provider), bond)?;
        self.claimable.insert(provider, claimable);
        emit(
            self,
            ICourt::DisputeAnswered::SIGNATURE_HASH,
            &[topic(id.into()), topic(placement.into())],
            Output::new().address(provider).u256(bond),
        );
        Ok(())
    }

    /// The placement's provider, when a worker key bound to it (or the provider itself) signed
    /// `r` with the 65-byte `signature`.
    fn signed_by_worker(&self, r: &Receipt, signature: &[u8]) -> Result<Address, Revert> {
        let provider = self.placements.getter(r.placementId).provider.get();
        if provider.is_zero() {
            return Err(revert(IMarket::UnknownPlacement {
                placementId: r.placementId,
            }));
        }
        let signer = self.recover(self.receipt_digest(r), signature)?;
        if signer != provider && self.bound_provider(signer)? != provider {
            return Err(revert(ICourt::SignerNotWorker { signer, provider }));
        }
        Ok(provider)
    }

    /// The signer of `digest` (`BadSignature` unless 65 bytes `r ‖ s ‖ v` with a low `s`).
    fn recover(&self, digest: B256, signature: &[u8]) -> Result<Address, Revert> {
        let bad = || revert(ICourt::BadSignature {});
        if signature.len() != 65 {
            return Err(bad());
        }
        let v = match signature[64] {
            v @ (27 | 28) => v,
            v @ (0 | 1) => v + 27,
            _ => return Err(bad()),
        };
        if U256::from_be_slice(&signature[32..64]) > HALF_ORDER {
            return Err(bad());
        }
        let mut input = [0u8; 128];
        input[..32].copy_from_slice(digest.as_slice());
        input[63] = v;
        input[64..].copy_from_slice(&signature[..64]);
        let out = static_call(self.vm(), Call::new(), ECRECOVER, &input).map_err(|_| bad())?;
        match out.get(12..32) {
            Some(address) if out.len() == 32 => Ok(Address::from_slice(address)),
            _ => Err(bad()),
        }
    }

    /// Runs the placement's function on `request` (which must hash to the receipt's
    /// `requestHash`) with `refereeGas`; returns `keccak256(response)`.
    fn referee(&self, placement: u64, r: &Receipt, request: &[u8]) -> Result<B256, Revert> {
        let actual = keccak256(request);
        if actual != r.requestHash {
            return Err(revert(ICourt::RequestMismatch {
                requestHash: r.requestHash,
                actual,
            }));
        }
        let deployment = self.placements.getter(placement).deployment.num();
        let program = self.deployments.getter(deployment).program.get();
        let gas = Call::new().gas(self.referee_gas.num());
        match static_call(self.vm(), gas, program, request) {
            Ok(response) => Ok(keccak256(response)),
            Err(_) => Err(revert(ICourt::NotRefereeable { program })),
        }
    }

    /// Fraud: ends the placement now, returns its held pay to the deployment, slashes the
    /// provider (a share to the challenger, the rest to the deployment), returns the bond and
    /// counts the conviction.
    fn convict(
        &mut self,
        placement: u64,
        dispute: u64,
        kind: DisputeKind,
        challenger: Address,
        bond: u128,
    ) -> Result<(), Revert> {
        if dispute != 0 {
            self.disputes
                .setter(dispute)
                .status
                .set_num(DisputeStatus::Fraud as u8);
        }
        let p: StorageGuard<'_, PlacementRecord> = self.placements.getter(placement);
        let (deployment, offer) = (p.deployment.num(), p.offer.num());
        let (provider, k, live) = (p.provider.get(), p.instances.num(), p.live.get());
        let last = p.last_proven();
        let penalty = self.fraud_penalty()?.saturating_mul(u128::from(k));
        // The registry takes at most the penalty asked, which fits u128.
        let slashed: u128 = self
            .slash(provider, U256::from(penalty), offer)?
            .saturating_to();
        let reward = slashed / 10_000 * u128::from(self.reward_bps.num())
            + slashed % 10_000 * u128::from(self.reward_bps.num()) / 10_000;
        let (slashed, reward) = (U256::from(slashed), U256::from(reward));
        let refunded = U256::from(self.refund_held(placement, provider));
        let to_deployment = add(slashed - reward, refunded)?;
        if live {
            self.retire(placement, EndReason::Fraud, last, to_deployment)?;
        } else {
            let mut d = self.deployments.setter(deployment);
            let balance = add(d.balance(), to_deployment)?;
            d.set_balance(balance)?;
            self.refresh_funding(deployment);
        }
        let bond = U256::from(bond);
        self.bonds.set(self.bonds.get() - bond);
        let claimable = add(self.claimable.get(challenger), add(reward, bond)?)?;
        self.claimable.insert(challenger, claimable);
        let balance = self.deployments.getter(deployment).balance();
        emit(
            self,
            ICourt::FraudProven::SIGNATURE_HASH,
            &[topic(placement.into()), topic(dispute.into())],
            Output::new()
                .uint(kind as u128)
                .address(challenger)
                .u256(slashed)
                .u256(reward)
                .u256(refunded)
                .u256(balance),
        );
        self.record_fraud(provider)
    }

    /// Takes the placement's still-held pay back from its provider; returns the amount.
    fn refund_held(&mut self, placement: u64, provider: Address) -> u128 {
        let current = self.epoch();
        let mine = self.placements.getter(placement).groups();
        let (_, pending) = held::split(mine, current);
        let (mine, _) = held::take_pending(mine, current, pending);
        self.placements.setter(placement).set_groups(mine);
        let theirs = self.held.getter(provider).groups();
        let (theirs, taken) = held::take_pending(theirs, current, pending);
        self.held.setter(provider).set_groups(theirs);
        taken
    }
}

/// The kind of a stored dispute: only bonded disputes (inclusion, sample) are stored.
fn bonded_kind(stored: u8) -> DisputeKind {
    if stored == DisputeKind::Sample as u8 {
        DisputeKind::Sample
    } else {
        DisputeKind::Inclusion
    }
}

/// `ReceiptMismatch` for a receipt that does not belong where it is used.
fn mismatch(placement: u64, epoch: u64, index: u64) -> Revert {
    revert(ICourt::ReceiptMismatch {
        placementId: placement,
        epoch,
        index,
    })
}

/// Appends `CourtParams` (5 words).
pub fn court_params_words(out: Output, p: &CourtParams) -> Output {
    out.uint(p.disputeWindow.into())
        .uint(p.responseWindow.into())
        .uint(p.bond)
        .uint(p.challengerRewardBps.into())
        .uint(p.refereeGas.into())
}

/// `CourtParams` (5 static words) starting at word `at`.
pub fn read_court_params(a: Calldata, at: usize) -> Result<CourtParams, Revert> {
    Ok(CourtParams {
        disputeWindow: a.u64(at)?,
        responseWindow: a.u64(at + 1)?,
        bond: a.u128(at + 2)?,
        challengerRewardBps: a.u16(at + 3)?,
        refereeGas: a.u64(at + 4)?,
    })
}

/// A `Receipt` (5 static words) starting at word `at`.
pub fn read_receipt(a: Calldata, at: usize) -> Result<Receipt, Revert> {
    Ok(Receipt {
        placementId: a.u64(at)?,
        epoch: a.u64(at + 1)?,
        seq: a.u64(at + 2)?,
        requestHash: a.b256(at + 3)?,
        responseHash: a.b256(at + 4)?,
    })
}
