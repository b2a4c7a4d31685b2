//! The example functions (`functions/`), built and processed as they go on chain, deployed and
//! activated in the harness chain: every answer is byte-for-byte the native handler's, a handler
//! error reverts with its message, and a STATICCALL (how a dispute re-executes a function) gets
//! the same answer, since a function writes no state.

#[allow(dead_code)] // the Solidity helpers serve the other test files
mod common;

use alloy_primitives::{Address, Bytes};
use common::{ALICE, chain, deploy_stylus};
use harness::{
    artifact::{Artifacts, check_purity},
    evm::{Chain, ChainError, chain::TxRequest, chain::deploy_code_init},
};

/// A native handler, its error as the message the program reverts with.
type Handler = fn(&[u8]) -> Result<Vec<u8>, String>;

/// An example function with requests it answers and requests it refuses.
struct Example {
    /// The crate (and artifact) name.
    name: &'static str,
    /// Its native handler.
    handler: Handler,
    /// Requests the handler answers.
    answered: Vec<Vec<u8>>,
    /// Requests the handler refuses.
    refused: Vec<Vec<u8>>,
}

fn examples() -> Vec<Example> {
    let many: String = (0..3_000)
        .map(|i| format!("{},", (i * 7_919) % 20_011 - 10_000))
        .collect();
    vec![
        Example {
            name: "csv-stats",
            handler: |request| csv_stats::handle(request).map_err(|e| e.to_string()),
            answered: vec![
                b"1,2,3\n4,5,6\n".to_vec(),
                b"price,qty\n-7, 3\n\n12,-1\n".to_vec(),
                many.into_bytes(),
            ],
            refused: vec![b"1,2\nthree\n".to_vec(), b"".to_vec()],
        },
        Example {
            name: "quote-api",
            handler: |request| quote_api::handle(request).map_err(|e| e.to_string()),
            answered: vec![
                br#"{"sku": "gpu", "qty": 12, "region": "eu"}"#.to_vec(),
                br#"{"region":"ap","sku":"cpu-large","qty":1000000}"#.to_vec(),
            ],
            refused: vec![
                br#"{"sku":"gpu","qty":1}"#.to_vec(),
                br#"{"sku":"gpu" "qty":1}"#.to_vec(),
            ],
        },
        Example {
            name: "notify",
            handler: |request| notify::handle(request).map_err(|e| e.to_string()),
            answered: vec![
                b"name=Ada\nplan=Pro\n---\nHi {{name}}, your {{plan}} plan renews tomorrow."
                    .to_vec(),
                b"---\nno placeholders".to_vec(),
            ],
            refused: vec![b"---\nHi {{who}}".to_vec(), b"a=1\n---\n{{a".to_vec()],
        },
    ]
}

/// EVM code that STATICCALLs `target` with its own calldata and returns (or reverts with) what
/// the target returned: a dispute's re-execution in miniature.
fn static_caller(target: Address) -> Vec<u8> {
    let mut code = vec![
        0x36, 0x60, 0x00, 0x60, 0x00, 0x37, // CALLDATACOPY(0, 0, CALLDATASIZE)
        0x60, 0x00, 0x60, 0x00, 0x36, 0x60, 0x00, // retSize, retOffset, argsSize, argsOffset
        0x73, // PUSH20 target
    ];
    code.extend_from_slice(target.as_slice());
    code.extend_from_slice(&[
        0x5a, 0xfa, // GAS, STATICCALL
        0x3d, 0x60, 0x00, 0x60, 0x00, 0x3e, // RETURNDATACOPY(0, 0, RETURNDATASIZE)
        0x60, 0x31, 0x57, // JUMPI to 0x31 on success
        0x3d, 0x60, 0x00, 0xfd, // REVERT(0, RETURNDATASIZE)
        0x5b, 0x3d, 0x60, 0x00, 0xf3, // JUMPDEST; RETURN(0, RETURNDATASIZE)
    ]);
    assert_eq!(code[0x31], 0x5b, "the jump lands on JUMPDEST");
    code
}

/// What a call to the program answers: `Ok(response)` or `Err(revert data)`.
fn answer(chain: &mut Chain, to: Address, request: &[u8]) -> Result<Bytes, Bytes> {
    match chain.send(TxRequest::call(ALICE, to, request.to_vec())) {
        Ok(receipt) => match receipt.into_result() {
            Ok(output) => Ok(output),
            Err(ChainError::Reverted(data)) => Err(data),
            Err(other) => panic!("the call halted: {other}"),
        },
        Err(error) => panic!("the transaction is invalid: {error}"),
    }
}

#[test]
fn built_functions_are_pure() {
    let artifacts = Artifacts::locate();
    for Example { name, .. } in examples() {
        let code = artifacts.load(name).unwrap_or_else(|e| panic!("{e}"));
        check_purity(&code).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

#[test]
fn on_chain_answers_equal_the_native_handlers() {
    let mut chain = chain();
    for Example {
        name,
        handler,
        answered,
        ..
    } in examples()
    {
        let program = deploy_stylus(&mut chain, name);
        for request in answered {
            let expected = handler(&request).expect("a request the handler answers");
            assert_eq!(
                answer(&mut chain, program, &request),
                Ok(Bytes::from(expected)),
                "{name} on {:?}",
                String::from_utf8_lossy(&request)
            );
        }
    }
}

#[test]
fn a_handler_error_reverts_with_its_message() {
    let mut chain = chain();
    for Example {
        name,
        handler,
        refused,
        ..
    } in examples()
    {
        let program = deploy_stylus(&mut chain, name);
        for request in refused {
            let message = handler(&request).expect_err("a request the handler refuses");
            assert_eq!(
                answer(&mut chain, program, &request),
                Err(Bytes::from(message.into_bytes())),
                "{name} on {:?}",
                String::from_utf8_lossy(&request)
            );
        }
    }
}

#[test]
fn a_staticcall_gets_the_same_answer() {
    let mut chain = chain();
    for Example {
        name,
        handler,
        answered,
        refused,
    } in examples()
    {
        let program = deploy_stylus(&mut chain, name);
        let caller = chain
            .deploy(ALICE, deploy_code_init(&static_caller(program)))
            .expect("the caller deploys");
        for request in answered.iter().chain(&refused) {
            let expected = handler(request)
                .map(Bytes::from)
                .map_err(|message| Bytes::from(message.into_bytes()));
            assert_eq!(
                answer(&mut chain, caller, request),
                expected,
                "{name} through STATICCALL on {:?}",
                String::from_utf8_lossy(request)
            );
        }
    }
}
