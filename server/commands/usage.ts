// What `tagwarden --help` and `tagwarden <command> --help` print.

/** The overview: every command, and where configuration comes from. */
export const USAGE = `usage: tagwarden <command> [--help]

  serve              run the proxy (and, without Pinterest credentials, the demo storefront at /demo/)
  check              validate the configuration and print it without secrets
  send-test-event    send one test event to each destination (its test mode) and print the answers
  consent explain    print the normalized consent and each destination's decision for given signals
  dlq list           list dead letters (reason, last response, attempts)
  dlq replay         put dead letters back into the outbox, same event_id
  report             orders by webhook and browser, recovered, freshness, match keys, per day and destination
  shopify-pixel      print the Shopify custom pixel to paste under Settings → Customer events

Configuration comes from the environment (README "Configuration"), e.g. PORT=3000 tagwarden serve.
\`tagwarden <command> --help\` explains a command.
`

const DLQ = `usage: tagwarden dlq list [--dest <name>] [--json]
       tagwarden dlq replay (--id <event_id> ... | --all) [--dest <name>]

Dead letters are events that will not be retried on their own (a payload Pinterest refused, an
event older than TAGWARDEN_MAX_EVENT_AGE_DAYS). Replay puts them back into the outbox with their
original event_id; one already delivered is never sent again. Reads TAGWARDEN_STORAGE (fs: or redis:).
`

const CONSENT = `usage: tagwarden consent explain [--tcf <TC string>] [--gpp <GPP string>] [--gpp-sid 2,7]
                                 [--us-privacy 1YNN] [--gpc] [--gdpr-applies[=false]] [--sale-opt-out]
                                 [--country XX] [--source <name>] [--consent <json>]

Prints the consent state tagwarden makes of these signals and each destination's decision with the
rule that made it, using TAGWARDEN_DEFAULT_CONSENT and the TAGWARDEN_CONFIG rules. Example:
  tagwarden consent explain --gpc --country US
`

const REPORT = `usage: tagwarden report [--days 7] [--json] [--url http://127.0.0.1:8787/tw]

Prints the reconciliation report of the running server (GET <prefix>/_/report, read with
TAGWARDEN_ADMIN_TOKEN): per UTC day, orders reported by webhooks and by the browser (matched by
event_id), and per destination the orders delivered, recovered (the browser never reported them),
suppressed by consent and dead-lettered, freshness, dedup and match-key coverage. --days 1 to 90
(default 7, ending today); --json prints the JSON (docs/report.md). The server's address comes from
--url, TAGWARDEN_URL, or HOST, PORT and TAGWARDEN_PREFIX.
`

/** Per command, what `tagwarden <command> --help` prints. */
export const COMMAND_USAGE: Record<string, string> = {
  serve: `usage: tagwarden serve

Runs the proxy until SIGTERM/SIGINT and prints where it listens, and the demo and inspector URLs.
It takes no options: settings come from the environment (README "Configuration"), e.g.
  PORT=3000 HOST=0.0.0.0 tagwarden serve
Without PINTEREST_AD_ACCOUNT_ID and PINTEREST_ACCESS_TOKEN it runs in dry-run, with the demo on.
`,
  check: `usage: tagwarden check

Validates the configuration (environment and TAGWARDEN_CONFIG file), lists every problem at once,
and prints the effective configuration without secrets. Exit code 78 on a bad configuration.
`,
  'send-test-event': `usage: tagwarden send-test-event [--dest <destination>]

Sends one view_content through the real pipeline to each destination with credentials, in that
platform's test mode (validated and shown, never counted), and prints each platform's answer:
  pinterest-capi   ?test=true (needs PINTEREST_AD_ACCOUNT_ID and PINTEREST_ACCESS_TOKEN)
  meta-capi        needs META_TEST_EVENT_CODE (Events Manager → Test Events) besides its credentials
  tiktok-events    needs TIKTOK_TEST_EVENT_CODE (Events Manager → Test Events) besides its credentials
--dest picks destinations (repeat it or separate names with commas); without it, every
destination that can is tested and the others are listed under "skipped".
`,
  consent: CONSENT,
  dlq: DLQ,
  report: REPORT,
  'shopify-pixel': `usage: tagwarden shopify-pixel [--url https://shop.example/tw] [--events checkout|all]

Prints the custom pixel for Shopify (Settings → Customer events → Add custom pixel) with your
tagwarden URL and the current pixel key (TAGWARDEN_SHOPIFY_PIXEL_KEY, else derived from
TAGWARDEN_SECRET) filled in. --events checkout (default) sends the checkout steps only, for shops
whose theme runs the tagwarden loader; --events all sends the storefront events too.
The snippet goes to stdout, notes to stderr: tagwarden shopify-pixel --url https://shop.example/tw > pixel.js
`,
}
