--- Lua 5.1 patterns in Lua: a port of lstrlib.c's matcher (find, match, gmatch, gsub).
--
-- The sandbox uses it instead of the C functions when a call could backtrack for long: C functions cannot
-- be interrupted, while this code runs as ordinary Lua instructions, so the instruction and time budgets
-- stop a pathological pattern with a clear error. It is slower than C and is only used for those calls.
-- Semantics follow Lua 5.1 / LuaJIT 2.1 (classes in the C locale, %z, %f, %b, back references, position
-- captures, at most 32 captures).
-- @module lpattern

local M = {}

local byte, sub, char, find = string.byte, string.sub, string.char, string.find
local tostring, type, error, select, unpack = tostring, type, error, select, unpack
local concat = table.concat

local L_ESC = 37 -- %
local CAP_UNFINISHED, CAP_POSITION = -1, -2
local MAX_CAPTURES = 32
-- Lua 5.1's SPECIALS ("^$*+?.([%-"): a find without any of them is a plain search.
local SPECIALS = "[%^%$%*%+%?%.%(%[%%%-]"

-- Character classes of the C locale, by class letter: CLASS[letter][byte] == true.
local CLASS = {}
do
  local function range(set, from, to)
    for c = from, to do set[c] = true end
  end
  local a, d, l, s, u, w, x, p, c, z, g = {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}
  range(l, 97, 122); range(u, 65, 90); range(d, 48, 57)
  range(a, 97, 122); range(a, 65, 90)
  range(w, 97, 122); range(w, 65, 90); range(w, 48, 57)
  range(x, 48, 57); range(x, 97, 102); range(x, 65, 70)
  range(s, 9, 13); s[32] = true
  range(c, 0, 31); c[127] = true
  range(p, 33, 47); range(p, 58, 64); range(p, 91, 96); range(p, 123, 126)
  z[0] = true
  range(g, 33, 126)
  CLASS[97], CLASS[100], CLASS[108], CLASS[115], CLASS[117] = a, d, l, s, u
  CLASS[119], CLASS[120], CLASS[112], CLASS[99], CLASS[122], CLASS[103] = w, x, p, c, z, g
end

--- Whether byte `c` is in class letter `cl` (upper case negates, other letters match themselves).
local function match_class(c, cl)
  local set = CLASS[cl]
  if set then return set[c] == true end
  local lower = cl + 32
  set = cl >= 65 and cl <= 90 and CLASS[lower]
  if set then return not set[c] end
  return cl == c
end

