//! Conformance suite: small WAT programs, at least one per hostio family, deployed through the real
//! pipeline (`artifact::process`, CREATE, `ArbWasm.activateProgram`) and driven by real
//! transactions on a [`harness::evm::Chain`]. Every expected value comes from Nitro's documented
//! rules (stylus-runtime.md §3), never from the code under test; gas and ink figures carry their
//! arithmetic in comments.

#[path = "conformance/common.rs"]
mod common;

use alloy_primitives::{Address, B256, Bytes, KECCAK256_EMPTY, U256, keccak256};
use alloy_sol_types::{SolCall, SolError};
use common::*;
use harness::evm::{
    ChainConfig, ChainError,
    arbos::ARB_WASM,
    arbwasm::IArbWasm,
    chain::{GENESIS_TIMESTAMP, TxRequest},
};
use revm::primitives::Log;
use rstest::rstest;

/// Storage key and values the storage tests use.
const KEY: U256 = U256::from_limbs([0x5107, 0, 0, 0]);
const VALUE: U256 = U256::from_limbs([0xbeef, 0, 0, 0xfeed]);

mod args_result {
    use super::*;

    /// `read_args` gives the calldata, and the second `write_result` replaces the first.
    #[rstest]
    #[case::empty(vec![])]
    #[case::one_byte(vec![0x2a])]
    #[case::hundred_bytes((0..100).collect())]
    fn echo_returns_the_calldata_and_the_last_result_wins(#[case] calldata: Vec<u8>) {
        let mut chain = chain();
        let echo = deploy(&mut chain, wat::ECHO);
        let receipt = send(&mut chain, echo, calldata.clone());
        assert_eq!(returned(&receipt), calldata);
    }
}

mod status {
    use super::*;

    const PAYLOAD: &[u8] = b"written before the end";

    /// How `status.wat` ends for each command (§3.9): status 0 returns the written data, any
    /// other status reverts with it, `exit_early` does the same without returning, a trap or a
    /// bad pointer is a failure (revert without data, remaining gas kept), out of ink halts.
    #[rstest]
    #[case::return_0(0, End::Success(PAYLOAD.to_vec()))]
    #[case::return_1(1, End::Revert(PAYLOAD.to_vec()))]
    #[case::exit_early_0(2, End::Success(PAYLOAD.to_vec()))]
    #[case::exit_early_1(3, End::Revert(PAYLOAD.to_vec()))]
    #[case::trap(4, End::Revert(vec![]))]
    #[case::bad_pointer(6, End::Revert(vec![]))]
    #[case::return_2(7, End::Revert(PAYLOAD.to_vec()))]
    fn program_outcomes_keep_the_gas_left(#[case] command: u8, #[case] expected: End) {
        let mut chain = chain();
        let program = deploy(&mut chain, wat::STATUS);
        let receipt = send(&mut chain, program, cat(&[&[command], PAYLOAD]));
        assert_eq!(end(&receipt), expected);
        assert!(
            receipt.gas_used() < GAS,
            "only out of ink takes all gas: {}",
            receipt.gas_used()
        );
    }

    /// Unbounded recursion trips Nitro's depth checker (`MaxStackDepth` 22,000 units):
    /// OutOfStack is `ErrDepth`, a halt that takes all gas — never a revert that keeps gas.
    #[test]
    fn out_of_stack_halts_with_all_gas_used() {
        let mut chain = chain();
        let program = deploy(&mut chain, wat::DEPTH);
        let receipt = send(&mut chain, program, vec![]);
        assert!(
            matches!(end(&receipt), End::Halt(_) | End::OutOfGas),
            "{:?}",
            receipt.result
        );
        assert_eq!(receipt.gas_used(), GAS);
    }

    #[test]
    fn out_of_ink_halts_with_all_gas_used() {
        let mut chain = chain();
        let program = deploy(&mut chain, wat::STATUS);
        // A small limit keeps the spin short.
        let receipt = send_with(&mut chain, program, 0, 200_000, vec![5]);
        assert_eq!(end(&receipt), End::OutOfGas);
        assert_eq!(receipt.gas_used(), 200_000);
    }
}

mod storage {
    use super::*;

    fn data(command: u8, key: U256, value: U256) -> Vec<u8> {
        cat(&[&[command], &word(key), &word(value)])
    }

    fn load(chain: &mut harness::evm::Chain, program: Address, key: U256) -> U256 {
        U256::from_be_slice(&returned(&send(chain, program, data(2, key, U256::ZERO))))
    }

    #[test]
    fn a_flushed_write_persists_and_loads_in_a_later_transaction() {
        let mut chain = chain();
        let program = deploy(&mut chain, wat::STORAGE);
        returned(&send(&mut chain, program, data(0, KEY, VALUE)));
        assert_eq!(chain.storage(program, KEY), VALUE);
        assert_eq!(load(&mut chain, program, KEY), VALUE);
    }

    #[test]
    fn a_cached_write_that_is_never_flushed_is_lost() {
        let mut chain = chain();
        let program = deploy(&mut chain, wat::STORAGE);
        returned(&send(&mut chain, program, data(1, KEY, VALUE)));
        assert_eq!(chain.storage(program, KEY), U256::ZERO);
        assert_eq!(load(&mut chain, program, KEY), U256::ZERO);
    }

    /// The same flush twice: the first writes a fresh slot (EIP-2200/2929: 20,000 + 2,100 cold =
    /// 22,100), the second rewrites the same value (2,100 cold + 100 no-op = 2,200). Everything
    /// else — calldata, opcodes, hostio ink — is identical, so the receipts differ by exactly
    /// 22,100 − 2,200 = 19,900 gas.
    #[test]
    fn sstore_of_a_fresh_slot_costs_19_900_more_than_rewriting_it() {
        let mut chain = chain();
        let program = deploy(&mut chain, wat::STORAGE);
        let fresh = send(&mut chain, program, data(0, KEY, VALUE));
        let rewrite = send(&mut chain, program, data(0, KEY, VALUE));
        returned(&fresh);
        returned(&rewrite);
        assert_eq!(fresh.gas_used() - rewrite.gas_used(), 19_900);
    }

    /// `storage.wat` command 3: cache (KEY, VALUE), `storage_flush_cache(clear)`, then measure a
    /// load of KEY. Without `clear` the slot is still cached: the load costs 18,480 ink
    /// (8,400 + 2 × 5,040) and no gas (the first cache read is free). With `clear` the load
    /// asks the EVM again: a warm SLOAD (100, the flush touched the slot) plus
    /// `ink_to_gas(59,673)` = 5 of API gas, i.e. 105 × 10,000 more ink.
    #[rstest]
    #[case::kept(0, ink::measured(2 * ink::CONST, 18_480, false))]
    #[case::cleared(1, ink::measured(2 * ink::CONST, 18_480 + 105 * ink::PRICE, false))]
    fn flush_with_clear_drops_the_cache(#[case] clear: u8, #[case] expected_ink: u64) {
        // kept: 210 + 2 + 3,800 + 2,450 + 18,480 + 3,800 + 2,450 + 8,400 = 39,592
        // cleared: 39,592 + 1,050,000 = 1,089,592
        let mut chain = chain();
        let program = deploy(&mut chain, wat::STORAGE);
        let out = returned(&send(
            &mut chain,
            program,
            cat(&[&data(3, KEY, VALUE), &[clear]]),
        ));
        assert_eq!(U256::from_be_slice(&out[..32]), VALUE);
        assert_eq!(u64_at(&out, 32), expected_ink);
    }

