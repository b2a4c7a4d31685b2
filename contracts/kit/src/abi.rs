//! Small, hand-rolled ABI decoding and encoding for the contracts' routers.
//!
//! The SDK's `#[public]` router instantiates alloy's generic decoder for every method, which
//! made each contract several times larger than Arbitrum's 24 KB code limit. The contracts take
//! only static words, one string and arrays of static tuples, so reading 32-byte words is all
//! that is needed. Selectors still come from the `sol!` source of truth (`SolCall::SELECTOR`),
//! and the tests encode every call with the `sol!` types, which keeps both sides in step.

use alloc::{string::String, vec::Vec};

use alloy_primitives::{Address, B256, U256};
use cloudless_abi::market::IGoverned;

use crate::{Revert, revert};
use stylus_sdk::prelude::*;

fn malformed() -> Revert {
    revert(IGoverned::MalformedCalldata {})
}

/// Arguments of a call, after the selector.
#[derive(Clone, Copy)]
pub struct Calldata<'a>(&'a [u8]);

impl<'a> Calldata<'a> {
    /// Wraps the arguments.
    pub fn new(data: &'a [u8]) -> Self {
        Self(data)
    }

    fn word(&self, index: usize) -> Result<&'a [u8], Revert> {
        let start = index.checked_mul(32).ok_or_else(malformed)?;
        self.0.get(start..start + 32).ok_or_else(malformed)
    }

    /// An unsigned integer of at most `bytes` bytes (higher bytes must be zero).
    fn uint(&self, index: usize, bytes: usize) -> Result<u128, Revert> {
        let word = self.word(index)?;
        if word[..32 - bytes].iter().any(|b| *b != 0) {
            return Err(malformed());
        }
        Ok(word[16..]
            .iter()
            .fold(0u128, |acc, b| (acc << 8) | u128::from(*b)))
    }

    /// A `uint256`.
    pub fn u256(&self, index: usize) -> Result<U256, Revert> {
        Ok(U256::from_be_slice(self.word(index)?))
    }

    /// A `uint128`.
    pub fn u128(&self, index: usize) -> Result<u128, Revert> {
        self.uint(index, 16)
    }

    /// A `uint64`.
    pub fn u64(&self, index: usize) -> Result<u64, Revert> {
        Ok(self.uint(index, 8)? as u64)
    }

    /// A `uint32`.
    pub fn u32(&self, index: usize) -> Result<u32, Revert> {
        Ok(self.uint(index, 4)? as u32)
    }

    /// A `uint16`.
    pub fn u16(&self, index: usize) -> Result<u16, Revert> {
        Ok(self.uint(index, 2)? as u16)
    }

    /// A `uint8`.
    pub fn u8(&self, index: usize) -> Result<u8, Revert> {
        Ok(self.uint(index, 1)? as u8)
    }

    /// A `bool`.
    pub fn bool(&self, index: usize) -> Result<bool, Revert> {
        match self.uint(index, 1)? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(malformed()),
        }
    }

    /// An `address`.
    pub fn address(&self, index: usize) -> Result<Address, Revert> {
        let word = self.word(index)?;
        if word[..12].iter().any(|b| *b != 0) {
            return Err(malformed());
        }
        Ok(Address::from_slice(&word[12..]))
    }

    /// A `bytes32`.
    pub fn b256(&self, index: usize) -> Result<B256, Revert> {
        Ok(B256::from_slice(self.word(index)?))
    }

    /// The `(offset) → (length, data)` of a dynamic argument whose head is word `index`.
    fn tail(&self, index: usize) -> Result<(usize, Calldata<'a>), Revert> {
        let offset = usize::try_from(self.uint(index, 4)?).map_err(|_| malformed())?;
        let rest = Calldata(self.0.get(offset..).ok_or_else(malformed)?);
        let len = usize::try_from(rest.uint(0, 4)?).map_err(|_| malformed())?;
        Ok((len, Calldata(&rest.0[32..])))
    }

    /// A `string` (must be UTF-8).
    pub fn string(&self, index: usize) -> Result<String, Revert> {
        let (len, data) = self.tail(index)?;
        let bytes = data.0.get(..len).ok_or_else(malformed)?;
        String::from_utf8(bytes.to_vec()).map_err(|_| malformed())
    }

    /// An array of static tuples of `words` words each: its length and its items' data.
    pub fn array(&self, index: usize, words: usize) -> Result<(usize, Calldata<'a>), Revert> {
        let (len, data) = self.tail(index)?;
        let size = len.checked_mul(words * 32).ok_or_else(malformed)?;
        if data.0.len() < size {
            return Err(malformed());
        }
        Ok((len, data))
    }
}

/// ABI-encoded return data, built word by word.
#[derive(Default)]
pub struct Output(Vec<u8>);

impl Output {
    /// No words yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a `uint256` (or any word given as one).
    pub fn u256(mut self, value: U256) -> Self {
        self.0.extend_from_slice(&value.to_be_bytes::<32>());
        self
    }

    /// Appends an unsigned integer.
    pub fn uint(self, value: u128) -> Self {
        self.u256(U256::from(value))
    }

