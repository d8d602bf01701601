-- Place a call whose instructions travel with the request (inline TwiML), so no web server is needed.
--
--   twilio-lua run examples/call_with_twiml.lua

local twiml = [[
<Response>
  <Say voice="alice">Pump 3 overheated. Press 1 to acknowledge.</Say>
  <Gather numDigits="1" action="https://example.com/alerts/ack" method="POST"/>
</Response>
]]

local call, err = Twilio.createCall{
  From = "+15005550006",
  To = (request.parameters and request.parameters.to) or "+15558675310",
  Twiml = twiml,
  Timeout = 30,
  Record = false,
  StatusCallback = "https://example.com/alerts/call-status",
  StatusCallbackEvent = {"initiated", "answered", "completed"},
}
if err then
  return {ok = false, error = err.error, type = err.type, code = err.code}
end
return {ok = true, sid = call.sid, status = call.status, to = call.to}
