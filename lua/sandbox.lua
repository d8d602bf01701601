--- The sandbox for untrusted scripts: a fresh whitelisted environment per run, an instruction and time
-- budget enforced by a debug hook, and a string library whose C functions cannot run unbounded.
--
-- adapter/lua_sandbox.py runs this chunk once per runtime, before any untrusted code, in the runtime's
-- real global environment. It captures what it needs (debug.sethook, load, setfenv...) as upvalues; scripts
-- get fresh environments built by `prepare` and can reach none of it. Everything a script can reach that
-- outlives a run (the string metatable, the operation closures, these wrappers) is read-only or protected.
-- @module sandbox

local M = {}

local _G = _G
local type, pairs, next, select, tostring, error = type, pairs, next, select, tostring, error
local pcall, xpcall, unpack, rawset, rawget, ipairs = pcall, xpcall, unpack, rawset, rawget, ipairs
local setmetatable, getmetatable = setmetatable, getmetatable
local getfenv, setfenv, loadstring, load = getfenv, setfenv, loadstring, load
local str_byte, str_find, str_match, str_gmatch, str_gsub, str_rep, str_format, str_sub =
  string.byte, string.find, string.match, string.gmatch, string.gsub, string.rep, string.format, string.sub
local concat = table.concat
local min = math.min
local co_create, co_resume, co_status, co_yield = coroutine.create, coroutine.resume, coroutine.status, coroutine.yield
local co_isyieldable = coroutine.isyieldable -- LuaJIT 2.1; nil on PUC Lua 5.1
local os_date = os.date
local sethook = debug.sethook
local raw_getmetatable = debug.getmetatable
local collectgarbage = collectgarbage

--- Instructions between two budget checks: the hook costs ~4% at this rate.
local HOOK_EVERY = 1000
local NO_MEMORY = "not enough memory"
local MESSAGES = {
  instructions = "instruction limit exceeded",
  time = "time limit exceeded",
  wall = "wall clock limit exceeded",
  output = "output limit exceeded",
  calls = "Twilio call limit exceeded",
  memory = NO_MEMORY,
  interrupted = "interrupted by the host",
}
--- Nesting allowed through C functions that call back into Lua (gsub with a function, sort comparators,
-- coroutine.resume, __tostring from string.format...). LuaJIT has no C-stack guard on some of these paths
-- and segfaults; PUC Lua 5.1 stops at 200 (LUAI_MAXCCALLS). Each level costs well under 1 KiB of C stack.
local MAX_CCALLS = 150
local CCALLS_MESSAGE = "C stack overflow (calls nested too deeply through library functions)"

--- State shared with the host, which reads it after each run (and sets `abort`).
M.state = { killed = false, memory = false, abort = false }
local state = M.state

