-- From the original platform's documentation (deleteMedia).
-- The original used placeholder SIDs ({MessageSid = "xxxx", MediaSid = "yyyy"}); this version deletes the
-- first media item of the newest message, which must have media (an MMS).
local message_sid = Twilio.listMessage().messages[1].sid
local media_sid = Twilio.listMedia({MessageSid = message_sid}).media_list[1].sid

-- delete a media from a message
local out = Twilio.deleteMedia({MessageSid = message_sid, MediaSid = media_sid})
response.message = out
