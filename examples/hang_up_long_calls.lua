-- Hang up calls that have run too long: every call still queued, ringing or in progress that started more
-- than max_seconds ago is ended with updateCall{Status = "completed"} (a call never answered ends canceled).
--
--   twilio-lua run examples/hang_up_long_calls.lua                       # demo: places a call, then ends it
--   twilio-lua run examples/hang_up_long_calls.lua --request limits.json  # {"parameters": {"max_seconds": 600}}

local params = request.parameters or {}
local max_seconds = tonumber(params.max_seconds)
local placed
if max_seconds == nil then
  -- Demo mode (no limit given): place a call so there is one to end, and treat any age as too long.
  local call, err = Twilio.createCall{From = "+15005550006", To = "+14155552671",
                                      Twiml = "<Response><Say>This call runs too long.</Say><Pause length=\"600\"/></Response>"}
  if err then return {ok = false, error = err.error, code = err.code} end
  placed, max_seconds = call.sid, 0
end

local MONTHS = {Jan = 1, Feb = 2, Mar = 3, Apr = 4, May = 5, Jun = 6, Jul = 7, Aug = 8, Sep = 9, Oct = 10,
                Nov = 11, Dec = 12}

--- Seconds since the epoch of Twilio's RFC 2822 dates ("Tue, 01 Dec 2026 09:00:00 +0000", always GMT).
local function epoch(date)
  local d, mon, y, h, mi, s = string.match(date or "", "(%d+) (%a+) (%d+) (%d+):(%d+):(%d+)")
  if not d then return nil end
  local as_local = os.time{year = tonumber(y), month = MONTHS[mon], day = tonumber(d),
                           hour = tonumber(h), min = tonumber(mi), sec = tonumber(s)}
  -- os.time reads the fields as local time; shift by the host's offset from GMT.
  local now = os.time()
  return as_local + (now - os.time(os.date("!*t", now)))
end

local now = os.time()
local ended, kept = {}, 0
for _, status in ipairs({"in-progress", "ringing", "queued"}) do
  for call, err in Twilio.each("listCall", {Status = status}) do
    if err then return {ok = false, error = err.error, code = err.code} end
    local started = epoch(call.start_time) or epoch(call.date_created)
    if started and now - started >= max_seconds then
      local out, update_err = Twilio.updateCall{CallSid = call.sid, Status = "completed"}
      if update_err then
        ended[#ended + 1] = {sid = call.sid, was = status, error = update_err.error, code = update_err.code}
      else
        ended[#ended + 1] = {sid = call.sid, was = status, now = out.status}
      end
    else
      kept = kept + 1
    end
  end
end

return {ok = true, placed = placed, max_seconds = max_seconds, ended = ended, kept = kept}
