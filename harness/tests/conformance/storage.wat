;; storage and transient storage: calldata = command ‖ key (32) ‖ value (32) [‖ clear flag].
;; Loaded words are returned; command 3 returns the word and the ink its load cost (u64 LE).
(module
  (import "vm_hooks" "read_args" (func $read_args (param i32)))
  (import "vm_hooks" "write_result" (func $write_result (param i32 i32)))
  (import "vm_hooks" "storage_load_bytes32" (func $load (param i32 i32)))
  (import "vm_hooks" "storage_cache_bytes32" (func $cache (param i32 i32)))
  (import "vm_hooks" "storage_flush_cache" (func $flush (param i32)))
  (import "vm_hooks" "transient_load_bytes32" (func $tload (param i32 i32)))
  (import "vm_hooks" "transient_store_bytes32" (func $tstore (param i32 i32)))
  (import "vm_hooks" "evm_ink_left" (func $ink (result i64)))
  (memory (export "memory") 1 1)
  (func (export "user_entrypoint") (param $len i32) (result i32)
    (local $cmd i32) (local $before i64) (local $after i64)
    (call $read_args (i32.const 0))
    (local.set $cmd (i32.load8_u (i32.const 0)))
    ;; 0: cache and flush
    (if (i32.eq (local.get $cmd) (i32.const 0)) (then
      (call $cache (i32.const 1) (i32.const 33))
      (call $flush (i32.const 0))
      (return (i32.const 0))))
    ;; 1: cache, never flush
    (if (i32.eq (local.get $cmd) (i32.const 1)) (then
      (call $cache (i32.const 1) (i32.const 33))
      (return (i32.const 0))))
    ;; 2: load
    (if (i32.eq (local.get $cmd) (i32.const 2)) (then
      (call $load (i32.const 1) (i32.const 0x100))
      (call $write_result (i32.const 0x100) (i32.const 32))
      (return (i32.const 0))))
    ;; 3: cache, flush(clear = byte 65), then measure a load of the same key
    (if (i32.eq (local.get $cmd) (i32.const 3)) (then
      (call $cache (i32.const 1) (i32.const 33))
      (call $flush (i32.load8_u (i32.const 65)))
      (local.set $before (call $ink))
      (call $load (i32.const 1) (i32.const 0x100))
      (local.set $after (call $ink))
      (i64.store (i32.const 0x120) (i64.sub (local.get $before) (local.get $after)))
      (call $write_result (i32.const 0x100) (i32.const 40))
      (return (i32.const 0))))
    ;; 4: transient store then load
    (if (i32.eq (local.get $cmd) (i32.const 4)) (then
      (call $tstore (i32.const 1) (i32.const 33))
      (call $tload (i32.const 1) (i32.const 0x100))
      (call $write_result (i32.const 0x100) (i32.const 32))
      (return (i32.const 0))))
    ;; 5: transient load
    (if (i32.eq (local.get $cmd) (i32.const 5)) (then
      (call $tload (i32.const 1) (i32.const 0x100))
      (call $write_result (i32.const 0x100) (i32.const 32))
      (return (i32.const 0))))
    (i32.const 1)))
