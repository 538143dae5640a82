-- Module: core (notifications)
-- The one notification path of every module. A module registers its notification types
-- (private.notification_types: kind → type group, localisable title and body keys, deep link
-- template, parameters, default channels) and their texts (private.notification_texts, en and ar)
-- from its own files, then calls private.notify(user, kind, payload). notify() checks the kind,
-- applies the user's preferences (core_notification_preferences), writes the in-app row of
-- public.notifications (broadcast on the user's realtime topic `user:<id>`) and queues one push
-- delivery per device token of the user (core_push). Clients read with list_notifications (keyset
-- pages) and mark read with mark_notifications_read / mark_all_notifications_read.

------------------------------------------------------------------------------------------------
-- Registry: type groups, types, texts
------------------------------------------------------------------------------------------------
create table private.notification_groups (
  type_group text primary key check (type_group ~ '^[a-z][a-z_]*$'),
  description text not null,
  position integer not null unique
);
comment on table private.notification_groups is
  'Groups of notification types: the unit of the users'' preferences (per group and channel).';

insert into private.notification_groups (type_group, description, position) values
  ('bookings', 'Bookings: requests, confirmations, travel, start, completion, cancellations, reminders.', 10),
  ('jobs', 'Jobs and offers: matches, offers, counters, acceptance, expiry.', 20),
  ('messages', 'Chat messages.', 30),
  ('account', 'Account and security notices.', 40);

create table private.notification_types (
  kind text primary key check (kind ~ '^[a-z][a-z_]*(\.[a-z][a-z_]*)+$'),
  type_group text not null references private.notification_groups (type_group),
  module text not null,
  title_key text not null check (title_key ~ '^[a-z][a-z0-9_.]*$'),
  body_key text not null check (body_key ~ '^[a-z][a-z0-9_.]*$'),
  -- Deep link template; {name} is replaced by the payload's value of that key.
  deep_link text not null,
  -- Payload keys copied into the notification's params (the texts' and the deep link's {name}s).
  params text[] not null default '{}',
  -- Channels on by default (a user's preference for the group overrides them).
  channels text[] not null default '{in_app,push}'
    check (channels <@ array['in_app', 'push', 'email']::text[]),
  description text not null
);
comment on table private.notification_types is
  'Registry of notification kinds: each module inserts its own rows (kind, group, title and body keys, deep link template, params taken from the payload, default channels). private.notify refuses unregistered kinds (HL570).';
create index notification_types_type_group_idx on private.notification_types (type_group);

create table private.notification_texts (
  key text not null check (key ~ '^[a-z][a-z0-9_.]*$'),
  locale text not null check (locale ~ '^[a-z]{2}$'),
  text text not null check (text <> ''),
  primary key (key, locale)
);
comment on table private.notification_texts is
  'Catalog of the notification titles and bodies per locale (en, ar): {name} placeholders are filled from the notification''s params. Served to clients by notification_catalog(locale) and used to render push messages.';

-- '{name}' placeholders of p_template filled from p_params (missing names stay as they are).
create or replace function private.render_notification_text(p_template text, p_params jsonb)
returns text
language plpgsql
immutable
set search_path = ''
as $$
declare
  v_key text;
  v_value text;
  v_text text := p_template;
begin
  if v_text is null or p_params is null or pg_catalog.jsonb_typeof(p_params) <> 'object' then
    return v_text;
  end if;
  for v_key, v_value in select e.key, e.value from pg_catalog.jsonb_each_text(p_params) e loop
    v_text := pg_catalog.replace(v_text, '{' || v_key || '}', coalesce(v_value, ''));
  end loop;
  return v_text;
end;
$$;
comment on function private.render_notification_text(text, jsonb) is
  'Fills the {name} placeholders of a text or deep link template from a params object.';
revoke all on function private.render_notification_text(text, jsonb) from public, anon, authenticated, service_role;

-- The text of a key in a locale ('ar-AE' → 'ar'), falling back to English, then to the key.
create or replace function private.notification_text(p_key text, p_locale text, p_params jsonb)
returns text
language sql
stable
set search_path = ''
as $$
  select private.render_notification_text(coalesce(
    (select t.text from private.notification_texts t
      where t.key = p_key and t.locale = pg_catalog.left(coalesce(p_locale, 'en'), 2)),
    (select t.text from private.notification_texts t where t.key = p_key and t.locale = 'en'),
    p_key), p_params);
$$;
comment on function private.notification_text(text, text, jsonb) is
  'A notification text rendered in a locale (language part; English fallback, then the key itself).';
revoke all on function private.notification_text(text, text, jsonb) from public, anon, authenticated, service_role;

------------------------------------------------------------------------------------------------
-- The outbox: one in-app row per notification
------------------------------------------------------------------------------------------------
create table public.notifications (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references auth.users (id) on delete cascade,
  kind text not null references private.notification_types (kind),
  type_group text not null,
  title_key text not null,
  body_key text not null,
  params jsonb not null default '{}',
  deep_link text not null,
  payload jsonb not null default '{}',
  -- False when the user turned the in-app channel of the group off: the row exists for push only.
  in_app boolean not null default true,
  created_at timestamptz not null default now(),
  read_at timestamptz
);
comment on table public.notifications is
  'Notifications (the outbox of every module): kind, localisable title/body keys with params, deep link, payload with ids, read_at. Users read their in-app rows and mark them read.';
create index notifications_user_id_idx on public.notifications (user_id, created_at desc, id desc);
create index notifications_unread_idx on public.notifications (user_id) where read_at is null and in_app;
create index notifications_kind_idx on public.notifications (kind);

alter table public.notifications enable row level security;
create policy "Users can read their own notifications" on public.notifications
  for select to authenticated
  using (user_id = (select auth.uid()) and in_app);
create policy "Users can mark their own notifications read" on public.notifications
  for update to authenticated
  using (user_id = (select auth.uid()) and in_app)
  with check (user_id = (select auth.uid()) and in_app);
revoke all on table public.notifications from anon, authenticated, service_role;
grant select, update (read_at) on public.notifications to authenticated;
grant select, insert, update, delete on public.notifications to service_role;

-- The JSON clients receive for a notification (realtime event and list rows share it).
create or replace function private.notification_json(p_notification public.notifications)
returns jsonb
language sql
stable
set search_path = ''
as $$
  select pg_catalog.jsonb_build_object(
    'id', p_notification.id, 'kind', p_notification.kind, 'type_group', p_notification.type_group,
    'title_key', p_notification.title_key, 'body_key', p_notification.body_key,
    'params', p_notification.params, 'deep_link', p_notification.deep_link,
    'payload', p_notification.payload, 'created_at', p_notification.created_at,
    'read_at', p_notification.read_at);
$$;
comment on function private.notification_json(public.notifications) is
  'A notification as clients receive it on user:<id> (event notification.created).';
revoke all on function private.notification_json(public.notifications) from public, anon, authenticated, service_role;

create or replace function private.notify(p_user_id uuid, p_kind text, p_payload jsonb)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_type private.notification_types;
  v_payload jsonb := coalesce(p_payload, '{}'::jsonb);
  v_params jsonb;
  v_in_app boolean;
  v_push boolean;
  v_id uuid;
begin
  if p_user_id is null then
    return;
  end if;
  select * into v_type from private.notification_types t where t.kind = p_kind;
  if not found then
    perform private.raise_error('HL570', pg_catalog.format('kind %L', p_kind));
  end if;
  if pg_catalog.jsonb_typeof(v_payload) <> 'object' then
    perform private.raise_error('HL004', 'the notification payload must be a JSON object');
  end if;
  v_in_app := private.notification_channel_enabled(p_user_id, v_type.type_group, 'in_app', v_type.channels);
  v_push := private.notification_channel_enabled(p_user_id, v_type.type_group, 'push', v_type.channels);
  if not v_in_app and not v_push then
    return;   -- the user wants nothing of this group (email is not sent by any channel yet)
  end if;
  select coalesce(pg_catalog.jsonb_object_agg(k, v_payload -> k), '{}'::jsonb) into v_params
    from pg_catalog.unnest(v_type.params) k
   where v_payload ? k;
  insert into public.notifications (user_id, kind, type_group, title_key, body_key, params, deep_link, payload, in_app)
  values (p_user_id, p_kind, v_type.type_group, v_type.title_key, v_type.body_key, v_params,
          private.render_notification_text(v_type.deep_link, v_params), v_payload, v_in_app)
  returning id into v_id;
  if v_push then
    perform private.queue_push_deliveries(v_id, p_user_id);
  end if;
end;
$$;
comment on function private.notify(uuid, text, jsonb) is
  'Notifies a user (no-op for a null user): checks the kind (HL570) and the payload (an object, HL004), applies the user''s channel preferences for the type''s group, writes the notifications row (in_app false when only push is wanted; broadcast on user:<id>) and queues a push delivery per device token.';
revoke all on function private.notify(uuid, text, jsonb) from public, anon, authenticated, service_role;
grant execute on function private.notify(uuid, text, jsonb) to service_role;

-- New in-app notifications reach the user's devices on their private topic user:<id>.
create or replace function private.broadcast_notification()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform realtime.send(private.notification_json(new), 'notification.created', 'user:' || new.user_id::text, true);
  return null;
end;
$$;
comment on function private.broadcast_notification() is
  'Trigger: broadcasts a new in-app notification on user:<id> (event notification.created).';
revoke all on function private.broadcast_notification() from public, anon, authenticated, service_role;

create trigger notifications_broadcast
  after insert on public.notifications
  for each row when (new.in_app)
  execute function private.broadcast_notification();

------------------------------------------------------------------------------------------------
-- RPCs
------------------------------------------------------------------------------------------------
create or replace function public.list_notifications(
  p_limit integer default 20,
  p_after text default null,
  p_unread_only boolean default false,
  p_locale text default 'en'
)
returns table (
  id uuid,
  kind text,
  type_group text,
  title text,
  body text,
  title_key text,
  body_key text,
  params jsonb,
  deep_link text,
  payload jsonb,
  created_at timestamptz,
  read_at timestamptz,
  cursor text
)
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_uid uuid := private.require_uid();
  v_after_at timestamptz;
  v_after_id uuid;
  v_cursor text;
begin
  if p_limit is null or p_limit not between 1 and 100 then
    perform private.raise_error('HL571', pg_catalog.format('p_limit %s: 1 to 100', p_limit));
  end if;
  if p_locale is null or p_locale !~ '^[a-z]{2}(-[A-Z]{2})?$' then
    perform private.raise_error('HL571', pg_catalog.format('p_locale %L', p_locale));
  end if;
  if p_after is not null then
    begin
      v_cursor := pg_catalog.convert_from(pg_catalog.decode(pg_catalog.translate(p_after, '-_', '+/')
                    || pg_catalog.repeat('=', (4 - pg_catalog.length(p_after) % 4) % 4), 'base64'), 'UTF8');
      v_after_at := 'epoch'::timestamptz + (pg_catalog.split_part(v_cursor, ',', 1)::bigint::text || ' microseconds')::interval;
      v_after_id := pg_catalog.split_part(v_cursor, ',', 2)::uuid;
    exception when others then
      perform private.raise_error('HL007', pg_catalog.format('cursor %L', p_after));
    end;
  end if;
  return query
    select n.id, n.kind, n.type_group,
           private.notification_text(n.title_key, p_locale, n.params),
           private.notification_text(n.body_key, p_locale, n.params),
           n.title_key, n.body_key, n.params, n.deep_link, n.payload, n.created_at, n.read_at,
           pg_catalog.rtrim(pg_catalog.translate(pg_catalog.encode(pg_catalog.convert_to(
             ((extract(epoch from n.created_at) * 1000000)::bigint)::text || ',' || n.id::text, 'UTF8'), 'base64'),
             '+/', '-_'), '=')
      from public.notifications n
     where n.user_id = v_uid and n.in_app
       and (not coalesce(p_unread_only, false) or n.read_at is null)
       and (v_after_at is null or (n.created_at, n.id) < (v_after_at, v_after_id))
     order by n.created_at desc, n.id desc
     limit p_limit;
end;
$$;
comment on function public.list_notifications(integer, text, boolean, text) is
  'The caller''s in-app notifications, newest first, with title and body rendered in p_locale (English fallback) next to their keys and params. Keyset pagination: pass the last row''s cursor as p_after. Errors: HL571 (limit 1-100, locale), HL007 cursor.';
revoke all on function public.list_notifications(integer, text, boolean, text) from public, anon, authenticated, service_role;
grant execute on function public.list_notifications(integer, text, boolean, text) to authenticated;

create or replace function public.mark_notifications_read(p_ids uuid[])
returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := private.require_uid();
  v_now timestamptz := private.now();
  v_missing uuid;
  v_ids uuid[];
begin
  if p_ids is null or pg_catalog.cardinality(p_ids) not between 1 and 100 or array_position(p_ids, null) is not null then
    perform private.raise_error('HL571', 'p_ids: 1 to 100 notification ids');
  end if;
  select i into v_missing from pg_catalog.unnest(p_ids) i
   where not exists (select 1 from public.notifications n where n.id = i and n.user_id = v_uid and n.in_app)
   limit 1;
  if v_missing is not null then
    perform private.raise_error('HL572', v_missing::text);
  end if;
  with marked as (
    update public.notifications n set read_at = v_now
     where n.id = any (p_ids) and n.user_id = v_uid and n.read_at is null
    returning n.id)
  select coalesce(pg_catalog.array_agg(m.id), '{}') into v_ids from marked m;
  if pg_catalog.cardinality(v_ids) > 0 then
    perform realtime.send(pg_catalog.jsonb_build_object('ids', v_ids, 'read_at', v_now),
                          'notifications.read', 'user:' || v_uid::text, true);
  end if;
  return pg_catalog.cardinality(v_ids);
end;
$$;
comment on function public.mark_notifications_read(uuid[]) is
  'Marks the caller''s notifications read (already read ones keep their read_at); returns how many changed and tells the user''s other devices (notifications.read on user:<id>). Errors: HL571 (1-100 ids), HL572 (not the caller''s notification; nothing is marked).';
revoke all on function public.mark_notifications_read(uuid[]) from public, anon, authenticated, service_role;
grant execute on function public.mark_notifications_read(uuid[]) to authenticated;

create or replace function public.mark_all_notifications_read(p_before timestamptz default null)
returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := private.require_uid();
  v_now timestamptz := private.now();
  v_count integer;
begin
  update public.notifications n set read_at = v_now
   where n.user_id = v_uid and n.read_at is null and n.in_app
     and (p_before is null or n.created_at <= p_before);
  get diagnostics v_count = row_count;
  if v_count > 0 then
    perform realtime.send(pg_catalog.jsonb_build_object('all', true, 'before', p_before, 'read_at', v_now),
                          'notifications.read', 'user:' || v_uid::text, true);
  end if;
  return v_count;
end;
$$;
comment on function public.mark_all_notifications_read(timestamptz) is
  'Marks every unread in-app notification of the caller read (those created up to p_before, when given: what the user has seen); returns how many, and tells the user''s other devices (notifications.read on user:<id>).';
revoke all on function public.mark_all_notifications_read(timestamptz) from public, anon, authenticated, service_role;
grant execute on function public.mark_all_notifications_read(timestamptz) to authenticated;

create or replace function public.unread_notification_count()
returns integer
language sql
stable
security definer
set search_path = ''
as $$
  select pg_catalog.count(*)::integer from public.notifications n
   where n.user_id = private.require_uid() and n.read_at is null and n.in_app;
$$;
comment on function public.unread_notification_count() is 'How many in-app notifications the caller has not read.';
revoke all on function public.unread_notification_count() from public, anon, authenticated, service_role;
grant execute on function public.unread_notification_count() to authenticated;

create or replace function public.notification_catalog(p_locale text default 'en')
returns table (key text, text text)
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  if p_locale is null or p_locale !~ '^[a-z]{2}(-[A-Z]{2})?$' then
    perform private.raise_error('HL571', pg_catalog.format('p_locale %L', p_locale));
  end if;
  return query
    select k.key, coalesce(l.text, e.text)
      from (select distinct t.key from private.notification_texts t) k
      left join private.notification_texts l on l.key = k.key and l.locale = pg_catalog.left(p_locale, 2)
      left join private.notification_texts e on e.key = k.key and e.locale = 'en'
     order by k.key;
end;
$$;
comment on function public.notification_catalog(text) is
  'Every notification text key with its text in p_locale (English fallback): clients localise title_key/body_key with {name} params from it. Error: HL571 locale.';
revoke all on function public.notification_catalog(text) from public, anon, authenticated, service_role;
grant execute on function public.notification_catalog(text) to anon, authenticated;

insert into private.error_codes (code, name, http_status, message, hint) values
  ('HL570', 'unknown_notification_type', 400, 'Unknown notification type.',
   'Register the kind in private.notification_types (with its texts) from the module''s migration.'),
  ('HL571', 'invalid_notification_request', 400, 'A notification request parameter is invalid.',
   'Page sizes are 1 to 100, locales look like "en" or "ar-AE", and ids lists hold 1 to 100 ids.'),
  ('HL572', 'notification_not_found', 404, 'The notification does not exist or is not yours.',
   'Use the ids list_notifications returned to this user.');
