import { z } from 'zod'
import { CLICK_ID_KEY, NETWORK_FIELDS, PERSONAL_FIELDS } from '../event'
import type { ConsentSubject } from './types'
import type { ConsentFlag, FieldSelector } from './types'

const FLAG_VALUES = ['granted', 'denied', 'unset'] as const
const ACTIONS = ['allow', 'strip', 'restricted', 'suppress'] as const
const COUNTRY_OR_GROUP = /^([A-Z]{2}|EEA)$/
const DESTINATION_NAME = /^(\*|[a-z0-9][a-z0-9._-]{0,63})$/

const WHEN_KEYS = 'ad_storage, ad_user_data, ad_personalization, analytics_storage, decided, sale_opt_out, gpc, gdpr_applies, tcf_valid, tcf_purposes_missing, country, source'

const list = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value])

/** `"granted"`, `"denied"`, `"unset"`, `"not_granted"` (= denied or unset) or a list → the flags it matches. */
const flagMatch = z
  .union([z.enum([...FLAG_VALUES, 'not_granted']), z.array(z.enum(FLAG_VALUES)).min(1)], {
    error: 'expected "granted", "denied", "unset", "not_granted" or a list of the first three',
  })
  .transform((v): ConsentFlag[] => (v === 'not_granted' ? ['denied', 'unset'] : list(v)))

const countryCode = z
  .string()
  .transform((v) => v.trim().toUpperCase())
  .refine((v) => COUNTRY_OR_GROUP.test(v), { error: (i) => `${JSON.stringify(i.input)} is not a two-letter country code or "EEA"` })

/**
 * The `when` of a rule: every key given must match the normalized state; `{}` always matches.
 * Flag keys take `granted | denied | unset | not_granted` or a list; `decided` whether the flags
 * are a decision, not a default (normalize.ts `flagsDecided`); `tcf_purposes_missing`
 * matches when any listed purpose lacks consent in a valid TC string (no valid string = all missing).
 */
export const whenSchema = z.strictObject(
  {
    ad_storage: flagMatch.optional(),
    ad_user_data: flagMatch.optional(),
    ad_personalization: flagMatch.optional(),
    analytics_storage: flagMatch.optional(),
    decided: z.boolean().optional(),
    sale_opt_out: z.boolean().optional(),
    gpc: z.boolean().optional(),
    gdpr_applies: z.boolean().nullable().optional(),
    tcf_valid: z.boolean().optional(),
    tcf_purposes_missing: z.array(z.number().int().min(1).max(24)).min(1).optional(),
    country: z.union([countryCode, z.array(countryCode).min(1)]).transform(list).optional(),
    source: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).transform(list).optional(),
  },
  { error: (i) => (i.code === 'unrecognized_keys' ? `unknown key ${i.keys.map((k) => `"${k}"`).join(', ')}; expected ${WHEN_KEYS}` : undefined) },
)
export type RuleWhen = z.output<typeof whenSchema>

const NAMED_FIELDS: readonly string[] = ['identifiers', 'click_ids', ...PERSONAL_FIELDS, ...NETWORK_FIELDS]
const FIELDS_HINT = `"identifiers", "click_ids", ${[...PERSONAL_FIELDS, ...NETWORK_FIELDS].join(', ')} or a click id such as "pinterest.epik"`

/** An identifier selector (consent/types.ts `FieldSelector`): a group, a field name or a `platform.id` click id key. */
const fieldSelector = z.string().refine((f) => NAMED_FIELDS.includes(f) || CLICK_ID_KEY.test(f), {
  error: (issue) => `unknown identifier ${JSON.stringify(issue.input)}; expected ${FIELDS_HINT}`,
}) as unknown as z.ZodType<FieldSelector>

/** `ldp`, the earlier name of `restricted` (Pinterest's LDP is its restricted mode), is still read. */
const action = z.preprocess((v) => (v === 'ldp' ? 'restricted' : v), z.enum(ACTIONS, { error: `expected one of ${ACTIONS.join(', ')}` }))

/**
 * One rule: `when` → `action`; `fields` = identifiers to remove, for `strip` (default
 * `["identifiers"]`: every personal identifier and click id the destination declares) and
 * `restricted` (default none).
 */
