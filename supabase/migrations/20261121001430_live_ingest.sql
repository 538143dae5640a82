-- Module: live (ingest)
-- The database side of the ingest provider (functions/_shared/streaming/: local or Mux): the
-- service-role RPCs the edge functions call after talking to the provider, record_stream_ingest
-- (stream-ingest: the live input, its secret stream key and the public playback id) and
-- apply_stream_ingest_event (stream-webhook: a verified, normalised provider event, idempotent on
-- the provider's event id, moving the stream through private.apply_stream_transition with the
-- actor provider), and the broadcast that keeps a pinned product's availability current on the
-- stream's topic when it is bought (product.updated).

------------------------------------------------------------------------------------------------
-- Error codes (HL877-HL879; HL860-HL876 are in 20261121001400_live_streams.sql)
------------------------------------------------------------------------------------------------
insert into private.error_codes (code, name, http_status, message, hint) values
  ('HL877', 'invalid_stream_ingest', 400, 'The ingest to record is invalid.',
   'Internal (record_stream_ingest): provider local|mux, live input id, stream key, an rtmp(s):// ingest URL and a playback id; '
   'a live input belongs to one stream.'),
  ('HL878', 'invalid_stream_webhook_signature', 401, 'The ingest webhook signature is missing or invalid.',
   'stream-webhook: the mux-signature header (t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">) with the endpoint''s '
   'signing secret, at most 300 seconds old.'),
  ('HL879', 'streaming_provider_unavailable', 503, 'The streaming service is unavailable. Try again shortly.',
   'The ingest provider (or the database) could not be reached or refused the request; nothing was recorded.')
on conflict (code) do update
  set name = excluded.name, http_status = excluded.http_status, message = excluded.message, hint = excluded.hint;

------------------------------------------------------------------------------------------------
-- stream-ingest: record the provider's live input
------------------------------------------------------------------------------------------------
create or replace function private.stream_ingest_json(p_ingest private.stream_ingest)
returns jsonb
language sql
stable
set search_path = ''
as $$
  select pg_catalog.jsonb_build_object('stream_id', p_ingest.stream_id, 'provider', p_ingest.provider,
    'live_input_id', p_ingest.live_input_id, 'ingest_url', p_ingest.ingest_url, 'stream_key', p_ingest.stream_key,
    'playback_id', p_ingest.playback_id, 'created_at', p_ingest.created_at);
$$;
comment on function private.stream_ingest_json(private.stream_ingest) is
  'An ingest as its seller reads it: provider, live input id, RTMP(S) URL, stream key, playback id, created_at.';
revoke all on function private.stream_ingest_json(private.stream_ingest) from public, anon, authenticated, service_role;

create or replace function public.record_stream_ingest(
  p_stream_id uuid, p_provider text, p_live_input_id text, p_stream_key text, p_ingest_url text, p_playback_id text)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_stream public.streams;
  v_ingest private.stream_ingest;
  v_replace boolean;
