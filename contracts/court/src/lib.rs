//! The market's court program: protocol v2's disputes and the fraud that ends them, plus the
//! market's rarely used functions (evictions, finalization, closes, parameters, the treasury).
//! `market-ext` delegates to it what it does not know, so it runs on the market core's storage
//! ([`market_state::Market`]); called directly it would only see its own, empty storage.

use alloc::vec::Vec;

use cloudless_abi::market::IMarket as I;
use contract_kit::{
    Revert,
    abi::{Calldata, Output, unknown},
    route,
};
use market_state::Market;

extern crate alloc;

contract_kit::entrypoint!(Market, dispatch, unknown, guarded = false);

/// The court's function table.
fn dispatch(m: &mut Market, selector: u32, a: Calldata) -> Result<Option<Vec<u8>>, Revert> {
    route!(selector, {
        I::setParamsCall => {
            m.set_params(market_state::read_params(a, 0)?)?;
            Vec::new()
        },
        I::paramsCall => {
            market_state::params_words(Output::new(), &m.params()).done()
        },
        I::closeCall => {
            m.close(a.u64(0)?)?;
            Vec::new()
        },
        I::evictCall => {
            m.evict(a.u64(0)?)?;
            Vec::new()
        },
        I::finalizeCall => {
            m.finalize(a.u64(0)?)?;
            Vec::new()
        },
        I::treasuryCall => Output::new().u256(m.treasury()).done(),
        I::withdrawTreasuryCall => {
            m.withdraw_treasury(a.address(0)?, a.u256(1)?)?;
            Vec::new()
        },
    });
    Ok(None)
}
