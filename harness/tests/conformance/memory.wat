;; memory: one initial page, growable to 8. calldata = op ‖ pages.
;; 0: the ink `pay_for_memory_grow(pages)` cost; 1: the ink `memory.grow(pages)` cost.
;; Output: ink (u64 LE) ‖ memory.size afterwards (u32 LE).
(module
  (import "vm_hooks" "read_args" (func $read_args (param i32)))
  (import "vm_hooks" "write_result" (func $write_result (param i32 i32)))
  (import "vm_hooks" "pay_for_memory_grow" (func $pay_for_memory_grow (param i32)))
  (import "vm_hooks" "evm_ink_left" (func $ink (result i64)))
  (memory (export "memory") 1 8)
  (func (export "user_entrypoint") (param $len i32) (result i32)
    (local $pages i32) (local $before i64) (local $after i64)
    (call $read_args (i32.const 0))
    (local.set $pages (i32.load8_u (i32.const 1)))
    (if (i32.eqz (i32.load8_u (i32.const 0)))
      (then
        (local.set $before (call $ink))
        (call $pay_for_memory_grow (local.get $pages))
        (local.set $after (call $ink)))
      (else
        (local.set $before (call $ink))
        (drop (memory.grow (local.get $pages)))
        (local.set $after (call $ink))))
    (i64.store (i32.const 0x100) (i64.sub (local.get $before) (local.get $after)))
    (i32.store (i32.const 0x108) (memory.size))
    (call $write_result (i32.const 0x100) (i32.const 12))
    (i32.const 0)))
