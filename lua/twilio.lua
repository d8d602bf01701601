--- The Lua side of host services: one builder for every service table (`Twilio`, `Keystore`, ...), and the
-- `Twilio` table built with it (its operations, `each`, `is_error`, `validateRequest`).
--
-- The host (adapter/lua/bridge.py) loads this module from package data and calls `service` or `build` with
-- host callables. Scripts only ever see the tables these return: every function in them is a Lua closure,
-- and every value they return is plain Lua data, so no host object is reachable from a script.
--
-- Calling convention of every operation: `Service.op(args)`, `Service.op{...}` or `Service.op()`.
-- On success it returns the result (a table, nil for a Twilio delete, or a plain value from another
-- service). On failure it returns the error object `{type, error, status, ...}` twice, so both
-- `local out = Twilio.op{...}; if out.error then ... end` and `local res, err = Twilio.op{...}; if err then
-- ... end` work. Operations never raise.
-- @module twilio

local M = {}

local type = type
local pcall = pcall
local select = select
local rawget = rawget
local tostring = tostring
local str_find, str_byte, str_sub = string.find, string.byte, string.sub
local concat = table.concat
local co_yield = coroutine.yield
local co_isyieldable = coroutine.isyieldable -- LuaJIT 2.1; nil on PUC Lua 5.1

--- What a host callable returns, under the coroutine driver (`LuaHost.execute_async`), instead of an
-- answer: the command waits on the host's event loop. The operation then yields this marker to the driver,
-- which resumes it with the answer (the value the host callable would have returned).
M.PENDING = setmetatable({}, { __metatable = false, __newindex = function() error("read-only", 2) end })
local PENDING = M.PENDING

--- The host's answer to a call, waiting for it first when the host deferred it (`PENDING`): by yielding to
-- the driver where a yield can reach it, else (inside a C function such as `string.gsub`'s callback, or on
-- PUC Lua 5.1, whose `pcall` cannot be yielded across) by asking the host to carry it out at once.
-- @tparam function resolve host callable carrying out the pending command at once, or nil
-- @return whether the host call returned, and its answer
local function settle(resolve, ok, value)
  if ok and value == PENDING then
    if co_isyieldable and co_isyieldable() then
      return true, co_yield(PENDING)
    end
    if resolve == nil then
      return false
    end
    return pcall(resolve)
  end
  return ok, value
end

--- The error object returned when the host itself failed (its log has the details).
-- @tparam string operation the operation's name
-- @tparam[opt] string service the service's name (nil for Twilio, whose errors name the adapter)
-- @treturn table a fresh error object
local function internal_error(operation, service)
  if service ~= nil then
    return {
      type = "config",
      error = "The " .. service .. " service failed on the host; the host's log has the details",
      status = 500,
      service = service,
      operation = operation,
    }
  end
  return {
    type = "config",
    error = "The Twilio adapter failed on the host; the host's log has the details",
    status = 500,
    operation = operation,
  }
end

--- The error object the host left in `slot` for a failed call, or the generic one.
-- @tparam table slot the table the host writes an error object into (index 1)
-- @tparam string operation the operation's name
-- @tparam[opt] string service see `internal_error`
-- @return the error object twice
local function failed(slot, operation, service)
  local err = slot[1]
  slot[1] = nil
  if type(err) ~= "table" then
    err = internal_error(operation, service)
  end
  return err, err
end

--- Turn what the host callable returned into an operation's return values.
-- The host returns the result (a table, or nil), `true` after putting a plain value (a string, number or
-- boolean from a service other than Twilio) in `slot[2]`, or `false` after putting the error object in
-- `slot[1]`; it never raises, but if the call failed anyway (`ok` false) the script gets the generic error.
-- @tparam table slot see `failed`
-- @tparam string operation the operation's name
-- @tparam[opt] string service see `internal_error`
-- @tparam boolean ok whether the host call itself returned
-- @param value the host's answer
-- @return the result, or the error object twice
local function unwrap(slot, operation, service, ok, value)
  if ok then
    local kind = type(value)
    if kind == "table" or kind == "nil" then
      return value
    end
    if value == true then
      local plain = slot[2]
      slot[2] = nil
      return plain
    end
  else
    slot[1] = nil -- whatever the host left there belongs to a call that did not return
    slot[2] = nil
  end
  return failed(slot, operation, service)
end

