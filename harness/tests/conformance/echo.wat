;; args/result: echoes the calldata. A first `write_result` with other bytes comes before it, so
;; the output also shows that the last `write_result` wins.
(module
  (import "vm_hooks" "read_args" (func $read_args (param i32)))
  (import "vm_hooks" "write_result" (func $write_result (param i32 i32)))
  (memory (export "memory") 1 1)
  (data (i32.const 0) "overwritten")
  (func (export "user_entrypoint") (param $len i32) (result i32)
    (call $write_result (i32.const 0) (i32.const 11))
    (call $read_args (i32.const 64))
    (call $write_result (i32.const 64) (local.get $len))
    (i32.const 0)))
