---@meta
-- Generated from specs/ (twilio_v2010.yaml and the files it includes) by `twilio-lua docs`; do not edit by hand.
-- Editor annotations for lua-language-server: put this file's folder in `workspace.library`.

---An operation's error object: operations return it twice (`out.error` and `local res, err`).
---@class TwilioError
---@field type "validation"|"api"|"network"|"timeout"|"config" Which stage failed
---@field error string What went wrong
---@field status integer The HTTP status (Twilio's, or the closest one)
---@field code? integer Twilio's error code
---@field more_info? string Twilio's documentation page for the code
---@field details? table Per-argument problems ({field, error}) or Twilio's details
---@field operation? string The operation that failed
---@field attempts? integer How many attempts were made

---@class TwilioCall
---@field account_sid? string The SID of the Account that created this Call resource.
---@field answered_by? string Either human or machine if this call was initiated with answering machine detection.
---@field api_version? string The API version used to create the call.
---@field caller_name? string The caller's name if this call was an incoming call to a phone number with caller ID Lookup enabled.
---@field date_created? string The date and time in UTC that this resource was created specified in RFC 2822 format.
---@field date_updated? string The date and time in UTC that this resource was last updated, specified in RFC 2822 format.
---@field direction? string A string describing the direction of the call.
---@field duration? string The length of the call in seconds.
---@field end_time? string The time the call ended, given as UTC in RFC 2822 format.
---@field forwarded_from? string The forwarding phone number if this call was an incoming call forwarded from another number (depends on carrier supporting forwarding).
---@field from? string The phone number, SIP address, Client identifier or SIM SID that made this call.
---@field from_formatted? string The calling phone number, SIP address, or Client identifier formatted for display.
---@field group_sid? string The Group SID associated with this call.
---@field parent_call_sid? string The SID that identifies the call that created this leg.
---@field phone_number_sid? string If the call was inbound, this is the SID of the IncomingPhoneNumber resource that received the call.
---@field price? string The charge for this call, in the currency associated with the account.
---@field price_unit? string The currency in which Price is measured, in ISO 4127 format (e.g., USD, EUR, JPY).
---@field queue_time? string The wait time in milliseconds before the call is placed.
---@field sid? string The unique string that we created to identify this Call resource.
---@field start_time? string The start time of the call, given as UTC in RFC 2822 format.
---@field status? "queued"|"ringing"|"in-progress"|"completed"|"busy"|"failed"|"no-answer"|"canceled" The status of this call.
---@field subresource_uris? table<string, string> A list of subresources available to this call, identified by their URIs relative to https://api.twilio.com.
---@field to? string The phone number, SIP address, Client identifier or SIM SID that received this call.
---@field to_formatted? string The phone number, SIP address or Client identifier that received this call.
---@field trunk_sid? string The unique identifier of the trunk resource that was used for this call.
---@field uri? string The URI of this resource, relative to https://api.twilio.com.

---@class TwilioMessage
---@field account_sid? string The SID of the Account associated with the Message resource
---@field api_version? string The API version used to process the Message
---@field body? string The text content of the message
---@field date_created? string The RFC 2822 timestamp (in GMT) of when the Message resource was created
---@field date_sent? string The RFC 2822 timestamp (in GMT) of when the Message was sent.
---@field date_updated? string The RFC 2822 timestamp (in GMT) of when the Message resource was last updated
---@field direction? "inbound"|"outbound-api"|"outbound-call"|"outbound-reply" The direction of the message.
---@field error_code? integer The error code returned if the Message status is failed or undelivered.
---@field error_message? string The description of the error_code if the Message status is failed or undelivered.
---@field from? string The sender's phone number (in E.164 format), alphanumeric sender ID, Wireless SIM, short code, or channel address (e.g., whatsapp:+15554449999).
---@field messaging_service_sid? string The SID of the Messaging Service associated with the Message resource.
---@field num_media? string The number of media files associated with the Message resource.
---@field num_segments? string The number of segments that make up the complete message.
---@field price? string The amount billed for the message in the currency specified by price_unit.
---@field price_unit? string The currency in which price is measured, in ISO 4127 format (e.g.
---@field sid? string The unique, Twilio-provided string that identifies the Message resource.
---@field status? "queued"|"sending"|"sent"|"failed"|"delivered"|"undelivered"|"receiving"|"received"|"accepted"|"scheduled"|"read"|"partially_delivered"|"canceled" The status of the Message.
---@field subresource_uris? table<string, string> A list of related resources identified by their URIs relative to https://api.twilio.com
---@field to? string The recipient's phone number (in E.164 format) or channel address (e.g.
---@field uri? string The URI of the Message resource, relative to https://api.twilio.com.

---@class TwilioMedia
---@field account_sid? string The SID of the Account associated with this Media resource.
---@field content_type? string The default MIME type of the media, for example image/jpeg, image/png, or image/gif.
---@field date_created? string The date and time in GMT when this Media resource was created, specified in RFC 2822 format.
---@field date_updated? string The date and time in GMT when this Media resource was last updated, specified in RFC 2822 format.
---@field parent_sid? string The SID of the Message resource that is associated with this Media resource.
---@field sid? string The unique string that identifies this Media resource.
---@field uri? string The URI of this Media resource, relative to https://api.twilio.com.

---@class TwilioCallPage
---@field calls TwilioCall[]
---@field page integer The page number, zero-based.
---@field page_size integer The page size asked for.
---@field start integer The position of the first item of this page in the whole list.
---@field ["end"] integer The position of the last item of this page in the whole list.
---@field uri string This page, relative to https://api.twilio.com.
---@field first_page_uri string The first page, relative to https://api.twilio.com.
---@field next_page_uri? string The next page, or null (nil in Lua) on the last page.
---@field previous_page_uri? string The previous page, or null on the first page.

---@class TwilioMessagePage
---@field messages TwilioMessage[]
---@field page integer The page number, zero-based.
---@field page_size integer The page size asked for.
---@field start integer The position of the first item of this page in the whole list.
---@field ["end"] integer The position of the last item of this page in the whole list.
---@field uri string This page, relative to https://api.twilio.com.
---@field first_page_uri string The first page, relative to https://api.twilio.com.
---@field next_page_uri? string The next page, or null (nil in Lua) on the last page.
---@field previous_page_uri? string The previous page, or null on the first page.

---@class TwilioMediaPage
---@field media_list TwilioMedia[]
---@field page integer The page number, zero-based.
---@field page_size integer The page size asked for.
---@field start integer The position of the first item of this page in the whole list.
---@field ["end"] integer The position of the last item of this page in the whole list.
---@field uri string This page, relative to https://api.twilio.com.
---@field first_page_uri string The first page, relative to https://api.twilio.com.
---@field next_page_uri? string The next page, or null (nil in Lua) on the last page.
---@field previous_page_uri? string The previous page, or null on the first page.

---@class TwilioPhoneNumberLookup
---@field calling_country_code? string International dialing prefix of the phone number defined in the E.164 standard.
---@field country_code? string The phone number's ISO country code.
---@field phone_number? string The phone number in E.164 format, which consists of a + followed by the country code and subscriber number.
---@field national_format? string The phone number in national format.
---@field valid? boolean Boolean which indicates if the phone number is in a valid range that can be freely assigned by a carrier to a user.
---@field validation_errors? TwilioValidationError[] Contains reasons why a phone number is invalid. Possible values: TOO_SHORT, TOO_LONG, INVALID_BUT_POSSIBLE, INVALID_COUNTRY_CODE, INVALID_LENGTH, NOT_A_NUMBER.
---@field caller_name? table An object that contains caller name information based on CNAM.
---@field sim_swap? table An object that contains information on the last date the subscriber identity module (SIM) was changed for a mobile phone number.
---@field call_forwarding? table An object that contains information on the unconditional call forwarding status of mobile phone number.
---@field line_type_intelligence? table An object that contains line type information including the carrier name, mobile country code, and mobile network code.
---@field line_status? table An object that contains line status information for a mobile phone number.
---@field identity_match? table An object that contains identity match information.
---@field reassigned_number? table An object that contains reassigned number information. Reassigned Numbers will return a phone number's reassignment status given a phone number and date
---@field sms_pumping_risk? table An object that contains information on if a phone number has been currently or previously blocked by Verify Fraud Guard for receiving malicious SMS pumping traffic as well as other signals associated
---@field phone_number_quality_score? string An object that contains information of a mobile phone number quality score. Quality score will return a risk score about the phone number.
---@field pre_fill? string An object that contains pre fill information. pre_fill will return PII information associated with the phone number like first name, last name, address line, country code, state and postal code.
---@field url? string The absolute URL of the resource.

---@class TwilioCallerNameInfo
---@field caller_name? string
---@field caller_type? string
---@field error_code? integer

---@class TwilioSimSwapInfo
---@field last_sim_swap? string
---@field carrier_name? string
---@field mobile_country_code? string
---@field mobile_network_code? string
---@field error_code? integer

---@class TwilioCallForwardingInfo
---@field call_forwarding_enabled? boolean
---@field error_code? integer

---@class TwilioLineTypeIntelligenceInfo
---@field mobile_country_code? string
---@field mobile_network_code? string
---@field carrier_name? string
---@field type? string
---@field error_code? integer

---@class TwilioLineStatusInfo
---@field status? string
---@field error_code? integer

---@class TwilioIdentityMatchInfo
---@field first_name_match? string
---@field last_name_match? string
---@field address_lines_match? string
---@field city_match? string
---@field state_match? string
---@field postal_code_match? string
---@field address_country_match? string
---@field national_id_match? string
---@field date_of_birth_match? string
---@field summary_score? integer
---@field error_code? integer
---@field error_message? string

---@class TwilioReassignedNumberInfo
---@field last_verified_date? string
---@field is_number_reassigned? string
---@field error_code? string

---@class TwilioSmsPumpingRiskInfo
---@field carrier_risk_category? string
---@field number_blocked? boolean
---@field number_blocked_date? string
---@field number_blocked_last_3_months? boolean
---@field sms_pumping_risk_score? integer
---@field error_code? integer

---@class TwilioVerification
---@field sid? string The unique string that we created to identify the Verification resource.
---@field service_sid? string The SID of the Service the resource is associated with.
---@field account_sid? string The SID of the Account that created the Verification resource.
---@field to? string The phone number or email being verified. Phone numbers must be in E.164 format.
---@field channel "sms"|"call"|"email"|"whatsapp"|"sna" The verification method used. One of: email, sms, whatsapp, call, sna, or rcs.
---@field status? string The status of the verification. Can be: pending, approved, canceled, max_attempts_reached, deleted, failed or expired.
---@field valid? boolean Use "status" instead. Legacy property indicating whether the verification was successful.
---@field lookup? string Information about the phone number being verified.
---@field amount? string The amount of the associated PSD2 compliant transaction. Requires the PSD2 Service flag enabled.
---@field payee? string The payee of the associated PSD2 compliant transaction. Requires the PSD2 Service flag enabled.
---@field send_code_attempts? table[] An array of verification attempt objects containing the channel attempted and the channel-specific transaction SID.
---@field date_created? string The date and time in GMT when the resource was created, in ISO 8601 format (2026-12-01T09:00:00Z).
---@field date_updated? string The date and time in GMT when the resource was last updated, in ISO 8601 format (2026-12-01T09:00:00Z).
---@field sna? string The set of fields used for a silent network auth (sna) verification. Contains a single field with the URL to be invoked to verify the phone number.
---@field url? string The absolute URL of the Verification resource.

---@class TwilioVerificationCheck
---@field sid? string The unique string that we created to identify the VerificationCheck resource.
---@field service_sid? string The SID of the Service the resource is associated with.
---@field account_sid? string The SID of the Account that created the VerificationCheck resource.
---@field to? string The phone number or email being verified. Phone numbers must be in E.164 format.
---@field channel "sms"|"call"|"email"|"whatsapp"|"sna" The verification method to use. One of: email, sms, whatsapp, call, or sna.
---@field status? string The status of the verification. Can be: pending, approved, canceled, max_attempts_reached, deleted, failed or expired.
---@field valid? boolean Use "status" instead. Legacy property indicating whether the verification was successful.
---@field amount? string The amount of the associated PSD2 compliant transaction. Requires the PSD2 Service flag enabled.
---@field payee? string The payee of the associated PSD2 compliant transaction. Requires the PSD2 Service flag enabled.
---@field date_created? string The ISO 8601 date and time in GMT when the Verification Check resource was created.
---@field date_updated? string The ISO 8601 date and time in GMT when the Verification Check resource was last updated.
---@field sna_attempts_error_codes? table[] List of error codes as a result of attempting a verification using the sna channel. The error codes are chronologically ordered, from the first attempt to the latest attempt.

---Arguments of Twilio.createCall.
---@class TwilioCreateCallArgs
---@field AccountSid? string The account to act on; defaults to the dispatcher's account. Security credentials login.
---@field AuthToken? string The Auth Token to sign this call with (HTTP Basic password, never sent as a header); defaults to the dispatcher's credentials. Security credentials password.
---@field To string The phone number (E.164), SIP address (sip:user@host) or client identifier (client:name) to call.
---@field From string The caller ID, a Twilio number or verified caller ID in E.164, or client:name when To is a client.
---@field Url? string The absolute URL Twilio requests for the TwiML that runs the call.
---@field Twiml? string TwiML instructions for the call, used instead of Url.
---@field ApplicationSid? string The SID of the TwiML Application whose voice URL handles the call.
---@field Method? "GET"|"POST" The HTTP method Twilio uses to request Url.
---@field FallbackUrl? string The URL Twilio requests if requesting or running the TwiML at Url fails.
---@field FallbackMethod? "GET"|"POST" The HTTP method Twilio uses to request FallbackUrl.
---@field StatusCallback? string The URL Twilio calls on every call event listed in StatusCallbackEvent.
---@field StatusCallbackEvent? "initiated"|"ringing"|"answered"|"completed"|("initiated"|"ringing"|"answered"|"completed")[] The call progress events that trigger StatusCallback (one event or a list).
---@field StatusCallbackMethod? "GET"|"POST" The HTTP method Twilio uses to request StatusCallback.
---@field SendDigits? string Keys to dial after the call connects (0-9, A-D, #, *, w for a half-second pause), at most 32.
---@field Timeout? integer Seconds to let the phone ring before assuming there is no answer.
---@field TimeLimit? integer The longest the call may last, in seconds.
---@field Record? boolean Whether to record the whole call.
---@field RecordingChannels? "mono"|"dual" Record both legs in one channel (mono) or in two (dual).
---@field RecordingStatusCallback? string The URL Twilio calls when the recording is available.
---@field RecordingStatusCallbackMethod? "GET"|"POST" The HTTP method Twilio uses to request RecordingStatusCallback.
---@field RecordingStatusCallbackEvent? "in-progress"|"completed"|"absent"|("in-progress"|"completed"|"absent")[] The recording events that trigger RecordingStatusCallback.
---@field RecordingTrack? "inbound"|"outbound"|"both" Which audio track to record.
---@field Trim? "trim-silence"|"do-not-trim" Whether to trim leading and trailing silence from the recording.
---@field MachineDetection? "Enable"|"DetectMessageEnd" Detect whether a human or a machine (voicemail) answered.
---@field MachineDetectionTimeout? integer Seconds to spend on answering machine detection.
---@field IfMachine? "Continue" The original platform's name for answering machine detection; sent as MachineDetection=Enable. Twilio retired IfMachine=Hangup: use MachineDetection and hang up in your TwiML when AnsweredBy starts with machine.
---@field CallerId? string The caller ID shown for a SIP or client call (a phone number or client identifier).
---@field SipAuthUsername? string The username to authenticate the SIP call with.
---@field SipAuthPassword? string The password to authenticate the SIP call with.

---Arguments of Twilio.listCall.
---@class TwilioListCallArgs
---@field AccountSid? string The account to act on; defaults to the dispatcher's account. Security credentials login.
---@field AuthToken? string The Auth Token to sign this call with (HTTP Basic password, never sent as a header); defaults to the dispatcher's credentials. Security credentials password.
---@field To? string Only show calls to this phone number, SIP address or client identifier.
---@field From? string Only show calls from this phone number, SIP address or client identifier.
---@field ParentCallSid? string Only show calls spawned by the call with this SID.
---@field Status? "queued"|"ringing"|"in-progress"|"completed"|"busy"|"failed"|"no-answer"|"canceled" Only show calls in this status.
---@field StartTime? string Only show calls that started on this date (GMT, YYYY-MM-DD).
---@field ["StartTime<"]? string Only show calls that started on or before this date.
---@field ["StartTime>"]? string Only show calls that started on or after this date.
---@field EndTime? string Only show calls that ended on this date (GMT, YYYY-MM-DD).
---@field ["EndTime<"]? string Only show calls that ended on or before this date.
---@field ["EndTime>"]? string Only show calls that ended on or after this date.
---@field PageSize? integer How many resources to return in each page.
---@field Page? integer The page number to fetch, zero-based (use with PageToken from next_page_uri).
---@field PageToken? string The opaque page token from the previous page's next_page_uri.

---Arguments of Twilio.getCall.
---@class TwilioGetCallArgs
---@field AccountSid? string The account to act on; defaults to the dispatcher's account. Security credentials login.
---@field AuthToken? string The Auth Token to sign this call with (HTTP Basic password, never sent as a header); defaults to the dispatcher's credentials. Security credentials password.
---@field CallSid string The SID of the call (CA followed by 32 hex digits).

---Arguments of Twilio.deleteCall.
---@class TwilioDeleteCallArgs
---@field AccountSid? string The account to act on; defaults to the dispatcher's account. Security credentials login.
---@field AuthToken? string The Auth Token to sign this call with (HTTP Basic password, never sent as a header); defaults to the dispatcher's credentials. Security credentials password.
---@field CallSid string The SID of the call (CA followed by 32 hex digits).

---Arguments of Twilio.updateCall.
---@class TwilioUpdateCallArgs
---@field AccountSid? string The account to act on; defaults to the dispatcher's account. Security credentials login.
---@field AuthToken? string The Auth Token to sign this call with (HTTP Basic password, never sent as a header); defaults to the dispatcher's credentials. Security credentials password.
---@field CallSid string The SID of the call (CA followed by 32 hex digits).
---@field Status? "canceled"|"completed" completed hangs up a call in progress; canceled cancels a queued or ringing call.
---@field Url? string Redirect the live call to the TwiML at this absolute URL.
---@field Method? "GET"|"POST" The HTTP method Twilio uses to request Url.
---@field Twiml? string Redirect the live call to these TwiML instructions, instead of Url.
---@field FallbackUrl? string The URL Twilio requests if requesting or running the TwiML at Url fails.
---@field FallbackMethod? "GET"|"POST" The HTTP method Twilio uses to request FallbackUrl.
---@field StatusCallback? string The URL Twilio calls when the call completes.
---@field StatusCallbackMethod? "GET"|"POST" The HTTP method Twilio uses to request StatusCallback.
---@field TimeLimit? integer The longest the call may last from now on, in seconds.

---Arguments of Twilio.postMessage.
---@class TwilioPostMessageArgs
---@field AccountSid? string The account to act on; defaults to the dispatcher's account. Security credentials login.
---@field AuthToken? string The Auth Token to sign this call with (HTTP Basic password, never sent as a header); defaults to the dispatcher's credentials. Security credentials password.
---@field To string The recipient, in E.164 (+16175551212) or a channel address such as whatsapp:+16175551212.
---@field From? string A Twilio number in E.164, a channel address (whatsapp:+...) or an alphanumeric sender ID.
---@field MessagingServiceSid? string The Messaging Service to send from, instead of From.
---@field Body? string The text of the message, at most 1600 characters.
---@field MediaUrl? string|string[] The URL of a media file to send, or a list of up to 10.
---@field ContentSid? string The SID of a Content Template to send instead of Body.
---@field ContentVariables? string|table The template's variables, as a JSON string or a table such as {["1"] = "Pump 3"}.
---@field StatusCallback? string The URL Twilio calls each time the message's status changes.
---@field ApplicationSid? string A TwiML Application whose MessageStatusCallback URL receives status updates.
---@field MaxPrice? number The highest price, in US dollars, you accept for the message (up to 4 decimals).
---@field ProvideFeedback? boolean Whether to ask for delivery feedback.
---@field Attempt? integer The total number of attempts made, including this one (for your own retry bookkeeping).
---@field ValidityPeriod? integer Seconds the message may wait in the queue before it is dropped.
---@field ForceDelivery? boolean Reserved for Twilio's delivery overrides.
---@field SmartEncoded? boolean Whether to replace Unicode look-alikes with GSM-7 characters to save segments.
---@field ShortenUrls? boolean Whether to shorten links in Body (needs a Messaging Service with link shortening).
---@field ScheduleType? "fixed" Set to fixed, with SendAt, to schedule the message.
---@field SendAt? string When to send a scheduled message, ISO 8601 with a zone (2026-12-01T09:00:00Z).
---@field SendAsMms? boolean Whether to send the message as MMS even when it has no media.

---Arguments of Twilio.listMessage.
---@class TwilioListMessageArgs
---@field AccountSid? string The account to act on; defaults to the dispatcher's account. Security credentials login.
---@field AuthToken? string The Auth Token to sign this call with (HTTP Basic password, never sent as a header); defaults to the dispatcher's credentials. Security credentials password.
---@field To? string Only show messages to this phone number or channel address.
---@field From? string Only show messages from this phone number, channel address or alphanumeric sender ID.
---@field DateSent? string Only show messages sent on this date (GMT, YYYY-MM-DD).
---@field ["DateSent<"]? string Only show messages sent on or before this date.
---@field ["DateSent>"]? string Only show messages sent on or after this date.
---@field PageSize? integer How many resources to return in each page.
---@field Page? integer The page number to fetch, zero-based (use with PageToken from next_page_uri).
---@field PageToken? string The opaque page token from the previous page's next_page_uri.

---Arguments of Twilio.getMessage.
---@class TwilioGetMessageArgs
---@field AccountSid? string The account to act on; defaults to the dispatcher's account. Security credentials login.
---@field AuthToken? string The Auth Token to sign this call with (HTTP Basic password, never sent as a header); defaults to the dispatcher's credentials. Security credentials password.
---@field MessageSid string The SID of the message (SM or MM followed by 32 hex digits).

---Arguments of Twilio.deleteMessage.
---@class TwilioDeleteMessageArgs
---@field AccountSid? string The account to act on; defaults to the dispatcher's account. Security credentials login.
---@field AuthToken? string The Auth Token to sign this call with (HTTP Basic password, never sent as a header); defaults to the dispatcher's credentials. Security credentials password.
---@field MessageSid string The SID of the message (SM or MM followed by 32 hex digits).

---Arguments of Twilio.updateMessage.
---@class TwilioUpdateMessageArgs
---@field AccountSid? string The account to act on; defaults to the dispatcher's account. Security credentials login.
---@field AuthToken? string The Auth Token to sign this call with (HTTP Basic password, never sent as a header); defaults to the dispatcher's credentials. Security credentials password.
---@field MessageSid string The SID of the message (SM or MM followed by 32 hex digits).
---@field Body? string Only an empty string: it redacts (erases) the text of the message.
---@field Status? "canceled" canceled cancels a scheduled message that has not been sent yet.

---Arguments of Twilio.listMedia.
---@class TwilioListMediaArgs
---@field AccountSid? string The account to act on; defaults to the dispatcher's account. Security credentials login.
---@field AuthToken? string The Auth Token to sign this call with (HTTP Basic password, never sent as a header); defaults to the dispatcher's credentials. Security credentials password.
---@field MessageSid string The SID of the message (SM or MM followed by 32 hex digits).
---@field DateCreated? string Only show media created on this date (GMT, YYYY-MM-DD).
---@field ["DateCreated<"]? string Only show media created on or before this date.
---@field ["DateCreated>"]? string Only show media created on or after this date.
---@field PageSize? integer How many resources to return in each page.
---@field Page? integer The page number to fetch, zero-based (use with PageToken from next_page_uri).
---@field PageToken? string The opaque page token from the previous page's next_page_uri.

---Arguments of Twilio.getMedia.
---@class TwilioGetMediaArgs
---@field AccountSid? string The account to act on; defaults to the dispatcher's account. Security credentials login.
---@field AuthToken? string The Auth Token to sign this call with (HTTP Basic password, never sent as a header); defaults to the dispatcher's credentials. Security credentials password.
---@field MessageSid string The SID of the message (SM or MM followed by 32 hex digits).
---@field MediaSid string The SID of the media item (ME followed by 32 hex digits).

---Arguments of Twilio.deleteMedia.
---@class TwilioDeleteMediaArgs
---@field AccountSid? string The account to act on; defaults to the dispatcher's account. Security credentials login.
---@field AuthToken? string The Auth Token to sign this call with (HTTP Basic password, never sent as a header); defaults to the dispatcher's credentials. Security credentials password.
---@field MessageSid string The SID of the message (SM or MM followed by 32 hex digits).
---@field MediaSid string The SID of the media item (ME followed by 32 hex digits).

---Arguments of Twilio.lookupPhoneNumber.
---@class TwilioLookupPhoneNumberArgs
---@field AccountSid? string The account whose credentials sign this call; defaults to the dispatcher's account.
---@field AuthToken? string The Auth Token to sign this call with (HTTP Basic password, never sent as a header); defaults to the dispatcher's credentials. Security credentials password.
---@field PhoneNumber string The phone number to look up, in E.164 or national format (then give CountryCode).
---@field Fields? "validation"|"caller_name"|"sim_swap"|"call_forwarding"|"line_status"|"line_type_intelligence"|"identity_match"|"reassigned_number"|"sms_pumping_risk"|"phone_number_quality_score"|"pre_fill"|("validation"|"caller_name"|"sim_swap"|"call_forwarding"|"line_status"|"line_type_intelligence"|"identity_match"|"reassigned_number"|"sms_pumping_risk"|"phone_number_quality_score"|"pre_fill")[] The data packages to return (one name or a list); sent as Twilio's comma-separated list.
---@field CountryCode? string The country of a number given in national format (ISO 3166-1 alpha-2, such as US).

---Arguments of Twilio.createVerification.
---@class TwilioCreateVerificationArgs
---@field AccountSid? string The account whose credentials sign this call; defaults to the dispatcher's account.
---@field AuthToken? string The Auth Token to sign this call with (HTTP Basic password, never sent as a header); defaults to the dispatcher's credentials. Security credentials password.
---@field ServiceSid string The Verify Service (VA followed by 32 hex digits) that sends and checks the codes.
---@field To string The phone number (E.164) or email address to verify.
---@field Channel "sms"|"call"|"email"|"whatsapp"|"sna"|"auto" How the code is sent.
---@field CustomFriendlyName? string The name shown in the message instead of the Service's friendly name.
---@field CustomCode? string A code of your own to send instead of a generated one (when the Service allows it).
---@field Locale? string The language of the message (en, fr, pt-BR, ...); by default from the number's country.
---@field SendDigits? string For the call channel, the digits to dial after the call connects (an extension).
---@field AppHash? string Your Android app hash, appended to the SMS for the SMS Retriever API.
---@field TemplateSid? string A message template to use instead of the Service's default.
---@field Amount? string The amount of a PSD2 transaction (needs a PSD2-enabled Service).
---@field Payee? string The payee of a PSD2 transaction (needs a PSD2-enabled Service).

---Arguments of Twilio.checkVerification.
---@class TwilioCheckVerificationArgs
---@field AccountSid? string The account whose credentials sign this call; defaults to the dispatcher's account.
---@field AuthToken? string The Auth Token to sign this call with (HTTP Basic password, never sent as a header); defaults to the dispatcher's credentials. Security credentials password.
---@field ServiceSid string The Verify Service (VA followed by 32 hex digits) that sends and checks the codes.
---@field Code string The code the user entered.
---@field To? string The phone number or email address the code was sent to.
---@field VerificationSid? string The SID of the verification, instead of To.
---@field Amount? string The amount of the PSD2 transaction, as given when the code was sent.
---@field Payee? string The payee of the PSD2 transaction, as given when the code was sent.

---The Twilio service: one function per operation, plus `each` and `is_error`.
---@class Twilio
Twilio = {}

---Make a phone call.
---
---`POST https://api.twilio.com/2010-04-01/Accounts/{AccountSid}/Calls.json`
---One of `Url`, `Twiml` or `ApplicationSid` is required.
---At most one of `Url`, `Twiml` or `ApplicationSid` may be given.
---At most one of `IfMachine` or `MachineDetection` may be given.
---@param args TwilioCreateCallArgs
---@return TwilioCall|TwilioError result
---@return TwilioError? err the error object again, on failure
function Twilio.createCall(args) end

---List calls, newest first, one page at a time.
---
---`GET https://api.twilio.com/2010-04-01/Accounts/{AccountSid}/Calls.json`
---@param args? TwilioListCallArgs
---@return TwilioCallPage|TwilioError result
---@return TwilioError? err the error object again, on failure
function Twilio.listCall(args) end

---Fetch one call.
---
---`GET https://api.twilio.com/2010-04-01/Accounts/{AccountSid}/Calls/{CallSid}.json`
---@param args TwilioGetCallArgs
---@return TwilioCall|TwilioError result
---@return TwilioError? err the error object again, on failure
function Twilio.getCall(args) end

---Delete a call record (the call must have ended).
---
---`DELETE https://api.twilio.com/2010-04-01/Accounts/{AccountSid}/Calls/{CallSid}.json`
---@param args TwilioDeleteCallArgs
---@return TwilioError? result nil on success, else the error object
---@return TwilioError? err the error object again, on failure
function Twilio.deleteCall(args) end

---Change a live call (hang up, cancel, redirect to new TwiML, change its time limit).
---
---`POST https://api.twilio.com/2010-04-01/Accounts/{AccountSid}/Calls/{CallSid}.json`
---One of `Status`, `Url`, `Twiml`, `TimeLimit` or `StatusCallback` is required.
---At most one of `Status`, `Url` or `Twiml` may be given.
---`Method` needs `Url` as well.
---`FallbackUrl` needs `Url` as well.
---`FallbackMethod` needs `FallbackUrl` as well.
---`StatusCallbackMethod` needs `StatusCallback` as well.
---@param args TwilioUpdateCallArgs
---@return TwilioCall|TwilioError result
---@return TwilioError? err the error object again, on failure
function Twilio.updateCall(args) end

---Send an SMS, MMS or WhatsApp message.
---
---`POST https://api.twilio.com/2010-04-01/Accounts/{AccountSid}/Messages.json`
---One of `From` or `MessagingServiceSid` is required.
---One of `Body`, `MediaUrl` or `ContentSid` is required.
---`SendAt` needs `ScheduleType` and `MessagingServiceSid` as well.
---`ScheduleType` needs `SendAt` as well.
---`ContentVariables` needs `ContentSid` as well.
---@param args TwilioPostMessageArgs
---@return TwilioMessage|TwilioError result
---@return TwilioError? err the error object again, on failure
function Twilio.postMessage(args) end

---List messages, newest first, one page at a time.
---
---`GET https://api.twilio.com/2010-04-01/Accounts/{AccountSid}/Messages.json`
---@param args? TwilioListMessageArgs
---@return TwilioMessagePage|TwilioError result
---@return TwilioError? err the error object again, on failure
function Twilio.listMessage(args) end

---Fetch one message.
---
---`GET https://api.twilio.com/2010-04-01/Accounts/{AccountSid}/Messages/{MessageSid}.json`
---@param args TwilioGetMessageArgs
---@return TwilioMessage|TwilioError result
---@return TwilioError? err the error object again, on failure
function Twilio.getMessage(args) end

---Delete a message and its media (the message must be in a final state).
---
---`DELETE https://api.twilio.com/2010-04-01/Accounts/{AccountSid}/Messages/{MessageSid}.json`
---@param args TwilioDeleteMessageArgs
---@return TwilioError? result nil on success, else the error object
---@return TwilioError? err the error object again, on failure
function Twilio.deleteMessage(args) end

---Redact a message's body or cancel a scheduled message.
---
---`POST https://api.twilio.com/2010-04-01/Accounts/{AccountSid}/Messages/{MessageSid}.json`
---One of `Body` or `Status` must be given (an empty value counts).
---At most one of `Body` or `Status` may be given.
---@param args TwilioUpdateMessageArgs
---@return TwilioMessage|TwilioError result
---@return TwilioError? err the error object again, on failure
function Twilio.updateMessage(args) end

---List the media of a message, one page at a time.
---
---`GET https://api.twilio.com/2010-04-01/Accounts/{AccountSid}/Messages/{MessageSid}/Media.json`
---@param args TwilioListMediaArgs
---@return TwilioMediaPage|TwilioError result
---@return TwilioError? err the error object again, on failure
function Twilio.listMedia(args) end

---Fetch one media item of a message.
---
---`GET https://api.twilio.com/2010-04-01/Accounts/{AccountSid}/Messages/{MessageSid}/Media/{MediaSid}.json`
---@param args TwilioGetMediaArgs
---@return TwilioMedia|TwilioError result
---@return TwilioError? err the error object again, on failure
function Twilio.getMedia(args) end

---Delete one media item of a message.
---
---`DELETE https://api.twilio.com/2010-04-01/Accounts/{AccountSid}/Messages/{MessageSid}/Media/{MediaSid}.json`
---@param args TwilioDeleteMediaArgs
---@return TwilioError? result nil on success, else the error object
---@return TwilioError? err the error object again, on failure
function Twilio.deleteMedia(args) end

---Look up a phone number (format, validity, country; line type and caller name on request).
---
---`GET https://lookups.twilio.com/v2/PhoneNumbers/{PhoneNumber}`
---@param args TwilioLookupPhoneNumberArgs
---@return TwilioPhoneNumberLookup|TwilioError result
---@return TwilioError? err the error object again, on failure
function Twilio.lookupPhoneNumber(args) end

---Send a verification code to a phone number or email address.
---
---`POST https://verify.twilio.com/v2/Services/{ServiceSid}/Verifications`
---@param args TwilioCreateVerificationArgs
---@return TwilioVerification|TwilioError result
---@return TwilioError? err the error object again, on failure
function Twilio.createVerification(args) end

---Check a code a user entered against a pending verification.
---
---`POST https://verify.twilio.com/v2/Services/{ServiceSid}/VerificationCheck`
---One of `To` or `VerificationSid` is required.
---At most one of `To` or `VerificationSid` may be given.
---@param args TwilioCheckVerificationArgs
---@return TwilioVerificationCheck|TwilioError result
---@return TwilioError? err the error object again, on failure
function Twilio.checkVerification(args) end

---Iterate over every item of a list operation, following `next_page_uri` one page at a time.
---Yields `item, nil`; on failure yields the error object twice (`item` and `err`), then stops.
---@overload fun(operation: "listCall", args?: TwilioListCallArgs): fun(): TwilioCall|TwilioError, TwilioError?
---@overload fun(operation: "listMessage", args?: TwilioListMessageArgs): fun(): TwilioMessage|TwilioError, TwilioError?
---@overload fun(operation: "listMedia", args?: TwilioListMediaArgs): fun(): TwilioMedia|TwilioError, TwilioError?
---@param operation "listCall"|"listMessage"|"listMedia"|function A list operation, by name or function
---@param args? table The first page's arguments
---@return fun(): table|TwilioError, TwilioError? iterator
function Twilio.each(operation, args) end

---Whether `v` is an error object returned by an operation or by `each`.
---@param v any
---@return boolean
function Twilio.is_error(v) end

---Whether `request` really comes from Twilio: its X-Twilio-Signature checked with the host's Auth Token.
---@param request TwilioLuaRequest The request table (`url`, `headers`, `body` or `raw_body`)
---@return boolean valid
---@return TwilioError? why Why not (status 403), when not valid
function Twilio.validateRequest(request) end

---The request an endpoint script answers (`twilio-lua run`, `twilio-lua serve`).
---@class TwilioLuaRequest
---@field method string The HTTP method
---@field path string The path
---@field uri string The path and query
---@field url? string The full URL, as Twilio signs it (under `serve`)
---@field route? string The section's route, `METHOD /path/{name}`
---@field parameters table<string, any> Query and path parameters
---@field headers table<string, string> Headers, names in lower case
---@field body any The body: a table from JSON or form data, `{}` when there is none
---@field raw_body? string The text of a JSON (or other non-form) body
---@field [string] any

---What an endpoint script answers: `run` prints the message as JSON, `serve` sends it.
---@class TwilioLuaResponse
---@field message? any The answer (a table is sent as JSON)
---@field code? integer The HTTP status to answer with (200)
---@field headers? table<string, string> Headers to answer with

---@type TwilioLuaRequest
request = {}

---@type TwilioLuaResponse
response = {}

---The event an event handler runs for (`twilio-lua run --event FILE.json`).
---@type table<string, any>
data = {}

---JSON text for a value, or nil and a message.
---@param value any
---@return string? text
---@return string? err
function to_json(value) end

---The value of JSON text (`null` is nil), or nil and a message.
---@param text string
---@return any value
---@return string? err
function from_json(text) end

---The command line's key-value service (`adapter/cli/keystore.py`).
---@class Keystore
Keystore = {}
---@param args {key: string}
---@return {value: any}|TwilioError
function Keystore.get(args) end
---@param args {key: string, value: any}
---@return table|TwilioError
function Keystore.set(args) end
---@param args {key: string}
---@return table|TwilioError
function Keystore.delete(args) end
---@param args? {match: string}
---@return {keys: string[]}|TwilioError
function Keystore.list(args) end
---@return table|TwilioError
function Keystore.clear() end