--- Valid UTF-8 text for `s`: `s` itself when it is valid (in the strict sense of Python's decoder: no
-- overlong forms, no surrogates, nothing above U+10FFFF), else a copy in which each byte that does not
-- start a valid sequence is replaced with U+FFFD. Used for text that only goes to the host to be shown.
-- @tparam string s
-- @treturn string
local function text(s)
  if not str_find(s, "[\128-\255]") then
    return s
  end
  local out, n, start, i, len = {}, 0, 1, 1, #s
  while i <= len do
    local c = str_byte(s, i)
    local size = 0
    if c < 0x80 then
      size = 1
    else
      local lo, hi = 0x80, 0xBF
      if c >= 0xC2 and c <= 0xDF then
        size = 2
      elseif c >= 0xE0 and c <= 0xEF then
        size = 3
        if c == 0xE0 then lo = 0xA0 elseif c == 0xED then hi = 0x9F end
      elseif c >= 0xF0 and c <= 0xF4 then
        size = 4
        if c == 0xF0 then lo = 0x90 elseif c == 0xF4 then hi = 0x8F end
      end
      if size > 1 then
        local c2 = str_byte(s, i + 1)
        if c2 == nil or c2 < lo or c2 > hi then
          size = 0
        else
          for j = i + 2, i + size - 1 do
            local cj = str_byte(s, j)
            if cj == nil or cj < 0x80 or cj > 0xBF then
              size = 0
              break
            end
          end
        end
      end
    end
    if size > 0 then
      i = i + size
    else
      out[n + 1] = str_sub(s, start, i - 1)
      out[n + 2] = "\239\191\189"
      n = n + 2
      i = i + 1
      start = i
    end
  end
  if n == 0 then
    return s
  end
  out[n + 1] = str_sub(s, start)
  return concat(out)
end
M.text = text

--- Whether `v` is an error object returned by an operation or by `each`.
-- @param v any value
-- @treturn boolean true for a table with string `type` and `error` fields and a `status`
function M.is_error(v)
  return type(v) == "table" and type(v.type) == "string" and type(v.error) == "string" and v.status ~= nil
end

--- Make the function for one operation of a service.
-- Only tables, nil, numbers and our own strings ever reach the host: a string in a script can hold any
-- bytes, and a host runtime with `encoding="utf-8"` could not even receive one that is not UTF-8 (lupa
-- would raise while converting the arguments, and the script's `pcall` would catch a live Python
-- exception). So a wrong call shape is found here and only named to the host (`problem`, `detail`), which
-- builds the validation error object; strings inside the argument table are read by the host's own walker.
-- @tparam function call host callable for this operation: `call(args, problem, detail)`
-- @tparam string operation_name the operation's name
-- @tparam table slot see `failed`
-- @tparam[opt] string service see `internal_error`
-- @treturn function `fn(args)` returning the result, or the error object twice
local function operation(call, operation_name, slot, service, resolve)
  local fn
  fn = function(args, ...)
    local kind = type(args)
    local problem, detail
    if kind == "table" and rawget(args, operation_name) == fn then
      problem = "colon" -- Service:op{...} passes the service table itself first
    elseif select("#", ...) > 0 then
      problem, detail = "extra", select("#", ...)
    elseif kind ~= "table" and kind ~= "nil" then
      problem, detail = "type", kind
    end
    if problem ~= nil then
      return unwrap(slot, operation_name, service, pcall(call, nil, problem, detail))
    end
    return unwrap(slot, operation_name, service, settle(resolve, pcall(call, args)))
  end
  return fn
end

--- Make `each`: an iterator over every item of a list operation, one page in memory at a time.
-- @tparam function page host callable `page(operation, args, problem, detail, link)` returning
--   `{items = {...}, count = n, next = next_page_uri_or_nil}`, or `false` with the error object in `slot[1]`;
--   `link` is the previous page's `next`, which the host follows exactly as Twilio gave it
-- @tparam table names operation name by operation function, so `each(Twilio.listMessage)` works too
-- @tparam table known every operation's name, by itself
-- @tparam table slot see `failed`
-- @treturn function `each(operation, args)` for a generic `for`
local function make_each(page, names, known, slot, resolve)
  --- Iterate over every item of a list operation, following `next_page_uri` lazily.
  -- `for item, err in Twilio.each("listMessage", {PageSize = 100}) do ... end`: yields each item with a nil
  -- `err`. On failure (on any page) it yields the error object twice (`item` and `err` are the same table)
  -- and then stops. Items never have an `error` field, so `if err then` and `if item.error then` both work.
  -- @param operation a list operation's name ("listCall", "listMessage", "listMedia") or its function
  -- @tparam[opt] table args the operation's arguments for the first page
  -- @treturn function the iterator
  return function(operation_name, args)
    local name_kind = type(operation_name)
    if name_kind == "function" then
      operation_name = names[operation_name] or "(unknown function)"
    elseif name_kind == "number" then
      operation_name = tostring(operation_name)
    elseif name_kind ~= "string" then
      operation_name = "(a " .. name_kind .. ")"
    end
    -- The host gets our own copy of a known name, or else the (shortened, valid UTF-8) text in a table.
    local host_name = known[operation_name] or { text(str_sub(operation_name, 1, 200)) }
    local problem, detail
    if args ~= nil and type(args) ~= "table" then
      problem, detail = "type", type(args)
    end
    local items, count, index = nil, 0, 0
    local link, started, finished = nil, false, false
    return function()
      while true do
        if items ~= nil and index < count then
          index = index + 1
          return items[index]
        end
        items = nil
        if finished or (started and link == nil) then
          return nil
        end
        local ok, envelope
        if not started and problem ~= nil then
          ok, envelope = pcall(page, host_name, nil, problem, detail)
        else
          ok, envelope = settle(resolve, pcall(page, host_name, args, nil, nil, link))
        end
        started = true
        if not ok or type(envelope) ~= "table" then
          finished = true
          return unwrap(slot, operation_name, nil, ok, false)
        end
        items, count, index, link = envelope.items, envelope.count or 0, 0, envelope.next
      end
    end
  end
