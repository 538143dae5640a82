-- Module: trust (suspensions)
-- Operators with users.suspend suspend a user for a period or indefinitely and lift it; the user
-- can appeal once per suspension, and a moderator grants (lifts) or rejects the appeal. pg_cron
-- ends timed suspensions. While suspended a user cannot post jobs, offer, book, list, start
-- conversations or send messages (and review, once the lead attaches the same trigger to reviews),
-- and their provider profile is hidden from discovery; they still read their data, finish
-- bookings and money matters under way, report and appeal.
--
-- One check: private.assert_not_suspended(user). Write tables get the BEFORE trigger
-- private.refuse_suspended_writes('<user column>', ...), so a write path cannot forget it. The
-- trigger acts on requests with a signed-in user (auth.uid()): trusted back ends (the service role
-- without a user, pg_cron, SQL) act for the platform and are not refused.
--
-- Discovery reads provider_profiles.hidden_at (a column it already filters on, like deleted_at);
-- private.sync_provider_visibility keeps it in step with suspensions and with the user's own
-- moderation state (profiles.hidden_at, report kind user).

create table public.user_suspensions (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references public.profiles (id),
  reason text not null check (char_length(reason) between 3 and 1000),
  starts_at timestamptz not null,
  -- null: indefinite.
  ends_at timestamptz,
  suspended_by uuid references public.profiles (id),
  -- Set when the suspension ends early or runs out: lifted (by a moderator), appeal_granted,
  -- expired (pg_cron, at ends_at).
  ended_at timestamptz,
  end_kind text check (end_kind in ('lifted', 'appeal_granted', 'expired')),
  ended_by uuid references public.profiles (id),
  end_reason text check (end_reason is null or char_length(end_reason) <= 1000),
  -- The user's appeal (one per suspension) and the answer.
  appeal_text text check (appeal_text is null or char_length(appeal_text) between 10 and 2000),
  appealed_at timestamptz,
  appeal_status text check (appeal_status in ('pending', 'granted', 'rejected')),
  appeal_answer text check (appeal_answer is null or char_length(appeal_answer) <= 1000),
  appeal_answered_by uuid references public.profiles (id),
  appeal_answered_at timestamptz,
  created_at timestamptz not null default now(),
  check (ends_at is null or ends_at > starts_at),
  check ((ended_at is null) = (end_kind is null)),
  check ((appeal_text is null) = (appeal_status is null))
);
comment on table public.user_suspensions is
  'Suspensions of users: reason, period (ends_at null = indefinite), how it ended (lifted, appeal_granted, expired) and the '
  'user''s appeal with its answer. In force while ended_at is null and ends_at is in the future. The user reads their own; '
  'moderators (users.suspend, content.moderate) read all. Written by the RPCs and pg_cron only.';
-- At most one suspension not yet ended per user; the check's index.
create unique index user_suspensions_one_open_idx on public.user_suspensions (user_id) where ended_at is null;
create index user_suspensions_user_idx on public.user_suspensions (user_id, created_at desc);
create index user_suspensions_due_idx on public.user_suspensions (ends_at) where ended_at is null and ends_at is not null;
create index user_suspensions_pending_appeal_idx on public.user_suspensions (appealed_at) where appeal_status = 'pending';
create index user_suspensions_suspended_by_idx on public.user_suspensions (suspended_by);
create index user_suspensions_ended_by_idx on public.user_suspensions (ended_by);
create index user_suspensions_appeal_answered_by_idx on public.user_suspensions (appeal_answered_by);

alter table public.user_suspensions enable row level security;
create policy "Users read their suspensions; moderators read all" on public.user_suspensions
  for select to authenticated
  using (user_id = (select auth.uid()) or (select private.authorize('users.suspend'))
         or (select private.authorize('content.moderate')));
revoke all on table public.user_suspensions from anon, authenticated, service_role;
grant select on public.user_suspensions to authenticated, service_role;

------------------------------------------------------------------------------------------------
-- The one check
------------------------------------------------------------------------------------------------
create or replace function private.active_suspension(p_user_id uuid)
returns public.user_suspensions
language sql
stable
security definer
set search_path = ''
as $$
  select * from public.user_suspensions s
   where s.user_id = p_user_id and s.ended_at is null
     and s.starts_at <= private.now() and (s.ends_at is null or s.ends_at > private.now());
