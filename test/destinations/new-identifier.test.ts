// A destination that declares an identifier no rule names (a new platform's raw click id) gets it
// stripped under ad_user_data denied all the same: the shipped rule's `identifiers` means each
// destination's own declaration, so adding a platform needs no consent change.
import { afterEach, expect, it } from 'vitest'
import { z } from 'zod'
import type { TagwardenApp } from '../../server/app'
import { defineDestination } from '../../server/destinations/define-destination'
import type { CanonicalEvent } from '../../server/event'
import { acmeApi } from '../context/acme-driver'
import { buildApp } from '../helpers/build-app'
import { GRANTED, purchase } from './harnesses'

interface AcmeEvent { id: string; click?: string; browser?: string; ip?: string; ua?: string }

/** A made-up platform that sends its own click id and Meta's browser id raw. */
const acme = defineDestination({
  name: 'acme-capi',
  kind: 'batch',
  options: z.object({}).strict(),
  env: {},
  create: () => acmeApi(['acme.click', 'meta.fbp'], (e) => ({ id: e.event_id, click: e.user.ids?.['acme.click'], browser: e.user.ids?.['meta.fbp'], ip: e.user.client_ip_address, ua: e.user.client_user_agent })),
})

let tw: TagwardenApp
afterEach(() => tw?.close())

it('a newly declared raw identifier is stripped under ad_user_data denied, kept when granted', async () => {
  tw = await buildApp({}, { destinations: [acme()] })
  const nowS = Math.floor(Date.now() / 1000)
  const withIds = (id: string, consent: CanonicalEvent['consent']) => {
    const e = purchase(id, nowS, { consent })
    e.user.ids = { ...e.user.ids, 'acme.click': 'acme-click-123' }
    return e
  }
  await tw.runtime.ingest([
    withIds('granted-1', GRANTED),
    withIds('denied-1', { ad_storage: 'granted', ad_user_data: 'denied', ad_personalization: 'granted' }),
  ])
  await tw.runtime.dispatcher.flush()
  const payload = (id: string) => tw.runtime.journal.recent().find((e) => e.event_id === id)!.destinations['acme-capi'].payload as AcmeEvent
  expect(payload('granted-1')).toMatchObject({ click: 'acme-click-123', browser: 'fb.1.1767225600000.1098115397' })
  expect(payload('denied-1')).toEqual({ id: 'denied-1', click: undefined, browser: undefined, ip: '203.0.113.7', ua: 'Mozilla/5.0 (X11; Linux x86_64)' })
})
