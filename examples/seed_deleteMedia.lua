-- From the original platform's documentation (deleteMedia).
-- The original used placeholder SIDs ({MessageSid = "xxxx", MediaSid = "yyyy"}); this version deletes the
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
  response.message = {error = "no message with media left: send one with MediaUrl"}
  return
end

-- delete a media from a message
local out = Twilio.deleteMedia({MessageSid = message_sid, MediaSid = media_sid})
response.message = out
