//! [`HostioTracer`]: Nitro's `stylusTracer`, the host I/O trace `cargo stylus trace` and
//! `cargo stylus replay` read.
//!
//! The trace is the list of hostios the transaction's top program made. Every frame a
//! transaction opens below the top one becomes an entry named for how it was entered
//! (`evm_call_contract`, `evm_delegate_call_contract`, `evm_static_call_contract`,
//! `evm_create1`, `evm_create2`) with the callee's `address` and its own hostios as `steps`;
//! when a program opened it, the program's call hostio completes that entry, which takes the
//! hostio's name (`call_contract`, …), arguments, results and ink.

use alloy_primitives::{Address, Bytes};
use revm::{
    Inspector,
    interpreter::{CallInputs, CallOutcome, CallScheme, CreateInputs, CreateOutcome, CreateScheme},
};
use serde::Serialize;

use super::{inspect::StylusInspector, machine::Ctx};
use crate::stylus::hostio::HostioRecord;

/// One hostio, or one frame opened below the top one, as `cargo stylus trace` reads it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HostioStep {
    /// The hostio's name (`storage_load_bytes32`, …), or `evm_…` for a frame an EVM frame opened.
    pub name: String,
    /// Arguments as bytes.
    pub args: Bytes,
    /// Results as bytes.
    pub outs: Bytes,
    /// Ink before the hostio (0 for a frame an EVM frame opened).
    pub start_ink: u64,
    /// Ink after it.
    pub end_ink: u64,
    /// The frame's address, for calls and creates.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<Address>,
    /// The hostios made in the frame, for calls and creates.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub steps: Option<Vec<HostioStep>>,
}

/// The names of the hostios that open a frame.
const FRAME_HOSTIOS: [&str; 5] = [
    "call_contract",
    "delegate_call_contract",
    "static_call_contract",
    "create1",
    "create2",
];

/// Records a transaction's host I/O tree (see the module docs).
#[derive(Debug, Default)]
pub struct HostioTracer {
    /// The steps of each open frame below the top one, with the entry that will hold them.
    open: Vec<(HostioStep, Vec<HostioStep>)>,
    /// The top frame's steps.
    top: Vec<HostioStep>,
    /// Frames open, the top one included.
    depth: usize,
}

impl HostioTracer {
    /// The trace: the top frame's steps.
    pub fn into_steps(self) -> Vec<HostioStep> {
        self.top
    }

    fn current(&mut self) -> &mut Vec<HostioStep> {
        match self.open.last_mut() {
            Some((_, steps)) => steps,
            None => &mut self.top,
        }
    }

    fn enter(&mut self, name: &str, address: Address) {
        self.depth += 1;
        if self.depth == 1 {
            return;
        }
        let entry = HostioStep {
            name: format!("evm_{name}"),
            args: Bytes::new(),
            outs: Bytes::new(),
            start_ink: 0,
            end_ink: 0,
            address: Some(address),
            steps: None,
        };
        self.open.push((entry, Vec::new()));
    }

    fn exit(&mut self, address: Option<Address>) {
        self.depth = self.depth.saturating_sub(1);
        let Some((mut entry, steps)) = self.open.pop() else {
            return;
        };
        if address.is_some() {
            entry.address = address;
        }
        entry.steps = Some(steps);
        self.current().push(entry);
    }
}

impl Inspector<Ctx> for HostioTracer {
    fn call(&mut self, _: &mut Ctx, inputs: &mut CallInputs) -> Option<CallOutcome> {
        let name = match inputs.scheme {
            CallScheme::Call => "call_contract",
            CallScheme::CallCode => "callcode_contract",
            CallScheme::DelegateCall => "delegate_call_contract",
            CallScheme::StaticCall => "static_call_contract",
        };
        self.enter(name, inputs.target_address);
        None
    }

    fn call_end(&mut self, _: &mut Ctx, _: &CallInputs, _: &mut CallOutcome) {
        self.exit(None);
    }

    fn create(&mut self, _: &mut Ctx, inputs: &mut CreateInputs) -> Option<CreateOutcome> {
        let name = match inputs.scheme() {
            CreateScheme::Create2 { .. } => "create2",
            _ => "create1",
        };
        self.enter(name, Address::ZERO);
        None
    }

    fn create_end(&mut self, _: &mut Ctx, _: &CreateInputs, outcome: &mut CreateOutcome) {
        self.exit(Some(outcome.address.unwrap_or_default()));
    }
}

impl StylusInspector for HostioTracer {
    fn records_hostios(&self) -> bool {
        true
    }

    fn hostio(&mut self, record: HostioRecord) {
        let steps = self.current();
        let opened = FRAME_HOSTIOS.contains(&record.name)
            && steps.last().is_some_and(|last| {
                last.steps.is_some() && last.name.strip_prefix("evm_") == Some(record.name)
            });
        let step = HostioStep {
            name: record.name.to_owned(),
            args: record.args.into(),
            outs: record.outs.into(),
            start_ink: record.start_ink,
            end_ink: record.end_ink,
            address: None,
            steps: None,
        };
        match steps.last_mut() {
            Some(last) if opened => {
                last.name = step.name;
                last.args = step.args;
                last.outs = step.outs;
                last.start_ink = step.start_ink;
                last.end_ink = step.end_ink;
            }
            _ => steps.push(step),
        }
    }
}
