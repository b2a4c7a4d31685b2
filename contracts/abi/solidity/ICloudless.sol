// SPDX-License-Identifier: MIT OR Apache-2.0
// Generated from contracts/abi/src/market.rs by build-solidity: do not edit.
pragma solidity ^0.8.24;

/// Why an offer cannot take instances of a deployment, in the order the rules are checked.
enum Ineligible {
    /// The offer is closed for good.
    OfferClosed,
    /// The offer is paused by its provider (or by an eviction).
    OfferPaused,
    /// The provider was convicted of fraud by the court.
    Fraud,
    /// The provider's stake is below `minStake`.
    StakeBelowMinimum,
    /// The offer's `cpuMilli` is below the deployment's.
    Cpu,
    /// The offer's `memMiB` is below the deployment's.
    Memory,
    /// The deployment's `regionMask` lacks the offer's region bit.
    Region,
    /// The offer's tier is below the deployment's `minTier`.
    Tier,
    /// The offer is priced in another token.
    PaymentToken,
    /// The offer's price is above the deployment's `maxPricePerInstanceEpoch`.
    Price,
    /// The offer lacks free capacity for the instances asked.
    Capacity,
    /// The provider would hold more than `maxPerProvider` instances of the deployment.
    ProviderCap
}

/// An offer's lifecycle.
enum OfferStatus {
    /// Takes new placements.
    Open,
    /// Takes none until resumed; running placements continue.
    Paused,
    /// Takes none ever again; running placements continue.
    Closed
}

/// A deployment's lifecycle (derived from its state and the current epoch).
enum DeploymentStatus {
    /// Fewer than `minInstances` placed: waiting for a match.
    Open,
    /// Running with at least `minInstances` placed.
    Active,
    /// The balance cannot pay one more epoch at the current rate.
    Underfunded,
    /// Cancelled: running until its end epoch.
    Ending,
    /// Over: no epoch after its end can be proven or paid.
    Ended
}

/// Why a placement ended.
enum EndReason {
    /// Served to its end epoch (deployment duration, cancel, close or notice exit).
    Completed,
    /// The provider left at once and paid the exit penalty.
    ExitedWithPenalty,
    /// Evicted after missing more than `maxMissedEpochs` proofs.
    Evicted,
    /// Ended by the court: the provider answered wrongly or not at all (protocol v2).
    Fraud
}

/// Which field of a deployment request is invalid.
enum SpecField {
    /// `instances` is zero or above the protocol maximum.
    Instances,
    /// `minInstances` is zero or above `instances`.
    MinInstances,
    /// `maxPerProvider` is zero.
    MaxPerProvider,
    /// `cpuMilli` is zero.
    Cpu,
    /// `memMiB` is zero.
    Memory,
    /// `regionMask` is zero.
    RegionMask,
    /// `maxPricePerInstanceEpoch` is zero.
    Price,
    /// `token` is not the market's token.
    PaymentToken,
    /// `durationEpochs` is above the protocol maximum (10^9 epochs).
    Duration
}

/// Which field of an offer is invalid.
enum OfferField {
    /// `cpuMilli` is zero.
    Cpu,
    /// `memMiB` is zero.
    Memory,
    /// `pricePerInstanceEpoch` is zero.
    Price,
    /// `capacity` is zero.
    Capacity,
    /// `token` is not the registry's token.
    PaymentToken
}

/// What a developer asks for (the bid). Immutable once created.
struct DeploymentSpec {
    /// The function's program: an activated Stylus program that answers a request
    /// (calldata) with a response (return data) and reads nothing else.
    address program;
    /// `program`'s code hash (`EXTCODEHASH`): what every provider must run.
    bytes32 artifact;
    /// Instances wanted (N).
    uint32 instances;
    /// Instances the first match must place at once (M).
    uint32 minInstances;
    /// CPU per instance, in thousandths of a core.
    uint32 cpuMilli;
    /// Memory per instance, MiB.
    uint32 memMiB;
    /// Acceptable regions: bit r set accepts region r.
    uint256 regionMask;
    /// Lowest acceptable provider tier.
    uint8 minTier;
    /// Payment token (must be the market's).
    address token;
    /// Highest acceptable price per instance and epoch.
    uint128 maxPricePerInstanceEpoch;
    /// Most instances one provider may hold.
    uint32 maxPerProvider;
    /// Epochs to run from the first match; 0 runs until cancelled.
    uint64 durationEpochs;
}

