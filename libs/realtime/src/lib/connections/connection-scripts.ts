/**
 * Lua scripts of the Redis connection counter. Every key shares the `{conns}` hash tag, so each
 * script is atomic and also runs on Redis Cluster. Time comes from Redis (`TIME`): gateways never
 * compare their own clocks.
 */

const PRELUDE = `
local function nowMs()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
`;

/**
 * Checks a client's and its app's connections against their caps and, when both have room, records
 * the calling gateway's new counts.
 * KEYS: leases, clientConnections, appConnections.
 * ARGV: instance, client count (this gateway's, the new connection included), app count (same),
 * client cap, app cap, key ttl ms.
 * Returns 0 (recorded), 1 (client cap full), 2 (app cap full) or -1 (this gateway's lease is gone:
 * heartbeat, then retry). Counts of other gateways whose lease has expired are dropped on the way.
 */
export const ACQUIRE_LUA = `${PRELUDE}
local now = nowMs()
local mine = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not mine or tonumber(mine) < now then return -1 end
local function others(key)
  local total = 0
  local h = redis.call('HGETALL', key)
  for i = 1, #h, 2 do
    if h[i] ~= ARGV[1] then
      local exp = redis.call('ZSCORE', KEYS[1], h[i])
      if exp and tonumber(exp) >= now then
        total = total + tonumber(h[i + 1])
      else
        redis.call('HDEL', key, h[i])
      end
    end
  end
  return total
end
if others(KEYS[2]) + tonumber(ARGV[2]) > tonumber(ARGV[4]) then return 1 end
if others(KEYS[3]) + tonumber(ARGV[3]) > tonumber(ARGV[5]) then return 2 end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[6])
redis.call('HSET', KEYS[3], ARGV[1], ARGV[3])
redis.call('PEXPIRE', KEYS[3], ARGV[6])
return 0
`;

/**
 * Renews a gateway's lease and forgets leases expired for longer than one lease length (their
 * counts then count as gone: a missing lease is a dead one).
 * KEYS: leases. ARGV: instance, lease ms. Returns 1 when the lease was already gone or expired (the
 * gateway must write all its counts again), else 0.
 */
export const HEARTBEAT_LUA = `${PRELUDE}
local now = nowMs()
local lease = tonumber(ARGV[2])
local old = redis.call('ZSCORE', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[1], now + lease, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - lease)
if not old or tonumber(old) < now then return 1 end
return 0
`;
