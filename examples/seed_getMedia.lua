-- From the original platform's documentation (getMedia).
-- The original used placeholder SIDs ({MessageSid = "xxxx", MediaSid = "yyyy"}); this version reads the
-- first media item of the newest message that has media (an MMS).
local message_sid, media_sid
for message, err in Twilio.each("listMessage") do
  if err then response.message = err return end
  if message.num_media ~= "0" then
    local media = Twilio.listMedia({MessageSid = message.sid}).media_list
    if media and media[1] then
      message_sid, media_sid = message.sid, media[1].sid
      break
    end
  end
end
if not media_sid then
  response.message = {error = "no message with media yet: send one with MediaUrl"}
  return
end

-- get media from a message
local out = Twilio.getMedia({MessageSid = message_sid, MediaSid = media_sid})
response.message = out
