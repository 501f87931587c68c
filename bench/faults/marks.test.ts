// Remembered event_ids at and past the default cap (2,000,000): CPU per event for each burst of
// 500,000 new finished ids (one lookup and one insert each, as an accepted then delivered event
// costs). Prints one line per burst; asserts nothing.
//   npx vitest run --config bench/faults/vitest.config.ts -t marks
import { it } from 'vitest'
import { appendFileSync } from 'node:fs'
import { createMarks } from '../../server/delivery/idempotency'

it('marks past the cap', () => {
  let t = 1_800_000_000_000
  const marks = createMarks(() => t, 48 * 3_600_000, 2_000_000)
  const D = 'pinterest-capi'
  const BURST = 500_000
  const heap0 = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers
  const bursts = Number(process.env.MARKS_BURSTS ?? 7)
  for (let burst = 0, n = 0; burst < bursts; burst++) {
    const start = process.cpuUsage()
    for (let i = 0; i < BURST; i++, n++) {
      const id = `evt-${n.toString(36)}-${(n * 2654435761) % 1e9}`
      if (marks.get(D, id)) throw new Error('unexpected duplicate')
      marks.set(D, id, 'sent')
      if (i % 1000 === 0) t += 1
    }
    const used = process.cpuUsage(start)
    const mem = process.memoryUsage()
    const line = `[marks] burst ${burst + 1}: ids ${(n / 1e6).toFixed(1)} M, ${((used.user + used.system) / BURST).toFixed(2)} µs CPU per event, heap + buffers ${Math.round((mem.heapUsed + mem.arrayBuffers - heap0) / 2 ** 20)} MB, forgotten early ${marks.droppedEarly()}`
    console.log(line)
    // Also to a file as it goes (MARKS_OUT), for runs that take long.
    if (process.env.MARKS_OUT) appendFileSync(process.env.MARKS_OUT, `${line}\n`)
  }
})
