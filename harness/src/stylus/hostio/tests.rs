//! One or more tests per hostio family, with the ink Nitro charges worked out by hand.

use alloy_primitives::{Address, B256, U256, keccak256};

use super::testkit::{INK, Run, all_hooks, no_evm, program, run};
use crate::stylus::{
    api::{ApiStatus, CallKind, EvmData, Outcome, Request, Response, Step},
    invocation::Invocation,
    params::StylusParams,
};

const GAS: u64 = 10_000; // ink per gas

fn word(n: u64) -> B256 {
    B256::from(U256::from(n))
}

fn status(gas_cost: u64) -> Response {
    Response::Status {
        status: ApiStatus::Success,
        gas_cost,
    }
}

fn success(run: &Run) -> &[u8] {
    match &run.outcome {
        Outcome::Success(out) => out,
        other => panic!("expected success, got {other:?}"),
    }
}

fn is_failure(run: &Run) -> bool {
    matches!(run.outcome, Outcome::Failure(_))
}

/// Returns `len` bytes at `ptr` as the result.
fn ret(ptr: u32, len: u32) -> String {
    format!("(call $write_result (i32.const {ptr}) (i32.const {len})) (i32.const 0)")
}

#[test]
fn all_42_hooks_link_with_nitros_signatures() {
    let hooks = all_hooks();
    assert_eq!(hooks.len(), 42);
    let run = run(
        &program(&hooks, "", "(i32.const 0)"),
        EvmData::default(),
        &[],
        no_evm,
    );
    assert_eq!(run.outcome, Outcome::Success(vec![]));
    assert_eq!(run.ink_left, INK);
}

#[test]
fn args_result_round_trip_and_ink() {
    let p = program(
        &["read_args", "write_result"],
        "",
        "(call $read_args (i32.const 0)) (call $write_result (i32.const 0) (local.get $len)) (i32.const 0)",
    );
    let args: Vec<u8> = (0..40).collect();
    let run = run(&p, EvmData::default(), &args, no_evm);
    assert_eq!(success(&run), args.as_slice());
    // read_args: 8,400 + write_price(40) = 8,400 + 5,040 + 30·8 = 13,680.
    // write_result: 8,400 + 2·read_price(40) = 8,400 + 2·(16,381 + 55·8) = 42,042.
    assert_eq!(run.spent(), 13_680 + 42_042);
}

#[test]
fn nonzero_status_reverts_with_the_result() {
    let p = program(
        &["write_result"],
        r#"(data (i32.const 0) "oops")"#,
        "(call $write_result (i32.const 0) (i32.const 4)) (i32.const 1)",
    );
    assert_eq!(
        run(&p, EvmData::default(), &[], no_evm).outcome,
        Outcome::Revert(b"oops".to_vec())
    );
}

#[test]
fn exit_early_stops_with_its_status_for_free() {
    let body = |status| {
        format!(
            "(call $write_result (i32.const 0) (i32.const 2)) (call $exit_early (i32.const {status})) unreachable"
        )
    };
    let hooks = ["write_result", "exit_early"];
    let data = r#"(data (i32.const 0) "hi")"#;
    let ok = run(
        &program(&hooks, data, &body(0)),
        EvmData::default(),
        &[],
        no_evm,
    );
    assert_eq!(ok.outcome, Outcome::Success(b"hi".to_vec()));
    assert_eq!(ok.spent(), 8_400 + 2 * 16_381, "exit_early itself is free");
    let reverted = run(
        &program(&hooks, data, &body(3)),
        EvmData::default(),
        &[],
        no_evm,
    );
    assert_eq!(reverted.outcome, Outcome::Revert(b"hi".to_vec()));
}

const KEYS: &str = r#"(data (i32.const 256) "\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\07")
    (data (i32.const 288) "\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\09")"#;

