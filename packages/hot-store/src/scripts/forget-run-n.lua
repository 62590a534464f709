#!lua flags=allow-oom
-- Forgets a completed run: deletes every key it has in Redis. Its manifest
-- and merged objects in S3 are its record from then on, so Redis holds only
-- runs that can still change (and flushes never walk finished ones). Refuses
-- (returns 0) unless the run is completed and holds no buffered or
-- transferring samples.
--
-- KEYS[1]  run hash        rs:{run}:run
-- KEYS[2]  pending set     rs:{run}:pending
-- KEYS[3]  dirty zset      rs:{run}:dirty
-- KEYS[4]  variables set   rs:{run}:vars
-- KEYS[5]  acks hash       rs:{run}:acks
-- then per variable i (1-based):
-- KEYS[3 + 3i]  buffer list      rs:{run}:v:<name>:buf
-- KEYS[4 + 3i]  stats hash       rs:{run}:v:<name>:stats
-- KEYS[5 + 3i]  transfers zset   rs:{run}:v:<name>:xfers
--
-- ARGV     none
--
-- Returns 1 when the run was forgotten, 0 when it was not (not completed, or
-- samples still in Redis), false when it does not exist.

local status = redis.call('HGET', KEYS[1], 'status')
if not status then return false end
if status ~= 'completed' then return 0 end
-- The dirty set may keep a stale entry (a buffer already moved): the buffers themselves decide.
if redis.call('SCARD', KEYS[2]) > 0 then return 0 end
for i = 1, (#KEYS - 5) / 3 do
  if redis.call('EXISTS', KEYS[3 + 3 * i]) == 1 or redis.call('EXISTS', KEYS[5 + 3 * i]) == 1 then
    return 0
  end
end
redis.call('DEL', unpack(KEYS))
return 1
