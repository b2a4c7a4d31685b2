;; The smallest valid program: one function, no imports, no data, no globals; returns nothing.
(module
  (memory (export "memory") 1 1)
  (func (export "user_entrypoint") (param i32) (result i32)
    (i32.const 0)))
