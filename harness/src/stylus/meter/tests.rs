//! Instrumented modules run on wasmi 2.0; ink figures are worked out by hand from the table.

use wasmi::{Caller, Engine, Extern, Linker, Module, Store, Val};

use super::{INK_LEFT, Instrumented, MUTABLE_GLOBAL_PREFIX, STACK_LEFT, STATUS, instrument};
use crate::stylus::params::StylusParams;

/// Ink per basic block on top of its operators.
const HEADER: u64 = 2_450;
/// Plenty of ink.
const INK: u64 = 1_000_000_000;
/// Plenty of stack units.
const STACK: u32 = 22_000;

/// Host state of a test run.
#[derive(Default)]
struct Host {
    /// Pages passed to `pay_for_memory_grow`.
    grows: Vec<i32>,
    /// `stylus_stack_left` seen by each `test.probe` call.
    probes: Vec<u32>,
}

/// Outcome of one `user_entrypoint` call.
#[derive(Debug)]
struct Run {
    result: Result<i32, wasmi::Error>,
    ink_left: u64,
    status: i32,
    stack_left: u32,
    grows: Vec<i32>,
    probes: Vec<u32>,
}

impl Run {
    fn value(&self) -> i32 {
        *self.result.as_ref().expect("call succeeds")
    }

    fn ink_used(&self, given: u64) -> u64 {
        given - self.ink_left
    }
}

fn instrumented(wat: &str) -> Instrumented {
    let wasm = wat::parse_str(wat).expect("wat");
    instrument(&wasm, &StylusParams::default()).expect("instrument")
}

fn run(module: &Instrumented, ink: u64, stack: u32, arg: i32) -> Run {
    let mut config = wasmi::Config::default();
    config.set_max_recursion_depth(20_000);
    let engine = Engine::new(&config);
    let wasm_module = Module::new(&engine, &module.wasm).expect("wasmi accepts the module");
    let mut store = Store::new(&engine, Host::default());
    let mut linker = Linker::<Host>::new(&engine);
    linker
        .func_wrap(
            "vm_hooks",
            "pay_for_memory_grow",
            |mut caller: Caller<'_, Host>, pages: i32| caller.data_mut().grows.push(pages),
        )
        .unwrap();
    linker
        .func_wrap("test", "probe", |mut caller: Caller<'_, Host>| {
            let Some(Extern::Global(global)) = caller.get_export(STACK_LEFT) else {
                panic!("no stack global");
            };
            let left = global.get(&caller).i32().unwrap() as u32;
            caller.data_mut().probes.push(left);
        })
        .unwrap();
    let instance = linker
        .instantiate_and_start(&mut store, &wasm_module)
        .unwrap();
    let ink_global = instance.get_global(&store, INK_LEFT).unwrap();
    let status_global = instance.get_global(&store, STATUS).unwrap();
    let stack_global = instance.get_global(&store, STACK_LEFT).unwrap();
    ink_global.set(&mut store, Val::I64(ink as i64)).unwrap();
    stack_global
        .set(&mut store, Val::I32(stack as i32))
        .unwrap();
    let entry = instance
        .get_typed_func::<i32, i32>(&store, "user_entrypoint")
        .unwrap();
    let result = entry.call(&mut store, arg);
    Run {
        result,
        ink_left: ink_global.get(&store).i64().unwrap() as u64,
        status: status_global.get(&store).i32().unwrap(),
        stack_left: stack_global.get(&store).i32().unwrap() as u32,
        grows: store.data().grows.clone(),
        probes: store.data().probes.clone(),
    }
}

fn is_unreachable_trap(run: &Run) -> bool {
    matches!(&run.result, Err(e) if e.as_trap_code() == Some(wasmi::TrapCode::UnreachableCodeReached))
}

const STRAIGHT: &str = r#"(module
  (memory (export "memory") 1 1)
  (func (export "user_entrypoint") (param i32) (result i32)
    local.get 0
    i32.const 2
    i32.mul
    i32.const 3
    i32.add))"#;

#[test]
fn straight_line_pays_one_block() {
    let run = run(&instrumented(STRAIGHT), INK, STACK, 20);
    assert_eq!(run.value(), 43);
    // local.get 75 + i32.const 1 + i32.mul 160 + i32.const 1 + i32.add 70 + end 1 = 308,
    // one block: 308 + 2,450 = 2,758.
    assert_eq!(run.ink_used(INK), 75 + 1 + 160 + 1 + 70 + 1 + HEADER);
    assert_eq!(run.ink_used(INK), 2_758);
    assert_eq!(run.status, 0);
}

