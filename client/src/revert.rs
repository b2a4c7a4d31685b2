//! Revert data decoded by name, against every error the marketplace, its token and the program
//! cache's manager can raise, with a one-line hint of what to do next.

use alloy::transports::TransportError;
use alloy_primitives::{Bytes, U256};
use alloy_sol_types::{Panic, Revert, SolError, SolInterface, sol};
use cloudless_abi::{
    cache_manager::ICacheManager::ICacheManagerErrors,
    court::ICourt::ICourtErrors,
    market::{IGoverned::IGovernedErrors, IMarket::IMarketErrors, IRegistry::IRegistryErrors},
};

sol! {
    /// The errors of the TestUSDC fixture and OpenZeppelin's ERC-20 (the token side of a call).
    #[derive(Debug)]
    interface ITokenErrors {
        error InsufficientBalance(address account, uint256 available, uint256 required);
        error InsufficientAllowance(address spender, uint256 available, uint256 required);
        error InvalidReceiver(address receiver);
        error InvalidOwner(address newOwner);
        error PermitExpired(uint256 deadline);
        error InvalidSignature();
        error NotOwner(address caller);
        error ERC20InsufficientBalance(address sender, uint256 balance, uint256 needed);
        error ERC20InsufficientAllowance(address spender, uint256 allowance, uint256 needed);
    }
}

use ITokenErrors::ITokenErrorsErrors as TokenErrors;

/// A transaction or call that the chain refused, decoded.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{action} reverts with {name} {detail}\n  hint: {hint}")]
pub struct Reverted {
    /// What was attempted (a function signature or a step).
    pub action: String,
    /// The error's name (`NotOfferProvider`, `Error`, `Panic`, …).
    pub name: String,
    /// Its fields (`{ offerId: 1, caller: 0x… }`) or reason.
    pub detail: String,
    /// What to do next.
    pub hint: String,
}

/// Turns a JSON-RPC failure into a [`Reverted`] when the node returned revert data (code 3 or a
/// "revert" message with hex `data`), else into a plain error about `action`.
pub fn from_rpc(error: TransportError, action: &str) -> anyhow::Error {
    match revert_data(&error) {
        Some(data) => decode(action, &data).into(),
        None => anyhow::Error::new(error).context(format!("{action} failed")),
    }
}

fn revert_data(error: &TransportError) -> Option<Bytes> {
    let payload = error.as_error_resp()?;
    if payload.code != 3 && !payload.message.to_lowercase().contains("revert") {
        return None;
    }
    let data = payload
        .data
        .as_ref()
        .and_then(|raw| serde_json::from_str::<serde_json::Value>(raw.get()).ok());
    match data {
        Some(serde_json::Value::String(hex)) => hex.parse().ok(),
        _ => Some(Bytes::new()),
    }
}

/// The detail of a revert without data.
pub const NO_DATA: &str = "(no data)";

/// Decodes revert `data` from `action`.
pub fn decode(action: &str, data: &[u8]) -> Reverted {
    let (name, detail, hint) = describe(data);
    Reverted {
        action: action.to_owned(),
        name,
        detail,
        hint,
    }
}

fn describe(data: &[u8]) -> (String, String, String) {
    if data.is_empty() {
        return (
            "revert".into(),
            NO_DATA.into(),
            "the call reverted without a reason: check the manifest's addresses and the arguments"
                .into(),
        );
    }
    if let Ok(error) = IRegistryErrors::abi_decode(data) {
        return named(&error, registry_hint(&error));
    }
    if let Ok(error) = IMarketErrors::abi_decode(data) {
        return named(&error, market_hint(&error));
    }
    if let Ok(error) = IGovernedErrors::abi_decode(data) {
        return named(&error, governed_hint(&error));
    }
    if let Ok(error) = ICourtErrors::abi_decode(data) {
        return named(&error, court_hint(&error));
    }
    if let Ok(error) = TokenErrors::abi_decode(data) {
        return named(&error, token_hint(&error));
    }
    if let Ok(error) = ICacheManagerErrors::abi_decode(data) {
        return named(&error, cache_hint(&error));
    }
    if let Ok(revert) = Revert::abi_decode(data) {
        let hint = format!("the contract refused: {}", revert.reason);
        return ("Error".into(), format!("{:?}", revert.reason), hint);
    }
    if let Ok(panic) = Panic::abi_decode(data) {
        let kind = panic
            .kind()
            .map_or_else(|| panic.code.to_string(), |kind| format!("{kind:?}"));
        let hint = "a contract bug (a Solidity panic): report it with the transaction".into();
        return ("Panic".into(), kind, hint);
    }
    let selector = alloy_primitives::hex::encode_prefixed(&data[..data.len().min(4)]);
    (
        format!("unknown error {selector}"),
        alloy_primitives::hex::encode_prefixed(data),
        "not a Cloudless or ERC-20 error: check that the manifest's addresses are Cloudless contracts"
            .into(),
    )
}

