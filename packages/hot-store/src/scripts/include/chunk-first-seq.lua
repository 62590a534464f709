-- The first seq of a chunk list entry, in either format a list may hold
-- (docs/chunk-format.md): a packed chunk (tag byte 1, then the seq as a
-- little-endian u64) or a JSON chunk text an earlier version wrote
-- ('{"s":<seq>,...').
local function chunkFirstSeq(entry)
  if string.byte(entry, 1) == 1 then return (struct.unpack('<I8', entry, 2)) end
  return tonumber(string.match(entry, '^{"s":(%d+)'))
end
