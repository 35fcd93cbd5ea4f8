/**
 * Lua scripts of the webhook outbox and the per-app limiter. A chain's keys share its hash tag (the
 * channel's), and the index and limiter keys have their own, so each script stays on one slot.
 */

/**
 * Appends a webhook to its chain with the chain's next sequence number.
 * KEYS: sequence, chain (sorted set id → sequence), bodies (hash id → JSON).
 * ARGV: delivery id, JSON body without sequence.
 * Returns {sequence, 1 when the chain was empty (the new entry is its head) else 0}.
 */
export const PUSH_LUA = `
local seq = redis.call('INCR', KEYS[1])
redis.call('ZADD', KEYS[2], seq, ARGV[1])
redis.call('HSET', KEYS[3], ARGV[1], ARGV[2])
local head = 0
if redis.call('ZCARD', KEYS[2]) == 1 then head = 1 end
return {seq, head}
`;

/**
 * Removes a finished entry and answers the new head.
 * KEYS: chain, bodies. ARGV: delivery id.
 * Returns the new head's id, or false when the chain is empty or the entry was already gone (then
 * whoever removed it answered the next head).
 */
export const COMPLETE_LUA = `
local removed = redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
if removed == 0 then return false end
local head = redis.call('ZRANGE', KEYS[1], 0, 0)
return head[1] or false
`;

/**
 * Forgets a chain from the index when it is empty and was not touched since it was looked at; else
 * marks it looked at now.
 * KEYS: index. ARGV: chain tag, touchedAt seen, now, 1 when the chain is empty.
 * Returns 1 when forgotten.
 */
export const SETTLE_CHAIN_LUA = `
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not score then return 1 end
if tonumber(score) ~= tonumber(ARGV[2]) then return 0 end
if ARGV[4] == '1' then
  redis.call('ZREM', KEYS[1], ARGV[1])
  return 1
end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
return 0
`;

/**
 * Takes one of an app's in-flight slots (a lease that expires on its own if its holder dies).
 * KEYS: the app's in-flight sorted set (token → lease expiry, unix ms).
 * ARGV: token, cap, now, lease ms. Returns 1 when taken, 0 when the app has `cap` in flight.
 */
export const ACQUIRE_SLOT_LUA = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], tonumber(ARGV[3]) + tonumber(ARGV[4]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1
`;

/** Appends the webhook in ARGV[3] (id) / ARGV[4] (body) to the chain in KEYS[2..4]; returns {seq, head}. */
const PUSH_FN = `
local function push()
  local seq = redis.call('INCR', KEYS[2])
  redis.call('ZADD', KEYS[3], seq, ARGV[3])
  redis.call('HSET', KEYS[4], ARGV[3], ARGV[4])
  local head = 0
  if redis.call('ZCARD', KEYS[3]) == 1 then head = 1 end
  return {seq, head}
end
`;

/**
 * A gateway got its first local subscriber of a channel. When the channel had no occupant before
 * (the first subscriber on any gateway), the `channel_occupied` webhook is appended to the channel's
 * chain in the same step (when ARGV[2] is 1: the app wants it), so the occupancy transitions of a
 * channel take their sequence numbers in the order they happened.
 * KEYS: occupancy set, webhook sequence, chain, bodies (one hash tag: the channel's).
 * ARGV: occupant, emit (1/0), delivery id, JSON body without sequence.
 * Returns {1 when the channel became occupied else 0, sequence or 0, 1 when the webhook heads its chain}.
 */
export const OCCUPY_LUA = `${PUSH_FN}
if redis.call('SADD', KEYS[1], ARGV[1]) == 0 or redis.call('SCARD', KEYS[1]) ~= 1 then return {0, 0, 0} end
if ARGV[2] ~= '1' then return {1, 0, 0} end
local r = push()
return {1, r[1], r[2]}
`;

/** Same as `OCCUPY_LUA` for an occupant losing its last subscriber: the last one anywhere vacates. */
export const VACATE_LUA = `${PUSH_FN}
if redis.call('SREM', KEYS[1], ARGV[1]) == 0 or redis.call('SCARD', KEYS[1]) ~= 0 then return {0, 0, 0} end
if ARGV[2] ~= '1' then return {1, 0, 0} end
local r = push()
return {1, r[1], r[2]}
`;

/**
 * Renews an occupant's lease to Redis time + ARGV[2] ms. KEYS: occupants. ARGV: occupant, lease ms.
 * Returns 1 when the occupant had no lease (first heartbeat, or it was reaped meanwhile).
 */
export const OCCUPANT_HEARTBEAT_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
return redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
`;

/**
 * Claims up to ARGV[1] occupants whose lease expired (their gateway died), each for ARGV[2] ms (a
 * claimer that dies hands them on when the claim expires). KEYS: occupants. Returns their ids.
 */
export const CLAIM_OCCUPANTS_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[1]))
for _, id in ipairs(ids) do redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), id) end
return ids
`;
