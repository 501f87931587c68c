// Lua scripts for the Redis outbox. Each runs atomically on the server, so claiming an event_id and
// persisting the event, leasing a segment, and recording outcomes are each one indivisible step.
// Key layout under the prefix `tagwarden:q:{<dest>}:` (one hash tag per destination):
//   ready         ZSET  segment id → time it may be leased (now + lease while leased, retry time after a failure)
//   seg:<id>      HASH  event_id → item JSON (one segment per group commit)
//   lease:<id>    STR   owner token, PX = lease (expires when its instance dies)
//   idem:<event>  STR   q (queued) | s (sent) | d (dead), with a TTL
//   dead          HASH  event_id → dead letter JSON
//   count         STR   events waiting (for health)
//   hold          STR   do-not-send-before (ms), shared Retry-After

/** ARGV: prefix, segment, now, queuedTtlMs, mode (claim|replay), then id, json pairs. Returns 1 fresh | 2 sent | 3 queued | 4 no dead letter. */
export const COMMIT = `
local p, seg, now, ttl, mode = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local out, added = {}, 0
for i = 6, #ARGV, 2 do
  local id, json = ARGV[i], ARGV[i + 1]
  local ik = p .. 'idem:' .. id
  local code = 0
  if mode == 'claim' then
    if redis.call('SET', ik, 'q', 'NX', 'PX', ttl) then code = 1 else code = 3 end
  else
    local v = redis.call('GET', ik)
    if redis.call('HEXISTS', p .. 'dead', id) == 0 then code = 4
    elseif v == 's' then code = 2
    elseif v == 'q' then code = 3
    else redis.call('HDEL', p .. 'dead', id); redis.call('SET', ik, 'q', 'PX', ttl); code = 1 end
  end
  if code == 1 then redis.call('HSET', p .. 'seg:' .. seg, id, json); added = added + 1 end
  out[#out + 1] = code
end
if added > 0 then
  redis.call('ZADD', p .. 'ready', now, seg)
  redis.call('INCRBY', p .. 'count', added)
end
return out`

/** ARGV: prefix, now, before ('+inf' to ignore retry delays), leaseMs, token, maxItems. Returns [segment, {json…}, …]. */
export const LEASE = `
local p, now, before, leaseMs, token, maxItems = ARGV[1], tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[4]), ARGV[5], tonumber(ARGV[6])
local out, total = {}, 0
for _, seg in ipairs(redis.call('ZRANGEBYSCORE', p .. 'ready', '-inf', before, 'LIMIT', 0, 200)) do
  if total >= maxItems then break end
  local lk, sk = p .. 'lease:' .. seg, p .. 'seg:' .. seg
  if redis.call('SET', lk, token, 'NX', 'PX', leaseMs) then
    local kv, items, dropped = redis.call('HGETALL', sk), {}, 0
    for i = 1, #kv, 2 do
      if redis.call('GET', p .. 'idem:' .. kv[i]) == 's' then
        redis.call('HDEL', sk, kv[i]); dropped = dropped + 1
      else items[#items + 1] = kv[i + 1] end
    end
    if dropped > 0 then redis.call('DECRBY', p .. 'count', dropped) end
    if #items == 0 then
      redis.call('ZREM', p .. 'ready', seg); redis.call('DEL', lk, sk)
    else
      redis.call('ZADD', p .. 'ready', now + leaseMs, seg)
      out[#out + 1] = seg; out[#out + 1] = items
      total = total + #items
    end
  end
end
return out`

/** ARGV: prefix, now, leaseMs, token, segments…. Returns 1 when every lease was still held. */
export const RENEW = `
local p, now, leaseMs, token = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
local held = 1
for i = 5, #ARGV do
  local lk = p .. 'lease:' .. ARGV[i]
  if redis.call('GET', lk) == token then
    redis.call('PEXPIRE', lk, leaseMs); redis.call('ZADD', p .. 'ready', 'XX', now + leaseMs, ARGV[i])
  else held = 0 end
end
return held`

/**
 * ARGV: prefix, segment, token, sentTtlMs, notBefore, keep (1 = record only, the lease stays), nSent,
 * sent ids…, nDead, (id, json)…, nRetry, (id, json)…. Sent and dead marks are written whether or not
 * the lease is still held: they are facts.
 */
export const SETTLE = `
local p, seg, token, ttl, notBefore, keep = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local sk, lk = p .. 'seg:' .. seg, p .. 'lease:' .. seg
local i, removed = 7, 0
local nSent = tonumber(ARGV[i]); i = i + 1
for k = 1, nSent do
  redis.call('SET', p .. 'idem:' .. ARGV[i], 's', 'PX', ttl)
  removed = removed + redis.call('HDEL', sk, ARGV[i]); i = i + 1
end
local nDead = tonumber(ARGV[i]); i = i + 1
for k = 1, nDead do
  redis.call('HSET', p .. 'dead', ARGV[i], ARGV[i + 1])
  redis.call('SET', p .. 'idem:' .. ARGV[i], 'd', 'PX', ttl)
  removed = removed + redis.call('HDEL', sk, ARGV[i]); i = i + 2
end
local nRetry = tonumber(ARGV[i]); i = i + 1
for k = 1, nRetry do
  if redis.call('HEXISTS', sk, ARGV[i]) == 1 then redis.call('HSET', sk, ARGV[i], ARGV[i + 1]) end
  i = i + 2
end
if removed > 0 then redis.call('DECRBY', p .. 'count', removed) end
local empty = redis.call('HLEN', sk) == 0
if keep ~= '1' and redis.call('GET', lk) == token then
  redis.call('DEL', lk)
  if not empty then redis.call('ZADD', p .. 'ready', notBefore, seg) end
end
if empty then redis.call('ZREM', p .. 'ready', seg); redis.call('DEL', sk) end
return removed`
