//! The tracers of `debug_traceTransaction` and `debug_traceCall`: geth's struct logger (no
//! tracer named) and `callTracer`, built by `revm-inspectors` from the harness's inspected run,
//! and Nitro's `stylusTracer` ([`HostioTracer`]).

use alloy::rpc::types::trace::geth::{
    CallConfig, GethDebugBuiltInTracerType, GethDebugTracerType, GethDebugTracingOptions,
    GethDefaultTracingOptions,
};
use harness::evm::{
    hostio_trace::HostioTracer,
    inspect::StylusInspector,
    machine::{StylusEvm, TxError},
};
use revm::context::TxEnv;
use revm_inspectors::tracing::{GethTraceBuilder, TracingInspector, TracingInspectorConfig};
use serde_json::Value;

use crate::{
    node::Executed,
    rpc::errors::{RpcError, RpcResult},
};

/// The tracers this node runs, as the error for any other names them.
const SUPPORTED: &str = concat!(
    "callTracer, stylusTracer, or no tracer for the struct logger ",
    "(cargo stylus trace needs --use-native-tracer)"
);

/// Runs a transaction on the EVM it is given (the tracers pass one that inspects).
pub(crate) type Execute<'a> = &'a mut dyn FnMut(&mut StylusEvm, TxEnv) -> Result<Executed, TxError>;

/// A tracer asked for by a request's options.
#[derive(Clone, Debug)]
pub(crate) enum Tracer {
    /// geth's default: every EVM step.
    StructLogger(GethDefaultTracingOptions),
    /// geth's `callTracer`: the tree of calls, with `onlyTopCall` and `withLog`.
    Call(CallConfig),
    /// Nitro's `stylusTracer`: the host I/O of the programs.
    Stylus,
}

impl Tracer {
    /// The tracer `options` name, with its configuration; an unknown tracer or a configuration
    /// that does not parse is refused.
    pub(crate) fn from_options(options: GethDebugTracingOptions) -> RpcResult<Self> {
        match options.tracer {
            None => Ok(Self::StructLogger(options.config)),
            Some(GethDebugTracerType::BuiltInTracer(GethDebugBuiltInTracerType::CallTracer)) => {
                let config = options.tracer_config.into_call_config().map_err(|e| {
                    RpcError::params(format!("invalid callTracer tracerConfig: {e}"))
                })?;
                Ok(Self::Call(config))
            }
            Some(GethDebugTracerType::JsTracer(name)) if name == "stylusTracer" => Ok(Self::Stylus),
            Some(other) => {
                let name: String = other.as_str().chars().take(40).collect();
                Err(RpcError::params(format!(
                    "tracer {name:?} is not supported; supported: {SUPPORTED}"
                )))
            }
        }
    }

    /// Runs `run` (a transaction) under this tracer and returns the trace as geth (or Nitro)
    /// writes it.
    pub(crate) fn trace(
        self,
        run: impl FnOnce(Execute<'_>) -> RpcResult<Executed>,
    ) -> RpcResult<Value> {
        let json = match self {
            Self::StructLogger(options) => {
                let config = TracingInspectorConfig::from_geth_config(&options);
                let (out, inspector) = inspected(TracingInspector::new(config), run)?;
                let output = out.result.output().cloned().unwrap_or_default();
                serde_json::to_value(
                    GethTraceBuilder::new(inspector.into_traces().into_nodes()).geth_traces(
                        out.result.tx_gas_used(),
                        output,
                        options,
                    ),
                )
            }
            Self::Call(config) => {
                let inspector =
                    TracingInspector::new(TracingInspectorConfig::from_geth_call_config(&config));
                let (out, inspector) = inspected(inspector, run)?;
                serde_json::to_value(
                    GethTraceBuilder::new(inspector.into_traces().into_nodes())
                        .geth_call_traces(config, out.result.tx_gas_used()),
                )
            }
            Self::Stylus => {
                let (_, tracer) = inspected(HostioTracer::default(), run)?;
                serde_json::to_value(tracer.into_steps())
            }
        };
        json.map_err(|e| RpcError::Internal(format!("cannot encode the trace: {e}")))
    }
}

/// Runs `run` with `inspector` attached; returns the outcome and the inspector.
fn inspected<I: StylusInspector>(
    mut inspector: I,
    run: impl FnOnce(Execute<'_>) -> RpcResult<Executed>,
) -> RpcResult<(Executed, I)> {
    let out = run(&mut |evm, env| evm.inspect(env, &mut inspector))?;
    Ok((out, inspector))
}