#[test]
fn exact_ink_suffices_and_one_less_traps() {
    let module = instrumented(STRAIGHT);
    let exact = run(&module, 2_758, STACK, 1);
    assert_eq!(exact.value(), 5);
    assert_eq!((exact.ink_left, exact.status), (0, 0));
    let short = run(&module, 2_757, STACK, 1);
    assert!(is_unreachable_trap(&short));
    assert_eq!((short.ink_left, short.status), (2_757, 1));
    // The far end of the unsigned range: any ink short of the price traps, untouched.
    let huge = u64::MAX - 1;
    let block = instrumented(&STRAIGHT.replace("i32.const 3", "i32.const 3 f32.const 1 drop"));
    let unpriced = run(&block, huge, STACK, 1);
    assert!(is_unreachable_trap(&unpriced));
    assert_eq!((unpriced.ink_left, unpriced.status), (huge, 1));
}

#[test]
fn calls_split_blocks() {
    let module = instrumented(
        r#"(module
  (memory (export "memory") 1 1)
  (func $seven (result i32) i32.const 7)
  (func (export "user_entrypoint") (param i32) (result i32)
    call $seven
    local.get 0
    i32.add))"#,
    );
    let run = run(&module, INK, STACK, 1);
    assert_eq!(run.value(), 8);
    // caller block 1: call 3,800 + 2,450; callee: i32.const 1 + end 1 + 2,450;
    // caller block 2: local.get 75 + i32.add 70 + end 1 + 2,450.
    let expected = (3_800 + HEADER) + (1 + 1 + HEADER) + (75 + 70 + 1 + HEADER);
    assert_eq!(run.ink_used(INK), expected);
}

#[test]
fn infinite_loop_runs_out_of_ink() {
    let module = instrumented(
        r#"(module
  (memory (export "memory") 1 1)
  (func (export "user_entrypoint") (param i32) (result i32)
    (loop $l (br $l))
    i32.const 0))"#,
    );
    let run = run(&module, 10_000_000, STACK, 0);
    assert!(is_unreachable_trap(&run));
    assert_eq!(run.status, 1);
    // An iteration costs br 765 + 2,450; the trap leaves what could not pay for one.
    assert!(run.ink_left < 765 + HEADER);
}

const COUNTDOWN: &str = r#"(module
  (memory (export "memory") 1 1)
  (func (export "user_entrypoint") (param i32) (result i32)
    (loop $l
      local.get 0
      i32.const 1
      i32.sub
      local.tee 0
      br_if $l)
    local.get 0))"#;

#[test]
fn loop_costs_iterations_times_body() {
    let module = instrumented(COUNTDOWN);
    // Blocks: [loop] 1; each iteration [local.get 75, i32.const 1, i32.sub 70, local.tee 75,
    // br_if 765] = 986; [end] 1; [local.get 75, end 1] = 76; each plus 2,450.
    let iteration = 75 + 1 + 70 + 75 + 765 + HEADER;
    let fixed = (1 + HEADER) + (1 + HEADER) + (76 + HEADER);
    for n in [1_u64, 10, 100] {
        let run = run(&module, INK, STACK, n as i32);
        assert_eq!(run.value(), 0);
        assert_eq!(run.ink_used(INK), fixed + n * iteration, "n = {n}");
    }
}

#[test]
fn stack_units_reserved_and_released() {
    let module = instrumented(
        r#"(module
  (import "test" "probe" (func $probe))
  (memory (export "memory") 1 1)
  (func (export "user_entrypoint") (param i32) (result i32)
    (local i64 i64)
    call $probe
    i32.const 7))"#,
    );
    // Worst operand height 2 (a block charge pushes two values), 2 locals, plus 4: 8 units.
    let ok = run(&module, INK, 1_000, 0);
    assert_eq!(ok.value(), 7);
    assert_eq!(ok.probes, vec![1_000 - 8]);
    assert_eq!(ok.stack_left, 1_000);
    // Nitro traps when the units left are not above the frame's.
    let tight = run(&module, INK, 8, 0);
    assert!(is_unreachable_trap(&tight));
    assert_eq!((tight.status, tight.stack_left), (2, 0));
    assert_eq!(run(&module, INK, 9, 0).result.unwrap(), 7);
}

const RECURSE: &str = r#"(module
  (memory (export "memory") 1 1)
  (func $f (export "user_entrypoint") (param i32) (result i32)
    local.get 0
    i32.eqz
    if (result i32)
      i32.const 0
    else
      local.get 0
      i32.const 1
      i32.sub
      call $f
      i32.const 1
      i32.add
    end))"#;

#[test]
fn bounded_recursion_releases_units() {
    let module = instrumented(RECURSE);
    let run = run(&module, INK, STACK, 50);
    assert_eq!(run.value(), 50);
    assert_eq!((run.stack_left, run.status), (STACK, 0));
}

