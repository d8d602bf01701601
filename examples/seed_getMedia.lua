-- From the original platform's documentation (getMedia).
-- The original used placeholder SIDs ({MessageSid = "xxxx", MediaSid = "yyyy"}); this version reads the
-- first media item of the newest message, which must have media (an MMS).
local message_sid = Twilio.listMessage().messages[1].sid
local media_sid = Twilio.listMedia({MessageSid = message_sid}).media_list[1].sid

-- get media from a message
local out = Twilio.getMedia({MessageSid = message_sid, MediaSid = media_sid})
response.message = out
