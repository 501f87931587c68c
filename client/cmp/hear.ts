import { on } from '../env'
import type { Seen } from '../types'

/**
 * Listen to a CMP's window event, first replaying the last one the loader heard before this chunk
 * arrived (`seen`, cmp-load.ts): a decision made while `{p}/cmp.js` was loading is not lost.
 */
export const hear = <E extends Event = CustomEvent>(type: string, f: (e: E) => unknown, seen: Seen): void => {
  if (seen[type]) f(seen[type] as E)
  on(type, f)
}
