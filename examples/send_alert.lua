-- Send an SMS alert and read it back.
--
--   twilio-lua run examples/send_alert.lua
--
-- Without Twilio credentials this runs against the embedded simulator. +15005550006 is Twilio's test
-- "From" number: with test credentials on the real API it sends nothing and costs nothing.

local FROM = "+15005550006"
local TO = (request.parameters and request.parameters.to) or "+15558675310"

local sent, err = Twilio.postMessage{
  From = FROM,
  To = TO,
  Body = "Pump 3 overheated: 92 C at the outlet",
}
if err then
  -- The error object: {type = "validation"|"api"|..., error = "...", status = 400, code = 21211, ...}
  return {ok = false, error = err.error, type = err.type, status = err.status, code = err.code}
end

local message, fetch_err = Twilio.getMessage{MessageSid = sent.sid}
if fetch_err then
  return {ok = false, sid = sent.sid, error = fetch_err.error}
end

return {
  ok = true,
  sid = message.sid,
  to = message.to,
  status = message.status,
  segments = tonumber(message.num_segments),
}