/// A deployment's mutable state.
struct DeploymentState {
    /// Who created it: the only account that may withdraw or cancel.
    address owner;
    /// Escrow left (B).
    uint256 balance;
    /// Σ instances × price over live placements, per epoch.
    uint256 rate;
    /// Instances in live placements.
    uint32 placed;
    /// Last epoch that can be served; `type(uint64).max` while open-ended.
    uint64 endEpoch;
    /// Epoch the balance first fell below the rate; 0 when funded.
    uint64 underfundedSince;
    /// Epoch of creation.
    uint64 createdEpoch;
    /// Derived status.
    DeploymentStatus status;
}

/// One provider-to-deployment assignment of `instances` instances.
struct Placement {
    /// The deployment served.
    uint64 deploymentId;
    /// The offer the capacity came from.
    uint64 offerId;
    /// The provider paid for it.
    address provider;
    /// Instances placed (k).
    uint32 instances;
    /// Price per instance and epoch, fixed at match time (pay-as-ask).
    uint128 price;
    /// First epoch served.
    uint64 startEpoch;
    /// Last epoch proven (`startEpoch - 1` before the first proof).
    uint64 lastProven;
    /// Last epoch it may serve; `type(uint64).max` while open-ended. The deployment's end
    /// epoch also bounds it.
    uint64 endEpoch;
    /// Epochs skipped between proofs so far.
    uint64 misses;
    /// False once ended: capacity released and no longer in the deployment's rate.
    bool live;
}

/// An offer (ask) of capacity.
struct Offer {
    /// The provider selling it.
    address provider;
    /// CPU per instance, thousandths of a core.
    uint32 cpuMilli;
    /// Memory per instance, MiB.
    uint32 memMiB;
    /// Region code (bit index into a deployment's `regionMask`).
    uint8 region;
    /// Service tier.
    uint8 tier;
    /// Payment token.
    address token;
    /// Price per instance and epoch for future placements.
    uint128 pricePerInstanceEpoch;
    /// Instances it can host.
    uint32 capacity;
    /// Instances in live placements.
    uint32 inUse;
    /// Lifecycle.
    OfferStatus status;
}

/// A provider's standing.
struct ProviderInfo {
    /// Whether it registered.
    bool registered;
    /// Stake backing new placements.
    uint256 stake;
    /// Stake waiting to be withdrawn (still slashable).
    uint256 unbonding;
    /// Epoch from which `unbonding` can be withdrawn.
    uint64 unlockEpoch;
}

/// `(offerId, instances, price)`: one pair of a match.
struct MatchPair {
    /// Offer to take capacity from.
    uint64 offerId;
    /// Instances to place on it (k ≥ 1).
    uint32 instances;
    /// The offer's price the match was planned at: the placement gets exactly this price,
    /// or the match reverts `PriceChanged` (a provider cannot reprice between plan and
    /// match).
    uint128 price;
}

/// One epoch's proof of execution for a placement.
struct EpochProof {
    /// The placement proven.
    uint64 placementId;
    /// The completed epoch proven.
    uint64 epoch;
    /// Keccak Merkle root of the epoch's signed receipts, in sequence order.
    bytes32 receiptsRoot;
    /// Number of receipts under the root.
    uint32 count;
}

/// The registry's governed parameters.
struct RegistryParams {
    /// Stake a provider needs to take new placements (≤ 10^15).
    uint256 minStake;
    /// Epochs between `requestUnstake` and `withdrawStake` (1..=1000).
    uint64 unbondingEpochs;
    /// Epochs an offer paused by an eviction stays paused: its provider cannot resume it
    /// sooner (0..=1000).
    uint64 evictionCooldownEpochs;
    /// Slashed per instance of a placement the court finds fraudulent; a provider's stake
    /// cannot be unstaken below this times its live instances (≤ 10^15).
    uint128 fraudPenalty;
}