$$;
comment on function private.active_suspension(uuid) is
  'The suspension in force for a user now (private.now()), or null. Exact at ends_at, before pg_cron closes it.';

create or replace function private.assert_not_suspended(p_user_id uuid)
returns void
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_suspension public.user_suspensions;
begin
  if p_user_id is null then
    return;
  end if;
  v_suspension := private.active_suspension(p_user_id);
  if v_suspension.id is not null then
    if (select auth.uid()) is null or p_user_id = (select auth.uid()) then
      perform private.raise_error('HL761', pg_catalog.format('suspended until %s',
        coalesce(pg_catalog.to_char(v_suspension.ends_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), 'further notice')));
    end if;
    perform private.raise_error('HL762', pg_catalog.format('user %s', p_user_id));
  end if;
end;
$$;
comment on function private.assert_not_suspended(uuid) is
  'The one suspension check: raises HL761 when the user (the caller, or anyone outside a signed-in request) is suspended '
  'now, HL762 when the caller acts for or with another user who is.';

-- BEFORE INSERT/UPDATE trigger: refuse_suspended_writes('<column>' [, '<column>' ...]) checks the
-- users in those columns of the new row, for requests made by a signed-in user.
create or replace function private.refuse_suspended_writes()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_row jsonb;
  i integer;
begin
  if (select auth.uid()) is null then
    return new;
  end if;
  v_row := pg_catalog.to_jsonb(new);
  for i in 0 .. tg_nargs - 1 loop
    perform private.assert_not_suspended((v_row ->> tg_argv[i])::uuid);
  end loop;
  return new;
end;
$$;
comment on function private.refuse_suspended_writes() is
  'BEFORE INSERT/UPDATE trigger for write tables: arguments name the user columns of the row (the writer first); '
  'private.assert_not_suspended refuses a suspended writer (HL761) or counterpart (HL762). Requests without a signed-in user '
  '(service role, pg_cron, SQL) pass.';

revoke all on function
  private.active_suspension(uuid),
  private.assert_not_suspended(uuid),
  private.refuse_suspended_writes()
  from public, anon, authenticated, service_role;
grant execute on function private.assert_not_suspended(uuid) to authenticated, service_role;

-- The write paths. UPDATE triggers name the columns clients (or their RPCs) write, so the
-- database's own maintenance (derived fields, moderation flags, account deletion) is never refused.
create or replace trigger job_requests_refuse_suspended
  before insert or update of title, description, photo_paths on public.job_requests
  for each row execute function private.refuse_suspended_writes('customer_id');
create or replace trigger job_offers_refuse_suspended
  before insert on public.job_offers
  for each row execute function private.refuse_suspended_writes('provider_id');
-- The booker, and the provider booked.
create or replace trigger bookings_refuse_suspended
  before insert on public.bookings
  for each row execute function private.refuse_suspended_writes('customer_id', 'provider_id');
create or replace trigger provider_profiles_refuse_suspended
  before insert or update of display_name, business_name, description, skills, hourly_rate on public.provider_profiles
  for each row execute function private.refuse_suspended_writes('id');
create or replace trigger service_listings_refuse_suspended
  before insert or update of category_id, title, description, pricing_unit, base_price, currency, duration_minutes,
    service_radius_m, is_active, media_paths, cover_image_path, booking_mode, cancellation_policy on public.service_listings
  for each row execute function private.refuse_suspended_writes('provider_id');
create or replace trigger conversations_refuse_suspended
  before insert on public.conversations
  for each row execute function private.refuse_suspended_writes('created_by');
create or replace trigger messages_refuse_suspended
  before insert or update of body, attachment_path, payload on public.messages
  for each row execute function private.refuse_suspended_writes('sender_id', 'author_id');

------------------------------------------------------------------------------------------------
-- Visibility: a suspended or hidden account's provider profile leaves discovery.
------------------------------------------------------------------------------------------------
create or replace function private.sync_provider_visibility(p_user_id uuid)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_hidden boolean;
begin
  v_hidden := exists (select 1 from public.user_suspensions s where s.user_id = p_user_id and s.ended_at is null)
           or exists (select 1 from public.profiles p where p.id = p_user_id and p.hidden_at is not null);
  update public.provider_profiles pp
     set hidden_at = case when v_hidden then coalesce(pp.hidden_at, private.now()) end
   where pp.id = p_user_id and (pp.hidden_at is not null) is distinct from v_hidden;
