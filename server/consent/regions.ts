/**
 * Countries where opt-in consent law of the GDPR kind applies: the EU 27, the rest of the EEA
 * (Iceland, Liechtenstein, Norway), the United Kingdom (UK GDPR + PECR) and Switzerland (revFADP).
 * The region key `"EEA"` in the config means exactly this list.
 * https://eur-lex.europa.eu/EN/legal-content/glossary/european-economic-area-eea.html
 */
export const EEA_UK_CH = [
  'AT', 'BE', 'BG', 'HR', 'CY', 'CZ', 'DK', 'EE', 'FI', 'FR', 'DE', 'GR', 'HU', 'IE', 'IT', 'LV', 'LT',
  'LU', 'MT', 'NL', 'PL', 'PT', 'RO', 'SK', 'SI', 'ES', 'SE',
  'IS', 'LI', 'NO',
  'GB', 'CH',
] as const

/** The one region group name accepted next to country codes. */
export const EEA_GROUP = 'EEA'

const EEA_SET: ReadonlySet<string> = new Set(EEA_UK_CH)

/** True for a country in {@link EEA_UK_CH}. @example isEeaCountry('DE') // true */
export const isEeaCountry = (country: string): boolean => EEA_SET.has(country)

/**
 * Uppercase ISO 3166-1 alpha-2 code, or undefined for anything else (Cloudflare's `XX` unknown
 * and `T1` Tor included). @example normalizeCountry('de') // 'DE'
 */
export function normalizeCountry(value: string | undefined): string | undefined {
  const code = value?.trim().toUpperCase()
  return code && /^[A-Z]{2}$/.test(code) && code !== 'XX' ? code : undefined
}

/** True when `country` is one of `codes` (country codes or `EEA`). */
export function countryMatches(country: string | undefined, codes: readonly string[]): boolean {
  if (!country) return false
  return codes.some((code) => code === country || (code === EEA_GROUP && isEeaCountry(country)))
}

/**
 * The configured default for a country: an exact country key beats the `EEA` group.
 * @example regionDefault({ EEA: 'denied', IE: 'granted' }, 'IE') // 'granted'
 */
export function regionDefault<T>(regions: Readonly<Record<string, T>>, country: string | undefined): T | undefined {
  if (!country) return undefined
  if (Object.hasOwn(regions, country)) return regions[country]
  return isEeaCountry(country) && Object.hasOwn(regions, EEA_GROUP) ? regions[EEA_GROUP] : undefined
}
