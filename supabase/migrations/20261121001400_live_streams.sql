-- Module: live (streams)
-- Live selling: a seller's streams (scheduled -> live -> ended, or cancelled before going live),
-- the states and transitions as data with one transition function (20261121001410_live_api.sql)
-- and a timeline (stream_events), the products pinned on screen (stream_products), the viewers the
-- database counts (private.stream_viewers -> viewer_count, peak_viewers, total_views), live
-- comments (stream_comments) and the ingest provider's state, kept out of the public row
-- (private.stream_ingest: provider ids and the stream key, read by the owner through an RPC).

------------------------------------------------------------------------------------------------
-- Error codes (HL860-HL889) and settings
------------------------------------------------------------------------------------------------
insert into private.error_codes (code, name, http_status, message, hint) values
  ('HL860', 'stream_not_found', 404, 'The stream does not exist or you cannot see it.',
   'Cancelled and hidden streams are visible to their seller and moderators only.'),
  ('HL861', 'invalid_stream', 400, 'The stream is invalid.',
   'title 1-100 characters, description up to 2000, scheduled_at from now up to live.max_schedule_days ahead; see details.'),
  ('HL862', 'invalid_stream_category', 400, 'The category is not an active goods category.',
   'Use a category of kind goods (category_tree(p_kind => ''goods'')), or none.'),
  ('HL863', 'invalid_stream_thumbnail', 400, 'The thumbnail is invalid.',
   'An image you uploaded to listing-media under <your user id>/.'),
  ('HL864', 'not_stream_seller', 403, 'Only the seller can do this.',
   'Only the stream''s seller edits it, starts or ends it, pins products and reads its stream key.'),
  ('HL865', 'stream_transition_not_allowed', 409, 'The stream cannot do that in its current state.',
   'scheduled -> live (start) -> ended (end); scheduled -> cancelled (cancel); see details.'),
  ('HL866', 'stream_not_editable', 409, 'The stream cannot change any more.',
   'Ended and cancelled streams are final.'),
  ('HL867', 'invalid_stream_product', 400, 'The product cannot be pinned.',
   'Pin your own available products that are not withdrawn or hidden.'),
  ('HL868', 'stream_product_not_pinned', 404, 'The product is not pinned on this stream.',
   'Pin it first (pin_stream_product).'),
  ('HL869', 'invalid_stream_position', 400, 'The on-screen position is invalid.',
   'x and y are fractions of the video frame from its top-left corner, 0 to 1; sort_order 0-1000.'),
  ('HL870', 'too_many_pinned_products', 409, 'Too many products are pinned.',
   'Unpin one first; at most live.max_pinned_products at a time.'),
  ('HL871', 'stream_not_live', 409, 'The stream is not live.',
   'Viewers join and comment while the stream is live.'),
  ('HL872', 'invalid_stream_comment', 400, 'The comment is invalid.', 'A comment is 1 to 200 characters.'),
  ('HL873', 'stream_comment_not_found', 404, 'The comment does not exist or you cannot see it.',
   'Check p_comment_id.'),
  ('HL874', 'blocked_by_seller', 403, 'The seller does not accept you on their streams.',
   'The seller blocked you (messaging''s blocks).'),
  ('HL875', 'invalid_ingest_event', 400, 'The ingest event is invalid.',
   'Internal (apply_stream_ingest_event): provider local|mux, an event id, a type and a live input id.'),
  ('HL876', 'ingest_not_provisioned', 404, 'The stream has no ingest yet.',
   'Provision it with the stream-ingest edge function.')
on conflict (code) do update
  set name = excluded.name, http_status = excluded.http_status, message = excluded.message, hint = excluded.hint;

insert into private.settings (key, value, description) values
  ('live.max_schedule_days', '30', 'How far ahead a stream can be scheduled, in days.'),
  ('live.scheduled_expiry_hours', '6',
   'A scheduled stream not started this many hours after its scheduled_at is cancelled (pg_cron hyperlocal-live-timers).'),
  ('live.no_ingest_minutes', '10',
   'A live stream whose ingest is not active for this many minutes ends (pg_cron hyperlocal-live-timers).'),
  ('live.viewer_timeout_seconds', '60',
   'A viewer without a heartbeat for this long stops counting in viewer_count (pg_cron hyperlocal-live-timers).'),
  ('live.max_pinned_products', '20', 'Products pinned on one stream at a time.'),
  ('rate_limit.stream_comment', '{"limit": 20, "window": "1 minute"}',
   'Live comments a user may post per sliding window (post_stream_comment).')
