;; static mode: calldata = one byte choosing a state access, on key 0 with value 1.
;; 0 flush a dirty slot, 1 emit a log, 2 transient store, 3 flush a clean cache, 4 load.
(module
  (import "vm_hooks" "read_args" (func $read_args (param i32)))
  (import "vm_hooks" "write_result" (func $write_result (param i32 i32)))
  (import "vm_hooks" "storage_load_bytes32" (func $load (param i32 i32)))
  (import "vm_hooks" "storage_cache_bytes32" (func $cache (param i32 i32)))
  (import "vm_hooks" "storage_flush_cache" (func $flush (param i32)))
  (import "vm_hooks" "transient_store_bytes32" (func $tstore (param i32 i32)))
  (import "vm_hooks" "emit_log" (func $emit_log (param i32 i32 i32)))
  (memory (export "memory") 1 1)
  ;; key: 32 zero bytes at 0x100; value: 1 at 0x120
  (data (i32.const 0x13f) "\01")
  (func (export "user_entrypoint") (param $len i32) (result i32)
    (local $op i32)
    (call $read_args (i32.const 0))
    (local.set $op (i32.load8_u (i32.const 0)))
    (if (i32.eq (local.get $op) (i32.const 0)) (then
      (call $cache (i32.const 0x100) (i32.const 0x120))
      (call $flush (i32.const 0))))
    (if (i32.eq (local.get $op) (i32.const 1)) (then
      (call $emit_log (i32.const 0x120) (i32.const 32) (i32.const 0))))
    (if (i32.eq (local.get $op) (i32.const 2)) (then
      (call $tstore (i32.const 0x100) (i32.const 0x120))))
    (if (i32.eq (local.get $op) (i32.const 3)) (then
      (call $flush (i32.const 0))))
    (if (i32.eq (local.get $op) (i32.const 4)) (then
      (call $load (i32.const 0x100) (i32.const 0x200))
      (call $write_result (i32.const 0x200) (i32.const 32))))
    (i32.const 0)))
