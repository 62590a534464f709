#!lua flags=allow-oom
-- Drops a transfer key once its segment is safely in S3 (tier 2 is then empty
-- for it): the second Redis step of a flush. `allow-oom`, as for
-- begin-transfer: flushes are how Redis gets out of maxmemory (DEL, ZREM and
-- SREM need no memory).
--
-- KEYS[1]  transfer key       rs:{run}:v:<name>:xfer:<id>
-- KEYS[2]  transfers zset     rs:{run}:v:<name>:xfers
-- KEYS[3]  pending set        rs:{run}:pending
--
-- ARGV[1]  variable name
--
-- Returns 1 when the key was deleted, 0 when it was already gone (another
-- flush finished it: both uploaded the same segment, named by its seq range).

local deleted = redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], KEYS[1])
if redis.call('ZCARD', KEYS[2]) == 0 then redis.call('SREM', KEYS[3], ARGV[1]) end
return deleted
