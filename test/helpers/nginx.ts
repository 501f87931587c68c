// Start a real nginx for a test: the config written to a temp dir, nginx in the foreground on a free
// port, its pid, logs and temp files inside that dir; killed after the suite.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from './redis'
import { acceptsConnections, proxyProcess, type ProxyProcess } from './reverse-proxy'

export const NGINX_INSTALL = 'apt-get install -y nginx'

/** The nginx binary: on PATH, else Debian's /usr/sbin/nginx (not on a non-root PATH). */
export function nginxBinary(): string | undefined {
  for (const bin of ['nginx', '/usr/sbin/nginx']) if (spawnSync(bin, ['-v'], { encoding: 'utf8' }).status === 0) return bin
  return undefined
}

/**
 * What a suite needing nginx does when it is missing: in CI (CI=true) it must fail, naming the
 * install command; elsewhere it is skipped with a loud message.
 */
export function nginxAvailability(): 'run' | 'skip' {
  if (nginxBinary()) return 'run'
  const message = `[tagwarden] nginx is not installed: the reverse-proxy tests need it (${NGINX_INSTALL})`
  if (process.env.CI === 'true') throw new Error(message)
  console.warn(`\n${'!'.repeat(100)}\n${message} — SKIPPING them\n${'!'.repeat(100)}\n`)
  return 'skip'
}

export type Nginx = ProxyProcess

/**
 * Run nginx with `server` (the body of one `server {}` block; `listen` is added) on a free port.
 * A single process (`master_process off`), so no worker switches to another user when run as root.
 */
export async function startNginx(server: string): Promise<Nginx> {
  const bin = nginxBinary()
  if (!bin) throw new Error(`nginx is not installed (${NGINX_INSTALL})`)
  const dir = mkdtempSync(join(tmpdir(), 'tw-nginx-'))
  const port = await freePort()
  const conf = `
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  server {
    listen 127.0.0.1:${port};
    server_name shop.test;
${server}
  }
}
`
  writeFileSync(join(dir, 'nginx.conf'), conf)
  const child = spawn(bin, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off; master_process off;'], { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()))
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()))
  const log = () => `${out}${existsSync(join(dir, 'error.log')) ? readFileSync(join(dir, 'error.log'), 'utf8') : ''}`
  await acceptsConnections(port, child, 'nginx', log)
  return proxyProcess(child, port, dir, 'SIGQUIT')
}