#[test]
fn storage_load_misses_once_then_hits_the_cache() {
    let p = program(
        &["storage_load_bytes32", "write_result"],
        KEYS,
        &format!(
            "(call $storage_load_bytes32 (i32.const 256) (i32.const 512))
             (call $storage_load_bytes32 (i32.const 256) (i32.const 544)) {}",
            ret(512, 64)
        ),
    );
    let run = run(&p, EvmData::default(), &[], |req| {
        assert_eq!(req, &Request::GetBytes32 { key: U256::from(7) });
        Response::Bytes32 {
            value: word(42),
            gas_cost: 2_100,
        }
    });
    assert_eq!(run.requests.len(), 1);
    assert_eq!(
        success(&run),
        [word(42).as_slice(), word(42).as_slice()].concat()
    );
    // Each load 18,480 ink; the miss adds (0 fee + 2,100 SLOAD + ⌊59,673/10,000⌋ = 5) gas;
    // write_result of 64 bytes: 8,400 + 2·(16,381 + 55·32).
    assert_eq!(
        run.spent(),
        2 * 18_480 + (2_100 + 5) * GAS + 8_400 + 2 * 18_141
    );
}

#[test]
fn storage_cache_fees_grow_with_accesses() {
    // 33 loads of one slot: the 33rd read costs 2 gas. 9 writes: the 9th costs 7 gas.
    let p = program(
        &["storage_load_bytes32", "storage_cache_bytes32"],
        KEYS,
        "(local $i i32)
         (loop $l
            (call $storage_load_bytes32 (i32.const 256) (i32.const 512))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br_if $l (i32.lt_u (local.get $i) (i32.const 33))))
         (local.set $i (i32.const 0))
         (loop $w
            (call $storage_cache_bytes32 (i32.const 256) (i32.const 288))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br_if $w (i32.lt_u (local.get $i) (i32.const 9))))
         (i32.const 0)",
    );
    let run = run(&p, EvmData::default(), &[], |_| Response::Bytes32 {
        value: word(1),
        gas_cost: 100,
    });
    assert_eq!(run.requests.len(), 1);
    let loads = 33 * 18_480 + (100 + 5) * GAS + 2 * GAS;
    let writes = 9 * 18_480 + 7 * GAS;
    assert_eq!(run.spent(), loads + writes);
}

#[test]
fn flush_sends_dirty_slots_in_order_once() {
    let p = program(
        &["storage_cache_bytes32", "storage_flush_cache"],
        KEYS,
        "(call $storage_cache_bytes32 (i32.const 288) (i32.const 256))
         (call $storage_cache_bytes32 (i32.const 256) (i32.const 288))
         (call $storage_flush_cache (i32.const 0))
         (call $storage_flush_cache (i32.const 0))
         (i32.const 0)",
    );
    let run = run(&p, EvmData::default(), &[], |_| status(5_000));
    let gas_left = (INK - 2 * 18_480 - 68_073) / GAS;
    assert_eq!(
        run.requests,
        vec![Request::SetTrieSlots {
            slots: vec![
                (U256::from(9), U256::from(7)),
                (U256::from(7), U256::from(9))
            ],
            gas_left,
        }]
    );
    // Two writes (free), two flushes of 68,073 ink, the SSTOREs' 5,000 gas.
    assert_eq!(run.spent(), 2 * 18_480 + 2 * 68_073 + 5_000 * GAS);
}

#[test]
fn flush_clear_forgets_and_unflushed_writes_are_lost() {
    let body = |clear| {
        format!(
            "(call $storage_cache_bytes32 (i32.const 256) (i32.const 288))
             (call $storage_flush_cache (i32.const {clear}))
             (call $storage_load_bytes32 (i32.const 256) (i32.const 512))
             (call $storage_cache_bytes32 (i32.const 288) (i32.const 288))
             {}",
            ret(512, 32)
        )
    };
    let hooks = [
        "storage_cache_bytes32",
        "storage_flush_cache",
        "storage_load_bytes32",
        "write_result",
    ];
    let evm = |req: &Request| match req {
        Request::GetBytes32 { .. } => Response::Bytes32 {
            value: word(9),
            gas_cost: 100,
        },
        _ => status(0),
    };
    let kept = run(
        &program(&hooks, KEYS, &body(0)),
        EvmData::default(),
        &[],
        evm,
    );
    assert_eq!(
        kept.requests.len(),
        1,
        "the load hits the cache; the last write is never sent"
    );
    assert_eq!(success(&kept), word(9).as_slice());
    let cleared = run(
        &program(&hooks, KEYS, &body(1)),
        EvmData::default(),
        &[],
        evm,
    );
    assert_eq!(
        cleared.requests[1],
        Request::GetBytes32 { key: U256::from(7) }
    );
    assert_eq!(cleared.requests.len(), 2);
}

