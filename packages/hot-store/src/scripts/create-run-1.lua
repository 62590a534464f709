#!lua
-- Creates a run unless it exists, so `POST /v1/runs` with an id is idempotent.
--
-- KEYS[1]  run hash   rs:{run}:run
--
-- ARGV[1]  run id
-- ARGV[2]  created-at, ISO-8601
-- ARGV[3]  meta JSON
-- ARGV[4]  the owning project (optional: a run without one belongs to the default project)
--
-- Returns 1 when created, 0 when the run already existed (nothing changed).

if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'id', ARGV[1], 'status', 'running', 'createdAt', ARGV[2], 'meta', ARGV[3])
-- In the same script as the record: a run is never seen without its owner.
if ARGV[4] ~= nil then redis.call('HSET', KEYS[1], 'project', ARGV[4]) end
return 1
