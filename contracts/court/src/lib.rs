//! The market's court program: protocol v2's disputes and the fraud that ends them.
//! `market-ext` delegates the `ICourt` selectors to it, so it runs on the market core's storage
//! ([`market_state::Market`]); called directly it would only see its own, empty storage.

use alloc::vec::Vec;

use cloudless_abi::court::ICourt as C;
use contract_kit::{
    Revert,
    abi::{Calldata, Output, unknown},
    route,
};
use market_state::{Market, court_params_words, read_court_params, read_receipt};

extern crate alloc;

contract_kit::entrypoint!(Market, dispatch, unknown, guarded = false);

/// The court's function table.
fn dispatch(m: &mut Market, selector: u32, a: Calldata) -> Result<Option<Vec<u8>>, Revert> {
    route!(selector, {
        C::courtParamsCall => court_params_words(Output::new(), &m.court_params()).done(),
        C::setCourtParamsCall => {
            m.set_court_params(read_court_params(a, 0)?)?;
            Vec::new()
        },
        C::receiptDigestCall => Output::new().b256(m.receipt_digest(&read_receipt(a, 0)?)).done(),
        C::disputeResultCall => {
            m.dispute_result(read_receipt(a, 0)?, a.bytes(5)?, a.bytes(6)?)?;
            Vec::new()
        },
        C::disputeInclusionCall => {
            let id = m.dispute_inclusion(read_receipt(a, 0)?, a.bytes(5)?, a.tuple(6)?)?;
            Output::new().uint(id.into()).done()
        },
        C::answerInclusionCall => {
            m.answer_inclusion(a.u64(0)?, &a.b256s(1)?)?;
            Vec::new()
        },
        C::challengeSampleCall => {
            let id = m.challenge_sample(a.tuple(0)?, a.u64(1)?)?;
            Output::new().uint(id.into()).done()
        },
        C::answerSampleCall => {
            let receipt = read_receipt(a, 1)?;
            m.answer_sample(a.u64(0)?, receipt, a.bytes(6)?, a.bytes(7)?, &a.b256s(8)?)?;
            Vec::new()
        },
        C::resolveCall => {
            m.resolve(a.u64(0)?)?;
            Vec::new()
        },
        C::disputeCall => m.dispute_words(a.u64(0)?)?,
        C::disputeCountCall => Output::new().uint(m.dispute_count().into()).done(),
    });
    Ok(None)
}