begin
  if not private.is_service_role() then
    perform private.raise_error('HL002', 'record_stream_ingest is for the stream-ingest function (service role)');
  end if;
  if p_provider is null or p_provider not in ('local', 'mux')
     or coalesce(pg_catalog.length(p_live_input_id), 0) not between 1 and 255
     or coalesce(pg_catalog.length(p_stream_key), 0) not between 8 and 255
     or coalesce(pg_catalog.length(p_playback_id), 0) not between 1 and 255
     or p_ingest_url is null or pg_catalog.length(p_ingest_url) > 500 or p_ingest_url !~ '^rtmps?://[^\s/]+(/\S*)?$' then
    perform private.raise_error('HL877', 'provider local|mux, live input id, stream key (8+), rtmp(s):// URL, playback id');
  end if;
  select * into v_stream from public.streams s where s.id = p_stream_id for no key update;
  if not found then
    perform private.raise_error('HL860', pg_catalog.format('stream %s', coalesce(p_stream_id::text, 'null')));
  end if;
  if v_stream.status in ('ended', 'cancelled') then
    perform private.raise_error('HL866', pg_catalog.format('the stream is %s', v_stream.status));
  end if;
  select * into v_ingest from private.stream_ingest i where i.stream_id = v_stream.id for update;
  v_replace := found;
  if v_replace and v_ingest.disabled_at is null then
    -- Already provisioned (a second or concurrent call): the first recording stands; the caller
    -- deletes its own live input at the provider when it differs.
    return private.stream_ingest_json(v_ingest) || pg_catalog.jsonb_build_object('created', false);
  end if;
  if exists (select 1 from private.stream_ingest i
              where i.provider = p_provider and i.live_input_id = p_live_input_id and i.stream_id <> v_stream.id) then
    perform private.raise_error('HL877', 'that live input belongs to another stream');
  end if;
  if v_replace then
    -- The previous live input was deleted at the provider: this one replaces it.
    update private.stream_ingest i
       set provider = p_provider, live_input_id = p_live_input_id, stream_key = p_stream_key, ingest_url = p_ingest_url,
           playback_id = p_playback_id, disabled_at = null, created_at = private.now()
     where i.stream_id = v_stream.id
     returning * into v_ingest;
  else
    insert into private.stream_ingest (stream_id, provider, live_input_id, stream_key, ingest_url, playback_id, created_at)
    values (v_stream.id, p_provider, p_live_input_id, p_stream_key, p_ingest_url, p_playback_id, private.now())
    returning * into v_ingest;
  end if;
  update public.streams s set playback_id = p_playback_id, ingest_status = 'idle', ingest_changed_at = private.now()
   where s.id = v_stream.id;
  return private.stream_ingest_json(v_ingest) || pg_catalog.jsonb_build_object('created', true);
end;
$$;
comment on function public.record_stream_ingest(uuid, text, text, text, text, text) is
  'Service role (the stream-ingest edge function, after the provider created the live input): stores the stream''s live '
  'input id, secret stream key and RTMP(S) URL in private.stream_ingest and the public playback id on the stream. '
  'Idempotent: when the stream already has an enabled ingest it is returned unchanged (created false). Errors: HL002, '
  'HL860, HL866 stream over, HL877 invalid or another stream''s live input.';
revoke all on function public.record_stream_ingest(uuid, text, text, text, text, text) from public, anon, authenticated, service_role;
grant execute on function public.record_stream_ingest(uuid, text, text, text, text, text) to service_role;

------------------------------------------------------------------------------------------------
-- stream-webhook: apply a verified provider event
------------------------------------------------------------------------------------------------
create or replace function public.apply_stream_ingest_event(
  p_provider text, p_event_id text, p_type text, p_live_input_id text, p_occurred_at timestamptz default null)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_inserted boolean;
  v_ingest private.stream_ingest;
  v_stream public.streams;
  v_at timestamptz := coalesce(p_occurred_at, private.now());
  v_status text := 'ignored';
  v_note text;
  v_transition text;
