//! The market's core program: matching, proofs and their batches, what proven epochs are owed,
//! the clock views and `initialize`. Every other selector runs in `market-ext` (and from there
//! in `court`) on this program's storage. The
//! storage and logic are [`market_state::Market`]; the ABI is [`cloudless_abi::market::IMarket`]
//! plus `IGoverned`.

use alloc::vec::Vec;

use cloudless_abi::market::IMarket as I;
use contract_kit::{
    Revert,
    abi::{Calldata, Output},
    entry::delegate,
    route,
};
use market_state::Market;

extern crate alloc;

contract_kit::entrypoint!(
    Market,
    dispatch,
    |m: &mut Market, input: &[u8]| delegate(m, m.governance.extension(), input),
    guarded = true
);

/// The core's function table.
fn dispatch(m: &mut Market, selector: u32, a: Calldata) -> Result<Option<Vec<u8>>, Revert> {
    // `initialize`: the core records the extension, then the extension runs the rest.
    if selector == u32::from_be_bytes(<I::initializeCall as alloy_sol_types::SolCall>::SELECTOR) {
        m.governance.set_extension(a.address(13)?)?;
        return Ok(None);
    }
    route!(selector, {
        I::registryCall => Output::new().address(m.registry()).done(),
        I::tokenCall => Output::new().address(m.token()).done(),
        I::currentEpochCall => Output::new().uint(m.current_epoch().into()).done(),
        I::matchDeploymentCall => {
            let (len, items) = a.array(1, 3)?;
            let mut pairs = Vec::with_capacity(len);
            for i in 0..len {
                pairs.push((items.u64(3 * i)?, items.u32(3 * i + 1)?, items.u128(3 * i + 2)?));
            }
            let first = m.match_deployment(a.u64(0)?, pairs)?;
            Output::new().uint(first.into()).done()
        },
        I::owedCall => Output::new().u256(m.owed(a.u64(0)?)).done(),
        I::proofBatchCall => Output::new().b256(m.proof_batch(a.u64(0)?)).done(),
        I::proofBatchCountCall => Output::new().uint(m.proof_batch_count().into()).done(),
        I::settleOwedCall => {
            m.settle_owed(a.u64(0)?)?;
            Vec::new()
        },
        I::submitProofCall => {
            m.submit_proof(a.u64(0)?, a.u64(1)?, a.b256(2)?, a.u32(3)?)?;
            Vec::new()
        },
        I::submitProofsCall => {
            let (len, items) = a.array(0, 4)?;
            let mut proofs = Vec::with_capacity(len);
            for i in 0..len {
                let at = 4 * i;
                proofs.push((items.u64(at)?, items.u64(at + 1)?, items.b256(at + 2)?, items.u32(at + 3)?));
            }
            m.submit_proofs(proofs)?;
            Vec::new()
        },
    });
    Ok(None)
}
