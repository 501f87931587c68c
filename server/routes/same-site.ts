import { HTTPError, type H3Event } from 'h3'

/**
 * Refuse a browser request another site made (`Sec-Fetch-Site: cross-site`): without this, any page
 * could post consent or events in a shopper's name with a text/plain beacon (no CORS preflight).
 * Requests without the header (older browsers, server-side callers) pass.
 * https://www.w3.org/TR/fetch-metadata/#sec-fetch-site-header
 */
export function assertNotCrossSite(event: H3Event): void {
  if (event.req.headers.get('sec-fetch-site') === 'cross-site') {
    throw new HTTPError({ status: 403, message: 'cross-site request refused: post from the shop\'s own pages' })
  }
}