end

--- Build the table of a host service: one function per operation.
-- @tparam string name the service's name, as scripts see it (`Keystore`)
-- @tparam table calls host callables, one per operation (see `operation`), in the order of `operations`
-- @tparam table operations array of operation names
-- @tparam table slot where the host puts the error object of a failed call (see `failed`)
-- @tparam[opt] function resolve host callable carrying out a deferred command at once (see `settle`)
-- @treturn table the service table
function M.service(name, calls, operations, slot, resolve)
  local service = {}
  for i = 1, #operations do
    local op = operations[i]
    service[op] = operation(calls[i], op, slot, name, resolve)
  end
  return service
end

--- Make `validateRequest`: whether a request really comes from Twilio (its `X-Twilio-Signature`).
-- @tparam function call host callable `call(request, problem, detail)` answering `{valid = true}`, or
--   `false` with the reason (an error object) in `slot[1]`
-- @tparam table slot see `failed`
-- @treturn function `validateRequest(request)` returning true, or false and the error object
local function make_validate(call, slot)
  local check = operation(call, "validateRequest", slot)
  return function(request, ...)
    local out, err = check(request, ...)
    if err ~= nil then
      return false, err
    end
    return true
  end
end

--- The metatable of the `Twilio` table: reading a field it does not have (`Twilio.sendSms`) raises a Lua
-- error naming the closest operations ("Twilio.sendSms is not an operation; did you mean
-- Twilio.postMessage?"), where Lua would let the call fail with "attempt to call field 'sendSms' (a nil
-- value)". A Lua error, not an error object: a misspelt operation is a mistake in the script, not an
-- answer from Twilio, and it must not read as a function that exists (`if Twilio.updateCall then`).
-- `rawget(Twilio, name)` tests for a field without raising. The metatable is shared and locked.
-- @tparam[opt] function unknown see `build`
-- @treturn table the metatable
local function missing_field(unknown)
  return {
    __metatable = false,
    __index = function(_, key)
      local message
      if type(key) == "string" and unknown ~= nil then
        local ok, answer = pcall(unknown, { text(str_sub(key, 1, 200)) })
        if ok and type(answer) == "string" then
          message = answer
        end
      end
      if message == nil then
        local kind = type(key)
        local shown = kind == "string" and "." .. text(str_sub(key, 1, 64))
          or "[" .. (kind == "number" and tostring(key) or kind) .. "]"
        message = "Twilio" .. shown .. " is not an operation"
      end
      error(message, 2)
    end,
  }
end

--- Build a `Twilio` table.
-- @tparam table calls host callables, one per operation (see `operation`), in the order of `operations`
-- @tparam function page host callable for pages (see `make_each`)
-- @tparam table operations array of operation names
-- @tparam table slot where the host puts the error object of a failed call (see `failed`)
-- @tparam function validate host callable behind `validateRequest` (see `make_validate`)
-- @tparam[opt] function resolve host callable carrying out a deferred command at once (see `settle`)
-- @tparam[opt] function unknown host callable `unknown({name})` returning the message for a missing field
-- @treturn table the table scripts use: one function per operation, `each`, `is_error`, `validateRequest`
function M.build(calls, page, operations, slot, validate, resolve, unknown)
  local twilio, names, known = {}, {}, {}
  for i = 1, #operations do
    local name = operations[i]
    local fn = operation(calls[i], name, slot, nil, resolve)
    twilio[name] = fn
    names[fn] = name
    known[name] = name
  end
  twilio.each = make_each(page, names, known, slot, resolve)
  twilio.is_error = M.is_error
  if validate ~= nil then
    twilio.validateRequest = make_validate(validate, slot)
  end
  return setmetatable(twilio, missing_field(unknown))
end

return M
