//! Processing and validation on small hand-written modules.

use super::{ArtifactError, STYLUS_PREFIX, ValidationError, decompress, process, validate};

/// A minimal valid program; `extra` is spliced into the module.
fn program(extra: &str) -> Vec<u8> {
    wat::parse_str(format!(
        r#"(module
             (import "vm_hooks" "read_args" (func (param i32)))
             (memory (export "memory") 1)
             (func (export "user_entrypoint") (param i32) (result i32) i32.const 0)
             {extra})"#
    ))
    .unwrap()
}

fn rejection(wat: &str) -> ValidationError {
    validate(&wat::parse_str(wat).unwrap()).unwrap_err()
}

#[test]
fn a_minimal_program_validates() {
    validate(&program("")).unwrap();
}

#[test]
fn processing_strips_custom_sections() {
    let mut raw = program("");
    // A custom section: id 0, size, name "producers", payload.
    raw.extend_from_slice(&[0, 12, 9]);
    raw.extend_from_slice(b"producers\x01\x02");
    let processed = process(&raw).unwrap();
    assert!(processed.wasm.len() < raw.len());
    let has_custom = wasmparser::Parser::new(0)
        .parse_all(&processed.wasm)
        .any(|p| matches!(p.unwrap(), wasmparser::Payload::CustomSection(_)));
    assert!(!has_custom);
}

#[test]
fn code_is_prefixed_brotli_that_round_trips() {
    let processed = process(&program("")).unwrap();
    assert_eq!(processed.code[..4], STYLUS_PREFIX);
    assert_eq!(
        decompress(&processed.code, 128 * 1024).unwrap(),
        processed.wasm
    );
}

#[test]
fn decompress_rejects_other_formats() {
    let code = process(&program("")).unwrap().code;
    assert!(matches!(
        decompress(b"\0asm\x01\0\0\0", 1024),
        Err(ArtifactError::NotStylus)
    ));
    let mut with_dictionary = code.clone();
    with_dictionary[3] = 1;
    assert!(matches!(
        decompress(&with_dictionary, 1024),
        Err(ArtifactError::UnsupportedDictionary(1))
    ));
    assert!(matches!(
        decompress(&code, 8),
        Err(ArtifactError::TooLarge { max: 8 })
    ));
}

#[test]
fn start_function_is_rejected() {
    let wasm = program("(func $init) (start $init)");
    assert_eq!(validate(&wasm), Err(ValidationError::StartFunction));
}

#[test]
fn missing_entrypoint_is_rejected() {
    let error = rejection(r#"(module (memory (export "memory") 1))"#);
    assert_eq!(error, ValidationError::MissingExport("user_entrypoint"));
}

#[test]
fn wrongly_typed_entrypoint_is_rejected() {
    let error = rejection(
        r#"(module (memory (export "memory") 1) (func (export "user_entrypoint") (result i32) i32.const 0))"#,
    );
    assert_eq!(error, ValidationError::MissingExport("user_entrypoint"));
}

#[test]
fn missing_memory_export_is_rejected() {
    let error = rejection(
        r#"(module (memory 1) (func (export "user_entrypoint") (param i32) (result i32) i32.const 0))"#,
    );
    assert_eq!(error, ValidationError::MissingExport("memory"));
}

#[test]
fn float_instructions_are_rejected() {
    let wasm = program("(func (result i32) f32.const 1 i32.trunc_sat_f32_s)");
    assert!(matches!(
        validate(&wasm),
        Err(ValidationError::FloatInstruction {
            operator: "F32Const",
            ..
        })
    ));
}

#[test]
fn reference_types_are_rejected() {
    let wasm = program("(func (result i32) ref.null func ref.is_null)");
    assert!(matches!(validate(&wasm), Err(ValidationError::Feature(_))));
}

#[test]
fn multi_value_is_rejected() {
    let wasm = program("(func (result i32 i32) i32.const 0 i32.const 1)");
    assert!(matches!(validate(&wasm), Err(ValidationError::Feature(_))));
}

#[test]
fn oversized_wasm_is_rejected() {
    let wasm = program(&format!(
        r#"(data (i32.const 0) "{}")"#,
        "a".repeat(130 * 1024)
    ));
    assert!(matches!(
        validate(&wasm),
        Err(ValidationError::TooLarge { max: 131_072, .. })
    ));
}

#[test]
fn too_much_initial_memory_is_rejected() {
    let error = rejection(
        r#"(module (memory (export "memory") 129) (func (export "user_entrypoint") (param i32) (result i32) i32.const 0))"#,
    );
    assert_eq!(
        error,
        ValidationError::InitialMemory {
            pages: 129,
            max: 128
        }
    );
}

#[test]
fn imports_outside_nitros_hostios_are_rejected() {
    for import in [r#""console" "log_i32""#, r#""vm_hooks" "launch_missiles""#] {
        let error = rejection(&format!(
            r#"(module (import {import} (func (param i32))) (memory (export "memory") 1)
                 (func (export "user_entrypoint") (param i32) (result i32) i32.const 0))"#
        ));
        assert!(
            matches!(error, ValidationError::UnknownImport { .. }),
            "{error}"
        );
    }
}