-- Configuration, set by `init`.
local host_print, script_time
local text -- valid UTF-8 for any string (twilio.lua's `text`), set by init
local budget, time_limit = 0, false
local input_limit, cost_limit, rep_limit = 65536, 1e8, 16777216
local output_limit, printed = math.huge, 0
local wall_clock -- host callable: seconds since the run started, waiting on Twilio included
local wall_limit = false
local host_random, host_seed -- the run's random generator, on the host (seeded from the OS per run)
local ccalls = 0
local load_with_env = true
local per_coroutine_hooks = false
local service_protos = {}
local lpattern -- the metered matcher (lua/lpattern.lua), set by init
local used = 0
local current_env
--- The marker an operation yields to the coroutine driver (twilio.lua's `PENDING`), and the host's way to
-- carry out a pending command at once where no yield can reach the driver; both set by init.
local pending, resolve_now

local count_hook, kill_hook

--- Stop the script: from now on every instruction raises, so `pcall` loops cannot swallow the stop.
-- @tparam string kind "instructions", "time" or "interrupted"
local function stop(kind)
  state.killed = kind
  sethook(kill_hook, "", 1)
  error(MESSAGES[kind], 0)
end

kill_hook = function()
  error(MESSAGES[state.killed] or MESSAGES.instructions, 0)
end

count_hook = function()
  used = used + HOOK_EVERY
  if state.killed then
    return stop(state.killed)
  end
  if state.abort then
    return stop("interrupted")
  end
  if used > budget then
    return stop("instructions")
  end
  if time_limit and script_time() > time_limit then
    return stop("time")
  end
  if wall_limit and wall_clock() > wall_limit then
    return stop("wall")
  end
end

--- Install the budget hook on a coroutine (PUC Lua 5.1 keeps hooks per coroutine; LuaJIT's are global).
-- @param co a coroutine
local function hook_coroutine(co)
  if state.killed then
    sethook(co, kill_hook, "", 1)
  else
    sethook(co, count_hook, "", HOOK_EVERY)
  end
end

--- Re-raise what a script may not catch: memory exhaustion and a stop.
-- @tparam boolean ok the first result of pcall/xpcall/coroutine.resume
-- @return all of the arguments, when they may go back to the script
local function uncatchable(ok, ...)
  if not ok then
    if state.killed then
      error(MESSAGES[state.killed], 0)
    end
    if (...) == NO_MEMORY then
      state.memory = true
      error(NO_MEMORY, 0)
    end
  end
  return ok, ...
end

local function safe_pcall(f, ...)
  return uncatchable(pcall(f, ...))
end

local function safe_xpcall(f, handler, ...)
  -- A stop is raised inside the hook, where further hooks are off: the script's handler must not run
  -- then, or an endless handler could never be stopped.
  local function guarded(e)
    if state.killed or e == NO_MEMORY then
      return e
    end
    return handler(e)
  end
  return uncatchable(xpcall(f, guarded, ...))
end

local function safe_create(f)
  local co = co_create(f)
  -- Only where hooks are per coroutine: on LuaJIT, setting one would restart the global hook's count,
  -- and a loop creating coroutines would then never be counted.
  if per_coroutine_hooks then
    hook_coroutine(co)
  end
  return co
end

--- What a script's own coroutine gave back to `coroutine.resume`. An operation inside it yields `pending`
-- to reach the coroutine driver: that yield is passed up (or, where no yield can reach the driver, the
-- command is carried out at once) and the answer goes back into the coroutine; the script never sees it.
local function resumed(co, ok, first, ...)
  if ok and first == pending and pending ~= nil and co_status(co) == "suspended" then
    if co_isyieldable and co_isyieldable() then
      return resumed(co, co_resume(co, co_yield(pending)))
    end
    return resumed(co, co_resume(co, resolve_now()))
  end
  ccalls = ccalls - 1
  return uncatchable(ok, first, ...)
end

local function safe_resume(co, ...)
  if type(co) ~= "thread" then
    return co_resume(co, ...) -- raises the C function's own "bad argument"
  end
  if ccalls >= MAX_CCALLS then
    return false, CCALLS_MESSAGE
  end
  ccalls = ccalls + 1
  return resumed(co, co_resume(co, ...))
end

local function left(ok, ...)
  ccalls = ccalls - 1
  if not ok then
    error((...), 0)
  end
  return ...
end

--- Wrap a C function that may call back into Lua, so that nesting through it is counted and bounded.
-- The inner pcall only restores the count: what it catches is raised again unchanged.
-- @tparam function fn
-- @treturn function
local function reentrant(fn)
  return function(...)
    if ccalls >= MAX_CCALLS then
      error(CCALLS_MESSAGE, 0)
    end
    ccalls = ccalls + 1
    return left(pcall(fn, ...))
  end
end

local function wrap_results(ok, ...)
  if not ok then
    error((...), 0)
  end
  return ...
end

local function safe_wrap(f)
  local co = safe_create(f)
  return function(...)
    return wrap_results(safe_resume(co, ...))
  end
end

--- Skip a `[set]` in a pattern.
-- @tparam string p the pattern
-- @tparam number i the index of `[`
-- @treturn number the index after the closing `]`
local function skip_set(p, i)
  local len = #p
  i = i + 1
  if str_byte(p, i) == 94 then i = i + 1 end -- ^
  if str_byte(p, i) == 93 then i = i + 1 end -- a leading ] is a literal
  while i <= len do
    local c = str_byte(p, i)
    if c == 37 then
      i = i + 2
    elseif c == 93 then
      return i + 1
    else
      i = i + 1
    end
  end
  return i
end

--- Worst-case work of Lua's backtracking matcher for pattern `p` on `n` bytes: every unbounded quantifier,
-- %b and back reference may try every remaining position, so the work grows like binomial(n + k, k).
-- @tparam string p the pattern
-- @tparam number n the subject's length
-- @treturn number the estimate (about 1.6e8 per second of C time on the machine it was measured on)
local function pattern_cost(p, n)
  local i, len = 1, #p
  local wild, optional, anchored = 0, 0, false
  if str_byte(p, 1) == 94 then
    anchored, i = true, 2
  end
  while i <= len do
    local c = str_byte(p, i)
    local single = true
    if c == 37 then -- %
      local d = str_byte(p, i + 1)
      if d == 98 then -- %bxy
        wild, i, single = wild + 1, i + 4, false
      elseif d == 102 then -- %f[set]
        i, single = skip_set(p, i + 2), false
      elseif d and d >= 48 and d <= 57 then -- back reference
        wild, i, single = wild + 1, i + 2, false
      else
        i = i + 2
      end
    elseif c == 91 then -- [
      i = skip_set(p, i)
    elseif c == 40 or c == 41 then -- ( )
      i, single = i + 1, false
    else
      i = i + 1
    end
    if single then
      local q = str_byte(p, i)
      if q == 42 or q == 43 or q == 45 then -- * + -
        wild, i = wild + 1, i + 1
      elseif q == 63 then -- ?
        optional, i = optional + 1, i + 1
      end
    end
  end
  local k = wild + (anchored and 0 or 1)
  local cost = 2 ^ min(optional, 60)
  for j = 1, k do
    cost = cost * (n + j) / j
  end
  -- Each of those attempts may compare the whole pattern (("a"):rep(60000) .. "%d" against a long run of
  -- "a" compares 60,000 bytes at every position).
  return (cost + n) * (min(len, n) + 1), wild + optional > 0
end

--- Check the time budget after a C call whose cost grows with its input: the hook only runs between
-- instructions, so a loop of a few costly calls would otherwise go far past the time limit.
-- @return its arguments
local function passed(...)
  if time_limit and script_time() > time_limit then
    stop("time")
  end
  if wall_limit and wall_clock() > wall_limit then
    stop("wall")
  end
  return ...
end

--- Wrap a C function so the time budget is checked after each call.
-- @tparam function fn
-- @treturn function
local function timed(fn)
  return function(...)
    return passed(fn(...))
  end
end

local PATTERN_SPECIALS = "[%^%$%*%+%?%.%(%[%%%-]" -- Lua 5.1's: without any of them a find is plain

--- Whether the C matcher may run this call: only when its worst case is cheap. Otherwise the call goes to
-- lpattern, the same matcher written in Lua, which the instruction and time budgets can interrupt.
-- @tparam string s the subject
-- @tparam string p the pattern
-- @treturn boolean
local function c_matcher_is_safe(s, p)
  if #p > input_limit then
    return false
  end
  local cost, backtracks = pattern_cost(p, #s)
  -- Without quantifiers the work is at most #s * #p, whatever the subject's length.
  return cost <= cost_limit and (#s <= input_limit or not backtracks)
end

--- Plain search: C's is at worst #s * #p comparisons, so a long needle in a long subject is searched
-- window by window, with the budget checked in between.
local function plain_find(s, p, init)
  local n, m = #s, #p
  -- Comparing bytes with memcmp is ~100 times cheaper than a step of the pattern matcher.
  local budget = cost_limit * 20
  if n * m <= budget then
    return str_find(s, p, init, true)
  end
  init = init or 1
  if init < 0 then init = init + n + 1 end
  if init < 1 then init = 1 end
  if init > n + 1 then init = n + 1 end
  local window = math.max(m, math.floor(budget / m))
  local pos = init
  while pos <= n - m + 1 do
    local a, b = str_find(str_sub(s, pos, math.min(n, pos + window + m - 2)), p, 1, true)
    if a then
      return pos + a - 1, pos + b - 1
    end
    pos = pos + window
    passed()
  end
  return nil
end

--- Coerce the arguments of a pattern function as the C functions do; nil when they are not usable (the
-- C function is then called, and reports the bad argument itself).
local function pattern_args(s, p, init)
  if type(s) == "number" then s = tostring(s) end
  if type(p) == "number" then p = tostring(p) end
  if init ~= nil then init = tonumber(init) end
  if type(s) ~= "string" or type(p) ~= "string" or init == false then
    return nil
  end
  return s, p, init
end

local safe_string = {}
for k, v in pairs(string) do
  safe_string[k] = v
end
safe_string.dump = nil -- bytecode can crash the VM
for _, k in ipairs({ "upper", "lower", "reverse", "sub", "byte", "char" }) do
  safe_string[k] = timed(string[k])
end
-- LuaJIT's format calls __tostring for %s from C.
safe_string.format = timed(reentrant(string.format))

function safe_string.find(s, p, init, plain)
  local s2, p2, init2 = pattern_args(s, p, init)
  if s2 == nil or (init ~= nil and init2 == nil) then
    return str_find(s, p, init, plain)
  end
  if plain or not str_find(p2, PATTERN_SPECIALS) then
    return passed(plain_find(s2, p2, init2))
  end
  if c_matcher_is_safe(s2, p2) then
    return passed(str_find(s2, p2, init2))
  end
  return lpattern.find(s2, p2, init2)
end

function safe_string.match(s, p, init)
  local s2, p2, init2 = pattern_args(s, p, init)
  if s2 == nil or (init ~= nil and init2 == nil) then
    return str_match(s, p, init)
  end
  if c_matcher_is_safe(s2, p2) then
    return passed(str_match(s2, p2, init2))
  end
  return lpattern.match(s2, p2, init2)
end

function safe_string.gmatch(s, p)
  local s2, p2 = pattern_args(s, p)
  if s2 == nil then
    return str_gmatch(s, p)
  end
  if not c_matcher_is_safe(s2, p2) then
    return lpattern.gmatch(s2, p2)
  end
  local iterate = str_gmatch(s2, p2)
  return function()
    return passed(iterate())
  end
end

local guarded_gsub = reentrant(str_gsub)

function safe_string.gsub(s, p, repl, n)
  local s2, p2 = pattern_args(s, p)
  local kind = type(repl)
  local c_gsub = (kind == "string" or kind == "number") and str_gsub or guarded_gsub
  if s2 == nil or (n ~= nil and tonumber(n) == nil) then
    return c_gsub(s, p, repl, n)
  end
  if c_matcher_is_safe(s2, p2) then
    return passed(c_gsub(s2, p2, repl, n))
  end
  return lpattern.gsub(s2, p2, repl, n and tonumber(n))
end
-- Lua 5.1's old name for gmatch: the same guarded function (the C one would run unmetered).
safe_string.gfind = safe_string.gmatch

function safe_string.rep(s, n, sep)
  if type(s) == "number" then s = tostring(s) end
  if type(s) == "string" and type(n) == "number" and n > 0 then
    local size = #s * n + (type(sep) == "string" and #sep * (n - 1) or 0)
    if size > rep_limit then
      error(str_format("string.rep: the result would be %.0f bytes; this host allows at most %d", size, rep_limit), 2)
    end
  end
  return passed(str_rep(s, n, sep))
end

--- Read-only view of a table: writes fail, and its metatable cannot be read or replaced.
-- @tparam table t the table to show
-- @tparam string what its name, for the error message
-- @treturn table the view
local function read_only(t, what)
  return setmetatable({}, {
    __index = t,
    __newindex = function()
      error(what .. " is read-only", 2)
    end,
    __metatable = false,
  })
end

--- Shallow copy, so that a script changing its libraries changes nothing for the next script.
-- @tparam table t
-- @treturn table
local function copy(t)
  local out = {}
  for k, v in pairs(t) do
    out[k] = v
  end
  return out
end

--- Compile source text (never bytecode) into a function whose environment is `env`.
-- @tparam string source the Lua source
-- @tparam string chunkname the chunk name shown in error messages
-- @tparam table env the environment
-- @return the function, or nil and the error message
local function compile(source, chunkname, env)
  if type(source) ~= "string" then
    return nil, "the source must be a string"
  end
  if str_byte(source, 1) == 27 then
    return nil, "precompiled (binary) chunks are not allowed"
  end
  if load_with_env then
    return load(source, chunkname, "t", env)
  end
  local fn, err = loadstring(source, chunkname)
  if fn then
    setfenv(fn, env)
  end
  return fn, err
end
M.compile = compile

local function safe_loadstring(source, chunkname)
  if chunkname ~= nil and type(chunkname) ~= "string" then
    return nil, "the chunk name must be a string"
  end
  return compile(source, chunkname or "=(load)", current_env)
end

local function safe_load(chunk, chunkname, mode, env)
  if type(chunk) == "function" then
    local parts = {}
    while true do
      local piece = chunk()
      if piece == nil or piece == "" then break end
      if type(piece) ~= "string" then
        return nil, "the reader function must return strings"
      end
      parts[#parts + 1] = piece
    end
    chunk = concat(parts)
  end
  if env ~= nil and type(env) ~= "table" then
    return nil, "the environment must be a table"
  end
  if chunkname ~= nil and type(chunkname) ~= "string" then
    return nil, "the chunk name must be a string"
  end
  -- The mode is ignored: only text is ever accepted.
  return compile(chunk, chunkname or "=(load)", env or current_env)
end

--- getfenv that never hands out the host's environment.
local function safe_getfenv(f)
  if f == nil then f = 1 end
  if type(f) == "number" then
    if f == 0 then return current_env end
    f = f + 1 -- skip this wrapper
  end
  local env = getfenv(f)
  if env == _G then
    error("getfenv: the environment of a host function is protected", 2)
  end
  return env
end

--- setfenv that cannot change a host function's environment.
local function safe_setfenv(f, env)
  if type(env) ~= "table" then
    error("bad argument #2 to 'setfenv' (table expected)", 2)
  end
  if f == nil then f = 1 end
  if type(f) == "number" then
    if f == 0 then
      error("setfenv: the thread's environment cannot be changed", 2)
    end
    f = f + 1
  end
  if getfenv(f) == _G then
    error("setfenv: the environment of a host function is protected", 2)
  end
  local result = setfenv(f, env)
  return result
end

local function safe_setmetatable(t, mt)
  if type(mt) == "table" and mt.__gc ~= nil then
    error("setmetatable: __gc is not allowed", 2)
  end
  return setmetatable(t, mt)
end

--- rawset on a table whose metatable is protected (`__metatable`) is refused: that is how read-only
-- tables are made.
local function safe_rawset(t, k, v)
  if type(t) == "table" then
    local mt = raw_getmetatable(t)
    if mt ~= nil and mt.__metatable ~= nil then
      error("rawset: this table is protected", 2)
    end
  end
  return rawset(t, k, v)
end

local function safe_collectgarbage(opt)
  if opt == "count" then
    return collectgarbage("count")
  end
  error("collectgarbage: only \"count\" is available", 2)
end

local function safe_print(...)
  local n = select("#", ...)
  local parts = {}
  for i = 1, n do
    parts[i] = tostring((select(i, ...)))
  end
  local line = concat(parts, "\t")
  printed = printed + #line + 1
  if printed > output_limit then
    stop("output")
  end
  -- In a table and as valid UTF-8: lupa never decodes a script's string on its way to the host.
  host_print({ text(line) })
end

local function safe_date(format, time)
  if type(format) == "string" and #format > 256 then
    error("os.date: the format is too long", 2)
  end
  return os_date(format, time)
end

local safe_coroutine = copy(coroutine)
safe_coroutine.create = safe_create
safe_coroutine.resume = safe_resume
safe_coroutine.wrap = safe_wrap

local safe_table = copy(table)
for _, k in ipairs({ "concat", "insert", "remove" }) do
  safe_table[k] = timed(table[k])
end
-- Comparators and __lt, and foreach's function, are called from C.
for _, k in ipairs({ "sort", "foreach", "foreachi" }) do
  if table[k] then
    safe_table[k] = timed(reentrant(table[k]))
  end
end
local safe_unpack = timed(unpack)
safe_table.unpack = safe_unpack

local floor = math.floor

--- math.random on the run's own generator (on the host, seeded from the OS for every run), with Lua 5.1's
-- argument rules: nothing a script does changes another run's sequence.
local function safe_random(m, n)
  local r = host_random()
  if m == nil then
    return r
  end
  m = tonumber(m)
  if m == nil then
    error("bad argument #1 to 'random' (number expected)", 2)
  end
  if n == nil then
    m = floor(m)
    if m < 1 then
      error("bad argument #1 to 'random' (interval is empty)", 2)
    end
    return floor(r * m) + 1
  end
  n = tonumber(n)
  if n == nil then
    error("bad argument #2 to 'random' (number expected)", 2)
  end
  m, n = floor(m), floor(n)
  if m > n then
    error("bad argument #2 to 'random' (interval is empty)", 2)
  end
  return floor(r * (n - m + 1)) + m
end

local function safe_randomseed(x)
  x = tonumber(x)
  if x == nil then
    error("bad argument #1 to 'randomseed' (number expected)", 2)
  end
  host_seed(x)
end

local safe_math = copy(math)
safe_math.random = safe_random
safe_math.randomseed = safe_randomseed

local safe_os = { time = os.time, clock = os.clock, date = safe_date, difftime = os.difftime }

--- The functions every environment starts with (libraries are copied per run, see `prepare`).
local BASE = {
  assert = assert, error = error, ipairs = ipairs, next = next, pairs = pairs, pcall = safe_pcall,
  print = safe_print, rawequal = rawequal, rawget = rawget, rawset = safe_rawset, select = select,
  tonumber = tonumber, tostring = tostring, type = type, unpack = safe_unpack, xpcall = safe_xpcall,
  getmetatable = getmetatable, setmetatable = safe_setmetatable, getfenv = safe_getfenv,
  setfenv = safe_setfenv, load = safe_load, loadstring = safe_loadstring,
  collectgarbage = safe_collectgarbage, _VERSION = _VERSION,
}

--- Configure the sandbox; called once per runtime, before any script.
-- @tparam table config `print` and `clock` host callables, `text` (see twilio.lua), `lpattern` (the
--   module), `input_limit`,
--   `cost_limit`, `rep_limit`,
--   `load_with_env` (false on PUC Lua 5.1, whose load takes no environment), `per_coroutine_hooks`
--   (true on PUC Lua, whose hooks belong to one coroutine)
-- @tparam table services the prototype service tables by global name (`Twilio`, host services), copied
--   into each environment
function M.init(config, services)
  host_print = config.print
  script_time = config.clock
  text = config.text
  input_limit = config.input_limit or input_limit
  cost_limit = config.cost_limit or cost_limit
  rep_limit = config.rep_limit or rep_limit
  output_limit = config.output_limit or output_limit
  wall_clock = config.wall_clock
  host_random, host_seed = config.random, config.seed
  load_with_env = config.load_with_env ~= false
  per_coroutine_hooks = config.per_coroutine_hooks == true
  for name, fn in pairs(config.globals or {}) do
    BASE[name] = fn
  end
  service_protos = {}
  for name, proto in pairs(services) do
    service_protos[name] = proto
  end
  lpattern = config.lpattern
  pending, resolve_now = config.pending, config.resolve
  if jit then
    -- Compiled traces never call hooks: without this, `while true do end` could not be stopped.
    jit.off()
    jit.flush()
  end
  local string_mt = raw_getmetatable("")
  string_mt.__index = read_only(safe_string, "the string library")
  string_mt.__metatable = false
end

--- A fresh environment for one run.
-- @tparam table extras host globals to add (they may replace the defaults)
-- @treturn table the environment
function M.prepare(extras)
  local env = copy(BASE)
  env.string = copy(safe_string)
  env.table = copy(safe_table)
  env.math = copy(safe_math)
  env.coroutine = copy(safe_coroutine)
  env.os = copy(safe_os)
  for name, proto in pairs(service_protos) do
    -- The copy keeps the prototype's locked metatable (Twilio's names a misspelt operation).
    env[name] = setmetatable(copy(proto), raw_getmetatable(proto))
  end
  env._G = env
  if extras then
    for k, v in pairs(extras) do
      env[k] = v
    end
  end
  current_env = env
  return env
end

--- Start the budget for one run; the host clears the hook afterwards by calling `M.sethook()`.
-- @tparam number instructions the instruction budget
-- @param seconds the time budget, or false
-- @param wall the wall-clock budget in seconds (waiting on Twilio included), or false
function M.arm(instructions, seconds, wall)
  -- A fresh table: the last one may belong to a run of the coroutine driver that is still going.
  state = { killed = false, memory = false, abort = false }
  M.state = state
  used, budget, time_limit, wall_limit = 0, instructions, seconds, wall
  printed, ccalls = 0, 0
  sethook(count_hook, "", HOOK_EVERY)
end

--- The counters of the run just armed (`arm`), for the coroutine driver, which runs many at once and makes
-- one current for each of its turns (`switch`, `save`).
-- @treturn table the run's record
function M.record()
  return { state = state, used = used, budget = budget, time_limit = time_limit, wall_limit = wall_limit,
           printed = printed, ccalls = ccalls, env = current_env }
end

--- Make `run` (a `record`) the run that is going: its budgets count from here.
-- @tparam table run
function M.switch(run)
  state, used, budget, time_limit, wall_limit = run.state, run.used, run.budget, run.time_limit, run.wall_limit
  printed, ccalls, current_env = run.printed, run.ccalls, run.env
  M.state = state
  if state.killed then
    sethook(kill_hook, "", 1)
  else
    sethook(count_hook, "", HOOK_EVERY)
  end
end

--- Keep what the current run's turn used in its record (the host clears the hook after the turn).
-- @tparam table run
function M.save(run)
  run.used, run.printed, run.ccalls = used, printed, ccalls
end

--- Make the coroutine a run of the coroutine driver runs in: `M.run(fn, before)` inside it. It stays in
-- the run's record (lupa cannot hand a coroutine back to Lua once Python holds it).
-- @tparam table run a `record`
-- @tparam function fn the compiled script
-- @tparam[opt] table before modules to run first (see `M.run`)
function M.start(run, fn, before)
  local co = co_create(function()
    return M.run(fn, before)
  end)
  if per_coroutine_hooks then
    hook_coroutine(co)
  end
  run.co = co
end

--- One turn of a run of the coroutine driver: resume it with the answer to its last command.
-- @tparam table run a `record` with a coroutine (`start`)
-- @return "wait" when it yielded a command; else "done" and what `M.run` returns, or "done", false and
--   the error that ended it outside the script's protected call (a stop, no memory)
local function stepped(co, ok, ...)
  if not ok then
    return "done", false, (...), false
  end
  if co_status(co) == "suspended" then
    if (...) == pending then
      return "wait"
    end
    return "done", false, "attempt to yield from outside a coroutine", false
  end
  return "done", ...
end

function M.step(run, ...)
  local co = run.co
  return stepped(co, co_resume(co, ...))
end

--- Stop the running script from a host callback (a quota reached): every following instruction raises.
-- On PUC Lua a coroutine keeps its own hook, whose next check (within HOOK_EVERY instructions) stops it.
-- @tparam string kind a key of MESSAGES
function M.halt(kind)
  state.killed = kind
  sethook(kill_hook, "", 1)
end

--- Forget the last run: its environment is not kept anywhere once the host drops its references.
function M.forget()
  current_env = nil
end

--- How a value goes back to the host: a string in a table, so that text which is not UTF-8 meets the
-- host's own code (which turns it into an error) rather than lupa's conversion of return values.
-- @param value any value
-- @return the value or `{value}`, and whether it was wrapped
local function outward(value)
  if type(value) == "string" then
    return { value, #value }, true
  end
  return value, false
end

--- Error messages the host shows are cut to this many bytes (the host reads them whole).
local MESSAGE_MAX = 65536

--- Run a compiled script (the host arms the budget first and clears the hook after).
-- @tparam function fn the compiled script
-- @return whether it completed, its first result or its error (see `outward`), and whether that was wrapped
-- @tparam[opt] table before compiled modules to run first, in order, in the same environment (`--preload`)
function M.run(fn, before)
  local ok, value
  if before == nil then
    ok, value = pcall(fn)
  else
    ok, value = pcall(function()
      for i = 1, #before do
        before[i]()
      end
      return fn()
    end)
  end
  if not ok and type(value) == "string" and #value > MESSAGE_MAX then
    value = str_sub(value, 1, MESSAGE_MAX)
  end
  return ok, outward(value)
end

--- Whether a run left global `name` as the host gave it (`response = {...}` replaces it).
-- @tparam table env the run's environment
-- @tparam string name the global's name
-- @param value what the host gave
-- @treturn boolean
function M.same(env, name, value)
  return rawequal(rawget(env, name), value)
end

--- `compile` for the host: the error message comes back wrapped (it may quote bytes of the source).
-- @return the function, or nil and `{message}`
function M.host_compile(source, chunkname, env)
  local fn, err = compile(source, chunkname, env)
  if fn then
    return fn
  end
  return nil, { str_sub(tostring(err), 1, 4096) }
end

--- A global of a finished run, read raw (see `outward`).
-- @tparam table env the run's environment
-- @tparam string name the global's name
function M.capture(env, name)
  return outward(rawget(env, name))
end

--- The text in `box[1]` as valid UTF-8 (at most its first 64 KiB), for a message the host shows.
-- @tparam table box `{text}`
-- @treturn string
function M.text_of(box)
  local s = box[1]
  if type(s) ~= "string" then
    return ""
  end
  return text(str_sub(s, 1, 65536))
end

--- The host's handles on C functions it calls directly (no Lua instruction runs, so no hook fires).
M.sethook = sethook
M.collectgarbage = collectgarbage

return M
