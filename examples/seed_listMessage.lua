-- From the original platform's documentation (listMessage).
local list = Twilio.listMessage()
response.message = list
