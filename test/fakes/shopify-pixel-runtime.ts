// The two in-browser halves of the fake Shopify pixel runtime (docs/shopify-web-pixels.md §2–§5), as
// script text the sandbox server sends. The top frame (the shop page) owns consent, cookies and
// storage and publishes events; the pixel runs in an `<iframe sandbox="allow-scripts">` — an opaque
// origin, like Shopify's lax sandbox — and reaches the top frame only through postMessage.

/** Runs in the shop page: builds `init` and event envelopes from the live page, answers `browser.*`. */
export const HOST_RUNTIME = String.raw`(function () {
  var cfg = JSON.parse(document.getElementById('wpm-config').textContent);
  var frame, ready = false, waiters = [], seq = 0, consent = cfg.customerPrivacy, errors = [], outstanding = 0, idlers = [];
  function loc(l) {
    return { hash: l.hash, host: l.host, hostname: l.hostname, href: l.href, origin: l.origin, pathname: l.pathname, port: l.port, protocol: l.protocol, search: l.search };
  }
  // Context: a snapshot of the top frame (dev-events "Context").
  function snapshot() {
    return {
      document: { characterSet: document.characterSet, location: loc(location), referrer: document.referrer, title: document.title },
      navigator: { cookieEnabled: navigator.cookieEnabled, language: navigator.language, languages: [].slice.call(navigator.languages), userAgent: navigator.userAgent },
      window: {
        innerHeight: innerHeight, innerWidth: innerWidth, location: loc(location), origin: location.origin, outerHeight: outerHeight, outerWidth: outerWidth,
        pageXOffset: pageXOffset, pageYOffset: pageYOffset, screen: { height: screen.height, width: screen.width }, screenX: screenX, screenY: screenY, scrollX: scrollX, scrollY: scrollY
      }
    };
  }
  function uuid() {
    return 'sh-' + crypto.randomUUID();
  }
  function post(msg) { frame.contentWindow.postMessage(msg, '*'); }
  function whenReady() { return new Promise(function (r) { ready ? r() : waiters.push(r); }); }
  // Resolves once every published event's subscribers have settled (the sandbox reports 'handled').
  function idle() { return new Promise(function (r) { outstanding === 0 ? r() : idlers.push(r); }); }
  function cookie(name) {
    if (name == null) return document.cookie;
    var parts = document.cookie ? document.cookie.split('; ') : [];
    for (var i = 0; i < parts.length; i++) {
      var eq = parts[i].indexOf('=');
      if (parts[i].slice(0, eq) === name) return parts[i].slice(eq + 1);
    }
    return '';
  }
  function store(kind, method, args) {
    var s = window[kind];
    return method === 'length' ? s.length : s[method].apply(s, args);
  }
  // browser.* runs here, in the top frame (dev-browser).
  function rpc(method, args) {
    if (method === 'cookie.get') return cookie(args[0]);
    if (method === 'cookie.set') { var c = args[1] === undefined ? args[0] : args[0] + '=' + args[1]; document.cookie = c; return c; }
    if (method === 'sendBeacon') return navigator.sendBeacon(args[0], args[1]);
    var dot = method.indexOf('.');
    var kind = method.slice(0, dot);
    if (kind !== 'localStorage' && kind !== 'sessionStorage') throw new Error('unknown browser method ' + method);
    return store(kind, method.slice(dot + 1), args);
  }
  function publish(ev) {
    outstanding++;
    return whenReady().then(function () {
      var e = {
        id: ev.id || uuid(), name: ev.name, type: ev.type || 'standard', seq: ev.seq != null ? ev.seq : seq++,
        timestamp: ev.timestamp || new Date().toISOString(), clientId: ev.clientId || cfg.clientId, context: ev.context || snapshot(), data: ev.data
      };
      post({ wpm: 'event', event: e });
      return e;
    });
  }
  addEventListener('message', function (e) {
    if (!frame || e.source !== frame.contentWindow) return;
    var m = e.data || {};
    if (m.wpm === 'hello') post({ wpm: 'init', sendBeaconFrom: cfg.sendBeaconFrom, init: { context: snapshot(), data: cfg.initData, customerPrivacy: consent } });
    else if (m.wpm === 'ready') { ready = true; waiters.splice(0).forEach(function (f) { f(); }); if (cfg.pageViewed) publish({ name: 'page_viewed', data: {} }); }
    else if (m.wpm === 'error') errors.push(String(m.message));
    else if (m.wpm === 'handled') { if (--outstanding === 0) idlers.splice(0).forEach(function (f) { f(); }); }
    else if (m.wpm === 'rpc') {
      var out = { wpm: 'rpc-result', id: m.id };
      try { out.result = rpc(m.method, m.args || []); } catch (x) { out.error = String(x); }
      post(out);
    }
  });
  frame = document.createElement('iframe');
  frame.setAttribute('sandbox', 'allow-scripts');
  frame.setAttribute('name', 'web-pixel-sandbox-CUSTOM-tagwarden-test');
  frame.src = '/__wpm/sandbox.html';
  frame.style.display = 'none';
  document.body.appendChild(frame);
  window.__shopify = {
    whenReady: whenReady,
    idle: idle,
    publish: publish,
    setConsent: function (cp) { consent = cp; return whenReady().then(function () { post({ wpm: 'consent', customerPrivacy: cp }); }); },
    errors: errors
  };
})();`