end;
$$;
comment on function private.sync_provider_visibility(uuid) is
  'Sets provider_profiles.hidden_at while the user has a suspension not yet ended or is hidden by moderation, clears it otherwise.';

create or replace function private.provider_profiles_inherit_hidden()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if exists (select 1 from public.user_suspensions s where s.user_id = new.id and s.ended_at is null)
     or exists (select 1 from public.profiles p where p.id = new.id and p.hidden_at is not null) then
    new.hidden_at := private.now();
  end if;
  return new;
end;
$$;
comment on function private.provider_profiles_inherit_hidden() is
  'BEFORE INSERT on provider_profiles: a profile created by a hidden account (or by the service role for a suspended one) starts hidden.';

create or replace trigger provider_profiles_inherit_hidden
  before insert on public.provider_profiles
  for each row execute function private.provider_profiles_inherit_hidden();

-- Report kind user: the owner is the user; hiding sets profiles.hidden_at (their provider profile
-- leaves discovery).
create or replace function private.user_report_owner(p_user_id uuid)
returns uuid
language sql
stable
security definer
set search_path = ''
as $$
  select p.id from public.profiles p where p.id = p_user_id and (p.deleted_at is null or private.moderation_sees_all());
$$;
comment on function private.user_report_owner(uuid) is 'Report target user: the user themselves; null for unknown or deleted accounts.';

create or replace function private.set_user_hidden(p_user_id uuid, p_hidden boolean)
returns void
language plpgsql
security definer
set search_path = ''
as $$
begin
  update public.profiles p
     set hidden_at = case when p_hidden then coalesce(p.hidden_at, private.now()) end
   where p.id = p_user_id and (p.hidden_at is not null) is distinct from p_hidden;
  perform private.sync_provider_visibility(p_user_id);
end;
$$;
comment on function private.set_user_hidden(uuid, boolean) is
  'Report target user: hides (profiles.hidden_at; their provider profile leaves discovery) or restores the account; idempotent.';

revoke all on function
  private.sync_provider_visibility(uuid),
  private.provider_profiles_inherit_hidden(),
  private.user_report_owner(uuid),
  private.set_user_hidden(uuid, boolean)
  from public, anon, authenticated, service_role;

insert into private.report_targets (kind, module, owner_handler, hide_handler, description) values
  ('user', 'identity', 'private.user_report_owner(uuid)', 'private.set_user_hidden(uuid, boolean)',
   'An account (profiles.hidden_at: its provider profile leaves discovery). Warn and suspend act on users too.')
on conflict (kind) do update
  set module = excluded.module, owner_handler = excluded.owner_handler, hide_handler = excluded.hide_handler,
      description = excluded.description;

------------------------------------------------------------------------------------------------
-- Ending a suspension (lift, appeal granted, expiry): one path.
------------------------------------------------------------------------------------------------
create or replace function private.end_suspension(p_suspension public.user_suspensions, p_kind text, p_actor uuid, p_reason text)
returns public.user_suspensions
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_row public.user_suspensions;
  v_at timestamptz := case when p_kind = 'expired' then p_suspension.ends_at else private.now() end;
begin
  update public.user_suspensions s
     set ended_at = v_at, end_kind = p_kind, ended_by = p_actor, end_reason = p_reason,
         appeal_status = case when s.appeal_status = 'pending' and p_kind <> 'appeal_granted' then 'rejected'
                              else s.appeal_status end
   where s.id = p_suspension.id and s.ended_at is null
  returning * into v_row;
  if v_row.id is null then
    return null;
  end if;
  perform private.sync_provider_visibility(v_row.user_id);
  if p_kind <> 'expired' then
    insert into public.moderation_actions (action, kind, target_id, user_id, reason, actor_id, created_at)
    values ('lift', 'user', v_row.user_id, v_row.user_id, p_reason, p_actor, private.now());
  end if;
  perform private.notify(v_row.user_id, 'account.suspension_lifted', pg_catalog.jsonb_build_object(
    'suspension_id', v_row.id, 'reason', coalesce(p_reason, 'The suspension period ended.')));
  perform private.audit('suspension.lifted', 'user', v_row.user_id::text,
    pg_catalog.jsonb_build_object('suspension_id', v_row.id, 'ends_at', v_row.ends_at, 'ended_at', null),
    pg_catalog.jsonb_build_object('suspension_id', v_row.id, 'ended_at', v_row.ended_at, 'end_kind', p_kind),
    coalesce(p_reason, 'expired'));
  return v_row;
