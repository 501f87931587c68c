// The /tw/ctx bodies a stress round posts at once, each carrying one field, so a lost update shows
// as a missing field (ctx-route.test.ts on one instance, ctx-two-instances.test.ts across two).

/** Round `n`'s bodies: click id, email, cart, a GPC opt-out and pin_unauth, each on its own. */
export const racingBodies = (n: number): Record<string, unknown>[] => [
  { epik: `e-${n}`, epik_src: 'url' },
  { em: `shopper${n}@example.com` },
  // A cart update replaces the tokens (the loader sends the whole cart it knows).
  { cart: { token: `cart-${n}`, checkout_token: `co-${n}` } },
  { consent: [{ source: 'gpc', gpc: true, sale_opt_out: true }] },
  { pin_unauth: `pu-${n}` },
]
