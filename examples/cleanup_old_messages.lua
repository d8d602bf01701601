-- Page through the messages sent before a date and delete them.
--
--   twilio-lua run examples/cleanup_old_messages.lua --request cleanup.json
--
-- with cleanup.json like {"parameters": {"before": "2026-01-01"}} (default: 30 days ago).
-- Twilio.each follows next_page_uri one page at a time; the SIDs are collected first so that deleting
-- does not shift the pages being read. Twilio refuses to delete a message that is still on its way
-- (code 20009): those are reported, not retried.

local params = request.parameters or {}
local before = params.before or os.date("!%Y-%m-%d", os.time() - 30 * 24 * 3600)

local old = {}
for message, err in Twilio.each("listMessage", {["DateSent<"] = before, PageSize = 100}) do
  if err then
    response.message = {ok = false, error = err.error, status = err.status}
    return
  end
  old[#old + 1] = message.sid
end

local deleted, not_deleted = 0, {}
for _, sid in ipairs(old) do
  local err = Twilio.deleteMessage{MessageSid = sid}
  if err == nil then
    deleted = deleted + 1
  else
    not_deleted[#not_deleted + 1] = {sid = sid, error = err.error, code = err.code}
  end
end

response.message = {ok = true, before = before, found = #old, deleted = deleted, not_deleted = not_deleted}