    #[test]
    fn transient_storage_lives_for_one_transaction() {
        let mut chain = chain();
        let program = deploy(&mut chain, wat::STORAGE);
        let stored = returned(&send(&mut chain, program, data(4, KEY, VALUE)));
        assert_eq!(U256::from_be_slice(&stored), VALUE);
        let next_tx = returned(&send(&mut chain, program, data(5, KEY, U256::ZERO)));
        assert_eq!(U256::from_be_slice(&next_tx), U256::ZERO);
        assert_eq!(
            chain.storage(program, KEY),
            U256::ZERO,
            "transient writes never reach storage"
        );
    }
}

mod calls {
    use super::*;

    #[test]
    fn call_returns_an_evm_contracts_word() {
        let mut chain = chain();
        let relay_addr = deploy(&mut chain, wat::RELAY);
        let answer = B256::repeat_byte(0x5c);
        let callee = deploy_evm(&mut chain, &evm::returns_word(answer));
        let got = relay(&mut chain, relay_addr, Kind::Call, callee, 0, b"anything");
        // 32 bytes came back; read_return_data(offset 8, size 4096) is clipped to 32 − 8 = 24.
        let expected = Relayed {
            reentrant: 0,
            status: 0,
            ret_len: 32,
            size: 32,
            clipped: 24,
            data: answer.to_vec(),
        };
        assert_eq!(got, expected);
    }

    /// A reverted callee: Nitro's Go side reports status 2 for any failed call and keeps the
    /// revert data as return data.
    #[test]
    fn call_into_a_reverting_contract_fails_with_its_data() {
        let mut chain = chain();
        let relay_addr = deploy(&mut chain, wat::RELAY);
        let callee = deploy_evm(&mut chain, evm::REVERTS);
        let got = relay(&mut chain, relay_addr, Kind::Call, callee, 0, &[]);
        let expected = Relayed {
            reentrant: 0,
            status: 2,
            ret_len: 4,
            size: 4,
            clipped: 0,
            data: evm::REVERT_DATA.to_vec(),
        };
        assert_eq!(got, expected);
    }

    #[test]
    fn static_call_into_a_writer_fails_and_writes_nothing() {
        let mut chain = chain();
        let relay_addr = deploy(&mut chain, wat::RELAY);
        let writer = deploy_evm(&mut chain, evm::SSTORE_42_AT_7);
        let got = relay(&mut chain, relay_addr, Kind::Static, writer, 0, &[]);
        assert_eq!((got.status, got.ret_len, got.data), (2, 0, vec![]));
        assert_eq!(chain.storage(writer, U256::from(7)), U256::ZERO);
        assert_eq!(chain.storage(relay_addr, U256::from(7)), U256::ZERO);
    }

    #[test]
    fn delegate_call_writes_into_the_callers_storage() {
        let mut chain = chain();
        let relay_addr = deploy(&mut chain, wat::RELAY);
        let writer = deploy_evm(&mut chain, evm::SSTORE_42_AT_7);
        let got = relay(&mut chain, relay_addr, Kind::Delegate, writer, 0, &[]);
        assert_eq!((got.status, got.ret_len), (0, 0));
        assert_eq!(chain.storage(relay_addr, U256::from(7)), U256::from(42));
        assert_eq!(chain.storage(writer, U256::from(7)), U256::ZERO);
    }

    #[test]
    fn call_with_value_moves_balance() {
        let mut chain = chain();
        let relay_addr = deploy(&mut chain, wat::RELAY);
        let bob_before = chain.balance(BOB);
        // The transaction brings 1,000 wei to the relay, which forwards 300 to BOB.
        let receipt = send_value(
            &mut chain,
            relay_addr,
            1_000,
            relay_data(Kind::Call, BOB, 300, &[]),
        );
        assert_eq!(relayed(&returned(&receipt)).status, 0);
        assert_eq!(chain.balance(BOB) - bob_before, U256::from(300));
        assert_eq!(chain.balance(relay_addr), U256::from(700));
    }

    #[test]
    fn call_to_an_account_that_does_not_exist_succeeds_with_no_data() {
        let mut chain = chain();
        let relay_addr = deploy(&mut chain, wat::RELAY);
        let nobody = Address::repeat_byte(0x77);
        let got = relay(&mut chain, relay_addr, Kind::Call, nobody, 0, b"hello");
        let expected = Relayed {
            reentrant: 0,
            status: 0,
            ret_len: 0,
            size: 0,
            clipped: 0,
            data: vec![],
        };
        assert_eq!(got, expected);
    }

    /// A Stylus program calling another (with value): the callee sees the caller as
    /// `msg_sender`, the transaction's sender as `tx_origin`, and the value.
    #[test]
    fn stylus_to_stylus_call_sees_the_caller() {
        let mut chain = chain();
        let relay_addr = deploy(&mut chain, wat::RELAY);
        let env = deploy(&mut chain, wat::ENV);
        let got = relay(&mut chain, relay_addr, Kind::Call, env, 77, &[]);
        assert_eq!((got.status, got.ret_len), (0, 244));
        let fields = got.data;
        assert_eq!(&fields[84..104], env.as_slice(), "contract_address");
        assert_eq!(&fields[104..124], relay_addr.as_slice(), "msg_sender");
        assert_eq!(fields[124..156], word(U256::from(77)), "msg_value");
        assert_eq!(&fields[156..176], ALICE.as_slice(), "tx_origin");
        assert_eq!(chain.balance(env), U256::from(77));
    }
}

mod create {
    use super::*;

    fn create_data(kind: u8, endowment: u64, salt: B256, init: &[u8]) -> Vec<u8> {
        cat(&[&[kind], &word(U256::from(endowment)), salt.as_slice(), init])
    }

    /// Decodes `create.wat`'s output: (address, revert-data length, return_data_size, data).
    fn created(out: &[u8]) -> (Address, u32, u32, Vec<u8>) {
        (
            Address::from_slice(&out[..20]),
            u32_at(out, 20),
            u32_at(out, 24),
            out[28..].to_vec(),
        )
    }

    /// CREATE then CREATE2 of the same EVM init code from a program. The program's nonce starts
    /// at 1 (EIP-161), so CREATE lands on `create(program, 1)`; CREATE2 on
    /// `keccak(0xff ‖ program ‖ salt ‖ keccak(init))[12..]`. Each gets its endowment.
    #[test]
    fn create1_and_create2_deploy_at_the_evm_addresses() {
        let mut chain = chain();
        let program = deploy(&mut chain, wat::CREATE);
        let runtime = evm::returns_word(B256::repeat_byte(0x11));
        let init = harness::evm::chain::deploy_code_init(&runtime);
        let salt = B256::repeat_byte(0x5a);

        let out = returned(&send_value(
            &mut chain,
            program,
            10,
            create_data(1, 5, B256::ZERO, &init),
        ));
        let (first, ret_len, size, data) = created(&out);
        assert_eq!(first, program.create(1));
        assert_eq!(
            (ret_len, size, data),
            (0, 0, vec![]),
            "a successful create keeps no return data"
        );
        assert_eq!(chain.code(first), Bytes::from(runtime.clone()));
        assert_eq!(chain.balance(first), U256::from(5));

        let out = returned(&send_value(
            &mut chain,
            program,
            0,
            create_data(2, 3, salt, &init),
        ));
        let (second, ..) = created(&out);
        assert_eq!(second, program.create2_from_code(salt, &init));
        assert_eq!(chain.code(second), Bytes::from(runtime));
        assert_eq!(chain.balance(second), U256::from(3));
        assert_eq!(chain.balance(program), U256::from(2));
    }

