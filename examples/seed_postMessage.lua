-- From the original platform's documentation (postMessage).
-- send an SMS message to a phone number
local out = Twilio.postMessage({
  From = "+16125550923",
  To = "+17635551234",
  Body = "Your device is in an error state."
})
response.message = out