on conflict (key) do nothing;

------------------------------------------------------------------------------------------------
-- States and transitions (data)
------------------------------------------------------------------------------------------------
create table public.stream_states (
  state text primary key check (state ~ '^[a-z_]+$'),
  is_final boolean not null default false,
  is_public boolean not null,
  description text not null
);
comment on table public.stream_states is
  'The states of a stream (scheduled, live, ended, cancelled): final or not, and whether others can read a stream in it. '
  'Public; managed in migrations.';

insert into public.stream_states (state, is_final, is_public, description) values
  ('scheduled', false, true, 'Announced, not started yet.'),
  ('live', false, true, 'On air: viewers join, comment and buy the pinned products.'),
  ('ended', true, true, 'Over (by the seller, the ingest provider or the no-ingest timer).'),
  ('cancelled', true, false, 'Called off before going live (by the seller, or expired unstarted).')
on conflict (state) do update set is_final = excluded.is_final, is_public = excluded.is_public, description = excluded.description;

create table public.stream_transitions (
  transition text not null check (transition ~ '^[a-z_]+$'),
  from_state text not null references public.stream_states (state),
  to_state text not null references public.stream_states (state),
  -- Who may fire it: seller (the RPCs), provider (a verified ingest webhook), system (timers, moderation, deletion).
  actors text[] not null check (actors <@ array['seller', 'provider', 'system']::text[] and cardinality(actors) > 0),
  description text not null,
  primary key (transition, from_state)
);
comment on table public.stream_transitions is
  'Allowed stream transitions: name, from and to state, and who may fire them (seller, provider, system). Public; managed in migrations.';

insert into public.stream_transitions (transition, from_state, to_state, actors, description) values
  ('start', 'scheduled', 'live', '{seller,provider}', 'The seller starts, or the ingest becomes active.'),
  ('end', 'live', 'ended', '{seller,provider,system}', 'The seller ends, the ingest goes idle, or no ingest for live.no_ingest_minutes.'),
  ('cancel', 'scheduled', 'cancelled', '{seller,system}', 'The seller calls it off, or it expired unstarted.')
on conflict (transition, from_state) do update
  set to_state = excluded.to_state, actors = excluded.actors, description = excluded.description;

------------------------------------------------------------------------------------------------
-- Streams
------------------------------------------------------------------------------------------------
create table public.streams (
  id uuid primary key default gen_random_uuid(),
  seller_id uuid not null references public.profiles (id),
  title text not null check (char_length(btrim(title)) between 1 and 100),
  description text not null default '' check (char_length(description) <= 2000),
  category_id uuid references public.categories (id),
  thumbnail_path text,
  status text not null default 'scheduled' references public.stream_states (state),
  scheduled_at timestamptz not null,
  started_at timestamptz,
  ended_at timestamptz,
  -- The ingest provider's public playback id (HLS: https://stream.mux.com/<id>.m3u8 with Mux).
  playback_id text,
  ingest_status text check (ingest_status in ('idle', 'connected', 'active', 'disconnected')),
  ingest_changed_at timestamptz,
  viewer_count integer not null default 0 check (viewer_count >= 0),
  peak_viewers integer not null default 0 check (peak_viewers >= 0),
  total_views bigint not null default 0 check (total_views >= 0),
  comment_count bigint not null default 0 check (comment_count >= 0),
  hidden_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint streams_started check ((status in ('live', 'ended')) = (started_at is not null)),
  constraint streams_ended check ((status in ('ended', 'cancelled')) = (ended_at is not null))
);
comment on table public.streams is
  'Live selling streams (live module): seller, title, description, goods category, thumbnail (listing-media), status '
  '(written only by private.apply_stream_transition), schedule and air times, public playback id, ingest state, and the '
  'counters the database keeps (viewer_count, peak_viewers, total_views, comment_count). Scheduled, live and ended ones '
  'that are not hidden are public; the seller reads all of theirs, moderators all.';
