import type { LoaderConfig } from './config'
import { assign, D, W } from './env'
import type { Io, Tagwarden } from './types'

let asked: unknown

/**
 * In the CMP chunk, on every read: a page with Meta's `fbq` or TikTok's `ttq` gets `{p}/px.js` once
 * (the loader loads the chunk for those globals too: client/cmp-load.ts), and once that is here it
 * runs with what the loader lends (`Io`); `tagwarden._u` lets it ask for a read as it arrives. A page with only a CMP never downloads the pixel code.
 */
export function runPixels(io: Io, config: LoaderConfig, changed: () => void): void {
  const t = W.tagwarden as Tagwarden
  t._u = changed
  if (!asked && ('fbq' in W || 'ttq' in W)) (asked = 1), D.head.append(assign(D.createElement('script'), { src: config.p + '/px.js' }))
  t._x?.(io, config)
}
