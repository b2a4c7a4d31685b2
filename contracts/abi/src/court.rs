//! Protocol v2's court: the disputes that make proofs mean something. It is a third program
//! behind the market (core → extension → court), running on the market's storage, so its
//! functions are called at the market's address.
//!
//! - [`Receipt`]: what a provider node signs (EIP-712, [`crate::receipt`]) for every answer;
//! - [`ProofRef`]: where a proven epoch sits in a committed proof batch ([`crate::merkle`]);
//! - [`ICourt`]: `disputeResult` (re-execution), `disputeInclusion`, `challengeSample`, their
//!   answers and the fraud that follows a wrong or missing answer.

// Generated functions mirror the Solidity signatures.
#![allow(clippy::too_many_arguments)]

use alloy_sol_types::sol;

sol! {
    /// What a provider node returns, signed by a worker key of the placement's provider, with
    /// every response (EIP-712 domain `Cloudless`/`2`/chain id/market).
    #[derive(Debug, Default, PartialEq, Eq, Hash)]
    struct Receipt {
        /// The placement that answered.
        uint64 placementId;
        /// The epoch the request was answered in.
        uint64 epoch;
        /// The receipt's position in the epoch's receipts (0, 1, …): its leaf index.
        uint64 seq;
        /// `keccak256(request)`.
        bytes32 requestHash;
        /// `keccak256(response)`.
        bytes32 responseHash;
    }

    /// A proven epoch and where it sits in its committed proof batch.
    #[derive(Debug, Default, PartialEq, Eq, Hash)]
    struct ProofRef {
        /// The placement proven.
        uint64 placementId;
        /// The epoch proven.
        uint64 epoch;
        /// The epoch's receipts root.
        bytes32 receiptsRoot;
        /// Receipts under the root.
        uint32 count;
        /// The batch (`ProofsCommitted`).
        uint64 batch;
        /// The epoch the batch was committed in.
        uint64 provenAt;
        /// Proofs in the batch.
        uint32 size;
        /// This proof's leaf index in the batch (`EpochProven.position`).
        uint32 position;
        /// Merkle path from this proof's leaf to the batch root.
        bytes32[] path;
    }

    /// The court's governed parameters.
    #[derive(Debug, Default, PartialEq, Eq, Hash)]
    struct CourtParams {
        /// Epochs after a batch's `provenAt` (or, for `disputeResult`, after the receipt's
        /// epoch plus the market's `proofWindow`) during which it can be disputed (1..=1000).
        uint64 disputeWindow;
        /// Epochs a provider has to answer a dispute (1..=1000). Pay is held until both
        /// windows have passed.
        uint64 responseWindow;
        /// Bond of `disputeInclusion` and `challengeSample` (≤ 10^15).
        uint128 bond;
        /// Share of a fraud's slash paid to the challenger, basis points (≤ 10,000).
        uint16 challengerRewardBps;
        /// Gas a re-execution of the function may use (10^5..=10^8).
        uint64 refereeGas;
    }

    /// Which dispute.
    #[derive(Debug, PartialEq, Eq, Hash)]
    enum DisputeKind {
        /// A signed response differs from the function's: settled in one transaction.
        Result,
        /// A signed receipt is missing from its epoch's root.
        Inclusion,
        /// A leaf of a proven epoch, which the provider must show and the court re-executes.
        Sample,
    }

    /// Where a dispute stands.
    #[derive(Debug, PartialEq, Eq, Hash)]
    enum DisputeStatus {
        /// Waiting for the provider's answer until its deadline.
        Open,
        /// Fraud: the provider answered wrongly or not at all.
        Fraud,
        /// The provider answered correctly; the bond went to it.
        Answered,
    }

    /// A dispute's record.
    #[derive(Debug, PartialEq, Eq, Hash)]
    struct Dispute {
        /// Which dispute.
        DisputeKind kind;
        /// Where it stands.
        DisputeStatus status;
        /// The placement disputed.
        uint64 placementId;
        /// The epoch disputed.
        uint64 epoch;
        /// The leaf disputed (the receipt's `seq`, or the sampled index).
        uint64 index;
        /// Receipts under the epoch's root.
        uint32 count;
        /// Who opened it (and gets the bond back on fraud).
        address challenger;
        /// The bond.
        uint128 bond;
        /// Last epoch the provider may answer in.
        uint64 deadline;
        /// The epoch's receipts root.
        bytes32 receiptsRoot;
        /// The leaf that must be at `index` (inclusion), zero for a sample.
        bytes32 leaf;
    }

    /// Disputes, at the market's address.
    #[derive(Debug, PartialEq, Eq)]
    #[sol(abi)]
    interface ICourt {
        /// New parameters.
        event CourtParamsSet(CourtParams params);
        /// A dispute that waits for the provider's answer until `deadline`.
        event DisputeOpened(uint64 indexed disputeId, uint64 indexed placementId, DisputeKind kind, uint64 epoch, uint64 index, address challenger, uint256 bond, uint64 deadline);
        /// The provider answered dispute `disputeId` correctly: `bond` went to `provider`.
        event DisputeAnswered(uint64 indexed disputeId, uint64 indexed placementId, address provider, uint256 bond);
        /// Fraud: the placement ended; `slashed` was taken from the provider's stake, `reward`
        /// of it to `challenger` and the rest with `refunded` (the placement's held pay) to the
        /// deployment, whose balance is now `balance`. `disputeId` is 0 for `disputeResult`.
        event FraudProven(uint64 indexed placementId, uint64 indexed disputeId, DisputeKind kind, address challenger, uint256 slashed, uint256 reward, uint256 refunded, uint256 balance);

        /// The function answers `request` with the signed response (`responseHash`): no fraud.
        error ResultCorrect(bytes32 responseHash);
        /// The function failed or used more than `refereeGas` on the request: the court cannot
        /// referee it.
        error NotRefereeable(address program);
        /// The signature is not 65 bytes, has a high `s` or does not recover.
        error BadSignature();
        /// `signer` signed the receipt but is not bound to the placement's provider `provider`.
        error SignerNotWorker(address signer, address provider);
        /// `keccak256(request)` is not the receipt's `requestHash`.
        error RequestMismatch(bytes32 requestHash, bytes32 actual);
        /// Epoch `epoch` of placement `placementId` could be disputed until epoch `closedAt`.
        error DisputeWindowClosed(uint64 placementId, uint64 epoch, uint64 closedAt);
        /// The proof reference does not match committed batch `batch`.
        error InvalidProofRef(uint64 batch);
        /// The receipt or sample does not belong to the proof referenced.
        error ReceiptMismatch(uint64 placementId, uint64 epoch, uint64 index);
        /// Leaf `index` is not below the epoch's `count` receipts.
        error IndexOutOfRange(uint64 index, uint32 count);
        /// No dispute has id `disputeId`.
        error UnknownDispute(uint64 disputeId);
        /// Dispute `disputeId` is no longer open: it is `status`.
        error DisputeClosed(uint64 disputeId, DisputeStatus status);
        /// Dispute `disputeId` could be answered until epoch `deadline` only.
        error AnswerTooLate(uint64 disputeId, uint64 deadline);
        /// Dispute `disputeId` can be answered until epoch `deadline`: it cannot be resolved
        /// as unanswered yet.
        error DeadlineNotReached(uint64 disputeId, uint64 deadline);
        /// The path does not lead from the disputed leaf to the epoch's root.
        error WrongPath(uint64 disputeId);
        /// Dispute `disputeId` is a `kind` dispute: answer it with that kind's function.
        error WrongDisputeKind(uint64 disputeId, DisputeKind kind);

        /// The parameters.
        function courtParams() external view returns (CourtParams memory);
        /// Sets the parameters within their bounds. Owner only.
        function setCourtParams(CourtParams calldata params) external;
        /// The EIP-712 digest of `receipt` (the leaf of its epoch's receipts tree).
        function receiptDigest(Receipt calldata receipt) external view returns (bytes32);

        /// Re-executes the placement's function on `request` and compares the response with
        /// the signed `responseHash`: different → fraud; equal → `ResultCorrect`. Anyone.
        function disputeResult(Receipt calldata receipt, bytes calldata signature, bytes calldata request) external;
        /// Claims that a signed receipt is missing from its proven epoch; pulls the bond. Fraud
        /// at once when `count ≤ seq`; otherwise the provider must `answerInclusion`.
        function disputeInclusion(Receipt calldata receipt, bytes calldata signature, ProofRef calldata proof) external returns (uint64 disputeId);
        /// Shows the disputed receipt's path in its epoch's root. Anyone (the provider's node).
        function answerInclusion(uint64 disputeId, bytes32[] calldata path) external;
        /// Asks the provider to show leaf `index` of a proven epoch; pulls the bond.
        function challengeSample(ProofRef calldata proof, uint64 index) external returns (uint64 disputeId);
        /// Shows the sampled leaf: its receipt, signature, request and path; the court checks
        /// them and re-executes the function (a wrong response is fraud). Anyone.
        function answerSample(uint64 disputeId, Receipt calldata receipt, bytes calldata signature, bytes calldata request, bytes32[] calldata path) external;
        /// Convicts the provider of a dispute left unanswered past its deadline. Anyone.
        function resolve(uint64 disputeId) external;
        /// The dispute.
        function dispute(uint64 disputeId) external view returns (Dispute memory);
        /// Disputes opened so far (ids are 1..=disputeCount).
        function disputeCount() external view returns (uint64);
    }
}
