-- From the original platform's documentation (deleteMessage). The message must be in a final state.
-- get a list of messages
local list = Twilio.listMessage()
local messages = list.messages

-- get the MessageSid of the first message
local first_msg_sid = messages[1].sid

-- use MessageSid as argument to delete the first message
local out = Twilio.deleteMessage({MessageSid = first_msg_sid})
response.message = out
