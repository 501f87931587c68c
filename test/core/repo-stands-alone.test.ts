import { describe, expect, it } from 'vitest'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { basename, join, relative } from 'node:path'
import { execFileSync } from 'node:child_process'

// The repository stands on its own: every fact a comment relies on is in docs/, and a citation
// names a file of this repository (and, where it quotes a section, a heading that file has).
// This file names the forbidden citations only as patterns, so it does not trip itself.

const ROOT = join(__dirname, '..', '..')
const DIRS = ['server', 'client', 'test', 'bench', 'docs', '.ci']
const TEXT = /\.(ts|mts|mjs|js|md|json|sh)$|^run$/
const SELF = relative(ROOT, __filename)

function walk(dir: string, out: string[]): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && entry.name !== 'dist') walk(path, out)
    } else if (TEXT.test(entry.name)) out.push(path)
  }
  return out
}

/**
 * The repository's files: what git tracks or would add (ignored output such as bench/results/ is not
 * the repository), root files included; without git (an unpacked tarball), a walk of the source dirs.
 */
function repoFiles(): string[] {
  try {
    const listed = execFileSync('git', ['ls-files', '-co', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
    return listed.split('\n').filter((p) => p && TEXT.test(basename(p)) && p !== 'package-lock.json' && existsSync(join(ROOT, p)))
  } catch {
    return [...DIRS.flatMap((d) => (existsSync(join(ROOT, d)) ? walk(join(ROOT, d), []) : [])), join(ROOT, 'README.md')].map((path) => relative(ROOT, path))
  }
}

const files = repoFiles().filter((path) => path !== SELF)
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8')

/** Documents that live outside the repository, and paths on a developer's machine. */
const OUTSIDE: Array<[RegExp, string]> = [
  [/\bDESIGN\b/, 'the design document is not in the repository'],
  [/\bSTYLE\b/, 'the style guide is not in the repository'],
  [/api-and-tag\.md/, 'research notes that are not in the repository'],
  [/(?<![\w/-])consent\.md/, 'research notes that are not in the repository (docs/consent-signals.md is)'],
  [/§[A-G]\d?\b/, "a section of research notes that are not in the repository"],
  [/(?<![\w.-])\/(work|home|Users|root|mnt)\//, 'a path on some machine'],
]

/**
 * Comment text as one line: a citation wrapped over two comment lines (`docs/x.md "Event
 *  data"`) reads as one.
 */
const flatten = (text: string) => text.replace(/[ \t]*\r?\n[ \t]*(?:\*(?!\/)|\/\/|#)?[ \t]*/g, ' ')

/** `docs/<file>.md`, optionally followed by a quoted section or a `§N` numbered section. */
const CITATION = /(?<![\w./-])docs\/([\w.-]+\.md)(?:\s+"([^"]{1,80})"|\s+§(\d+))?/g

/** The headings of a markdown file, without their `#` marks and without a `N. ` number. */
function headings(doc: string): { names: Set<string>; numbers: Set<string> } {
  const names = new Set<string>()
  const numbers = new Set<string>()
  for (const line of read(doc).split('\n')) {
    const m = /^#{1,6}\s+(?:(\d+)\.\s+)?(.+?)\s*$/.exec(line)
    if (!m) continue
    if (m[1]) numbers.add(m[1])
    names.add(m[2]!.toLowerCase())
  }
  return { names, numbers }
}

describe('the repository stands on its own', () => {
  it('reads the files it checks', () => {
    expect(files.length).toBeGreaterThan(100)
    expect(files).toContain('README.md')
    expect(files).toContain('server/app.ts')
  })

  it('cites no document and no path outside the repository', () => {
    const found: string[] = []
    for (const file of files) {
      read(file)
        .split('\n')
        .forEach((line, i) => {
          for (const [pattern, why] of OUTSIDE) {
            if (pattern.test(line)) found.push(`${file}:${i + 1}: ${why}: ${line.trim().slice(0, 120)}`)
          }
        })
    }
    expect(found).toEqual([])
  })

  it('cites only docs/ files that exist, and only sections they have', () => {
    const found: string[] = []
    let citations = 0
    for (const file of files) {
      for (const m of flatten(read(file)).matchAll(CITATION)) {
        citations++
        const [cited, name, section, number] = m
        const doc = `docs/${name}`
        if (!existsSync(join(ROOT, doc))) {
          found.push(`${file}: ${cited}: no such file`)
          continue
        }
        const { names, numbers } = headings(doc)
        if (section !== undefined && !names.has(section.toLowerCase())) found.push(`${file}: ${cited}: no such heading`)
        if (number !== undefined && !numbers.has(number)) found.push(`${file}: ${cited}: no section numbered ${number}`)
      }
    }
    expect(citations).toBeGreaterThan(50)
    expect(found).toEqual([])
  })

  it('lists every docs/ markdown file in the README "Docs" table', () => {
    const table = /\n## Docs\n([\s\S]*?)\n## /.exec(read('README.md'))?.[1] ?? ''
    const listed = [...table.matchAll(/^\| \[docs\/([\w.-]+\.md)\]/gm)].map((m) => m[1])
    const docs = readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md'))
    expect(listed.sort()).toEqual(docs.sort())
  })
})
