// Money: the neutral amount (a number), and the decimal string Pinterest receives — never exponent notation, rounded to the
// currency's minor units, never negative (docs/money.md).

/** ISO 4217 minor units that are not 2 (docs/money.md "Minor units"); every other code has 2. */
const MINOR_UNITS: Readonly<Record<string, number>> = {
  BIF: 0, CLP: 0, DJF: 0, GNF: 0, ISK: 0, JPY: 0, KMF: 0, KRW: 0, PYG: 0, RWF: 0, UGX: 0, UYI: 0, VND: 0, VUV: 0, XAF: 0, XOF: 0, XPF: 0,
  BHD: 3, IQD: 3, JOD: 3, KWD: 3, LYD: 3, OMR: 3, TND: 3,
  CLF: 4, UYW: 4,
}

/**
 * Decimal places of a currency's minor unit (ISO 4217); 2 when the currency is unknown or absent.
 * @example minorUnits('JPY') // 0
 */
export const minorUnits = (currency: string | undefined): number => (currency ? MINOR_UNITS[currency.trim().toUpperCase()] : undefined) ?? 2

// One formatter per number of places. Intl formats a string input by its exact decimal digits and
// a number by its shortest round-trip digits (1.005 → "1.01"), never in exponent notation.
const formatters = [0, 1, 2, 3, 4].map(
  (places) => new Intl.NumberFormat('en-US', { useGrouping: false, maximumFractionDigits: places, roundingMode: 'halfExpand', signDisplay: 'negative' }),
)
/** Plain decimals with at most N places (the shortest round-trip text of most prices already is one). */
const PLAIN = [/^\d+$/, /^\d+(\.\d)?$/, /^\d+(\.\d{1,2})?$/, /^\d+(\.\d{1,3})?$/, /^\d+(\.\d{1,4})?$/]
/** What a money string may look like on the way in: a plain decimal, optionally signed. */
export const MONEY_TEXT = /^\s*[+-]?(\d+(\.\d*)?|\.\d+)\s*$/

/**
 * Money as the string Pinterest wants ("Accepted as a string in the request; it will be parsed
 * into a double", custom_data.value / contents[].item_price; docs/money.md): plain decimal digits,
 * rounded half away from zero to the currency's minor units (JPY 0, USD 2, KWD 3), trailing zeros
 * left out. Undefined for what is no amount (empty, not a number, infinite) and for a negative
 * amount: a conversion has no negative value, and Pinterest no way to take one back.
 * @example toMoneyString(1e21, 'USD') // '1000000000000000000000'
 * @example toMoneyString('19.999', 'USD') // '20'
 * @example toMoneyString(-5, 'USD') // undefined
 */
export function toMoneyString(value: number | string | undefined | null, currency?: string): string | undefined {
  if (value === undefined || value === null) return undefined
  const places = minorUnits(currency)
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) return undefined
    const text = String(value)
    return PLAIN[places].test(text) ? text : formatters[places].format(value)
  }
  if (!MONEY_TEXT.test(value) || value.trim().startsWith('-') && Number(value) !== 0) return undefined
  const text = value.trim().replace(/^[+-]/, '')
  return PLAIN[places].test(text) ? text.replace(/^0+(?=\d)/, '').replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '') : formatters[places].format(text as unknown as number)
}

/**
 * An amount as the neutral event keeps it: a finite, non-negative number (from a number or a
 * plain decimal string); undefined otherwise — a conversion has no negative value (docs/money.md).
 * Each destination rounds it to the currency's minor units when it writes it.
 * @example parseAmount('19.99') // 19.99
 * @example parseAmount(-5) // undefined
 */
export function parseAmount(value: number | string | undefined | null): number | undefined {
  if (value === undefined || value === null) return undefined
  if (typeof value === 'string' && !MONEY_TEXT.test(value)) return undefined
  const n = typeof value === 'number' ? value : Number(value.trim())
  return Number.isFinite(n) && n >= 0 ? n : undefined
}
