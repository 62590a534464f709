#!lua
-- Moves a running run to `completing` (samples are refused from then on: the
-- write script checks the status in the same atomic step that writes). A run
-- already completing or completed is left as it is, so completing is
-- idempotent.
--
-- KEYS[1]  run hash   rs:{run}:run
--
-- ARGV[1]  reason: requested | idle
--
-- Returns the status after the call ("completing" or "completed"), or false
-- when the run does not exist.

local status = redis.call('HGET', KEYS[1], 'status')
-- false (no run) and any later status are answered as they are.
if status ~= 'running' then return status end
redis.call('HSET', KEYS[1], 'status', 'completing', 'reason', ARGV[1])
return 'completing'