    /// Init code that reverts: the address is zero and the revert data is the return data.
    #[rstest]
    #[case::create1(1)]
    #[case::create2(2)]
    fn a_reverting_constructor_gives_address_zero_and_its_revert_data(#[case] kind: u8) {
        let mut chain = chain();
        let program = deploy(&mut chain, wat::CREATE);
        let out = returned(&send(
            &mut chain,
            program,
            create_data(kind, 0, B256::ZERO, evm::REVERTS),
        ));
        let expected = (Address::ZERO, 4, 4, evm::REVERT_DATA.to_vec());
        assert_eq!(created(&out), expected);
    }
}

mod logs {
    use super::*;

    const DATA: &[u8] = b"stylus log data";

    fn topics(n: u8) -> Vec<B256> {
        (0..n).map(|i| B256::repeat_byte(0x10 + i)).collect()
    }

    fn log_data(n: u8, topics: &[B256], data: &[u8]) -> Vec<u8> {
        let topic_bytes: Vec<u8> = topics.iter().flat_map(|t| t.0).collect();
        cat(&[&[n], &topic_bytes, data])
    }

    #[rstest]
    fn emit_log_with_up_to_four_topics(#[values(0, 1, 2, 3, 4)] n: u8) {
        let mut chain = chain();
        let program = deploy(&mut chain, wat::LOG);
        let receipt = send(&mut chain, program, log_data(n, &topics(n), DATA));
        returned(&receipt);
        let expected = Log::new_unchecked(program, topics(n), Bytes::from_static(DATA));
        assert_eq!(receipt.logs(), &[expected]);
    }

    /// More than four topics, or fewer bytes than the topics need, is a failure: revert, no data.
    #[rstest]
    #[case::five_topics(log_data(5, &topics(5), DATA))]
    #[case::short_topic_data(log_data(2, &topics(1), b""))]
    fn bad_topics_fail(#[case] calldata: Vec<u8>) {
        let mut chain = chain();
        let program = deploy(&mut chain, wat::LOG);
        let receipt = send(&mut chain, program, calldata);
        assert_eq!(end(&receipt), End::Revert(vec![]));
        assert!(receipt.logs().is_empty());
    }
}

mod static_mode {
    use super::*;

    /// `writer.wat` reached through the relay's `static_call_contract` (or a plain call as a
    /// control). Writes under STATICCALL are write-protection failures (status 2); a flush with
    /// nothing dirty sends no request and a load is allowed.
    #[rstest]
    #[case::flush_dirty_slot(0, Kind::Static, 2)]
    #[case::emit_log(1, Kind::Static, 2)]
    #[case::transient_store(2, Kind::Static, 2)]
    #[case::flush_clean_cache(3, Kind::Static, 0)]
    #[case::load(4, Kind::Static, 0)]
    #[case::flush_dirty_slot_not_static(0, Kind::Call, 0)]
    fn writes_fail_under_staticcall(#[case] op: u8, #[case] kind: Kind, #[case] status: u8) {
        let mut chain = chain();
        let relay_addr = deploy(&mut chain, wat::RELAY);
        let writer = deploy(&mut chain, wat::WRITER);
        let receipt = send(&mut chain, relay_addr, relay_data(kind, writer, 0, &[op]));
        let got = relayed(&returned(&receipt));
        assert_eq!(got.status, status);
        let written = if status == 0 && op == 0 {
            U256::from(1)
        } else {
            U256::ZERO
        };
        assert_eq!(chain.storage(writer, U256::ZERO), written);
        assert!(receipt.logs().is_empty());
    }

    /// The same accesses reached from EVM code through a STATICCALL opcode: the EVM caller
    /// returns the call's success flag.
    #[rstest]
    #[case::flush_dirty_slot(0, false)]
    #[case::emit_log(1, false)]
    #[case::transient_store(2, false)]
    #[case::flush_clean_cache(3, true)]
    #[case::load(4, true)]
    fn writes_fail_under_an_evm_staticcall(#[case] op: u8, #[case] ok: bool) {
        let mut chain = chain();
        let writer = deploy(&mut chain, wat::WRITER);
        let caller = deploy_evm(&mut chain, &evm::static_caller(writer));
        let out = returned(&send(&mut chain, caller, vec![op]));
        assert_eq!(out, word(U256::from(ok)));
        assert_eq!(chain.storage(writer, U256::ZERO), U256::ZERO);
    }
}

mod account {
    use super::*;

    fn query(
        chain: &mut harness::evm::Chain,
        program: Address,
        op: u8,
        who: Address,
        offset: u32,
        size: u32,
    ) -> Vec<u8> {
        let data = cat(&[
            &[op],
            who.as_slice(),
            &offset.to_le_bytes(),
            &size.to_le_bytes(),
        ]);
        returned(&send(chain, program, data))
    }

    #[test]
    fn balance_code_size_and_code_hash() {
        let mut chain = chain();
        let program = deploy(&mut chain, wat::ACCOUNT);
        let code = evm::returns_word(B256::repeat_byte(0x33));
        let contract = deploy_evm(&mut chain, &code);
        let nobody = Address::repeat_byte(0x78);

        assert_eq!(
            query(&mut chain, program, 0, BOB, 0, 0),
            word(chain.balance(BOB))
        );
        assert_eq!(
            query(&mut chain, program, 0, nobody, 0, 0),
            word(U256::ZERO)
        );
        assert_eq!(
            query(&mut chain, program, 1, contract, 0, 0),
            (code.len() as u32).to_le_bytes()
        );
        assert_eq!(query(&mut chain, program, 1, BOB, 0, 0), 0u32.to_le_bytes());
        assert_eq!(
            query(&mut chain, program, 3, contract, 0, 0),
            keccak256(&code).0
        );
        // An account with a balance but no code hashes to keccak(""); one that does not exist to 0.
        assert_eq!(query(&mut chain, program, 3, BOB, 0, 0), KECCAK256_EMPTY.0);
        assert_eq!(query(&mut chain, program, 3, nobody, 0, 0), [0u8; 32]);
    }

    /// `account_code` copies `code[offset .. offset + size]` clipped to the code, with no padding,
    /// and returns how many bytes it wrote.
    #[rstest]
    #[case::all(0, 1_000)]
    #[case::middle(2, 3)]
    #[case::runs_off_the_end(37, 10)]
    #[case::past_the_end(50, 10)]
    #[case::nothing(0, 0)]
    fn account_code_is_clipped(#[case] offset: u32, #[case] size: u32) {
        let mut chain = chain();
        let program = deploy(&mut chain, wat::ACCOUNT);
        let code = evm::returns_word(B256::repeat_byte(0x33));
        assert_eq!(code.len(), 39);
        let contract = deploy_evm(&mut chain, &code);
        let start = (offset as usize).min(code.len());
        let end = (offset as usize + size as usize).min(code.len());
        let expected = &code[start..end];
        let out = query(&mut chain, program, 2, contract, offset, size);
        assert_eq!(u32_at(&out, 0) as usize, expected.len());
        assert_eq!(&out[4..], expected);
    }
}