comment on column public.streams.thumbnail_path is 'An image object of listing-media under the seller''s folder, or null.';
comment on column public.streams.playback_id is 'The provider''s public playback id (set when ingest is provisioned).';
comment on column public.streams.ingest_status is 'The ingest provider''s last state (verified webhooks): idle, connected, active, disconnected.';
comment on column public.streams.viewer_count is 'Viewers active now (heartbeat within live.viewer_timeout_seconds), by the database.';
comment on column public.streams.peak_viewers is 'The highest viewer_count reached, by the database.';
comment on column public.streams.total_views is 'Distinct signed-in viewers who ever joined, by the database.';
comment on column public.streams.comment_count is 'Comments posted and not deleted, by the database.';
comment on column public.streams.hidden_at is 'Set while moderation hides the stream (report target stream).';

create index streams_seller_id_created_at_idx on public.streams (seller_id, created_at desc, id desc);
create index streams_status_started_at_idx on public.streams (status, started_at desc, id desc);
create index streams_status_scheduled_at_idx on public.streams (status, scheduled_at, id);
create index streams_ended_at_idx on public.streams (ended_at desc, id desc) where status = 'ended';
create index streams_category_id_idx on public.streams (category_id);

create or replace trigger streams_set_updated_at
  before update of title, description, category_id, thumbnail_path, status, scheduled_at, playback_id, hidden_at
  on public.streams
  for each row execute function private.set_updated_at();

create or replace trigger streams_refuse_suspended
  before insert or update of title, description, category_id, thumbnail_path, scheduled_at on public.streams
  for each row execute function private.refuse_suspended_writes('seller_id');

create table public.stream_events (
  id bigint generated always as identity primary key,
  stream_id uuid not null references public.streams (id) on delete cascade,
  transition text not null,
  from_state text not null,
  to_state text not null,
  actor text not null check (actor in ('seller', 'provider', 'system')),
  actor_id uuid references public.profiles (id) on delete set null,
  reason text,
  created_at timestamptz not null default now()
);
comment on table public.stream_events is
  'The timeline of each stream: one row per transition (who, why, when on the domain clock). The seller and moderators read it.';
create index stream_events_stream_id_idx on public.stream_events (stream_id, id);
create index stream_events_actor_id_idx on public.stream_events (actor_id);

-- The ingest provider's ids and the secret stream key: never in the public row.
create table private.stream_ingest (
  stream_id uuid primary key references public.streams (id) on delete cascade,
  provider text not null check (provider in ('local', 'mux')),
  live_input_id text not null,
  stream_key text not null,
  ingest_url text not null,
  playback_id text not null,
  disabled_at timestamptz,
  created_at timestamptz not null default now(),
  unique (provider, live_input_id)
);
comment on table private.stream_ingest is
  'Each stream''s ingest at the provider: live input id, RTMP(S) URL, stream key (secret: the owner reads it through '
  'get_stream_ingest), playback id. Written by the stream-ingest edge function (record_stream_ingest, service role).';

create table private.stream_ingest_events (
  provider text not null,
  event_id text not null,
  type text not null,
  live_input_id text,
  stream_id uuid references public.streams (id) on delete set null,
  status text not null check (status in ('applied', 'ignored')),
  -- When the provider says it happened (out-of-order deliveries older than the last applied one are ignored).
  occurred_at timestamptz,
  -- Why it was ignored, or the transition it fired.
  note text,
  received_at timestamptz not null default now(),
  primary key (provider, event_id)
);
comment on table private.stream_ingest_events is
  'Ingest webhook events already processed (idempotency by provider and event id) and what they did '
  '(apply_stream_ingest_event).';
create index stream_ingest_events_applied_idx on private.stream_ingest_events (stream_id, occurred_at desc)
  where status = 'applied';
create index stream_ingest_events_stream_id_idx on private.stream_ingest_events (stream_id);

