// Bundles the console into dist/ (index.html, app.js, app.css): `node console/build.mjs`.
// The output is committed (a plain `cargo build` needs no npm) and must not depend on the
// machine, so `cargo test -p cloudless-cli --test console_bundle` can rebuild and compare it.
import { copyFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const here = dirname(fileURLToPath(import.meta.url))
const out = process.argv[2] ?? join(here, 'dist')

await build({
  entryPoints: { app: join(here, 'src/main.ts') },
  bundle: true,
  minify: true,
  format: 'esm',
  target: 'es2022',
  outdir: out,
  legalComments: 'none',
  charset: 'utf8',
  logLevel: 'warning',
})
copyFileSync(join(here, 'index.html'), join(out, 'index.html'))
