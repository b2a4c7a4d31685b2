//! The market's extension program: cancels and closes, provider exits, evictions and
//! finalization, the treasury, parameters and governance. The `market` core delegates to it,
//! so it runs on the core's storage ([`market_state::Market`]); called directly it would only
//! see its own, empty storage.

use alloc::vec::Vec;

use cloudless_abi::market::{IMarket as I, MarketParams};
use contract_kit::{
    Revert,
    abi::{Calldata, Output, unknown},
    route,
};
use market_state::Market;

extern crate alloc;

contract_kit::entrypoint!(Market, dispatch, unknown, guarded = false);

/// The extension's function table.
fn dispatch(m: &mut Market, selector: u32, a: Calldata) -> Result<Option<Vec<u8>>, Revert> {
    if let Some(out) = m.governance.dispatch(selector, a)? {
        return Ok(Some(out));
    }
    let permit =
        |at: usize| Ok::<_, Revert>((a.u256(at)?, a.u8(at + 1)?, a.b256(at + 2)?, a.b256(at + 3)?));
    route!(selector, {
        I::setParamsCall => {
            m.set_params(params(a, 0)?)?;
            Vec::new()
        },
        I::paramsCall => {
            market_state::params_words(Output::new(), &m.params()).done()
        },
        I::cancelCall => {
            m.cancel(a.u64(0)?)?;
            Vec::new()
        },
        I::closeCall => {
            m.close(a.u64(0)?)?;
            Vec::new()
        },
        I::deploymentSpecCall => {
            let id = a.u64(0)?;
            m.existing(id)?;
            let s = m.spec(id);
            let out = Output::new().b256(s.artifact).uint(s.instances.into());
            let out = out.uint(s.minInstances.into()).uint(s.cpuMilli.into());
            let out = out.uint(s.memMiB.into()).u256(s.regionMask).uint(s.minTier.into());
            let out = out.address(s.token).uint(s.maxPricePerInstanceEpoch);
            out.uint(s.maxPerProvider.into()).uint(s.durationEpochs.into()).done()
        },
        I::providerInstancesCall => {
            let held = m.provider_instances(a.u64(0)?, a.address(1)?);
            Output::new().uint(held.into()).done()
        },
        I::exitPlacementCall => {
            m.exit_placement(a.u64(0)?)?;
            Vec::new()
        },
        I::exitPlacementNowCall => {
            m.exit_placement_now(a.u64(0)?)?;
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
        I::topUpCall => {
            m.top_up(a.u64(0)?, a.u256(1)?)?;
            Vec::new()
        },
        I::topUpWithPermitCall => {
            m.top_up_with_permit(a.u64(0)?, a.u256(1)?, permit(2)?)?;
            Vec::new()
        },
        I::withdrawCall => {
            m.withdraw(a.u64(0)?, a.u256(1)?)?;
            Vec::new()
        },
        I::deploymentStateCall => {
            let (owner, balance, rate, placed, end, since, created, status) =
                m.deployment_state(a.u64(0)?)?;
            let out = Output::new().address(owner).u256(balance).u256(rate);
            let out = out.uint(placed.into()).uint(end.into()).uint(since.into());
            out.uint(created.into()).uint(status.into()).done()
        },
        I::reserveCall => Output::new().u256(m.reserve(a.u64(0)?)?).done(),
        I::deploymentCountCall => Output::new().uint(m.deployment_count().into()).done(),
        I::placementCall => {
            let (d, offer, provider, k, price, start, last, end, misses, live) =
                m.placement(a.u64(0)?)?;
            let out = Output::new().uint(d.into()).uint(offer.into()).address(provider);
            let out = out.uint(k.into()).uint(price).uint(start.into()).uint(last.into());
            out.uint(end.into()).uint(misses.into()).bool(live).done()
        },
        I::placementCountCall => Output::new().uint(m.placement_count().into()).done(),
        I::claimableCall => Output::new().u256(m.claimable(a.address(0)?)).done(),
        I::claimCall => {
            m.claim()?;
            Vec::new()
        },
        I::initializeCall => {
            m.initialize(a.address(0)?, a.address(1)?, params(a, 2)?)?;
            Vec::new()
        },
    });
    Ok(None)
}

/// `MarketParams` (11 static words) starting at word `at`.
fn params(a: Calldata, at: usize) -> Result<MarketParams, Revert> {
    Ok(MarketParams {
        feeBps: a.u16(at)?,
        keeperFee: a.u128(at + 1)?,
        minPrepaidEpochs: a.u64(at + 2)?,
        proofWindow: a.u64(at + 3)?,
        noticeEpochs: a.u64(at + 4)?,
        exitPenalty: a.u128(at + 5)?,
        maxMissedEpochs: a.u64(at + 6)?,
        slashPerMissedInstanceEpoch: a.u128(at + 7)?,
        graceEpochs: a.u64(at + 8)?,
        minDeposit: a.u128(at + 9)?,
        matchExpiryEpochs: a.u64(at + 10)?,
    })
}