#[test]
fn flush_out_of_gas_is_out_of_ink() {
    let p = program(
        &["storage_cache_bytes32", "storage_flush_cache"],
        KEYS,
        "(call $storage_cache_bytes32 (i32.const 256) (i32.const 288)) (call $storage_flush_cache (i32.const 0)) (i32.const 0)",
    );
    let run = run(&p, EvmData::default(), &[], |_| Response::Status {
        status: ApiStatus::OutOfGas,
        gas_cost: 10,
    });
    assert_eq!((run.outcome, run.ink_left), (Outcome::OutOfInk, 0));
}

#[test]
fn transient_storage_round_trip() {
    let p = program(
        &[
            "transient_store_bytes32",
            "transient_load_bytes32",
            "write_result",
        ],
        KEYS,
        &format!(
            "(call $transient_store_bytes32 (i32.const 256) (i32.const 288))
             (call $transient_load_bytes32 (i32.const 256) (i32.const 512)) {}",
            ret(512, 32)
        ),
    );
    let run = run(&p, EvmData::default(), &[], |req| match req {
        Request::SetTransientBytes32 { key, value } => {
            assert_eq!((*key, *value), (U256::from(7), U256::from(9)));
            status(100)
        }
        _ => Response::Bytes32 {
            value: word(9),
            gas_cost: 100,
        },
    });
    assert_eq!(success(&run), word(9).as_slice());
    // 78,153 ink and 100 gas each (Nitro charges the 100 before asking; the EVM's 100 is that).
    assert_eq!(run.spent(), 2 * (78_153 + 100 * GAS) + 8_400 + 2 * 16_381);
}

const CALLEE: &str = r#"(data (i32.const 0) "\11\11\11\11\11\11\11\11\11\11\11\11\11\11\11\11\11\11\11\11")
    (data (i32.const 32) "\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\05")
    (data (i32.const 64) "ping")"#;

#[test]
fn call_request_fields_ret_len_and_return_data_clipping() {
    let p = program(
        &["call_contract", "read_return_data", "return_data_size", "write_result"],
        CALLEE,
        "(i32.store (i32.const 96)
            (call $call_contract (i32.const 0) (i32.const 64) (i32.const 4) (i32.const 32) (i64.const 50000) (i32.const 100)))
         (i32.store (i32.const 104) (call $read_return_data (i32.const 200) (i32.const 4) (i32.const 100)))
         (i32.store (i32.const 108) (call $read_return_data (i32.const 300) (i32.const 20) (i32.const 5)))
         (i32.store (i32.const 112) (call $return_data_size))
         (call $write_result (i32.const 96) (i32.const 20))
         (i32.const 0)",
    );
    let data = b"0123456789".to_vec();
    let run = run(&p, EvmData::default(), &[], |_| Response::Call {
        success: true,
        return_data: data.clone(),
        gas_cost: 1_000,
    });
    let charged = 83_193 + 2 * 16_381;
    let Request::Call {
        kind,
        to,
        input,
        value,
        gas_left,
        gas_req,
    } = &run.requests[0]
    else {
        panic!("{:?}", run.requests)
    };
    assert_eq!((*kind, *to), (CallKind::Call, Address::repeat_byte(0x11)));
    assert_eq!(
        (input.as_slice(), *value),
        (b"ping".as_slice(), U256::from(5))
    );
    assert_eq!((*gas_left, *gas_req), ((INK - charged) / GAS, 50_000));
    let out = success(&run);
    let int = |i: usize| u32::from_le_bytes(out[i..i + 4].try_into().unwrap());
    assert_eq!(
        (int(0), int(4), int(8), int(12), int(16)),
        (0, 10, 6, 0, 10)
    );
    // read_return_data: 68,073 + write_price(6) and 68,073 + write_price(0); size 8,400.
    let reads = 2 * 68_073 + 2 * 5_040 + 8_400;
    assert_eq!(
        run.spent(),
        charged + 1_000 * GAS + reads + 8_400 + 2 * 16_381
    );
}

