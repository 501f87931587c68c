// What the px chunk reads in the page for each declared browser id (context/browser-ids.ts
// `pageReads`), and the `/ctx` body field it posts each under: the names `postedIds` takes. The
// registered drivers' names never change (loaders cached in browsers and old cookies carry them).
import { describe, expect, it } from 'vitest'
import { collectBrowserIds, pageReads, postedIds, type BrowserId } from '../../server/context/browser-ids'
import { browserIdsDeclaredBy } from '../../server/context/declared-browser-ids'
import { drivers } from '../../server/destinations'

const AT = { host: 'shop.test', nowMs: 1_700_000_000_000 }

describe('pageReads', () => {
  it("the registered drivers': fbclid from the URL, _fbc and _fbp as fbc and fbp, ttclid from the URL, _ttp as ttp", () => {
    expect(pageReads(browserIdsDeclaredBy(drivers))).toEqual([
      ['fbclid', 'fbclid'],
      ['fbc', '', '_fbc'],
      ['fbp', '', '_fbp'],
      ['ttclid', 'ttclid'],
      ['ttp', '', '_ttp'],
    ])
  })

  it('a parameter named like its claim is read before the cookie under the claim; an id with neither is not read', () => {
    const ids: BrowserId[] = [
      { key: 'acme.acid', claim: 'acid', param: 'acid', cookie: '_acid', pattern: /^\w+$/ },
      { key: 'acme.server', claim: 'asrv', pattern: /^\w+$/ },
    ]
    expect(pageReads(collectBrowserIds([{ name: 'acme', browserIds: ids }], []))).toEqual([['acid', 'acid', '_acid']])
  })

  it('each read is posted under a field postedIds takes the id from', () => {
    const declared = browserIdsDeclaredBy(drivers)
    const page: Record<string, string> = { fbclid: 'IwAR2F4', fbp: 'fb.1.1700000000000.123456789', ttclid: 'E.C.P.abc123', ttp: '2Xk9LmNoPq' }
    const posted = Object.fromEntries(pageReads(declared).map(([name]) => [name, page[name]]))
    expect(postedIds(declared, posted, undefined, AT)).toEqual({ fbc: 'fb.1.1700000000000.IwAR2F4', fbp: page.fbp, ttclid: page.ttclid, ttp: page.ttp })
  })
})
