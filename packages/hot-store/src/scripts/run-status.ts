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