/// The market's governed parameters.
struct MarketParams {
    /// Protocol fee on each paid epoch, basis points (≤ 1000).
    uint16 feeBps;
    /// Paid from the deployment's balance to the matcher per instance placed (≤ 10^12).
    uint128 keeperFee;
    /// Epochs of the full bid a new deployment must deposit (1..=1000).
    uint64 minPrepaidEpochs;
    /// Epochs after its end during which an epoch can be proven (1..=1000).
    uint64 proofWindow;
    /// Epochs of notice for cancels and provider exits (1..=1000).
    uint64 noticeEpochs;
    /// Slashed per instance on an immediate provider exit (≤ 10^15).
    uint128 exitPenalty;
    /// Missed epochs tolerated before anyone may evict (1..=1000).
    uint64 maxMissedEpochs;
    /// Slashed per missed instance-epoch on eviction (≤ 10^15).
    uint128 slashPerMissedInstanceEpoch;
    /// Epochs an underfunded deployment may wait for a top-up before anyone may close it
    /// (1..=1000).
    uint64 graceEpochs;
    /// Least deposit of a new deployment in token base units, whatever its bid (≤ 10^15):
    /// keeps spam bids from costing the market nothing.
    uint128 minDeposit;
    /// Epochs after its creation a deployment may wait for its first match; past them it
    /// has `Ended` and its whole balance can be withdrawn (1..=1000).
    uint64 matchExpiryEpochs;
}

/// What both contracts share: two-step ownership, the pause switch, one-time set-up and
/// the token errors.
interface IGoverned {
    /// `newOwner` may now accept ownership from `owner`.
    event OwnershipTransferStarted(address indexed owner, address indexed newOwner);
    /// Ownership moved from `previousOwner` to `newOwner`.
    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);
    /// New offers, deployments and matches are now `paused` (or not).
    event PauseSet(bool paused);

    /// `caller` is not the owner `owner`.
    error NotOwner(address caller, address owner);
    /// `caller` is not the pending owner `pendingOwner`.
    error NotPendingOwner(address caller, address pendingOwner);
    /// The contract is already initialized.
    error AlreadyInitialized();
    /// Only `deployer`, the account that created this program, may initialize it (`caller`
    /// may not).
    error NotDeployer(address caller, address deployer);
    /// The contract is not initialized yet.
    error NotInitialized();
    /// New offers, deployments and matches are paused by governance.
    error ContractPaused();
    /// Parameter `name` = `value` lies outside `[min, max]`.
    error ParamOutOfBounds(string name, uint256 value, uint256 min, uint256 max);
    /// An amount was zero.
    error ZeroAmount();
    /// A computed amount overflowed: the inputs are too large.
    error AmountTooLarge();
    /// The calldata does not decode as the function's arguments.
    error MalformedCalldata();
    /// The function does not take value.
    error NotPayable();
    /// No function has this selector.
    error UnknownFunction(bytes4 selector);
    /// The contract was entered again while running (reentrancy is refused).
    error Reentered();
    /// A call to `token` reverted or returned false.
    error TokenTransferFailed(address token);
    /// `token` delivered `received` instead of `expected` (fee-on-transfer tokens are not
    /// supported).
    error UnsupportedToken(address token, uint256 expected, uint256 received);

    /// The owner.
    function owner() external view returns (address);
    /// The account that may accept ownership (zero when none).
    function pendingOwner() external view returns (address);
    /// Starts a transfer of ownership to `newOwner` (zero cancels it). Owner only.
    function transferOwnership(address newOwner) external;
    /// Completes a transfer of ownership. Pending owner only.
    function acceptOwnership() external;
    /// Whether new offers, deployments and matches are paused.
    function paused() external view returns (bool);
    /// The extension program that serves, on this contract's storage, the functions the
    /// core program does not (set once at `initialize`).
    function extension() external view returns (address);
    /// Pauses or resumes new offers, deployments and matches. Owner only; exits,
    /// withdrawals, claims, proofs and evictions are never paused.
    function setPaused(bool paused) external;
}