/// Splits an error enum's `Name(Name { fields })` debug form into its name and fields.
fn named(error: &impl std::fmt::Debug, hint: String) -> (String, String, String) {
    let debug = format!("{error:?}");
    let (name, rest) = debug.split_once('(').unwrap_or((&debug, ""));
    let inner = rest.strip_suffix(')').unwrap_or(rest);
    let detail = inner.strip_prefix(name).unwrap_or(inner).trim();
    (name.to_owned(), detail.to_owned(), hint)
}

fn short(have: U256, want: U256) -> U256 {
    want.saturating_sub(have)
}

fn governed_hint(error: &IGovernedErrors) -> String {
    use IGovernedErrors as E;
    match error {
        E::NotOwner(e) => format!("only the owner {} may do this: sign with its key", e.owner),
        E::NotPendingOwner(e) => format!(
            "only the pending owner {} may accept ownership",
            e.pendingOwner
        ),
        E::AlreadyInitialized(_) => "the contract is set up already: nothing to do".into(),
        E::NotDeployer(e) => format!(
            "only {}, which created this program, may initialize it: sign with that key, or deploy afresh with `cloudless contracts deploy --out <new dir>`",
            e.deployer
        ),
        E::NotInitialized(_) => {
            "the contract is not set up: finish it with `cloudless contracts deploy`".into()
        }
        E::ContractPaused(_) => "governance paused new offers, deployments and matches: wait for it to resume (exits, withdrawals, proofs and claims still work)".into(),
        E::ParamOutOfBounds(e) => format!(
            "choose {} between {} and {} (it was {})",
            e.name, e.min, e.max, e.value
        ),
        E::ZeroAmount(_) => "pass an amount above zero".into(),
        E::AmountTooLarge(_) => "use smaller amounts, prices or instance counts".into(),
        E::MalformedCalldata(_) => {
            "the arguments do not decode: is the contract of this CLI's ABI version?".into()
        }
        E::NotPayable(_) => "send no value with this call".into(),
        E::UnknownFunction(e) => format!(
            "the contract has no function {}: check that --manifest names contracts of this version",
            e.selector
        ),
        E::Reentered(_) => "a token called back into the contract: use a plain ERC-20".into(),
        E::TokenTransferFailed(e) => format!(
            "the token {} refused the transfer: check balance and allowance with `cloudless token balance`",
            e.token
        ),
        E::UnsupportedToken(e) => format!(
            "{} delivered {} instead of {}: fee-on-transfer tokens are not supported",
            e.token, e.received, e.expected
        ),
    }
}

fn registry_hint(error: &IRegistryErrors) -> String {
    use IRegistryErrors as E;
    match error {
        E::AlreadyRegistered(_) => "already registered: go on with `cloudless provider stake` and `cloudless provider offer create`".into(),
        E::NotRegistered(e) => format!("{} is not a provider: register first with `cloudless provider register`", e.account),
        E::WorkerTaken(e) => format!("the key is bound to {} for good (receipts it signed stay that provider's): use another key", e.provider),
        E::StakeExposed(e) => format!(
            "the fraud penalty on every live instance, {}, must stay staked and this would leave {}: unstake {} less, or end placements first (`cloudless provider placements`)",
            e.exposed, e.remaining, short(e.remaining, e.exposed)
        ),
        E::NotWorkerOf(e) => format!("{} is not an active worker of {}: nothing to remove", e.worker, e.provider),
        E::InsufficientStake(e) => format!(
            "{} is staked, {} is needed: stake at least {} more with `cloudless provider stake` (or unstake at most {})",
            e.have, e.want, short(e.have, e.want), e.have
        ),
        E::StillUnbonding(e) => format!(
            "the stake unlocks at epoch {} (now {}): run `cloudless provider withdraw-stake` then",
            e.unlockEpoch, e.currentEpoch
        ),
        E::NothingToWithdraw(_) => "nothing is unbonding: request it first with `cloudless provider unstake AMOUNT`".into(),
        E::UnknownOffer(e) => format!("there is no offer {}: list them with `cloudless market offers`", e.offerId),
        E::NotOfferProvider(e) => format!(
            "offer {} belongs to another provider: sign with that provider's key (see `cloudless market offers`)",
            e.offerId
        ),
        E::InvalidOffer(e) => format!(
            "the offer's {:?} is invalid: CPU, memory, price and capacity must be above zero and the token the registry's",
            e.field
        ),
        E::CapacityBelowUse(e) => format!(
            "offer {} has {} instances in use: set --capacity to at least that",
            e.offerId, e.inUse
        ),
        E::OfferIsClosed(e) => format!(
            "offer {} is closed for good: create a new one with `cloudless provider offer create`",
            e.offerId
        ),
        E::OfferCoolingDown(e) => format!(
            "offer {} was paused by an eviction: it can be resumed from epoch {} (see `cloudless market params` for the current epoch)",
            e.offerId, e.resumableAt
        ),
        E::NotEligible(e) => format!(
            "offer {} cannot take these instances ({:?}): pick another offer from `cloudless market offers`",
            e.offerId, e.reason
        ),
        E::NotMarket(_) => "only the market contract may call this".into(),
        E::MarketAlreadySet(e) => format!("the registry is bound to market {} already: nothing to do", e.market),
    }
}

