//! Hostios that need the EVM: what they still have to do when the answer to their request comes,
//! and the dispatch of that answer.

use alloy_primitives::{Address, U256};
use wasmi::Val;

use super::{
    account::{self, CodeRead},
    calls,
    env::{Env, Escape, HostioError},
    storage,
};
use crate::stylus::api::{ApiStatus, Response};

/// The rest of a suspended hostio.
#[derive(Debug)]
pub(crate) enum Then {
    /// `storage_load_bytes32` missed the cache: charge, remember the value, write it to `dest`.
    Load {
        /// Storage key.
        key: U256,
        /// Where the value goes.
        dest: u32,
        /// The cache's read fee, charged with the EVM cost.
        fee: u64,
    },
    /// A word for `dest` (transient load, balance, code hash); `prepaid` gas was charged before.
    Word {
        /// Where the word goes.
        dest: u32,
        /// Gas charged before the request.
        prepaid: u64,
    },
    /// A state change that must succeed (transient store, log); `prepaid` gas was charged.
    Write {
        /// Gas charged before the request.
        prepaid: u64,
        /// What was written, for the failure message.
        what: &'static str,
    },
    /// `storage_flush_cache`.
    Flush,
    /// `pay_for_memory_grow` with new pages.
    AddPages,
    /// A call: the status is returned, the return data length written to `ret_len`.
    Call {
        /// Where the return data length goes.
        ret_len: u32,
    },
    /// A create: the address and revert data length are written.
    Create {
        /// Where the new address goes.
        address: u32,
        /// Where the revert data length goes.
        ret_len: u32,
    },
    /// `account_code` or `account_code_size` of `address`.
    Code {
        /// The account asked about.
        address: Address,
        /// What the hostio returns.
        read: CodeRead,
    },
}

impl Then {
    /// The response kind this continuation expects.
    fn expects(&self) -> &'static str {
        match self {
            Self::Load { .. } | Self::Word { .. } => "Bytes32",
            Self::Write { .. } | Self::Flush | Self::AddPages => "Status",
            Self::Call { .. } => "Call",
            Self::Create { .. } => "Create",
            Self::Code { .. } => "Code",
        }
    }
}

/// The name of a response kind.
fn kind(response: &Response) -> &'static str {
    match response {
        Response::Bytes32 { .. } => "Bytes32",
        Response::Status { .. } => "Status",
        Response::Call { .. } => "Call",
        Response::Create { .. } => "Create",
        Response::Code { .. } => "Code",
    }
}

/// Finishes the suspended hostio with the EVM's `response`; returns the hostio's result value.
pub(crate) fn answer(env: &mut Env<'_>, response: Response) -> Result<Option<Val>, Escape> {
    let Some(then) = env.state_mut().then.take() else {
        let got = kind(&response);
        return Err(HostioError::WrongResponse {
            expected: "no response",
            got,
        }
        .into());
    };
    let none = |()| None;
    let value = |v: u32| Some(Val::I32(v as i32));
    match (then, response) {
        (Then::Load { key, dest, fee }, Response::Bytes32 { value, gas_cost }) => {
            storage::loaded(env, key, dest, fee, value, gas_cost).map(none)
        }
        (Then::Word { dest, prepaid }, Response::Bytes32 { value, gas_cost }) => {
            env.buy_gas(gas_cost.saturating_sub(prepaid))?;
            env.write(dest, value.as_slice()).map(none)
        }
        (Then::Write { prepaid, what }, Response::Status { status, gas_cost }) => {
            env.buy_gas(gas_cost.saturating_sub(prepaid))?;
            match status {
                ApiStatus::Success => Ok(None),
                _ => Err(HostioError::Refused(what).into()),
            }
        }
        (Then::Flush, Response::Status { status, gas_cost }) => {
            storage::flushed(env, status, gas_cost).map(none)
        }
        (Then::AddPages, Response::Status { gas_cost, .. }) => env.buy_gas(gas_cost).map(none),
        (
            Then::Call { ret_len },
            Response::Call {
                success,
                return_data,
                gas_cost,
            },
        ) => calls::returned(env, ret_len, success, return_data, gas_cost).map(value),
        (
            Then::Create { address, ret_len },
            Response::Create {
                address: created,
                return_data,
                gas_cost,
            },
        ) => calls::created(env, address, ret_len, created, return_data, gas_cost).map(none),
        (Then::Code { address, read }, Response::Code { code, gas_cost }) => {
            account::code_loaded(env, address, read, code, gas_cost).map(value)
        }
        (then, response) => Err(HostioError::WrongResponse {
            expected: then.expects(),
            got: kind(&response),
        }
        .into()),
    }
}