/** Runs in the sandboxed iframe: the Standard API (dev-api), then the pixel's own code. */
export const SANDBOX_RUNTIME = String.raw`(function () {
  var subs = {}, consentSubs = [], pending = {}, nextId = 0, sendBeaconFrom = 'sandbox';
  function report(err) { parent.postMessage({ wpm: 'error', message: String((err && err.stack) || err) }, '*'); }
  function call(method, args) {
    return new Promise(function (resolve, reject) {
      var id = ++nextId;
      pending[id] = { resolve: resolve, reject: reject };
      parent.postMessage({ wpm: 'rpc', id: id, method: method, args: args }, '*');
    });
  }
  // Runs the subscribers; resolves when every promise they returned has settled.
  function dispatch(list, payload) {
    return Promise.all((list || []).slice().map(function (cb) {
      try { var r = cb(payload); if (r && typeof r.then === 'function') return r.then(null, report); } catch (x) { report(x); }
    }));
  }
  var analytics = {
    subscribe: function (name, cb) {
      (subs[name] = subs[name] || []).push(cb);
      return function () { var l = subs[name], i = l.indexOf(cb); if (i < 0) return false; l.splice(i, 1); return true; };
    }
  };
  function storage(kind) {
    function m(name) { return function () { return call(kind + '.' + name, [].slice.call(arguments)); }; }
    return { getItem: m('getItem'), setItem: m('setItem'), removeItem: m('removeItem'), key: m('key'), length: m('length'), clear: m('clear') };
  }
  var browser = {
    cookie: { get: function (name) { return call('cookie.get', [name]); }, set: function (a, v) { return call('cookie.set', [a, v]); } },
    localStorage: storage('localStorage'),
    sessionStorage: storage('sessionStorage'),
    sendBeacon: function (url, body) {
      return sendBeaconFrom === 'top' ? call('sendBeacon', [url, body]) : Promise.resolve(navigator.sendBeacon(url, body));
    }
  };
  var customerPrivacy = {
    subscribe: function (name, cb) { if (name === 'visitorConsentCollected') consentSubs.push(cb); return Promise.resolve(undefined); }
  };
  function load(init) {
    self.__wpm = { analytics: analytics, browser: browser, init: init, api: { analytics: analytics, browser: browser, init: init, customerPrivacy: customerPrivacy } };
    addEventListener('error', function (e) { report(e.error || e.message); });
    var s = document.createElement('script');
    s.crossOrigin = 'anonymous';
    s.src = '/__wpm/pixel.js';
    s.onload = function () { parent.postMessage({ wpm: 'ready' }, '*'); };
    s.onerror = function () { report('[shopify-pixel-sandbox] pixel.js failed to load'); };
    document.head.appendChild(s);
  }
  addEventListener('message', function (e) {
    if (e.source !== parent) return;
    var m = e.data || {};
    if (m.wpm === 'init') { sendBeaconFrom = m.sendBeaconFrom; load(m.init); }
    else if (m.wpm === 'event') {
      var ev = m.event, runs = [dispatch(subs[ev.name], ev), dispatch(subs.all_events, ev)];
      if (ev.type === 'standard') runs.push(dispatch(subs.all_standard_events, ev));
      else if (ev.type === 'custom') runs.push(dispatch(subs.all_custom_events, ev));
      else if (ev.type === 'dom') runs.push(dispatch(subs.all_dom_events, ev));
      Promise.all(runs).then(function () { parent.postMessage({ wpm: 'handled', id: ev.id }, '*'); });
    }
    else if (m.wpm === 'consent') dispatch(consentSubs, { customerPrivacy: m.customerPrivacy });
    else if (m.wpm === 'rpc-result') {
      var p = pending[m.id];
      delete pending[m.id];
      if (p) m.error ? p.reject(new Error(m.error)) : p.resolve(m.result);
    }
  });
  parent.postMessage({ wpm: 'hello' }, '*');
})();`

/**
 * The pixel file: the merchant's code unchanged, inside a function whose parameters are the names a
 * custom pixel sees (`analytics`, `browser`, `init`, `api`; docs/shopify-web-pixels.md §2).
 */
export const pixelScript = (snippet: string): string =>
  `(function (analytics, browser, init, api) {\n${snippet}\n})(self.__wpm.analytics, self.__wpm.browser, self.__wpm.init, self.__wpm.api);\n`
