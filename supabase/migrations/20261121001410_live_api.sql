-- Module: live (API)
-- Validation of streams, the one transition function, the RPCs of sellers (create, edit, start,
-- end, cancel, pin/move/feature/unpin products, read the stream key) and viewers (read, join,
-- heartbeat, leave, comment), the realtime topic stream:<id>, and the registrations into earlier
-- modules' registries (core's realtime topics, trust's report targets, identity's account deletion)
-- plus the trigger that takes a suspended seller off the air.

------------------------------------------------------------------------------------------------
-- Validation
------------------------------------------------------------------------------------------------
create or replace function private.check_stream()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_category public.categories;
begin
  if new.title is null or pg_catalog.char_length(pg_catalog.btrim(new.title)) not between 1 and 100 then
    perform private.raise_error('HL861', 'title must be 1 to 100 characters');
  end if;
  if new.description is null or pg_catalog.char_length(new.description) > 2000 then
    perform private.raise_error('HL861', 'description is at most 2000 characters');
  end if;
  if new.scheduled_at is null then
    perform private.raise_error('HL861', 'scheduled_at is required');
  end if;
  if new.status = 'scheduled' and (tg_op = 'INSERT' or new.scheduled_at is distinct from old.scheduled_at)
     and (new.scheduled_at < private.now() - interval '5 minutes'
          or new.scheduled_at > private.now() + pg_catalog.make_interval(days => private.setting('live.max_schedule_days')::integer)) then
    perform private.raise_error('HL861', pg_catalog.format('scheduled_at %s is in the past or more than %s days ahead',
      new.scheduled_at, private.setting('live.max_schedule_days')));
  end if;
  if new.category_id is not null and (tg_op = 'INSERT' or new.category_id is distinct from old.category_id) then
    select * into v_category from public.categories c where c.id = new.category_id;
    if not found or v_category.kind <> 'goods' or not private.category_is_live(v_category.path_ids) then
      perform private.raise_error('HL862', pg_catalog.format('category %s', new.category_id));
    end if;
  end if;
  if new.thumbnail_path is not null and (tg_op = 'INSERT' or new.thumbnail_path is distinct from old.thumbnail_path) then
    if pg_catalog.left(new.thumbnail_path, 37) <> new.seller_id::text || '/'
       or pg_catalog.char_length(new.thumbnail_path) > 300 or new.thumbnail_path ~ '(^|/)\.\.(/|$)'
       or not exists (select 1 from storage.objects o
                       where o.bucket_id = 'listing-media' and o.name = new.thumbnail_path
                         and coalesce(o.metadata ->> 'mimetype', '') ^@ 'image/') then
      perform private.raise_error('HL863', pg_catalog.format('%L is not an image you uploaded under %s/', new.thumbnail_path, new.seller_id));
    end if;
  end if;
  return new;
end;
$$;
comment on function private.check_stream() is
  'BEFORE INSERT/UPDATE of the seller''s columns on streams: HL861 (title, description, schedule), HL862 (goods category), '
  'HL863 (thumbnail: own uploaded listing-media image), before any constraint.';
revoke all on function private.check_stream() from public, anon, authenticated, service_role;

create or replace trigger streams_check
  before insert or update of title, description, category_id, thumbnail_path, scheduled_at on public.streams
  for each row execute function private.check_stream();

-- The stream as the caller may read it, optionally locked; HL860 otherwise.
create or replace function private.visible_stream(p_stream_id uuid, p_lock boolean default false)
returns public.streams
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_row public.streams;
begin
  if p_lock then
    select * into v_row from public.streams s where s.id = p_stream_id for no key update;
  else
    select * into v_row from public.streams s where s.id = p_stream_id;
  end if;
  if not found or not (private.stream_readable(v_row) or private.moderation_sees_all()) then
    perform private.raise_error('HL860', pg_catalog.format('stream %s', coalesce(p_stream_id::text, 'null')));
  end if;
  return v_row;
end;
$$;
comment on function private.visible_stream(uuid, boolean) is
  'The stream if the caller may read it (or a trusted caller without a user), optionally locked; HL860 otherwise.';
revoke all on function private.visible_stream(uuid, boolean) from public, anon, authenticated, service_role;

-- The calling seller's stream, locked; HL860 invisible, HL864 someone else's.
create or replace function private.own_stream(p_stream_id uuid)
returns public.streams
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := private.require_uid();
  v_row public.streams;
