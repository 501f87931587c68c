import { ConfigError, parseConfig, parseListen, type Config } from '../config'
import { readConfigFile } from '../config-file'

/**
 * Config from process.env plus the optional TAGWARDEN_CONFIG file; one ConfigError lists the
 * problems of both, and of PORT/HOST (where `serve` listens), so `tagwarden check` sees them all.
 */
export async function loadConfig(env: Record<string, string | undefined> = process.env): Promise<Config> {
  let file: Record<string, unknown> = {}
  let otherProblems: string[] = []
  try {
    parseListen(env)
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    otherProblems = error.problems
  }
  try {
    file = await readConfigFile(env.TAGWARDEN_CONFIG)
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    otherProblems = [...otherProblems, ...error.problems]
  }
  let config: Config
  try {
    config = parseConfig(env, file)
  } catch (error) {
    throw error instanceof ConfigError ? new ConfigError([...error.problems, ...otherProblems]) : error
  }
  if (otherProblems.length) throw new ConfigError(otherProblems)
  return config
}
