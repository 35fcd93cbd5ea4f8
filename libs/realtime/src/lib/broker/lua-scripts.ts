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
-- ARGV[11] most events a channel may hold above its durable watermark (stored publishes beyond it
-- are refused with 'BEHIND' rather than letting the window drop an uncommitted event).
-- The window is the durable outbox: it is trimmed only below min(durable + 1, offset - size + 1),
-- so the window and Postgres together always hold every offset of the epoch without a hole.
-- Returns {'OK'} (live only: the caller knows the event) | {'OK', offset, epoch, timestamp} (stored) |
-- {'DUP', storedEventJson} | {'NOGATE'} | {'NOTFOUND'} | {'CLOSED'} | {'NOSEED'} |
-- {'BEHIND', uncommittedCount}
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

local meta = redis.call('HMGET', KEYS[2], 'top', 'epoch', 'ts', 'durable')
if not meta[1] then return {'NOSEED'} end
local top = tonumber(meta[1])
-- A stream written before the watermark existed: what it held counts as committed.
local durable = tonumber(meta[4]) or top
if top - durable >= tonumber(ARGV[11]) then return {'BEHIND', tostring(top - durable)} end
local offset = top + 1
local ts = ARGV[10]
if meta[3] and tonumber(meta[3]) > tonumber(ts) then ts = meta[3] end
redis.call('HSET', KEYS[2], 'top', offset, 'ts', ts, 'durable', durable, 'ws', ARGV[5])
local ev = ARGV[3] .. '"offset":' .. offset .. ',"epoch":"' .. meta[2] .. '",' .. ARGV[4] .. ts .. '}'
redis.call('RPUSH', KEYS[3], ev)
redis.call('LTRIM', KEYS[3], -(offset - math.min(durable + 1, offset - tonumber(ARGV[5]) + 1) + 1), -1)
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
-- ARGV[3] '1': read after the durable watermark instead (the events not committed yet)
-- Returns {top, epoch, firstOffsetInWindow, durable, chunk…} or {} when the stream has no state. Each chunk
-- is up to 50 consecutive events' canonical JSON texts joined by line feeds (which they never
-- contain): a few strings to decode instead of one per event, and a few short concatenations
-- instead of one long one, which costs Lua far more (it copies its buffer as it grows).
local meta = redis.call('HMGET', KEYS[1], 'top', 'epoch', 'durable')
if not meta[1] then return {} end
local top = tonumber(meta[1])
local durable = tonumber(meta[3]) or top
local len = redis.call('LLEN', KEYS[2])
local first = top - len + 1
local limit = tonumber(ARGV[2])
local after = tonumber(ARGV[1])
if ARGV[3] == '1' then after = durable end
local from
if after < 0 then
  from = math.max(len - limit, 0)
else
  from = math.max(after + 1 - first, 0)
end
local to = math.min(from + limit - 1, len - 1)
local out = {tostring(top), meta[2], tostring(first), tostring(durable)}
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
-- Nothing of the new epoch is uncommitted: its durable watermark starts at its top. Ranges the
-- writer committed in an earlier epoch are forgotten.
-- KEYS[1] stream meta hash   KEYS[2] committed ranges   ARGV[1] top   ARGV[2] epoch
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('HSET', KEYS[1], 'top', ARGV[1], 'epoch', ARGV[2], 'durable', ARGV[1])
  redis.call('DEL', KEYS[2])
end
return redis.call('HMGET', KEYS[1], 'top', 'epoch')
`;

export const MARK_COMMITTED_LUA = `
-- The writer committed (or dead-lettered) these offsets of one channel: advance the channel's
-- durable watermark over every offset now known committed and trim the window accordingly.
-- Commits may arrive out of order (several writes in flight, writer replicas, the sweeper's
-- re-sends): ranges above the watermark wait in KEYS[3] until the offsets below them are in.
-- KEYS[1] stream meta hash   KEYS[2] window list   KEYS[3] committed ranges (sorted set, score =
-- range start, member = 'from:to')
-- ARGV[1] epoch of the offsets   ARGV[2] window size when the stream does not say (the publish
-- script records the publishers' size as 'ws')   ARGV[3…] from, to pairs (inclusive)
-- Returns {} when the stream is gone or in another epoch, else {durable, top, previousDurable}.
local meta = redis.call('HMGET', KEYS[1], 'top', 'epoch', 'durable', 'ws')
if not meta[1] or meta[2] ~= ARGV[1] then return {} end
local top = tonumber(meta[1])
local old = tonumber(meta[3]) or top
local durable = old
for i = 3, #ARGV, 2 do
  local a = tonumber(ARGV[i])
  local b = math.min(tonumber(ARGV[i + 1]), top)
  if b > durable then
    if a <= durable + 1 then
      durable = b
    else
      redis.call('ZADD', KEYS[3], a, a .. ':' .. b)
    end
  end
end
while redis.call('ZCARD', KEYS[3]) > 0 do
  local r = redis.call('ZRANGE', KEYS[3], 0, 0, 'WITHSCORES')
  if tonumber(r[2]) > durable + 1 then break end
  local b = tonumber(string.match(r[1], ':(%d+)$'))
  if b > durable then durable = b end
  redis.call('ZREM', KEYS[3], r[1])
end
if durable > old then
  redis.call('HSET', KEYS[1], 'durable', durable)
  local keep = top - math.min(durable + 1, top - tonumber(meta[4] or ARGV[2]) + 1) + 1
  redis.call('LTRIM', KEYS[2], -keep, -1)
end
return {durable, top, old}
`;

export const DROP_STREAM_LUA = `
-- Drops a deleted channel's stream and remembers its epoch as dropped, so that events of it still
-- queued for the writer are discarded rather than stored in a channel re-created under the id.
-- KEYS[1] stream meta hash   KEYS[2] window list   KEYS[3] committed ranges   KEYS[4] dropped epochs set
-- ARGV[1] seconds the dropped epoch is remembered
local epoch = redis.call('HGET', KEYS[1], 'epoch')
if epoch then
  redis.call('SADD', KEYS[4], epoch)
  redis.call('EXPIRE', KEYS[4], tonumber(ARGV[1]))
end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
return epoch
`;

export const CLEAR_OUTBOX_LUA = `
-- Removes a channel from the outbox index if its entry has not changed since it was read.
-- KEYS[1] outbox index   ARGV[1] member   ARGV[2] score read
local s = redis.call('ZSCORE', KEYS[1], ARGV[1])
if s and tonumber(s) == tonumber(ARGV[2]) then
  redis.call('ZREM', KEYS[1], ARGV[1])
  return 1
end
return 0
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
