-- From the original platform's documentation (listCall).
local out = Twilio.listCall()
response.message = out