/// Providers, stake, worker keys and offers.
interface IRegistry {
    /// Set-up: owner, token, epoch clock and parameters.
    event RegistryInitialized(address owner, address token, uint64 genesisTime, uint64 epochLength, RegistryParams params);
    /// The market allowed to consume capacity and slash stake.
    event MarketSet(address market);
    /// New parameters.
    event RegistryParamsSet(RegistryParams params);
    /// `provider` registered with `metadataURI`.
    event ProviderRegistered(address indexed provider, string metadataURI);
    /// `provider` changed its metadata.
    event ProviderUpdated(address indexed provider, string metadataURI);
    /// `worker` may now submit proofs for `provider`.
    event WorkerAdded(address indexed provider, address indexed worker);
    /// `worker` may no longer submit proofs for `provider`; it stays bound to `provider`
    /// for good (receipts it signed remain the provider's).
    event WorkerRemoved(address indexed provider, address indexed worker);
    /// `provider` staked `amount`; its stake is now `stake`.
    event Staked(address indexed provider, uint256 amount, uint256 stake);
    /// `provider` moved `amount` to unbonding, withdrawable from `unlockEpoch`.
    event UnstakeRequested(address indexed provider, uint256 amount, uint256 stake, uint256 unbonding, uint64 unlockEpoch);
    /// `provider` withdrew `amount` of unbonded stake.
    event StakeWithdrawn(address indexed provider, uint256 amount);
    /// `amount` of `provider`'s stake went to the market; what remains is given.
    event Slashed(address indexed provider, uint256 amount, uint256 stake, uint256 unbonding);
    /// The court convicted `provider` of fraud; it has `frauds` convictions and takes no new
    /// placements.
    event FraudRecorded(address indexed provider, uint32 frauds);
    /// A new offer with all its fields.
    event OfferCreated(uint64 indexed offerId, address indexed provider, uint32 cpuMilli, uint32 memMiB, uint8 region, uint8 tier, address token, uint128 pricePerInstanceEpoch, uint32 capacity);
    /// The offer's price (for future placements) and capacity.
    event OfferUpdated(uint64 indexed offerId, uint128 pricePerInstanceEpoch, uint32 capacity);
    /// The offer's new status.
    event OfferStatusChanged(uint64 indexed offerId, OfferStatus status);
    /// The offer's instances in live placements changed to `inUse`.
    event OfferUsage(uint64 indexed offerId, uint32 inUse);

    /// `provider` is already registered.
    error AlreadyRegistered(address provider);
    /// `account` is not a registered provider.
    error NotRegistered(address account);
    /// `worker` is bound to `provider` (a worker key stays bound to its first provider for
    /// good, even after removal).
    error WorkerTaken(address worker, address provider);
    /// `worker` does not work for `provider`.
    error NotWorkerOf(address worker, address provider);
    /// `provider` has `have` staked but asked for `want`.
    error InsufficientStake(address provider, uint256 have, uint256 want);
    /// Unstaking would leave `remaining` staked, below `exposed` = `fraudPenalty` × the
    /// provider's live instances: exit or finish placements first.
    error StakeExposed(address provider, uint256 remaining, uint256 exposed);
    /// Unbonded stake unlocks at `unlockEpoch`; it is `currentEpoch`.
    error StillUnbonding(address provider, uint64 unlockEpoch, uint64 currentEpoch);
    /// `account` has nothing to withdraw.
    error NothingToWithdraw(address account);
    /// No offer has id `offerId`.
    error UnknownOffer(uint64 offerId);
    /// `caller` is not the provider of offer `offerId`.
    error NotOfferProvider(uint64 offerId, address caller);
    /// The offer's `field` is invalid.
    error InvalidOffer(OfferField field);
    /// `capacity` would be below the `inUse` instances of offer `offerId`.
    error CapacityBelowUse(uint64 offerId, uint32 inUse, uint32 capacity);
    /// Offer `offerId` is closed and cannot change.
    error OfferIsClosed(uint64 offerId);
    /// Offer `offerId` was paused by an eviction and cannot be resumed before epoch
    /// `resumableAt`.
    error OfferCoolingDown(uint64 offerId, uint64 resumableAt);
    /// Offer `offerId` cannot take the instances asked, for `reason`.
    error NotEligible(uint64 offerId, Ineligible reason);
    /// `caller` is not the market.
    error NotMarket(address caller);
    /// The market is already set to `market`.
    error MarketAlreadySet(address market);

