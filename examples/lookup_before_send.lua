-- Look a number up before texting it: send only to valid mobile numbers, and say why the others were skipped.
--
--   twilio-lua run examples/lookup_before_send.lua
--
-- The basic lookup (format, country, validity) is free on Twilio; line_type_intelligence is billed per lookup.
-- Give your own list with --request: {"parameters": {"to": "+14155552671", "text": "..."}}.

local params = request.parameters or {}
local recipients = params.to and {params.to} or {"+14155552671", "(415) 555-2672", "+15558675310", "+442071838750"}
local text = params.text or "Pump 3 overheated: 92 C at the outlet"

local results, sent = {}, 0
for _, number in ipairs(recipients) do
  local info, err = Twilio.lookupPhoneNumber{PhoneNumber = number, CountryCode = "US",
                                             Fields = {"line_type_intelligence"}}
  local result = {number = number}
  if err then
    result.skipped, result.error = "lookup failed", err.error
  elseif not info.valid then
    result.skipped = "not a valid number: " .. tostring(info.validation_errors[1])
  elseif info.line_type_intelligence.type ~= "mobile" then
    result.skipped = "not a mobile number: " .. tostring(info.line_type_intelligence.type)
  else
    -- Send to the normalized E.164 form the lookup returned, whatever form the number came in.
    local message, send_err = Twilio.postMessage{From = "+15005550006", To = info.phone_number, Body = text}
    if send_err then
      result.skipped, result.error = "send failed", send_err.error
    else
      result.sid, result.to = message.sid, message.to
      sent = sent + 1
    end
  end
  results[#results + 1] = result
end

return {sent = sent, skipped = #results - sent, results = results}
