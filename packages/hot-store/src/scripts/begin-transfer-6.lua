#!lua flags=allow-oom
-- Renames a variable's buffer to a fresh transfer key (tier 1 → tier 2): the
-- first Redis step of a flush, before its upload. `allow-oom`, as for
-- end-transfer: flushes are how Redis gets out of maxmemory, so they must not
-- be refused there (RENAME, LINDEX, ZADD, SADD and ZREM need next to no
-- memory; the upload in between reads with LRANGE, which is never refused).
--
-- KEYS[1]  buffer list        rs:{run}:v:<name>:buf
-- KEYS[2]  transfer key       rs:{run}:v:<name>:xfer:<id>   (must not exist)
-- KEYS[3]  transfers zset     rs:{run}:v:<name>:xfers
-- KEYS[4]  pending set        rs:{run}:pending
-- KEYS[5]  dirty zset         rs:{run}:dirty
-- KEYS[6]  run hash           rs:{run}:run
--
-- ARGV[1]  variable name
--
-- When the dirty set empties, the run's `dirtySince` goes (see write-batch):
-- no sample of the run is then only in a buffer.
--
-- Returns the first seq the transfer holds, or false when the buffer is empty
-- (another flush took it) or the transfer key exists (an id was reused).

-- include: chunk-first-seq.lua

local function undirty()
  redis.call('ZREM', KEYS[5], ARGV[1])
  if redis.call('ZCARD', KEYS[5]) == 0 then redis.call('HDEL', KEYS[6], 'dirtySince') end
end

if redis.call('EXISTS', KEYS[1]) == 0 then
  undirty()
  return false
end
if redis.call('EXISTS', KEYS[2]) == 1 then return false end
local head = redis.call('LINDEX', KEYS[1], 0)
local first = chunkFirstSeq(head)
redis.call('RENAME', KEYS[1], KEYS[2])
redis.call('ZADD', KEYS[3], first, KEYS[2])
redis.call('SADD', KEYS[4], ARGV[1])
undirty()
return first
