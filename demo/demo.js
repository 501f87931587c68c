// The demo shop's own code: what a storefront theme would do with tagwarden. Plain browser JS, no build.
;(function () {
  var D = window.TW_DEMO
  var PRODUCT = { id: 'TOTE-LINEN', name: 'Linen Tote', price: 24 }
  var store = {
    get: function (k, d) { try { return JSON.parse(localStorage.getItem('tw_demo_' + k)) || d } catch (e) { return d } },
    set: function (k, v) { try { localStorage.setItem('tw_demo_' + k, JSON.stringify(v)) } catch (e) {} },
  }
  /** Call tagwarden now, or queue the call until the loader has arrived. */
  function tw(method, arg) {
    var t = window.tagwarden
    t[method] ? t[method](arg) : t.q.push([method, arg])
  }
  var $ = function (id) { return document.getElementById(id) }

  // Pinterest base code, as a shop would have it. With PINTEREST_TAG_ID set, the loader loads the tag itself.
  if (!D.loaderLoads) pintrk('load', D.tagId)
  pintrk('page')

  // --- cart ---------------------------------------------------------------------------------
  function cart() { return store.get('cart', { token: 'cart_' + Math.random().toString(36).slice(2, 12), items: [] }) }
  function cartTotals(c) {
    var qty = 0, value = 0
    c.items.forEach(function (i) { qty += i.quantity; value += i.quantity * i.price })
    return { qty: qty, value: Math.round(value * 100) / 100 }
  }
  function lineItems(c) {
    return c.items.map(function (i) { return { product_id: i.id, product_name: i.name, product_price: i.price, product_quantity: i.quantity } })
  }
  function showCount() { $('cart-count').textContent = cartTotals(cart()).qty }
  showCount()

  // --- toy consent banner (a real shop has a CMP; tagwarden reads most CMPs by itself) --------
  var ALL = ['ad_storage', 'ad_user_data', 'ad_personalization', 'analytics_storage']
  function decide(value) {
    var c = {}
    ALL.forEach(function (k) { c[k] = value })
    store.set('consent', value)
    tw('consent', c)
    var b = $('banner')
    if (b) b.remove()
  }
  var chosen = store.get('consent', null)
  if (chosen) decide(chosen)
  else {
    var b = document.createElement('div')
    b.id = 'banner'
    b.innerHTML = '<p>We use Pinterest to measure our ads. OK?</p><button data-v="granted">Accept</button> <button data-v="denied">Reject</button>'
    b.addEventListener('click', function (e) { var v = e.target.getAttribute('data-v'); if (v) decide(v) })
    document.body.appendChild(b)
  }
  var reset = document.createElement('button')
  reset.className = 'reset'
  reset.textContent = 'Reset consent'
  reset.onclick = function () { localStorage.removeItem('tw_demo_consent'); location.reload() }
  document.querySelector('header').appendChild(reset)

  // --- pages ----------------------------------------------------------------------------------
  var page = document.body.getAttribute('data-page')
  if (page === 'product') {
    $('add').onclick = function () {
      var qty = Math.max(1, Math.min(9, Number($('qty').value) || 1))
      var c = cart()
      var line = c.items.filter(function (i) { return i.id === PRODUCT.id })[0]
      line ? (line.quantity += qty) : c.items.push({ id: PRODUCT.id, name: PRODUCT.name, price: PRODUCT.price, quantity: qty })
      store.set('cart', c)
      pintrk('track', 'addtocart', {
        value: PRODUCT.price * qty, currency: 'USD', order_quantity: qty,
        line_items: [{ product_id: PRODUCT.id, product_name: PRODUCT.name, product_price: PRODUCT.price, product_quantity: qty }],
      })
      var t = cartTotals(c)
      tw('cart', { token: c.token, currency: 'USD', value: t.value, items: c.items.map(function (i) { return { id: i.id, price: i.price, quantity: i.quantity, name: i.name } }) })
      $('added').hidden = false
      showCount()
    }
  }
  if (page === 'checkout') {
    var c = cart(), t = cartTotals(c)
    if (t.qty) {
      $('summary').textContent = t.qty + ' × items, $' + t.value.toFixed(2) + ' (cart token ' + c.token + ')'
      $('pay').hidden = false
      $('pay').onclick = function () {
        var id = 'D' + Date.now().toString().slice(-7)
        store.set('order_' + id, { value: t.value, qty: t.qty, line_items: lineItems(c) })
        store.set('cart', null)
        location.href = 'thank-you.html?order=' + id
      }
    }
  }
  if (page === 'thank-you') {
    var id = new URLSearchParams(location.search).get('order')
    var order = id && store.get('order_' + id, null)
    if (order) {
      $('order-id').textContent = id
      // No event_id given: the loader derives ord_<order_id>, so a reload is the same event.
      pintrk('track', 'checkout', { order_id: id, value: order.value, currency: 'USD', order_quantity: order.qty, line_items: order.line_items })
    }
  }

  // --- Pinterest's tag unreachable (offline, or the server cannot reach s.pinimg.com) ---------
  // The loader adds <script src="…/pin/core.js">; when that answers an error the browser logs a bare
  // failed request. Say what it means: the loader then sends each call to /tw/e, the CAPI copies still appear.
  var TAG_DOWN = "Pinterest's tag could not be loaded: " + D.prefix + '/pin/core.js answered an error (offline, or the server cannot reach ' +
    "Pinterest's script host). The loader sends each call to " + D.prefix + '/e instead, so the Conversions API copies below still appear.'
  document.addEventListener('error', function (e) {
    var t = e.target
    if (!t || t.tagName !== 'SCRIPT' || !/\/pin\/core\.js/.test(t.src || '')) return
    console.info('[tagwarden demo] ' + TAG_DOWN)
    var p = $('tag-down') || document.createElement('p')
    p.id = 'tag-down'
    p.className = 'warn'
    p.textContent = TAG_DOWN
    $('log').insertBefore(p, $('log').querySelector('ol'))
  }, true)

  // --- the dry-run record, live --------------------------------------------------------------
  var log = $('log')
  var open = {}
  function payloadBlock(id, dest, r) {
    var d = document.createElement('details')
    var key = id + ' ' + dest
    d.open = !!open[key]
    d.addEventListener('toggle', function () { open[key] = d.open })
    var s = document.createElement('summary')
    s.textContent = dest + ' payload'
    var pre = document.createElement('pre')
    pre.textContent = JSON.stringify(r.payload, null, 2)
    d.appendChild(s)
    d.appendChild(pre)
    return d
  }
  function render(events) {
    var ol = log.querySelector('ol')
    log.querySelector('.note').textContent = D.dryRun ? 'Dry-run: CAPI payloads are built and validated, not sent.' : 'Live: CAPI events are sent to Pinterest (payloads are recorded in dry-run only).'
    ol.innerHTML = ''
    events.slice(0, 8).forEach(function (e) {
      var li = document.createElement('li')
      var dests = Object.keys(e.destinations).map(function (d) { var r = e.destinations[d]; return d + ': ' + r.action + ' → ' + r.state + ' (' + r.rule + ')' })
      li.innerHTML = '<strong></strong> <code></code> <span class="note"></span><br><small></small>'
      li.querySelector('strong').textContent = e.name
      li.querySelector('code').textContent = e.event_id
      li.querySelector('.note').textContent = 'via ' + (e.sources || [e.source]).join(', ')
      li.querySelector('small').textContent = dests.join(' · ')
      // Each destination's wire payload, exactly as it would go to Pinterest (hashed identifiers, money as strings).
      Object.keys(e.destinations).forEach(function (d) { if (e.destinations[d].payload) li.appendChild(payloadBlock(e.event_id, d, e.destinations[d])) })
      ;(e.notes || []).forEach(function (n) { var p = document.createElement('p'); p.className = 'note'; p.textContent = n; li.appendChild(p) })
      ol.appendChild(li)
    })
  }
  function poll() {
    fetch(D.prefix + '/_/events?limit=8', { cache: 'no-store' })
      .then(function (r) { if (!r.ok) throw new Error(r.status + ''); return r.json() })
      .then(function (b) { render(b.events) })
      .catch(function (e) { log.querySelector('.note').textContent = 'The event record answers on localhost only (' + e.message + ').' })
  }
  poll()
  setInterval(poll, 2000)
})()
