//! `debug_traceTransaction` and `debug_traceCall`, with the tracers of [`crate::tracers`].

use alloy::rpc::types::{
    TransactionRequest,
    trace::geth::{GethDebugTracingCallOptions, GethDebugTracingOptions},
};
use alloy_primitives::B256;
use jsonrpsee::RpcModule;

use super::{Shared, errors::RpcError, eth::call_env, node_method};
use crate::{Error, node::TX_GAS_CAP, tracers::Tracer};

pub(super) fn register(module: &mut RpcModule<Shared>) -> Result<(), Error> {
    node_method(module, "debug_traceTransaction", |node, params| {
        let mut seq = params.sequence();
        let hash: B256 = seq.next()?;
        let options: Option<GethDebugTracingOptions> = seq.optional_next()?;
        let tracer = Tracer::from_options(options.unwrap_or_default())?;
        Ok(tracer.trace(|execute| node.replay_transaction(&hash, execute))?)
    })?;
    node_method(module, "debug_traceCall", |node, params| {
        let mut seq = params.sequence();
        let req: TransactionRequest = seq.next()?;
        let at = node.resolve(seq.optional_next()?)?;
        let options: Option<GethDebugTracingCallOptions> = seq.optional_next()?;
        let options = options.unwrap_or_default();
        if options.block_overrides.is_some() {
            return Err(RpcError::params("blockOverrides are not supported").into());
        }
        if options.tx_index.is_some() {
            return Err(RpcError::params("txIndex is not supported").into());
        }
        let tracer = Tracer::from_options(options.tracing_options)?;
        let gas = req.gas.unwrap_or(TX_GAS_CAP).min(TX_GAS_CAP);
        let env = call_env(node, &req, at, gas)?;
        let overrides = options.state_overrides;
        Ok(tracer.trace(|execute| node.simulate_with(env, at, overrides.as_ref(), execute))?)
    })?;
    Ok(())
}
