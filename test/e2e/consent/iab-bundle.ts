// Bundles the IAB's CMP libraries (iab-entry.mjs) into one browser script with rollup, once per
// test process: the consent scenarios serve it to their pages as `/iab/cmp.js`.
import { nodeResolve } from '@rollup/plugin-node-resolve'
import terser from '@rollup/plugin-terser'
import { rollup } from 'rollup'

let bundled: Promise<string> | undefined

export function bundleIab(): Promise<string> {
  bundled ??= (async () => {
    const build = await rollup({
      input: new URL('./iab-entry.mjs', import.meta.url).pathname,
      // Minified: a page on a busy machine parses it faster, so the scenarios' timing stays the page's.
      plugins: [nodeResolve({ browser: true }), terser()],
      // The libraries' own import cycles are harmless; nothing else is expected.
      onwarn: (w) => {
        if (w.code !== 'CIRCULAR_DEPENDENCY') throw new Error(`[consent e2e] bundling the IAB libraries: ${w.message}`)
      },
    })
    const { output } = await build.generate({ format: 'iife' })
    await build.close()
    return output[0].code
  })()
  return bundled
}
