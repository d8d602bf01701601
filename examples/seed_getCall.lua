-- From the original platform's documentation (getCall).
-- get a list of call records
local list = Twilio.listCall()
local calls = list.calls

-- get CallSid of the first call
local first_call_sid = calls[1].sid

-- use CallSid as argument for getCall -- to get the details of the call
local out = Twilio.getCall({CallSid = first_call_sid})
response.message = out
