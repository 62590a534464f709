#!lua flags=no-writes
-- Reads a page of a chunk list (a variable's buffer, or a transfer key) from
-- the entry that holds a seq, without reading the entries before it: entries
-- start with their first seq (chunkFirstSeq) and first seqs grow along the list, so a binary
-- search over the entries finds it looking at O(log n) of them, then one
-- LRANGE. A reader pages on from the returned index with LRANGE: list indexes
-- do not move (a list only grows at its tail, or is renamed whole).
-- `no-writes`: runs at maxmemory and on replicas.
--
-- KEYS[1]  chunk list   rs:{run}:v:<name>:buf  or  rs:{run}:v:<name>:xfer:<id>
--
-- ARGV[1]  the seq to start from
-- ARGV[2]  most entries to return (>= 1)
--
-- Returns {index, entry, entry, ...}: the list index of the first entry
-- returned (the last entry starting at or before the seq; the first entry
-- when all start after it), then up to ARGV[2] entries from there; {} when
-- the list is empty or does not exist.

-- include: chunk-first-seq.lua

local n = redis.call('LLEN', KEYS[1])
if n == 0 then return {} end
local target = tonumber(ARGV[1])
local lo, hi, found = 0, n - 1, 0
while lo <= hi do
  local mid = math.floor((lo + hi) / 2)
  local first = chunkFirstSeq(redis.call('LINDEX', KEYS[1], mid))
  if first <= target then
    found = mid
    lo = mid + 1
  else
    hi = mid - 1
  end
end
local page = redis.call('LRANGE', KEYS[1], found, found + tonumber(ARGV[2]) - 1)
table.insert(page, 1, found)
return page
