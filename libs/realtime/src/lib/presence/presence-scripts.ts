/**
 * Lua scripts of the Redis presence store. Each one touches keys of a single hash tag (a channel's
 * tag, or `{presence}` for scheduling and leases), so each is atomic on its own and the store also
 * runs on Redis Cluster. Time always comes from Redis (`TIME`), so gateways and presence replicas
 * never compare their own clocks.
 *
 * Steps that span two tags are ordered so that a process dying between them leaves a state the
 * reaper or a later evaluation repairs (see docs/design/presence.md, "Crash windows").
 */

const PRELUDE = `
local function nowMs()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function fmt(n) return string.format('%.0f', n) end
`;

/**
 * {presence}: adds a connection entry to a lease's set, only while the lease is live.
 * KEYS: leases, leaseConns. ARGV: lease, entry. Returns 1, or 0 when the lease is expired or gone
 * (the gateway must take a new lease first).
 */
export const INDEX_JOIN_LUA = `${PRELUDE}
local s = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not s or tonumber(s) < nowMs() then return 0 end
redis.call('SADD', KEYS[2], ARGV[2])
return 1
`;

/**
 * Channel tag: records a connection of a client in the channel under a lease (and which client it
 * belongs to). A connection already recorded under another lease (its gateway took a new one) is
 * handed over without being counted twice. KEYS: connLeases, clientConns, connClients. ARGV:
 * connectionID, lease, clientID. Returns 1 when the client gained a connection.
 */
export const CHANNEL_JOIN_LUA = `
local prev = redis.call('HGET', KEYS[1], ARGV[1])
if prev == ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[3], ARGV[1], ARGV[3])
if prev then return 0 end
redis.call('HINCRBY', KEYS[2], ARGV[3], 1)
return 1
`;

/**
 * Channel tag: removes a connection if the given lease still holds it, and records when it ended
 * (the latest end of any of the client's connections starts its grace period). KEYS: connLeases,
 * clientConns, leftAt, connClients. ARGV: connectionID, lease, clientID, endedAt (unix ms, empty =
 * now). Returns 1 when removed.
 */
export const CHANNEL_LEAVE_LUA = `${PRELUDE}
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[4], ARGV[1])
local ended = tonumber(ARGV[4]) or nowMs()
local prev = tonumber(redis.call('HGET', KEYS[3], ARGV[3]) or '0')
if ended > prev then redis.call('HSET', KEYS[3], ARGV[3], fmt(ended)) end
if redis.call('HINCRBY', KEYS[2], ARGV[3], -1) <= 0 then redis.call('HDEL', KEYS[2], ARGV[3]) end
return 1
`;

/**
 * Channel tag: the transition rules for one client, with the announcement published in the same
 * atomic step (SPUBLISH on the channel room's shard channel, which hashes to the channel's slot).
 * KEYS: clientConns, online, leftAt, offline. ARGV: clientID, graceMs, offlineKeep,
 * offlineRetentionMs, shardChannel, template part 1, 2, 3 (part1 + status + part2 + time + part3).
 * Returns {code, unix ms}: 0 nothing, 1 announced online, 2 announced offline, 3 grace period
 * running (the ms is when it ends).
 */
export const EVALUATE_LUA = `${PRELUDE}
local client = ARGV[1]
local now = nowMs()
local nowS = fmt(now)
local n = tonumber(redis.call('HGET', KEYS[1], client) or '0')
local since = redis.call('HGET', KEYS[2], client)
if n > 0 then
  if since then return {0, nowS} end
  redis.call('HSET', KEYS[2], client, nowS)
  redis.call('HDEL', KEYS[3], client)
  redis.call('ZREM', KEYS[4], client)
  redis.call('SPUBLISH', ARGV[5], ARGV[6] .. 'true' .. ARGV[7] .. nowS .. ARGV[8])
  return {1, nowS}
end
if not since then
  redis.call('HDEL', KEYS[3], client)
  return {0, nowS}
end
local left = tonumber(redis.call('HGET', KEYS[3], client) or '0')
if left == 0 then
  left = now
  redis.call('HSET', KEYS[3], client, nowS)
end
local ends = left + tonumber(ARGV[2])
if now < ends then return {3, fmt(ends)} end
redis.call('HDEL', KEYS[2], client)
redis.call('HDEL', KEYS[3], client)
local keep = tonumber(ARGV[3])
if keep > 0 then
  redis.call('ZADD', KEYS[4], nowS, client)
  redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', '(' .. fmt(now - tonumber(ARGV[4])))
  redis.call('ZREMRANGEBYRANK', KEYS[4], 0, -keep - 1)
  redis.call('PEXPIRE', KEYS[4], ARGV[4])
else
  redis.call('ZREM', KEYS[4], client)
end
redis.call('SPUBLISH', ARGV[5], ARGV[6] .. 'false' .. ARGV[7] .. nowS .. ARGV[8])
return {2, nowS}
`;

/**
 * {presence}: claims up to ARGV[1] due evaluations for ARGV[2] ms (their score moves to the claim's
 * expiry, so other replicas skip them until then). KEYS: due. Returns {claimExpiry, member...}.
 */
