import { parseListen } from '../config'
import { parseArgs } from 'node:util'
import type { Report } from '../report/build-report'
import { reportDaysSchema } from '../report/report-query'
import { renderReportTable } from '../report/report-table'
import { loadConfig } from './load-config'
import { COMMAND_USAGE } from './usage'

/**
 * `tagwarden report [--days 7] [--json] [--url <base>]` — read the running server's
 * `GET {prefix}/_/report` with TAGWARDEN_ADMIN_TOKEN and print it as a table (or the JSON as is).
 * The server's endpoint, not the storage, so it works on every store (memory: too) and includes the
 * counts the server has not written yet.
 */
export async function reportCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { days: { type: 'string' }, json: { type: 'boolean' }, url: { type: 'string' } }, allowPositionals: false })
  const days = reportDaysSchema.safeParse(values.days)
  if (!days.success) throw new Error(`[tagwarden] [report] --days: ${days.error.issues[0].message}, got "${values.days}"\n\n${COMMAND_USAGE.report}`)
  const config = await loadConfig()
  const listen = parseListen(process.env)
  const host = listen.host === '0.0.0.0' || listen.host === '::' ? '127.0.0.1' : listen.host
  const base = (values.url ?? process.env.TAGWARDEN_URL ?? `http://${host.includes(':') ? `[${host}]` : host}:${listen.port}${config.prefix}`).replace(/\/+$/, '')
  let url: URL
  try {
    url = new URL(`${base}/_/report?days=${days.data}`)
  } catch {
    throw new Error(`[tagwarden] [report] --url must be the server's base URL with its prefix, like http://127.0.0.1:8787/tw; got "${base}"`)
  }
  let res: Response
  try {
    res = await fetch(url, { headers: config.adminToken ? { authorization: `Bearer ${config.adminToken}` } : {}, signal: AbortSignal.timeout(15_000) })
  } catch (error) {
    throw new Error(`[tagwarden] [report] cannot reach ${url.origin}: ${errorCode(error) ?? ((error as Error).cause as Error | undefined)?.message ?? (error as Error).message} — is \`tagwarden serve\` running there? (set --url or TAGWARDEN_URL)`)
  }
  if (res.status === 401) throw new Error(`[tagwarden] [report] ${url.origin} refused the admin token: set TAGWARDEN_ADMIN_TOKEN to the server's`)
  if (res.status === 404) throw new Error(`[tagwarden] [report] no report at ${url.origin}${url.pathname}: wrong prefix, an older server, or production without TAGWARDEN_ADMIN_TOKEN`)
  if (!res.ok) throw new Error(`[tagwarden] [report] ${res.status} from ${url.origin}: ${(await res.text()).slice(0, 300)}`)
  const report = (await res.json()) as Report
  process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : renderReportTable(report, `${url.origin}${url.pathname.replace(/\/_\/report$/, '')}`))
}

/** The system error code behind a failed fetch (ECONNREFUSED, ENOTFOUND, …), looking through causes. */
function errorCode(error: unknown): string | undefined {
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    const { code, cause, errors } = e as { code?: unknown; cause?: unknown; errors?: unknown[] }
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return code
    e = cause ?? errors?.[0]
  }
  return undefined
}
