//! The market's calls into the registry.

use alloc::vec::Vec;

use alloy_primitives::{Address, U256};
use alloy_sol_types::SolCall;
use cloudless_abi::market::{DeploymentSpec, IRegistry};
use contract_kit::{Revert, abi::Calldata};
use stylus_sdk::{
    call::{call, static_call},
    prelude::*,
};

use crate::contract::Market;

/// Decodes a call's return data; malformed data reverts without data, as Solidity does.
fn decode<C: SolCall>(ret: &[u8]) -> Result<C::Return, Revert> {
    C::abi_decode_returns(ret).map_err(|_| Vec::new())
}

impl Market {
    /// A state-changing call to the registry; its revert data is passed on.
    fn registry_call<C: SolCall>(&mut self, call_data: C) -> Result<C::Return, Revert> {
        let registry = self.registry.get();
        let context = Call::new_mutating(self);
        let ret = call(self.vm(), context, registry, &call_data.abi_encode()).map_err(Vec::from)?;
        decode::<C>(&ret)
    }

    /// A view of the registry.
    pub(crate) fn registry_view<C: SolCall>(&self, call_data: C) -> Result<C::Return, Revert> {
        decode::<C>(&self.registry_words(call_data)?)
    }

    /// A view of the registry, undecoded (for the court, whose size the generic decoder of
    /// tuples would burst).
    fn registry_words<C: SolCall>(&self, call_data: C) -> Result<Vec<u8>, Revert> {
        let registry = self.registry.get();
        static_call(self.vm(), Call::new(), registry, &call_data.abi_encode()).map_err(Vec::from)
    }

    /// The registry's `fraudPenalty`.
    pub(crate) fn fraud_penalty(&self) -> Result<u128, Revert> {
        Calldata::new(&self.registry_words(IRegistry::paramsCall {})?).u128(3)
    }

    /// The provider `worker` is bound to for good (zero when none).
    pub(crate) fn bound_provider(&self, worker: Address) -> Result<Address, Revert> {
        Calldata::new(&self.registry_words(IRegistry::workerOfCall { worker })?).address(0)
    }

    /// Takes `instances` of capacity from `offer_id` for `spec`; returns `(provider, price)`.
    pub(crate) fn consume(
        &mut self,
        offer_id: u64,
        instances: u32,
        spec: DeploymentSpec,
    ) -> Result<(Address, u128), Revert> {
        let ret = self.registry_call(IRegistry::consumeCall {
            offerId: offer_id,
            instances,
            spec,
        })?;
        Ok((ret.provider, ret.price))
    }

    /// Returns `instances` of capacity to `offer_id`.
    pub(crate) fn release(&mut self, offer_id: u64, instances: u32) -> Result<(), Revert> {
        self.registry_call(IRegistry::releaseCall {
            offerId: offer_id,
            instances,
        })?;
        Ok(())
    }

    /// Moves up to `amount` of `provider`'s stake here, pausing `offer_id` (0: none); returns
    /// what came.
    pub(crate) fn slash(
        &mut self,
        provider: Address,
        amount: U256,
        offer_id: u64,
    ) -> Result<U256, Revert> {
        self.registry_call(IRegistry::slashCall {
            provider,
            amount,
            offerId: offer_id,
        })
    }

    /// Counts a fraud conviction of `provider` at the registry.
    pub(crate) fn record_fraud(&mut self, provider: Address) -> Result<(), Revert> {
        self.registry_call(IRegistry::recordFraudCall { provider })?;
        Ok(())
    }

    /// The provider `worker` proves for.
    pub(crate) fn worker_provider(&self, worker: Address) -> Result<Address, Revert> {
        self.registry_view(IRegistry::workerProviderCall { worker })
    }
}
