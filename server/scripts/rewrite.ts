/** Pinterest's own hosts, rewritten whatever the configured upstreams (docs/pinterest-tag.md "Base code"). */
export const PINTEREST_SCRIPT_HOST = 's.pinimg.com'
export const PINTEREST_BEACON_HOST = 'ct.pinterest.com'

export interface RewriteOptions {
  /** Route prefix, e.g. `/tw`. */
  prefix: string
  /** PINTEREST_SCRIPT_ORIGIN, e.g. `https://s.pinimg.com`. */
  scriptOrigin: string
  /** PINTEREST_BEACON_ORIGIN, e.g. `https://ct.pinterest.com`. */
  beaconOrigin: string
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
/** The host must end here: not followed by more host name or a port (`ct.pinterest.com.evil.example`). */
const HOST_END = '(?![A-Za-z0-9.:-])'

/** `https://h`, `http://h`, `//h` — and the JSON/JS-escaped `https:\/\/h`. */
const urlStart = (host: string, escaped: boolean) => {
  const slash = escaped ? '\\\\/' : '/'
  return `(?:https?:)?${slash}${slash}${escapeRe(host)}`
}

/**
 * Build the rewriter for Pinterest's scripts: every reference to the script host's `/ct/` path
 * becomes `{prefix}/pin/`, and every reference to the beacon host becomes `{prefix}/pin/ct`, in
 * absolute, protocol-relative and escaped (`https:\/\/ct.pinterest.com`) forms. A host assembled at
 * run time cannot be seen here; the loader reroutes those requests in the browser.
 * @example createRewriter({ prefix: '/tw', scriptOrigin: 'https://s.pinimg.com', beaconOrigin: 'https://ct.pinterest.com' })('"https://ct.pinterest.com/v3/"') // '"/tw/pin/ct/v3/"'
 */
export function createRewriter({ prefix, scriptOrigin, beaconOrigin }: RewriteOptions): (source: string) => string {
  const scriptHosts = [...new Set([new URL(scriptOrigin).host, PINTEREST_SCRIPT_HOST])]
  const beaconHosts = [...new Set([new URL(beaconOrigin).host, PINTEREST_BEACON_HOST])]
  const rules: [RegExp, string][] = []
  for (const escaped of [false, true]) {
    const to = (path: string) => (escaped ? path.replace(/\//g, '\\/') : path)
    for (const h of scriptHosts) rules.push([new RegExp(`${urlStart(h, escaped)}${escaped ? '\\\\/' : '/'}ct${escaped ? '\\\\/' : '/'}`, 'g'), to(`${prefix}/pin/`)])
    for (const h of beaconHosts) rules.push([new RegExp(`${urlStart(h, escaped)}${HOST_END}`, 'g'), to(`${prefix}/pin/ct`)])
  }
  return (source) => rules.reduce((s, [re, to]) => s.replace(re, () => to), source)
}