#[test]
fn unbounded_recursion_runs_out_of_stack() {
    let module = instrumented(
        r#"(module
  (memory (export "memory") 1 1)
  (func $f (export "user_entrypoint") (param i32) (result i32)
    local.get 0
    call $f))"#,
    );
    let run = run(&module, INK, STACK, 0);
    assert!(is_unreachable_trap(&run));
    assert_eq!((run.status, run.stack_left), (2, 0));
}

#[test]
fn branch_out_of_body_releases_units() {
    let module = instrumented(
        r#"(module
  (memory (export "memory") 1 1)
  (func (export "user_entrypoint") (param i32) (result i32)
    i32.const 5
    local.get 0
    br_if 0
    drop
    i32.const 6))"#,
    );
    for (arg, out) in [(1, 5), (0, 6)] {
        let run = run(&module, INK, 500, arg);
        assert_eq!(run.value(), out);
        assert_eq!(run.stack_left, 500);
    }
}

#[test]
fn memory_fill_pays_per_byte() {
    let module = instrumented(
        r#"(module
  (memory (export "memory") 1 1)
  (func (export "user_entrypoint") (param i32) (result i32)
    i32.const 0
    i32.const 0
    local.get 0
    memory.fill
    i32.const 0))"#,
    );
    // Static: i32.const 1 + i32.const 1 + local.get 75 + memory.fill 950 + i32.const 1 + end 1
    // = 1,029, plus 2,450; dynamic: 100 ink per byte.
    let fixed = 1 + 1 + 75 + 950 + 1 + 1 + HEADER;
    for n in [0_u64, 1, 1_000, 65_536] {
        let run = run(&module, INK, STACK, n as i32);
        assert_eq!(run.value(), 0);
        assert_eq!(run.ink_used(INK), fixed + 100 * n, "n = {n}");
    }
    let short = run(&module, fixed + 100 * 999, STACK, 1_000);
    assert!(is_unreachable_trap(&short));
    assert_eq!(short.status, 1);
}

#[test]
fn memory_grow_pays_first_and_stops_at_page_limit() {
    let module = instrumented(
        r#"(module
  (import "vm_hooks" "pay_for_memory_grow" (func (param i32)))
  (memory (export "memory") 1)
  (func (export "user_entrypoint") (param i32) (result i32)
    local.get 0
    memory.grow))"#,
    );
    let grown = run(&module, INK, STACK, 2);
    assert_eq!((grown.value(), grown.grows.clone()), (1, vec![2]));
    let refused = run(&module, INK, STACK, 128);
    assert_eq!((refused.value(), refused.grows.clone()), (-1, vec![128]));
    let ok = run(&module, INK, STACK, 127);
    assert_eq!(ok.value(), 1);
}

#[test]
fn multi_value_function_gets_an_exit_type() {
    let module = instrumented(
        r#"(module
  (memory (export "memory") 1 1)
  (func $pair (param i32) (result i32 i32)
    local.get 0
    i32.const 2
    local.get 0
    br_if 0
    drop
    drop
    i32.const 3
    i32.const 4)
  (func (export "user_entrypoint") (param i32) (result i32)
    local.get 0
    call $pair
    i32.mul))"#,
    );
    assert_eq!(run(&module, INK, 300, 5).result.unwrap(), 10);
    let zero = run(&module, INK, 300, 0);
    assert_eq!((zero.value(), zero.stack_left), (12, 300));
}

/// Nitro's wasm features at ArbOS 50 (multi-value still on).
fn nitro_features() -> wasmparser::WasmFeatures {
    use wasmparser::WasmFeatures as F;
    F::MUTABLE_GLOBAL
        | F::SATURATING_FLOAT_TO_INT
        | F::SIGN_EXTENSION
        | F::MULTI_VALUE
        | F::BULK_MEMORY
        | F::FLOATS
        | F::GC_TYPES
}

#[test]
fn deterministic_and_valid() {
    for wat in [STRAIGHT, COUNTDOWN, RECURSE] {
        let wasm = wat::parse_str(wat).unwrap();
        let params = StylusParams::default();
        let first = instrument(&wasm, &params).unwrap();
        let second = instrument(&wasm, &params).unwrap();
        assert_eq!(first.wasm, second.wasm);
        wasmparser::Validator::new_with_features(nitro_features())
            .validate_all(&first.wasm)
            .expect("instrumented module validates");
    }
}