    /// One-time set-up by the deployer, with the extension program's address.
    function initialize(address owner, address token, uint64 genesisTime, uint64 epochLength, RegistryParams calldata params, address extension) external;
    /// Sets the market, once. Owner only.
    function setMarket(address market) external;
    /// Sets parameters within their bounds. Owner only.
    function setParams(RegistryParams calldata params) external;
    /// The parameters.
    function params() external view returns (RegistryParams memory);
    /// The stake and payment token.
    function token() external view returns (address);
    /// The market (zero until set).
    function market() external view returns (address);
    /// Timestamp where epoch 0 starts.
    function genesisTime() external view returns (uint64);
    /// Seconds per epoch.
    function epochLength() external view returns (uint64);
    /// `(block.timestamp - genesisTime) / epochLength` (0 before genesis).
    function currentEpoch() external view returns (uint64);

    /// Registers the sender as a provider.
    function registerProvider(string calldata metadataURI) external;
    /// Changes the sender's metadata.
    function updateProvider(string calldata metadataURI) external;
    /// The provider's standing.
    function provider(address provider) external view returns (ProviderInfo memory);
    /// The provider's metadata URI.
    function providerMetadata(address provider) external view returns (string memory);
    /// Lets `worker` submit proofs for the sender.
    function addWorker(address worker) external;
    /// Revokes `worker`.
    function removeWorker(address worker) external;
    /// The provider `worker` may prove for (zero when none or removed).
    function workerProvider(address worker) external view returns (address);
    /// The provider `worker` is bound to for good (zero when never added) and whether it is
    /// still active.
    function workerOf(address worker) external view returns (address provider, bool active);
    /// Times the court convicted `provider` of fraud.
    function frauds(address provider) external view returns (uint32);
    /// Instances `provider` has in live placements.
    function liveInstances(address provider) external view returns (uint32);

    /// Adds `amount` to the sender's stake (after `approve`).
    function stake(uint256 amount) external;
    /// `stake` with an EIP-2612 permit instead of a prior `approve`.
    function stakeWithPermit(uint256 amount, uint256 deadline, uint8 v, bytes32 r, bytes32 s) external;
    /// Moves `amount` of stake to unbonding for `unbondingEpochs`.
    function requestUnstake(uint256 amount) external;
    /// Withdraws all unbonded stake once unlocked.
    function withdrawStake() external;

    /// Creates an offer from the sender; returns its id.
    function createOffer(uint32 cpuMilli, uint32 memMiB, uint8 region, uint8 tier, address token, uint128 pricePerInstanceEpoch, uint32 capacity) external returns (uint64);
    /// Sets the offer's price (future placements only) and capacity (never below in use).
    function updateOffer(uint64 offerId, uint128 pricePerInstanceEpoch, uint32 capacity) external;
    /// Pauses or resumes the offer.
    function setOfferPaused(uint64 offerId, bool paused) external;
    /// Closes the offer for good.
    function closeOffer(uint64 offerId) external;
    /// The offer.
    function offer(uint64 offerId) external view returns (Offer memory);
    /// Offers created so far (ids are 1..=offerCount).
    function offerCount() external view returns (uint64);
    /// The protocol's eligibility check of `offerId` for `instances` of `spec`, with the
    /// provider's instances already in the deployment.
    function eligibility(uint64 offerId, uint32 instances, uint32 providerInstances, DeploymentSpec calldata spec) external view returns (bool eligible, Ineligible reason);

    /// Market only: checks eligibility up to (not including) the provider cap, which the
    /// market checks with the provider returned; takes `instances` of capacity; returns the
    /// provider and price.
    function consume(uint64 offerId, uint32 instances, DeploymentSpec calldata spec) external returns (address provider, uint128 price);
    /// Market only: returns `instances` of capacity to the offer.
    function release(uint64 offerId, uint32 instances) external;
    /// Market only: moves up to `amount` of the provider's stake (then unbonding) to the
    /// market and pauses `offerId` if it is an open offer of the provider (0, never an
    /// offer, names none); returns what was taken.
    function slash(address provider, uint256 amount, uint64 offerId) external returns (uint256);
    /// Market only: counts a fraud conviction of `provider`; returns its convictions.
    function recordFraud(address provider) external returns (uint32);
}

