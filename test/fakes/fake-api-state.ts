// The test-facing object every fake platform API returns (FakeApi) and the state behind it: records
// of accepted events and of requests, queued one-off answers, rejected event ids, the required
// credential, and the fault gate of fake-http.ts.
import type { Server } from 'node:http'
import { closeServer, createFaultGate, type FaultGate, type Faults } from './fake-http'

/** A one-off answer a test queues for the next request. */
export interface Answer { status: number; headers?: Record<string, string>; body?: unknown }

/** The switches and records every fake platform API offers its tests. */
export interface FakeApi<R, Q> {
  url: string
  /** Every event accepted, in order. */
  received: R[]
  /** Every request, valid or not, as the fake logged it. */
  requests: Q[]
  /** Requests whose client disconnected before they were processed (never recorded). */
  readonly dropped: number
  /** The credential of each request being held right now (delay or freeze). */
  readonly held: string[]
  setFaults(faults: Faults): void
  /** Hold every request (after its body arrived) until `thaw()`; clients that leave meanwhile are dropped. */
  freeze(): void
  thaw(): void
  /** Queue one-off answers for the next requests (after the route and credential checks). */
  failNext(...answers: Answer[]): void
  /** Make events with these event_ids fail, each platform in its own way. */
  rejectEventIds(ids: string[], message?: string): void
  /** Refuse any credential other than this one ('' = accept any). */
  requireToken(token: string): void
  countById(id: string): number
  /** Clear records, queued answers, rejections, the credential and the faults. */
  reset(): void
  close(): Promise<void>
}

/** The state behind FakeApi, shared by a fake's request handler and its test-facing object. */
export interface FakeState<R, Q> {
  gate: FaultGate
  received: R[]
  requests: Q[]
  answers: Answer[]
  isRejected(eventId: unknown): boolean
  readonly rejectMessage: string
  readonly token: string
  /** The FakeApi over this state, once the server listens. */
  expose(url: string, server: Server): FakeApi<R, Q>
}

export function createFakeState<R extends { event: Record<string, any> }, Q>(defaultRejectMessage: string): FakeState<R, Q> {
  const gate = createFaultGate()
  const received: R[] = []
  const requests: Q[] = []
  const answers: Answer[] = []
  let rejected = new Set<unknown>()
  let rejectMessage = defaultRejectMessage
  let token = ''
  return {
    gate,
    received,
    requests,
    answers,
    isRejected: (id) => rejected.has(id),
    get rejectMessage() { return rejectMessage },
    get token() { return token },
    expose: (url, server) => ({
      url,
      received,
      requests,
      get dropped() { return gate.dropped },
      get held() { return gate.held },
      setFaults: (f) => gate.set(f),
      freeze: () => gate.freeze(),
      thaw: () => gate.thaw(),
      failNext: (...a) => void answers.push(...a),
      rejectEventIds: (ids, message) => {
        rejected = new Set(ids)
        if (message) rejectMessage = message
      },
      requireToken: (t) => void (token = t),
      countById: (id) => received.filter((r) => r.event.event_id === id).length,
      reset: () => {
        received.length = 0
        requests.length = 0
        answers.length = 0
        rejected = new Set()
        rejectMessage = defaultRejectMessage
        token = ''
        gate.set({})
      },
      close: () => closeServer(server),
    }),
  }
}
