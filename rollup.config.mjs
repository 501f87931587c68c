// Builds the server (ESM, dependencies stay external) and the browser files (minified IIFEs: the loader and its CMP chunk).
import typescript from '@rollup/plugin-typescript'
import terser from '@rollup/plugin-terser'
import { dts } from 'rollup-plugin-dts'
import { existsSync } from 'node:fs'
import { gzipSync } from 'node:zlib'
import { builtinModules } from 'node:module'
import pkg from './package.json' with { type: 'json' }

const external = [
  ...builtinModules,
  ...builtinModules.map((m) => `node:${m}`),
  ...Object.keys(pkg.dependencies ?? {}),
]
const isExternal = (id) => external.some((e) => id === e || id.startsWith(`${e}/`))

const ts = (opts = {}) =>
  typescript({ tsconfig: './tsconfig.json', include: ['server/**/*.ts', 'client/**/*.ts'], noEmitOnError: true, ...opts })

const builds = [
  {
    input: { index: 'server/index.ts', cli: 'server/cli.ts' },
    output: { dir: 'dist', format: 'esm', entryFileNames: '[name].js', chunkFileNames: 'chunks/[name]-[hash].js', banner: (chunk) => (chunk.name === 'cli' ? '#!/usr/bin/env node' : '') },
    external: isExternal,
    plugins: [ts()],
  },
  // The public types in one file (package.json "types"/"exports"): one file needs no relative
  // imports, so it resolves the same under every moduleResolution a consumer may use.
  // Members marked @internal (TagwardenApp.runtime: the services behind the routes) are left out.
  {
    input: 'server/index.ts',
    output: { file: 'dist/index.d.ts', format: 'es' },
    external: isExternal,
    plugins: [dts({ tsconfig: './tsconfig.json', compilerOptions: { stripInternal: true } })],
  },
]

// The browser files: the loader, the CMP adapters it loads only on pages with a CMP or a Meta/TikTok pixel
// (client/cmp-load.ts), and the pixel wrappers those load only on pages with fbq or ttq (client/px-load.ts).
// Browser code only (a server type error must not block it); ES2021 (`?.`, `||=`) runs in every
// browser since 2020; no "use strict" prologue (the modules are strict code already). The gzipped
// size is printed on every build (the budget: README "Loader size").
const browser = { 'loader.js': 'client/loader.ts', 'cmp.js': 'client/cmp-entry.ts', 'px.js': 'client/px-entry.ts' }
for (const [file, input] of Object.entries(browser)) {
  if (!existsSync(input)) continue
  builds.push({
    input,
    output: { file: `dist/${file}`, format: 'iife', sourcemap: false, strict: false },
    plugins: [
      ts({ include: ['client/**/*.ts'], compilerOptions: { target: 'ES2021' } }),
      terser({ ecma: 2021, compress: { passes: 3, pure_getters: true, global_defs: { __DEBUG__: false } }, mangle: { toplevel: true } }),
      {
        name: 'browser-size',
        writeBundle(_, bundle) {
          const { code } = bundle[file]
          console.log(`[tagwarden] dist/${file}: ${code.length} bytes, ${gzipSync(code, { level: 9 }).length} gzipped`)
        },
      },
    ],
  })
}

export default builds
