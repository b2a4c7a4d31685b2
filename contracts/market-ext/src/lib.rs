//! The market's extension program: deployments (create, top up, withdraw, cancel), provider
//! exits, claims, the views and governance. The `market` core delegates to it, so it runs on
//! the core's storage ([`market_state::Market`]); called directly it would only see its own,
//! empty storage. What it does not know it delegates on to the `court` program.

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
    |m: &mut Market, input: &[u8]| delegate(m, m.court(), input),
    guarded = false
);

/// The extension's function table.
fn dispatch(m: &mut Market, selector: u32, a: Calldata) -> Result<Option<Vec<u8>>, Revert> {
    if let Some(out) = m.governance.dispatch(selector, a)? {
        return Ok(Some(out));
    }
    let permit =
        |at: usize| Ok::<_, Revert>((a.u256(at)?, a.u8(at + 1)?, a.b256(at + 2)?, a.b256(at + 3)?));
    route!(selector, {
        I::createDeploymentCall => {
            let id = m.create_deployment(contract_kit::abi::spec(a, 0)?, a.u256(12)?)?;
            Output::new().uint(id.into()).done()
        },
        I::createDeploymentWithPermitCall => {
            let spec = contract_kit::abi::spec(a, 0)?;
            let id = m.create_deployment_with_permit(spec, a.u256(12)?, permit(13)?)?;
            Output::new().uint(id.into()).done()
        },
        I::cancelCall => {
            m.cancel(a.u64(0)?)?;
            Vec::new()
        },
        I::deploymentSpecCall => {
            let id = a.u64(0)?;
            m.existing(id)?;
            Output::new().spec(&m.spec(id)).done()
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
        I::courtCall => Output::new().address(m.court()).done(),
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
            m.initialize(a.address(0)?, a.address(1)?, market_state::read_params(a, 2)?, a.address(14)?)?;
            Vec::new()
        },
    });
    Ok(None)
}
