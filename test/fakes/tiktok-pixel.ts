// TikTok's pixel for the browser tests: the base code shops paste (its public shape,
// docs/tiktok-events.md §9) and a fake of what events.js does when it runs: find the queue named by
// `TiktokAnalyticsObject`, replace the stub methods on that same object by assignment, drain the
// queued `[method, ...args]` entries, and POST a JSON beacon to
// https://analytics.tiktok.com/api/v2/pixel for every page view and track call (host built at run
// time). Every call it handles is kept in `window.__ttq`.

/** TikTok's base code with its `load` and `page` calls. */
export const tiktokBaseCode = (code: string): string =>
  `!function (w, d, t) {
  w.TiktokAnalyticsObject=t;var ttq=w[t]=w[t]||[];ttq.methods=["page","track","identify","instances","debug","on","off","once","ready","alias","group","enableCookie","disableCookie","holdConsent","revokeConsent","grantConsent"],ttq.setAndDefer=function(t,e){t[e]=function(){t.push([e].concat(Array.prototype.slice.call(arguments,0)))}};for(var i=0;i<ttq.methods.length;i++)ttq.setAndDefer(ttq,ttq.methods[i]);ttq.instance=function(t){for(var e=ttq._i[t]||[],n=0;n<ttq.methods.length;n++)ttq.setAndDefer(e,ttq.methods[n]);return e},ttq.load=function(e,n){var r="https://analytics.tiktok.com/i18n/pixel/events.js",o=n&&n.partner;ttq._i=ttq._i||{},ttq._i[e]=[],ttq._i[e]._u=r,ttq._t=ttq._t||{},ttq._t[e]=+new Date,ttq._o=ttq._o||{},ttq._o[e]=n||{};n=document.createElement("script");n.type="text/javascript",n.async=!0,n.src=r+"?sdkid="+e+"&lib="+t;e=document.getElementsByTagName("script")[0];e.parentNode.insertBefore(n,e)};
  ttq.load('${code}');
  ttq.page();
}(window, document, 'ttq');`

/**
 * events.js as the fake serves it: pixel codes from `ttq._i` (and queued `load` entries), `page`
 * (event `Pageview`), `track(name, properties, { event_id })`, `identify`, `holdConsent` /
 * `revokeConsent` (beacons held) and `grantConsent` (held ones sent); sets `_ttp` if missing.
 */
export const FAKE_TIKTOK_EVENTS = `(function () {
  var t = window[window.TiktokAnalyticsObject || 'ttq'];
  if (!t || t.__fake) return;
  t.__fake = true;
  var codes = Object.keys(t._i || {}), hold = false, held = [], seen = (window.__ttq = window.__ttq || []);
  if (!/(^|; )_ttp=/.test(document.cookie)) document.cookie = '_ttp=' + Math.random().toString(36).slice(2) + Date.now().toString(36) + '; path=/; max-age=33696000';
  function host() { return 'https' + '://' + ['analytics', 'tiktok', 'com'].join('.'); }
  function send(event, props, opts) {
    codes.forEach(function (code) {
      var body = { event: event, event_id: opts && opts.event_id, timestamp: new Date().toISOString(), context: { pixel: { code: code }, page: { url: location.href, referrer: document.referrer } }, properties: props || {} };
      navigator.sendBeacon(host() + '/api/v2/pixel', JSON.stringify(body));
    });
  }
  function deliver(event, props, opts) {
    seen.push([event, props, opts]);
    hold ? held.push([event, props, opts]) : send(event, props, opts);
  }
  var api = {
    page: function () { deliver('Pageview', {}, {}); },
    track: function (e, p, o) { deliver(e, p, o); },
    identify: function (u) { seen.push(['identify', u]); },
    holdConsent: function () { hold = true; },
    revokeConsent: function () { hold = true; held = []; },
    grantConsent: function () { hold = false; held.splice(0).forEach(function (x) { send.apply(null, x); }); }
  };
  var q = [].slice.call(t);
  t.length = 0;
  for (var k in api) t[k] = api[k];
  q.forEach(function (x) {
    if (x[0] === 'load') { if (codes.indexOf(x[1]) < 0) codes.push(x[1]); }
    else if (api[x[0]]) api[x[0]].apply(null, x.slice(1));
  });
})();`
