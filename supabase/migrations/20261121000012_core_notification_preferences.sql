-- Module: core (notification preferences and device tokens)
-- Per user: a channel switch (in_app, push, email) per notification type group, overriding the
-- type's default channels; quiet hours in the user's own time zone (push is deferred to their
-- end, never dropped); the device tokens push is sent to (FCM, APNs, web push), registered and
-- removed by their owner. The time zone lives here with the quiet hours it applies to: core
-- comes before identity and the quiet hours are its only user of a time zone.

create table public.notification_preferences (
  user_id uuid not null references auth.users (id) on delete cascade,
  type_group text not null references private.notification_groups (type_group),
  channel text not null check (channel in ('in_app', 'push', 'email')),
  enabled boolean not null,
  updated_at timestamptz not null default now(),
  primary key (user_id, type_group, channel)
);
comment on table public.notification_preferences is
  'A user''s choice per notification type group and channel (in_app, push, email); without a row the type''s default channels apply. Written with set_notification_preference.';
create index notification_preferences_type_group_idx on public.notification_preferences (type_group);

create table public.notification_settings (
  user_id uuid primary key references auth.users (id) on delete cascade,
  quiet_hours_start time,
  quiet_hours_end time,
  time_zone text not null default 'UTC',
  updated_at timestamptz not null default now(),
  check ((quiet_hours_start is null) = (quiet_hours_end is null)),
  check (quiet_hours_start is null or quiet_hours_start <> quiet_hours_end)
);
comment on table public.notification_settings is
  'A user''s quiet hours (local start and end, may span midnight) and the IANA time zone they are in. Push notifications due inside them wait until their end. Written with set_quiet_hours.';

create table public.device_tokens (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references auth.users (id) on delete cascade,
  token text not null unique,
  platform text not null check (platform in ('fcm', 'apns', 'web')),
  locale text not null default 'en' check (locale ~ '^[a-z]{2}(-[A-Z]{2})?$'),
  created_at timestamptz not null default now(),
  last_seen_at timestamptz not null default now()
);
comment on table public.device_tokens is
  'Push tokens of a user''s devices (FCM registration tokens, APNs device tokens, web push), with the app''s locale (push texts are rendered in it). Registered and removed by their owner through RPCs; a token registered by another user moves to them. Tokens the provider reports unregistered are deleted by the push dispatcher.';
create index device_tokens_user_id_idx on public.device_tokens (user_id);

alter table public.notification_preferences enable row level security;
alter table public.notification_settings enable row level security;
alter table public.device_tokens enable row level security;
create policy "Users can read their own notification preferences" on public.notification_preferences
  for select to authenticated using (user_id = (select auth.uid()));
create policy "Users can read their own notification settings" on public.notification_settings
  for select to authenticated using (user_id = (select auth.uid()));
create policy "Users can read their own device tokens" on public.device_tokens
  for select to authenticated using (user_id = (select auth.uid()));
revoke all on table public.notification_preferences from anon, authenticated, service_role;
revoke all on table public.notification_settings from anon, authenticated, service_role;
revoke all on table public.device_tokens from anon, authenticated, service_role;
grant select on public.notification_preferences, public.notification_settings, public.device_tokens to authenticated;
grant select, insert, update, delete on public.notification_preferences, public.notification_settings,
  public.device_tokens to service_role;

------------------------------------------------------------------------------------------------
-- Rules read by notify() and the push dispatcher
------------------------------------------------------------------------------------------------
create or replace function private.notification_channel_enabled(p_user_id uuid, p_type_group text, p_channel text,
                                                                p_defaults text[])
returns boolean
language sql
stable
set search_path = ''
as $$
  select coalesce(
    (select p.enabled from public.notification_preferences p
      where p.user_id = p_user_id and p.type_group = p_type_group and p.channel = p_channel),
    p_channel = any (p_defaults));
$$;
comment on function private.notification_channel_enabled(uuid, text, text, text[]) is
  'Whether a user gets a channel for a type group: their preference, else the type''s default channels.';
revoke all on function private.notification_channel_enabled(uuid, text, text, text[]) from public, anon, authenticated, service_role;

-- When p_at falls inside the user's quiet hours: the end of that quiet period; else null.
create or replace function private.quiet_hours_end(p_user_id uuid, p_at timestamptz)
returns timestamptz
language plpgsql
stable
set search_path = ''
as $$
declare
  v_settings public.notification_settings;
  v_local timestamp;
  v_time time;
  v_day date;
