//! One run of a program's `user_entrypoint`, as a state machine the EVM drives: it runs until a
//! hostio needs the EVM ([`Step::Request`]), waits for the [`Response`], and resumes, until the
//! program finishes ([`Step::Finished`]). One wasmi store per invocation; no threads, no
//! recursion into the EVM.

use wasmi::{
    AsContextMut, Instance, Store, TypedFunc, TypedResumableCall, TypedResumableCallHostTrap,
};

use super::{
    api::{EvmData, Outcome, Response, Step},
    hostio::{
        self, Env, Escape, Exports, HostState, HostioError, HostioRecord, MeterState,
        trace::{self, HostioTrace},
    },
    meter,
    params::StylusParams,
    program::Program,
};

/// The exported entry point.
const ENTRYPOINT: &str = "user_entrypoint";

/// Why a program could not start.
#[derive(Debug, thiserror::Error)]
enum StartError {
    /// Instantiation failed (imports, data segments…).
    #[error("instantiation failed: {0}")]
    Instantiate(#[from] wasmi::Error),
    /// A required export is missing or has the wrong type.
    #[error("the program does not export {0} with the expected type")]
    MissingExport(&'static str),
    /// The meter globals could not be set.
    #[error(transparent)]
    Meter(#[from] HostioError),
}

/// How the wasm stopped, before the meter has its say.
enum Stop {
    /// `user_entrypoint` returned, or `exit_early`, with this status.
    Exit(u32),
    /// A hostio ran out of ink.
    OutOfInk,
    /// A trap (`OutOfStack` if it was wasmi's own stack limit) or a failed hostio.
    Failure {
        reason: String,
        stack_overflow: bool,
    },
}

impl Stop {
    fn failure(reason: impl Into<String>) -> Self {
        Self::Failure {
            reason: reason.into(),
            stack_overflow: false,
        }
    }
}

/// A running or suspended program invocation.
pub struct Invocation {
    store: Store<HostState>,
    suspended: Option<TypedResumableCallHostTrap<u32>>,
}

impl std::fmt::Debug for Invocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Invocation")
            .field("suspended", &self.suspended.is_some())
            .finish()
    }
}

impl Invocation {
    /// Instantiates `program` for a call with `data` and `calldata`, gives it `ink` and
    /// `params.max_stack_depth` stack units, and runs it to its first request or its end.
    pub fn start(
        program: &Program,
        data: EvmData,
        calldata: Vec<u8>,
        ink: u64,
        params: &StylusParams,
    ) -> (Self, Step) {
        Self::launch(program, HostState::new(data, calldata, params), ink, params)
    }

    /// [`Invocation::start`], recording every hostio for [`Invocation::take_hostios`].
    pub fn start_traced(
        program: &Program,
        data: EvmData,
        calldata: Vec<u8>,
        ink: u64,
        params: &StylusParams,
    ) -> (Self, Step) {
        let mut state = HostState::new(data, calldata, params);
        state.trace = Some(HostioTrace::default());
        Self::launch(program, state, ink, params)
    }

    /// The hostios recorded since the last call, oldest first (none unless started traced).
    pub fn take_hostios(&mut self) -> Vec<HostioRecord> {
        self.store
            .data_mut()
            .trace
            .as_mut()
            .map(HostioTrace::take)
            .unwrap_or_default()
    }

    fn launch(
        program: &Program,
        state: HostState,
        ink: u64,
        params: &StylusParams,
    ) -> (Self, Step) {
        let args_len = state.args.len() as u32;
        let store = program.store(state);
        let mut invocation = Self {
            store,
            suspended: None,
        };
        let step = match invocation.instantiate(program, ink, params.max_stack_depth) {
            Ok(entry) => {
                if let Some(trace) = invocation.store.data_mut().trace.as_mut() {
                    trace.mark(
                        "user_entrypoint",
                        args_len.to_be_bytes().to_vec(),
                        Vec::new(),
                        ink,
                    );
                }
                let result = entry.call_resumable(&mut invocation.store, args_len);
                invocation.step(result)
            }
            Err(error) => Step::Finished {
                outcome: Outcome::Failure(error.to_string()),
                ink_left: ink,
            },
        };
        (invocation, step)
    }

