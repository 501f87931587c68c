// The only side-effecting entry: reads argv/env, runs one command, sets the exit code.
import { ConfigError } from './config'
import { checkCommand } from './commands/check'
import { consentCommand } from './commands/consent'
import { dlqCommand } from './commands/dlq'
import { reportCommand } from './commands/report'
import { sendTestEventCommand } from './commands/send-test-event'
import { serveCommand } from './commands/serve'
import { shopifyPixelCommand } from './commands/shopify-pixel'
import { COMMAND_USAGE, USAGE } from './commands/usage'

const COMMANDS: Record<string, (args: string[]) => Promise<void>> = {
  serve: serveCommand,
  check: checkCommand,
  'send-test-event': sendTestEventCommand,
  consent: consentCommand,
  dlq: dlqCommand,
  report: reportCommand,
  'shopify-pixel': (args) => shopifyPixelCommand(args),
}
/** Commands configured only by the environment: an argument is a mistake worth naming. */
const NO_ARGUMENTS = new Set(['serve', 'check'])
const HELP = new Set(['--help', '-h', 'help'])

/** What a user who typed a flag probably meant, in the environment's terms. */
const hint = (arg: string) =>
  /^--?(p|port)(=|$)/i.test(arg) ? ' (set PORT in the environment: PORT=3000 tagwarden serve)'
  : /^--?host(=|$)/i.test(arg) ? ' (set HOST in the environment: HOST=0.0.0.0 tagwarden serve)'
  : ' (settings come from the environment; see README "Configuration")'

async function main(argv: string[]): Promise<void> {
  const [name, ...args] = argv
  if (name === undefined) {
    // No command: say what there is rather than start a server nobody asked for.
    process.stdout.write(USAGE)
    process.exitCode = 2
    return
  }
  if (HELP.has(name)) {
    process.stdout.write((args[0] && COMMAND_USAGE[args[0]]) || USAGE)
    return
  }
  const command = COMMANDS[name]
  if (!command) {
    process.stderr.write(`[tagwarden] unknown command "${name}"\n\n${USAGE}`)
    process.exitCode = 2
    return
  }
  if (args.some((a) => a === '--help' || a === '-h')) {
    process.stdout.write(COMMAND_USAGE[name])
    return
  }
  if (NO_ARGUMENTS.has(name) && args.length) {
    process.stderr.write(`[tagwarden] ${name} takes no arguments, got "${args[0]}"${hint(args[0])}\n\n${COMMAND_USAGE[name]}`)
    process.exitCode = 2
    return
  }
  await command(args)
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`${error instanceof ConfigError ? error.message : error instanceof Error ? error.message : String(error)}\n`)
  process.exitCode = error instanceof ConfigError ? 78 : 1
})