export const CLAIM_DUE_LUA = `${PRELUDE}
local now = nowMs()
local items = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', fmt(now), 'LIMIT', 0, tonumber(ARGV[1]))
local claim = fmt(now + tonumber(ARGV[2]))
local out = {claim}
for i = 1, #items do
  redis.call('ZADD', KEYS[1], 'XX', claim, items[i])
  out[#out + 1] = items[i]
end
return out
`;

/**
 * {presence}: releases claims. KEYS: due. ARGV: claim, then (member, next) pairs where next is the
 * unix ms of the next evaluation or empty for none. A member rescheduled meanwhile (a join or leave
 * asked for an earlier evaluation) keeps the earlier time.
 */
export const COMPLETE_DUE_LUA = `
local claim = tonumber(ARGV[1])
for i = 2, #ARGV, 2 do
  local m = ARGV[i]
  local nextAt = ARGV[i + 1]
  local s = redis.call('ZSCORE', KEYS[1], m)
  if s and tonumber(s) == claim then
    if nextAt == '' then redis.call('ZREM', KEYS[1], m) else redis.call('ZADD', KEYS[1], nextAt, m) end
  elseif nextAt ~= '' then
    redis.call('ZADD', KEYS[1], 'LT', nextAt, m)
  end
end
return 1
`;

/**
 * {presence}: which of the given leases are live (not expired). KEYS: leases. ARGV: lease...
 * Returns one 1 or 0 per lease, in order.
 */
export const LIVE_LEASES_LUA = `${PRELUDE}
local now = nowMs()
local out = {}
for i = 1, #ARGV do
  local s = redis.call('ZSCORE', KEYS[1], ARGV[i])
  out[i] = (s and tonumber(s) >= now) and 1 or 0
end
return out
`;

/**
 * {presence}: renews a gateway lease. KEYS: leases, reaping, lastSeen. ARGV: lease, leaseMs, known
 * ('1' when this lease was registered before). Returns 1, or 0 when the lease was lost (expired,
 * being reaped, or already forgotten): the gateway must register a new lease and join again.
 */
export const HEARTBEAT_LUA = `${PRELUDE}
local now = nowMs()
local s = redis.call('ZSCORE', KEYS[1], ARGV[1])
if s then
  if tonumber(s) < now then return 0 end
elseif ARGV[3] == '1' or redis.call('ZSCORE', KEYS[2], ARGV[1]) then
  return 0
end
redis.call('ZADD', KEYS[1], fmt(now + tonumber(ARGV[2])), ARGV[1])
redis.call('HSET', KEYS[3], ARGV[1], fmt(now))
return 1
`;

/**
 * {presence}: claims up to ARGV[1] leases for cleanup, for ARGV[2] ms: first abandoned cleanups
 * (a replica died mid-way), then expired leases (moved out of the live set, so their gateway can
 * no longer renew them). KEYS: leases, reaping, lastSeen. Returns {now, lease, expiredAt ('' for
 * a takeover), lastSeen, ...}.
 */
export const CLAIM_LEASES_LUA = `${PRELUDE}
local now = nowMs()
local limit = tonumber(ARGV[1])
local claim = fmt(now + tonumber(ARGV[2]))
local out = {fmt(now)}
local stale = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', fmt(now), 'LIMIT', 0, limit)
for i = 1, #stale do
  redis.call('ZADD', KEYS[2], 'XX', claim, stale[i])
  out[#out + 1] = stale[i]
  out[#out + 1] = ''
  out[#out + 1] = redis.call('HGET', KEYS[3], stale[i]) or fmt(now)
end
if #stale < limit then
  local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. fmt(now), 'WITHSCORES', 'LIMIT', 0, limit - #stale)
  for i = 1, #expired, 2 do
    local lease = expired[i]
    redis.call('ZREM', KEYS[1], lease)
    redis.call('ZADD', KEYS[2], claim, lease)
    out[#out + 1] = lease
    out[#out + 1] = expired[i + 1]
    out[#out + 1] = redis.call('HGET', KEYS[3], lease) or expired[i + 1]
  end
end
return out
`;

/**
 * {presence}: after a cleanup step, forgets the lease once its set is empty, else extends the
 * claim. KEYS: reaping, lastSeen, leaseConns. ARGV: lease, claimMs. Returns 1 when done.
 */
export const REAP_FINISH_LUA = `${PRELUDE}
if redis.call('EXISTS', KEYS[3]) == 1 then
  redis.call('ZADD', KEYS[1], 'XX', 'GT', fmt(nowMs() + tonumber(ARGV[2])), ARGV[1])
  return 0
end
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
return 1
`;

/**
 * Drops channels from the presence channel index when they had no online client for a while.
 * KEYS: index. ARGV: cutoff (unix ms), channel tags... (only those whose last online transition is
 * older than the cutoff are dropped, so a channel that just came online stays).
 */
export const PRUNE_CHANNELS_LUA = `
local cutoff = tonumber(ARGV[1])
for i = 2, #ARGV do
  local s = redis.call('ZSCORE', KEYS[1], ARGV[i])
  if s and tonumber(s) < cutoff then redis.call('ZREM', KEYS[1], ARGV[i]) end
end
return 1
`;