------------------------------------------------------------------------------------------------
-- Pinned products
------------------------------------------------------------------------------------------------
create table public.stream_products (
  id uuid primary key default gen_random_uuid(),
  stream_id uuid not null references public.streams (id) on delete cascade,
  product_id uuid not null references public.products (id) on delete cascade,
  -- Where the tag sits on screen: fractions of the video frame from its top-left corner.
  position_x numeric(4, 3) not null default 0.5 check (position_x between 0 and 1),
  position_y numeric(4, 3) not null default 0.5 check (position_y between 0 and 1),
  sort_order integer not null default 0 check (sort_order between 0 and 1000),
  featured boolean not null default false,
  pinned_at timestamptz not null,
  unpinned_at timestamptz,
  check (not featured or unpinned_at is null)
);
comment on table public.stream_products is
  'Products pinned on a stream with their on-screen position (x, y in 0..1 of the frame from the top-left), order and '
  'the one featured product; unpinned ones keep their row (unpinned_at). Written by the pin RPCs; readable with the stream.';
create unique index stream_products_pinned_key on public.stream_products (stream_id, product_id) where unpinned_at is null;
create unique index stream_products_featured_key on public.stream_products (stream_id) where featured;
create index stream_products_stream_id_idx on public.stream_products (stream_id, sort_order, pinned_at);
create index stream_products_product_id_idx on public.stream_products (product_id);

------------------------------------------------------------------------------------------------
-- Viewers (private: counted, not listed) and the counters
------------------------------------------------------------------------------------------------
create table private.stream_viewers (
  stream_id uuid not null references public.streams (id) on delete cascade,
  user_id uuid not null references public.profiles (id) on delete cascade,
  joined_at timestamptz not null,
  last_seen_at timestamptz not null,
  active boolean not null default true,
  primary key (stream_id, user_id)
);
comment on table private.stream_viewers is
  'One row per stream and signed-in viewer (join_stream, heartbeat, leave_stream); active while heartbeats arrive. Rows '
  '-> streams.total_views; active rows -> viewer_count.';
create index stream_viewers_active_idx on private.stream_viewers (last_seen_at) where active;
create index stream_viewers_user_id_idx on private.stream_viewers (user_id);

create or replace function private.stream_viewers_count()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_delta integer := 0;
begin
  if tg_op = 'INSERT' then
    v_delta := case when new.active then 1 else 0 end;
    update public.streams s
       set total_views = s.total_views + 1, viewer_count = s.viewer_count + v_delta,
           peak_viewers = greatest(s.peak_viewers, s.viewer_count + v_delta)
     where s.id = new.stream_id;
  elsif tg_op = 'UPDATE' then
    if new.active is distinct from old.active then
      v_delta := case when new.active then 1 else -1 end;
      update public.streams s
         set viewer_count = s.viewer_count + v_delta,
             peak_viewers = greatest(s.peak_viewers, s.viewer_count + v_delta)
       where s.id = new.stream_id;
    end if;
  elsif old.active then
    update public.streams s set viewer_count = s.viewer_count - 1 where s.id = old.stream_id;
  end if;
  return null;
end;
$$;
comment on function private.stream_viewers_count() is
  'AFTER INSERT/UPDATE/DELETE on private.stream_viewers: keeps streams.total_views (rows ever inserted), viewer_count '
  '(active rows) and peak_viewers.';
revoke all on function private.stream_viewers_count() from public, anon, authenticated, service_role;

create or replace trigger stream_viewers_count
  after insert or update of active or delete on private.stream_viewers
  for each row execute function private.stream_viewers_count();

------------------------------------------------------------------------------------------------
-- Comments
------------------------------------------------------------------------------------------------
create table public.stream_comments (
  id uuid primary key default gen_random_uuid(),
  stream_id uuid not null references public.streams (id) on delete cascade,
  author_id uuid not null references public.profiles (id),
  body text not null check (char_length(btrim(body)) between 1 and 200),
  created_at timestamptz not null default now(),
  hidden_at timestamptz
);
comment on table public.stream_comments is
  'Live comments on a stream (post_stream_comment; rate-limited, refused for suspended and blocked users), delivered on '
  'the stream''s topic; moderation hides them (report target stream_comment). Readable with the stream while not hidden; '
  'authors read their own.';
create index stream_comments_stream_id_idx on public.stream_comments (stream_id, created_at desc, id desc);
create index stream_comments_author_id_idx on public.stream_comments (author_id);

