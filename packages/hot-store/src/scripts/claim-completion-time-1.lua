#!lua flags=allow-oom
-- Fixes the time a completing run is completed at, once, before its merge
-- writes the manifest: two merges of one run at once then write the same
-- manifest and end it with the same time, so a reader never sees the
-- completion change. Never creates the record (a run a racing merge has
-- already forgotten). `allow-oom`: one small field, and a merge must be able
-- to finish when Redis is at maxmemory.
--
-- KEYS[1]  run hash   rs:{run}:run
--
-- ARGV[1]  completed-at to claim, ISO-8601
--
-- Returns the completion time claimed first (this call's or an earlier
-- one's: the `completedAt` of a completed run, else `completionClaimedAt`),
-- or false when the run does not exist.

if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local completed = redis.call('HGET', KEYS[1], 'completedAt')
if completed then return completed end
redis.call('HSETNX', KEYS[1], 'completionClaimedAt', ARGV[1])
return redis.call('HGET', KEYS[1], 'completionClaimedAt')
