-- An event handler from the original platform: a device reported a temperature; remember it in the
-- Keystore and text the on-call number when it is too hot, at most once per incident.
--
--   twilio-lua run examples/overheat_handler.lua --event event.json
--
-- where event.json holds the device event (the global `data`), as the platform gave it:
--   {"alias": "temperature", "device_sn": "pump-3", "value": [1764460800, 92]}
-- Without --event, `data` is empty and the handler uses the sample event below. Keystore is the host
-- service the command line provides (kept in the simulator's state file); Twilio is the embedded simulator
-- unless --live or --base-url is given.

local LIMIT = 80
local FROM, ON_CALL = "+15005550006", "+15558675310"

local event = data
if next(event) == nil then
  event = {alias = "temperature", device_sn = "pump-3", value = {os.time(), 92}}
end
if event.alias ~= "temperature" then
  return {ok = true, ignored = event.alias}
end

local device = event.device_sn or "unknown device"
local reading = event.value or {}
local temperature = tonumber(reading[2])
if temperature == nil then
  return {ok = false, error = "the event has no temperature value"}
end

-- Every reading is kept; `alerted` remembers an incident so a hot pump texts once, not every minute.
Keystore.set{key = "last:" .. device, value = {at = reading[1], temperature = temperature}}
local state = Keystore.get{key = "alerted:" .. device}
local alerted = state.value == true

if temperature <= LIMIT then
  if alerted then
    Keystore.delete{key = "alerted:" .. device}
  end
  return {ok = true, device = device, temperature = temperature, alert = false}
end
if alerted then
  return {ok = true, device = device, temperature = temperature, alert = false, already_alerted = true}
end

local sent, err = Twilio.postMessage{
  From = FROM,
  To = ON_CALL,
  Body = string.format("%s is at %d C (limit %d C)", device, temperature, LIMIT),
}
if err then
  return {ok = false, device = device, error = err.error, code = err.code}
end
Keystore.set{key = "alerted:" .. device, value = true}
return {ok = true, device = device, temperature = temperature, alert = true, sid = sent.sid}
