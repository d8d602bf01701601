--- The platform's JSON helpers, `to_json(value)` and `from_json(text)`, written in Lua so that a run's
-- instruction, time and memory limits apply to them as to the script itself.
--
-- Both return their result, or `nil` and a message; neither raises for bad input. JSON `null` becomes `nil`
-- (an absent key; a hole in an array), as in results from Twilio. A table is an array when its keys are
-- exactly 1..n (n > 0); an empty table is `{}`.
-- @module json

local M = {}

local type, pairs, next, tostring, tonumber, pcall, error = type, pairs, next, tostring, tonumber, pcall, error
local str_byte, str_char, str_find, str_format, str_sub, str_gsub =
  string.byte, string.char, string.find, string.format, string.sub, string.gsub
local concat = table.concat
local floor, huge = math.floor, math.huge

local MAX_DEPTH = 200

local ESCAPES = {
  ['"'] = '\\"', ["\\"] = "\\\\", ["\b"] = "\\b", ["\f"] = "\\f", ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t",
}
for i = 0, 31 do
  local c = str_char(i)
  if ESCAPES[c] == nil then
    ESCAPES[c] = str_format("\\u%04x", i)
  end
end
ESCAPES["\127"] = "\\u007f"

local text -- valid UTF-8 for any string (twilio.lua's `text`), set by `init`

local function encode_string(s)
  return '"' .. str_gsub(text(s), '[%c"\\]', ESCAPES) .. '"'
end

local function encode_number(n)
  if n ~= n or n == huge or n == -huge then
    error("to_json: cannot encode " .. tostring(n) .. " (JSON has no NaN or infinity)", 0)
  end
  if n == floor(n) and n >= -9007199254740992 and n <= 9007199254740992 then
    return str_format("%d", n)
  end
  return str_format("%.17g", n)
end

local encode_value

local function array_length(t)
  local n = 0
  for k in pairs(t) do
    if type(k) ~= "number" or k < 1 or k ~= floor(k) then
      return nil
    end
    if k > n then n = k end
  end
  for i = 1, n do
    if t[i] == nil then return nil end
  end
  return n
end

local function encode_table(t, out, depth, seen)
  if seen[t] then
    error("to_json: cannot encode a table that contains itself", 0)
  end
  if depth > MAX_DEPTH then
    error("to_json: tables nested more than " .. MAX_DEPTH .. " deep", 0)
  end
  seen[t] = true
  local n = next(t) ~= nil and array_length(t) or nil
  if n then
    out[#out + 1] = "["
    for i = 1, n do
      if i > 1 then out[#out + 1] = "," end
      encode_value(t[i], out, depth + 1, seen)
    end
    out[#out + 1] = "]"
  else
    local keys = {}
    for k in pairs(t) do
      local kind = type(k)
      if kind == "number" then
        keys[#keys + 1] = encode_number(k)
      elseif kind == "string" then
        keys[#keys + 1] = k
      else
        error("to_json: cannot encode a table key of type " .. kind, 0)
      end
    end
    -- Sorted, so the same table always gives the same text.
    table.sort(keys)
    out[#out + 1] = "{"
    for i = 1, #keys do
      local key = keys[i]
      local value = t[key]
      if value == nil then value = t[tonumber(key)] end
      if i > 1 then out[#out + 1] = "," end
      out[#out + 1] = encode_string(key)
      out[#out + 1] = ":"
      encode_value(value, out, depth + 1, seen)
    end
    out[#out + 1] = "}"
  end
  seen[t] = nil
end

encode_value = function(v, out, depth, seen)
  local kind = type(v)
  if kind == "nil" then
    out[#out + 1] = "null"
  elseif kind == "boolean" then
    out[#out + 1] = v and "true" or "false"
  elseif kind == "number" then
    out[#out + 1] = encode_number(v)
  elseif kind == "string" then
    out[#out + 1] = encode_string(v)
  elseif kind == "table" then
    encode_table(v, out, depth, seen)
  else
    error("to_json: cannot encode a " .. kind, 0)
  end
end

--- Encode a value as JSON text.
-- @param value nil, a boolean, number, string or table of those
-- @treturn string|nil the text, or nil and a message
-- @treturn[opt] string the message
function M.to_json(value)
  local out = {}
  local ok, err = pcall(encode_value, value, out, 0, {})
  if not ok then
    if type(err) ~= "string" or str_sub(err, 1, 8) ~= "to_json:" then
      error(err, 0) -- a limit or running out of memory: not for the script to catch
    end
    return nil, err
  end
  return concat(out)
end

-- Decoding ------------------------------------------------------------------------------------------------

local function fail(s, i, what)
  local line, col = 1, 1
  for p = 1, i - 1 do
    if str_byte(s, p) == 10 then line, col = line + 1, 1 else col = col + 1 end
  end
  error(str_format("from_json: %s at line %d column %d (char %d)", what, line, col, i), 0)
end

local function skip(s, i)
  local _, e = str_find(s, "^[ \t\r\n]*", i)
  return e + 1
end

local function utf8_char(code)
  if code < 0x80 then
    return str_char(code)
  elseif code < 0x800 then
    return str_char(0xC0 + floor(code / 64), 0x80 + code % 64)
  elseif code < 0x10000 then
    return str_char(0xE0 + floor(code / 4096), 0x80 + floor(code / 64) % 64, 0x80 + code % 64)
  end
  return str_char(0xF0 + floor(code / 262144), 0x80 + floor(code / 4096) % 64, 0x80 + floor(code / 64) % 64,
    0x80 + code % 64)
end

local UNESCAPE = { ['"'] = '"', ["\\"] = "\\", ["/"] = "/", b = "\b", f = "\f", n = "\n", r = "\r", t = "\t" }

local function decode_string(s, i)
  -- s[i] is the opening quote
  local parts, n = {}, 0
  local pos = i + 1
  while true do
    local a = str_find(s, '["\\%c]', pos)
    if a == nil then
      fail(s, i, "unterminated string")
    end
    if a > pos then
      n = n + 1
      parts[n] = str_sub(s, pos, a - 1)
    end
    local c = str_sub(s, a, a)
    if c == '"' then
      return concat(parts), a + 1
    elseif c == "\\" then
      local e = str_sub(s, a + 1, a + 1)
      if e == "u" then
        local hex = str_sub(s, a + 2, a + 5)
        if not str_find(hex, "^%x%x%x%x$") then
          fail(s, a, "bad \\u escape")
        end
        local code = tonumber(hex, 16)
        pos = a + 6
        if code >= 0xD800 and code <= 0xDBFF and str_sub(s, pos, pos + 1) == "\\u" then
          local low = tonumber(str_sub(s, pos + 2, pos + 5), 16)
          if low and low >= 0xDC00 and low <= 0xDFFF then
            code = 0x10000 + (code - 0xD800) * 1024 + (low - 0xDC00)
            pos = pos + 6
          end
        end
        if code >= 0xD800 and code <= 0xDFFF then
          code = 0xFFFD -- a lone surrogate has no UTF-8 form
        end
        n = n + 1
        parts[n] = utf8_char(code)
      else
        local plain = UNESCAPE[e]
        if plain == nil then
          fail(s, a, "bad escape")
        end
        n = n + 1
        parts[n] = plain
        pos = a + 2
      end
    else
      fail(s, a, "control character in a string")
    end
  end
end

local decode_value

local function decode_array(s, i, depth)
  local out, n = {}, 0
  i = skip(s, i + 1)
  if str_sub(s, i, i) == "]" then
    return out, i + 1
  end
  while true do
    local v
    v, i = decode_value(s, i, depth + 1)
    n = n + 1
    out[n] = v
    i = skip(s, i)
    local c = str_sub(s, i, i)
    if c == "]" then
      return out, i + 1
    elseif c ~= "," then
      fail(s, i, "expected ',' or ']'")
    end
    i = skip(s, i + 1)
  end
end

local function decode_object(s, i, depth)
  local out = {}
  i = skip(s, i + 1)
  if str_sub(s, i, i) == "}" then
    return out, i + 1
  end
  while true do
    if str_sub(s, i, i) ~= '"' then
      fail(s, i, "expected a string key")
    end
    local key
    key, i = decode_string(s, i)
    i = skip(s, i)
    if str_sub(s, i, i) ~= ":" then
      fail(s, i, "expected ':'")
    end
    local v
    v, i = decode_value(s, skip(s, i + 1), depth + 1)
    out[key] = v
    i = skip(s, i)
    local c = str_sub(s, i, i)
    if c == "}" then
      return out, i + 1
    elseif c ~= "," then
      fail(s, i, "expected ',' or '}'")
    end
    i = skip(s, i + 1)
  end
end

decode_value = function(s, i, depth)
  if depth > MAX_DEPTH then
    fail(s, i, "values nested more than " .. MAX_DEPTH .. " deep")
  end
  local c = str_sub(s, i, i)
  if c == "{" then
    return decode_object(s, i, depth)
  elseif c == "[" then
    return decode_array(s, i, depth)
  elseif c == '"' then
    return decode_string(s, i)
  elseif c == "t" and str_sub(s, i, i + 3) == "true" then
    return true, i + 4
  elseif c == "f" and str_sub(s, i, i + 4) == "false" then
    return false, i + 5
  elseif c == "n" and str_sub(s, i, i + 3) == "null" then
    return nil, i + 4
  end
  local a, e = str_find(s, "^-?%d+", i)
  if a then
    if str_find(s, "^-?0%d", i) then
      fail(s, i, "malformed number (leading zero)")
    end
    local _, frac = str_find(s, "^%.%d+", e + 1)
    if frac then e = frac elseif str_sub(s, e + 1, e + 1) == "." then fail(s, e + 1, "malformed number") end
    local _, exp = str_find(s, "^[eE][-+]?%d+", e + 1)
    if exp then e = exp elseif str_find(s, "^[eE]", e + 1) then fail(s, e + 1, "malformed number") end
    return tonumber(str_sub(s, a, e)), e + 1
  end
  if c == "" then
    fail(s, i, "unexpected end of the text")
  end
  fail(s, i, "unexpected character '" .. text(c) .. "'")
end

--- Decode JSON text.
-- @tparam string s the text
-- @return the value (nil for `null`), or nil and a message
-- @treturn[opt] string the message
function M.from_json(s)
  if type(s) ~= "string" then
    return nil, "from_json: expected a string, got " .. type(s)
  end
  local ok, value, i = pcall(decode_value, s, skip(s, 1), 0)
  if not ok then
    if type(value) ~= "string" or str_sub(value, 1, 10) ~= "from_json:" then
      error(value, 0) -- a limit or running out of memory: not for the script to catch
    end
    return nil, value
  end
  i = skip(s, i)
  if i <= #s then
    local _, err = pcall(fail, s, i, "unexpected text after the value")
    return nil, err
  end
  return value
end

--- Configure the module; called once per runtime.
-- @tparam function text_fn valid UTF-8 for any string (see twilio.lua's `text`)
function M.init(text_fn)
  text = text_fn
end

return M
