//! The purity check of functions: a function's answer must depend on its request alone, so its
//! wasm may import only the hooks that read the request, write the response, pay for memory and
//! hash ([`FUNCTION_HOOKS`]). Anything else (storage, calls, logs, the block, the transaction,
//! accounts) would let two executions of the same request disagree, and a dispute's on-chain
//! re-execution could not referee the provider's answer.

use wasmparser::{Parser, Payload};

use super::{STYLUS_PREFIX, codec::decompress, validate::HOSTIO_MODULE, validate::MAX_WASM_SIZE};

/// The `vm_hooks` a function may import.
pub const FUNCTION_HOOKS: [&str; 4] = [
    "read_args",
    "write_result",
    "pay_for_memory_grow",
    "native_keccak256",
];

/// The first bytes of every binary wasm module.
const WASM_MAGIC: &[u8] = b"\0asm";

/// One import of a wasm module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Import {
    /// The module it comes from (`vm_hooks` for Stylus hooks).
    pub module: String,
    /// The imported name.
    pub name: String,
}

impl std::fmt::Display for Import {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}::{}", self.module, self.name)
    }
}

/// Why a wasm is not a pure function.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PurityError {
    /// The function imports something outside [`FUNCTION_HOOKS`].
    #[error(
        "imports {import}, which {reason}; a function's answer must depend on its request alone: it may import only vm_hooks::read_args, write_result, pay_for_memory_grow and native_keccak256"
    )]
    ImpureFunction {
        /// The import, as `module::name`.
        import: String,
        /// What the import does that a function must not.
        reason: &'static str,
    },
    /// The bytes are neither wasm nor a Stylus program's on-chain code.
    #[error("not a wasm module or Stylus code ({0}); pass the function's .wasm or .code file")]
    Malformed(String),
}

/// Every import of `wasm`: raw or processed wasm, or on-chain code (`EF F0 00 …`, decompressed
/// first).
pub fn imports(wasm: &[u8]) -> Result<Vec<Import>, PurityError> {
    let decompressed;
    let wasm = if wasm.starts_with(&STYLUS_PREFIX[..3]) {
        decompressed =
            decompress(wasm, MAX_WASM_SIZE).map_err(|e| PurityError::Malformed(e.to_string()))?;
        &decompressed[..]
    } else if wasm.starts_with(WASM_MAGIC) {
        wasm
    } else {
        return Err(PurityError::Malformed(
            "it starts with neither the wasm magic `\\0asm` nor `EF F0 00`".into(),
        ));
    };
    let malformed = |e: wasmparser::BinaryReaderError| PurityError::Malformed(e.to_string());
    let mut found = Vec::new();
    for payload in Parser::new(0).parse_all(wasm) {
        if let Payload::ImportSection(section) = payload.map_err(malformed)? {
            for import in section.into_imports() {
                let import = import.map_err(malformed)?;
                found.push(Import {
                    module: import.module.into(),
                    name: import.name.into(),
                });
            }
        }
    }
    Ok(found)
}

/// Checks that `wasm` (as [`imports`] takes it) imports nothing outside [`FUNCTION_HOOKS`];
/// the first import outside it is named in [`PurityError::ImpureFunction`].
pub fn check_purity(wasm: &[u8]) -> Result<(), PurityError> {
    for import in imports(wasm)? {
        if let Some(reason) = impurity(&import) {
            return Err(PurityError::ImpureFunction {
                import: import.to_string(),
                reason,
            });
        }
    }
    Ok(())
}

