import { afterAll, beforeAll, describe } from 'vitest'
import { Redis } from 'ioredis'
import { createRedisQueue } from '../../server/delivery/redis-queue'
import { redisAvailability, startRedis, type RedisServer } from '../helpers/redis'
import { queueContract } from './queue-contract'

const mode = redisAvailability()

describe.skipIf(mode === 'skip')('Redis outbox store (real redis-server)', () => {
  let server: RedisServer
  const clients: Redis[] = []
  beforeAll(async () => { server = await startRedis() })
  afterAll(async () => {
    for (const c of clients) c.disconnect()
    await server?.stop()
  })
  const client = () => {
    const c = new Redis(server.url)
    clients.push(c)
    return c
  }

  queueContract(async (now) => {
    const admin = client()
    await admin.flushall()
    return { queue: createRedisQueue(client(), { now }), reopen: async () => createRedisQueue(client(), { now }), cleanup: async () => {} }
  })
})
