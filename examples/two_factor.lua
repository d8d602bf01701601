-- Two-factor sign-in with Twilio Verify: send a code, read it back from the simulator, check it.
--
--   twilio-lua run examples/two_factor.lua
--
-- Against the embedded simulator this runs as is: its default account has a Verify Service (the SID below)
-- and a code sent over SMS shows up as a message to the recipient, so the script can read it the way a user
-- reads their phone. On Twilio, give your own Service and number (--request with {"parameters": {"service":
-- "VA...", "to": "+1..."}}) and let the user type the code instead of reading the message log.

local params = request.parameters or {}
-- The embedded simulator's default Verify Service for its default account (docs/simulator.md).
local SERVICE = params.service or "VAba69ad204e6626758f5109bba228a290"
local TO = params.to or "+14155552671"

local started, err = Twilio.createVerification{ServiceSid = SERVICE, To = TO, Channel = "sms"}
if err then
  return {ok = false, step = "send", error = err.error, code = err.code, status = err.status}
end

-- The user's phone: the newest message to TO carries "Your ... verification code is: 123456".
local inbox = Twilio.listMessage{To = TO, PageSize = 1}
if inbox.error or #inbox.messages == 0 then
  return {ok = false, step = "read", error = inbox.error or "no message arrived"}
end
local code = string.match(inbox.messages[1].body, "(%d+)%s*$")

-- A typo first: Twilio answers pending (and counts the attempt; five wrong codes end the verification).
local typo = code == "000000" and "111111" or "000000"
local wrong = Twilio.checkVerification{ServiceSid = SERVICE, To = TO, Code = typo}
if wrong.error then
  return {ok = false, step = "check", error = wrong.error, code = wrong.code}
end

local check = Twilio.checkVerification{ServiceSid = SERVICE, VerificationSid = started.sid, Code = code}
if check.error then
  return {ok = false, step = "check", error = check.error, code = check.code}
end

-- Once approved, the verification is gone: checking it again answers 404 (code 20404), as on Twilio.
local again = Twilio.checkVerification{ServiceSid = SERVICE, VerificationSid = started.sid, Code = code}

return {
  ok = check.status == "approved",
  sid = started.sid,
  after_typo = wrong.status,
  status = check.status,
  checked_again = again.code,
}
