-- Send one alert to several recipients and report, per recipient, what happened.
--
--   twilio-lua run examples/alert_many.lua --request alert.json
--
-- with alert.json like {"parameters": {"to": ["+15558675310", "+15558675311"], "text": "Tank 2 low"}}.
-- One failure does not stop the others: every operation returns an error object instead of raising.
-- The default list includes +15005550009, a Twilio test number that is refused (code 21614).

local FROM = "+15005550006"
local params = request.parameters or {}
local recipients = params.to or {"+15558675310", "+15558675311", "+15005550009"}
if type(recipients) == "string" then
  recipients = {recipients}
end
local text = params.text or "Tank 2 level low (12%)"

local results, sent, failed = {}, 0, 0
for i, to in ipairs(recipients) do
  local message, err = Twilio.postMessage{From = FROM, To = to, Body = text}
  if err then
    failed = failed + 1
    results[i] = {to = to, ok = false, error = err.error, code = err.code, type = err.type}
  else
    sent = sent + 1
    results[i] = {to = to, ok = true, sid = message.sid, status = message.status}
  end
end

response.message = {sent = sent, failed = failed, results = results}
