// Who the client is, decided in one place (server/proxy/client-address.ts): forwarding headers count
// only from a trusted proxy (TAGWARDEN_TRUSTED_PROXIES), only the configured one, read from the
// nearest hop back; a request with forwarding headers is local only when a trusted proxy vouches.
import { H3 } from 'h3'
import { describe, expect, it } from 'vitest'
import { ConfigError, parseConfig } from '../../server/config'
import { createLogger } from '../../server/log'
import { createClientAddress, type ClientAddress } from '../../server/proxy/client-address'
import { parseTrustedProxies } from '../../server/proxy/trusted-proxies'

/** A resolver under test behind a real h3 app: `(headers, peer)` → what it decided. */
function resolver(trusted: string, header = 'x-forwarded-for') {
  const problems: string[] = []
  const trustedProxies = parseTrustedProxies(trusted, problems)
  expect(problems).toEqual([])
  const logs: string[] = []
  const client = createClientAddress({ trustedProxies, header, log: createLogger('warn', (l) => logs.push(l)) })
  const app = new H3()
  app.get('/', (event) => ({ ...client(event) }))
  const ask = async (headers: Record<string, string>, peer?: string): Promise<ClientAddress> =>
    (await app.request(new Request('http://shop.test/', { headers }), undefined, peer ? { clientAddress: peer } : undefined)).json()
  return { ask, logs }
}

describe('TAGWARDEN_TRUSTED_PROXIES', () => {
  it('parses names, addresses, CIDRs and a hop count', () => {
    const p: string[] = []
    expect(parseTrustedProxies(undefined, p)).toEqual({ kind: 'none' })
    expect(parseTrustedProxies('0', p)).toEqual({ kind: 'none' })
    expect(parseTrustedProxies('2', p)).toEqual({ kind: 'hops', hops: 2 })
    expect(parseTrustedProxies('loopback, 10.1.2.3, 2001:db8::/32', p)).toEqual({ kind: 'ranges', ranges: ['127.0.0.0/8', '::1/128', '10.1.2.3/32', '2001:db8::/32'] })
    expect(parseTrustedProxies('private', p).kind).toBe('ranges')
    expect(p).toEqual([])
  })

  it.each(['1,loopback', '11', 'localhost', '10.0.0.0/33', '10.0.0.0/8/1', '999.1.1.1'])('refuses "%s", naming the variable', (value) => {
    try {
      parseConfig({ TAGWARDEN_TRUSTED_PROXIES: value })
      expect.unreachable()
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError)
      expect((error as ConfigError).problems.join('\n')).toMatch(/^TAGWARDEN_TRUSTED_PROXIES: /)
    }
  })

  it('TAGWARDEN_CLIENT_IP_HEADER must be a header name', () => {
    expect(parseConfig({}).clientIpHeader).toBe('x-forwarded-for')
    expect(parseConfig({ TAGWARDEN_CLIENT_IP_HEADER: 'CF-Connecting-IP' }).clientIpHeader).toBe('cf-connecting-ip')
    expect(() => parseConfig({ TAGWARDEN_CLIENT_IP_HEADER: 'x forwarded' })).toThrow(/TAGWARDEN_CLIENT_IP_HEADER/)
  })
})

