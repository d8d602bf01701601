-- From the original platform's documentation (listMedia).
-- get a list of messages
local list = Twilio.listMessage()
local messages = list.messages

-- get MessageSid of the first message
local first_msg_sid = messages[1].sid

-- use MessageSid as argument to get media list of the message
local out = Twilio.listMedia({MessageSid = first_msg_sid})
response.message = out
