;; A Stylus program with a constructor routed the way stylus-sdk routes `#[constructor]`:
;; calldata `stylus_constructor()` selector (0x5585258d) ‖ uint256 runs the constructor, which
;; stores the argument in slot 0 and msg.value in slot 1 and sets slot 2; a second run reverts.
;; Any other call returns slot 0 ‖ slot 1. Memory: calldata at 0, key at 0x8000, words after it.
(module
  (import "vm_hooks" "read_args" (func $read_args (param i32)))
  (import "vm_hooks" "write_result" (func $write_result (param i32 i32)))
  (import "vm_hooks" "storage_load_bytes32" (func $load (param i32 i32)))
  (import "vm_hooks" "storage_cache_bytes32" (func $cache (param i32 i32)))
  (import "vm_hooks" "storage_flush_cache" (func $flush (param i32)))
  (import "vm_hooks" "msg_value" (func $msg_value (param i32)))
  (memory (export "memory") 1 1)
  (func $key (param $slot i32)
    (i32.store8 (i32.const 0x801f) (local.get $slot)))
  (func (export "user_entrypoint") (param $len i32) (result i32)
    (call $read_args (i32.const 0))
    (if (i32.and
          (i32.eq (local.get $len) (i32.const 36))
          ;; the selector's bytes 55 85 25 8d, read as a little-endian i32
          (i32.eq (i32.load (i32.const 0)) (i32.const 0x8d258555)))
      (then
        (call $key (i32.const 2))
        (call $load (i32.const 0x8000) (i32.const 0x8020))
        (if (i32.load8_u (i32.const 0x803f)) (then (return (i32.const 1))))
        (i32.store8 (i32.const 0x803f) (i32.const 1))
        (call $cache (i32.const 0x8000) (i32.const 0x8020))
        (call $key (i32.const 0))
        (call $cache (i32.const 0x8000) (i32.const 4))
        (call $key (i32.const 1))
        (call $msg_value (i32.const 0x8040))
        (call $cache (i32.const 0x8000) (i32.const 0x8040))
        (call $flush (i32.const 0))
        (return (i32.const 0))))
    (call $key (i32.const 0))
    (call $load (i32.const 0x8000) (i32.const 0x8060))
    (call $key (i32.const 1))
    (call $load (i32.const 0x8000) (i32.const 0x8080))
    (call $write_result (i32.const 0x8060) (i32.const 64))
    (i32.const 0)))