fn market_hint(error: &IMarketErrors) -> String {
    use IMarketErrors as E;
    match error {
        E::UnknownDeployment(e) => format!(
            "there is no deployment {}: list them with `cloudless market deployments`",
            e.deploymentId
        ),
        E::NotDeploymentOwner(e) => format!(
            "only the owner of deployment {} may do this: sign with its key (see `cloudless deploy status {}`)",
            e.deploymentId, e.deploymentId
        ),
        E::InvalidSpec(e) => format!(
            "the request's {:?} is invalid: see `cloudless deploy create --help`",
            e.field
        ),
        E::InsufficientDeposit(e) => format!(
            "deposit at least {} (instances × max price × minPrepaidEpochs, and the market's minDeposit): pass --deposit {}",
            e.required, e.required
        ),
        E::InsufficientReserve(e) => format!(
            "at most {} can be withdrawn now: {} stays as the reserve of the live placements",
            e.balance.saturating_sub(e.reserve),
            e.reserve
        ),
        E::NotMatchable(e) => format!(
            "deployment {} is {:?}: only open or active deployments with unplaced instances take matches",
            e.deploymentId, e.status
        ),
        E::TooManyInstances(e) => format!(
            "only {} instances of deployment {} are unplaced: ask at most that many",
            e.room, e.deploymentId
        ),
        E::BelowMinimum(e) => format!(
            "a first match must place at least {} instances (this one places {}): add offers",
            e.minInstances, e.total
        ),
        E::EmptyMatch(_) => {
            "give at least one --offer ID:INSTANCES with INSTANCES above zero".into()
        }
        E::InsufficientBalance(e) => format!(
            "top up deployment {} by at least {} with `cloudless deploy top-up`",
            e.deploymentId,
            short(e.balance, e.needed)
        ),
        E::PriceChanged(e) => format!(
            "offer {} now asks {} per instance-epoch, not {}: check it with `cloudless market offers` and match again with --offer {}:INSTANCES:{}",
            e.offerId, e.current, e.planned, e.offerId, e.current
        ),
        E::UnknownPlacement(e) => format!(
            "there is no placement {}: list yours with `cloudless provider placements`",
            e.placementId
        ),
        E::NotProver(e) => format!(
            "only placement {}'s provider or its workers may prove: add this key with `cloudless provider worker add`",
            e.placementId
        ),
        E::NotPlacementProvider(e) => format!(
            "only placement {}'s provider may do this: sign with its key",
            e.placementId
        ),
        E::ProofOutOfWindow(e) => format!(
            "epoch {} cannot be proven now; the provable epochs are {}..={} (an epoch is provable once it is over)",
            e.epoch, e.earliest, e.latest
        ),
        E::AlreadyProven(e) => format!(
            "epochs up to {} are proven: prove a later one",
            e.lastProven
        ),
        E::PlacementNotLive(e) => format!("placement {} has ended: nothing to do", e.placementId),
        E::AlreadyExiting(e) => format!(
            "placement {} already ends after epoch {}; `cloudless provider exit --now` ends it at once, with a penalty",
            e.placementId, e.endEpoch
        ),
        E::NotEvictable(e) => format!(
            "placement {} missed {} epochs; eviction needs more than {}",
            e.placementId, e.missed, e.maxMissed
        ),
        E::NotFinished(e) => format!(
            "placement {} can be proven until epoch {}: finalize it after that",
            e.placementId, e.provableUntil
        ),
        E::NotClosable(e) if e.underfundedSince == 0 => format!(
            "deployment {} is funded: it cannot be closed",
            e.deploymentId
        ),
        E::NotClosable(e) => format!(
            "deployment {} can be closed from epoch {}",
            e.deploymentId, e.closableAt
        ),
        E::AlreadyEnding(e) => format!(
            "deployment {} already ends after epoch {}: nothing to do",
            e.deploymentId, e.endEpoch
        ),
        E::NothingOwed(e) => format!(
            "placement {} is owed nothing, or its deployment has no balance to pay it: top the deployment up first",
            e.placementId
        ),
        E::NothingToClaim(e) => format!(
            "{} has nothing to claim: prove served epochs with `cloudless provider prove` first; proven pay is held until its dispute windows close (`pending` in `cloudless provider placements`)",
            e.account
        ),
        E::InsufficientTreasury(e) => {
            format!("the treasury holds {}: withdraw at most that", e.have)
        }
        E::FunctionMissing(e) => format!(
            "{} has no code: deploy the function first with `cloudless function deploy`",
            e.program
        ),
        E::FunctionNotActivated(e) => format!(
            "{} is not an activated Stylus program: `cloudless function deploy` deploys and activates it",
            e.program
        ),
        E::ArtifactMismatch(e) => format!(
            "{}'s code hash is {}: pass --artifact {} (or omit it to read it from the chain)",
            e.program, e.codehash, e.codehash
        ),
    }
}

