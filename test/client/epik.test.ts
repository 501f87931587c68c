// @vitest-environment happy-dom
// Click id capture: URL `epik` > `_epik` cookie > `_derived_epik` (docs/pinterest-tag.md "Click id cookies").
import { afterEach, describe, expect, it } from 'vitest'
import { closePages, DENIED, GRANTED, openPage, settle } from './harness'

afterEach(closePages)

const cookies = (c: string) => `document.cookie = ${JSON.stringify(c + "; path=/")}`
const lastCtx = (page: ReturnType<typeof openPage>) => Object.assign({}, ...page.posts('/ctx'))

describe('epik', () => {
  it('the URL parameter beats the cookies', async () => {
    const page = openPage({ url: 'https://shop.example/p?epik=FROM_URL', before: `${cookies('_epik=FROM_COOKIE')}; ${cookies('_derived_epik=DERIVED')}` })
    await settle(200)
    expect(lastCtx(page)).toMatchObject({ epik: 'FROM_URL', epik_src: 'url' })
  })

  it('then the _epik cookie, then _derived_epik', async () => {
    const a = openPage({ before: `${cookies('_epik=FROM_COOKIE')}; ${cookies('_derived_epik=DERIVED')}` })
    const b = openPage({ before: cookies('_derived_epik=DERIVED') })
    await settle(200)
    expect(lastCtx(a)).toMatchObject({ epik: 'FROM_COOKIE', epik_src: 'cookie' })
    expect(lastCtx(b)).toMatchObject({ epik: 'DERIVED', epik_src: 'derived' })
  })

  it('sends _pin_unauth, and ignores values the server would refuse', async () => {
    const page = openPage({ url: 'https://shop.example/p?epik=has%20space', before: cookies('_pin_unauth=dWlkPU1q') })
    await settle(200)
    const ctx = lastCtx(page)
    expect(ctx.pin_unauth).toBe('dWlkPU1q')
    expect(ctx.epik).toBeUndefined()
  })

  it('writes no cookie itself (the server keeps _epik as consent allows); a withdrawal posts everything again with the denial', async () => {
    const page = openPage({ url: 'https://shop.example/p?epik=dj0yJnU9b2JD', before: `tagwarden = { q: [['consent', ${JSON.stringify(GRANTED)}]] }` })
    await settle()
    expect(page.w.document.cookie).not.toContain('_epik=')
    expect(page.w.localStorage.getItem('tw_ctx_fp')).toContain('epik')
    page.run(`tagwarden.consent(${JSON.stringify(DENIED)})`)
    await settle()
    // Forgotten, then posted again in full with the denial: the server drops the click id and its
    // cookies (test/context/ctx-route.test.ts); should the shopper grant again, it gets it back.
    const last = page.posts('/ctx').at(-1)
    expect(last).toMatchObject({ epik: 'dj0yJnU9b2JD', consent: [{ ...DENIED, source: 'hook' }] })
  })
})
