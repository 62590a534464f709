#!lua
-- Writes one ingest batch atomically: checks the run, deduplicates the
-- (producer, batch) pair, assigns dense seqs per variable, appends one chunk
-- per variable and updates its running stats. An identified batch's ack is
-- kept in the acks hash as "<batch>|<ranges>|<names JSON>", so a retry is
-- answered from it alone. The `#!lua` shebang (no allow-oom) makes Redis
-- refuse the whole script up front when it is over maxmemory (noeviction),
-- so an OOM never leaves a half-written batch.
--
-- KEYS[1]  run hash              rs:{run}:run
-- KEYS[2]  acks hash             rs:{run}:acks
-- KEYS[3]  variables set         rs:{run}:vars
-- KEYS[4]  dirty zset            rs:{run}:dirty
-- then per variable i (1-based):
-- KEYS[3 + 2i]  buffer list      rs:{run}:v:<name>:buf
-- KEYS[4 + 2i]  stats hash       rs:{run}:v:<name>:stats
--
-- ARGV[1]  ack field ("" when the batch has no producer/batch id)
-- ARGV[2]  batch number as a decimal string ("" when none)
-- ARGV[3]  names JSON (stored with the ack so a retry can be answered alone)
-- then per variable i, 9 values starting at ARGV[4 + 9(i-1)]:
--   name, count, packed body (bytes: packed-chunk.ts), min ("" none), max ("" none), last t,
--   last v JSON, first t, "1" when the batch's own t never decreases ("0" otherwise)
--
-- The chunk stored is a packed chunk (docs/chunk-format.md): the tag byte 1
-- and the first seq (a little-endian u64), which only this script knows,
-- then the body ingest packed.
--
-- Stats: `tOrder` is "asc" from a variable's first batch for as long as its t
-- never decreases (inside a batch, or from the last t of the batch before),
-- then "none" for good; readers search by t only while it is "asc" (a variable
-- older than the field has none: not searchable).
--
-- The run hash's `dirtySince` is when (Redis clock, ms) the run's buffers
-- last went from empty to holding samples: no buffered sample of the run is
-- older. Set here on the first write after that, cleared by begin-transfer
-- when the dirty set empties; the worker's age flush (FLUSH_MAX_AGE_S) reads
-- it, so the write path asks nothing more of Redis for it.
--
-- Returns
--   {"ok",  ranges}          written; ranges = "first,last;first,last;..." in KEYS order
--   {"dup", ranges, names}   this (producer, batch) was written before: nothing written
--   {"no_run"}               the run does not exist
--   {"not_running", status}  the run exists but is not running

local status = redis.call('HGET', KEYS[1], 'status')
if not status then return {'no_run'} end
if status ~= 'running' then return {'not_running', status} end

local ackField = ARGV[1]
if ackField ~= '' then
  local prev = redis.call('HGET', KEYS[2], ackField)
  if prev then
    local sep1 = string.find(prev, '|', 1, true)
    if string.sub(prev, 1, sep1 - 1) == ARGV[2] then
      local sep2 = string.find(prev, '|', sep1 + 1, true)
      return {'dup', string.sub(prev, sep1 + 1, sep2 - 1), string.sub(prev, sep2 + 1)}
    end
  end
end

local n = (#KEYS - 4) / 2
local ranges = {}
local names = {}
local total = 0
for i = 1, n do
  local buf = KEYS[3 + 2 * i]
  local stats = KEYS[4 + 2 * i]
  local a = 4 + 9 * (i - 1)
  local count = tonumber(ARGV[a + 1])
  -- One read and one write of the stats hash per variable: each redis.call is
  -- most of what the script costs Redis.
  local cur = redis.call('HMGET', stats, 'count', 'min', 'max', 'tOrder', 'lastT')
  local last = (tonumber(cur[1]) or 0) + count
  local first = last - count + 1
  total = total + count
  local chunk = '\1' .. struct.pack('<I8', first) .. ARGV[a + 2]
  redis.call('RPUSH', buf, chunk)

  local set = {'count', string.format('%d', last), 'lastT', ARGV[a + 5], 'lastV', ARGV[a + 6]}
  local min = ARGV[a + 3]
  if min ~= '' and (not cur[2] or tonumber(min) < tonumber(cur[2])) then
    set[#set + 1] = 'min'
    set[#set + 1] = min
  end
  local max = ARGV[a + 4]
  if max ~= '' and (not cur[3] or tonumber(max) > tonumber(cur[3])) then
    set[#set + 1] = 'max'
    set[#set + 1] = max
  end
  if first == 1 then
    set[#set + 1] = 'tOrder'
    set[#set + 1] = ARGV[a + 8] == '1' and 'asc' or 'none'
  elseif cur[4] == 'asc' then
    -- tonumber gives nil for a t Lua cannot read (e.g. "Infinity"): not comparable, not ordered.
    local prevT, firstT = tonumber(cur[5]), tonumber(ARGV[a + 7])
    if ARGV[a + 8] ~= '1' or prevT == nil or firstT == nil or firstT < prevT then
      set[#set + 1] = 'tOrder'
      set[#set + 1] = 'none'
    end
  end
  redis.call('HSET', stats, unpack(set))
  redis.call('ZINCRBY', KEYS[4], #chunk, ARGV[a])
  names[i] = ARGV[a]
  ranges[i] = string.format('%d', first) .. ',' .. string.format('%d', last)
end
redis.call('SADD', KEYS[3], unpack(names))

-- The run's own count: the observer and the merge's quiescence check watch it.
redis.call('HINCRBY', KEYS[1], 'samples', total)
if redis.call('HEXISTS', KEYS[1], 'dirtySince') == 0 then
  local now = redis.call('TIME')
  redis.call('HSET', KEYS[1], 'dirtySince', string.format('%d', now[1] * 1000 + math.floor(now[2] / 1000)))
end

local rangesText = table.concat(ranges, ';')
if ackField ~= '' then
  redis.call('HSET', KEYS[2], ackField, ARGV[2] .. '|' .. rangesText .. '|' .. ARGV[3])
end
return {'ok', rangesText}