mod env {
    use super::*;

    const COINBASE: Address = Address::repeat_byte(0xc0);

    /// Every block, message and transaction field, on a chain with a basefee, a coinbase, a set
    /// block number and time, for a payable call from ALICE.
    #[test]
    fn block_message_and_transaction_fields() {
        let config = ChainConfig {
            basefee: 7,
            block_gas_limit: 40_000_000,
            ..ChainConfig::default()
        };
        let mut chain = chain_with(config);
        let env = deploy(&mut chain, wat::ENV);
        chain.set_block_number(42);
        chain.set_timestamp(GENESIS_TIMESTAMP + 12_345);
        chain.evm_mut().ctx.block.beneficiary = COINBASE;

        let f = returned(&send_value(&mut chain, env, 1_234, vec![]));
        assert_eq!(f.len(), 244);
        assert_eq!(u64_at(&f, 0), GENESIS_TIMESTAMP + 12_345, "block_timestamp");
        assert_eq!(
            u64_at(&f, 8),
            42,
            "block_number (the harness's own; Nitro's is L1's)"
        );
        assert_eq!(u64_at(&f, 16), 412_346, "chainid");
        assert_eq!(&f[24..44], COINBASE.as_slice(), "block_coinbase");
        assert_eq!(f[44..76], word(U256::from(7)), "block_basefee");
        assert_eq!(u64_at(&f, 76), 40_000_000, "block_gas_limit");
        assert_eq!(&f[84..104], env.as_slice(), "contract_address");
        assert_eq!(&f[104..124], ALICE.as_slice(), "msg_sender");
        assert_eq!(f[124..156], word(U256::from(1_234)), "msg_value");
        assert_eq!(&f[156..176], ALICE.as_slice(), "tx_origin");
        assert_eq!(f[176..208], word(U256::from(7)), "tx_gas_price (= basefee)");
        assert_eq!(u32_at(&f, 208), 10_000, "tx_ink_price");

        let (gas_1, gas_2) = (u64_at(&f, 212), u64_at(&f, 220));
        let (ink_1, ink_2) = (u64_at(&f, 228), u64_at(&f, 236));
        assert!(
            gas_1 > gas_2 && gas_2 > 0,
            "evm_gas_left decreases: {gas_1} then {gas_2}"
        );
        assert!(
            ink_1 / ink::PRICE <= gas_2,
            "gas left is ink left / ink price"
        );
        // Between the two ink readings: the block [local.set, call] with its header, then the
        // second evm_ink_left's own charge: 210 + 3,800 + 2,450 + 8,400 = 14,860.
        assert_eq!(
            ink_1 - ink_2,
            ink::LOCAL_SET + ink::CALL + ink::HEADER + ink::HOSTIO
        );
        assert_eq!(ink_1 - ink_2, 14_860);
    }
}

mod reentrancy {
    use super::*;

    fn reentrant_flag(chain: &mut harness::evm::Chain, program: Address) -> u8 {
        let out = returned(&send(chain, program, vec![]));
        assert_eq!(out.len(), 1);
        out[0]
    }

    #[test]
    fn a_plain_call_is_not_reentrant() {
        let mut chain = chain();
        let a = deploy(&mut chain, wat::RELAY);
        assert_eq!(reentrant_flag(&mut chain, a), 0);
    }

    /// A → B (Stylus) → A: the inner A is reentrant, B and the outer A are not.
    #[test]
    fn a_stylus_round_trip_is_reentrant() {
        let mut chain = chain();
        let a = deploy(&mut chain, wat::RELAY);
        let b = deploy_copy(&mut chain, wat::RELAY);
        let back_to_a = relay_data(Kind::Call, a, 0, &[]);
        let outer = relay(&mut chain, a, Kind::Call, b, 0, &back_to_a);
        assert_eq!((outer.reentrant, outer.status), (0, 0));
        let inner = relayed(&outer.data);
        assert_eq!((inner.reentrant, inner.status), (0, 0));
        assert_eq!(inner.data, vec![1], "A called again inside its own call");
    }

    /// A → EVM contract → A: EVM frames count too.
    #[test]
    fn an_evm_round_trip_is_reentrant() {
        let mut chain = chain();
        let a = deploy(&mut chain, wat::RELAY);
        let call_back = deploy_evm(&mut chain, evm::CALL_BACK);
        let outer = relay(&mut chain, a, Kind::Call, call_back, 0, &[]);
        assert_eq!((outer.reentrant, outer.status, outer.data), (0, 0, vec![1]));
    }

    /// A delegate call runs B's code as A without opening another frame of A.
    #[test]
    fn a_delegate_call_is_not_reentrant() {
        let mut chain = chain();
        let a = deploy(&mut chain, wat::RELAY);
        let b = deploy_copy(&mut chain, wat::RELAY);
        let outer = relay(&mut chain, a, Kind::Delegate, b, 0, &[]);
        assert_eq!((outer.status, outer.data), (0, vec![0]));
    }
}

mod math {
    use super::*;

    fn two_pow(n: usize) -> U256 {
        U256::from(1) << n
    }

    /// `math.wat` op on (a, b, c); the expected results are U256 arithmetic with EVM semantics
    /// (division and modulus by zero give zero, pow wraps).
    #[rstest]
    #[case::div(0, U256::MAX, U256::from(3), U256::ZERO, U256::MAX / U256::from(3))]
    #[case::div_by_zero(0, U256::MAX, U256::ZERO, U256::ZERO, U256::ZERO)]
    #[case::modulo(1, U256::MAX, two_pow(128) + U256::from(7), U256::ZERO, U256::MAX % (two_pow(128) + U256::from(7)))]
    #[case::mod_by_zero(1, U256::from(12345), U256::ZERO, U256::ZERO, U256::ZERO)]
    #[case::pow(2, U256::from(3), U256::from(100), U256::ZERO, U256::from(3).pow(U256::from(100)))]
    #[case::pow_wraps(2, U256::from(3), U256::from(1_000), U256::ZERO, U256::from(3).wrapping_pow(U256::from(1_000)))]
    #[case::pow_2_256_is_0(2, U256::from(2), U256::from(256), U256::ZERO, U256::ZERO)]
    #[case::add_mod(3, U256::MAX, U256::MAX - U256::from(1), two_pow(255) + U256::from(1), U256::MAX.add_mod(U256::MAX - U256::from(1), two_pow(255) + U256::from(1)))]
    #[case::add_mod_zero(3, U256::MAX, U256::MAX, U256::ZERO, U256::ZERO)]
    #[case::mul_mod(4, U256::MAX, U256::MAX - U256::from(1), two_pow(200) + U256::from(3), U256::MAX.mul_mod(U256::MAX - U256::from(1), two_pow(200) + U256::from(3)))]
    #[case::mul_mod_zero(4, U256::MAX, U256::MAX, U256::ZERO, U256::ZERO)]
    fn u256_math(
        #[case] op: u8,
        #[case] a: U256,
        #[case] b: U256,
        #[case] c: U256,
        #[case] expected: U256,
    ) {
        let mut chain = chain();
        let program = deploy(&mut chain, wat::MATH);
        let out = returned(&send(
            &mut chain,
            program,
            cat(&[&[op], &word(a), &word(b), &word(c)]),
        ));
        assert_eq!(U256::from_be_slice(&out), expected);
    }
}

