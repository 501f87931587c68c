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

  // --- the dry-run record, live --------------------------------------------------------------
  var log = $('log')
  function render(events) {
    var ol = log.querySelector('ol')
    log.querySelector('.note').textContent = D.dryRun ? 'Dry-run: CAPI payloads are built and validated, not sent.' : 'Live: CAPI events are sent to Pinterest.'
    ol.innerHTML = ''
    events.slice(0, 8).forEach(function (e) {
      var li = document.createElement('li')
      var dests = Object.keys(e.destinations).map(function (d) { var r = e.destinations[d]; return d + ': ' + r.action + ' → ' + r.state + ' (' + r.rule + ')' })
      li.innerHTML = '<strong></strong> <code></code> <span class="note"></span><br><small></small>'
      li.querySelector('strong').textContent = e.name
      li.querySelector('code').textContent = e.event_id
      li.querySelector('.note').textContent = 'via ' + e.source
      li.querySelector('small').textContent = dests.join(' · ')
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