/// Deployments, escrow, matching, placements, pay-on-proof billing, exits, evictions, claims
/// and the treasury.
interface IMarket {
    /// Set-up: owner, registry, token, epoch clock (copied from the registry) and parameters.
    event MarketInitialized(address owner, address registry, address token, uint64 genesisTime, uint64 epochLength, MarketParams params);
    /// New parameters.
    event MarketParamsSet(MarketParams params);
    /// A new deployment with its request and deposit.
    event DeploymentCreated(uint64 indexed deploymentId, address indexed owner, DeploymentSpec spec, uint256 balance, uint64 createdEpoch);
    /// `from` added `amount`; the balance is now `balance`.
    event DeploymentFunded(uint64 indexed deploymentId, address indexed from, uint256 amount, uint256 balance);
    /// The owner withdrew `amount`; the balance is now `balance`.
    event DeploymentWithdrawn(uint64 indexed deploymentId, uint256 amount, uint256 balance);
    /// The owner cancelled: the deployment ends after `endEpoch`.
    event DeploymentCancelled(uint64 indexed deploymentId, uint64 endEpoch);
    /// The deployment was closed after its grace period: it ends after `endEpoch`.
    event DeploymentClosed(uint64 indexed deploymentId, uint64 endEpoch);
    /// The deployment's duration started with its first match: it ends after `endEpoch`.
    event DeploymentEndSet(uint64 indexed deploymentId, uint64 endEpoch);
    /// The balance fell below the rate at `sinceEpoch`; 0 means funded again.
    event DeploymentUnderfunded(uint64 indexed deploymentId, uint64 sinceEpoch);
    /// `keeper` matched the deployment: now `placed` instances, paid `keeperFee`.
    event DeploymentMatched(uint64 indexed deploymentId, address indexed keeper, uint32 placed, uint256 keeperFee, uint256 balance, uint256 rate);
    /// A new placement with all its fields.
    event PlacementCreated(uint64 indexed placementId, uint64 indexed deploymentId, uint64 indexed offerId, address provider, uint32 instances, uint128 price, uint64 startEpoch);
    /// A proof for `epoch`: `paid` to the provider (held until the dispute window closes)
    /// and `fee` to the treasury, out of what the placement was owed plus this epoch, as far
    /// as the balance went; misses, the deployment's balance after it, what the placement
    /// is still `owed` (gross), and where the proof sits: leaf `position` of batch `batch`.
    event EpochProven(uint64 indexed placementId, uint64 indexed epoch, bytes32 receiptsRoot, uint32 count, uint256 paid, uint256 fee, uint64 misses, uint256 balance, uint256 owed, uint64 batch, uint32 position);
    /// A `submitProof(s)` transaction's proofs, committed as batch `batch`: the Merkle
    /// `root` over their `size` leaves (docs/proofs.md), proven in epoch `provenAt`.
    event ProofsCommitted(uint64 indexed batch, bytes32 root, uint32 size, uint64 provenAt);
    /// `settleOwed`: of what proven epochs left unpaid, `paid` went to the provider and `fee`
    /// to the treasury; `owed` is still unpaid; `balance` is the deployment's after it.
    event OwedSettled(uint64 indexed placementId, uint64 indexed deploymentId, uint256 paid, uint256 fee, uint256 owed, uint256 balance);
    /// The provider gave notice: the placement ends after `endEpoch`.
    event PlacementExiting(uint64 indexed placementId, uint64 endEpoch);
    /// The placement ended: capacity released; `slashed` moved from stake to the deployment;
    /// the deployment's placed instances, rate and balance after it.
    event PlacementEnded(uint64 indexed placementId, EndReason reason, uint64 endEpoch, uint256 slashed, uint32 placed, uint256 rate, uint256 balance);
    /// `account` (provider or keeper) claimed `amount`.
    event Claimed(address indexed account, uint256 amount);
    /// The owner moved `amount` of fees to `to`; `treasury` is left.
    event TreasuryWithdrawn(address indexed to, uint256 amount, uint256 treasury);

