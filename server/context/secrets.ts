import { randomBytes } from 'node:crypto'
import type { Storage } from 'unstorage'
import type { Config, SigningKey } from '../config'
import type { Logger } from '../log'

const KEY = 'meta:dev-secret'

/**
 * The signing keys for tw_ctx. Configured keys win; in development a missing TAGWARDEN_SECRET is
 * generated once and kept in storage (so cookies survive restarts), with a warning. Production
 * without a secret never gets here: config parsing refuses it.
 */
export async function resolveSecrets(config: Config, storage: Storage, log: Logger): Promise<SigningKey[]> {
  if (config.secrets.length) return config.secrets
  let stored = await storage.getItem<SigningKey>(KEY)
  if (!stored?.secret || stored.secret.length < 32) {
    stored = { kid: 'dev', secret: randomBytes(32).toString('base64url') }
    await storage.setItem(KEY, stored)
    log.warn('[tagwarden] TAGWARDEN_SECRET is not set: generated a development key and kept it in storage. Set TAGWARDEN_SECRET in production.')
  } else {
    log.warn('[tagwarden] TAGWARDEN_SECRET is not set: using the development key kept in storage. Set TAGWARDEN_SECRET in production.')
  }
  return [stored]
}