    /// Appends an `address`.
    pub fn address(self, value: Address) -> Self {
        self.u256(value.into_word().into())
    }

    /// Appends a `bytes32`.
    pub fn b256(self, value: B256) -> Self {
        self.u256(value.into())
    }

    /// Appends a `bool`.
    pub fn bool(self, value: bool) -> Self {
        self.uint(value.into())
    }

    /// Appends a `DeploymentSpec` (12 static words).
    pub fn spec(self, s: &cloudless_abi::market::DeploymentSpec) -> Self {
        let out = self
            .address(s.program)
            .b256(s.artifact)
            .uint(s.instances.into());
        let out = out.uint(s.minInstances.into()).uint(s.cpuMilli.into());
        let out = out
            .uint(s.memMiB.into())
            .u256(s.regionMask)
            .uint(s.minTier.into());
        let out = out.address(s.token).uint(s.maxPricePerInstanceEpoch);
        out.uint(s.maxPerProvider.into())
            .uint(s.durationEpochs.into())
    }

    /// A lone `string` (its offset, length and padded bytes).
    pub fn string(value: &str) -> Self {
        let mut out = Self::new().uint(32).uint(value.len() as u128).0;
        out.extend_from_slice(value.as_bytes());
        out.resize(out.len().div_ceil(32) * 32, 0);
        Self(out)
    }

    /// The encoded bytes.
    pub fn done(self) -> Vec<u8> {
        self.0
    }
}

/// `if selector == <$call>::SELECTOR { return Ok(Some($body)) }` for each `$call => $body`.
#[macro_export]
macro_rules! route {
    ($selector:expr, { $($call:ty => $body:expr,)* }) => {
        $(
            if $selector == u32::from_be_bytes(<$call as alloy_sol_types::SolCall>::SELECTOR) {
                return Ok(Some($body));
            }
        )*
    };
}

/// A program's function table: `Ok(None)` when no function has the selector.
pub type Dispatch<S> = fn(&mut S, u32, Calldata) -> Result<Option<Vec<u8>>, Revert>;

/// What a program does with a selector its table lacks.
pub type Fallback<S> = fn(&mut S, &[u8]) -> Result<Vec<u8>, Revert>;

/// Runs one call: rejects value (no function is payable), routes the selector, and hands
/// unknown selectors to `fallback` with the whole calldata.
pub fn run<S: HostAccess>(
    state: &mut S,
    input: &[u8],
    dispatch: Dispatch<S>,
    fallback: Fallback<S>,
) -> Result<Vec<u8>, Revert> {
    if !state.vm().msg_value().is_zero() {
        return Err(revert(IGoverned::NotPayable {}));
    }
    let selector = input.get(..4).ok_or_else(malformed)?;
    let selector = u32::from_be_bytes([selector[0], selector[1], selector[2], selector[3]]);
    match dispatch(state, selector, Calldata::new(&input[4..]))? {
        Some(out) => Ok(out),
        None => fallback(state, input),
    }
}

/// The fallback of a program without extension: `UnknownFunction(selector)`.
pub fn unknown<S>(_: &mut S, input: &[u8]) -> Result<Vec<u8>, Revert> {
    let mut selector = [0u8; 4];
    selector.copy_from_slice(&input[..4]);
    Err(revert(IGoverned::UnknownFunction {
        selector: selector.into(),
    }))
}

/// A `DeploymentSpec` (12 static words) starting at word `at`.
pub fn spec(a: Calldata, at: usize) -> Result<cloudless_abi::market::DeploymentSpec, Revert> {
    Ok(cloudless_abi::market::DeploymentSpec {
        program: a.address(at)?,
        artifact: a.b256(at + 1)?,
        instances: a.u32(at + 2)?,
        minInstances: a.u32(at + 3)?,
        cpuMilli: a.u32(at + 4)?,
        memMiB: a.u32(at + 5)?,
        regionMask: a.u256(at + 6)?,
        minTier: a.u8(at + 7)?,
        token: a.address(at + 8)?,
        maxPricePerInstanceEpoch: a.u128(at + 9)?,
        maxPerProvider: a.u32(at + 10)?,
        durationEpochs: a.u64(at + 11)?,
    })
}

/// An indexed topic holding an unsigned integer.
pub fn topic(value: u128) -> B256 {
    U256::from(value).into()
}

/// An indexed topic holding an address.
pub fn topic_address(value: Address) -> B256 {
    value.into_word()
}

/// Emits event `signature` (a `sol!` event's `SIGNATURE_HASH`) with its indexed `topics` and its
/// data words, encoded by hand like the calldata: one small function instead of an ABI encoder
/// per event type. The tests decode every event with the `sol!` types.
pub fn emit<S: HostAccess>(state: &S, signature: B256, topics: &[B256], data: Output) {
    let mut all = Vec::with_capacity(1 + topics.len());
    all.push(signature);
    all.extend_from_slice(topics);
    // Fails only with more than four topics, which no event has.
    let _ = state.vm().raw_log(&all, &data.done());
}
