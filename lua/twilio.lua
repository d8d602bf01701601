--- The Lua side of the `Twilio` table: one function per operation, `each` and `is_error`.
--
-- The host (adapter/lua_bridge.py) loads this module from package data and calls `build` with two host
-- callables. Scripts only ever see the table `build` returns: every function in it is a Lua closure, and
-- every value it returns is a plain Lua table, so no host object is reachable from a script.
--
-- Calling convention of every operation: `Twilio.op(args)`, `Twilio.op{...}` or `Twilio.op()`.
-- On success it returns the result table (nil for a delete). On failure it returns the error object
-- `{type, error, status, ...}` twice, so both `local out = Twilio.op{...}; if out.error then ... end` and
-- `local res, err = Twilio.op{...}; if err then ... end` work. Operations never raise.
-- @module twilio

local M = {}

local type = type
local pcall = pcall
local select = select

--- The error object returned when the host itself failed (its log has the details).
-- @tparam string operation the operation's name
-- @treturn table a fresh error object
local function internal_error(operation)
  return {
    type = "config",
    error = "The Twilio adapter failed on the host; the host's log has the details",
    status = 500,
    operation = operation,
  }
end

--- Turn a host envelope into an operation's return values.
-- @tparam string operation the operation's name
-- @tparam boolean ok whether the host call itself returned
-- @param envelope the host's answer: `{ok = true, value = result}` or `{ok = false, value = err}`
-- @return the result, or the error object twice
local function unwrap(operation, ok, envelope)
  if not ok or type(envelope) ~= "table" then
    local err = internal_error(operation)
    return err, err
  end
  if envelope.ok then
    return envelope.value
  end
  local err = envelope.value
  return err, err
end

--- Whether `v` is an error object returned by an operation or by `each`.
-- @param v any value
-- @treturn boolean true for a table with string `type` and `error` fields and a `status`
function M.is_error(v)
  return type(v) == "table" and type(v.type) == "string" and type(v.error) == "string" and v.status ~= nil
end

--- Make the function for one operation.
-- @tparam function call host callable `call(operation, args, extra_count)` returning an envelope
-- @tparam string operation the operation's name
-- @treturn function `fn(args)` returning the result, or the error object twice
local function operation(call, operation_name)
  return function(args, ...)
    return unwrap(operation_name, pcall(call, operation_name, args, select("#", ...)))
  end
end

--- Make `each`: an iterator over every item of a list operation, one page in memory at a time.
-- @tparam function page host callable `page(operation, args)` returning
--   `{ok = true, items = {...}, count = n, next = args_or_nil}` or `{ok = false, value = err}`
-- @tparam table names operation name by operation function, so `each(Twilio.listMessage)` works too
-- @treturn function `each(operation, args)` for a generic `for`
local function make_each(page, names)
  --- Iterate over every item of a list operation, following `next_page_uri` lazily.
  -- `for item, err in Twilio.each("listMessage", {PageSize = 100}) do ... end`: yields each item with a nil
  -- `err`. On failure (on any page) it yields the error object twice (`item` and `err` are the same table)
  -- and then stops. Items never have an `error` field, so `if err then` and `if item.error then` both work.
  -- @param operation a list operation's name ("listCall", "listMessage", "listMedia") or its function
  -- @tparam[opt] table args the operation's arguments for the first page
  -- @treturn function the iterator
  return function(operation_name, args)
    if type(operation_name) == "function" then
      operation_name = names[operation_name] or "(unknown function)"
    end
    local items, count, index = nil, 0, 0
    local next_args, started, finished = args, false, false
    return function()
      while true do
        if items ~= nil and index < count then
          index = index + 1
          return items[index]
        end
        items = nil
        if finished or (started and next_args == nil) then
          return nil
        end
        started = true
        local ok, envelope = pcall(page, operation_name, next_args)
        if not ok or type(envelope) ~= "table" then
          finished = true
          local err = internal_error(operation_name)
          return err, err
        end
        if not envelope.ok then
          finished = true
          local err = envelope.value
          return err, err
        end
        items, count, index, next_args = envelope.items, envelope.count or 0, 0, envelope.next
      end
    end
  end
end

--- Build a `Twilio` table.
-- @tparam function call host callable for operations (see `operation`)
-- @tparam function page host callable for pages (see `make_each`)
-- @tparam table operations array of operation names
-- @treturn table the table scripts use: one function per operation, `each` and `is_error`
function M.build(call, page, operations)
  local twilio, names = {}, {}
  for i = 1, #operations do
    local name = operations[i]
    local fn = operation(call, name)
    twilio[name] = fn
    names[fn] = name
  end
  twilio.each = make_each(page, names)
  twilio.is_error = M.is_error
  return twilio
end

return M