begin
  v_row := private.visible_stream(p_stream_id, true);
  if v_row.seller_id <> v_uid then
    perform private.raise_error('HL864');
  end if;
  return v_row;
end;
$$;
comment on function private.own_stream(uuid) is 'The calling seller''s stream, locked (HL860 not visible, HL864 not theirs).';
revoke all on function private.own_stream(uuid) from public, anon, authenticated, service_role;

-- A user the seller blocked (messaging's user_blocks) is kept off the seller's streams.
create or replace function private.blocked_by_seller(p_seller_id uuid, p_user_id uuid)
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select exists (select 1 from public.user_blocks b where b.blocker_id = p_seller_id and b.blocked_id = p_user_id);
$$;
comment on function private.blocked_by_seller(uuid, uuid) is 'True when the seller blocked the user (messaging''s user_blocks).';
revoke all on function private.blocked_by_seller(uuid, uuid) from public, anon, authenticated, service_role;

------------------------------------------------------------------------------------------------
-- The one transition function
------------------------------------------------------------------------------------------------
create or replace function private.apply_stream_transition(
  p_stream_id uuid, p_transition text, p_actor text, p_actor_id uuid default null, p_reason text default null)
returns public.streams
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_row public.streams;
  v_rule public.stream_transitions;
  v_now timestamptz := private.now();
begin
  select * into v_row from public.streams s where s.id = p_stream_id for no key update;
  if not found then
    perform private.raise_error('HL860', pg_catalog.format('stream %s', p_stream_id));
  end if;
  select * into v_rule from public.stream_transitions t where t.transition = p_transition and t.from_state = v_row.status;
  if not found or not (p_actor = any (v_rule.actors)) then
    perform private.raise_error('HL865', pg_catalog.format('%s cannot %s a %s stream', p_actor, p_transition, v_row.status));
  end if;
  update public.streams s
     set status = v_rule.to_state,
         started_at = case when v_rule.to_state = 'live' then v_now else s.started_at end,
         ended_at = case when v_rule.to_state in ('ended', 'cancelled') then v_now else s.ended_at end
   where s.id = v_row.id
   returning * into v_row;
  insert into public.stream_events (stream_id, transition, from_state, to_state, actor, actor_id, reason, created_at)
  values (v_row.id, p_transition, v_rule.from_state, v_rule.to_state, p_actor, p_actor_id, p_reason, v_now);
  if v_rule.to_state in ('ended', 'cancelled') then
    -- Nobody watches a stream that is over: viewer_count drops to 0 (total_views and the peak stay).
    update private.stream_viewers v set active = false where v.stream_id = v_row.id and v.active;
    update public.stream_products p set featured = false where p.stream_id = v_row.id and p.featured;
  end if;
  perform realtime.send(pg_catalog.jsonb_build_object('stream_id', v_row.id, 'status', v_row.status,
    'transition', p_transition, 'started_at', v_row.started_at, 'ended_at', v_row.ended_at),
    'stream.status', 'stream:' || v_row.id::text, true);
  return v_row;
end;
$$;
comment on function private.apply_stream_transition(uuid, text, text, uuid, text) is
  'The one writer of streams.status: fires a transition of public.stream_transitions for an allowed actor (HL865 '
  'otherwise), sets started_at/ended_at, writes the stream_events row, stops counting viewers when it is over, and '
  'broadcasts stream.status on stream:<id>.';
revoke all on function private.apply_stream_transition(uuid, text, text, uuid, text) from public, anon, authenticated, service_role;

------------------------------------------------------------------------------------------------
-- Sellers: streams
------------------------------------------------------------------------------------------------
create or replace function public.create_stream(
  p_title text,
  p_scheduled_at timestamptz default null,
  p_description text default '',
  p_category_id uuid default null,
  p_thumbnail_path text default null
)
returns public.streams
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := private.require_uid();
  v_row public.streams;
begin
  insert into public.streams (seller_id, title, description, category_id, thumbnail_path, scheduled_at, created_at, updated_at)
  values (v_uid, p_title, coalesce(p_description, ''), p_category_id, nullif(p_thumbnail_path, ''),
          coalesce(p_scheduled_at, private.now()), private.now(), private.now())
  returning * into v_row;
  return v_row;
end;
$$;
comment on function public.create_stream(text, timestamptz, text, uuid, text) is
  'Announces a stream by the caller: title, when (default now), description, goods category, thumbnail (an image in '
  'listing-media under <user id>/). Status scheduled; start_stream or the ingest going active puts it live. Errors: '
  'HL001, HL761 suspended, HL861-HL863.';
revoke all on function public.create_stream(text, timestamptz, text, uuid, text) from public, anon, authenticated, service_role;
grant execute on function public.create_stream(text, timestamptz, text, uuid, text) to authenticated;

create or replace function public.update_stream(p_stream_id uuid, p_changes jsonb)
returns public.streams
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_row public.streams;
  v_key text;
begin
  v_row := private.own_stream(p_stream_id);
  if p_changes is null or pg_catalog.jsonb_typeof(p_changes) <> 'object' then
    perform private.raise_error('HL861', 'p_changes is an object');
  end if;
  for v_key in select pg_catalog.jsonb_object_keys(p_changes) loop
    if v_key not in ('title', 'description', 'category_id', 'thumbnail_path', 'scheduled_at') then
      perform private.raise_error('HL861', pg_catalog.format('%L cannot be changed', v_key));
    end if;
  end loop;
  if v_row.status in ('ended', 'cancelled') then
    perform private.raise_error('HL866', pg_catalog.format('the stream is %s', v_row.status));
  end if;
  if p_changes ? 'scheduled_at' and v_row.status <> 'scheduled' then
    perform private.raise_error('HL866', 'only a scheduled stream can be rescheduled');
  end if;
  begin
    update public.streams s
       set title = case when p_changes ? 'title' then p_changes ->> 'title' else s.title end,
           description = case when p_changes ? 'description' then coalesce(p_changes ->> 'description', '') else s.description end,
           category_id = case when p_changes ? 'category_id' then (p_changes ->> 'category_id')::uuid else s.category_id end,
           thumbnail_path = case when p_changes ? 'thumbnail_path' then nullif(p_changes ->> 'thumbnail_path', '') else s.thumbnail_path end,
           scheduled_at = case when p_changes ? 'scheduled_at' then (p_changes ->> 'scheduled_at')::timestamptz else s.scheduled_at end
     where s.id = v_row.id
     returning * into v_row;
  exception
    when invalid_text_representation or invalid_datetime_format or datetime_field_overflow then
      perform private.raise_error('HL861', 'a value has the wrong type');
  end;
  return v_row;
end;
$$;
comment on function public.update_stream(uuid, jsonb) is
  'Changes the calling seller''s scheduled or live stream: p_changes with any of title, description, category_id, '
  'thumbnail_path, scheduled_at (scheduled only). Errors: HL860, HL864, HL866 over, HL761 suspended, HL861-HL863.';
revoke all on function public.update_stream(uuid, jsonb) from public, anon, authenticated, service_role;
grant execute on function public.update_stream(uuid, jsonb) to authenticated;

create or replace function public.transition_stream(p_stream_id uuid, p_transition text, p_reason text default null)
returns public.streams
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_row public.streams;
begin
  v_row := private.own_stream(p_stream_id);
  if p_transition = 'start' then
    perform private.assert_not_suspended(v_row.seller_id);
  end if;
  if p_reason is not null and pg_catalog.char_length(p_reason) > 500 then
    perform private.raise_error('HL861', 'reason is at most 500 characters');
  end if;
  return private.apply_stream_transition(v_row.id, p_transition, 'seller', v_row.seller_id, p_reason);
end;
$$;
comment on function public.transition_stream(uuid, text, text) is
  'The seller moves their stream: start (scheduled -> live), end (live -> ended), cancel (scheduled -> cancelled), with '
  'an optional reason (timeline). Errors: HL860, HL864, HL865 not allowed now, HL761 suspended (start).';
revoke all on function public.transition_stream(uuid, text, text) from public, anon, authenticated, service_role;
grant execute on function public.transition_stream(uuid, text, text) to authenticated;

create or replace function public.get_stream_ingest(p_stream_id uuid)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_row public.streams;
  v_ingest private.stream_ingest;
begin
  v_row := private.own_stream(p_stream_id);
  select * into v_ingest from private.stream_ingest i where i.stream_id = v_row.id and i.disabled_at is null;
  if not found then
    perform private.raise_error('HL876', pg_catalog.format('stream %s', v_row.id));
  end if;
  return pg_catalog.jsonb_build_object('stream_id', v_row.id, 'provider', v_ingest.provider,
    'live_input_id', v_ingest.live_input_id, 'ingest_url', v_ingest.ingest_url, 'stream_key', v_ingest.stream_key,
    'playback_id', v_ingest.playback_id, 'created_at', v_ingest.created_at);
end;
$$;
comment on function public.get_stream_ingest(uuid) is
  'The stream''s ingest for its seller only: provider, RTMP(S) URL, the secret stream key, playback id. Errors: HL860, '
  'HL864 not yours, HL876 not provisioned.';
revoke all on function public.get_stream_ingest(uuid) from public, anon, authenticated, service_role;
grant execute on function public.get_stream_ingest(uuid) to authenticated;

------------------------------------------------------------------------------------------------
-- Sellers: pinned products
------------------------------------------------------------------------------------------------
create or replace function private.stream_product_json(p_pin public.stream_products)
returns jsonb
language sql
stable
security definer
set search_path = ''
as $$
  select pg_catalog.jsonb_build_object(
    'product_id', p_pin.product_id, 'position_x', p_pin.position_x, 'position_y', p_pin.position_y,
    'sort_order', p_pin.sort_order, 'featured', p_pin.featured, 'pinned_at', p_pin.pinned_at,
    'title', p.title, 'price', p.price, 'original_price', p.original_price, 'currency', p.currency, 'status', p.status,
    'available_quantity', p.available_quantity, 'image_path', p.image_paths[1],
    'available', p.status = 'available' and p.withdrawn_at is null and p.hidden_at is null)
    from public.products p where p.id = p_pin.product_id;
$$;
comment on function private.stream_product_json(public.stream_products) is
  'A pin as clients see it: product id, position, order, featured, and the product''s title, price, currency, status, '
  'available quantity, first image and whether it can be bought now.';
revoke all on function private.stream_product_json(public.stream_products) from public, anon, authenticated, service_role;

create or replace function private.broadcast_stream_product(p_pin public.stream_products, p_event text)
returns void
language sql
security definer
set search_path = ''
as $$
  select realtime.send(pg_catalog.jsonb_build_object('stream_id', p_pin.stream_id,
                                                     'product', private.stream_product_json(p_pin)),
                       p_event, 'stream:' || p_pin.stream_id::text, true);
$$;
comment on function private.broadcast_stream_product(public.stream_products, text) is
  'Broadcasts a pin change (product.pinned, .moved, .featured, .unpinned) on stream:<id>.';
revoke all on function private.broadcast_stream_product(public.stream_products, text) from public, anon, authenticated, service_role;

create or replace function private.check_stream_position(p_x numeric, p_y numeric, p_sort_order integer)
returns void
language plpgsql
immutable
set search_path = ''
as $$
begin
  if p_x is null or p_y is null or p_x not between 0 and 1 or p_y not between 0 and 1
     or p_sort_order is null or p_sort_order not between 0 and 1000 then
    perform private.raise_error('HL869', pg_catalog.format('x %s, y %s, sort_order %s', p_x, p_y, p_sort_order));
  end if;
end;
$$;
comment on function private.check_stream_position(numeric, numeric, integer) is 'HL869 unless x and y are in 0..1 and sort_order in 0..1000.';
revoke all on function private.check_stream_position(numeric, numeric, integer) from public, anon, authenticated, service_role;

-- The seller's stream that can still change, and the live pin of a product on it (HL868 when none).
create or replace function private.own_pin(p_stream_id uuid, p_product_id uuid)
returns public.stream_products
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_stream public.streams;
  v_pin public.stream_products;
begin
  v_stream := private.own_stream(p_stream_id);
  if v_stream.status in ('ended', 'cancelled') then
    perform private.raise_error('HL866', pg_catalog.format('the stream is %s', v_stream.status));
  end if;
  select * into v_pin from public.stream_products p
   where p.stream_id = v_stream.id and p.product_id = p_product_id and p.unpinned_at is null
   for update;
  if not found then
    perform private.raise_error('HL868', pg_catalog.format('product %s', coalesce(p_product_id::text, 'null')));
  end if;
  return v_pin;
end;
$$;
comment on function private.own_pin(uuid, uuid) is
  'The live pin of a product on the calling seller''s open stream, locked (HL860, HL864, HL866, HL868).';
revoke all on function private.own_pin(uuid, uuid) from public, anon, authenticated, service_role;

create or replace function public.pin_stream_product(
  p_stream_id uuid, p_product_id uuid, p_position_x numeric default 0.5, p_position_y numeric default 0.5,
  p_sort_order integer default 0, p_featured boolean default false)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_stream public.streams;
  v_product public.products;
  v_pin public.stream_products;
begin
  v_stream := private.own_stream(p_stream_id);
  perform private.assert_not_suspended(v_stream.seller_id);
  if v_stream.status in ('ended', 'cancelled') then
    perform private.raise_error('HL866', pg_catalog.format('the stream is %s', v_stream.status));
  end if;
  perform private.check_stream_position(p_position_x, p_position_y, p_sort_order);
  select * into v_product from public.products p where p.id = p_product_id;
  if not found or v_product.seller_id <> v_stream.seller_id or v_product.status <> 'available'
     or v_product.withdrawn_at is not null or v_product.hidden_at is not null then
    perform private.raise_error('HL867', pg_catalog.format('product %s', coalesce(p_product_id::text, 'null')));
  end if;
  if exists (select 1 from public.stream_products p
              where p.stream_id = v_stream.id and p.product_id = v_product.id and p.unpinned_at is null) then
    perform private.raise_error('HL867', 'the product is already pinned (move_stream_product moves it)');
  end if;
  if (select pg_catalog.count(*) from public.stream_products p where p.stream_id = v_stream.id and p.unpinned_at is null)
     >= private.setting('live.max_pinned_products')::integer then
    perform private.raise_error('HL870', pg_catalog.format('at most %s', private.setting('live.max_pinned_products')));
  end if;
  if coalesce(p_featured, false) then
    update public.stream_products p set featured = false where p.stream_id = v_stream.id and p.featured;
  end if;
  insert into public.stream_products (stream_id, product_id, position_x, position_y, sort_order, featured, pinned_at)
  values (v_stream.id, v_product.id, p_position_x, p_position_y, p_sort_order, coalesce(p_featured, false), private.now())
  returning * into v_pin;
  perform private.broadcast_stream_product(v_pin, 'product.pinned');
  return private.stream_product_json(v_pin);
end;
$$;
comment on function public.pin_stream_product(uuid, uuid, numeric, numeric, integer, boolean) is
  'Pins one of the seller''s available products on their scheduled or live stream at (x, y) (fractions of the frame from '
  'the top-left, 0..1), with a sort order and optionally as the featured product; broadcasts product.pinned. Errors: '
  'HL860, HL864, HL866, HL867, HL869, HL870, HL761.';
revoke all on function public.pin_stream_product(uuid, uuid, numeric, numeric, integer, boolean) from public, anon, authenticated, service_role;
grant execute on function public.pin_stream_product(uuid, uuid, numeric, numeric, integer, boolean) to authenticated;

create or replace function public.move_stream_product(
  p_stream_id uuid, p_product_id uuid, p_position_x numeric, p_position_y numeric, p_sort_order integer default null)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_pin public.stream_products;
begin
  v_pin := private.own_pin(p_stream_id, p_product_id);
  perform private.check_stream_position(p_position_x, p_position_y, coalesce(p_sort_order, v_pin.sort_order));
  update public.stream_products p
     set position_x = p_position_x, position_y = p_position_y, sort_order = coalesce(p_sort_order, p.sort_order)
   where p.id = v_pin.id
   returning * into v_pin;
  perform private.broadcast_stream_product(v_pin, 'product.moved');
  return private.stream_product_json(v_pin);
end;
$$;
comment on function public.move_stream_product(uuid, uuid, numeric, numeric, integer) is
  'Moves a pinned product on screen (and optionally in order); broadcasts product.moved. Errors: HL860, HL864, HL866, HL868, HL869.';
revoke all on function public.move_stream_product(uuid, uuid, numeric, numeric, integer) from public, anon, authenticated, service_role;
grant execute on function public.move_stream_product(uuid, uuid, numeric, numeric, integer) to authenticated;

create or replace function public.feature_stream_product(p_stream_id uuid, p_product_id uuid)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_pin public.stream_products;
begin
  v_pin := private.own_pin(p_stream_id, p_product_id);
  update public.stream_products p set featured = false where p.stream_id = v_pin.stream_id and p.featured and p.id <> v_pin.id;
  update public.stream_products p set featured = true where p.id = v_pin.id returning * into v_pin;
  perform private.broadcast_stream_product(v_pin, 'product.featured');
  return private.stream_product_json(v_pin);
end;
$$;
comment on function public.feature_stream_product(uuid, uuid) is
  'Makes a pinned product the featured one (the one on screen now; one at a time); broadcasts product.featured. Errors: '
  'HL860, HL864, HL866, HL868.';
revoke all on function public.feature_stream_product(uuid, uuid) from public, anon, authenticated, service_role;
grant execute on function public.feature_stream_product(uuid, uuid) to authenticated;

create or replace function public.unpin_stream_product(p_stream_id uuid, p_product_id uuid)
returns boolean
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_pin public.stream_products;
begin
  v_pin := private.own_pin(p_stream_id, p_product_id);
  update public.stream_products p set unpinned_at = private.now(), featured = false where p.id = v_pin.id
  returning * into v_pin;
  perform private.broadcast_stream_product(v_pin, 'product.unpinned');
  return true;
end;
$$;
comment on function public.unpin_stream_product(uuid, uuid) is
  'Takes a product off the stream (the row keeps unpinned_at); broadcasts product.unpinned. Errors: HL860, HL864, HL866, HL868.';
revoke all on function public.unpin_stream_product(uuid, uuid) from public, anon, authenticated, service_role;
grant execute on function public.unpin_stream_product(uuid, uuid) to authenticated;

------------------------------------------------------------------------------------------------
-- Reading
------------------------------------------------------------------------------------------------
create or replace function public.get_stream(p_stream_id uuid)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_row public.streams;
begin
  v_row := private.visible_stream(p_stream_id);
  return pg_catalog.to_jsonb(v_row) || pg_catalog.jsonb_build_object(
    'topic', 'stream:' || v_row.id::text,
    'products', coalesce((select pg_catalog.jsonb_agg(private.stream_product_json(p) order by p.featured desc, p.sort_order, p.pinned_at)
                            from public.stream_products p where p.stream_id = v_row.id and p.unpinned_at is null), '[]'::jsonb));
end;
$$;
comment on function public.get_stream(uuid) is
  'One stream as the caller may read it, with its realtime topic and its pinned products (featured first: product id, '
  'position, title, price, currency, status, availability: what buying needs). HL860.';
revoke all on function public.get_stream(uuid) from public, anon, authenticated, service_role;
grant execute on function public.get_stream(uuid) to anon, authenticated;

create or replace function public.list_streams(
  p_status text default 'live',
  p_seller_id uuid default null,
  p_category_id uuid default null,
  p_before_at timestamptz default null,
  p_before_id uuid default null,
  p_limit integer default 20
)
returns setof public.streams
language plpgsql
stable
set search_path = ''
as $$
begin
  if p_status is null or p_status not in ('scheduled', 'live', 'ended', 'cancelled') then
    perform private.raise_error('HL861', pg_catalog.format('p_status %L', p_status));
  end if;
  if p_limit is null or p_limit not between 1 and 100 then
    perform private.raise_error('HL861', 'p_limit is 1 to 100');
  end if;
  if (p_before_at is null) <> (p_before_id is null) then
    perform private.raise_error('HL861', 'p_before_at and p_before_id go together (the last row of the previous page)');
  end if;
  if p_status = 'scheduled' then
    -- Soonest first.
    return query select s.* from public.streams s
      where s.status = 'scheduled' and (p_seller_id is null or s.seller_id = p_seller_id)
        and (p_category_id is null or s.category_id = p_category_id)
        and (p_before_at is null or (s.scheduled_at, s.id) > (p_before_at, p_before_id))
      order by s.scheduled_at, s.id limit p_limit;
  elsif p_status = 'live' then
    return query select s.* from public.streams s
      where s.status = 'live' and (p_seller_id is null or s.seller_id = p_seller_id)
        and (p_category_id is null or s.category_id = p_category_id)
        and (p_before_at is null or (s.started_at, s.id) < (p_before_at, p_before_id))
      order by s.started_at desc, s.id desc limit p_limit;
  else
    return query select s.* from public.streams s
      where s.status = p_status and (p_seller_id is null or s.seller_id = p_seller_id)
        and (p_category_id is null or s.category_id = p_category_id)
        and (p_before_at is null or (s.ended_at, s.id) < (p_before_at, p_before_id))
      order by s.ended_at desc, s.id desc limit p_limit;
  end if;
end;
$$;
comment on function public.list_streams(text, uuid, uuid, timestamptz, uuid, integer) is
  'Streams in one status as the caller may read them, optionally of one seller or category: live newest started first, '
  'scheduled soonest first, ended/cancelled newest ended first; keyset pages (pass the last row''s started_at / '
  'scheduled_at / ended_at and id). HL861 bad arguments.';
revoke all on function public.list_streams(text, uuid, uuid, timestamptz, uuid, integer) from public, anon, authenticated, service_role;
grant execute on function public.list_streams(text, uuid, uuid, timestamptz, uuid, integer) to anon, authenticated;

------------------------------------------------------------------------------------------------
-- Viewers: join (also the heartbeat), leave
------------------------------------------------------------------------------------------------
create or replace function public.join_stream(p_stream_id uuid)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := private.require_uid();
  v_row public.streams;
  v_now timestamptz := private.now();
begin
  v_row := private.visible_stream(p_stream_id);
  if v_row.status <> 'live' then
    perform private.raise_error('HL871', pg_catalog.format('the stream is %s', v_row.status));
  end if;
  if private.blocked_by_seller(v_row.seller_id, v_uid) then
    perform private.raise_error('HL874');
  end if;
  -- The seller is not one of their viewers.
  if v_uid <> v_row.seller_id then
    insert into private.stream_viewers as v (stream_id, user_id, joined_at, last_seen_at, active)
    values (v_row.id, v_uid, v_now, v_now, true)
    on conflict (stream_id, user_id) do update set last_seen_at = excluded.last_seen_at, active = true;
  end if;
  select * into v_row from public.streams s where s.id = v_row.id;
  return pg_catalog.jsonb_build_object('stream_id', v_row.id, 'viewer_count', v_row.viewer_count,
    'total_views', v_row.total_views, 'heartbeat_seconds', private.setting('live.viewer_timeout_seconds')::integer / 2);
end;
$$;
comment on function public.join_stream(uuid) is
  'Counts the caller as a viewer of a live stream, and is the heartbeat: call it on joining and every heartbeat_seconds '
  '(half of live.viewer_timeout_seconds) while watching. Returns viewer_count and total_views. Errors: HL001, HL860, '
  'HL871 not live, HL874 blocked by the seller.';
revoke all on function public.join_stream(uuid) from public, anon, authenticated, service_role;
grant execute on function public.join_stream(uuid) to authenticated;

create or replace function public.leave_stream(p_stream_id uuid)
returns boolean
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := private.require_uid();
  v_count integer;
begin
  update private.stream_viewers v set active = false, last_seen_at = private.now()
   where v.stream_id = p_stream_id and v.user_id = v_uid and v.active;
  get diagnostics v_count = row_count;
  return v_count = 1;
end;
$$;
comment on function public.leave_stream(uuid) is 'The caller stops watching (true when they were counted). HL001.';
revoke all on function public.leave_stream(uuid) from public, anon, authenticated, service_role;
grant execute on function public.leave_stream(uuid) to authenticated;

------------------------------------------------------------------------------------------------
-- Comments
------------------------------------------------------------------------------------------------
create or replace function private.stream_comment_json(p_comment public.stream_comments)
returns jsonb
language sql
stable
security definer
set search_path = ''
as $$
  select pg_catalog.jsonb_build_object('id', p_comment.id, 'stream_id', p_comment.stream_id,
    'author_id', p_comment.author_id,
    'author_name', (select coalesce(nullif(pr.full_name, ''), pr.username) from public.profiles pr where pr.id = p_comment.author_id),
    'body', case when p_comment.hidden_at is null then p_comment.body end,
    'hidden', p_comment.hidden_at is not null, 'created_at', p_comment.created_at);
$$;
comment on function private.stream_comment_json(public.stream_comments) is
  'A comment as broadcast: id, stream, author id and name, body (null while hidden), hidden, created_at.';
revoke all on function private.stream_comment_json(public.stream_comments) from public, anon, authenticated, service_role;

create or replace function public.post_stream_comment(p_stream_id uuid, p_body text)
returns public.stream_comments
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := private.require_uid();
  v_stream public.streams;
  v_row public.stream_comments;
begin
  v_stream := private.visible_stream(p_stream_id);
  if v_stream.status <> 'live' then
    perform private.raise_error('HL871', pg_catalog.format('the stream is %s', v_stream.status));
  end if;
  if p_body is null or pg_catalog.char_length(pg_catalog.btrim(p_body)) not between 1 and 200 then
    perform private.raise_error('HL872', 'a comment is 1 to 200 characters');
  end if;
  if private.blocked_by_seller(v_stream.seller_id, v_uid) then
    perform private.raise_error('HL874');
  end if;
  perform private.rate_limit('stream_comment', v_uid::text);
  insert into public.stream_comments (stream_id, author_id, body, created_at)
  values (v_stream.id, v_uid, pg_catalog.btrim(p_body), private.now())
  returning * into v_row;
  perform realtime.send(pg_catalog.jsonb_build_object('comment', private.stream_comment_json(v_row)),
                        'comment.created', 'stream:' || v_stream.id::text, true);
  return v_row;
end;
$$;
comment on function public.post_stream_comment(uuid, text) is
  'Posts a live comment (1-200 characters) on a live stream and broadcasts comment.created on stream:<id>. '
  'rate_limit.stream_comment per user (20 a minute). Errors: HL001, HL860, HL871, HL872, HL874 blocked, HL006, HL761.';
revoke all on function public.post_stream_comment(uuid, text) from public, anon, authenticated, service_role;
grant execute on function public.post_stream_comment(uuid, text) to authenticated;

create or replace function public.list_stream_comments(
  p_stream_id uuid, p_before_created_at timestamptz default null, p_before_id uuid default null, p_limit integer default 50)
returns setof public.stream_comments
language plpgsql
stable
set search_path = ''
as $$
begin
  if p_limit is null or p_limit not between 1 and 200 then
    perform private.raise_error('HL861', 'p_limit is 1 to 200');
  end if;
  if (p_before_created_at is null) <> (p_before_id is null) then
    perform private.raise_error('HL861', 'p_before_created_at and p_before_id go together');
  end if;
  return query
    select c.* from public.stream_comments c
     where c.stream_id = p_stream_id
       and (p_before_created_at is null or (c.created_at, c.id) < (p_before_created_at, p_before_id))
     order by c.created_at desc, c.id desc
     limit p_limit;
end;
$$;
comment on function public.list_stream_comments(uuid, timestamptz, uuid, integer) is
  'A stream''s comments as the caller may read them (not hidden; authors see their own), newest first, keyset pages. HL861.';
revoke all on function public.list_stream_comments(uuid, timestamptz, uuid, integer) from public, anon, authenticated, service_role;
grant execute on function public.list_stream_comments(uuid, timestamptz, uuid, integer) to anon, authenticated;

------------------------------------------------------------------------------------------------
-- Timers (pg_cron hyperlocal-live-timers, every minute)
------------------------------------------------------------------------------------------------
create or replace function private.expire_stream_viewers()
returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_count integer;
begin
  update private.stream_viewers v set active = false
   where v.active
     and v.last_seen_at < private.now() - pg_catalog.make_interval(secs => private.setting('live.viewer_timeout_seconds')::integer);
  get diagnostics v_count = row_count;
  return v_count;
end;
$$;
comment on function private.expire_stream_viewers() is
  'Viewers without a heartbeat for live.viewer_timeout_seconds stop counting (viewer_count follows); returns how many.';

create or replace function private.run_live_timers()
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_stream record;
  v_cancelled integer := 0;
  v_ended integer := 0;
begin
  for v_stream in
    select s.id from public.streams s
     where s.status = 'scheduled'
       and s.scheduled_at < private.now() - pg_catalog.make_interval(hours => private.setting('live.scheduled_expiry_hours')::integer)
  loop
    perform private.apply_stream_transition(v_stream.id, 'cancel', 'system', null, 'never started');
    v_cancelled := v_cancelled + 1;
  end loop;
  for v_stream in
    select s.id from public.streams s
     where s.status = 'live' and coalesce(s.ingest_status, 'idle') <> 'active'
       -- Counted from the later of going live and the ingest's last change (ingest provisioned or
       -- connected long before the seller started does not end it at once).
       and greatest(s.ingest_changed_at, s.started_at)
           < private.now() - pg_catalog.make_interval(mins => private.setting('live.no_ingest_minutes')::integer)
  loop
    perform private.apply_stream_transition(v_stream.id, 'end', 'system', null, 'no ingest');
    v_ended := v_ended + 1;
  end loop;
  return pg_catalog.jsonb_build_object('viewers_expired', private.expire_stream_viewers(),
                                       'cancelled', v_cancelled, 'ended', v_ended);
end;
$$;
comment on function private.run_live_timers() is
  'pg_cron hyperlocal-live-timers: cancels scheduled streams never started within live.scheduled_expiry_hours, ends live '
  'streams without active ingest for live.no_ingest_minutes, expires silent viewers.';
revoke all on function private.expire_stream_viewers(), private.run_live_timers() from public, anon, authenticated, service_role;

select cron.schedule('hyperlocal-live-timers', '* * * * *', 'select private.run_live_timers()');