describe('the client address', () => {
  it('unset: forwarding headers are ignored (the peer is the client, not local), with ONE warning naming the setting', async () => {
    const { ask, logs } = resolver('')
    expect(await ask({ 'x-forwarded-for': '8.8.8.8' }, '127.0.0.1')).toEqual({ ip: '127.0.0.1', local: false, viaTrustedProxy: false })
    expect(await ask({ 'x-forwarded-for': '127.0.0.1' }, '127.0.0.1')).toMatchObject({ local: false })
    expect(await ask({ forwarded: 'for=127.0.0.1' }, '127.0.0.1')).toMatchObject({ local: false })
    expect(await ask({ 'x-real-ip': '127.0.0.1' }, '127.0.0.1')).toMatchObject({ local: false })
    expect(await ask({}, '127.0.0.1')).toEqual({ ip: '127.0.0.1', local: true, viaTrustedProxy: false })
    expect(await ask({}, '::1')).toMatchObject({ local: true })
    expect(await ask({}, '203.0.113.5')).toEqual({ ip: '203.0.113.5', local: false, viaTrustedProxy: false })
    const warnings = logs.filter((l) => l.includes('not a trusted proxy'))
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatch(/TAGWARDEN_TRUSTED_PROXIES/)
    expect(warnings[0]).not.toMatch(/8\.8\.8\.8|127\.0\.0\.1/) // no address in the log
  })

  it('loopback: the proxy names the client; what the client wrote at the front is never taken', async () => {
    const { ask } = resolver('loopback')
    expect(await ask({ 'x-forwarded-for': '203.0.113.9' }, '127.0.0.1')).toEqual({ ip: '203.0.113.9', local: false, viaTrustedProxy: true })
    expect(await ask({ 'x-forwarded-for': '8.8.8.8, 203.0.113.9' }, '127.0.0.1')).toMatchObject({ ip: '203.0.113.9' })
    expect(await ask({ 'x-forwarded-for': '127.0.0.1, 203.0.113.9' }, '127.0.0.1')).toMatchObject({ ip: '203.0.113.9', local: false })
    // A trusted proxy vouching for a loopback client: that one is local.
    expect(await ask({ 'x-forwarded-for': '127.0.0.1' }, '127.0.0.1')).toMatchObject({ ip: '127.0.0.1', local: true })
    // The same header from a peer that is not trusted changes nothing.
    expect(await ask({ 'x-forwarded-for': '127.0.0.1' }, '203.0.113.50')).toEqual({ ip: '203.0.113.50', local: false, viaTrustedProxy: false })
    // IPv4-mapped peers (a dual-stack listener) are the same address.
    expect(await ask({ 'x-forwarded-for': '203.0.113.9' }, '::ffff:127.0.0.1')).toMatchObject({ ip: '203.0.113.9', viaTrustedProxy: true })
  })

  it('walks every trusted hop: a chain through private proxies ends at the first untrusted address', async () => {
    const { ask } = resolver('loopback, private')
    expect(await ask({ 'x-forwarded-for': '8.8.8.8, 198.51.100.7, 10.0.0.2' }, '10.0.0.3')).toMatchObject({ ip: '198.51.100.7' })
    // Every hop trusted: the leftmost is the client.
    expect(await ask({ 'x-forwarded-for': '192.168.1.20, 10.0.0.2' }, '127.0.0.1')).toMatchObject({ ip: '192.168.1.20' })
  })

  it('a hop count trusts the nearest N hops whatever they are, even with no socket address', async () => {
    const { ask } = resolver('2')
    expect(await ask({ 'x-forwarded-for': '8.8.8.8, 198.51.100.1, 198.51.100.2' }, '203.0.113.1')).toMatchObject({ ip: '198.51.100.1' })
    expect(await ask({ 'x-forwarded-for': '198.51.100.2' }, '203.0.113.1')).toMatchObject({ ip: '198.51.100.2' })
    const one = resolver('1')
    expect(await one.ask({ 'x-forwarded-for': '8.8.8.8, 198.51.100.2' })).toMatchObject({ ip: '198.51.100.2', viaTrustedProxy: true })
  })

  it('a hop that is no address makes the client unknown, never the proxy', async () => {
    const { ask } = resolver('loopback')
    for (const xff of ['garbage', '203.0.113.7 <script>', '', '999.1.1.1', 'unknown']) {
      expect(await ask({ 'x-forwarded-for': xff }, '127.0.0.1'), xff).toEqual({ local: false, viaTrustedProxy: true })
    }
    expect(await ask({ 'x-forwarded-for': '203.0.113.7:51234' }, '127.0.0.1')).toMatchObject({ ip: '203.0.113.7' })
    expect(await ask({ 'x-forwarded-for': '[2001:db8::7]:443' }, '127.0.0.1')).toMatchObject({ ip: '2001:db8::7' })
  })

  it('only the configured header is read: Forwarded (RFC 7239) and one-address headers', async () => {
    const fwd = resolver('loopback', 'forwarded')
    const header = { forwarded: 'for=192.0.2.60;proto=http, for="[2001:db8:cafe::17]:4711"', 'x-forwarded-for': '8.8.8.8' }
    expect(await fwd.ask(header, '127.0.0.1')).toMatchObject({ ip: '2001:db8:cafe::17' })
    expect(await fwd.ask({ forwarded: 'for=_hidden' }, '127.0.0.1')).toEqual({ local: false, viaTrustedProxy: true })
    const real = resolver('loopback', 'x-real-ip')
    expect(await real.ask({ 'x-real-ip': '198.51.100.4', 'x-forwarded-for': '8.8.8.8' }, '127.0.0.1')).toMatchObject({ ip: '198.51.100.4' })
    expect(await real.ask({ 'x-real-ip': '198.51.100.4' }, '203.0.113.1')).toMatchObject({ ip: '203.0.113.1' })
    const cf = resolver('loopback', 'cf-connecting-ip')
    expect(await cf.ask({ 'cf-connecting-ip': '198.51.100.8', 'x-forwarded-for': '8.8.8.8' }, '127.0.0.1')).toMatchObject({ ip: '198.51.100.8' })
  })

  it('a trusted proxy that names no client: the proxy\'s own address, not local, logged once', async () => {
    const { ask, logs } = resolver('loopback')
    expect(await ask({ 'x-real-ip': '127.0.0.1' }, '127.0.0.1')).toEqual({ ip: '127.0.0.1', local: false, viaTrustedProxy: true })
    await ask({ 'x-real-ip': '127.0.0.1' }, '127.0.0.1')
    expect(logs.filter((l) => l.includes('sent no x-forwarded-for'))).toHaveLength(1)
  })

  it('no socket and no address handed in: unknown, not local, and the log says how to hand it in', async () => {
    const { ask, logs } = resolver('')
    expect(await ask({})).toEqual({ local: false, viaTrustedProxy: false })
    expect(logs.join('\n')).toMatch(/tw\.fetch\(request, \{ clientAddress \}\)/)
  })
})