create or replace trigger stream_comments_refuse_suspended
  before insert on public.stream_comments
  for each row execute function private.refuse_suspended_writes('author_id');

create or replace function private.stream_comments_count()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op = 'INSERT' then
    update public.streams s set comment_count = s.comment_count + 1 where s.id = new.stream_id;
  else
    update public.streams s set comment_count = s.comment_count - 1 where s.id = old.stream_id;
  end if;
  return null;
end;
$$;
comment on function private.stream_comments_count() is 'AFTER INSERT/DELETE on stream_comments: keeps streams.comment_count.';
revoke all on function private.stream_comments_count() from public, anon, authenticated, service_role;

create or replace trigger stream_comments_count
  after insert or delete on public.stream_comments
  for each row execute function private.stream_comments_count();

------------------------------------------------------------------------------------------------
-- Row level security and privileges (clients write nothing directly: the RPCs do)
------------------------------------------------------------------------------------------------
alter table public.stream_states enable row level security;
alter table public.stream_transitions enable row level security;
alter table public.streams enable row level security;
alter table public.stream_events enable row level security;
alter table public.stream_products enable row level security;
alter table public.stream_comments enable row level security;

-- One place for "may the caller read this stream" (RLS of streams and of the tables hanging off it).
create or replace function private.stream_readable(p_stream public.streams)
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select (p_stream.hidden_at is null and p_stream.status in ('scheduled', 'live', 'ended'))
      or p_stream.seller_id = (select auth.uid())
      or private.authorize('content.moderate');
$$;
comment on function private.stream_readable(public.streams) is
  'True when the caller may read the stream: not hidden and scheduled, live or ended; their own; or a moderator.';
revoke all on function private.stream_readable(public.streams) from public, anon, authenticated, service_role;
grant execute on function private.stream_readable(public.streams) to anon, authenticated, service_role;

create or replace function private.stream_id_readable(p_stream_id uuid)
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select coalesce((select private.stream_readable(s) from public.streams s where s.id = p_stream_id), false);
$$;
comment on function private.stream_id_readable(uuid) is 'private.stream_readable of the stream with this id (false when none).';
revoke all on function private.stream_id_readable(uuid) from public, anon, authenticated, service_role;
grant execute on function private.stream_id_readable(uuid) to anon, authenticated, service_role;

create policy "Stream states are public" on public.stream_states for select to anon, authenticated using (true);
create policy "Stream transitions are public" on public.stream_transitions for select to anon, authenticated using (true);
create policy "Public streams are readable; sellers and moderators read more" on public.streams
  for select to anon, authenticated
  using ((hidden_at is null and status in ('scheduled', 'live', 'ended'))
         or seller_id = (select auth.uid())
         or (select private.authorize('content.moderate')));
create policy "Sellers and moderators read a stream's timeline" on public.stream_events
  for select to authenticated
  using (exists (select 1 from public.streams s
                  where s.id = stream_id and (s.seller_id = (select auth.uid()) or (select private.authorize('content.moderate')))));
create policy "Pinned products are readable with their stream" on public.stream_products
  for select to anon, authenticated
  using (private.stream_id_readable(stream_id));
create policy "Visible comments are readable; authors read their own" on public.stream_comments
  for select to anon, authenticated
  using ((hidden_at is null and private.stream_id_readable(stream_id)) or author_id = (select auth.uid()));

revoke all on table public.stream_states, public.stream_transitions, public.streams, public.stream_events,
  public.stream_products, public.stream_comments from anon, authenticated, service_role;
revoke all on sequence public.stream_events_id_seq from anon, authenticated, service_role;
revoke all on table private.stream_ingest, private.stream_ingest_events, private.stream_viewers
  from anon, authenticated, service_role;
grant select on public.stream_states, public.stream_transitions, public.streams, public.stream_products,
  public.stream_comments to anon, authenticated;
grant select on public.stream_events to authenticated;
-- The service role reads; it writes through the same functions (states and counters stay the database's).
grant select on public.stream_states, public.stream_transitions, public.streams, public.stream_events,
  public.stream_products, public.stream_comments to service_role;
