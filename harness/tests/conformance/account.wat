;; account hostios: calldata = op ‖ address (20) ‖ offset (u32 LE) ‖ size (u32 LE).
;; 0 balance (32), 1 code size (u32 LE), 2 code: bytes written (u32 LE) ‖ bytes, 3 code hash (32).
(module
  (import "vm_hooks" "read_args" (func $read_args (param i32)))
  (import "vm_hooks" "write_result" (func $write_result (param i32 i32)))
  (import "vm_hooks" "account_balance" (func $balance (param i32 i32)))
  (import "vm_hooks" "account_code_size" (func $code_size (param i32) (result i32)))
  (import "vm_hooks" "account_code" (func $code (param i32 i32 i32 i32) (result i32)))
  (import "vm_hooks" "account_codehash" (func $codehash (param i32 i32)))
  (memory (export "memory") 1 1)
  (func (export "user_entrypoint") (param $len i32) (result i32)
    (local $op i32) (local $n i32)
    (call $read_args (i32.const 0))
    (local.set $op (i32.load8_u (i32.const 0)))
    (if (i32.eq (local.get $op) (i32.const 0)) (then
      (call $balance (i32.const 1) (i32.const 0x100))
      (call $write_result (i32.const 0x100) (i32.const 32))))
    (if (i32.eq (local.get $op) (i32.const 1)) (then
      (i32.store (i32.const 0x100) (call $code_size (i32.const 1)))
      (call $write_result (i32.const 0x100) (i32.const 4))))
    (if (i32.eq (local.get $op) (i32.const 2)) (then
      (local.set $n (call $code (i32.const 1) (i32.load (i32.const 21)) (i32.load (i32.const 25))
        (i32.const 0x104)))
      (i32.store (i32.const 0x100) (local.get $n))
      (call $write_result (i32.const 0x100) (i32.add (i32.const 4) (local.get $n)))))
    (if (i32.eq (local.get $op) (i32.const 3)) (then
      (call $codehash (i32.const 1) (i32.const 0x100))
      (call $write_result (i32.const 0x100) (i32.const 32))))
    (i32.const 0)))
