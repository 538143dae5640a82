-- Module: verification (phone OTP and SMS). The SQL side of the two edge functions that send SMS
-- (docs/verification.md):
--   auth-sms-hook  Auth's Send SMS hook. Auth itself enforces the OTP length, expiry, the minimum
--                  time between two codes to one user (max_frequency) and the per-IP limits of
--                  /otp and /verify; the source system's "at most 3 codes an hour per phone number
--                  and per client address" has no Auth setting, so the hook counts every code
--                  with private.check_sms_otp_send before it hands it to the SMS provider.
--   sms            the booking start code by SMS, on the customer's request
--                  (public.claim_start_code_sms, called with the customer's JWT).
-- Both count with core's sliding-window limiter (private.rate_limit); a refused request writes
-- nothing.

insert into private.error_codes (code, name, http_status, message, hint) values
  ('HL680', 'sms_phone_rate_limited', 429, 'Too many codes were sent to this phone number; try again later.',
   'At most rate_limit.sms_otp_phone (3 an hour) codes go to one number; details give retry_after_seconds.'),
  ('HL681', 'sms_address_rate_limited', 429, 'Too many codes were requested from this network address; try again later.',
   'At most rate_limit.sms_otp_address (3 an hour) codes are sent for requests from one client address; details give retry_after_seconds.'),
  ('HL682', 'phone_not_verified', 409, 'Add and verify a phone number first.',
   'Verify a phone with supabase.auth.updateUser({phone}) and the code sent by SMS; then the profile has phone_verified_at.'),
  ('HL683', 'invalid_sms_request', 400, 'The SMS request is invalid.',
   'The Send SMS hook needs a user, an E.164 phone number and a code; the sms function a known action and a booking id.'),
  ('HL684', 'invalid_hook_signature', 401, 'The webhook signature is missing, invalid or too old.',
   'Auth signs each hook call with the Standard Webhooks secret of [auth.hook.send_sms] (SEND_SMS_HOOK_SECRET).'),
  ('HL685', 'sms_send_failed', 502, 'The SMS could not be sent.',
   'The SMS provider refused or failed; details give its error code. Nothing was counted against the limits.'),
  ('HL686', 'sms_recipient_invalid', 400, 'This phone number cannot receive SMS.',
   'The SMS provider rejected the number (invalid, landline, unsubscribed or unreachable region).');

insert into private.settings (key, value, description) values
  ('rate_limit.sms_otp_phone', '{"limit": 3, "window": "1 hour"}',
   'Auth codes (sign-in, sign-up, phone change) sent by SMS to one phone number, by the Send SMS hook.'),
  ('rate_limit.sms_otp_address', '{"limit": 3, "window": "1 hour"}',
   'Auth codes sent by SMS for requests from one client address (the hook event''s metadata.ip_address).'),
  ('rate_limit.start_code_sms', '{"limit": 3, "window": "1 hour"}',
   'Start-code SMS one customer can request for one booking.');

------------------------------------------------------------------------------------------------
-- The Send SMS hook's limits
------------------------------------------------------------------------------------------------
create or replace function private.check_sms_otp_send(
  p_phone text,
  p_ip_address text default null,
  p_message_id text default null
)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_phone text := '+' || pg_catalog.ltrim(coalesce(p_phone, ''), '+');
  v_ip text := nullif(pg_catalog.btrim(coalesce(p_ip_address, '')), '');
  v_message_id text := nullif(pg_catalog.btrim(coalesce(p_message_id, '')), '');
  v_phone_left integer;
  v_ip_left integer;
  v_detail text;
begin
  if not private.is_valid_phone(v_phone) then
    perform private.raise_error('HL683', 'phone must be an E.164 number');
  end if;
  if v_ip is not null and pg_catalog.char_length(v_ip) > 64 then
    perform private.raise_error('HL683', 'ip_address is too long');
  end if;
  if v_message_id is not null and pg_catalog.char_length(v_message_id) > 100 then
    perform private.raise_error('HL683', 'message id is too long');
  end if;
  -- A hook call seen before (the same webhook-id: a replay, or Auth retrying a call that did go
  -- through) is answered without counting or sending again. Signatures are valid for 5 minutes;
  -- ids are kept for 10.
  if v_message_id is not null then
    begin
      perform private.check_rate_limit('sms_hook_message:' || v_message_id, 1, interval '10 minutes');
    exception when sqlstate 'HL006' then
      return pg_catalog.jsonb_build_object('duplicate', true);
    end;
  end if;
  begin
    v_phone_left := private.rate_limit('sms_otp_phone', v_phone);
  exception when sqlstate 'HL006' then
    get stacked diagnostics v_detail = pg_exception_detail;
    perform private.raise_error('HL680', v_detail);
  end;
  if v_ip is not null then
    begin
      v_ip_left := private.rate_limit('sms_otp_address', v_ip);
    exception when sqlstate 'HL006' then
      get stacked diagnostics v_detail = pg_exception_detail;
      -- The phone's hit goes with the refusal: nothing of this request is counted.
      perform private.raise_error('HL681', v_detail);
    end;
  end if;
  return pg_catalog.jsonb_build_object('duplicate', false, 'phone_remaining', v_phone_left, 'address_remaining', v_ip_left);
end;
$$;
comment on function private.check_sms_otp_send(text, text, text) is
  'Counts one Auth code sent by SMS to p_phone (E.164, with or without +) for a request from p_ip_address, '
  'or raises HL680 (the number had rate_limit.sms_otp_phone codes in the window) / HL681 (the address had '
  'rate_limit.sms_otp_address) with details {limit, window_seconds, resets_at, retry_after_seconds}; HL683 for bad input. '
  'Returns {duplicate: false, phone_remaining, address_remaining}, or {duplicate: true} (nothing counted) for a hook '
  'message id (webhook-id) already counted in the last 10 minutes. Called by the auth-sms-hook edge function over its '
  'database connection.';
revoke all on function private.check_sms_otp_send(text, text, text) from public, anon, authenticated, service_role;
grant execute on function private.check_sms_otp_send(text, text, text) to service_role;

------------------------------------------------------------------------------------------------
-- The booking start code by SMS
------------------------------------------------------------------------------------------------
create or replace function public.claim_start_code_sms(p_booking_id uuid)
returns table (phone text, locale text, code text)
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := private.require_uid();
  v_code record;
  v_phone text;
  v_verified timestamptz;
  v_locale text;
begin
  -- The booking's own rules: only its customer, only while accepted, en route or arrived
  -- (HL400, HL403, HL424).
  select * into v_code from public.get_booking_start_code(p_booking_id);
  if v_code.locked then
    perform private.raise_error('HL423', 'reset the start code before sending it');
  end if;
  select pp.phone, pp.phone_verified_at, p.locale into v_phone, v_verified, v_locale
    from public.profile_private pp
    join public.profiles p on p.id = pp.profile_id
   where pp.profile_id = v_uid;
  if v_phone is null or v_verified is null then
    perform private.raise_error('HL682', 'the start code goes only to a verified phone number');
  end if;
  perform private.rate_limit('start_code_sms', v_uid::text || ':' || p_booking_id::text);
  return query select v_phone, v_locale, v_code.code;
end;
$$;
comment on function public.claim_start_code_sms(uuid) is
  'Counts one start-code SMS for the calling customer and booking (rate_limit.start_code_sms, HL006) and returns '
  'the verified phone number, the customer''s locale and the code, for the sms edge function to send. '
  'Errors: HL400, HL403, HL424 (get_booking_start_code), HL423 locked code, HL682 no verified phone, HL006.';
revoke all on function public.claim_start_code_sms(uuid) from public, anon, authenticated, service_role;
grant execute on function public.claim_start_code_sms(uuid) to authenticated;