#[test]
fn failed_delegate_and_static_calls_return_status_2() {
    for (hook, kind) in [
        ("delegate_call_contract", CallKind::DelegateCall),
        ("static_call_contract", CallKind::StaticCall),
    ] {
        let p = program(
            &[hook, "write_result"],
            CALLEE,
            &format!(
                "(i32.store (i32.const 96) (call ${hook} (i32.const 0) (i32.const 64) (i32.const 4) (i64.const -1) (i32.const 100))) {}",
                ret(96, 8)
            ),
        );
        let run = run(&p, EvmData::default(), &[], |_| Response::Call {
            success: false,
            return_data: vec![1, 2, 3],
            gas_cost: 0,
        });
        let Request::Call {
            kind: k,
            value,
            gas_left,
            gas_req,
            ..
        } = &run.requests[0]
        else {
            panic!()
        };
        assert_eq!((*k, *value), (kind, U256::ZERO));
        assert_eq!(gas_req, gas_left, "u64::MAX asks for all the gas left");
        assert_eq!(success(&run), [2, 0, 0, 0, 3, 0, 0, 0]);
    }
}

#[test]
fn create1_and_create2_requests_and_results() {
    let hooks = ["create1", "create2", "read_return_data", "write_result"];
    let body = "(call $create1 (i32.const 64) (i32.const 4) (i32.const 32) (i32.const 400) (i32.const 420))
        (call $create2 (i32.const 64) (i32.const 4) (i32.const 32) (i32.const 32) (i32.const 424) (i32.const 444))
        (drop (call $read_return_data (i32.const 448) (i32.const 0) (i32.const 3)))
        (call $write_result (i32.const 400) (i32.const 51)) (i32.const 0)";
    let new = Address::repeat_byte(0xaa);
    let run = run(
        &program(&hooks, CALLEE, body),
        EvmData::default(),
        &[],
        |req| match req {
            Request::Create { salt: None, .. } => Response::Create {
                address: Some(new),
                return_data: b"ignored".to_vec(),
                gas_cost: 40_000,
            },
            _ => Response::Create {
                address: None,
                return_data: b"why".to_vec(),
                gas_cost: 1_000,
            },
        },
    );
    let Request::Create {
        code,
        endowment,
        salt,
        ..
    } = &run.requests[0]
    else {
        panic!()
    };
    assert_eq!(
        (code.as_slice(), *endowment, *salt),
        (b"ping".as_slice(), U256::from(5), None)
    );
    let Request::Create { salt, .. } = &run.requests[1] else {
        panic!()
    };
    assert_eq!(*salt, Some(word(5)));
    let out = success(&run);
    assert_eq!(&out[..20], new.as_slice());
    assert_eq!(
        &out[20..24],
        [0, 0, 0, 0],
        "a successful create keeps no return data"
    );
    assert_eq!(&out[24..44], Address::ZERO.as_slice());
    assert_eq!(&out[44..48], [3, 0, 0, 0]);
    assert_eq!(&out[48..51], b"why");
}

#[test]
fn create_without_its_base_gas_fails() {
    let p = program(
        &["create1"],
        CALLEE,
        "(call $create1 (i32.const 64) (i32.const 4) (i32.const 32) (i32.const 400) (i32.const 420)) (i32.const 0)",
    );
    // 83,193 + 2·16,381 ink for the hostio leaves 31,990 gas, below CREATE's 32,000.
    let ink = 31_990 * GAS + 83_193 + 2 * 16_381;
    let params = StylusParams::default();
    let (_, step) = Invocation::start(&p, EvmData::default(), vec![], ink, &params);
    let Step::Finished {
        outcome: Outcome::Failure(reason),
        ink_left,
    } = step
    else {
        panic!("{step:?}")
    };
    assert!(reason.contains("32000"), "{reason}");
    assert_eq!(ink_left, 31_990 * GAS);
}

