/**
 * `{p}/cmp.js`: the CMP adapters, loaded by the loader only on pages that have a CMP, `fbq` or
 * `ttq` (cmp-load.ts). It hands the loader a reader (`tagwarden._c`), which the loader calls on
 * every re-decision and poll with its config, its change callback, the CMP events it heard
 * meanwhile and what the pixel wrappers need from it (`Io`; they come in `{p}/px.js`, px-load.ts).
 * Loaded without the loader, it does nothing.
 */
import { adapters } from './cmp/index'
import { readAll } from './cmp/read'
import { W } from './env'
import { runPixels } from './px-load'

W.tagwarden?._c?.((changed, seen, config, io) => (runPixels(io, config, changed), readAll(adapters, changed, seen, config)))
