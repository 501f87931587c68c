import { parseConfig, type Config } from '../config'
import { readConfigFile } from '../config-file'

/** Config from process.env plus the optional TAGWARDEN_CONFIG file. */
export async function loadConfig(env: Record<string, string | undefined> = process.env): Promise<Config> {
  return parseConfig(env, await readConfigFile(env.TAGWARDEN_CONFIG))
}