#[test]
fn emit_log_topics_and_limits() {
    let log = |topics: u32, len: u32| {
        program(
            &["emit_log"],
            CALLEE,
            &format!(
                "(call $emit_log (i32.const 0) (i32.const {len}) (i32.const {topics})) (i32.const 0)"
            ),
        )
    };
    let run2 = run(&log(2, 68), EvmData::default(), &[], |_| {
        status(375 * 3 + 8 * 4)
    });
    let Request::EmitLog { topics, data } = &run2.requests[0] else {
        panic!()
    };
    assert_eq!(topics.len(), 2);
    assert_eq!(topics[1], word(5));
    assert_eq!(data.as_slice(), b"ping");
    // 68,073 + read_price(68) = 16,381 + 55·36; gas 375·3 + 8·4, paid before the request.
    assert_eq!(
        run2.spent(),
        68_073 + 16_381 + 55 * 36 + (375 * 3 + 32) * GAS
    );
    assert!(is_failure(&run(
        &log(5, 200),
        EvmData::default(),
        &[],
        no_evm
    )));
    assert!(is_failure(&run(
        &log(2, 63),
        EvmData::default(),
        &[],
        no_evm
    )));
}

#[test]
fn account_hooks_and_the_last_code_cache() {
    let p = program(
        &["account_balance", "account_codehash", "account_code", "account_code_size", "write_result"],
        CALLEE,
        "(call $account_balance (i32.const 0) (i32.const 400))
         (call $account_codehash (i32.const 0) (i32.const 432))
         (i32.store (i32.const 464) (call $account_code (i32.const 0) (i32.const 2) (i32.const 100) (i32.const 480)))
         (i32.store (i32.const 468) (call $account_code_size (i32.const 0)))
         (call $write_result (i32.const 400) (i32.const 84)) (i32.const 0)",
    );
    let run = run(&p, EvmData::default(), &[], |req| match req {
        Request::AccountBalance { .. } => Response::Bytes32 {
            value: word(77),
            gas_cost: 2_600,
        },
        Request::AccountCodeHash { .. } => Response::Bytes32 {
            value: word(88),
            gas_cost: 100,
        },
        Request::AccountCode { .. } => Response::Code {
            code: b"abcdef".to_vec(),
            gas_cost: 100,
        },
        _ => panic!(),
    });
    assert_eq!(
        run.requests.len(),
        3,
        "the code size reuses the code just loaded"
    );
    let out = success(&run);
    assert_eq!(
        (&out[..32], &out[32..64]),
        (word(77).as_slice(), word(88).as_slice())
    );
    assert_eq!(
        (&out[64..68], &out[68..72], &out[80..84]),
        (&[4, 0, 0, 0][..], &[6, 0, 0, 0][..], &b"cdef"[..])
    );
}

