import type { Call, Tagwarden } from './types'

/** What the TCF CMP API's `addEventListener` callback gets (IAB "CMP API v2" TCData; docs/consent-signals.md §1). */
export interface TcData {
  eventStatus: string
  gdprApplies?: boolean
  tcString: string
  purpose?: { consents: Record<number, boolean> }
}

/** GPP CMP API `pingData` (IAB GPP "CMP API Specification" PingReturn; docs/consent-signals.md §2). */
export interface GppPing {
  signalStatus: string
  gppString: string
  applicableSections: number[]
  parsedSections?: object
}

/** Usercentrics v3 consent details (`UC_CONSENT` detail, `__ucCmp.getConsentDetails()`) or v2 `consent_status`. */
export interface UcDetails {
  categories?: Record<string, { state: string }>
  ucCategory?: Record<string, boolean | null>
}

interface Didomi {
  isConsentRequired(): boolean
  getCurrentUserStatus(): { vendors?: Record<string, { enabled?: boolean }> }
}

/**
 * The page globals the loader reads or writes: Pinterest's `pintrk`, its own `tagwarden`, and each
 * CMP's browser API (docs/consent-signals.md §5), only as far as the loader uses them.
 */
export interface Globals {
  pintrk?: ((...a: unknown[]) => unknown) & { queue?: Call[] }
  /** Meta's pixel (docs/meta-capi.md §7) and its alias `_fbq`; TikTok's, an array queue with methods (docs/tiktok-events.md §9). */
  fbq?: unknown
  _fbq?: unknown
  ttq?: unknown
  tagwarden?: Partial<Tagwarden>
  isSecureContext?: boolean
  /** gtag pushes its `arguments`: `['consent', 'default' | 'update', {...}]` (docs/consent-signals.md §3). */
  dataLayer?: (Record<number, unknown> | undefined)[]
  __tcfapi?: (command: string, version: number, cb: (d: TcData, ok: boolean) => void) => void
  __gpp?: (command: string, cb: (e: { pingData?: GppPing }, ok: boolean) => void) => void
  Shopify?: {
    customerPrivacy?: { marketingAllowed(): boolean; saleOfDataAllowed(): boolean }
    loadFeatures?: (features: { name: string; version: string }[], cb: () => void) => void
  }
  OnetrustActiveGroups?: string
  /** OneTrust's embed code defines it before the SDK loads; the SDK calls it on load and change. */
  OptanonWrapper?: () => void
  Cookiebot?: { consent?: { marketing: boolean }; hasResponse?: boolean }
  __ucCmp?: { getConsentDetails(): Promise<UcDetails> }
  Didomi?: Didomi
  didomiOnReady?: (() => void)[]
  didomiEventListeners?: { event: string; listener: () => void }[]
}
