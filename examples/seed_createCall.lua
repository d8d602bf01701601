-- From the original platform's documentation (createCall).
-- you need to provide a url that has the predefined TwiML files -- for reference - https://www.twilio.com/docs/api/twiml
local out = Twilio.createCall({
  From = "+16123409875",
  To = "+886912345678",
  Url = "https://markpeng-test01.apps.exosite-dev.io/twiml"
})
response.message = out