#[test]
fn call_fields_come_from_evm_data() {
    let data = EvmData {
        block_basefee: U256::from(1),
        chain_id: 412_346,
        block_coinbase: Address::repeat_byte(2),
        block_gas_limit: 3,
        block_number: 4,
        block_timestamp: 5,
        contract_address: Address::repeat_byte(6),
        msg_sender: Address::repeat_byte(7),
        msg_value: U256::from(8),
        tx_gas_price: U256::from(9),
        tx_origin: Address::repeat_byte(10),
        reentrant: true,
        ..EvmData::default()
    };
    let hooks = [
        "block_basefee",
        "block_coinbase",
        "contract_address",
        "msg_sender",
        "msg_value",
        "tx_gas_price",
        "tx_origin",
        "chainid",
        "block_gas_limit",
        "block_number",
        "block_timestamp",
        "msg_reentrant",
        "tx_ink_price",
        "write_result",
    ];
    let p = program(
        &hooks,
        "",
        "(call $block_basefee (i32.const 0)) (call $block_coinbase (i32.const 32))
         (call $contract_address (i32.const 52)) (call $msg_sender (i32.const 72))
         (call $msg_value (i32.const 92)) (call $tx_gas_price (i32.const 124)) (call $tx_origin (i32.const 156))
         (i64.store (i32.const 176) (call $chainid)) (i64.store (i32.const 184) (call $block_gas_limit))
         (i64.store (i32.const 192) (call $block_number)) (i64.store (i32.const 200) (call $block_timestamp))
         (i32.store (i32.const 208) (call $msg_reentrant)) (i32.store (i32.const 212) (call $tx_ink_price))
         (call $write_result (i32.const 0) (i32.const 216)) (i32.const 0)",
    );
    let run = run(&p, data.clone(), &[], no_evm);
    let out = success(&run);
    let mut expected = [
        word(1).as_slice(),
        data.block_coinbase.as_slice(),
        data.contract_address.as_slice(),
    ]
    .concat();
    expected.extend(
        [
            data.msg_sender.as_slice(),
            word(8).as_slice(),
            word(9).as_slice(),
            data.tx_origin.as_slice(),
        ]
        .concat(),
    );
    for n in [412_346u64, 3, 4, 5] {
        expected.extend(n.to_le_bytes());
    }
    expected.extend(1u32.to_le_bytes());
    expected.extend(10_000u32.to_le_bytes());
    assert_eq!(out, expected.as_slice());
    // 7 pointer fields at 13,440, 6 values at 8,400, write_result of 216 bytes.
    assert_eq!(
        run.spent(),
        7 * 13_440 + 6 * 8_400 + 8_400 + 2 * (16_381 + 55 * 184)
    );
}

#[test]
fn meter_hooks_report_what_is_left_after_paying() {
    let p = program(
        &["evm_ink_left", "evm_gas_left", "write_result"],
        "",
        &format!(
            "(i64.store (i32.const 0) (call $evm_ink_left)) (i64.store (i32.const 8) (call $evm_gas_left)) {}",
            ret(0, 16)
        ),
    );
    let run = run(&p, EvmData::default(), &[], no_evm);
    let out = success(&run);
    assert_eq!(
        u64::from_le_bytes(out[..8].try_into().unwrap()),
        INK - 8_400
    );
    assert_eq!(
        u64::from_le_bytes(out[8..].try_into().unwrap()),
        (INK - 16_800) / GAS
    );
}

const OPERANDS: &str = r#"(data (i32.const 0) "\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\03")
    (data (i32.const 32) "\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\05")
    (data (i32.const 96) "\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\07")"#;

fn math(op: &str, args: &str) -> (Vec<u8>, u64) {
    let hooks = [op, "write_result"];
    let p = program(
        &hooks,
        OPERANDS,
        &format!("(call ${op} {args}) {}", ret(0, 32)),
    );
    let run = run(&p, EvmData::default(), &[], no_evm);
    (success(&run).to_vec(), run.spent() - 8_400 - 2 * 16_381)
}

#[test]
fn math_hooks_follow_evm_rules_and_prices() {
    let two = "(i32.const 0) (i32.const 32)";
    let zero = "(i32.const 0) (i32.const 64)";
    assert_eq!(
        math("math_div", zero),
        (word(0).to_vec(), 43_520),
        "x / 0 = 0"
    );
    assert_eq!(
        math("math_mod", zero),
        (word(0).to_vec(), 43_520),
        "x % 0 = 0"
    );
    assert_eq!(math("math_div", two).0, word(0).to_vec());
    assert_eq!(math("math_mod", two).0, word(3).to_vec());
    // 3^5: 23,520 + pow_price(5) = 23,520 + 3,000 + 17,500·2.
    assert_eq!(
        math("math_pow", two),
        (word(243).to_vec(), 23_520 + 3_000 + 35_000)
    );
    assert_eq!(
        math(
            "math_add_mod",
            "(i32.const 0) (i32.const 32) (i32.const 96)"
        ),
        (word(1).to_vec(), 49_560)
    );
    assert_eq!(
        math(
            "math_mul_mod",
            "(i32.const 0) (i32.const 32) (i32.const 96)"
        ),
        (word(1).to_vec(), 52_660)
    );
    assert_eq!(
        math(
            "math_add_mod",
            "(i32.const 0) (i32.const 32) (i32.const 64)"
        )
        .0,
        word(0).to_vec()
    );
}

