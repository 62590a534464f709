#!lua flags=allow-oom
-- Marks a completing run completed, once its merge is written. Never creates
-- the record (a run Redis has forgotten lives on in its S3 manifest) and
-- keeps the first completion time when a merge runs twice. `allow-oom`: it
-- writes next to no memory, and a merge must be able to finish when Redis is
-- at maxmemory.
--
-- KEYS[1]  run hash   rs:{run}:run
--
-- ARGV[1]  completed-at, ISO-8601
--
-- Returns the status after the call, or false when the run does not exist.

local status = redis.call('HGET', KEYS[1], 'status')
-- false (no run) and any other status are answered as they are.
if status ~= 'completing' then return status end
redis.call('HSET', KEYS[1], 'status', 'completed', 'completedAt', ARGV[1])
return 'completed'