export const ruleSchema = z
  .object({
    id: z.string().min(1).max(64).optional(),
    when: whenSchema.default({}),
    action,
    fields: z.array(fieldSelector).min(1, 'lists no identifier: leave "fields" out to strip every identifier the destination declares').optional(),
  })
  .strict()
  .superRefine((rule, ctx) => {
    if ((rule.action === 'allow' || rule.action === 'suppress') && rule.fields) {
      ctx.addIssue({ code: 'custom', path: ['fields'], message: `"fields" only applies to "strip" and "restricted", not "${rule.action}"` })
    }
  })
  .transform((rule) => (rule.action === 'strip' && !rule.fields ? { ...rule, fields: ['identifiers' as FieldSelector] } : rule))
export type ConsentRule = z.output<typeof ruleSchema>

const ruleList = z.array(ruleSchema).superRefine((rules, ctx) => {
  const seen = new Set<string>()
  rules.forEach((rule, i) => {
    if (rule.id && seen.has(rule.id)) ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `duplicate rule id "${rule.id}"` })
    if (rule.id) seen.add(rule.id)
  })
})

const regionKey = z
  .string()
  .transform((v) => v.trim().toUpperCase())
  .refine((v) => COUNTRY_OR_GROUP.test(v), { error: (i) => `region ${JSON.stringify(i.input)} is not a two-letter country code or "EEA"` })

const regionsSchema = z.record(regionKey, z.enum(['granted', 'denied'], { error: 'expected "granted" or "denied"' }))

const destinationName = z
  .string()
  .regex(DESTINATION_NAME, { error: (i) => `destination name ${JSON.stringify(i.input)} must be "*" or lowercase letters, digits, ".", "_", "-"` })

/**
 * The `consent` section of the JSON config file.
 * - `regions`: default consent (all four flags) per country or `"EEA"` (EEA + UK + CH) for events
 *   without an explicit decision; a country key beats `"EEA"`. Absent: `{ "EEA": "denied" }`.
 * - `rules`: per destination (`"*"` = any destination without its own list), an ordered rule
 *   list that replaces the shipped defaults for that destination.
 */
export const consentConfigSchema = z.strictObject(
  { regions: regionsSchema.optional(), rules: z.record(destinationName, ruleList).optional() },
  { error: (i) => (i.code === 'unrecognized_keys' ? `unknown key ${i.keys.map((k) => `"${k}"`).join(', ')}; expected "regions", "rules"` : undefined) },
)

export type ConsentConfig = z.output<typeof consentConfigSchema>
/**
 * The consent settings of one instance: the config file's section, plus what configured
 * destinations that no registered driver makes declare they need (destinations/index.ts
 * `consentSubjects`), so their shipped rules are theirs.
 */
export type ConsentSettings = ConsentConfig & { declared?: readonly ConsentSubject[] }

/**
 * What `createConsentPolicy` takes: the consent settings plus TAGWARDEN_DEFAULT_CONSENT, and the
 * browser tags the loader may load (destinations/index.ts `browserTagNames`; none by default).
 */
export type ConsentOptions = ConsentSettings & { defaultConsent: 'granted' | 'denied'; browserTags?: readonly string[] }

const formatPath = (path: readonly PropertyKey[]) =>
  path.reduce<string>((out, key) => (typeof key === 'number' ? `${out}[${key}]` : `${out}.${String(key)}`), 'consent')

/**
 * Parse the `consent` config section, throwing one error that lists every problem with its path.
 * @example parseConsentConfig({ regions: { US: 'granted' } })
 */
export function parseConsentConfig(input: unknown): ConsentConfig {
  const result = consentConfigSchema.safeParse(input ?? {})
  if (result.success) return result.data
  const problems = result.error.issues.map((issue) => {
    // A bad record key (region, destination) carries its own message one level down.
    const message = issue.code === 'invalid_key' ? issue.issues.map((i) => i.message).join('; ') : issue.message
    return `${formatPath(issue.path)}: ${message}`
  })
  throw new Error(`[tagwarden] [consent] invalid config:\n  ${problems.join('\n  ')}`)
}