end;
$$;
comment on function private.end_suspension(public.user_suspensions, text, uuid, text) is
  'Ends a suspension (lifted, appeal_granted, expired): the row, discovery visibility, a lift action (not for expiry), '
  'the notification account.suspension_lifted and the audit entry suspension.lifted.';

create or replace function private.expire_suspensions()
returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_row public.user_suspensions;
  v_count integer := 0;
begin
  for v_row in
    select * from public.user_suspensions s
     where s.ended_at is null and s.ends_at is not null and s.ends_at <= private.now()
     order by s.ends_at
     for update skip locked
  loop
    if (private.end_suspension(v_row, 'expired', null, null)).id is not null then
      v_count := v_count + 1;
    end if;
  end loop;
  return v_count;
end;
$$;
comment on function private.expire_suspensions() is
  'pg_cron (every minute): ends suspensions whose ends_at has passed (expired), restores discovery and notifies. The check '
  'itself (assert_not_suspended) stops at ends_at already.';

revoke all on function
  private.end_suspension(public.user_suspensions, text, uuid, text),
  private.expire_suspensions()
  from public, anon, authenticated, service_role;

select cron.schedule('hyperlocal-suspension-expiry', '* * * * *', 'select private.expire_suspensions()');

------------------------------------------------------------------------------------------------
-- RPCs
------------------------------------------------------------------------------------------------
create or replace function public.suspend_user(p_user_id uuid, p_reason text, p_until timestamptz default null)
returns public.user_suspensions
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := private.require_permission('users.suspend');
  v_reason text := private.moderation_reason(p_reason);
  v_now timestamptz := private.now();
  v_open public.user_suspensions;
  v_row public.user_suspensions;
begin
  if p_user_id is null or not exists (select 1 from public.profiles p where p.id = p_user_id and p.deleted_at is null) then
    perform private.raise_error('HL114', 'p_user_id');
  end if;
  if p_user_id = v_uid then
    perform private.raise_error('HL777');
  end if;
  if p_until is not null and (p_until <= v_now or p_until > v_now + interval '10 years' or not pg_catalog.isfinite(p_until)) then
    perform private.raise_error('HL772', pg_catalog.format('p_until %s', p_until));
  end if;
  select * into v_open from public.user_suspensions s where s.user_id = p_user_id and s.ended_at is null for update;
  if v_open.id is not null then
    if v_open.ends_at is not null and v_open.ends_at <= v_now then
      -- Ran out, not yet closed by pg_cron: close it now.
      perform private.end_suspension(v_open, 'expired', null, null);
    else
      perform private.raise_error('HL771', pg_catalog.format('suspension %s', v_open.id));
    end if;
  end if;
  insert into public.user_suspensions (user_id, reason, starts_at, ends_at, suspended_by, created_at)
  values (p_user_id, v_reason, v_now, p_until, v_uid, v_now)
  returning * into v_row;
  perform private.sync_provider_visibility(p_user_id);
  insert into public.moderation_actions (action, kind, target_id, user_id, reason, actor_id, reports_closed, created_at)
  values ('suspend', 'user', p_user_id, p_user_id, v_reason, v_uid,
          private.close_reports('user', p_user_id, 'suspended', v_uid), v_now);
  perform private.notify(p_user_id, 'account.suspended', pg_catalog.jsonb_build_object(
    'suspension_id', v_row.id, 'until', v_row.ends_at, 'reason', v_reason));
  perform private.audit('user.suspended', 'user', p_user_id::text, null,
    pg_catalog.jsonb_build_object('suspension_id', v_row.id, 'starts_at', v_row.starts_at, 'ends_at', v_row.ends_at), v_reason);
  return v_row;
end;
$$;
comment on function public.suspend_user(uuid, text, timestamptz) is
  'Moderators (users.suspend): suspends a user until p_until (null: indefinitely) with a reason: every write path refuses '
  'them (HL761), their provider profile leaves discovery, open reports on the user close as suspended, they are notified '
  '(account.suspended) and it is audited (user.suspended). HL771 when already suspended, HL772 bad end, HL777 yourself.';

create or replace function public.lift_suspension(p_user_id uuid, p_reason text)
returns public.user_suspensions
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := private.require_permission('users.suspend');
  v_reason text := private.moderation_reason(p_reason);
  v_open public.user_suspensions;
