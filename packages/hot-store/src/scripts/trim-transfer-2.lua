#!lua flags=allow-oom
-- Drops the head of a transfer key once the segment of those chunks is safely
-- in S3: a flush moves a large transfer as several segments, one slice of
-- chunks at a time, and frees each slice as it goes (the last slice ends the
-- transfer with end-transfer instead). `allow-oom`, as for end-transfer:
-- LTRIM and a ZADD that only changes a score need no memory.
--
-- The transfer's score in the transfers zset is its first seq: readers take
-- every seq below it from S3, so it moves up with the trim, atomically, and a
-- reader never looks in Redis for seqs it no longer holds.
--
-- KEYS[1]  transfer key       rs:{run}:v:<name>:xfer:<id>
-- KEYS[2]  transfers zset     rs:{run}:v:<name>:xfers
--
-- ARGV[1]  the first seq of the slice (the head chunk's `s` it was read with)
-- ARGV[2]  the number of chunks in the slice
-- ARGV[3]  the first seq after the slice
--
-- Returns 1 when the slice was dropped, 0 when the head is no longer the
-- slice's (another flush dropped it: both uploaded the same segment, named by
-- its seq range) or the key is gone.

-- include: chunk-first-seq.lua

local head = redis.call('LINDEX', KEYS[1], 0)
if not head then return 0 end
if chunkFirstSeq(head) ~= tonumber(ARGV[1]) then return 0 end
redis.call('LTRIM', KEYS[1], tonumber(ARGV[2]), -1)
redis.call('ZADD', KEYS[2], 'XX', tonumber(ARGV[3]), KEYS[1])
return 1