#[test]
fn other_sections_survive() {
    let wasm = wat::parse_str(
        r#"(module $named
  (memory (export "memory") 1 1)
  (global $g (mut i32) (i32.const 9))
  (func $helper (export "helper") (result i32) global.get $g)
  (func (export "user_entrypoint") (param i32) (result i32) call $helper)
  (data (i32.const 16) "hello"))"#,
    )
    .unwrap();
    let out = instrument(&wasm, &StylusParams::default()).unwrap();
    let mut exports = Vec::new();
    let mut has_data = false;
    let mut has_names = false;
    for payload in wasmparser::Parser::new(0).parse_all(&out.wasm) {
        match payload.unwrap() {
            wasmparser::Payload::ExportSection(reader) => {
                exports = reader
                    .into_iter()
                    .map(|e| e.unwrap().name.to_owned())
                    .collect();
            }
            wasmparser::Payload::DataSection(_) => has_data = true,
            wasmparser::Payload::CustomSection(c) => has_names |= c.name() == "name",
            _ => {}
        }
    }
    // `$g` is global 0; the scratch slot is the third of the meter's globals after it.
    let reset = |index: u32| format!("{MUTABLE_GLOBAL_PREFIX}{index}");
    assert_eq!(
        exports,
        [
            "memory",
            "user_entrypoint",
            INK_LEFT,
            STATUS,
            STACK_LEFT,
            &reset(0),
            &reset(3)
        ]
    );
    assert!(has_data && has_names);
    assert_eq!(run(&out, INK, STACK, 0).result.unwrap(), 9);
}

#[test]
fn activation_figures_follow_the_formula() {
    let wasm = wat::parse_str(
        r#"(module
  (memory (export "memory") 3 3)
  (global (mut i32) (i32.const 0))
  (func (export "user_entrypoint") (param i32) (result i32) local.get 0)
  (data (i32.const 0) "abcd"))"#,
    )
    .unwrap();
    let len = wasm.len() as u64;
    let out = instrument(&wasm, &StylusParams::default()).unwrap();
    // funcs 1, types 1 param + 1 result = 2, globals 1 + 4 added = 5, pages 3,
    // data segment: flags 1 + offset `i32.const 0; end` 3 + length 1 + 4 bytes = 9.
    let (funcs, types, globals, segments, pages) = (1_u64, 2_u64, 5_u64, 9_u64, 3_u64);
    let asm = 512_000 + funcs * 996_829 / 1_000 + types * 11_416 / 1_000 + len * 62_628 / 10_000;
    let cached = funcs * 13_420 / 100_000
        + types * 89 / 100_000
        + len * 122 / 100_000
        + globals * 1_628 / 1_000
        + segments * 75_244 / 100_000
        + pages * 5;
    let init = funcs * 8_252 / 1_000 + types * 1_059 / 1_000 + len * 1_286 / 10_000;
    assert_eq!(out.footprint, 3);
    assert_eq!(u64::from(out.asm_estimate), asm);
    assert_eq!(u64::from(out.cached_init_cost), cached);
    assert_eq!(u64::from(out.init_cost), init);
    // Activation gas, 28 per µs: 4 data bytes × 0.17376 → 0; the body's 31 Nitro operators are
    // its block charge (12) + `local.get`, `end` + the entry check (12) + `return` + release (4).
    let micros = [
        len * 31_733 / 100_000,
        17_263 / 100_000,
        4 * 17_376 / 100_000,
        pages * 2_217,
        31 * 535 / 1_000,
    ];
    assert_eq!(
        out.activation_gas,
        micros.iter().map(|us| 28 * us).sum::<u64>()
    );
    // Version 1 folds the cached cost into the init cost.
    let v1 = StylusParams {
        version: 1,
        ..StylusParams::default()
    };
    let out = instrument(&wasm, &v1).unwrap();
    assert_eq!(u64::from(out.init_cost), init + cached);
}

#[test]
fn refusals() {
    let refuse = |wat: &str| {
        let wasm = wat::parse_str(wat).unwrap();
        instrument(&wasm, &StylusParams::default()).unwrap_err().0
    };
    let start = refuse(
        r#"(module (memory (export "memory") 1 1) (func $s) (start $s)
  (func (export "user_entrypoint") (param i32) (result i32) i32.const 0))"#,
    );
    assert!(start.contains("start"), "{start}");
    let no_pay = refuse(
        r#"(module (memory (export "memory") 1)
  (func (export "user_entrypoint") (param i32) (result i32) i32.const 0))"#,
    );
    assert!(no_pay.contains("pay_for_memory_grow"), "{no_pay}");
    let big = refuse(
        r#"(module (memory (export "memory") 129 129)
  (func (export "user_entrypoint") (param i32) (result i32) i32.const 0))"#,
    );
    assert!(big.contains("exceeds bound"), "{big}");
    let init = refuse(
        r#"(module (memory (export "memory") 1 1) (data "x")
  (func (export "user_entrypoint") (param i32) (result i32)
    i32.const 0 i32.const 0 i32.const 1 memory.init 0 i32.const 0))"#,
    );
    assert!(init.contains("not supported"), "{init}");
}