#[test]
fn keccak_matches_and_is_priced_by_words() {
    let p = program(
        &["native_keccak256", "write_result"],
        r#"(data (i32.const 0) "abc")"#,
        &format!(
            "(call $native_keccak256 (i32.const 0) (i32.const 3) (i32.const 64)) {}",
            ret(64, 32)
        ),
    );
    let run = run(&p, EvmData::default(), &[], no_evm);
    assert_eq!(success(&run), keccak256(b"abc").as_slice());
    assert_eq!(run.spent(), 121_800 + 8_400 + 2 * 16_381);
}

#[test]
fn memory_growth_asks_the_evm_only_for_new_pages() {
    let p = program(
        &["pay_for_memory_grow"],
        "",
        "(call $pay_for_memory_grow (i32.const 0)) (call $pay_for_memory_grow (i32.const 3)) (i32.const 0)",
    );
    let run = run(&p, EvmData::default(), &[], |_| status(1_002));
    assert_eq!(run.requests, vec![Request::AddPages { pages: 3 }]);
    assert_eq!(run.spent(), 8_400 + 1_002 * GAS);
}

#[test]
fn the_sdk_reentrancy_guard_sees_msg_reentrant() {
    let p = program(&["msg_reentrant"], "", "(call $msg_reentrant)");
    let reentrant = EvmData {
        reentrant: true,
        ..EvmData::default()
    };
    assert_eq!(
        run(&p, reentrant, &[], no_evm).outcome,
        Outcome::Revert(vec![])
    );
    assert_eq!(
        run(&p, EvmData::default(), &[], no_evm).outcome,
        Outcome::Success(vec![])
    );
}

#[test]
fn static_frames_refuse_writes_on_the_wasm_side() {
    let frozen = EvmData {
        is_static: true,
        ..EvmData::default()
    };
    let refused = |hooks: &[&str], body: &str| {
        let run = run(
            &program(
                hooks,
                &format!("{KEYS} {CALLEE}"),
                &format!("{body} (i32.const 0)"),
            ),
            frozen.clone(),
            &[],
            no_evm,
        );
        assert!(is_failure(&run), "{body}: {:?}", run.outcome);
    };
    refused(
        &["storage_cache_bytes32", "storage_flush_cache"],
        "(call $storage_cache_bytes32 (i32.const 256) (i32.const 288)) (call $storage_flush_cache (i32.const 0))",
    );
    refused(
        &["transient_store_bytes32"],
        "(call $transient_store_bytes32 (i32.const 256) (i32.const 288))",
    );
    refused(
        &["emit_log"],
        "(call $emit_log (i32.const 0) (i32.const 4) (i32.const 0))",
    );
    refused(
        &["create1"],
        "(call $create1 (i32.const 64) (i32.const 4) (i32.const 32) (i32.const 400) (i32.const 420))",
    );
    // A flush with nothing dirty is fine; a value call just fails with no request.
    let p = program(
        &["storage_flush_cache", "call_contract"],
        CALLEE,
        "(call $storage_flush_cache (i32.const 1))
         (call $call_contract (i32.const 0) (i32.const 64) (i32.const 4) (i32.const 32) (i64.const 0) (i32.const 100))",
    );
    assert_eq!(
        run(&p, frozen, &[], no_evm).outcome,
        Outcome::Revert(vec![])
    );
}

#[test]
fn bad_pointers_fail_and_keep_the_ink() {
    let p = program(
        &["read_args"],
        "",
        "(call $read_args (i32.const 65530)) (i32.const 0)",
    );
    let run = run(&p, EvmData::default(), &[1; 10], no_evm);
    assert!(is_failure(&run));
    assert_eq!(run.spent(), 8_400 + 5_040);
}
