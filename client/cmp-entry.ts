/**
 * `{p}/cmp.js`: the CMP adapters, loaded by the loader only on pages that have a CMP (cmp-load.ts).
 * It hands the loader a reader over them (`tagwarden._c`), which the loader calls on every
 * re-decision and poll with its config, its change callback and the CMP events it heard meanwhile.
 * Loaded without the loader, it does nothing.
 */
import { adapters } from './cmp/index'
import { readAll } from './cmp/read'
import { W } from './env'

W.tagwarden?._c?.((changed, seen, config) => readAll(adapters, changed, seen, config))