    /// Answers the pending request and runs the program to its next request or its end. A
    /// response of the wrong kind, or one with no request pending, fails the program.
    pub fn resume(&mut self, response: Response) -> Step {
        let Some(trap) = self.suspended.take() else {
            return self.finish(Stop::failure("resumed an invocation that is not suspended"));
        };
        let answer = hostio::answer(&mut self.env(), response);
        trace::answered(&mut self.env(), &answer);
        match answer {
            Ok(result) => {
                let result = trap.resume(&mut self.store, result.as_slice());
                self.step(result)
            }
            Err(escape) => self.escaped(&escape),
        }
    }

    fn env(&mut self) -> Env<'_> {
        Env::new(self.store.as_context_mut())
    }

    /// Instantiates the program, finds its exports and sets the meter.
    fn instantiate(
        &mut self,
        program: &Program,
        ink: u64,
        stack: u32,
    ) -> Result<TypedFunc<u32, u32>, StartError> {
        let instance = program.instantiate(&mut self.store)?;
        let exports = self.exports(instance)?;
        self.store.data_mut().exports = Some(exports);
        self.env().start_meter(ink, stack)?;
        instance
            .get_typed_func::<u32, u32>(&self.store, ENTRYPOINT)
            .map_err(|_| StartError::MissingExport(ENTRYPOINT))
    }