begin
  if not private.is_service_role() then
    perform private.raise_error('HL002', 'apply_stream_ingest_event is for the stream-webhook function (service role)');
  end if;
  if p_provider is null or p_provider not in ('local', 'mux')
     or coalesce(pg_catalog.length(p_event_id), 0) not between 1 and 255
     or coalesce(pg_catalog.length(p_type), 0) not between 1 and 100
     or coalesce(pg_catalog.length(p_live_input_id), 0) not between 1 and 255 then
    perform private.raise_error('HL875', 'provider local|mux, event id, type and live input id');
  end if;

  insert into private.stream_ingest_events (provider, event_id, type, live_input_id, status, occurred_at, received_at)
  values (p_provider, p_event_id, p_type, p_live_input_id, 'ignored', p_occurred_at, private.now())
  on conflict (provider, event_id) do nothing
  returning true into v_inserted;
  if v_inserted is null then
    return pg_catalog.jsonb_build_object('event_id', p_event_id, 'status', 'duplicate');
  end if;

  select * into v_ingest from private.stream_ingest i where i.provider = p_provider and i.live_input_id = p_live_input_id;
  if not found then
    v_note := 'unknown live input';
  else
    select * into v_stream from public.streams s where s.id = v_ingest.stream_id for no key update;
    if p_type not in ('connected', 'active', 'disconnected', 'idle', 'deleted') then
      v_note := pg_catalog.format('type %s is not handled', p_type);
    elsif exists (select 1 from private.stream_ingest_events e
                   where e.stream_id = v_stream.id and e.status = 'applied' and e.occurred_at > v_at) then
      -- Providers may deliver out of order: an event older than one already applied changes nothing.
      v_note := 'older than the last applied event';
    elsif p_type = 'deleted' then
      update private.stream_ingest i set disabled_at = private.now() where i.stream_id = v_stream.id and i.disabled_at is null;
      v_status := 'applied';
      v_note := 'live input deleted';
    elsif v_stream.status in ('ended', 'cancelled') then
      v_note := pg_catalog.format('the stream is %s', v_stream.status);
    else
      v_status := 'applied';
      update public.streams s set ingest_status = p_type, ingest_changed_at = private.now() where s.id = v_stream.id;
      if p_type = 'active' and v_stream.status = 'scheduled' then
        -- The encoder is sending: the stream goes live, unless moderation hid it or the seller is suspended.
        if v_stream.hidden_at is not null then
          v_note := 'the stream is hidden';
        elsif (private.active_suspension(v_stream.seller_id)).id is not null then
          v_note := 'the seller is suspended';
        else
          v_transition := 'start';
        end if;
      elsif p_type = 'idle' and v_stream.status = 'live' then
        -- idle: the broadcast is over (after the provider's reconnect window); a mere disconnect
        -- leaves the stream live and the no-ingest timer ends it after live.no_ingest_minutes.
        v_transition := 'end';
      end if;
    end if;
    if p_type = 'deleted' and v_stream.status = 'live' then
      v_transition := 'end';
    end if;
    if v_transition is not null then
      perform private.apply_stream_transition(v_stream.id, v_transition, 'provider', null, 'ingest ' || p_type);
      v_note := v_transition;
    end if;
  end if;

  update private.stream_ingest_events e
     set status = v_status, stream_id = v_stream.id, note = v_note
   where e.provider = p_provider and e.event_id = p_event_id;
  if v_stream.id is not null then
    select * into v_stream from public.streams s where s.id = v_stream.id;
  end if;
  return pg_catalog.jsonb_build_object('event_id', p_event_id, 'status', v_status, 'note', v_note,
    'stream_id', v_stream.id, 'stream_status', v_stream.status, 'ingest_status', v_stream.ingest_status);
end;
$$;
comment on function public.apply_stream_ingest_event(text, text, text, text, timestamptz) is
  'Service role (the stream-webhook edge function, after verifying the signature): applies a normalised ingest event '
  '(connected, active, disconnected, idle, deleted) of a provider''s live input once per provider event id (a repeat '
  'answers duplicate). Sets streams.ingest_status; active starts a scheduled stream (actor provider) unless it is hidden '
  'or the seller suspended; idle (the broadcast is over) and deleted end a live one; disconnected only marks it (the '
  'no-ingest timer ends it after live.no_ingest_minutes). Unknown live inputs, unhandled types, older out-of-order '
  'events and events of streams that are over are recorded as ignored. Errors: HL002, HL875.';
revoke all on function public.apply_stream_ingest_event(text, text, text, text, timestamptz) from public, anon, authenticated, service_role;
grant execute on function public.apply_stream_ingest_event(text, text, text, text, timestamptz) to service_role;

------------------------------------------------------------------------------------------------
-- Buy now: a pinned product's availability follows its sale (product.updated)
------------------------------------------------------------------------------------------------
create or replace function private.broadcast_pinned_product_change()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_pin public.stream_products;
begin
  for v_pin in
    select p.* from public.stream_products p
      join public.streams s on s.id = p.stream_id
     where p.product_id = new.id and p.unpinned_at is null and s.status in ('scheduled', 'live')
  loop
    perform private.broadcast_stream_product(v_pin, 'product.updated');
  end loop;
  return null;
end;
$$;
comment on function private.broadcast_pinned_product_change() is
  'AFTER UPDATE of a product''s status, stock, price or visibility: broadcasts product.updated (the pin with available, '
  'status, available_quantity, price) on the topic of every scheduled or live stream it is pinned on.';
revoke all on function private.broadcast_pinned_product_change() from public, anon, authenticated, service_role;

create or replace trigger products_broadcast_pinned
  after update of status, available_quantity, price, withdrawn_at, hidden_at on public.products
  for each row
  when (old.status is distinct from new.status or old.available_quantity is distinct from new.available_quantity
        or old.price is distinct from new.price or old.withdrawn_at is distinct from new.withdrawn_at
        or old.hidden_at is distinct from new.hidden_at)
  execute function private.broadcast_pinned_product_change();
