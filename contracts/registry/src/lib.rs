//! The registry's core program: the hooks the market calls while matching, proving and
//! evicting (`consume`, `release`, `slash`, `workerProvider`), the views, and `initialize`.
//! Every other selector runs in `registry-ext` on this program's storage. The storage and logic
//! are [`registry_state::Registry`]; the ABI is [`cloudless_abi::market::IRegistry`] plus
//! `IGoverned`.

use alloc::vec::Vec;

use cloudless_abi::market::IRegistry as I;
use contract_kit::{
    Revert,
    abi::{Calldata, Output, spec},
    entry::delegate,
    route,
};
use registry_state::Registry;

extern crate alloc;

contract_kit::entrypoint!(
    Registry,
    dispatch,
    |r: &mut Registry, input: &[u8]| delegate(r, r.governance.extension(), input),
    guarded = true
);

/// The core's function table.
fn dispatch(r: &mut Registry, selector: u32, a: Calldata) -> Result<Option<Vec<u8>>, Revert> {
    // `initialize`: the core records the extension, then the extension runs the rest.
    if selector == u32::from_be_bytes(<I::initializeCall as alloy_sol_types::SolCall>::SELECTOR) {
        r.governance.set_extension(a.address(8)?)?;
        return Ok(None);
    }
    route!(selector, {
        I::consumeCall => {
            let (provider, price) = r.consume(a.u64(0)?, a.u32(1)?, spec(a, 2)?)?;
            Output::new().address(provider).uint(price).done()
        },
        I::releaseCall => {
            r.release(a.u64(0)?, a.u32(1)?)?;
            Vec::new()
        },
        I::slashCall => Output::new().u256(r.slash(a.address(0)?, a.u256(1)?, a.u64(2)?)?).done(),
        I::workerProviderCall => Output::new().address(r.worker_provider(a.address(0)?)).done(),
        I::offerCall => {
            let o = r.load_offer(a.u64(0)?)?;
            let out = Output::new().address(o.provider).uint(o.cpuMilli.into());
            let out = out.uint(o.memMiB.into()).uint(o.region.into()).uint(o.tier.into());
            let out = out.address(o.token).uint(o.pricePerInstanceEpoch);
            let out = out.uint(o.capacity.into()).uint(o.inUse.into());
            out.uint(o.status as u128).done()
        },
        I::offerCountCall => Output::new().uint(r.offer_count().into()).done(),
        I::eligibilityCall => {
            let verdict = r.check(a.u64(0)?, a.u32(1)?, a.u32(2)?, spec(a, 3)?)?;
            let (eligible, reason) = match verdict {
                Ok(_) => (true, 0),
                Err(reason) => (false, reason as u128),
            };
            Output::new().bool(eligible).uint(reason).done()
        },
        I::providerCall => {
            let (registered, stake, unbonding, unlock) = r.provider(a.address(0)?);
            let out = Output::new().bool(registered).u256(stake).u256(unbonding);
            out.uint(unlock.into()).done()
        },
        I::paramsCall => {
            registry_state::params_words(Output::new(), &r.params()).done()
        },
        I::tokenCall => Output::new().address(r.token()).done(),
        I::marketCall => Output::new().address(r.market()).done(),
        I::genesisTimeCall => Output::new().uint(r.genesis_time().into()).done(),
        I::epochLengthCall => Output::new().uint(r.epoch_length().into()).done(),
        I::currentEpochCall => Output::new().uint(r.current_epoch().into()).done(),
        I::createOfferCall => {
            let id = r.create_offer(
                a.u32(0)?,
                a.u32(1)?,
                a.u8(2)?,
                a.u8(3)?,
                a.address(4)?,
                a.u128(5)?,
                a.u32(6)?,
            )?;
            Output::new().uint(id.into()).done()
        },
        I::updateOfferCall => {
            r.update_offer(a.u64(0)?, a.u128(1)?, a.u32(2)?)?;
            Vec::new()
        },
        I::setOfferPausedCall => {
            r.set_offer_paused(a.u64(0)?, a.bool(1)?)?;
            Vec::new()
        },
        I::closeOfferCall => {
            r.close_offer(a.u64(0)?)?;
            Vec::new()
        },
        I::stakeCall => {
            r.stake(a.u256(0)?)?;
            Vec::new()
        },
        I::stakeWithPermitCall => {
            r.stake_with_permit(a.u256(0)?, (a.u256(1)?, a.u8(2)?, a.b256(3)?, a.b256(4)?))?;
            Vec::new()
        },
        I::requestUnstakeCall => {
            r.request_unstake(a.u256(0)?)?;
            Vec::new()
        },
        I::withdrawStakeCall => {
            r.withdraw_stake()?;
            Vec::new()
        },
    });
    Ok(None)
}
