import type { Destination } from './define-destination'
import { pinterestCapi } from './pinterest-capi'

/** Every batch destination, in dispatch order. Adding one = one file + one line here. */
export const destinations: Destination<any>[] = [pinterestCapi]

export { pinterestCapi }
export type { Destination } from './define-destination'
