/**
 * `{p}/cmp.js`: the CMP adapters, loaded by the loader only on pages that have a CMP (cmp-load.ts).
 * It hands them to the loader's internal hook, which subscribes them and reads them from then on
 * exactly like built-in ones (config comes from the loader: `r(config)`). Loaded without the loader,
 * it does nothing.
 */
import { adapters } from './cmp/index'
import { W } from './env'

W.tagwarden?._c?.(adapters)
