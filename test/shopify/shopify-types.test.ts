// Shopify's published pixel types (@shopify/web-pixels-extension, a pinned devDependency used for
// types only) against the wire schema: every event Shopify types can be read by the schema's shape
// (checked by tsc in `npm test`), and the fixtures are Shopify-typed events.
import type { z } from 'zod'
import { describe, expect, it } from 'vitest'
import type {
  PixelEventsCheckoutCompletedData, PixelEventsCheckoutContactInfoSubmittedData, PixelEventsCheckoutStartedData, PixelEventsCollectionViewedData,
  PixelEventsPageViewedData, PixelEventsPaymentInfoSubmittedData, PixelEventsProductAddedToCartData, PixelEventsProductViewedData, PixelEventsSearchSubmittedData,
  CustomerPrivacyPayload,
} from '@shopify/web-pixels-extension'
import { customerPrivacySchema, PIXEL_DATA, pixelBodySchema } from '../../server/shopify/pixel-body'
import { loadPixelFixture } from '../fakes/shopify-pixel-sandbox'
import { snippetPosts } from './helpers'

type In<N extends keyof typeof PIXEL_DATA> = z.input<(typeof PIXEL_DATA)[N]>
/** Compiles only when Shopify's type for an event's data fits what the schema reads (extra fields are the snippet's to drop). */
type Fits<Shopify, Ours> = Shopify extends Ours ? true : never
const fits: Record<keyof typeof PIXEL_DATA, true> = {
  // Shopify's PixelEventsPageViewedData is an empty interface, ours an empty strict object: nothing to read.
  page_viewed: true satisfies (keyof PixelEventsPageViewedData extends never ? true : never),
  product_viewed: true satisfies Fits<PixelEventsProductViewedData, In<'product_viewed'>>,
  collection_viewed: true satisfies Fits<PixelEventsCollectionViewedData, In<'collection_viewed'>>,
  search_submitted: true satisfies Fits<PixelEventsSearchSubmittedData, In<'search_submitted'>>,
  product_added_to_cart: true satisfies Fits<PixelEventsProductAddedToCartData, In<'product_added_to_cart'>>,
  checkout_started: true satisfies Fits<PixelEventsCheckoutStartedData, In<'checkout_started'>>,
  checkout_contact_info_submitted: true satisfies Fits<PixelEventsCheckoutContactInfoSubmittedData, In<'checkout_contact_info_submitted'>>,
  payment_info_submitted: true satisfies Fits<PixelEventsPaymentInfoSubmittedData, In<'payment_info_submitted'>>,
  checkout_completed: true satisfies Fits<PixelEventsCheckoutCompletedData, In<'checkout_completed'>>,
}
const privacyFits: Fits<CustomerPrivacyPayload['customerPrivacy'], z.input<typeof customerPrivacySchema>> = true

describe('Shopify\'s published pixel types', () => {
  it('fit the wire schema for every mapped event (a compile-time check; this names them)', () => {
    expect(Object.keys(fits)).toEqual(Object.keys(PIXEL_DATA))
    expect(privacyFits).toBe(true)
  })

  it('the fixtures are Shopify-typed events and the snippet\'s copy of each validates strictly', async () => {
    const checkout = loadPixelFixture('checkout_completed').data as PixelEventsCheckoutCompletedData
    const { posts } = await snippetPosts([loadPixelFixture('checkout_completed')])
    const body = pixelBodySchema.parse(JSON.parse(posts[0].init.body as string))
    expect(body.event.data).toMatchObject({ checkout: { token: checkout.checkout.token, order: { id: checkout.checkout.order?.id } } })
  })
})