mod keccak {
    use super::*;

    #[rstest]
    #[case::empty(vec![])]
    #[case::abc(b"abc".to_vec())]
    #[case::hundred_bytes(vec![0x5a; 100])]
    #[case::a_thousand_bytes((0..1000).map(|i| i as u8).collect())]
    fn native_keccak256_matches_keccak256(#[case] input: Vec<u8>) {
        let mut chain = chain();
        let program = deploy(&mut chain, wat::KECCAK);
        let out = returned(&send(&mut chain, program, input.clone()));
        assert_eq!(out, keccak256(&input).to_vec());
    }
}

mod memory {
    use super::*;

    fn measure(op: u8, pages: u8) -> (u64, u32) {
        let mut chain = chain();
        let program = deploy(&mut chain, wat::MEMORY);
        let out = returned(&send(&mut chain, program, vec![op, pages]));
        (u64_at(&out, 0), u32_at(&out, 8))
    }

    /// Memory model (memory.go): the call's one-page footprint leaves open = ever = 1 page, free.
    /// Adding `n` pages costs 1,000 gas per page above the 2 free ones plus
    /// `exp[new ever] − exp[ever]` (exp[1] = 1, exp[3] = 1, exp[6] = 2, exp[21] = 17).
    /// `pay_for_memory_grow(0)` costs only its 8,400 ink; with pages it charges only gas.
    #[rstest]
    // 210 + 75 + 3,800 + 2,450 + 8,400 + 3,800 + 2,450 + 8,400 = 29,585
    #[case::zero_pages(0, ink::measured(ink::LOCAL_GET, ink::HOSTIO, false))]
    // open 1 → 6: (6 − 2) − 0 = 4 pages × 1,000 + exp[6] − exp[1] = 4,000 + 1 = 4,001 gas
    #[case::five_pages(5, ink::measured(ink::LOCAL_GET, 4_001 * ink::PRICE, false))]
    // open 1 → 21: 19 pages × 1,000 + exp[21] − exp[1] = 19,000 + 16 = 19,016 gas
    #[case::twenty_pages(20, ink::measured(ink::LOCAL_GET, 19_016 * ink::PRICE, false))]
    fn pay_for_memory_grow_charges_the_memory_model(#[case] pages: u8, #[case] expected_ink: u64) {
        assert_eq!(
            measure(0, pages),
            (expected_ink, 1),
            "paying does not grow the memory"
        );
    }

    /// `memory.grow(2)`: Nitro prices the opcode at 8,050 ink and inserts a
    /// `pay_for_memory_grow(2)` before it: open 1 → 3 is (3 − 2) − 0 = 1 page above the free
    /// ones, 1,000 gas, and exp[3] − exp[1] = 0. The measured block is
    /// [local.set, local.get, memory.grow, drop, call] + header, then the second reading:
    /// 210 + 75 + 8,050 + 9 + 3,800 + 2,450 + 10,000,000 + 8,400 = 10,022,994.
    #[test]
    fn memory_grow_pays_for_its_pages() {
        let block = ink::LOCAL_SET
            + ink::LOCAL_GET
            + ink::MEMORY_GROW
            + ink::DROP
            + ink::CALL
            + ink::HEADER;
        let expected = block + 1_000 * ink::PRICE + ink::HOSTIO;
        assert_eq!(expected, 10_022_994);
        assert_eq!(measure(1, 2), (expected, 3));
    }
}

mod hostio_ink {
    use super::*;
    use ink::{CONST, EVM_API, HOSTIO, PRICE, PTR, measured, read_price, write_price};

    /// `ink.wat`: the ink one hostio call costs between two `evm_ink_left` readings, by Nitro's
    /// prices (§3.1–3.2).
    #[rstest]
    // two readings and nothing between: 210 + 3,800 + 2,450 + 8,400 = 14,860
    #[case::nothing(0, ink::LOCAL_SET + ink::CALL + ink::HEADER + HOSTIO)]
    // keccak of 100 bytes = 4 words: 121,800 + 21,000 × (4 − 2) = 163,800
    #[case::keccak_100_bytes(1, measured(3 * CONST, 121_800 + 21_000 * 2, false))]
    // msg_reentrant: 8,400, result dropped
    #[case::msg_reentrant(2, measured(0, HOSTIO, true))]
    // account_balance of a cold account: 8,400 + 2 × 5,040 + 59,673 = 78,153 ink + 2,600 gas
    #[case::cold_balance(3, measured(2 * CONST, HOSTIO + 2 * PTR + EVM_API + 2_600 * PRICE, false))]
    // emit_log, 1 topic + 10 bytes (42 bytes read): 68,073 + read_price(42) = 16,931 ink,
    // + (375 × (1 + 1) + 8 × 10) = 830 gas
    #[case::log_1_topic(4, measured(3 * CONST, HOSTIO + EVM_API + read_price(42) + 830 * PRICE, false))]
    // math_pow with exponent 0x0100 (30 leading zero bytes): 8,400 + 3 × 5,040 + 3,000 +
    // 17,500 × (33 − 30) = 23,520 + 55,500
    #[case::pow(5, measured(2 * CONST, HOSTIO + 3 * PTR + 3_000 + 17_500 * 3, false))]
    // transient_store: 78,153 ink + 100 gas
    #[case::transient_store(6, measured(2 * CONST, HOSTIO + 2 * PTR + EVM_API + 100 * PRICE, false))]
    // storage_cache_bytes32, first write of the frame (free): 8,400 + 2 × 5,040 = 18,480
    #[case::storage_cache(7, measured(2 * CONST, HOSTIO + 2 * PTR, false))]
    // read_args of the 1-byte calldata: 8,400 + write_price(1) = 8,400 + 5,040
    #[case::read_args(8, measured(CONST, HOSTIO + write_price(1), false))]
    // storage_load_bytes32 of a cold slot: 18,480 ink + 2,100 cold SLOAD + ink_to_gas(59,673) = 5
    #[case::cold_load(10, measured(2 * CONST, HOSTIO + 2 * PTR + 2_105 * PRICE, false))]
    // storage_flush_cache(0) of one dirty fresh slot: 8,400 + 59,673 = 68,073 ink + 22,100 gas
    #[case::flush_fresh_slot(11, measured(CONST, HOSTIO + EVM_API + 22_100 * PRICE, false))]
    fn hostio_costs(#[case] op: u8, #[case] expected: u64) {
        let mut chain = chain();
        let program = deploy(&mut chain, wat::INK);
        let out = returned(&send(&mut chain, program, vec![op]));
        assert_eq!(u64_at(&out, 0), expected);
    }

