// Pinterest's own page code for tests of the browser loader: the base code shops paste (verbatim
// from docs/pinterest-tag.md "Base code" but for the script URL) and a fake of what core.js/main.js do when they
// run: drain `pintrk.queue`, take over `window.pintrk`, send /v3/ beacons to ct.pinterest.com.

/** The base code with its `load` and `page` calls (docs/pinterest-tag.md "Base code"). */
export const baseCode = (tagId: string, src = 'https://s.pinimg.com/ct/core.js'): string =>
  `!function(e){if(!window.pintrk){window.pintrk=function(){window.pintrk.queue.push(Array.prototype.slice.call(arguments))};var n=window.pintrk;n.queue=[],n.version="3.0";var t=document.createElement("script");t.async=!0,t.src=e;var r=document.getElementsByTagName("script")[0];r.parentNode.insertBefore(t,r)}}("${src}");
pintrk('load', '${tagId}');
pintrk('page');`

/**
 * The tag coming up, in one of the two shapes a queue-stub tag can take:
 * - `replace`: assigns its own function to `window.pintrk` and drains the queue it found (like the
 *   fake main.js of the server's tests);
 * - `push`: keeps `window.pintrk`, drains the queue and replaces `queue.push` by its handler (the
 *   way Meta's fbq works).
 * Every call the tag handles is recorded in `window.__pin`; events send a /v3/ beacon by `Image`.
 */
export const tagComesUp = (style: 'replace' | 'push' = 'replace'): string => `(function () {
  var calls = (window.__pin = window.__pin || []);
  function run(a) {
    calls.push(a);
    if (a[0] === 'track' || a[0] === 'page') {
      var ed = a[0] === 'page' ? a[1] : a[2];
      new Image().src = 'https://ct.pinterest.com/v3/?event=' + (a[0] === 'page' ? 'pagevisit' : a[1]) + '&ed=' + encodeURIComponent(JSON.stringify(ed || {}));
    }
  }
  var q = window.pintrk.queue || [];
  if ('${style}' === 'replace') {
    var real = function () { run([].slice.call(arguments)); };
    real.queue = { push: run };
    real.version = '3.0';
    window.pintrk = real;
    for (var i = 0; i < q.length; i++) run(q[i]);
  } else {
    for (var j = 0; j < q.length; j++) run(q[j]);
    q.length = 0;
    q.push = run;
  }
})();`
