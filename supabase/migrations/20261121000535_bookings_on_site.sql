-- Module: bookings (on site)
-- What the parties need around the visit: the other party's contact details while the booking is
-- active, and signed QR codes the provider side scans to record progress.

------------------------------------------------------------------------------------------------
-- Public: contact reveal
------------------------------------------------------------------------------------------------
create or replace function public.get_booking_contact(p_booking_id uuid)
returns table (
  counterpart_role text,
  counterpart_id uuid,
  full_name text,
  phone text,
  location_lat double precision,
  location_lng double precision,
  address text
)
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_booking public.bookings;
  v_roles text[];
  v_secret private.booking_secrets;
begin
  perform private.require_uid();
  select * into v_booking from public.bookings b where b.id = p_booking_id;
  if not found then
    perform private.raise_error('HL400', pg_catalog.format('booking %s', p_booking_id));
  end if;
  v_roles := private.booking_caller_roles(v_booking.customer_id, v_booking.provider_id, v_booking.business_id);
  if pg_catalog.cardinality(v_roles) = 0 then
    perform private.raise_error('HL400', pg_catalog.format('booking %s', p_booking_id));
  end if;
  if v_roles = array['operator'] then
    perform private.raise_error('HL403', 'contact details are shared between the parties only');
  end if;
  if not exists (select 1 from public.booking_states s where s.state = v_booking.status and s.reveals_contact) then
    perform private.raise_error('HL425', pg_catalog.format('the booking is %s', v_booking.status));
  end if;
  select * into v_secret from private.booking_secrets s where s.booking_id = p_booking_id;

  if 'customer' = any (v_roles) then
    return query
    select 'provider'::text, pp.id, pp.display_name, ppr.phone,
           extensions.st_y(v_secret.location::extensions.geometry), extensions.st_x(v_secret.location::extensions.geometry),
           v_secret.address
      from public.provider_profiles pp
      left join public.profile_private ppr on ppr.profile_id = pp.id
     where pp.id = v_booking.provider_id;
  else
    return query
    select 'customer'::text, p.id, p.full_name, ppr.phone,
           extensions.st_y(v_secret.location::extensions.geometry), extensions.st_x(v_secret.location::extensions.geometry),
           v_secret.address
      from public.profiles p
      left join public.profile_private ppr on ppr.profile_id = p.id
     where p.id = v_booking.customer_id;
  end if;
end;
$$;
comment on function public.get_booking_contact(uuid) is
  'The other party''s name and phone and the exact service location/address, for the parties (provider side includes business staff) while the booking''s state reveals_contact. Errors: HL400, HL403 (operators), HL425.';
revoke all on function public.get_booking_contact(uuid) from public, anon, authenticated, service_role;
grant execute on function public.get_booking_contact(uuid) to authenticated;

------------------------------------------------------------------------------------------------
-- Public: QR payloads and scans
------------------------------------------------------------------------------------------------
create or replace function private.base64url(p_bytes bytea)
returns text
language sql
immutable
set search_path = ''
as $$
  select pg_catalog.translate(pg_catalog.encode(p_bytes, 'base64'), E'+/=\n', '-_');
$$;
comment on function private.base64url(bytea) is 'Base64url without padding.';

create or replace function private.base64url_decode(p_text text)
returns bytea
language sql
immutable
set search_path = ''
as $$
  select pg_catalog.decode(
    pg_catalog.rpad(pg_catalog.translate(p_text, '-_', '+/'),
                    (pg_catalog.char_length(p_text) + 3) / 4 * 4, '='), 'base64');
$$;
comment on function private.base64url_decode(text) is 'Decodes base64url with or without padding.';
revoke all on function private.base64url(bytea), private.base64url_decode(text) from public, anon, authenticated, service_role;
grant execute on function private.base64url(bytea), private.base64url_decode(text) to service_role;

