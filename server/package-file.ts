import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

let root: string | undefined

/**
 * The tagwarden package root: the nearest ancestor of this module whose package.json is ours. Works
 * from source (`server/` under vitest), from the build (`dist/`, `dist/chunks/`) and from
 * `node_modules/tagwarden/dist/`.
 * @example packageFile('dist', 'loader.js') // '/srv/app/node_modules/tagwarden/dist/loader.js'
 */
export function packageFile(...parts: string[]): string {
  root ??= findRoot(dirname(fileURLToPath(import.meta.url)))
  return join(root, ...parts)
}

function findRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json')
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'tagwarden') return dir
      } catch {
        // unreadable package.json: keep walking up
      }
    }
    if (dirname(dir) === dir) return process.cwd()
  }
}
