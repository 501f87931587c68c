// The custom pixel a shop pastes under Settings → Customer events (docs/shopify-web-pixels.md §1),
// as text with the shop's URL, pixel key and event mode filled in. It runs unchanged in Shopify's
// lax sandbox: an iframe with an opaque origin (`Origin: null`), where only `analytics`, `browser`,
// `init` and `api` are given (docs §2–§3). Plain ES5, no imports, no globals of its own.

/** Which events the snippet sends: `checkout` = checkout steps only (the theme loader covers the storefront), `all` = storefront events too. */
export type PixelEventMode = 'checkout' | 'all'

/** The route the snippet posts to, under the prefix. */
export const PIXEL_PATH = '/shopify/pixel'

// Shapes of what is copied from each event's `data`: 1 = the value, {…} = those fields, [{…}] = a
// list of those (at most 50 entries). Exactly server/shopify/pixel-body.ts, which refuses anything else.
const BODY = String.raw`(function () {
  var V = { id: 1, sku: 1, title: 1, price: { amount: 1, currencyCode: 1 }, product: { id: 1, title: 1, type: 1, vendor: 1 } };
  var M = { amount: 1, currencyCode: 1 };
  var A = { firstName: 1, lastName: 1, city: 1, provinceCode: 1, zip: 1, countryCode: 1, phone: 1 };
  var C = { checkout: {
    token: 1, currencyCode: 1, totalPrice: M, subtotalPrice: M, totalTax: M, shippingLine: { price: M }, email: 1, phone: 1,
    billingAddress: A, shippingAddress: A, localization: { country: { isoCode: 1 } }, order: { id: 1 },
    lineItems: [{ quantity: 1, title: 1, variant: V }]
  } };
  var SHAPES = {
    page_viewed: {}, product_viewed: { productVariant: V },
    collection_viewed: { collection: { id: 1, title: 1, productVariants: [V] } },
    search_submitted: { searchResult: { query: 1, productVariants: [V] } },
    product_added_to_cart: { cartLine: { cost: { totalAmount: M }, merchandise: V, quantity: 1 } },
    checkout_started: C, checkout_contact_info_submitted: C, payment_info_submitted: C, checkout_completed: C
  };
  var CHECKOUT = { checkout_started: 1, checkout_contact_info_submitted: 1, payment_info_submitted: 1, checkout_completed: 1 };
  var privacy = init.customerPrivacy;
  if (typeof api !== 'undefined' && api && api.customerPrivacy) {
    api.customerPrivacy.subscribe('visitorConsentCollected', function (e) { privacy = e.customerPrivacy; });
  }
  function pick(v, s, max) {
    if (v === undefined || v === null || s === 1) return v === undefined ? null : v;
    if (Object.prototype.toString.call(s) === '[object Array]') {
      if (Object.prototype.toString.call(v) !== '[object Array]') return null;
      var out = [];
      for (var i = 0; i < v.length && i < max; i++) out.push(pick(v[i], s[0], max));
      return out;
    }
    if (typeof v !== 'object') return null;
    var o = {};
    for (var k in s) if (Object.prototype.hasOwnProperty.call(s, k)) o[k] = pick(v[k], s[k], max);
    return o;
  }
  function epikOf(href) {
    var m = /[?&]epik=([^&#]*)/.exec(href || '');
    try { return m ? decodeURIComponent(m[1]) : ''; } catch (x) { return ''; }
  }
  function send(event) {
    var doc = (event.context && event.context.document) || {};
    var href = (doc.location && doc.location.href) || '';
    var urlEpik = epikOf(href);
    // Keep a landing page's click id for the checkout pages, as the tagwarden loader and Pinterest's tag do.
    var kept = urlEpik && privacy && privacy.marketingAllowed && /^[\w.+\/=-]{1,256}$/.test(urlEpik)
      ? browser.cookie.set('_epik=' + urlEpik + '; path=/; max-age=31536000; SameSite=Lax' + (/^https:/.test(href) ? '; Secure' : '')).then(null, function () {})
      : Promise.resolve();
    if (TAGWARDEN_EVENTS !== 'all' && !CHECKOUT[event.name] && !(event.name === 'page_viewed' && /\/checkouts?\//.test(href))) return kept;
    return kept.then(function () { return browser.cookie.get('_epik'); }).then(null, function () { return ''; }).then(function (cookieEpik) {
      var body, max = 50;
      do {
        body = JSON.stringify({
          v: 1, key: TAGWARDEN_KEY, client_id: event.clientId || null, epik: cookieEpik || null,
          privacy: { analyticsProcessingAllowed: !!privacy.analyticsProcessingAllowed, marketingAllowed: !!privacy.marketingAllowed, preferencesProcessingAllowed: !!privacy.preferencesProcessingAllowed, saleOfDataAllowed: !!privacy.saleOfDataAllowed },
          event: { id: event.id, name: event.name, timestamp: event.timestamp, url: href || null, referrer: doc.referrer || null, data: pick(event.data || {}, SHAPES[event.name], max) }
        });
        max = Math.floor(max / 2);
      } while (body.length > 60000 && max > 0);
      // text/plain and no-cors: a simple request (no preflight from the sandbox), kept alive past the page.
      return fetch(TAGWARDEN_URL, { method: 'POST', body: body, keepalive: true, mode: 'no-cors', credentials: 'omit' }).then(null, function () {});
    });
  }
  for (var name in SHAPES) if (Object.prototype.hasOwnProperty.call(SHAPES, name)) analytics.subscribe(name, send);
})();`

/**
 * The ready custom-pixel code for a shop.
 * @example shopifyPixelSnippet({ url: 'https://shop.example/tw', key: 'twpx_k1_…' })
 */
export function shopifyPixelSnippet(o: { url: string; key: string; events?: PixelEventMode }): string {
  const base = o.url.replace(/\/+$/, '')
  const url = base.endsWith(PIXEL_PATH) ? base : base + PIXEL_PATH
  return `// tagwarden: Shopify custom pixel (Settings → Customer events → Add custom pixel; Permission: Not required).
// Sends Shopify's standard events to tagwarden, which applies your consent rules per destination.
// Printed by \`tagwarden shopify-pixel\`; print it again after rotating the pixel key.
var TAGWARDEN_URL = ${JSON.stringify(url)};
var TAGWARDEN_KEY = ${JSON.stringify(o.key)};
// "checkout": checkout steps only (the tagwarden loader on your theme covers the storefront); "all": storefront events too.
var TAGWARDEN_EVENTS = ${JSON.stringify(o.events ?? 'checkout')};
${BODY}
`
}