fn court_hint(error: &ICourtErrors) -> String {
    use ICourtErrors as E;
    match error {
        E::ResultCorrect(_) => {
            "the function gives exactly the signed response: the provider answered correctly".into()
        }
        E::NotRefereeable(e) => format!(
            "{} fails or needs more than the court's refereeGas on this request: the court cannot referee it",
            e.program
        ),
        E::BadSignature(_) => {
            "the signature must be the 65 bytes r ‖ s ‖ v of the receipt's EIP-712 digest, with a low s".into()
        }
        E::SignerNotWorker(e) => format!(
            "{} signed the receipt but is no key of provider {}: only its receipts can be disputed",
            e.signer, e.provider
        ),
        E::RequestMismatch(e) => format!(
            "the request hashes to {}, the receipt names {}: send the request bytes the receipt was signed for",
            e.actual, e.requestHash
        ),
        E::DisputeWindowClosed(e) => format!(
            "epoch {} of placement {} could be disputed until epoch {}",
            e.epoch, e.placementId, e.closedAt
        ),
        E::InvalidProofRef(e) => format!(
            "the proof reference does not match batch {}: rebuild it from that batch's ProofsCommitted and EpochProven events",
            e.batch
        ),
        E::ReceiptMismatch(e) => format!(
            "the receipt is not leaf {} of epoch {} of placement {}: use the one the dispute names",
            e.index, e.epoch, e.placementId
        ),
        E::IndexOutOfRange(e) => format!(
            "the epoch has {} receipts: sample an index below that (not {})",
            e.count, e.index
        ),
        E::UnknownDispute(e) => format!(
            "there is no dispute {}: see `disputeCount`",
            e.disputeId
        ),
        E::DisputeClosed(e) => format!(
            "dispute {} is already settled ({:?}): nothing to do",
            e.disputeId, e.status
        ),
        E::AnswerTooLate(e) => format!(
            "dispute {} could be answered until epoch {}: anyone may now resolve it",
            e.disputeId, e.deadline
        ),
        E::DeadlineNotReached(e) => format!(
            "dispute {} can be answered until epoch {}: resolve it after that",
            e.disputeId, e.deadline
        ),
        E::WrongPath(e) => format!(
            "the path does not lead to the epoch's root: send the Merkle path of the disputed leaf (dispute {})",
            e.disputeId
        ),
        E::WrongDisputeKind(e) => format!(
            "dispute {} is a {:?} dispute: answer it with answer{:?}",
            e.disputeId, e.kind, e.kind
        ),
    }
}