create or replace function private.sign_booking_qr(p_body text)
returns text
language sql
stable
security definer
set search_path = ''
as $$
  select private.base64url(extensions.hmac(pg_catalog.convert_to('HLB1.' || p_body, 'UTF8'), k.secret, 'sha256'))
    from private.signing_keys k
   where k.purpose = 'booking_qr';
$$;
comment on function private.sign_booking_qr(text) is 'HMAC-SHA256 (base64url) of a QR body with the booking_qr key.';

create or replace function public.get_booking_qr(p_booking_id uuid)
returns table (payload text, reference text, issued_at timestamptz, expires_at timestamptz)
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_booking public.bookings;
  v_roles text[];
  v_now timestamptz := private.now();
  v_body text;
begin
  perform private.require_uid();
  select * into v_booking from public.bookings b where b.id = p_booking_id;
  if not found then
    perform private.raise_error('HL400', pg_catalog.format('booking %s', p_booking_id));
  end if;
  v_roles := private.booking_caller_roles(v_booking.customer_id, v_booking.provider_id, v_booking.business_id);
  if pg_catalog.cardinality(v_roles) = 0 or v_roles = array['operator'] then
    perform private.raise_error('HL400', pg_catalog.format('booking %s', p_booking_id));
  end if;
  if exists (select 1 from public.booking_states s where s.state = v_booking.status and s.is_terminal) then
    perform private.raise_error('HL430', pg_catalog.format('the booking is %s', v_booking.status));
  end if;
  v_body := private.base64url(pg_catalog.convert_to(pg_catalog.jsonb_build_object(
    'b', v_booking.id, 'r', v_booking.reference, 'iat', pg_catalog.floor(extract(epoch from v_now))::bigint)::text, 'UTF8'));
  return query select 'HLB1.' || v_body || '.' || private.sign_booking_qr(v_body), v_booking.reference,
    pg_catalog.to_timestamp(pg_catalog.floor(extract(epoch from v_now))),
    pg_catalog.to_timestamp(pg_catalog.floor(extract(epoch from v_now)))
      + pg_catalog.make_interval(mins => (private.setting('bookings.qr_ttl_minutes'))::integer);
end;
$$;
comment on function public.get_booking_qr(uuid) is
  'A signed QR payload (HLB1.<base64url {b: booking id, r: reference, iat}>.<HMAC-SHA256>) for the parties of an open booking; business staff scan it with scan_booking. Valid for bookings.qr_ttl_minutes. Errors: HL400, HL430.';
revoke all on function public.get_booking_qr(uuid) from public, anon, authenticated, service_role;
grant execute on function public.get_booking_qr(uuid) to authenticated;

create or replace function private.verify_booking_qr(p_payload text)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_parts text[];
  v_claims jsonb;
  v_iat timestamptz;
  v_now timestamptz := private.now();
begin
  v_parts := pg_catalog.string_to_array(coalesce(p_payload, ''), '.');
  if pg_catalog.cardinality(v_parts) <> 3 or v_parts[1] <> 'HLB1' or v_parts[2] = '' or v_parts[3] = ''
     or v_parts[2] !~ '^[A-Za-z0-9_-]+$' or v_parts[3] !~ '^[A-Za-z0-9_-]+$' then
    perform private.raise_error('HL426', 'not a Hyperlocal booking code');
  end if;
  if private.sign_booking_qr(v_parts[2]) <> v_parts[3] then
    perform private.raise_error('HL426', 'bad signature');
  end if;
  begin
    v_claims := pg_catalog.convert_from(private.base64url_decode(v_parts[2]), 'UTF8')::jsonb;
    v_iat := pg_catalog.to_timestamp((v_claims ->> 'iat')::double precision);
    perform (v_claims ->> 'b')::uuid;
  exception when others then
    perform private.raise_error('HL426', 'unreadable payload');
  end;
  if v_iat is null or v_claims ->> 'b' is null then
    perform private.raise_error('HL426', 'incomplete payload');
  end if;
  if v_iat > v_now + interval '5 minutes' then
    perform private.raise_error('HL426', 'issued in the future');
  end if;
  if v_now > v_iat + pg_catalog.make_interval(mins => (private.setting('bookings.qr_ttl_minutes'))::integer) then
    perform private.raise_error('HL427', pg_catalog.format('issued at %s', v_iat));
  end if;
  return v_claims;
