// A local fake of Pinterest's script host (s.pinimg.com): /ct/core.js loads /ct/lib/main.<hash>.js,
// which drains `pintrk.queue`, takes over `window.pintrk`, and sends /v3/ beacons the way the real
// tag does (GET with tid, event, ed/pd/ad as JSON, cb in ms; docs/pinterest-tag.md "Beacon parameters"). Real HTTP on 127.0.0.1.
import { createServer, type Server } from 'node:http'

/**
 * How main.js names the beacon host — always Pinterest's public one, as the real script does:
 * - `literal`: the string "https://ct.pinterest.com" — the server's rewrite turns it first-party;
 * - `runtime`: assembled from pieces at run time (`'https' + '://' + …`), so no rewrite can see it —
 *   only the loader's runtime rerouting of Pinterest's hosts catches it.
 */
export type BeaconHostStyle = 'literal' | 'runtime'
/** How main.js sends a beacon: `fetch` (GET, keepalive) or an image (`new Image().src = …`). */
export type BeaconTransport = 'fetch' | 'image'

export const MAIN_NAME = 'main.1a2b3c4d.js'

export interface FakeScripts {
  url: string
  /** Requests seen, as `METHOD path` with their If-None-Match. */
  requests: { path: string; ifNoneMatch?: string }[]
  /** Answer every request with this status (e.g. 500) until `recover()`. */
  fail(status: number): void
  recover(): void
  /** Change the served core.js (to see a refresh arrive). */
  setCoreSuffix(text: string): void
  close(): Promise<void>
}

/** core.js: the loader part of the tag (docs/pinterest-tag.md "Scripts") — it adds main.<hash>.js from the script host. */
const coreJs = (suffix: string) => `/* fake core.js */
(function () {
  var s = document.createElement('script');
  s.async = true;
  s.src = "https://s.pinimg.com/ct/lib/${MAIN_NAME}";
  document.head.appendChild(s);
})();${suffix}`

/** main.js: drains the queue and beacons. `host` is JS source evaluating to the beacon origin. */
const mainJs = (host: string, send: BeaconTransport) => `/* fake main.js */
(function () {
  var HOST = ${host};
  var q = (window.pintrk && window.pintrk.queue) || [];
  var tid = '', pd = {}, allowed = true;
  function beacon(event, ed) {
    if (!allowed) return;
    var qs = 'tid=' + encodeURIComponent(tid) + '&event=' + encodeURIComponent(event) +
      '&ed=' + encodeURIComponent(JSON.stringify(ed || {})) + '&pd=' + encodeURIComponent(JSON.stringify(pd)) +
      '&ad=' + encodeURIComponent(JSON.stringify({ loc: location.href, ref: document.referrer, if: false, sh: 900, sw: 1440 })) +
      '&cb=' + Date.now();
    ${send === 'image' ? "new Image().src = HOST + '/v3/?' + qs + '&noscript=0';" : "fetch(HOST + '/v3/?' + qs, { method: 'GET', keepalive: true, credentials: 'include' });"}
  }
  function run(a) {
    // A test page may watch what the tag receives, in order (test/e2e/consent).
    if (window.__tagSpy) window.__tagSpy(a);
    var c = a[0];
    if (c === 'load') { tid = String(a[1]); if (a[2] && a[2].em) pd.em = a[2].em; beacon('init', {}); }
    else if (c === 'set') { for (var k in a[1]) pd[k] = a[1][k]; }
    else if (c === 'setconsent') { allowed = a[1] !== false; }
    else if (c === 'page') { beacon('pagevisit', a[1]); }
    else if (c === 'track') { beacon(String(a[1]).toLowerCase(), a[2]); }
  }
  var real = function () { run([].slice.call(arguments)); };
  real.queue = { push: function (a) { run(a); } };
  real.version = '3.0';
  window.pintrk = real;
  for (var i = 0; i < q.length; i++) run(q[i]);
})();`

/**
 * Start the fake script host. Its main.js beacons to `https://ct.pinterest.com` like Pinterest's
 * (never reachable from a test: the page must reroute it to the proxy, which forwards to the test's
 * fake beacon host), named literally or assembled at run time, sent by fetch or by an image.
 */
export async function startFakeScripts(opts: { style: BeaconHostStyle; send?: BeaconTransport }): Promise<FakeScripts> {
  const requests: FakeScripts['requests'] = []
  let failing = 0
  let suffix = ''
  const host = opts.style === 'literal' ? '"https://ct.pinterest.com"' : "'https' + '://' + ['ct', 'pinterest', 'com'].join('.')"
  const server: Server = createServer((req, res) => {
    const path = req.url ?? '/'
    requests.push({ path, ifNoneMatch: req.headers['if-none-match'] })
    if (failing) {
      res.writeHead(failing, { 'content-type': 'text/plain' })
      return res.end('upstream down')
    }
    const body = path === '/ct/core.js' ? coreJs(suffix) : path === `/ct/lib/${MAIN_NAME}` ? mainJs(host, opts.send ?? 'fetch') : undefined
    if (body === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' })
      return res.end('not found')
    }
    const etag = `"v-${Buffer.from(body).length}-${suffix.length}"`
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, { etag })
      return res.end()
    }
    res.writeHead(200, { 'content-type': 'application/javascript', etag, 'cache-control': 'public, max-age=300' })
    res.end(body)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    fail: (status) => (failing = status),
    recover: () => (failing = 0),
    setCoreSuffix: (t) => (suffix = t),
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()) }),
  }
}
