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
