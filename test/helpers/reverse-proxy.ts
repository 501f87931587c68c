// Shared by the reverse-proxy recipe tests (test/deploy/nginx.test.ts, caddy.test.ts): the README's
// recipe blocks read from README.md itself, one request through the proxy from a chosen loopback
// address (the visitor's own), and waiting for a proxy process to come up and stopping it.
import type { ChildProcess } from 'node:child_process'
import { readFileSync, rmSync } from 'node:fs'
import { request } from 'node:http'
import { connect } from 'node:net'
import { packageFile } from '../../server/package-file'

/**
 * A recipe of the README's "Reverse-proxy recipes": the first ```<lang> block after `marker`, and the
 * ```sh block of `NAME=value` settings right after it.
 */
export function readmeRecipe(marker: string, lang: string): { block: string; env: Record<string, string> } {
  const readme = readFileSync(packageFile('README.md'), 'utf8')
  const at = readme.indexOf(marker)
  const m = new RegExp('```' + lang + '\\n([\\s\\S]*?)```\\s*```sh\\n([\\s\\S]*?)```').exec(readme.slice(at))
  if (at < 0 || !m) throw new Error(`README.md: the ${lang} recipe (a \`\`\`${lang} block after "${marker}", followed by its \`\`\`sh settings) was not found`)
  const env = Object.fromEntries(m[2].trim().split('\n').map((l) => l.trim().split(/=(.*)/s).slice(0, 2) as [string, string]))
  return { block: m[1], env }
}

export interface Answer { status: number; headers: Record<string, string | string[] | undefined>; body: string; raw: Buffer }
export interface Visit { method?: string; headers?: Record<string, string>; body?: string }

/**
 * One request to the proxy on 127.0.0.1:`port` from a given loopback address (the visitor's own),
 * `Host: shop.test`, a fresh connection each time. The body is kept raw too (compressed answers).
 */
export function visit(proxy: { port: number }, from: string, path: string, o: Visit & { userAgent: string }): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: proxy.port, path, method: o.method ?? 'GET', localAddress: from, agent: false, headers: { host: 'shop.test', 'user-agent': o.userAgent, ...o.headers } }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        const raw = Buffer.concat(chunks)
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: raw.toString('utf8'), raw })
      })
    })
    req.on('error', reject)
    req.end(o.body)
  })
}

/** Resolves once something accepts TCP connections on 127.0.0.1:`port`; fails if `child` exits first or after 10 s. */
export async function acceptsConnections(port: number, child: ChildProcess, name: string, log: () => string): Promise<void> {
  const end = Date.now() + 10_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}: ${log()}`)
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1', () => (s.end(), resolve(true)))
      s.on('error', () => resolve(false))
    })
    if (ok) return
    if (Date.now() > end) throw new Error(`${name} did not listen on ${port}: ${log()}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** The running proxy a recipe test talks to: its address, and `stop()` (the signal, then its directory removed). */
export interface ProxyProcess { url: string; port: number; stop(): Promise<void> }

/** A proxy `child` on 127.0.0.1:`port` whose files live in `dir`: stopped with `signal` (each proxy has its graceful one), then `dir` removed. */
export function proxyProcess(child: ChildProcess, port: number, dir: string, signal: NodeJS.Signals): ProxyProcess {
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        const done = () => (rmSync(dir, { recursive: true, force: true }), resolve())
        if (child.exitCode !== null) return done()
        child.once('exit', done)
        child.kill(signal)
      }),
  }
}