end;
$$;
comment on function private.verify_booking_qr(text) is 'Checks a booking QR payload''s format, signature and age; returns its claims. Errors: HL426, HL427.';

create or replace function public.scan_booking(p_payload text, p_event text, p_note text default null)
returns public.bookings
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := private.require_uid();
  v_claims jsonb;
  v_booking public.bookings;
  v_roles text[];
  v_transition public.booking_transitions;
  v_event text := pg_catalog.lower(pg_catalog.btrim(coalesce(p_event, '')));
  v_is_process_name boolean;
  v_metadata jsonb;
begin
  v_claims := private.verify_booking_qr(p_payload);
  if p_note is not null and pg_catalog.char_length(p_note) > 1000 then
    perform private.raise_error('HL434', 'p_note is limited to 1000 characters');
  end if;
  if v_event !~ '^[a-z][a-z0-9_]{1,39}$' then
    perform private.raise_error('HL428', pg_catalog.format('event %L', p_event));
  end if;
  select * into v_booking from public.bookings b where b.id = (v_claims ->> 'b')::uuid for update;
  if not found then
    perform private.raise_error('HL400', pg_catalog.format('booking %s', v_claims ->> 'b'));
  end if;
  v_roles := private.booking_caller_roles(v_booking.customer_id, v_booking.provider_id, v_booking.business_id);
  if not ('provider' = any (v_roles) or 'staff' = any (v_roles)) then
    perform private.raise_error('HL429', pg_catalog.format('booking %s', v_booking.reference));
  end if;
  if exists (select 1 from public.booking_states s where s.state = v_booking.status and s.is_terminal) then
    perform private.raise_error('HL430', pg_catalog.format('the booking is %s', v_booking.status));
  end if;

  -- A transition or state name drives the matching progress transition; anything else is a track.
  v_is_process_name := exists (select 1 from public.booking_transitions t where t.name = v_event or t.to_state = v_event)
                       or exists (select 1 from public.booking_states s where s.state = v_event);
  if v_is_process_name then
    select * into v_transition
      from public.booking_transitions t
     where (t.name = v_event or t.to_state = v_event) and t.staff_may and t.name <> 'start'
     order by (t.from_state = v_booking.status) desc
     limit 1;
    if not found then
      perform private.raise_error('HL428', pg_catalog.format('%s cannot be recorded by a scan', v_event));
    end if;
  end if;

  v_metadata := pg_catalog.jsonb_build_object('track', v_event, 'note', p_note,
    'qr_issued_at', pg_catalog.to_timestamp((v_claims ->> 'iat')::double precision));
  insert into public.booking_events (booking_id, transition, from_state, to_state, actor_id, actor_role, reason, metadata)
  values (v_booking.id, 'scan', v_booking.status, v_booking.status, v_uid, 'provider', p_note, v_metadata);

  if v_transition.name is not null then
    v_booking := private.apply_booking_transition(v_booking.id, v_transition.name, 'provider', v_uid, p_note,
      pg_catalog.jsonb_build_object('via', 'scan', 'track', v_event));
  end if;
  return private.booking_for_viewer(v_booking, v_roles);
end;
$$;
comment on function public.scan_booking(text, text, text) is
  'Business staff (or the provider) scan a booking''s QR payload to record a progress event (timeline event ''scan'' with metadata.track); an event named like a progress transition or its state (start_travel/en_route, arrive/arrived, complete/completed) also takes that transition. Returns the booking (for staff without price, currency and cancellation terms). Errors: HL400, HL402, HL426, HL427, HL428, HL429, HL430, HL434.';
revoke all on function public.scan_booking(text, text, text) from public, anon, authenticated, service_role;
grant execute on function public.scan_booking(text, text, text) to authenticated;
