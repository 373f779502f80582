import { createInterface } from 'node:readline/promises'

/** Ask a yes/no question on the terminal; default no. Only call when stdin and stdout are a TTY. */
export async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stdout })
  try {
    const answer = await rl.question(`${question} [y/N] `)
    return /^y(es)?$/i.test(answer.trim())
  } finally {
    rl.close()
  }
}
