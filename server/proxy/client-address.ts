import { getRequestIP, type H3Event } from 'h3'
import { isIP } from 'node:net'
import type { Logger } from '../log'
import { createProxyTrust, describeTrustedProxies, type TrustedProxies } from './trusted-proxies'

/** Who is behind a request, decided once per request by {@link createClientAddress}. */
export interface ClientAddress {
  /** The client's IP: named by a trusted proxy, else the TCP peer; undefined when unknown or not an IP address. */
  ip?: string
  /** From this machine: a loopback peer with no forwarding header, or a loopback client vouched for by a trusted proxy. */
  local: boolean
  /** The TCP peer is a trusted proxy (its other headers, e.g. a CDN's country header, may be believed). */
  viaTrustedProxy: boolean
}

export interface ClientAddressOptions {
  trustedProxies: TrustedProxies
  /** The one header a trusted proxy names the client in (TAGWARDEN_CLIENT_IP_HEADER), lowercase. */
  header: string
  log: Logger
}

/**
 * Headers a proxy sets to say who its client was. Any of them on a request makes it "not local"
 * unless a trusted proxy vouches for a loopback client: a proxy on this machine that sets them
 * would otherwise make every visitor local. https://www.rfc-editor.org/rfc/rfc7239
 */
export const FORWARDING_HEADERS = ['forwarded', 'x-forwarded-for', 'x-real-ip'] as const

/** `[v6]:port` and `v4:port`, as some proxies write a hop (Azure, IIS ARR). */
const HOP_WITH_PORT = /^\[([0-9A-Fa-f:.]+)\](?::\d{1,5})?$|^(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}$/
/** `for=` of one RFC 7239 element: a token or a quoted string (`for="[2001:db8::1]:4711"`). */
const FORWARDED_FOR = /(?:^|;)\s*for\s*=\s*("[^"]*"|[^;\s]*)/i

/** One hop as written by a proxy → its IP address (IPv4-mapped IPv6 as IPv4), or undefined. */
export function parseHop(raw: string): string | undefined {
  // The usual case (a socket address, a plain hop) costs one isIP.
  if (isIP(raw)) return raw.length > 7 && raw.charCodeAt(0) === 58 /* : */ ? unmapped(raw) : raw
  const hop = raw.trim().replace(/^"(.*)"$/, '$1')
  const m = HOP_WITH_PORT.exec(hop)
  const ip = m ? (m[1] ?? m[2]) : hop
  return isIP(ip) ? unmapped(ip) : undefined
}

/** `::ffff:203.0.113.7` (an IPv4 client on a dual-stack socket) → `203.0.113.7`. */
function unmapped(ip: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip)
  return mapped ? mapped[1] : ip
}

/** The hops a header names, nearest last; a hop that is no IP address (`unknown`, `_hidden`, garbage) is undefined. */
function hopsOf(header: string, value: string): (string | undefined)[] {
  if (header === 'forwarded') return value.split(',').map((element) => {
    const m = FORWARDED_FOR.exec(element)
    return m ? parseHop(m[1]) : undefined
  })
  if (header === 'x-forwarded-for') return value.split(',').map(parseHop)
  return [parseHop(value)]
}

const isLoopbackIp = (ip: string | undefined) => !!ip && (ip === '::1' || /^127\./.test(ip))

/**
 * The one place that decides who the client is, used for events' `client_ip_address`, rate limits,
 * country rules and every "is this local" check. Forwarding headers are read only from a trusted
 * proxy (TAGWARDEN_TRUSTED_PROXIES), and only the configured one (TAGWARDEN_CLIENT_IP_HEADER). A
 * list header (X-Forwarded-For, Forwarded) is walked from the nearest hop back while each hop is
 * trusted, so an address a client wrote into the header itself is never taken.
 * @example const client = createClientAddress({ trustedProxies: { kind: 'ranges', ranges: ['127.0.0.0/8'] }, header: 'x-forwarded-for', log }); client(event).ip
 */
export function createClientAddress(o: ClientAddressOptions): (event: H3Event) => ClientAddress {
  const trusts = createProxyTrust(o.trustedProxies)
  const cache = new WeakMap<H3Event, ClientAddress>()
  const warned = new Set<string>()
  const warnOnce = (key: string, msg: string) => {
    if (warned.has(key)) return
    warned.add(key)
    o.log.warn(msg)
  }

  function resolve(event: H3Event): ClientAddress {
    const raw = getRequestIP(event)
    const peer = raw === undefined ? undefined : parseHop(raw)
    const headers = event.req.headers
    const value = headers.get(o.header)
    // The configured header is the usual one; the others are looked for only when it is absent.
    const forwarded = value !== null || FORWARDING_HEADERS.some((h) => headers.has(h))
    const viaTrustedProxy = trusts(peer, 0)
    if (raw === undefined) {
      warnOnce('no-peer', '[tagwarden] a request came without a client address (no socket): pass it in, e.g. tw.fetch(request, { clientAddress }), or set TAGWARDEN_TRUSTED_PROXIES to a hop count')
    }
    if (!forwarded) return { ip: peer, local: isLoopbackIp(peer), viaTrustedProxy }
    if (!viaTrustedProxy) {
      warnOnce(
        'untrusted',
        `[tagwarden] forwarding headers (X-Forwarded-For, Forwarded, X-Real-IP) arrived from a peer that is not a trusted proxy (TAGWARDEN_TRUSTED_PROXIES: ${describeTrustedProxies(o.trustedProxies)}${isLoopbackIp(peer) ? '; the peer is on this machine' : ''}): they are ignored and the client address is the TCP peer. Behind a reverse proxy or CDN, set TAGWARDEN_TRUSTED_PROXIES (e.g. loopback); see the README "Trusted proxies"`,
      )
      return { ip: peer, local: false, viaTrustedProxy }
    }
    if (value === null) {
      warnOnce('no-header', `[tagwarden] a trusted proxy sent no ${o.header} header (TAGWARDEN_CLIENT_IP_HEADER): the client address is the proxy's own; make the proxy set it`)
      return { ip: peer, local: false, viaTrustedProxy }
    }
    const hops = hopsOf(o.header, value)
    let ip = peer
    for (let index = 0, k = hops.length - 1; k >= 0 && trusts(ip, index); index++, k--) {
      ip = hops[k]
      // A trusted proxy vouched for something that is no address: the client is unknown, not the proxy.
      if (ip === undefined) break
    }
    return { ip, local: isLoopbackIp(ip), viaTrustedProxy }
  }

  return (event) => {
    let client = cache.get(event)
    if (!client) cache.set(event, (client = resolve(event)))
    return client
  }
}