begin
  select * into v_settings from public.notification_settings s where s.user_id = p_user_id;
  if not found or v_settings.quiet_hours_start is null then
    return null;
  end if;
  v_local := p_at at time zone v_settings.time_zone;
  v_time := v_local::time;
  v_day := v_local::date;
  if v_settings.quiet_hours_start < v_settings.quiet_hours_end then
    if v_time >= v_settings.quiet_hours_start and v_time < v_settings.quiet_hours_end then
      return (v_day + v_settings.quiet_hours_end) at time zone v_settings.time_zone;
    end if;
  elsif v_time >= v_settings.quiet_hours_start then
    return (v_day + 1 + v_settings.quiet_hours_end) at time zone v_settings.time_zone;
  elsif v_time < v_settings.quiet_hours_end then
    return (v_day + v_settings.quiet_hours_end) at time zone v_settings.time_zone;
  end if;
  return null;
end;
$$;
comment on function private.quiet_hours_end(uuid, timestamptz) is
  'The end (timestamptz) of the user''s quiet period containing p_at, computed in their time zone (periods may span midnight); null outside quiet hours.';
revoke all on function private.quiet_hours_end(uuid, timestamptz) from public, anon, authenticated, service_role;

------------------------------------------------------------------------------------------------
-- RPCs
------------------------------------------------------------------------------------------------
create or replace function public.get_notification_preferences()
returns jsonb
language sql
stable
security definer
set search_path = ''
as $$
  select pg_catalog.jsonb_build_object(
    'groups', (
      select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
               'type_group', g.type_group, 'description', g.description,
               'channels', (select pg_catalog.jsonb_object_agg(c.channel, coalesce(
                                     (select p.enabled from public.notification_preferences p
                                       where p.user_id = private.require_uid() and p.type_group = g.type_group
                                         and p.channel = c.channel),
                                     exists (select 1 from private.notification_types t
                                              where t.type_group = g.type_group and c.channel = any (t.channels))))
                              from (values ('in_app'), ('push'), ('email')) c(channel)))
             order by g.position)
        from private.notification_groups g),
    'quiet_hours', (
      select pg_catalog.jsonb_build_object('start', s.quiet_hours_start, 'end', s.quiet_hours_end, 'time_zone', s.time_zone)
        from public.notification_settings s where s.user_id = private.require_uid()));
$$;
comment on function public.get_notification_preferences() is
  'The caller''s channels per type group ({groups: [{type_group, description, channels: {in_app, push, email}}], quiet_hours: {start, end, time_zone} or null}); channels without a choice show the group''s defaults.';
revoke all on function public.get_notification_preferences() from public, anon, authenticated, service_role;
grant execute on function public.get_notification_preferences() to authenticated;

create or replace function public.set_notification_preference(p_type_group text, p_channel text, p_enabled boolean)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := private.require_uid();
begin
  if p_type_group is null or not exists (select 1 from private.notification_groups g where g.type_group = p_type_group) then
    perform private.raise_error('HL575', pg_catalog.format('type group %L', p_type_group));
  end if;
  if p_channel is null or p_channel not in ('in_app', 'push', 'email') then
    perform private.raise_error('HL575', pg_catalog.format('channel %L: in_app, push or email', p_channel));
  end if;
  if p_enabled is null then
    perform private.raise_error('HL575', 'p_enabled must be true or false');
  end if;
  insert into public.notification_preferences (user_id, type_group, channel, enabled)
  values (v_uid, p_type_group, p_channel, p_enabled)
  on conflict (user_id, type_group, channel) do update set enabled = excluded.enabled, updated_at = now();
end;
$$;
comment on function public.set_notification_preference(text, text, boolean) is
  'Turns a channel (in_app, push, email) of a notification type group on or off for the caller. Error: HL575.';
revoke all on function public.set_notification_preference(text, text, boolean) from public, anon, authenticated, service_role;
grant execute on function public.set_notification_preference(text, text, boolean) to authenticated;

create or replace function public.set_quiet_hours(p_start time, p_end time, p_time_zone text)
returns public.notification_settings
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := private.require_uid();
  v_row public.notification_settings;
begin
  if (p_start is null) <> (p_end is null) then
    perform private.raise_error('HL576', 'give both start and end, or neither (no quiet hours)');
  end if;
  if p_start is not null and p_start = p_end then
    perform private.raise_error('HL576', 'start and end must differ');
  end if;
  if p_time_zone is null or not exists (select 1 from pg_catalog.pg_timezone_names z where z.name = p_time_zone) then
    perform private.raise_error('HL576', pg_catalog.format('unknown time zone %L', p_time_zone));
  end if;
  insert into public.notification_settings (user_id, quiet_hours_start, quiet_hours_end, time_zone)
  values (v_uid, p_start, p_end, p_time_zone)
  on conflict (user_id) do update
    set quiet_hours_start = excluded.quiet_hours_start, quiet_hours_end = excluded.quiet_hours_end,
        time_zone = excluded.time_zone, updated_at = now()
  returning * into v_row;
  return v_row;
