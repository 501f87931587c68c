/**
 * Pinterest's Limited Data Processing flag (docs/pinterest-capi.md "LDP"): `opt_out_type: "LDP"` on
 * a Conversions API event, `pd[opt_out_type]=LDP` on a tag beacon. "We only process opt-outs if
 * the value passed is LDP"; several values are separated by commas.
 */
export const LDP = 'LDP'

/** True when an `opt_out_type` (comma-separated) asks for LDP: the sender wants restricted processing. */
export const asksRestricted = (optOutType: string | undefined): boolean =>
  !!optOutType && optOutType.split(',').some((t) => t.trim().toUpperCase() === LDP)
