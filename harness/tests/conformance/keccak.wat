;; keccak: returns native_keccak256 of the calldata.
(module
  (import "vm_hooks" "read_args" (func $read_args (param i32)))
  (import "vm_hooks" "write_result" (func $write_result (param i32 i32)))
  (import "vm_hooks" "native_keccak256" (func $keccak (param i32 i32 i32)))
  (memory (export "memory") 1 1)
  (func (export "user_entrypoint") (param $len i32) (result i32)
    (call $read_args (i32.const 32))
    (call $keccak (i32.const 32) (local.get $len) (i32.const 0))
    (call $write_result (i32.const 0) (i32.const 32))
    (i32.const 0)))