end;
$$;
comment on function public.set_quiet_hours(time, time, text) is
  'Sets the caller''s quiet hours (local times, may span midnight; both null = none) and IANA time zone. Error: HL576.';
revoke all on function public.set_quiet_hours(time, time, text) from public, anon, authenticated, service_role;
grant execute on function public.set_quiet_hours(time, time, text) to authenticated;

create or replace function public.register_device_token(p_token text, p_platform text, p_locale text default 'en')
returns public.device_tokens
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := private.require_uid();
  v_row public.device_tokens;
  v_previous uuid;
begin
  if p_platform is null or p_platform not in ('fcm', 'apns', 'web') then
    perform private.raise_error('HL573', pg_catalog.format('platform %L: fcm, apns or web', p_platform));
  end if;
  if p_token is null or pg_catalog.length(p_token) not between 16 and 4096 or p_token !~ '^[!-~]+$' then
    perform private.raise_error('HL573', 'tokens are 16 to 4096 printable characters without spaces');
  end if;
  if p_platform = 'apns' and p_token !~ '^[0-9a-fA-F]{64,200}$' then
    perform private.raise_error('HL573', 'APNs device tokens are hexadecimal');
  end if;
  if p_locale is null or p_locale !~ '^[a-z]{2}(-[A-Z]{2})?$' then
    perform private.raise_error('HL573', pg_catalog.format('locale %L', p_locale));
  end if;
  select t.user_id into v_previous from public.device_tokens t where t.token = p_token for update;
  insert into public.device_tokens (user_id, token, platform, locale)
  values (v_uid, p_token, p_platform, p_locale)
  on conflict (token) do update
    set user_id = excluded.user_id, platform = excluded.platform, locale = excluded.locale, last_seen_at = now()
  returning * into v_row;
  if v_previous is not null and v_previous <> v_uid then
    -- The device changed hands (sign-out, sign-in as someone else): the previous owner's pending
    -- pushes never reach it.
    perform private.cancel_push_deliveries(v_row.id, 'token moved to another user');
  end if;
  return v_row;
end;
$$;
comment on function public.register_device_token(text, text, text) is
  'Registers (or refreshes) a push token of the caller''s device with its platform (fcm, apns, web) and app locale. A token registered by another user moves to the caller, and the other user''s pending pushes to it are cancelled. Error: HL573.';
revoke all on function public.register_device_token(text, text, text) from public, anon, authenticated, service_role;
grant execute on function public.register_device_token(text, text, text) to authenticated;

create or replace function public.unregister_device_token(p_token text)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := private.require_uid();
  v_id uuid;
begin
  delete from public.device_tokens t where t.token = p_token and t.user_id = v_uid returning t.id into v_id;
  if v_id is null then
    perform private.raise_error('HL574', 'no such token among yours');
  end if;
end;
$$;
comment on function public.unregister_device_token(text) is
  'Removes a push token of the caller (sign-out); its pending pushes are dropped. Error: HL574 (not the caller''s token).';
revoke all on function public.unregister_device_token(text) from public, anon, authenticated, service_role;
grant execute on function public.unregister_device_token(text) to authenticated;

-- Account deletion (identity's registry, which identity fills with this step): a deleted account
-- gets no more pushes and keeps no notification data.
create or replace function private.delete_account_notifications(p_user_id uuid)
returns void
language plpgsql
security definer
set search_path = ''
as $$
begin
  delete from public.device_tokens t where t.user_id = p_user_id;
  delete from public.notification_preferences p where p.user_id = p_user_id;
  delete from public.notification_settings s where s.user_id = p_user_id;
  delete from public.notifications n where n.user_id = p_user_id;   -- and their push deliveries
end;
$$;
comment on function private.delete_account_notifications(uuid) is
  'Account deletion step: deletes the user''s device tokens, notification preferences and settings, notifications and pending pushes.';
revoke all on function private.delete_account_notifications(uuid) from public, anon, authenticated, service_role;

insert into private.error_codes (code, name, http_status, message, hint) values
  ('HL573', 'invalid_device_token', 400, 'The device token is invalid.',
   'Platforms are fcm, apns or web; tokens are 16 to 4096 printable characters (APNs: hexadecimal); locales look like "en".'),
  ('HL574', 'device_token_not_found', 404, 'This device token is not registered to you.',
   'Remove only tokens this user registered (device_tokens lists them).'),
  ('HL575', 'invalid_notification_preference', 400, 'Unknown notification type group or channel.',
   'Channels are in_app, push and email; get_notification_preferences lists the groups.'),
  ('HL576', 'invalid_quiet_hours', 400, 'The quiet hours are invalid.',
   'Give a start and an end that differ (or neither) and an IANA time zone such as "Asia/Dubai".');
