/** Lua scripts of the Redis broker. Each runs atomically inside Redis; all keys of one call share a hash tag. */

export const PUBLISH_LUA = `
-- Atomic publish of one event on one channel.
-- KEYS[1] gate hash {exists, closed}   KEYS[2] stream meta hash {top, epoch}
-- KEYS[3] hot window list              KEYS[4] idempotency key (unused when ARGV[2] == '')
-- ARGV[1] '1' store (offset + window) / '0' live only   ARGV[2] idempotency id or ''
-- ARGV[3] event JSON head (up to and including the comma after channelID)
-- ARGV[4] event JSON tail (from "eventType" up to and including '"timestamp":')
-- ARGV[5] window size   ARGV[6] idempotency TTL seconds
-- ARGV[7] shard channel   ARGV[8] adapter message prefix   ARGV[9] adapter message suffix
-- ARGV[10] the publisher's clock, unix ms. A stored event's timestamp is never below the previous
-- stored event's ('ts' in the meta hash): timestamps grow with offsets whatever the publishers'
-- clocks, so time-bounded reads can stop at the first older event.
-- Returns {'OK'} (live only: the caller knows the event) | {'OK', offset, epoch, timestamp} (stored) |
-- {'DUP', storedEventJson} | {'NOGATE'} | {'NOTFOUND'} | {'CLOSED'} | {'NOSEED'}
local gate = redis.call('HMGET', KEYS[1], 'exists', 'closed')
if not gate[1] then return {'NOGATE'} end
if gate[1] ~= '1' then return {'NOTFOUND'} end
if gate[2] == '1' then return {'CLOSED'} end

if ARGV[1] ~= '1' then
  redis.call('SPUBLISH', ARGV[7], ARGV[8] .. ARGV[3] .. ARGV[4] .. ARGV[10] .. '}' .. ARGV[9])
  return {'OK'}
end

if ARGV[2] ~= '' then
  local seen = redis.call('GET', KEYS[4])
  if seen then return {'DUP', seen} end
end

local meta = redis.call('HMGET', KEYS[2], 'top', 'epoch', 'ts')
if not meta[1] then return {'NOSEED'} end
local offset = tonumber(meta[1]) + 1
local ts = ARGV[10]
if meta[3] and tonumber(meta[3]) > tonumber(ts) then ts = meta[3] end
redis.call('HSET', KEYS[2], 'top', offset, 'ts', ts)
local ev = ARGV[3] .. '"offset":' .. offset .. ',"epoch":"' .. meta[2] .. '",' .. ARGV[4] .. ts .. '}'
redis.call('RPUSH', KEYS[3], ev)
redis.call('LTRIM', KEYS[3], -tonumber(ARGV[5]), -1)
if ARGV[2] ~= '' then
  redis.call('SET', KEYS[4], ev, 'EX', tonumber(ARGV[6]))
end
redis.call('SPUBLISH', ARGV[7], ARGV[8] .. ev .. ARGV[9])
return {'OK', offset, meta[2], ts}
`;

export const READ_WINDOW_LUA = `
-- Reads the hot window after an offset. Offsets in the window are contiguous and end at 'top'.
-- KEYS[1] stream meta hash   KEYS[2] window list
-- ARGV[1] after offset (exclusive; -1 = the last ARGV[2] events)   ARGV[2] limit
-- Returns {top, epoch, firstOffsetInWindow, chunk…} or {} when the stream has no state. Each chunk
-- is up to 50 consecutive events' canonical JSON texts joined by line feeds (which they never
-- contain): a few strings to decode instead of one per event, and a few short concatenations
-- instead of one long one, which costs Lua far more (it copies its buffer as it grows).
local meta = redis.call('HMGET', KEYS[1], 'top', 'epoch')
if not meta[1] then return {} end
local top = tonumber(meta[1])
local len = redis.call('LLEN', KEYS[2])
local first = top - len + 1
local limit = tonumber(ARGV[2])
local after = tonumber(ARGV[1])
local from
if after < 0 then
  from = math.max(len - limit, 0)
else
  from = math.max(after + 1 - first, 0)
end
local to = math.min(from + limit - 1, len - 1)
local out = {tostring(top), meta[2], tostring(first)}
if len > 0 then
  for s = from, to, 50 do
    out[#out + 1] = table.concat(redis.call('LRANGE', KEYS[2], s, math.min(s + 49, to)), '\\n')
  end
end
return out
`;

export const SEED_LUA = `
-- Seeds a stream's position once (first publish, or after Redis lost the stream): a new epoch
-- starting after the highest stored offset. A concurrent seeder loses and sees the winner's values.
-- KEYS[1] stream meta hash   ARGV[1] top   ARGV[2] epoch
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('HSET', KEYS[1], 'top', ARGV[1], 'epoch', ARGV[2])
end
return redis.call('HMGET', KEYS[1], 'top', 'epoch')
`;

export const FILL_GATE_LUA = `
-- Fills a missing gate from storage without overwriting one that admin-api wrote meanwhile.
-- KEYS[1] gate hash   ARGV[1] exists '1'/'0'   ARGV[2] closed '1'/'0'   ARGV[3] ttl seconds
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('HSET', KEYS[1], 'exists', ARGV[1], 'closed', ARGV[2])
  redis.call('EXPIRE', KEYS[1], tonumber(ARGV[3]))
end
return redis.call('HMGET', KEYS[1], 'exists', 'closed')
`;