    /// `call_contract` with no data and no value into a cold EVM contract returning a word:
    /// 83,193 (8,400 + 3 × 5,040 + 59,673) + 2 × read_price(0) = 2 × 16,381 ink, plus the EVM
    /// cost: 2,600 cold access + the 16 gas the callee used (PUSH32 3, PUSH0 2, MSTORE 3 + 3 for
    /// one word of memory, PUSH1 3, PUSH0 2, RETURN 0). Six constants push the arguments; the
    /// status is dropped.
    #[test]
    fn call_contract_costs_access_plus_the_callees_gas() {
        let mut chain = chain();
        let program = deploy(&mut chain, wat::INK);
        let callee = deploy_evm(&mut chain, &evm::returns_word(B256::repeat_byte(1)));
        let out = returned(&send(&mut chain, program, cat(&[&[9], callee.as_slice()])));
        let hostio = HOSTIO + 3 * PTR + EVM_API + 2 * read_price(0) + (2_600 + 16) * PRICE;
        assert_eq!(hostio, 26_275_955);
        assert_eq!(u64_at(&out, 0), measured(6 * CONST, hostio, true));
    }

    #[test]
    fn worked_examples() {
        // Spelled out once, so the helper itself is checked against hand arithmetic.
        assert_eq!(measured(3 * CONST, 163_800, false), 184_913);
        assert_eq!(measured(0, HOSTIO, true), 29_519);
        assert_eq!(measured(2 * CONST, 78_153 + 26_000_000, false), 26_099_265);
        assert_eq!(read_price(42), 16_931);
        assert_eq!(
            measured(3 * CONST, 68_073 + 16_931 + 8_300_000, false),
            8_406_117
        );
        assert_eq!(measured(2 * CONST, 79_020, false), 100_132);
    }
}

mod arbwasm {
    use super::*;

    #[test]
    fn chain_wide_views() {
        let mut chain = chain();
        assert_eq!(
            chain
                .view_sol(ARB_WASM, &IArbWasm::stylusVersionCall {})
                .unwrap(),
            2
        );
        assert_eq!(
            chain
                .view_sol(ARB_WASM, &IArbWasm::inkPriceCall {})
                .unwrap(),
            10_000
        );
    }

    /// Nitro's activation estimates (binary.rs, rewritten here as arithmetic) for `minimal.wat`:
    /// one function of type (i32) → i32, no data, one page, and the four globals Nitro's
    /// instrumentation adds (ink left, ink status, stack left, scratch). Each term rounds down.
    /// Returns `programInitGas`: (MinInitGas·128 + ⌈init·50·2/100⌉ + cached gas, cached gas) with
    /// cached gas = MinCachedInitGas·32 + ⌈cached·50·2/100⌉ (version 2 adds the cached part).
    fn minimal_init_gas(wasm_len: u64) -> (u64, u64) {
        let (funcs, type_len, globals, pages) = (1u64, 2u64, 4u64, 1u64);
        let cached = funcs * 13_420 / 100_000
            + type_len * 89 / 100_000
            + wasm_len * 122 / 100_000
            + globals * 1_628 / 1_000
            + pages * 5;
        let init = funcs * 8_252 / 1_000 + type_len * 1_059 / 1_000 + wasm_len * 1_286 / 10_000;
        let cached_gas = 11 * 32 + (cached * 50 * 2).div_ceil(100);
        let init_gas = 69 * 128 + (init * 50 * 2).div_ceil(100) + cached_gas;
        (init_gas, cached_gas)
    }

    #[test]
    fn program_views() {
        let mut chain = chain();
        let (wasm, code) = process(wat::MINIMAL);
        let program = chain.deploy_stylus(ALICE, &code).unwrap();
        let version = chain
            .view_sol(ARB_WASM, &IArbWasm::programVersionCall { program })
            .unwrap();
        assert_eq!(version, 2);
        let footprint = chain
            .view_sol(ARB_WASM, &IArbWasm::programMemoryFootprintCall { program })
            .unwrap();
        assert_eq!(footprint, 1);
        let got = chain
            .view_sol(ARB_WASM, &IArbWasm::programInitGasCall { program })
            .unwrap();
        let expected = minimal_init_gas(wasm.len() as u64);
        assert_eq!(
            (got.gas, got.gasWhenCached),
            expected,
            "wasm of {} bytes",
            wasm.len()
        );
    }

    /// A whole call of `minimal.wat` with no calldata: 21,000 intrinsic, then the entry cost
    /// (one page is within the 2 free ones; the program is not cached, so init + cached gas),
    /// then its only basic block `[i32.const, end]` = 1 + 1 + 2,450 ink, which leaves
    /// ⌊(g·10,000 − 2,452) / 10,000⌋ = g − 1 gas: one gas.
    #[test]
    fn a_minimal_call_costs_intrinsic_plus_init_gas_plus_one() {
        let mut chain = chain();
        let (wasm, code) = process(wat::MINIMAL);
        let program = chain.deploy_stylus(ALICE, &code).unwrap();
        let receipt = send(&mut chain, program, vec![]);
        assert_eq!(returned(&receipt), Vec::<u8>::new());
        let (init_gas, _) = minimal_init_gas(wasm.len() as u64);
        assert_eq!(receipt.gas_used(), 21_000 + init_gas + 1);
    }

    /// Calldata activating `program`.
    fn activation(program: Address) -> Vec<u8> {
        IArbWasm::activateProgramCall { program }.abi_encode()
    }

    /// Intrinsic gas of a call with `data`: 21,000 plus 4 per zero byte and 16 per other.
    fn intrinsic(data: &[u8]) -> u64 {
        21_000
            + data
                .iter()
                .map(|&b| if b == 0 { 4 } else { 16 })
                .sum::<u64>()
    }

    /// Nitro's fixed charge of every activation (`ArbWasm.ActivateProgram`), burnt first.
    const FIXED: u64 = 1_659_168;
    /// What the harness charges for reading the program's code: two ArbOS storage reads.
    const CODE_READS: u64 = 2 * 800;

    /// Activating `minimal.wat` (`ArbWasm.ActivateProgram`, then `Module::activate`): the fixed
    /// 1,659,168 gas, then 28 gas per estimated µs, each term rounded down on its own: wasm bytes
    /// × 0.31733, one function × 0.17263 → 0, no data or element bytes, one page × 2,217, and the
    /// 31 operators of the instrumented body × 0.535 → 16. Those 31 are the block's ink charge
    /// (12) and its `i32.const`, `end`; the depth check on entry (12); the `return` Nitro appends
    /// and the 4 that release the frame before it. The record write is one ArbOS storage write
    /// (20,000). One gas less and the activation reverts with no data, taking all the gas.
    #[test]
    fn activation_costs_the_fixed_charge_plus_the_programs_estimate() {
        let (wasm, code) = process(wat::MINIMAL);
        let mut chain = chain();
        let program = chain.deploy_stylus_unactivated(ALICE, &code).unwrap();
        let data = activation(program);
        let estimate =
            28 * (wasm.len() as u64 * 31_733 / 100_000) + 28 * 2_217 + 28 * (31 * 535 / 1_000);
        let gas = intrinsic(&data) + FIXED + CODE_READS + estimate + 20_000;
        let short = send_with(&mut chain, ARB_WASM, 0, gas - 1, data.clone());
        assert_eq!(end(&short), End::Revert(vec![]));
        assert_eq!(short.gas_used(), gas - 1);
        let receipt = send_with(&mut chain, ARB_WASM, 0, gas, data);
        assert!(receipt.is_success(), "{:?}", receipt.result);
        assert_eq!(receipt.gas_used(), gas, "wasm of {} bytes", wasm.len());
    }

