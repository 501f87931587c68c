// TAGWARDEN_RATE_LIMIT: off by default; when set, a token bucket per IP on /ctx, /e and /pin/ct/*
// answers 429 with Retry-After before anything is read, stored or forwarded; other routes and other
// IPs are not affected; the table of IPs is bounded.
import { afterEach, describe, expect, it } from 'vitest'
import type { TagwardenApp } from '../../server/app'
import { ConfigError, parseConfig } from '../../server/config'
import { createIpRateLimiter, rateLimitKey } from '../../server/guards/rate-limit'
import { API_KEY } from '../helpers/build-app'
import { beaconQuery, buildTagApp, call } from '../tag/build'
import { messageOf } from './helpers'

let tw: TagwardenApp | undefined
let clock = 1_800_000_000_000
afterEach(async () => {
  await tw?.close(0)
  tw = undefined
})

const problemsOf = (value: string): string[] => {
  try {
    parseConfig({ TAGWARDEN_RATE_LIMIT: value })
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError)
    return (error as ConfigError).problems
  }
  throw new Error(`expected "${value}" to be refused`)
}

const ctx = (ip: string) => call(tw!, '/tw/ctx', { body: {}, headers: { 'x-forwarded-for': ip } })
const fallback = (ip: string) => call(tw!, '/tw/e', { body: { event: 'lead', ed: { event_id: `rl-${Math.random()}` } }, headers: { 'x-forwarded-for': ip } })
const beacon = (ip: string) => call(tw!, `/tw/pin/ct/v3/?${beaconQuery('lead', { event_id: `rl-${Math.random()}` })}`, { headers: { 'x-forwarded-for': ip } })

describe('TAGWARDEN_RATE_LIMIT config', () => {
  it('parses n/unit in seconds, minutes or hours; unset means off', () => {
    expect(parseConfig({}).rateLimit).toBeUndefined()
    expect(parseConfig({ TAGWARDEN_RATE_LIMIT: '600/min' }).rateLimit).toEqual({ max: 600, windowMs: 60_000 })
    expect(parseConfig({ TAGWARDEN_RATE_LIMIT: ' 10 / s ' }).rateLimit).toEqual({ max: 10, windowMs: 1_000 })
    expect(parseConfig({ TAGWARDEN_RATE_LIMIT: '3600/Hour' }).rateLimit).toEqual({ max: 3600, windowMs: 3_600_000 })
    expect(parseConfig({ TAGWARDEN_RATE_LIMIT: '' }).rateLimit).toBeUndefined()
  })

  it.each(['600', 'abc', '0/min', '-1/min', '10/day', '1.5/s', '600/min/ip', '99999999/s'])('refuses "%s" with a message naming the variable and the form', (value) => {
    expect(problemsOf(value)).toEqual(['TAGWARDEN_RATE_LIMIT must look like 600/min: a whole number of requests (1–1,000,000) per IP per s, min or hour; unset = no limit'])
  })
})

