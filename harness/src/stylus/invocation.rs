//! One run of a program's `user_entrypoint`, as a state machine the EVM drives: it runs until a
//! hostio needs the EVM ([`Step::Request`]), waits for the [`Response`], and resumes, until the
//! program finishes ([`Step::Finished`]). One wasmi store per invocation; no threads, no
//! recursion into the EVM.

use std::sync::Arc;

use wasmi::{AsContextMut, TypedResumableCall, TypedResumableCallHostTrap};

use super::{
    api::{EvmData, Outcome, Response, Step},
    hostio::{
        self, Env, Escape, HostState, HostioRecord, MeterState,
        trace::{self, HostioTrace},
    },
    instances::{Pool, Warm},
    params::StylusParams,
    program::Program,
};

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

/// A running or suspended program invocation. Dropped, it gives its instance back to the
/// program's pool unless it is suspended mid-call.
pub struct Invocation {
    /// The instance; `None` when the program could not start.
    warm: Option<Box<Warm>>,
    suspended: Option<TypedResumableCallHostTrap<u32>>,
    pool: Arc<Pool>,
}

impl std::fmt::Debug for Invocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Invocation")
            .field("started", &self.warm.is_some())
            .field("suspended", &self.suspended.is_some())
            .finish()
    }
}

impl Drop for Invocation {
    fn drop(&mut self) {
        if let (Some(warm), None) = (self.warm.take(), &self.suspended) {
            self.pool.put(warm);
        }
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
        self.state()
            .and_then(|state| state.trace.as_mut())
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
        let mut invocation = Self {
            warm: None,
            suspended: None,
            pool: program.pool(),
        };
        let failed = |reason: String| Step::Finished {
            outcome: Outcome::Failure(reason),
            ink_left: ink,
        };
        let step = match program.warm(state) {
            Ok(warm) => {
                let warm = invocation.warm.insert(warm);
                let mut env = Env::new(warm.store.as_context_mut());
                match env.start_meter(ink, params.max_stack_depth) {
                    Ok(()) => {
                        if let Some(trace) = warm.store.data_mut().trace.as_mut() {
                            let args = args_len.to_be_bytes().to_vec();
                            trace.mark("user_entrypoint", args, Vec::new(), ink);
                        }
                        let result = warm.entry.call_resumable(&mut warm.store, args_len);
                        invocation.step(result)
                    }
                    Err(error) => failed(error.to_string()),
                }
            }
            Err(error) => failed(error.to_string()),
        };
        (invocation, step)
    }

    /// Answers the pending request and runs the program to its next request or its end. A
    /// response of the wrong kind, or one with no request pending, fails the program.
    pub fn resume(&mut self, response: Response) -> Step {
        let (Some(trap), Some(warm)) = (self.suspended.take(), self.warm.as_mut()) else {
            return self.finish(Stop::failure("resumed an invocation that is not suspended"));
        };
        let mut env = Env::new(warm.store.as_context_mut());
        let answer = hostio::answer(&mut env, response);
        trace::answered(&mut env, &answer);
        match answer {
            Ok(result) => {
                let result = trap.resume(&mut warm.store, result.as_slice());
                self.step(result)
            }
            Err(escape) => self.escaped(&escape),
        }
    }

    /// The host state, once the program started.
    fn state(&mut self) -> Option<&mut HostState> {
        self.warm.as_mut().map(|warm| warm.store.data_mut())
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
        let request = self.state().and_then(|state| state.request.take());
        match request {
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
        let Some(warm) = self.warm.as_mut() else {
            let outcome = Outcome::Failure("the program did not start".into());
            return Step::Finished {
                outcome,
                ink_left: 0,
            };
        };
        let meter = Env::new(warm.store.as_context_mut()).meter();
        let (outcome, ink_left) = match (meter, stop) {
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
                if let Some(trace) = warm.store.data_mut().trace.as_mut() {
                    let outs = status.to_be_bytes().to_vec();
                    trace.mark("user_returned", Vec::new(), outs, ink);
                }
                let output = std::mem::take(&mut warm.store.data_mut().outs);
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
        assert!(reason.contains(crate::stylus::meter::INK_LEFT), "{reason}");
    }
}