    /// The fixed charge comes before anything else: an activation that reverts
    /// `ProgramUpToDate` still pays it, and a gas limit below it reverts with no data.
    #[test]
    fn the_fixed_charge_is_paid_before_anything_else() {
        let mut chain = chain();
        let program = deploy(&mut chain, wat::MINIMAL);
        let data = activation(program);
        let up_to_date = send(&mut chain, ARB_WASM, data.clone());
        assert_eq!(
            end(&up_to_date),
            End::Revert(IArbWasm::ProgramUpToDate {}.abi_encode())
        );
        assert_eq!(up_to_date.gas_used(), intrinsic(&data) + FIXED + CODE_READS);
        let limit = intrinsic(&data) + FIXED - 1;
        let short = send_with(&mut chain, ARB_WASM, 0, limit, data);
        assert_eq!(end(&short), End::Revert(vec![]));
        assert_eq!(short.gas_used(), limit);
    }

    /// Code that decompresses to a module Nitro cannot activate fails with
    /// `ErrProgramActivation`: the precompile burns all the gas and reverts with no data.
    #[rstest]
    #[case::not_wasm(b"not a wasm module".to_vec())]
    #[case::no_entrypoint(::wat::parse_str(r#"(module (memory (export "memory") 1 1))"#).unwrap())]
    fn activating_invalid_wasm_reverts_without_data_and_takes_all_gas(#[case] wasm: Vec<u8>) {
        let mut chain = chain();
        let code = harness::artifact::compress(&wasm);
        let program = chain.deploy_stylus_unactivated(ALICE, &code).unwrap();
        let receipt = send(&mut chain, ARB_WASM, activation(program));
        assert_eq!(end(&receipt), End::Revert(vec![]));
        assert_eq!(receipt.gas_used(), GAS);
    }

    /// Code whose brotli payload is corrupt fails before activation, with an error that is not a
    /// Solidity error: since ArbOS 11 Nitro reverts with no data but keeps the gas left.
    #[test]
    fn activating_corrupt_code_reverts_without_data_keeping_the_gas_left() {
        let mut chain = chain();
        let code = cat(&[&harness::artifact::STYLUS_PREFIX, &[0xff; 8]]);
        let program = chain.deploy_stylus_unactivated(ALICE, &code).unwrap();
        let data = activation(program);
        let receipt = send(&mut chain, ARB_WASM, data.clone());
        assert_eq!(end(&receipt), End::Revert(vec![]));
        assert_eq!(receipt.gas_used(), intrinsic(&data) + FIXED + CODE_READS);
    }

    /// Nitro's precompile dispatch (`Precompile.Call`) reverts with no data and takes all gas
    /// for calldata shorter than a selector, a selector no method has, and arguments that do
    /// not decode.
    #[rstest]
    #[case::empty(vec![])]
    #[case::three_bytes(vec![0x12, 0x34, 0x56])]
    #[case::unknown_selector(vec![0xde, 0xad, 0xbe, 0xef])]
    #[case::missing_argument(IArbWasm::activateProgramCall::SELECTOR.to_vec())]
    fn undecodable_calls_revert_without_data_and_take_all_gas(#[case] data: Vec<u8>) {
        let mut chain = chain();
        let receipt = send(&mut chain, ARB_WASM, data);
        assert_eq!(end(&receipt), End::Revert(vec![]));
        assert_eq!(receipt.gas_used(), GAS);
    }

    /// Nitro checks a method's mutability before running it: value sent to a view, or
    /// `activateProgram` in a static call, reverts with no data and takes all the gas.
    #[test]
    fn calls_against_a_methods_mutability_revert_without_data_and_take_all_gas() {
        let mut chain = chain();
        let view = IArbWasm::stylusVersionCall {}.abi_encode();
        let free = send_with(&mut chain, ARB_WASM, 0, GAS, view.clone());
        assert!(free.is_success(), "{:?}", free.result);
        let paid = send_with(&mut chain, ARB_WASM, 1, GAS, view);
        assert_eq!(end(&paid), End::Revert(vec![]));
        assert_eq!(paid.gas_used(), GAS);

        let program = deploy_copy(&mut chain, wat::MINIMAL);
        let caller = deploy_evm(&mut chain, &evm::static_caller(ARB_WASM));
        let receipt = send(&mut chain, caller, activation(program));
        assert_static_call_burned_out(&receipt);
    }

    /// The static caller's call failed (it returned 0), and took all the gas it was given: all
    /// but 1/64 of what was left.
    fn assert_static_call_burned_out(receipt: &harness::evm::Receipt) {
        assert_eq!(
            returned(receipt),
            word(U256::ZERO),
            "the static call failed"
        );
        assert!(
            receipt.gas_used() > GAS - GAS / 64,
            "gas used {}",
            receipt.gas_used()
        );
    }

    #[test]
    fn activating_twice_reverts_program_up_to_date() {
        let mut chain = chain();
        let program = deploy(&mut chain, wat::MINIMAL);
        match chain.activate(ALICE, program) {
            Err(ChainError::Reverted(data)) => {
                assert_eq!(data.to_vec(), IArbWasm::ProgramUpToDate {}.abi_encode())
            }
            other => panic!("expected ProgramUpToDate, got {other:?}"),
        }
    }

    #[test]
    fn activating_evm_code_reverts_program_not_wasm() {
        let mut chain = chain();
        let contract = deploy_evm(&mut chain, evm::REVERTS);
        match chain.activate(ALICE, contract) {
            Err(ChainError::Reverted(data)) => {
                assert_eq!(data.to_vec(), IArbWasm::ProgramNotWasm {}.abi_encode())
            }
            other => panic!("expected ProgramNotWasm, got {other:?}"),
        }
    }

    const YEAR: u64 = 365 * 86_400;

    /// Activates `echo.wat` at `activated_at` and calls it at `now`.
    fn echo_between(activated_at: u64, now: u64) -> End {
        let mut chain = chain();
        chain.set_timestamp(activated_at);
        let program = deploy(&mut chain, wat::ECHO);
        chain.set_timestamp(now);
        end(&send(&mut chain, program, vec![7]))
    }

    /// Nitro expires a program whose age is greater than 365 days: the call halts.
    #[test]
    fn a_program_expires_after_365_days() {
        assert_eq!(
            echo_between(GENESIS_TIMESTAMP, GENESIS_TIMESTAMP + YEAR + 1),
            End::NotActivated
        );
        assert_eq!(
            echo_between(GENESIS_TIMESTAMP, GENESIS_TIMESTAMP + YEAR - 1),
            End::Success(vec![7])
        );
    }

    /// The exact boundary (programs.go `getActiveProgram`, `hoursSinceArbitrum`): Nitro stores
    /// the activation time in whole hours since 1,421,388,000 and expires only when the age is
    /// *greater* than 365 days. Genesis is an exact hour after that epoch, so a program activated
    /// then still runs at exactly 365 days; one activated half an hour later counts its age from
    /// the hour before, so it is already expired at 365 days + 1 s after genesis.
    #[test]
    fn expiry_follows_nitros_hour_granularity_and_strict_bound() {
        assert_eq!((GENESIS_TIMESTAMP - 1_421_388_000) % 3_600, 0);
        assert_eq!(
            echo_between(GENESIS_TIMESTAMP, GENESIS_TIMESTAMP + YEAR),
            End::Success(vec![7])
        );
        let half_hour_later = GENESIS_TIMESTAMP + 1_800;
        assert_eq!(
            echo_between(half_hour_later, GENESIS_TIMESTAMP + YEAR + 1),
            End::NotActivated
        );
    }

