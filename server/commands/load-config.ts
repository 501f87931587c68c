import { ConfigError, parseConfig, type Config } from '../config'
import { readConfigFile } from '../config-file'

/** Config from process.env plus the optional TAGWARDEN_CONFIG file; one ConfigError lists the problems of both. */
export async function loadConfig(env: Record<string, string | undefined> = process.env): Promise<Config> {
  let file: Record<string, unknown> = {}
  let fileProblems: string[] = []
  try {
    file = await readConfigFile(env.TAGWARDEN_CONFIG)
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    fileProblems = error.problems
  }
  let config: Config
  try {
    config = parseConfig(env, file)
  } catch (error) {
    throw error instanceof ConfigError ? new ConfigError([...error.problems, ...fileProblems]) : error
  }
  if (fileProblems.length) throw new ConfigError(fileProblems)
  return config
}