/// What `import` does that a function must not, or `None` if a function may import it.
fn impurity(import: &Import) -> Option<&'static str> {
    if import.module != HOSTIO_MODULE {
        return Some("is not a Stylus host hook");
    }
    let name = import.name.as_str();
    if FUNCTION_HOOKS.contains(&name) {
        return None;
    }
    Some(match name {
        _ if name.starts_with("storage_") || name.starts_with("transient_") => {
            "reads or writes storage"
        }
        "call_contract"
        | "delegate_call_contract"
        | "static_call_contract"
        | "create1"
        | "create2"
        | "read_return_data"
        | "return_data_size" => "calls other contracts",
        "emit_log" => "emits logs",
        _ if name.starts_with("block_")
            || name.starts_with("account_")
            || name.starts_with("msg_")
            || name.starts_with("tx_")
            || name.starts_with("evm_")
            || name == "chainid"
            || name == "contract_address" =>
        {
            "reads the environment"
        }
        _ => "is outside the functions' allow-list",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A module importing `imports` (wat import clauses) with the Stylus exports.
    fn module(imports: &str) -> Vec<u8> {
        wat::parse_str(format!(
            r#"(module
                 {imports}
                 (memory (export "memory") 1)
                 (func (export "user_entrypoint") (param i32) (result i32) i32.const 0))"#
        ))
        .unwrap()
    }

    const PURE: &str = r#"
        (import "vm_hooks" "read_args" (func (param i32)))
        (import "vm_hooks" "write_result" (func (param i32 i32)))
        (import "vm_hooks" "pay_for_memory_grow" (func (param i32)))
        (import "vm_hooks" "native_keccak256" (func (param i32 i32 i32)))"#;

    fn refusal(imports: &str) -> (String, &'static str) {
        match check_purity(&module(imports)) {
            Err(PurityError::ImpureFunction { import, reason }) => (import, reason),
            other => panic!("expected ImpureFunction, got {other:?}"),
        }
    }

    #[test]
    fn a_module_importing_only_the_allowed_hooks_is_pure() {
        let wasm = module(PURE);
        check_purity(&wasm).unwrap();
        let names: Vec<String> = imports(&wasm)
            .unwrap()
            .iter()
            .map(|i| i.to_string())
            .collect();
        assert_eq!(
            names,
            FUNCTION_HOOKS.map(|hook| format!("vm_hooks::{hook}"))
        );
    }

    #[test]
    fn processed_and_onchain_code_are_checked_alike() {
        let processed = super::super::process(&module(PURE)).unwrap();
        check_purity(&processed.wasm).unwrap();
        check_purity(&processed.code).unwrap();
        let impure = module(r#"(import "vm_hooks" "block_number" (func (result i64)))"#);
        let code = super::super::process(&impure).unwrap().code;
        assert!(matches!(
            check_purity(&code),
            Err(PurityError::ImpureFunction { import, .. }) if import == "vm_hooks::block_number"
        ));
    }

    #[test]
    fn storage_is_refused_naming_the_import() {
        let (import, reason) = refusal(&format!(
            r#"{PURE} (import "vm_hooks" "storage_load_bytes32" (func (param i32 i32)))"#
        ));
        assert_eq!(import, "vm_hooks::storage_load_bytes32");
        assert_eq!(reason, "reads or writes storage");
    }

    #[test]
    fn the_environment_is_refused_naming_the_import() {
        let (import, reason) =
            refusal(r#"(import "vm_hooks" "block_timestamp" (func (result i64)))"#);
        assert_eq!(import, "vm_hooks::block_timestamp");
        assert_eq!(reason, "reads the environment");
        let message = check_purity(&module(
            r#"(import "vm_hooks" "block_timestamp" (func (result i64)))"#,
        ))
        .unwrap_err()
        .to_string();
        assert!(
            message.starts_with("imports vm_hooks::block_timestamp, which reads the environment"),
            "{message}"
        );
    }

    #[test]
    fn calls_and_logs_are_refused() {
        let (import, reason) = refusal(
            r#"(import "vm_hooks" "static_call_contract" (func (param i32 i32 i32 i64 i32) (result i32)))"#,
        );
        assert_eq!(
            (import.as_str(), reason),
            ("vm_hooks::static_call_contract", "calls other contracts")
        );
        let (import, reason) =
            refusal(r#"(import "vm_hooks" "emit_log" (func (param i32 i32 i32)))"#);
        assert_eq!(
            (import.as_str(), reason),
            ("vm_hooks::emit_log", "emits logs")
        );
    }

    #[test]
    fn imports_from_other_modules_are_refused() {
        let (import, reason) = refusal(r#"(import "env" "now" (func (result i64)))"#);
        assert_eq!(import, "env::now");
        assert_eq!(reason, "is not a Stylus host hook");
    }

    #[test]
    fn garbage_is_not_a_module() {
        assert!(matches!(
            check_purity(b"not wasm"),
            Err(PurityError::Malformed(_))
        ));
    }
}