fn token_hint(error: &TokenErrors) -> String {
    use TokenErrors as E;
    let need_tokens = |who, have, want| {
        format!(
            "{who} holds {have} but {want} is needed: get {} more tokens (on a dev chain the token's owner can `cloudless token mint`)",
            short(have, want)
        )
    };
    let need_allowance =
        |spender, want| format!("allow {spender} to spend {want} with `cloudless token approve`");
    match error {
        E::InsufficientBalance(e) => need_tokens(e.account, e.available, e.required),
        E::ERC20InsufficientBalance(e) => need_tokens(e.sender, e.balance, e.needed),
        E::InsufficientAllowance(e) => need_allowance(e.spender, e.required),
        E::ERC20InsufficientAllowance(e) => need_allowance(e.spender, e.needed),
        E::InvalidReceiver(_) => "send to a non-zero address".into(),
        E::InvalidOwner(_) => "hand ownership to a non-zero address".into(),
        E::PermitExpired(e) => format!(
            "the permit expired at {}: sign one with a later deadline",
            e.deadline
        ),
        E::InvalidSignature(_) => "the permit is not signed by the holder".into(),
        E::NotOwner(e) => format!(
            "{} is not the token's owner: only the owner (its deployer) may mint",
            e.caller
        ),
    }
}

fn cache_hint(error: &ICacheManagerErrors) -> String {
    use ICacheManagerErrors as E;
    match error {
        E::NotChainOwner(_) => "only the chain's owner may change the program cache".into(),
        E::AsmTooLarge(e) => format!(
            "the program ({} bytes as the cache counts them) cannot fit a cache of {} bytes: deploy without caching (`--no-cache`)",
            e.asm, e.cacheSize
        ),
        E::AlreadyCached(_) => "the program is cached already: nothing to do".into(),
        E::BidTooLarge(e) => format!("{} does not fit a bid (192 bits): bid less", e.bid),
        E::BidTooSmall(e) => format!(
            "the cache's minimum bid is {} wei now: bid at least that (`--cache-max-bid`)",
            e.min
        ),
        E::BidsArePaused(_) => {
            "the cache manager takes no bids now: deploy with `--no-cache`, or bid later".into()
        }
    }
}

#[cfg(test)]
mod tests {
    use alloy_primitives::Address;
    use cloudless_abi::market::{IGoverned, IMarket, IRegistry, Ineligible};

    use super::*;

    #[test]
    fn decodes_court_errors_by_name_with_fields_and_hint() {
        use cloudless_abi::court::{DisputeKind, ICourt};
        let data = ICourt::AnswerTooLate {
            disputeId: 4,
            deadline: 12,
        }
        .abi_encode();
        let reverted = decode("answerSample", &data);
        assert_eq!(reverted.name, "AnswerTooLate");
        assert!(
            reverted.detail.contains("disputeId: 4"),
            "{}",
            reverted.detail
        );
        assert!(
            reverted.hint.contains("until epoch 12"),
            "{}",
            reverted.hint
        );
        let data = ICourt::WrongDisputeKind {
            disputeId: 2,
            kind: DisputeKind::Sample,
        }
        .abi_encode();
        let reverted = decode("answerInclusion", &data);
        assert_eq!(reverted.name, "WrongDisputeKind");
        assert!(reverted.hint.contains("answerSample"), "{}", reverted.hint);
    }

    #[test]
    fn decodes_registry_errors_by_name_with_fields_and_hint() {
        let caller = Address::repeat_byte(0xaa);
        let data = IRegistry::NotOfferProvider { offerId: 7, caller }.abi_encode();
        let reverted = decode("updateOffer", &data);
        assert_eq!(reverted.name, "NotOfferProvider");
        assert!(
            reverted.detail.contains("offerId: 7"),
            "{}",
            reverted.detail
        );
        assert!(
            reverted.detail.contains(&format!("{caller:?}")),
            "{}",
            reverted.detail
        );
        assert!(
            reverted
                .hint
                .contains("offer 7 belongs to another provider")
        );

        let data = IRegistry::InsufficientStake {
            provider: caller,
            have: U256::from(400),
            want: U256::from(1_000),
        }
        .abi_encode();
        let reverted = decode("stake", &data);
        assert_eq!(reverted.name, "InsufficientStake");
        assert!(
            reverted
                .hint
                .contains("stake at least 600 more with `cloudless provider stake`")
        );

        let data = IRegistry::StakeExposed {
            provider: caller,
            remaining: U256::from(100),
            exposed: U256::from(150),
        }
        .abi_encode();
        let reverted = decode("requestUnstake", &data);
        assert_eq!(reverted.name, "StakeExposed");
        assert!(
            reverted.hint.contains("150, must stay staked")
                && reverted.hint.contains("unstake 50 less"),
            "{}",
            reverted.hint
        );

        let data = IRegistry::WorkerTaken {
            worker: Address::repeat_byte(0x77),
            provider: caller,
        }
        .abi_encode();
        let reverted = decode("addWorker", &data);
        assert_eq!(reverted.name, "WorkerTaken");
        assert!(
            reverted
                .hint
                .contains(&format!("bound to {caller} for good")),
            "{}",
            reverted.hint
        );

        let data = IRegistry::NotEligible {
            offerId: 3,
            reason: Ineligible::Price,
        }
        .abi_encode();
        let reverted = decode("matchDeployment", &data);
        assert_eq!(reverted.name, "NotEligible");
        assert!(reverted.detail.contains("Price"), "{}", reverted.detail);
    }

