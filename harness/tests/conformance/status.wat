;; status: calldata = command byte ‖ payload. The payload is always written with `write_result`
;; first, then the command decides how the program ends.
(module
  (import "vm_hooks" "read_args" (func $read_args (param i32)))
  (import "vm_hooks" "write_result" (func $write_result (param i32 i32)))
  (import "vm_hooks" "exit_early" (func $exit_early (param i32)))
  (memory (export "memory") 1 1)
  (func (export "user_entrypoint") (param $len i32) (result i32)
    (local $cmd i32)
    (call $read_args (i32.const 0))
    (local.set $cmd (i32.load8_u (i32.const 0)))
    (call $write_result (i32.const 1) (i32.sub (local.get $len) (i32.const 1)))
    ;; 0: return status 0
    (if (i32.eq (local.get $cmd) (i32.const 0)) (then (return (i32.const 0))))
    ;; 1: return status 1
    (if (i32.eq (local.get $cmd) (i32.const 1)) (then (return (i32.const 1))))
    ;; 2: exit_early(0); the trap after it must never run
    (if (i32.eq (local.get $cmd) (i32.const 2)) (then (call $exit_early (i32.const 0)) (unreachable)))
    ;; 3: exit_early(1)
    (if (i32.eq (local.get $cmd) (i32.const 3)) (then (call $exit_early (i32.const 1)) (unreachable)))
    ;; 4: trap
    (if (i32.eq (local.get $cmd) (i32.const 4)) (then (unreachable)))
    ;; 5: spin until the ink runs out
    (if (i32.eq (local.get $cmd) (i32.const 5)) (then (loop $forever (br $forever))))
    ;; 6: a hostio with a pointer outside memory
    (if (i32.eq (local.get $cmd) (i32.const 6))
      (then (call $write_result (i32.const 0x10000) (i32.const 1))))
    ;; anything else: return status 2
    (i32.const 2)))
