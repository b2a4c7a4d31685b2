//! The registry's extension program: provider registration, worker keys and their bindings,
//! stake and unbonding, offer management, fraud convictions (`recordFraud`, the market's rare
//! hook) and the fraud and live-instance views, parameters and governance. The `registry` core
//! delegates to it, so it runs on the core's storage
//! ([`registry_state::Registry`]); called directly it would only see its own, empty storage.

use alloc::vec::Vec;

use cloudless_abi::market::{IRegistry as I, RegistryParams};
use contract_kit::{
    Revert,
    abi::{Calldata, Output, unknown},
    route,
};
use registry_state::Registry;

extern crate alloc;

contract_kit::entrypoint!(Registry, dispatch, unknown, guarded = false);

/// The extension's function table.
fn dispatch(r: &mut Registry, selector: u32, a: Calldata) -> Result<Option<Vec<u8>>, Revert> {
    if let Some(out) = r.governance.dispatch(selector, a)? {
        return Ok(Some(out));
    }
    route!(selector, {
        I::setMarketCall => {
            r.set_market(a.address(0)?)?;
            Vec::new()
        },
        I::setParamsCall => {
            r.set_params(params(a, 0)?)?;
            Vec::new()
        },
        I::registerProviderCall => {
            r.register_provider(a.string(0)?)?;
            Vec::new()
        },
        I::updateProviderCall => {
            r.update_provider(a.string(0)?)?;
            Vec::new()
        },
        I::providerMetadataCall => Output::string(&r.provider_metadata(a.address(0)?)).done(),
        I::addWorkerCall => {
            r.add_worker(a.address(0)?)?;
            Vec::new()
        },
        I::removeWorkerCall => {
            r.remove_worker(a.address(0)?)?;
            Vec::new()
        },
        I::workerOfCall => {
            let (provider, active) = r.worker_of(a.address(0)?);
            Output::new().address(provider).bool(active).done()
        },
        // The court's rare conviction path: not worth the core's size, paid on every call.
        I::recordFraudCall => Output::new().uint(r.record_fraud(a.address(0)?)?.into()).done(),
        I::fraudsCall => Output::new().uint(r.frauds(a.address(0)?).into()).done(),
        I::liveInstancesCall => Output::new().uint(r.live_instances(a.address(0)?).into()).done(),
        I::initializeCall => {
            let (owner, token, genesis, length) = (a.address(0)?, a.address(1)?, a.u64(2)?, a.u64(3)?);
            r.initialize(owner, token, genesis, length, params(a, 4)?)?;
            Vec::new()
        },
    });
    Ok(None)
}

/// `RegistryParams` (4 static words) starting at word `at`.
fn params(a: Calldata, at: usize) -> Result<RegistryParams, Revert> {
    Ok(RegistryParams {
        minStake: a.u256(at)?,
        unbondingEpochs: a.u64(at + 1)?,
        evictionCooldownEpochs: a.u64(at + 2)?,
        fraudPenalty: a.u128(at + 3)?,
    })
}