    #[test]
    fn decodes_market_governed_and_token_errors() {
        let data = IMarket::InsufficientDeposit {
            required: U256::from(4_000),
            provided: U256::from(10),
        }
        .abi_encode();
        let reverted = decode("createDeployment", &data);
        assert_eq!(reverted.name, "InsufficientDeposit");
        assert_eq!(reverted.detail, "{ required: 4000, provided: 10 }");
        assert!(reverted.hint.contains("--deposit 4000"));
        assert!(
            reverted
                .to_string()
                .starts_with("createDeployment reverts with InsufficientDeposit")
        );

        let reverted = decode(
            "claim",
            &IMarket::NothingToClaim {
                account: Address::ZERO,
            }
            .abi_encode(),
        );
        assert_eq!(reverted.name, "NothingToClaim");

        let reverted = decode("cancel", &IGoverned::ContractPaused {}.abi_encode());
        assert_eq!(
            (reverted.name.as_str(), reverted.detail.as_str()),
            ("ContractPaused", "")
        );
        assert!(reverted.hint.contains("paused"));

        let deployer = Address::repeat_byte(0x0a);
        let data = IGoverned::NotDeployer {
            caller: Address::repeat_byte(0x5a),
            deployer,
        }
        .abi_encode();
        let reverted = decode("initialize", &data);
        assert_eq!(reverted.name, "NotDeployer");
        assert!(
            reverted.hint.contains(&format!("only {deployer}")),
            "{}",
            reverted.hint
        );

        let data = ITokenErrors::InsufficientAllowance {
            spender: Address::repeat_byte(1),
            available: U256::ZERO,
            required: U256::from(5),
        }
        .abi_encode();
        let reverted = decode("transferFrom", &data);
        assert_eq!(reverted.name, "InsufficientAllowance");
        assert!(reverted.hint.contains("cloudless token approve"));
    }

    #[test]
    fn decodes_the_cache_managers_errors_with_what_to_do() {
        use cloudless_abi::cache_manager::ICacheManager;
        let data = ICacheManager::AsmTooLarge {
            asm: U256::from(1_200_000),
            queueSize: U256::ZERO,
            cacheSize: U256::from(1_000),
        }
        .abi_encode();
        let reverted = decode("cache market", &data);
        assert_eq!(reverted.name, "AsmTooLarge");
        assert!(reverted.detail.contains("1200000"), "{}", reverted.detail);
        assert!(reverted.hint.contains("--no-cache"), "{}", reverted.hint);
        let data = ICacheManager::BidTooSmall {
            bid: alloy_primitives::Uint::from(1),
            min: alloy_primitives::Uint::from(7),
        }
        .abi_encode();
        let reverted = decode("cache market", &data);
        assert_eq!(reverted.name, "BidTooSmall");
        assert!(reverted.hint.contains("7 wei"), "{}", reverted.hint);
        let reverted = decode(
            "cache market",
            &ICacheManager::BidsArePaused {}.abi_encode(),
        );
        assert_eq!(reverted.name, "BidsArePaused");
    }

    #[test]
    fn decodes_reason_strings_panics_and_unknown_data() {
        let data = Revert::from("nope").abi_encode();
        let reverted = decode("call", &data);
        assert_eq!(
            (reverted.name.as_str(), reverted.detail.as_str()),
            ("Error", "\"nope\"")
        );
        let data = Panic::from(0x11).abi_encode();
        let reverted = decode("call", &data);
        assert_eq!(reverted.name, "Panic");
        assert_eq!(reverted.detail, "UnderOverflow");
        assert_eq!(decode("call", &[]).name, "revert");
        assert_eq!(
            decode("call", &[1, 2, 3, 4, 5]).name,
            "unknown error 0x01020304"
        );
    }
}