describe('per-IP rate limit on the public routes', () => {
  it('is off by default: 300 requests from one IP all pass', async () => {
    tw = await buildTagApp({ TAGWARDEN_DEFAULT_CONSENT: 'granted' })
    for (let i = 0; i < 100; i++) for (const send of [ctx, fallback, beacon]) expect((await send('203.0.113.1')).status).toBeLessThan(400)
  })

  it('over the limit: 429 with Retry-After and a message, on /ctx, /e and /pin/ct/* (one bucket per IP); refills with time', async () => {
    tw = await buildTagApp({ TAGWARDEN_RATE_LIMIT: '6/min', TAGWARDEN_DEFAULT_CONSENT: 'granted' }, { now: () => clock })
    for (const send of [ctx, fallback, beacon, ctx, fallback, beacon]) expect((await send('203.0.113.2')).status).toBeLessThan(400)
    for (const send of [ctx, fallback, beacon]) {
      const res = await send('203.0.113.2')
      expect(res.status).toBe(429)
      expect(res.headers.get('retry-after')).toBe('10')
      expect(await messageOf(res)).toBe('too many requests from this address: at most 6 per minute (TAGWARDEN_RATE_LIMIT); retry in 10 s')
    }
    // Another shopper is not affected.
    expect((await beacon('203.0.113.3')).status).toBe(200)
    // One token per 10 s comes back.
    clock += 10_000
    expect((await beacon('203.0.113.2')).status).toBe(200)
    expect((await beacon('203.0.113.2')).status).toBe(429)
  })

  it('a refused request reads nothing, stores nothing and forwards nothing', async () => {
    const forwarded: string[] = []
    tw = await buildTagApp({ TAGWARDEN_RATE_LIMIT: '1/hour', TAGWARDEN_DEFAULT_CONSENT: 'granted' }, { now: () => clock, fetch: async (u) => (forwarded.push(String(u)), new Response('')) })
    expect((await beacon('203.0.113.4')).status).toBe(200)
    const keys = await tw.runtime.store.storage.getKeys()
    const journal = tw.runtime.journal.version()
    let pulled = 0
    const body = new ReadableStream({ pull: (c) => void (pulled++ < 100 ? c.enqueue(new Uint8Array(1024)) : c.close()) })
    const refused = await tw.fetch(new Request('http://shop.test/tw/e', { method: 'POST', headers: { 'x-forwarded-for': '203.0.113.4' }, body, duplex: 'half' } as RequestInit), { clientAddress: '127.0.0.1' })
    expect(refused.status).toBe(429)
    expect((await beacon('203.0.113.4')).status).toBe(429)
    expect(pulled).toBeLessThanOrEqual(2)
    expect(forwarded).toHaveLength(1)
    expect(await tw.runtime.store.storage.getKeys()).toEqual(keys)
    expect(tw.runtime.journal.version()).toBe(journal)
  })

  it('other routes are never limited: the events API, health, scripts, the loader', async () => {
    tw = await buildTagApp({ TAGWARDEN_RATE_LIMIT: '1/hour', TAGWARDEN_API_KEYS: API_KEY }, { now: () => clock })
    for (let i = 0; i < 5; i++) {
      const res = await call(tw, '/tw/v1/events', { body: { data: [{ event_name: 'lead', event_id: `api-${i}`, user_data: { em: 'a@b.co' } }] }, headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` } })
      expect(res.status).toBe(202)
      expect((await call(tw, '/tw/_/health')).status).toBe(200)
      expect((await call(tw, '/tw/pin/core.js')).status).not.toBe(429)
      expect((await call(tw, '/tw/loader.js')).status).not.toBe(429)
    }
  })

  it('an IPv6 /64 is one bucket; IPv4-mapped and odd spellings are keyed consistently', async () => {
    expect(rateLimitKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64')
    expect(rateLimitKey('2001:0db8:0001:0002:ffff:ffff:ffff:ffff')).toBe('2001:db8:1:2::/64')
    expect(rateLimitKey('2001:db8::1')).toBe('2001:db8:0:0::/64')
    expect(rateLimitKey('::1')).toBe('0:0:0:0::/64')
    expect(rateLimitKey('203.0.113.7')).toBe('203.0.113.7')
    expect(rateLimitKey('::ffff:203.0.113.7')).toBe('::ffff:203.0.113.7')
    expect(rateLimitKey(undefined)).toBe('unknown')
    tw = await buildTagApp({ TAGWARDEN_RATE_LIMIT: '2/min' }, { now: () => clock })
    expect((await ctx('2001:db8:5:6::1')).status).toBe(200)
    expect((await ctx('2001:db8:5:6::2')).status).toBe(200)
    expect((await ctx('2001:db8:5:6:ffff::3')).status).toBe(429)
    expect((await ctx('2001:db8:5:7::1')).status).toBe(200)
  })

  it('rotating X-Forwarded-For from a peer that is not a trusted proxy stays in the peer\'s one bucket', async () => {
    tw = await buildTagApp({ TAGWARDEN_RATE_LIMIT: '10/min', TAGWARDEN_TRUSTED_PROXIES: '' }, { now: () => clock })
    const statuses: number[] = []
    for (let i = 0; i < 30; i++) statuses.push((await call(tw, '/tw/ctx', { body: {}, headers: { 'x-forwarded-for': `198.51.100.${i + 1}` }, peer: '203.0.113.66' })).status)
    expect(statuses.filter((s) => s === 200)).toHaveLength(10)
    expect(statuses.filter((s) => s === 429)).toHaveLength(20)
    // Another client is not affected.
    expect((await call(tw, '/tw/ctx', { body: {}, peer: '203.0.113.67' })).status).toBe(200)
  })

  it('behind a trusted proxy, a client that writes its own X-Forwarded-For still counts as the address the proxy saw', async () => {
    tw = await buildTagApp({ TAGWARDEN_RATE_LIMIT: '10/min' }, { now: () => clock })
    // An appending proxy (`$proxy_add_x_forwarded_for`): the client's own entries come first, the proxy's last.
    const statuses: number[] = []
    for (let i = 0; i < 30; i++) statuses.push((await ctx(`198.51.100.${i + 1}, 203.0.113.70`)).status)
    expect(statuses.filter((s) => s === 429)).toHaveLength(20)
  })

  it('the table of IPs is bounded: 100,000 addresses keep at most maxKeys buckets', () => {
    let t = 0
    const limiter = createIpRateLimiter({ max: 2, windowMs: 60_000, maxKeys: 1_000, now: () => t })
    for (let i = 0; i < 100_000; i++) {
      t++
      expect(limiter.take(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`)).toBe(0)
    }
    expect(limiter.size()).toBe(1_000)
    // The most recent ones are kept (and still counted): a busy address is never the one forgotten.
    limiter.take('10.1.134.159')
    expect(limiter.take('10.1.134.159')).toBeGreaterThan(0)
  })
})