begin
  select * into v_open from public.user_suspensions s
   where s.user_id = p_user_id and s.ended_at is null and (s.ends_at is null or s.ends_at > private.now())
   for update;
  if v_open.id is null then
    perform private.raise_error('HL773', pg_catalog.format('user %s', p_user_id));
  end if;
  return private.end_suspension(v_open, 'lifted', v_uid, v_reason);
end;
$$;
comment on function public.lift_suspension(uuid, text) is
  'Moderators (users.suspend): ends the user''s suspension now with a reason (notified, audited as suspension.lifted; a '
  'pending appeal is closed as rejected). HL773 when none is in force.';

create or replace function public.appeal_suspension(p_reason text)
returns public.user_suspensions
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := private.require_uid();
  v_text text := pg_catalog.btrim(p_reason);
  v_open public.user_suspensions := private.active_suspension(v_uid);
  v_row public.user_suspensions;
begin
  if v_open.id is null then
    perform private.raise_error('HL773');
  end if;
  if v_open.appeal_status is not null then
    perform private.raise_error('HL774', pg_catalog.format('appeal %s', v_open.appeal_status));
  end if;
  if v_text is null or pg_catalog.char_length(v_text) not between 10 and 2000 then
    perform private.raise_error('HL775', 'p_reason: 10 to 2000 characters');
  end if;
  update public.user_suspensions s
     set appeal_text = v_text, appealed_at = private.now(), appeal_status = 'pending'
   where s.id = v_open.id
  returning * into v_row;
  return v_row;
end;
$$;
comment on function public.appeal_suspension(text) is
  'A suspended user appeals their suspension once, explaining why (10 to 2000 characters); moderators see it in '
  'user_suspensions (appeal_status pending) and answer with answer_suspension_appeal. HL773 not suspended, HL774 already appealed.';

create or replace function public.answer_suspension_appeal(p_suspension_id uuid, p_grant boolean, p_reason text)
returns public.user_suspensions
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := private.require_permission('users.suspend');
  v_reason text := private.moderation_reason(p_reason);
  v_row public.user_suspensions;
begin
  if p_grant is null then
    perform private.raise_error('HL004', 'p_grant: true lifts the suspension, false rejects the appeal');
  end if;
  select * into v_row from public.user_suspensions s where s.id = p_suspension_id for update;
  if not found then
    perform private.raise_error('HL778', pg_catalog.format('suspension %s', p_suspension_id));
  end if;
  if v_row.appeal_status is distinct from 'pending' or v_row.ended_at is not null then
    perform private.raise_error('HL776', pg_catalog.format('appeal %s', coalesce(v_row.appeal_status, 'none')));
  end if;
  update public.user_suspensions s
     set appeal_status = case when p_grant then 'granted' else 'rejected' end,
         appeal_answer = v_reason, appeal_answered_by = v_uid, appeal_answered_at = private.now()
   where s.id = v_row.id
  returning * into v_row;
  perform private.notify(v_row.user_id, 'account.appeal_answered', pg_catalog.jsonb_build_object(
    'suspension_id', v_row.id, 'decision', v_row.appeal_status, 'reason', v_reason));
  perform private.audit('suspension.appeal_answered', 'user', v_row.user_id::text,
    pg_catalog.jsonb_build_object('suspension_id', v_row.id, 'appeal_status', 'pending'),
    pg_catalog.jsonb_build_object('suspension_id', v_row.id, 'appeal_status', v_row.appeal_status), v_reason);
  if p_grant then
    v_row := private.end_suspension(v_row, 'appeal_granted', v_uid, v_reason);
  end if;
  return v_row;
end;
$$;
comment on function public.answer_suspension_appeal(uuid, boolean, text) is
  'Moderators (users.suspend): answers a pending appeal with a reason. Granted lifts the suspension (suspension.lifted, '
  'account.suspension_lifted); rejected keeps it. Both notify account.appeal_answered and are audited. HL776 no pending appeal.';

revoke all on function
  public.suspend_user(uuid, text, timestamptz),
  public.lift_suspension(uuid, text),
  public.appeal_suspension(text),
  public.answer_suspension_appeal(uuid, boolean, text)
  from public, anon, authenticated, service_role;
grant execute on function
  public.suspend_user(uuid, text, timestamptz),
  public.lift_suspension(uuid, text),
  public.appeal_suspension(text),
  public.answer_suspension_appeal(uuid, boolean, text)
  to authenticated;