    #[test]
    fn calling_an_unactivated_program_halts_with_all_gas() {
        let mut chain = chain();
        let (_, code) = process(wat::ECHO);
        let program = chain.deploy_stylus_unactivated(ALICE, &code).unwrap();
        let receipt = chain
            .send(TxRequest::call(ALICE, program, vec![1, 2, 3]).gas_limit(100_000))
            .unwrap();
        assert_eq!(end(&receipt), End::NotActivated);
        assert_eq!(receipt.gas_used(), 100_000);
        // Activating it afterwards makes the same call work.
        chain.activate(ALICE, program).unwrap();
        assert_eq!(
            returned(&send(&mut chain, program, vec![1, 2, 3])),
            vec![1, 2, 3]
        );
    }

    const DAY: u64 = 86_400;

    fn keepalive(codehash: B256) -> Vec<u8> {
        IArbWasm::codehashKeepaliveCall { codehash }.abi_encode()
    }

    /// Nitro's `ProgramKeepalive` asks for an active program (`getActiveProgram`:
    /// `ProgramNotActivated`, `ProgramNeedsUpgrade`, `ProgramExpired(age)`) at least
    /// `KeepaliveDays` (31) old: a younger one reverts `ProgramKeepaliveTooSoon(age)`. Each is a
    /// Solidity error, so the gas left is kept.
    #[test]
    fn keepalive_refuses_programs_that_are_not_active_or_too_young() {
        let mut chain = chain();
        let (_, code) = process(wat::ECHO);
        let codehash = keccak256(&code);
        let program = chain.deploy_stylus_unactivated(ALICE, &code).unwrap();
        let refused = |chain: &mut harness::evm::Chain, error: Vec<u8>| {
            let receipt = send(chain, ARB_WASM, keepalive(codehash));
            assert_eq!(end(&receipt), End::Revert(error));
            assert!(receipt.gas_used() < GAS);
        };
        refused(&mut chain, IArbWasm::ProgramNotActivated {}.abi_encode());

        chain.activate(ALICE, program).unwrap();
        chain.set_timestamp(GENESIS_TIMESTAMP + 31 * DAY - 1);
        let age = 31 * DAY - 1;
        refused(
            &mut chain,
            IArbWasm::ProgramKeepaliveTooSoon { ageInSeconds: age }.abi_encode(),
        );

        chain.set_timestamp(GENESIS_TIMESTAMP + YEAR + 1);
        let age = YEAR + 1;
        refused(
            &mut chain,
            IArbWasm::ProgramExpired { ageInSeconds: age }.abi_encode(),
        );
    }

    /// A program activated under another Stylus version needs `activateProgram` again, not a
    /// keepalive (`ProgramNeedsUpgrade(version, stylusVersion)`). The record is written
    /// directly: ArbWasm's layout puts the version in the word's top two bytes and the
    /// activation time in bytes 12..20.
    #[test]
    fn keepalive_of_an_older_version_reverts_needs_upgrade() {
        let mut chain = chain();
        let program = deploy(&mut chain, wat::ECHO);
        let codehash = keccak256(chain.code(program));
        let mut record = [0u8; 32];
        record[..2].copy_from_slice(&1u16.to_be_bytes());
        record[12..20].copy_from_slice(&GENESIS_TIMESTAMP.to_be_bytes());
        let slot = U256::from_be_bytes(codehash.0);
        chain.set_storage(ARB_WASM, slot, U256::from_be_bytes(record));
        chain.set_timestamp(GENESIS_TIMESTAMP + 40 * DAY);
        let receipt = send(&mut chain, ARB_WASM, keepalive(codehash));
        let error = IArbWasm::ProgramNeedsUpgrade {
            version: 1,
            stylusVersion: 2,
        };
        assert_eq!(end(&receipt), End::Revert(error.abi_encode()));
    }

    /// A keepalive restarts the 365 days from its own hour (Nitro: `activatedAt =
    /// hoursSinceArbitrum(time)`), logs `ProgramLifetimeExtended(codehash, dataFee)` and, like
    /// activation, returns what the data fee (zero in the harness) leaves of the value sent.
    /// A second keepalive right after is too soon.
    #[test]
    fn keepalive_restarts_the_expiry_clock_from_its_hour() {
        let mut chain = chain();
        let program = deploy(&mut chain, wat::ECHO);
        let codehash = keccak256(chain.code(program));
        let kept_at = GENESIS_TIMESTAMP + 40 * DAY + 1_800;
        chain.set_timestamp(kept_at);
        let balance = chain.balance(ALICE);

        let receipt = send_with(&mut chain, ARB_WASM, 5, GAS, keepalive(codehash));

        assert_eq!(end(&receipt), End::Success(vec![]));
        let extended = IArbWasm::ProgramLifetimeExtended {
            codehash,
            dataFee: U256::ZERO,
        };
        assert_eq!(
            receipt.logs(),
            &[Log {
                address: ARB_WASM,
                data: alloy_sol_types::SolEvent::encode_log_data(&extended),
            }]
        );
        assert_eq!(chain.balance(ALICE), balance, "the value came back");
        let left = chain
            .view_sol(ARB_WASM, &IArbWasm::programTimeLeftCall { program })
            .unwrap();
        assert_eq!(left, YEAR - 1_800, "counted from the hour before");

        let age = 1_800;
        assert_eq!(
            end(&send(&mut chain, ARB_WASM, keepalive(codehash))),
            End::Revert(IArbWasm::ProgramKeepaliveTooSoon { ageInSeconds: age }.abi_encode())
        );
        let hour = kept_at - 1_800;
        chain.set_timestamp(hour + YEAR);
        assert_eq!(
            end(&send(&mut chain, program, vec![7])),
            End::Success(vec![7])
        );
        chain.set_timestamp(hour + YEAR + 1);
        assert_eq!(end(&send(&mut chain, program, vec![7])), End::NotActivated);
    }

    /// `codehashKeepalive` writes: in a static call it reverts with no data and takes all the
    /// gas, as `activateProgram` does.
    #[test]
    fn keepalive_in_a_static_call_reverts_without_data_and_takes_all_gas() {
        let mut chain = chain();
        let program = deploy(&mut chain, wat::ECHO);
        let codehash = keccak256(chain.code(program));
        chain.set_timestamp(GENESIS_TIMESTAMP + 40 * DAY);
        let caller = deploy_evm(&mut chain, &evm::static_caller(ARB_WASM));
        let receipt = send(&mut chain, caller, keepalive(codehash));
        assert_static_call_burned_out(&receipt);
    }

    /// Nitro reactivates an expired program of the current version (`ActivateProgram` refuses
    /// only a program that is up to date *and* not expired).
    #[test]
    fn an_expired_program_can_be_activated_again() {
        let mut chain = chain();
        let program = deploy(&mut chain, wat::ECHO);
        chain.set_timestamp(GENESIS_TIMESTAMP + YEAR + 1);
        assert_eq!(end(&send(&mut chain, program, vec![7])), End::NotActivated);
        chain.activate(ALICE, program).unwrap();
        assert_eq!(
            end(&send(&mut chain, program, vec![7])),
            End::Success(vec![7])
        );
    }
}
