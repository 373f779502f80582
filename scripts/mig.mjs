// `pnpm mig <command>` at the root of a clone: runs the built CLI in the folder pnpm was called
// from (pnpm runs scripts in the root and passes that folder as INIT_CWD).
import { createRequire } from 'node:module'

if (process.env.INIT_CWD) process.chdir(process.env.INIT_CWD)
createRequire(import.meta.url)('../apps/cli/bin/mig.cjs')