    fn exports(&self, instance: Instance) -> Result<Exports, StartError> {
        let global = |name: &'static str| {
            instance
                .get_global(&self.store, name)
                .ok_or(StartError::MissingExport(name))
        };
        Ok(Exports {
            memory: instance
                .get_memory(&self.store, "memory")
                .ok_or(StartError::MissingExport("memory"))?,
            ink_left: global(meter::INK_LEFT)?,
            ink_status: global(meter::STATUS)?,
            stack_left: global(meter::STACK_LEFT)?,
        })
    }

    /// Turns what wasmi reports into the next step.
    fn step(&mut self, result: Result<TypedResumableCall<u32>, wasmi::Error>) -> Step {
        let trap = match result {
            Ok(TypedResumableCall::Finished(status)) => return self.finish(Stop::Exit(status)),
            Ok(TypedResumableCall::HostTrap(trap)) => trap,
            Ok(TypedResumableCall::OutOfFuel(_)) => {
                return self.finish(Stop::failure("ran out of fuel, but fuel metering is off"));
            }
            Err(error) => {
                let stack_overflow = error.as_trap_code() == Some(wasmi::TrapCode::StackOverflow);
                let reason = error.to_string();
                return self.finish(Stop::Failure {
                    reason,
                    stack_overflow,
                });
            }
        };
        match trap.host_error().downcast_ref::<Escape>() {
            Some(Escape::Suspend) => {}
            Some(escape) => return self.escaped(escape),
            None => {
                let reason = format!("unexpected host error: {}", trap.host_error());
                return self.finish(Stop::failure(reason));
            }
        }
        match self.store.data_mut().request.take() {
            Some(request) => {
                self.suspended = Some(trap);
                Step::Request(request)
            }
            None => self.finish(Stop::failure("a hostio suspended without a request")),
        }
    }

    /// A hostio stopped the program.
    fn escaped(&mut self, escape: &Escape) -> Step {
        self.finish(match escape {
            Escape::Exit(status) => Stop::Exit(*status),
            Escape::OutOfInk => Stop::OutOfInk,
            Escape::Suspend => Stop::failure("a hostio suspended while answering a response"),
            Escape::Failure(error) => Stop::failure(error.to_string()),
        })
    }

    /// The outcome, as Nitro decides it: out of stack first, then out of ink, then how the
    /// program stopped.
    fn finish(&mut self, stop: Stop) -> Step {
        let (outcome, ink_left) = match (self.env().meter(), stop) {
            (Ok(MeterState::OutOfStack), _)
            | (
                _,
                Stop::Failure {
                    stack_overflow: true,
                    ..
                },
            ) => (Outcome::OutOfStack, 0),
            (Ok(MeterState::Exhausted), _) | (_, Stop::OutOfInk) => (Outcome::OutOfInk, 0),
            (Ok(MeterState::Ready(ink)), Stop::Exit(status)) => {
                if let Some(trace) = self.store.data_mut().trace.as_mut() {
                    trace.mark(
                        "user_returned",
                        Vec::new(),
                        status.to_be_bytes().to_vec(),
                        ink,
                    );
                }
                let output = std::mem::take(&mut self.store.data_mut().outs);
                let outcome = if status == 0 {
                    Outcome::Success(output)
                } else {
                    Outcome::Revert(output)
                };
                (outcome, ink)
            }
            (Ok(MeterState::Ready(ink)), Stop::Failure { reason, .. }) => {
                (Outcome::Failure(reason), ink)
            }
            (Err(error), _) => (Outcome::Failure(error.to_string()), 0),
        };
        Step::Finished { outcome, ink_left }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stylus::{
        api::{ApiStatus, Request},
        hostio::testkit::{INK, compile_as_is, no_evm, program, run},
    };

    fn start(program: &Program, ink: u64) -> (Invocation, Step) {
        Invocation::start(
            program,
            EvmData::default(),
            vec![],
            ink,
            &StylusParams::default(),
        )
    }

    #[test]
    fn a_wrong_response_fails_and_a_finished_invocation_cannot_resume() {
        let p = program(
            &["pay_for_memory_grow"],
            "",
            "(call $pay_for_memory_grow (i32.const 1)) (i32.const 0)",
        );
        let (mut invocation, step) = start(&p, INK);
        assert!(matches!(
            step,
            Step::Request(Request::AddPages { pages: 1 })
        ));
        let wrong = Response::Code {
            code: vec![],
            gas_cost: 0,
        };
        let Step::Finished {
            outcome: Outcome::Failure(reason),
            ink_left,
        } = invocation.resume(wrong)
        else {
            panic!()
        };
        assert!(reason.contains("Code"), "{reason}");
        assert_eq!(ink_left, INK);
        let again = invocation.resume(Response::Status {
            status: ApiStatus::Success,
            gas_cost: 0,
        });
        assert!(matches!(
            again,
            Step::Finished {
                outcome: Outcome::Failure(_),
                ..
            }
        ));
    }

    #[test]
    fn meter_status_decides_out_of_ink_and_out_of_stack() {
        let trap = |status: i32| {
            let body = format!("(global.set 1 (i32.const {status})) unreachable");
            run(&program(&[], "", &body), EvmData::default(), &[], no_evm)
        };
        assert_eq!((trap(1).outcome, trap(1).ink_left), (Outcome::OutOfInk, 0));
        assert_eq!(
            (trap(2).outcome, trap(2).ink_left),
            (Outcome::OutOfStack, 0)
        );
        let plain = trap(0);
        assert!(matches!(plain.outcome, Outcome::Failure(_)));
        assert_eq!(plain.ink_left, INK, "a failure keeps the ink");
    }

    #[test]
    fn a_hostio_without_enough_ink_runs_out() {
        let p = program(&["msg_reentrant"], "", "(call $msg_reentrant)");
        let (_, step) = start(&p, 8_399);
        assert!(matches!(
            step,
            Step::Finished {
                outcome: Outcome::OutOfInk,
                ink_left: 0
            }
        ));
        let (_, step) = start(&p, 8_400);
        assert!(matches!(
            step,
            Step::Finished {
                outcome: Outcome::Success(_),
                ink_left: 0
            }
        ));
    }

    #[test]
    fn a_module_without_meter_globals_fails_to_start() {
        let wasm = wat::parse_str(
            r#"(module (memory (export "memory") 1)
                (func (export "user_entrypoint") (param i32) (result i32) (i32.const 0)))"#,
        )
        .unwrap();
        let p = compile_as_is(wasm);
        let (_, step) = start(&p, INK);
        let Step::Finished {
            outcome: Outcome::Failure(reason),
            ink_left: INK,
        } = step
        else {
            panic!("{step:?}")
        };
        assert!(reason.contains(meter::INK_LEFT), "{reason}");
    }
}