    /// No deployment has id `deploymentId`.
    error UnknownDeployment(uint64 deploymentId);
    /// `caller` is not the owner of deployment `deploymentId`.
    error NotDeploymentOwner(uint64 deploymentId, address caller);
    /// The request's `field` is invalid.
    error InvalidSpec(SpecField field);
    /// A new deployment must deposit `required` (instances × max price × minPrepaidEpochs).
    error InsufficientDeposit(uint256 required, uint256 provided);
    /// Only `balance − reserve` can be withdrawn while placements are live.
    error InsufficientReserve(uint64 deploymentId, uint256 balance, uint256 reserve, uint256 requested);
    /// The deployment takes no matches in `status`.
    error NotMatchable(uint64 deploymentId, DeploymentStatus status);
    /// The match asks `requested` instances; only `room` are unplaced.
    error TooManyInstances(uint64 deploymentId, uint32 requested, uint32 room);
    /// A first match must place at least `minInstances`; it places `total`.
    error BelowMinimum(uint64 deploymentId, uint32 total, uint32 minInstances);
    /// A match or batch without entries, or a pair with zero instances.
    error EmptyMatch();
    /// The balance `balance` cannot cover `needed` (keeper fee plus one epoch at the new rate).
    error InsufficientBalance(uint64 deploymentId, uint256 balance, uint256 needed);
    /// Offer `offerId` is priced `current`, not the `planned` price the pair carries: plan
    /// the match again.
    error PriceChanged(uint64 offerId, uint128 planned, uint128 current);
    /// No placement has id `placementId`.
    error UnknownPlacement(uint64 placementId);
    /// `caller` is neither the placement's provider nor one of its worker keys.
    error NotProver(uint64 placementId, address caller);
    /// `caller` is not the placement's provider.
    error NotPlacementProvider(uint64 placementId, address caller);
    /// `epoch` cannot be proven now: the provable range is `[earliest, latest]`.
    error ProofOutOfWindow(uint64 placementId, uint64 epoch, uint64 earliest, uint64 latest);
    /// `epoch` is at or before the last proven epoch `lastProven`.
    error AlreadyProven(uint64 placementId, uint64 epoch, uint64 lastProven);
    /// The placement has ended.
    error PlacementNotLive(uint64 placementId);
    /// The placement already gave notice; it ends after `endEpoch`.
    error AlreadyExiting(uint64 placementId, uint64 endEpoch);
    /// Eviction needs more than `maxMissed` missed epochs; the placement has `missed`.
    error NotEvictable(uint64 placementId, uint64 missed, uint64 maxMissed);
    /// The placement can still be proven until epoch `provableUntil`.
    error NotFinished(uint64 placementId, uint64 provableUntil);
    /// The deployment is funded, or still inside its grace period (closable from `closableAt`).
    error NotClosable(uint64 deploymentId, uint64 underfundedSince, uint64 closableAt);
    /// A second cancel, or a cancel or close of a closed deployment: it already ends after
    /// `endEpoch`. (A cancelled deployment that runs out of funds can still be closed,
    /// which only moves its end earlier.)
    error AlreadyEnding(uint64 deploymentId, uint64 endEpoch);
    /// `account` has nothing to claim.
    error NothingToClaim(address account);
    /// Placement `placementId` is owed nothing, or its deployment's balance is empty.
    error NothingOwed(uint64 placementId);
    /// The treasury holds `have`; `want` was asked.
    error InsufficientTreasury(uint256 have, uint256 want);
    /// The deployment's `function` has no code.
    error FunctionMissing(address program);
    /// The deployment's `function` is not an activated Stylus program.
    error FunctionNotActivated(address program);
    /// The deployment's `artifact` is not the code hash `codehash` of its `function`.
    error ArtifactMismatch(address program, bytes32 artifact, bytes32 codehash);

    /// One-time set-up by the deployer; reads the token and clock from `registry`. The
    /// `extension`, `court` and `upkeep` programs serve, on this contract's storage, the
    /// functions the core does not: the core delegates to the extension, which delegates
    /// `ICourt` selectors to the court and other unknown ones to the upkeep.
    function initialize(address owner, address registry, MarketParams calldata params, address extension, address court, address upkeep) external;
    /// The court program (disputes; see `ICourt`).
    function court() external view returns (address);
    /// The upkeep program (cancels, exits, evictions, finalization, closes, parameters,
    /// the treasury).
    function upkeep() external view returns (address);
    /// Sets parameters within their bounds. Owner only.
    function setParams(MarketParams calldata params) external;
    /// The parameters.
    function params() external view returns (MarketParams memory);
    /// The registry.
    function registry() external view returns (address);
    /// The payment token.
    function token() external view returns (address);
    /// The current epoch (same clock as the registry's).
    function currentEpoch() external view returns (uint64);

