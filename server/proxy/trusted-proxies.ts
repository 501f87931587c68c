import { isIP } from 'node:net'
import { createCidrMatcher } from './cidr'

/**
 * Who may tell tagwarden the client's address (TAGWARDEN_TRUSTED_PROXIES): nobody (the TCP peer is
 * the client), the nearest `hops` proxies whatever their address, or peers inside `ranges`.
 */
export type TrustedProxies = { kind: 'none' } | { kind: 'hops'; hops: number } | { kind: 'ranges'; ranges: string[] }

/** Names for the ranges most setups need: a proxy on the same machine, or on a private network (Docker, Kubernetes, a VPC). */
export const NAMED_RANGES: Record<string, string[]> = {
  // https://www.rfc-editor.org/rfc/rfc5735 (127/8), https://www.rfc-editor.org/rfc/rfc4291 (::1)
  loopback: ['127.0.0.0/8', '::1/128'],
  // https://www.rfc-editor.org/rfc/rfc1918, https://www.rfc-editor.org/rfc/rfc4193 (fc00::/7), https://www.rfc-editor.org/rfc/rfc6598 (100.64/10)
  private: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', 'fc00::/7'],
}

export const MAX_HOPS = 10

/**
 * Parse TAGWARDEN_TRUSTED_PROXIES: a hop count (`1`–`10`), or a comma-separated list of
 * `loopback`, `private`, IP addresses and CIDR ranges. Problems are pushed, one per bad entry.
 * @example parseTrustedProxies('loopback, 10.0.0.0/8', problems) // { kind: 'ranges', ranges: ['127.0.0.0/8', '::1/128', '10.0.0.0/8'] }
 */
export function parseTrustedProxies(raw: string | undefined, problems: string[]): TrustedProxies {
  const entries = (raw ?? '').split(',').map((s) => s.trim()).filter(Boolean)
  if (!entries.length) return { kind: 'none' }
  if (entries.some((e) => /^\d+$/.test(e))) {
    const hops = Number(entries[0])
    if (entries.length > 1 || hops > MAX_HOPS) {
      problems.push(`TAGWARDEN_TRUSTED_PROXIES: a hop count stands alone and is 0–${MAX_HOPS} (or list addresses: loopback, private, IPs, CIDRs), got "${raw}"`)
      return { kind: 'none' }
    }
    return hops ? { kind: 'hops', hops } : { kind: 'none' }
  }
  const ranges: string[] = []
  for (const entry of entries) {
    const named = NAMED_RANGES[entry.toLowerCase()]
    if (named) ranges.push(...named)
    else if (cidr(entry)) ranges.push(cidr(entry)!)
    else problems.push(`TAGWARDEN_TRUSTED_PROXIES: "${entry.slice(0, 64)}" is not loopback, private, an IP address or a CIDR range like 10.0.0.0/8`)
  }
  return { kind: 'ranges', ranges: [...new Set(ranges)] }
}

/** `a.b.c.d`, `a.b.c.d/n`, `v6`, `v6/n` → the CIDR form, or undefined. */
function cidr(entry: string): string | undefined {
  const [address, bits, extra] = entry.split('/')
  const family = isIP(address)
  if (!family || extra !== undefined) return undefined
  const max = family === 4 ? 32 : 128
  if (bits === undefined) return `${address}/${max}`
  if (!/^\d{1,3}$/.test(bits) || Number(bits) > max) return undefined
  return `${address}/${Number(bits)}`
}

/**
 * The trust predicate: whether the hop at `index` (0 = the TCP peer, 1 = the address the peer
 * named, …) may name the hop before it. `address` is undefined when unknown (no socket).
 * @example const trusts = createProxyTrust({ kind: 'ranges', ranges: ['127.0.0.0/8'] }); trusts('127.0.0.1', 0) // true
 */
export function createProxyTrust(t: TrustedProxies): (address: string | undefined, index: number) => boolean {
  if (t.kind === 'none') return () => false
  if (t.kind === 'hops') return (_address, index) => index < t.hops
  const matches = createCidrMatcher(t.ranges)
  return (address) => address !== undefined && matches(address)
}

/** How the setting reads in messages: `loopback`-style names are expanded to their ranges. */
export function describeTrustedProxies(t: TrustedProxies): string {
  if (t.kind === 'none') return 'none'
  if (t.kind === 'hops') return `${t.hops} hop${t.hops > 1 ? 's' : ''}`
  return t.ranges.join(', ')
}
