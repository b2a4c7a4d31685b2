//! `emit_log`.

use super::{
    env::{Env, Escape, HostioError},
    price::{EVM_API_INK, flat, log_gas, read_price},
    suspend::Then,
};
use crate::stylus::api::Request;
use alloy_primitives::B256;

/// Most topics a log may have.
const MAX_TOPICS: u32 = 4;

/// `emit_log(data, len, topics)`: the first `32·topics` bytes of `data` are the topics, the rest
/// is the log data.
pub(super) fn emit_log(env: &mut Env<'_>, data: u32, len: u32, topics: u32) -> Result<(), Escape> {
    env.buy_ink(flat(0, EVM_API_INK))?;
    if topics > MAX_TOPICS || len < topics * 32 {
        return Err(HostioError::BadTopics { topics, len }.into());
    }
    env.buy_ink(read_price(len))?;
    let gas = log_gas(topics, len - topics * 32);
    env.buy_gas(gas)?;
    let mut data = env.read(data, len)?;
    env.writable("log")?;
    let data_start = topics as usize * 32;
    let topics = data[..data_start]
        .chunks_exact(32)
        .map(B256::from_slice)
        .collect();
    data.drain(..data_start);
    let request = Request::EmitLog { topics, data };
    Err(env.suspend(
        request,
        Then::Write {
            prepaid: gas,
            what: "log",
        },
    ))
}
