import { readFile } from 'node:fs/promises'
import { ConfigError } from './config'

/**
 * Read the optional JSON config file named by TAGWARDEN_CONFIG (consent rules and other
 * structured settings). A missing or malformed file stops the process with a clear message.
 */
export async function readConfigFile(path: string | undefined): Promise<Record<string, unknown>> {
  if (!path) return {}
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    throw new ConfigError([`TAGWARDEN_CONFIG: cannot read "${path}": ${(error as Error).message}`])
  }
  try {
    const value: unknown = JSON.parse(text)
    if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error('the top level must be an object')
    return value as Record<string, unknown>
  } catch (error) {
    throw new ConfigError([`TAGWARDEN_CONFIG: "${path}" is not valid JSON: ${(error as Error).message}`])
  }
}
