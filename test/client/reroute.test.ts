// @vitest-environment happy-dom
// Requests for Pinterest's beacon and script hosts go first-party, however main.js makes them.
import { afterEach, describe, expect, it } from 'vitest'
import { closePages, openPage } from './harness'

afterEach(closePages)

const urls = (page: ReturnType<typeof openPage>, via: string) => page.requests.filter((r) => r.via === via && !r.url.startsWith('/tw/ctx')).map((r) => r.url)

describe('beacon and script host rerouting', () => {
  it('fetch, sendBeacon and XMLHttpRequest to the beacon host go to {p}/pin/ct', () => {
    const page = openPage()
    page.run(`
      fetch('https://ct.pinterest.com/v3/?tid=1&event=checkout', { keepalive: true });
      navigator.sendBeacon('https://ct.pinterest.com/user/?tid=1', '');
      var x = new XMLHttpRequest(); x.open('POST', 'https://ct.pinterest.com/v3/?tid=1');
      fetch('/api/cart.js'); fetch('https://cdn.example/x.js')`)
    expect(urls(page, 'fetch')).toEqual(['/tw/pin/ct/v3/?tid=1&event=checkout', '/api/cart.js', 'https://cdn.example/x.js'])
    expect(urls(page, 'sendBeacon')).toEqual(['/tw/pin/ct/user/?tid=1'])
    expect(urls(page, 'xhr')).toEqual(['/tw/pin/ct/v3/?tid=1'])
  })

  it('image beacons (new Image / <img> src) and scripts of the script host go first-party', () => {
    const page = openPage()
    page.run(`
      window.i = new Image(); i.src = 'https://ct.pinterest.com/v3/?tid=1&event=pagevisit&noscript=1';
      window.s = document.createElement('script'); s.src = 'https://s.pinimg.com/ct/lib/main.abc12345.js';
      window.o = document.createElement('img'); o.src = 'https://shop.example/logo.png'`)
    expect(page.run('i.getAttribute("src")')).toBe('/tw/pin/ct/v3/?tid=1&event=pagevisit&noscript=1')
    expect(page.run('s.getAttribute("src")')).toBe('/tw/pin/lib/main.abc12345.js')
    expect(page.run('o.getAttribute("src")')).toBe('https://shop.example/logo.png')
  })

  it("keys on Pinterest's public hosts, also when built at run time; other hosts (an upstream of the server's) are left alone", () => {
    const page = openPage()
    page.run(`
      var host = 'https' + '://' + ['ct', 'pinterest', 'com'].join('.');
      fetch(host + '/v3/?tid=1');
      window.i = new Image(); i.src = host + '/v3/?tid=1&event=checkout';
      fetch('http://127.0.0.1:4100/v3/?tid=1'); fetch('https://shop.example/?next=https://ct.pinterest.com/v3/')`)
    expect(urls(page, 'fetch')).toEqual(['/tw/pin/ct/v3/?tid=1', 'http://127.0.0.1:4100/v3/?tid=1', 'https://shop.example/?next=https://ct.pinterest.com/v3/'])
    expect(page.run('i.getAttribute("src")')).toBe('/tw/pin/ct/v3/?tid=1&event=checkout')
  })

  it('leaves a Request object alone', () => {
    const page = openPage()
    page.run(`fetch(new Request('https://shop.example/a'))`)
    expect(urls(page, 'fetch')).toEqual(['https://shop.example/a'])
  })
})
