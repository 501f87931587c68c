// A tiny in-process metrics registry with Prometheus text exposition (format 0.0.4):
// https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format
// Hot path: a labelled increment is a walk down nested Maps (no string joins, no arrays), then `+=`.

/** One time series: its label values and its value (or histogram counts). */
interface Series { values: string[]; value: number; counts?: Float64Array; sum?: number }

/** A handle on one series of a metric, resolved once and reused on the hot path. */
export interface Child { inc(n?: number): void; set(v: number): void; observe(v: number): void }

export interface Metric {
  name: string
  /**
   * The series with these label values, in the order the label names were declared (at most 3).
   * @example accepted.labels('tag', 'pinterest-capi').inc()
   */
  labels(a?: string, b?: string, c?: string): Child
}

export interface Registry {
  counter(name: string, help: string, labelNames?: string[]): Metric
  gauge(name: string, help: string, labelNames?: string[], collect?: (g: Metric) => Promise<void> | void): Metric
  histogram(name: string, help: string, buckets: number[]): Metric
  /** Run the gauges' collectors, then render every metric as Prometheus text. */
  render(): Promise<string>
  /** Current series of a counter or gauge: label values by name, and the value. */
  read(name: string): { labels: Record<string, string>; value: number }[]
}

/** The Content-Type of the text format, version 0.0.4. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'

type Kind = 'counter' | 'gauge' | 'histogram'
interface Def { name: string; help: string; kind: Kind; labelNames: string[]; buckets?: number[]; series: Series[]; collect?: (g: Metric) => Promise<void> | void; metric: Metric }

/**
 * Create a registry of counters, gauges and histograms.
 * @example const r = createRegistry(); const c = r.counter('x_total', 'Xs.', ['kind']); c.labels('a').inc(); await r.render()
 */
export function createRegistry(): Registry {
  const defs: Def[] = []

  function define(kind: Kind, name: string, help: string, labelNames: string[], buckets?: number[]): Def {
    if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(name)) throw new Error(`[tagwarden] [metrics] invalid metric name "${name}"`)
    if (labelNames.length > 3) throw new Error(`[tagwarden] [metrics] ${name}: at most 3 labels`)
    if (defs.some((d) => d.name === name)) throw new Error(`[tagwarden] [metrics] ${name} is defined twice`)
    const def: Def = { name, help, kind, labelNames, buckets, series: [], metric: undefined as unknown as Metric }
    const root = new Map<string, unknown>()
    let only: Child | undefined

    const makeChild = (values: string[]): Child => {
      const s: Series = { values, value: 0 }
      if (buckets) {
        s.counts = new Float64Array(buckets.length + 1)
        s.sum = 0
      }
      def.series.push(s)
      return {
        inc: (n = 1) => void (s.value += n),
        set: (v) => void (s.value = v),
        observe(v) {
          let i = 0
          while (i < buckets!.length && v > buckets![i]) i++
          s.counts![i]++
          s.sum! += v
          s.value++
        },
      }
    }

    def.metric = {
      name,
      labels(a?: string, b?: string, c?: string): Child {
        const n = labelNames.length
        if (n === 0) return (only ??= makeChild([]))
        let level = root
        for (let i = 0; i < n; i++) {
          const v = (i === 0 ? a : i === 1 ? b : c) ?? ''
          const next = level.get(v)
          if (i === n - 1) {
            if (next) return next as Child
            const child = makeChild([a ?? '', b ?? '', c ?? ''].slice(0, n))
            level.set(v, child)
            return child
          }
          if (next) level = next as Map<string, unknown>
          else {
            const m = new Map<string, unknown>()
            level.set(v, m)
            level = m
          }
        }
        throw new Error('unreachable')
      },
    }
    defs.push(def)
    return def
  }

  async function render(): Promise<string> {
    for (const d of defs) if (d.collect) await d.collect(d.metric)
    const out: string[] = []
    for (const d of defs) {
      out.push(`# HELP ${d.name} ${escapeHelp(d.help)}`, `# TYPE ${d.name} ${d.kind}`)
      for (const s of d.series) {
        const labels = d.labelNames.map((l, i) => `${l}="${escapeLabel(s.values[i])}"`)
        if (d.kind !== 'histogram') {
          out.push(`${d.name}${braces(labels)} ${num(s.value)}`)
          continue
        }
        let cumulative = 0
        d.buckets!.forEach((le, i) => {
          cumulative += s.counts![i]
          out.push(`${d.name}_bucket${braces([...labels, `le="${num(le)}"`])} ${num(cumulative)}`)
        })
        out.push(`${d.name}_bucket${braces([...labels, 'le="+Inf"'])} ${num(s.value)}`)
        out.push(`${d.name}_sum${braces(labels)} ${num(s.sum!)}`, `${d.name}_count${braces(labels)} ${num(s.value)}`)
      }
    }
    return `${out.join('\n')}\n`
  }

  return {
    counter: (name, help, labelNames = []) => define('counter', name, help, labelNames).metric,
    gauge(name, help, labelNames = [], collect) {
      const def = define('gauge', name, help, labelNames)
      def.collect = collect
      return def.metric
    },
    histogram: (name, help, buckets) => define('histogram', name, help, [], [...buckets].sort((x, y) => x - y)).metric,
    render,
    read(name) {
      const d = defs.find((x) => x.name === name)
      return (d?.series ?? []).map((s) => ({ labels: Object.fromEntries(d!.labelNames.map((l, i) => [l, s.values[i]])), value: s.value }))
    },
  }
}

// "label_value can be any sequence of UTF-8 characters, but the backslash (\), double-quote ("),
// and line feed (\n) characters have to be escaped as \\, \", and \n, respectively."
const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
// HELP lines escape only backslash and line feed.
const escapeHelp = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')
const braces = (labels: string[]) => (labels.length ? `{${labels.join(',')}}` : '')
// Values are Go ParseFloat syntax; +Inf, -Inf and NaN are spelled out.
const num = (v: number) => (Number.isNaN(v) ? 'NaN' : v === Infinity ? '+Inf' : v === -Infinity ? '-Inf' : String(v))
