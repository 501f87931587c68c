// Meta's pixel for the browser tests: the base code shops paste (its public shape,
// docs/meta-capi.md §7 "Base code") and a fake of what fbevents.js does when it runs: take over
// `fbq` by setting `callMethod`, drain `fbq.queue` (arguments objects or arrays), and send a GET
// beacon to https://www.facebook.com/tr/ for every track call — the host built at run time, as the
// real script does — with `eid` = the call's `eventID`. Every call it handles is kept in `window.__meta`.

/** Meta's base code with its `init` and `PageView` calls. */
export const metaBaseCode = (pixelId: string, src = 'https://connect.facebook.net/en_US/fbevents.js'): string =>
  `!function(f,b,e,v,n,t,s){if(f.fbq)return;n=f.fbq=function(){n.callMethod?n.callMethod.apply(n,arguments):n.queue.push(arguments)};if(!f._fbq)f._fbq=n;n.push=n;n.loaded=!0;n.version='2.0';n.queue=[];t=b.createElement(e);t.async=!0;t.src=v;s=b.getElementsByTagName(e)[0];s.parentNode.insertBefore(t,s)}(window,document,'script','${src}');
fbq('init', '${pixelId}');
fbq('track', 'PageView');`

/**
 * fbevents.js as the fake serves it: `init` (pixel ids; sets `_fbp`, and `_fbc` from a landing
 * `fbclid`, unless already there), `track`/`trackCustom` (a beacon per pixel), `consent` (`revoke`
 * holds beacons, `grant` sends what was held), `dataProcessingOptions` (`dpo`, `dpoco`, `dpost` on
 * later beacons).
 */
export const FAKE_FBEVENTS = `(function () {
  var f = window.fbq;
  if (typeof f !== 'function' || f.__fake) return;
  f.__fake = true;
  var pixels = [], granted = true, held = [], dpo = null, seen = (window.__meta = window.__meta || []);
  function cookie(n) { var m = document.cookie.match('(^|; )' + n + '=([^;]*)'); return m ? m[2] : ''; }
  function host() { return 'https' + '://' + ['www', 'facebook', 'com'].join('.'); }
  function send(ev, data, opts) {
    pixels.forEach(function (id) {
      var q = new URLSearchParams({ id: id, ev: ev, dl: location.href, rl: document.referrer, ts: String(Date.now()) });
      if (opts && opts.eventID) q.set('eid', opts.eventID);
      for (var k in data || {}) q.set('cd[' + k + ']', typeof data[k] === 'object' ? JSON.stringify(data[k]) : String(data[k]));
      if (cookie('_fbp')) q.set('fbp', cookie('_fbp'));
      if (cookie('_fbc')) q.set('fbc', cookie('_fbc'));
      if (dpo) { q.set('dpo', dpo[0].join(',')); q.set('dpoco', String(dpo[1])); q.set('dpost', String(dpo[2])); }
      new Image().src = host() + '/tr/?' + q;
    });
  }
  function run(a) {
    a = [].slice.call(a);
    seen.push(a);
    if (a[0] === 'init') {
      if (pixels.indexOf(a[1]) < 0) pixels.push(a[1]);
      if (!cookie('_fbp')) document.cookie = '_fbp=fb.0.' + Date.now() + '.' + Math.floor(Math.random() * 2147483646) + '; path=/; max-age=7776000';
      var m = /[?&]fbclid=([^&#]*)/.exec(location.search);
      if (m && !cookie('_fbc')) document.cookie = '_fbc=fb.0.' + Date.now() + '.' + m[1] + '; path=/; max-age=7776000';
    } else if (a[0] === 'dataProcessingOptions') dpo = [a[1] || [], a[2] || 0, a[3] || 0];
    else if (a[0] === 'consent') {
      granted = a[1] !== 'revoke';
      if (granted) held.splice(0).forEach(function (x) { send.apply(null, x); });
    } else if (a[0] === 'track' || a[0] === 'trackCustom') {
      var x = [a[1], a[2], a[3]];
      granted ? send.apply(null, x) : held.push(x);
    }
  }
  f.callMethod = function () { run(arguments); };
  var q = f.queue || [];
  f.queue = [];
  for (var i = 0; i < q.length; i++) run(q[i]);
})();`
