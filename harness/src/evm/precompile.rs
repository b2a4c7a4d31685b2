//! What ArbOS's precompiles share: how a call fails, and how it pays for ArbOS storage.

use revm::interpreter::{CallInputs, Gas, InstructionResult, InterpreterResult};

use super::machine::Ctx;

/// Gas for one ArbOS storage read, as Nitro's precompiles charge it.
pub(crate) const STORAGE_READ_GAS: u64 = 800;
/// Gas for one ArbOS storage write.
pub(crate) const STORAGE_WRITE_GAS: u64 = 20_000;

/// How a call to a precompile fails.
pub(crate) enum Failure {
    /// Revert with this data (a Solidity error, or none), keeping the gas left.
    Revert(Vec<u8>),
    /// Revert with no data and no gas left: calldata that names no method or does not decode,
    /// a call against the method's mutability, a caller without access, running out of gas.
    BurnOut,
}

/// Takes `cost` from `gas`, or burns out.
pub(crate) fn charge(gas: &mut Gas, cost: u64) -> Result<(), Failure> {
    if gas.record_regular_cost(cost) {
        Ok(())
    } else {
        Err(Failure::BurnOut)
    }
}

/// Runs one call to a precompile: `dispatch` answers the calldata with the call's gas.
pub(crate) fn run(
    ctx: &mut Ctx,
    inputs: &CallInputs,
    dispatch: impl FnOnce(&mut Ctx, &[u8], &mut Gas) -> Result<Vec<u8>, Failure>,
) -> InterpreterResult {
    let input = inputs.input.bytes(ctx);
    let mut gas = Gas::new(inputs.gas_limit);
    let outcome = dispatch(ctx, &input, &mut gas);
    finish(outcome, gas)
}

/// The interpreter result of a call that ended with `outcome`, `gas` left.
fn finish(outcome: Result<Vec<u8>, Failure>, mut gas: Gas) -> InterpreterResult {
    let (result, output) = match outcome {
        Ok(output) => (InstructionResult::Return, output),
        Err(Failure::Revert(data)) => (InstructionResult::Revert, data),
        Err(Failure::BurnOut) => {
            gas.spend_all();
            (InstructionResult::Revert, Vec::new())
        }
    };
    InterpreterResult {
        result,
        output: output.into(),
        gas,
    }
}
