;; out of stack: a function that calls itself forever.
(module
  (memory (export "memory") 1 1)
  (func $down (call $down))
  (func (export "user_entrypoint") (param i32) (result i32)
    (call $down)
    (i32.const 0)))
