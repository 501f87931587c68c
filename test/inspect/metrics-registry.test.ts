import { describe, expect, it } from 'vitest'
import { createRegistry } from '../../server/metrics-registry'

describe('metrics registry: Prometheus text exposition 0.0.4', () => {
  it('renders HELP and TYPE once per metric, and one line per series', async () => {
    const r = createRegistry()
    const c = r.counter('x_requests_total', 'Requests.', ['route', 'code'])
    c.labels('/a', '200').inc()
    c.labels('/a', '200').inc(2)
    c.labels('/b', '500').inc()
    expect(await r.render()).toBe(
      ['# HELP x_requests_total Requests.', '# TYPE x_requests_total counter', 'x_requests_total{route="/a",code="200"} 3', 'x_requests_total{route="/b",code="500"} 1', ''].join('\n'),
    )
  })

  it('returns the same series for the same label values (no new series per call)', async () => {
    const r = createRegistry()
    const c = r.counter('y_total', 'Y.', ['a', 'b', 'c'])
    for (let i = 0; i < 1000; i++) c.labels('1', '2', '3').inc()
    expect(c.labels('1', '2', '3')).toBe(c.labels('1', '2', '3'))
    expect(r.read('y_total')).toEqual([{ labels: { a: '1', b: '2', c: '3' }, value: 1000 }])
    // '1','2' + '3' must not collide with '1','23' + ''
    c.labels('1', '23', '').inc()
    expect(r.read('y_total')).toHaveLength(2)
  })

  it('escapes backslash, double quote and line feed in label values, and backslash/line feed in HELP', async () => {
    const r = createRegistry()
    r.counter('z_total', 'A \\ help\nline', ['v']).labels('a"b\\c\nd').inc()
    const text = await r.render()
    expect(text).toContain('# HELP z_total A \\\\ help\\nline\n')
    expect(text).toContain('z_total{v="a\\"b\\\\c\\nd"} 1\n')
    expect(text.split('\n').filter(Boolean)).toHaveLength(3)
  })

  it('renders histograms with cumulative buckets, +Inf, _sum and _count', async () => {
    const r = createRegistry()
    const h = r.histogram('lat_seconds', 'Latency.', [1, 0.1, 0.5])
    for (const v of [0.05, 0.1, 0.3, 0.7, 2]) h.labels().observe(v)
    const lines = (await r.render()).trim().split('\n')
    expect(lines).toEqual([
      '# HELP lat_seconds Latency.',
      '# TYPE lat_seconds histogram',
      'lat_seconds_bucket{le="0.1"} 2',
      'lat_seconds_bucket{le="0.5"} 3',
      'lat_seconds_bucket{le="1"} 4',
      'lat_seconds_bucket{le="+Inf"} 5',
      'lat_seconds_sum 3.15',
      'lat_seconds_count 5',
    ])
  })

  it('runs gauge collectors at render time', async () => {
    const r = createRegistry()
    let depth = 3
    r.gauge('depth', 'Depth.', ['d'], (g) => g.labels('q').set(depth))
    expect(await r.render()).toContain('depth{d="q"} 3\n')
    depth = 0
    expect(await r.render()).toContain('depth{d="q"} 0\n')
  })

  it('refuses bad names, too many labels and duplicates', () => {
    const r = createRegistry()
    expect(() => r.counter('bad-name', 'x')).toThrow(/invalid metric name/)
    expect(() => r.counter('ok_total', 'x', ['a', 'b', 'c', 'd'])).toThrow(/at most 3 labels/)
    r.counter('dup_total', 'x')
    expect(() => r.gauge('dup_total', 'x')).toThrow(/defined twice/)
  })
})
