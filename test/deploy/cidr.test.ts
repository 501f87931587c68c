// The CIDR matcher behind TAGWARDEN_TRUSTED_PROXIES agrees with Node's own net.BlockList (the
// reference; too slow for the hot path) on seeded random addresses and ranges, IPv4, IPv6 and
// IPv4-mapped alike.
import { BlockList, isIP } from 'node:net'
import { describe, expect, it } from 'vitest'
import { createCidrMatcher, ipBytes } from '../../server/proxy/cidr'
import { NAMED_RANGES } from '../../server/proxy/trusted-proxies'
import { createRandom } from '../abuse/helpers'

const r = createRandom(12)
const v4 = () => Array.from({ length: 4 }, () => (r.chance(0.3) ? r.pick([0, 10, 127, 172, 192, 255]) : r.int(256))).join('.')
const v6 = () => {
  const g = Array.from({ length: 8 }, () => (r.chance(0.4) ? '0' : r.int(0x10000).toString(16)))
  if (r.chance(0.2)) g[0] = r.pick(['fc00', 'fd12', 'fe80', '2001', '64'])
  const full = g.join(':')
  return r.chance(0.5) ? full.replace(/(^|:)0(:0)+(:|$)/, '::') : full
}
const address = () => (r.chance(0.5) ? v4() : r.chance(0.2) ? `::ffff:${v4()}` : v6())

function reference(ranges: string[]): (ip: string) => boolean {
  const list = new BlockList()
  for (const range of ranges) {
    const [a, bits] = range.split('/')
    list.addSubnet(a, Number(bits), isIP(a) === 4 ? 'ipv4' : 'ipv6')
  }
  return (ip) => list.check(ip, isIP(ip) === 4 ? 'ipv4' : 'ipv6')
}

describe('createCidrMatcher', () => {
  it('reads addresses as 16 bytes (IPv4 as IPv4-mapped)', () => {
    expect([...ipBytes('1.2.3.4')!]).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 1, 2, 3, 4])
    expect([...ipBytes('::ffff:1.2.3.4')!]).toEqual([...ipBytes('1.2.3.4')!])
    expect([...ipBytes('2001:db8::1')!]).toEqual([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1])
    expect([...ipBytes('::')!]).toEqual(Array(16).fill(0))
    expect(ipBytes('1.2.3')).toBeUndefined()
    expect(ipBytes('localhost')).toBeUndefined()
  })

  it('agrees with net.BlockList on 20,000 seeded random addresses', () => {
    const seen = { in: 0, out: 0 }
    for (let round = 0; round < 20; round++) {
      const ranges = Array.from({ length: 1 + r.int(4) }, () => {
        if (r.chance(0.5)) return `${v4()}/${r.int(33)}`
        return `${v6().replace(/^::ffff:.*$/, '2001:db8::')}/${r.int(129)}`
      }).concat(r.chance(0.5) ? NAMED_RANGES.loopback : NAMED_RANGES.private)
      const ours = createCidrMatcher(ranges)
      const ref = reference(ranges)
      for (let i = 0; i < 1000; i++) {
        const ip = address()
        if (!isIP(ip)) continue
        expect(ours(ip), `${ip} in ${ranges.join(', ')}`).toBe(ref(ip))
        seen[ref(ip) ? 'in' : 'out']++
      }
    }
    // Both answers are common, so agreement means something.
    expect(seen.in).toBeGreaterThan(1000)
    expect(seen.out).toBeGreaterThan(1000)
  })

  it('the named ranges', () => {
    const loopback = createCidrMatcher(NAMED_RANGES.loopback)
    for (const ip of ['127.0.0.1', '127.255.0.9', '::1', '::ffff:127.0.0.1']) expect(loopback(ip), ip).toBe(true)
    for (const ip of ['128.0.0.1', '::2', '10.0.0.1', 'garbage']) expect(loopback(ip), ip).toBe(false)
    const priv = createCidrMatcher(NAMED_RANGES.private)
    for (const ip of ['10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '100.64.0.1', 'fd00::1']) expect(priv(ip), ip).toBe(true)
    for (const ip of ['172.32.0.1', '192.169.0.1', '8.8.8.8', '2001:db8::1']) expect(priv(ip), ip).toBe(false)
  })
})
