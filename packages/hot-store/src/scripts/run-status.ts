/**
 * Moves a running run to `completing` (samples are refused from then on: the
 * write script checks the status in the same atomic step that writes). A run
 * already completing or completed is left as it is, so completing is
 * idempotent.
 */
export const BEGIN_COMPLETION_LUA = `#!lua
--[[
  KEYS[1]  run hash   rs:{run}:run
  ARGV[1]  reason: requested | idle
  Returns the status after the call ("completing" or "completed"), or false
  when the run does not exist.
]]
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return false end
if status == 'running' then
  redis.call('HSET', KEYS[1], 'status', 'completing', 'reason', ARGV[1])
  return 'completing'
end
return status
`;

/**
 * Marks a completing run completed, once its merge is written. Never creates
 * the record (a run Redis has forgotten lives on in its S3 manifest) and
 * keeps the first completion time when a merge runs twice.
 */
export const END_COMPLETION_LUA = `#!lua flags=allow-oom
--[[
  KEYS[1]  run hash   rs:{run}:run
  ARGV[1]  completed-at, ISO-8601
  Returns the status after the call, or false when the run does not exist.
]]
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return false end
if status == 'completing' then
  redis.call('HSET', KEYS[1], 'status', 'completed', 'completedAt', ARGV[1])
  return 'completed'
end
return status
`;

/**
 * Forgets a completed run: deletes every key it has in Redis. Its manifest
 * and merged objects in S3 are its record from then on, so Redis holds only
 * runs that can still change (and flushes never walk finished ones). Refuses
 * (returns 0) unless the run is completed and holds no buffered or
 * transferring samples.
 */
export const FORGET_RUN_LUA = `#!lua flags=allow-oom
--[[
  KEYS[1]  run hash        rs:{run}:run
  KEYS[2]  pending set     rs:{run}:pending
  KEYS[3]  dirty zset      rs:{run}:dirty
  KEYS[4]  variables set   rs:{run}:vars
  KEYS[5]  acks hash       rs:{run}:acks
  then per variable i (1-based): KEYS[3 + 3i] buffer, KEYS[4 + 3i] stats, KEYS[5 + 3i] transfers
  Returns 1 when the run was forgotten, 0 when it was not (not completed, or
  samples still in Redis), false when it does not exist.
]]
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
`;
