#!/usr/bin/env node
// Kept tiny: `mig --version` must not load commander, core, Ink or React.
import { VERSION } from './version.js'

const args = process.argv.slice(2)
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V' || args[0] === '-v')) {
  process.stdout.write(`${VERSION}\n`)
} else {
  const { main } = await import('./main.js')
  process.exitCode = await main(args)
}
