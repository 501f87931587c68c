// The only side-effecting entry: reads argv/env, runs one command, sets the exit code.
import { ConfigError } from './config'
import { checkCommand } from './commands/check'
import { consentCommand } from './commands/consent'
import { dlqCommand } from './commands/dlq'
import { sendTestEventCommand } from './commands/send-test-event'
import { serveCommand } from './commands/serve'

const USAGE = `usage: tagwarden <command>

  serve              run the proxy (PORT, HOST, TAGWARDEN_* and PINTEREST_* from the environment)
  check              validate the configuration and print it without secrets
  send-test-event    send one test event to Pinterest (?test=true) and print the answer
  consent explain    print the normalized consent and each destination's decision for given signals
                     [--tcf <s>] [--gpp <s>] [--gpp-sid N] [--gpc] [--country XX] [--consent <json>]
  dlq list           list dead letters (reason, last response, attempts) [--dest <name>] [--json]
  dlq replay         put dead letters back into the outbox, same event_id: --id <event_id> ... | --all
`

const COMMANDS: Record<string, (args: string[]) => Promise<void>> = {
  serve: serveCommand,
  check: checkCommand,
  'send-test-event': sendTestEventCommand,
  consent: consentCommand,
  dlq: dlqCommand,
}

async function main(argv: string[]): Promise<void> {
  const [name = 'serve', ...args] = argv
  if (name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(USAGE)
    return
  }
  const command = COMMANDS[name]
  if (!command) {
    process.stderr.write(`[tagwarden] unknown command "${name}"\n\n${USAGE}`)
    process.exitCode = 2
    return
  }
  await command(args)
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`${error instanceof ConfigError ? error.message : error instanceof Error ? error.message : String(error)}\n`)
  process.exitCode = error instanceof ConfigError ? 78 : 1
})