--- The state of one match: subject, pattern, captures.
local function new_state(s, p)
  return { src = s, slen = #s, pat = p, plen = #p, level = 0, cstart = {}, clen = {} }
end

local function class_end(ms, p)
  local pat = ms.pat
  local pc = byte(pat, p)
  p = p + 1
  if pc == L_ESC then
    if p > ms.plen then error("malformed pattern (ends with '%')", 0) end
    return p + 1
  elseif pc == 91 then -- [
    if byte(pat, p) == 94 then p = p + 1 end
    repeat
      if p > ms.plen then error("malformed pattern (missing ']')", 0) end
      local cc = byte(pat, p)
      p = p + 1
      if cc == L_ESC and p <= ms.plen then p = p + 1 end
    until byte(pat, p) == 93
    return p + 1
  end
  return p
end

local function match_bracket_class(ms, c, p, ec)
  local pat = ms.pat
  local sig = true
  if byte(pat, p + 1) == 94 then
    sig = false
    p = p + 1
  end
  p = p + 1
  while p < ec do
    local pc = byte(pat, p)
    if pc == L_ESC then
      p = p + 1
      if match_class(c, byte(pat, p)) then return sig end
    elseif byte(pat, p + 1) == 45 and p + 2 < ec then -- a-z
      if pc <= c and c <= byte(pat, p + 2) then return sig end
      p = p + 2
    elseif pc == c then
      return sig
    end
    p = p + 1
  end
  return not sig
end

local function single_match(ms, s, p, ep)
  if s > ms.slen then return false end
  local c = byte(ms.src, s)
  local pc = byte(ms.pat, p)
  if pc == 46 then return true end -- .
  if pc == L_ESC then return match_class(c, byte(ms.pat, p + 1)) end
  if pc == 91 then return match_bracket_class(ms, c, p, ep - 1) end
  return pc == c
end

local match -- forward

local function max_expand(ms, s, p, ep)
  local i = 0
  while single_match(ms, s + i, p, ep) do i = i + 1 end
  while i >= 0 do
    local res = match(ms, s + i, ep + 1)
    if res then return res end
    i = i - 1
  end
  return nil
end

local function min_expand(ms, s, p, ep)
  while true do
    local res = match(ms, s, ep + 1)
    if res then return res end
    if single_match(ms, s, p, ep) then
      s = s + 1
    else
      return nil
    end
  end
end

local function start_capture(ms, s, p, what)
  local level = ms.level + 1
  if level > MAX_CAPTURES then error("too many captures", 0) end
  ms.cstart[level], ms.clen[level] = s, what
  ms.level = level
  local res = match(ms, s, p)
  if not res then ms.level = ms.level - 1 end
  return res
end

local function end_capture(ms, s, p)
  local l = ms.level
  while l >= 1 and ms.clen[l] ~= CAP_UNFINISHED do l = l - 1 end
  if l < 1 then error("invalid pattern capture", 0) end
  ms.clen[l] = s - ms.cstart[l]
  local res = match(ms, s, p)
  if not res then ms.clen[l] = CAP_UNFINISHED end
  return res
end

local function match_balance(ms, s, p)
  if p + 1 > ms.plen then error("missing arguments to '%b'", 0) end
  local b, e = byte(ms.pat, p), byte(ms.pat, p + 1)
  if s > ms.slen or byte(ms.src, s) ~= b then return nil end
  local cont = 1
  s = s + 1
  while s <= ms.slen do
    local c = byte(ms.src, s)
    if c == e then
      cont = cont - 1
      if cont == 0 then return s + 1 end
    elseif c == b then
      cont = cont + 1
    end
    s = s + 1
  end
  return nil
end

local function match_capture(ms, s, l)
  l = l - 48 -- '1' -> 1
  if l < 1 or l > ms.level or ms.clen[l] == CAP_UNFINISHED then error("invalid capture index", 0) end
  local len = ms.clen[l]
  if len < 0 then return nil end
  local start = ms.cstart[l]
  if ms.slen - s + 1 >= len and sub(ms.src, start, start + len - 1) == sub(ms.src, s, s + len - 1) then
    return s + len
  end
  return nil
end

match = function(ms, s, p)
  local pat = ms.pat
  while true do
    if p > ms.plen then return s end
    local pc = byte(pat, p)
    if pc == 40 then -- (
      if byte(pat, p + 1) == 41 then return start_capture(ms, s, p + 2, CAP_POSITION) end
      return start_capture(ms, s, p + 1, CAP_UNFINISHED)
    elseif pc == 41 then -- )
      return end_capture(ms, s, p + 1)
    end
    local default = true
    if pc == L_ESC then
      local nc = byte(pat, p + 1)
      if nc == 98 then -- %b
        s = match_balance(ms, s, p + 2)
        if not s then return nil end
        p, default = p + 4, false
      elseif nc == 102 then -- %f
        p = p + 2
        if byte(pat, p) ~= 91 then error("missing '[' after '%f' in pattern", 0) end
        local ep = class_end(ms, p)
        local previous = s == 1 and 0 or byte(ms.src, s - 1)
        local current = s <= ms.slen and byte(ms.src, s) or 0
        if match_bracket_class(ms, previous, p, ep - 1) or not match_bracket_class(ms, current, p, ep - 1) then
          return nil
        end
        p, default = ep, false
      elseif nc and nc >= 48 and nc <= 57 then -- back reference
        s = match_capture(ms, s, nc)
        if not s then return nil end
        p, default = p + 2, false
      end
    elseif pc == 36 and p == ms.plen then -- $ at the end
      return s == ms.slen + 1 and s or nil
    end
    if default then
      local ep = class_end(ms, p)
      local m = single_match(ms, s, p, ep)
      local q = byte(pat, ep)
      if q == 63 then -- ?
        if m then
          local res = match(ms, s + 1, ep + 1)
          if res then return res end
        end
        p = ep + 1
      elseif q == 42 then -- *
        return max_expand(ms, s, p, ep)
      elseif q == 43 then -- +
        return m and max_expand(ms, s + 1, p, ep) or nil
      elseif q == 45 then -- -
        return min_expand(ms, s, p, ep)
      else
        if not m then return nil end
        s, p = s + 1, ep
      end
    end
  end
end

local function get_capture(ms, i, s, e)
  if i > ms.level then
    if i == 1 then return sub(ms.src, s, e - 1) end
    error("invalid capture index", 0)
  end
  local l = ms.clen[i]
  if l == CAP_UNFINISHED then error("unfinished capture", 0) end
  if l == CAP_POSITION then return ms.cstart[i] end
  return sub(ms.src, ms.cstart[i], ms.cstart[i] + l - 1)
end

local function captures(ms, s, e)
  local n = (ms.level == 0 and s) and 1 or ms.level
  local out = {}
  for i = 1, n do out[i] = get_capture(ms, i, s, e) end
  return out, n
end

local function check_args(fname, s, p)
  if type(s) == "number" then s = tostring(s) end
  if type(p) == "number" then p = tostring(p) end
  if type(s) ~= "string" then error("bad argument #1 to '" .. fname .. "' (string expected, got " .. type(s) .. ")", 0) end
  if type(p) ~= "string" then error("bad argument #2 to '" .. fname .. "' (string expected, got " .. type(p) .. ")", 0) end
  return s, p
end

local function start_index(init, len)
  init = init or 1
  if init < 0 then init = init + len + 1 end
  if init < 1 then init = 1 end
  if init > len + 1 then init = len + 1 end -- Lua 5.1 and LuaJIT clamp, 5.2+ would answer nil
  return init
end

local function find_aux(is_find, s, p, init)
  local len = #s
  init = start_index(init, len)
  local anchor = byte(p, 1) == 94
  local ms = new_state(s, anchor and sub(p, 2) or p)
  local s1 = init
  repeat
    ms.level = 0
    local e = match(ms, s1, 1)
    if e then
      if is_find then
        local caps, n = captures(ms, nil, nil)
        if ms.level == 0 then return s1, e - 1 end
        return s1, e - 1, unpack(caps, 1, n)
      end
      local caps, n = captures(ms, s1, e)
      return unpack(caps, 1, n)
    end
    s1 = s1 + 1
  until s1 > len + 1 or anchor
  return nil
end

--- string.find with a pattern (plain searches never come here).
function M.find(s, p, init)
  s, p = check_args("find", s, p)
  if not find(p, SPECIALS) then
    return find(s, p, init, true)
  end
  return find_aux(true, s, p, init)
end

--- string.match.
function M.match(s, p, init)
  s, p = check_args("match", s, p)
  return find_aux(false, s, p, init)
end

--- string.gmatch.
function M.gmatch(s, p)
  s, p = check_args("gmatch", s, p)
  local ms = new_state(s, p)
  local src = 1
  return function()
    while src <= ms.slen + 1 do
      ms.level = 0
      local e = match(ms, src, 1)
      if e then
        local start = src
        src = (e == src) and e + 1 or e
        local caps, n = captures(ms, start, e)
        return unpack(caps, 1, n)
      end
      src = src + 1
    end
    return nil
  end
end

local function add_value(ms, out, s, e, repl, kind)
  local value
  if kind == "string" then
    local parts, i, l = {}, 1, #repl
    while i <= l do
      local c = byte(repl, i)
      if c == L_ESC then
        i = i + 1
        local d = byte(repl, i)
        if d == 48 then
          parts[#parts + 1] = sub(ms.src, s, e - 1)
        elseif d and d >= 49 and d <= 57 then
          local cap = get_capture(ms, d - 48, s, e)
          parts[#parts + 1] = type(cap) == "number" and tostring(cap) or cap
        elseif d then
          parts[#parts + 1] = char(d)
        end
      else
        parts[#parts + 1] = char(c)
      end
      i = i + 1
    end
    out[#out + 1] = concat(parts)
    return
  elseif kind == "function" then
    local caps, n = captures(ms, s, e)
    value = repl(unpack(caps, 1, n))
  else
    value = repl[get_capture(ms, 1, s, e)]
  end
  if not value then
    out[#out + 1] = sub(ms.src, s, e - 1)
  elseif type(value) == "string" or type(value) == "number" then
    out[#out + 1] = tostring(value)
  else
    error("invalid replacement value (a " .. type(value) .. ")", 0)
  end
end

--- string.gsub.
function M.gsub(s, p, repl, max_n)
  s, p = check_args("gsub", s, p)
  local kind = type(repl)
  if kind == "number" then repl, kind = tostring(repl), "string" end
  if kind ~= "string" and kind ~= "function" and kind ~= "table" then
    error("bad argument #3 to 'gsub' (string/function/table expected)", 0)
  end
  local anchor = byte(p, 1) == 94
  local ms = new_state(s, anchor and sub(p, 2) or p)
  max_n = max_n or (#s + 1)
  local out, n, src = {}, 0, 1
  while n < max_n do
    ms.level = 0
    local e = match(ms, src, 1)
    if e then
      n = n + 1
      add_value(ms, out, src, e, repl, kind)
    end
    if e and e > src then
      src = e
    elseif src <= ms.slen then
      out[#out + 1] = sub(s, src, src)
      src = src + 1
    else
      break
    end
    if anchor then break end
  end
  out[#out + 1] = sub(s, src)
  return concat(out), n
end

M.SPECIALS = SPECIALS
return M