    /// Creates a deployment and pulls `deposit` from the sender (after `approve`); returns
    /// its id.
    function createDeployment(DeploymentSpec calldata spec, uint256 deposit) external returns (uint64);
    /// `createDeployment` with an EIP-2612 permit instead of a prior `approve`.
    function createDeploymentWithPermit(DeploymentSpec calldata spec, uint256 deposit, uint256 deadline, uint8 v, bytes32 r, bytes32 s) external returns (uint64);
    /// Adds `amount` to a deployment's balance; anyone may pay.
    function topUp(uint64 deploymentId, uint256 amount) external;
    /// `topUp` with an EIP-2612 permit.
    function topUpWithPermit(uint64 deploymentId, uint256 amount, uint256 deadline, uint8 v, bytes32 r, bytes32 s) external;
    /// Sends `amount` of the balance above the reserve to the owner. Owner only.
    function withdraw(uint64 deploymentId, uint256 amount) external;
    /// Ends the deployment after `noticeEpochs`. Owner only.
    function cancel(uint64 deploymentId) external;
    /// Ends an underfunded deployment after its grace period. Anyone.
    function close(uint64 deploymentId) external;
    /// The request.
    function deploymentSpec(uint64 deploymentId) external view returns (DeploymentSpec memory);
    /// The state.
    function deploymentState(uint64 deploymentId) external view returns (DeploymentState memory);
    /// Balance that `withdraw` must leave.
    function reserve(uint64 deploymentId) external view returns (uint256);
    /// Instances `provider` holds in the deployment.
    function providerInstances(uint64 deploymentId, address provider) external view returns (uint32);
    /// Deployments created so far (ids are 1..=deploymentCount).
    function deploymentCount() external view returns (uint64);

    /// Places instances of a deployment on offers; pays the caller the keeper fee. Anyone.
    function matchDeployment(uint64 deploymentId, MatchPair[] calldata pairs) external returns (uint64 firstPlacementId);
    /// The placement.
    function placement(uint64 placementId) external view returns (Placement memory);
    /// Placements created so far (ids are 1..=placementCount).
    function placementCount() external view returns (uint64);

    /// Proves a completed epoch of a placement and pays it. Provider or worker key.
    function submitProof(uint64 placementId, uint64 epoch, bytes32 receiptsRoot, uint32 count) external;
    /// Many proofs in one transaction; all or none. They are committed as one batch.
    function submitProofs(EpochProof[] calldata proofs) external;
    /// The commitment of proof batch `batch`: `keccak256(abi.encode(root, size,
    /// provenAt))` of its `ProofsCommitted` event (zero when none).
    function proofBatch(uint64 batch) external view returns (bytes32);
    /// Proof batches committed so far (ids are 1..=proofBatchCount).
    function proofBatchCount() external view returns (uint64);
    /// Ends the placement after `noticeEpochs`. Provider only.
    function exitPlacement(uint64 placementId) external;
    /// Ends the placement now and slashes `min(stake + unbonding, exitPenalty × k)` into
    /// the deployment. Provider only.
    function exitPlacementNow(uint64 placementId) external;
    /// Ends a placement that missed more than `maxMissedEpochs` and slashes its provider
    /// `min(stake + unbonding, slashPerMissedInstanceEpoch × k × missed)` into the
    /// deployment. Anyone.
    function evict(uint64 placementId) external;
    /// Releases a placement whose end epoch's proof window has passed. Anyone.
    function finalize(uint64 placementId) external;

    /// Earnings (provider, once their dispute window closed), keeper fees, bonds and
    /// rewards waiting for `account`.
    function claimable(address account) external view returns (uint256);
    /// Earnings of `account` still held for disputes (not yet claimable).
    function pending(address account) external view returns (uint256);
    /// Sends the sender everything claimable.
    function claim() external;
    /// What proven epochs of the placement earned but its deployment could not pay yet
    /// (gross, before the protocol fee).
    function owed(uint64 placementId) external view returns (uint256);
    /// Pays a placement what it is owed, as far as its deployment's balance goes (after a
    /// top-up, say). Anyone; live or ended placements alike.
    function settleOwed(uint64 placementId) external;
    /// Protocol fees collected and not yet withdrawn.
    function treasury() external view returns (uint256);
    /// Sends `amount` of fees to `to`. Owner only.
    function withdrawTreasury(address to, uint256 amount) external;
}
