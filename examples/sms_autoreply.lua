-- An inbound-SMS webhook: Twilio posts each message received by your number here; the script checks
-- that the request really comes from Twilio and answers with TwiML, which Twilio turns into a reply.
--
--   twilio-lua serve examples/sms_autoreply.lua --public-url https://<your tunnel>
--
-- and set the number's "A message comes in" webhook to https://<your tunnel>/sms. --public-url names the
-- address Twilio signs (behind a tunnel or proxy the server cannot know it). The Auth Token that checks the
-- signature stays on the host: Twilio.validateRequest only answers true, or false and the reason.
-- Run with `twilio-lua run` and no signed request, it refuses, as it should.

--#ENDPOINT POST /sms
local valid, why = Twilio.validateRequest(request)
if not valid then
  response.code = 403
  response.message = {ok = false, error = why.error}
  return
end

local function escape(text)
  return (tostring(text):gsub("[<>&\"']", {
    ["<"] = "&lt;", [">"] = "&gt;", ["&"] = "&amp;", ['"'] = "&quot;", ["'"] = "&apos;",
  }))
end

local body = request.body.Body or ""
local reply
if body:upper():match("^%s*STATUS") then
  local last = Keystore.get{key = "last:pump-3"}.value
  reply = last and string.format("pump-3: %d C", last.temperature) or "No reading yet."
else
  reply = "Thanks! Send STATUS for the latest reading."
end

response.headers = {["Content-Type"] = "text/xml"}
response.message = '<?xml version="1.0" encoding="UTF-8"?><Response><Message>' .. escape(reply)
  .. "</Message></Response>"
