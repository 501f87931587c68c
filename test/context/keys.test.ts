import { describe, expect, it } from 'vitest'
import { createKeyring } from '../../server/context/keys'

const A = { kid: 'a', secret: 'a'.repeat(32) }
const B = { kid: 'b', secret: 'b'.repeat(32) }
const NOW = 1_767_225_600_000
const DAY = 24 * 3600
const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url')

describe('createKeyring', () => {
  it('signs HS256 with the first key id and verifies its own tokens', async () => {
    const ring = createKeyring([A, B])
    const token = await ring.sign({ vid: 'v' }, NOW, DAY)
    expect(JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString())).toMatchObject({ alg: 'HS256', kid: 'a' })
    expect(await ring.verify(token, NOW)).toMatchObject({ vid: 'v', iat: NOW / 1000, exp: NOW / 1000 + DAY })
  })

  it('rejects a token whose payload was changed', async () => {
    const ring = createKeyring([A])
    const [h, , s] = (await ring.sign({ consent: { ad_storage: 'denied' } }, NOW, DAY)).split('.')
    const forged = `${h}.${b64({ consent: { ad_storage: 'granted' }, iat: NOW / 1000, exp: NOW / 1000 + DAY })}.${s}`
    expect(await ring.verify(forged, NOW)).toBeUndefined()
  })

  it('rejects a token whose signature was changed', async () => {
    const ring = createKeyring([A])
    const token = await ring.sign({ vid: 'v' }, NOW, DAY)
    const flipped = token.slice(0, -2) + (token.endsWith('AA') ? 'BB' : 'AA')
    expect(await ring.verify(flipped, NOW)).toBeUndefined()
  })

  it('rejects an expired token, and a cached one once it expires', async () => {
    const ring = createKeyring([A])
    const token = await ring.sign({ vid: 'v' }, NOW, DAY)
    expect(await ring.verify(token, NOW + 1000)).toBeDefined()
    expect(await ring.verify(token, NOW + (DAY + 1) * 1000)).toBeUndefined()
    expect(await createKeyring([A]).verify(token, NOW + (DAY + 1) * 1000)).toBeUndefined()
  })

  it('rejects a token signed with a key id it does not know', async () => {
    const other = createKeyring([{ kid: 'z', secret: A.secret }])
    const token = await other.sign({ vid: 'v' }, NOW, DAY)
    expect(await createKeyring([A, B]).verify(token, NOW)).toBeUndefined()
  })

  it('rejects a token with the right kid but another secret', async () => {
    const token = await createKeyring([{ kid: 'a', secret: 'x'.repeat(32) }]).sign({ vid: 'v' }, NOW, DAY)
    expect(await createKeyring([A]).verify(token, NOW)).toBeUndefined()
  })

  it('rejects alg none and other algorithms', async () => {
    const payload = b64({ vid: 'v', iat: NOW / 1000, exp: NOW / 1000 + DAY })
    const ring = createKeyring([A])
    expect(await ring.verify(`${b64({ alg: 'none', kid: 'a' })}.${payload}.`, NOW)).toBeUndefined()
    expect(await ring.verify(`${b64({ alg: 'none' })}.${payload}.`, NOW)).toBeUndefined()
    const hs512 = await ring.sign({ vid: 'v' }, NOW, DAY)
    const [, p, s] = hs512.split('.')
    expect(await ring.verify(`${b64({ alg: 'HS512', kid: 'a' })}.${p}.${s}`, NOW)).toBeUndefined()
  })

  it('rejects garbage without throwing', async () => {
    const ring = createKeyring([A])
    for (const junk of ['', 'x', 'a.b.c', '....', 'eyJhbGciOiJIUzI1NiJ9.e30.', '%%%']) expect(await ring.verify(junk, NOW)).toBeUndefined()
  })

  it('rotation: after adding a new first key, old cookies still verify and new ones carry the new kid', async () => {
    const before = createKeyring([A])
    const old = await before.sign({ vid: 'v' }, NOW, DAY)
    const after = createKeyring([B, A])
    expect(await after.verify(old, NOW)).toMatchObject({ vid: 'v' })
    const fresh = await after.sign({ vid: 'v' }, NOW, DAY)
    expect(JSON.parse(Buffer.from(fresh.split('.')[0], 'base64url').toString()).kid).toBe('b')
    // once the old key is retired, its cookies no longer verify (and are replaced on the next write)
    expect(await createKeyring([B]).verify(old, NOW)).toBeUndefined()
  })

  it('refuses to start without a key', () => {
    expect(() => createKeyring([])).toThrow(/TAGWARDEN_SECRET/)
  })
})
