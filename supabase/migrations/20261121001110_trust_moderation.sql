-- Module: trust (moderation: reports, the report target registry, moderation actions, the queue)
-- Anyone signed in reports a user, a service listing, a message or a job (and, through the
-- registry, reviews and goods listings later) with a reason from a list; operators with
-- content.moderate work the queue (public.operator_report_queue) and hide or restore content or
-- dismiss the reports; operators with users.suspend warn and suspend users
-- (trust_suspensions). Every action carries a reason, is audited, notified to the user
-- concerned, and closes the target's open reports with its outcome. Decisions: docs/moderation.md.
--
--   public.report_reasons        the list of reasons (rows)
--   private.report_targets       registry: kind -> owner handler (uuid) -> uuid, hide handler (uuid, boolean)
--   public.reports               one store for every report (messaging's reports were folded in)
--   public.moderation_actions    what moderators did (hide, restore, dismiss, warn, suspend, lift):
--                                the history the queue and the users concerned read, and the
--                                current hidden state of a target (its latest hide/restore)
--
-- Target ids are uuids. A kind whose rows have numeric ids (messages) is reported with the number
-- as text; it is stored as the uuid 00000000-0000-0000-<the number in 16 hex digits>
-- (private.report_target_uuid / private.report_target_ref), which no random uuid can be.

------------------------------------------------------------------------------------------------
-- Error codes (HL760-HL789), settings, permissions.
------------------------------------------------------------------------------------------------
insert into private.error_codes (code, name, http_status, message, hint) values
  ('HL760', 'unknown_report_kind', 400, 'Unknown kind of content.',
   'Kinds: user, service_listing, message, job (and those other modules register); see details.'),
  ('HL761', 'account_suspended', 403, 'Your account is suspended.',
   'While suspended you can read your data, finish bookings and money matters under way and appeal (appeal_suspension); see details for what was refused.'),
  ('HL762', 'user_suspended', 409, 'The other account is suspended.',
   'The account this would act for or with is suspended; try again after the suspension ends.'),
  ('HL763', 'report_target_not_found', 404, 'The content does not exist or you cannot see it.',
   'Check the kind and the id (a uuid, or a message''s number).'),
  ('HL764', 'invalid_report', 400, 'The report is invalid.',
   'p_reason: one of report_reasons (other needs p_details); p_details up to 1000 characters.'),
  ('HL765', 'own_content', 400, 'You cannot report your own content.',
   'Reports are about other people''s accounts, listings, messages and jobs.'),
  ('HL766', 'already_reported', 409, 'You already reported this.',
   'Your report is open; moderators review every report. You can report it again once yours is closed.'),
  ('HL767', 'moderation_reason_required', 400, 'A reason is required.',
   'Give p_reason, 3 to 1000 characters: it is recorded, audited and shown to the user concerned.'),
  ('HL768', 'content_already_hidden', 409, 'This content is already hidden.',
   'Restore it first (restore_content) or dismiss the new reports (dismiss_reports).'),
  ('HL769', 'content_not_hidden', 409, 'This content is not hidden.',
   'Only content hidden by moderation can be restored.'),
  ('HL770', 'no_open_reports', 409, 'There are no open reports on this content.',
   'The reports were already closed by another action.'),
  ('HL771', 'already_suspended', 409, 'This user is already suspended.',
   'Lift the suspension first (lift_suspension) to set another period.'),
  ('HL772', 'invalid_suspension_period', 400, 'The suspension end is invalid.',
   'p_until must be in the future and at most 10 years ahead, or null for an indefinite suspension.'),
  ('HL773', 'not_suspended', 409, 'This account is not suspended.',
   'There is no suspension in force to lift or appeal.'),
  ('HL774', 'appeal_already_made', 409, 'This suspension was already appealed.',
   'One appeal per suspension; moderators answer it.'),
  ('HL775', 'invalid_appeal', 400, 'The appeal is invalid.',
   'Explain in 10 to 2000 characters why the suspension should be lifted.'),
  ('HL776', 'no_pending_appeal', 409, 'There is no pending appeal on this suspension.',
   'Appeals are answered once, while the suspension is in force.'),
  ('HL777', 'cannot_moderate_yourself', 403, 'You cannot warn or suspend yourself.',
   'Ask another operator.'),
  ('HL778', 'suspension_not_found', 404, 'The suspension does not exist.',
   'Check the id (user_suspensions.id).')
on conflict (code) do update
  set name = excluded.name, http_status = excluded.http_status,
      message = excluded.message, hint = excluded.hint;

insert into private.settings (key, value, description) values
  ('moderation.report_sla_hours', '24',
   'Hours within which an open report should get an action; the queue shows each target''s age against it.'),
  ('rate_limit.report_content', '{"limit": 20, "window": "1 hour"}', 'report_content: reports per reporter.')
on conflict (key) do nothing;

insert into public.role_permissions (role, permission) values
  ('admin', 'users.suspend'),
  ('moderator', 'users.suspend')
on conflict do nothing;

------------------------------------------------------------------------------------------------
-- Notification kinds (core's registry, group account).
------------------------------------------------------------------------------------------------
insert into private.notification_types (kind, type_group, module, title_key, body_key, deep_link, params, description)
select k, 'account', 'trust', k || '.title', k || '.body', l, p, d
  from (values
    ('moderation.content_hidden', 'hyperlocal://account/moderation', array['kind', 'target_id', 'reason'],
     'Moderation hid the user''s content (a listing, message, job or their profile), with the reason.'),
    ('moderation.content_restored', 'hyperlocal://account/moderation', array['kind', 'target_id', 'reason'],
     'Moderation restored the user''s content.'),
    ('moderation.warning', 'hyperlocal://account/moderation', array['reason'],
     'A moderator warned the user, with the reason.'),
    ('account.suspended', 'hyperlocal://account/suspension', array['suspension_id', 'until', 'reason'],
     'The user''s account is suspended until a time or indefinitely; they can appeal.'),
    ('account.suspension_lifted', 'hyperlocal://account/suspension', array['suspension_id', 'reason'],
     'The suspension ended: lifted by a moderator, granted on appeal or expired.'),
    ('account.appeal_answered', 'hyperlocal://account/suspension', array['suspension_id', 'decision', 'reason'],
     'A moderator answered the user''s appeal (granted lifts the suspension).')
  ) as t(k, l, p, d)
on conflict (kind) do nothing;

insert into private.notification_texts (key, locale, text) values
  ('moderation.content_hidden.title', 'en', 'Content hidden'),
  ('moderation.content_hidden.title', 'ar', 'تم إخفاء محتوى'),
  ('moderation.content_hidden.body', 'en', 'Our team hid your content: {reason}'),
  ('moderation.content_hidden.body', 'ar', 'أخفى فريقنا المحتوى الخاص بك: {reason}'),
  ('moderation.content_restored.title', 'en', 'Content restored'),
  ('moderation.content_restored.title', 'ar', 'تمت استعادة المحتوى'),
  ('moderation.content_restored.body', 'en', 'Your content is visible again: {reason}'),
  ('moderation.content_restored.body', 'ar', 'أصبح المحتوى الخاص بك ظاهرًا من جديد: {reason}'),
  ('moderation.warning.title', 'en', 'Warning from our team'),
  ('moderation.warning.title', 'ar', 'تحذير من فريقنا'),
  ('moderation.warning.body', 'en', '{reason}'),
  ('moderation.warning.body', 'ar', '{reason}'),
  ('account.suspended.title', 'en', 'Account suspended'),
  ('account.suspended.title', 'ar', 'تم تعليق الحساب'),
  ('account.suspended.body', 'en', 'Your account is suspended: {reason}. You can appeal in the app.'),
  ('account.suspended.body', 'ar', 'تم تعليق حسابك: {reason}. يمكنك الاعتراض من التطبيق.'),
  ('account.suspension_lifted.title', 'en', 'Suspension lifted'),
  ('account.suspension_lifted.title', 'ar', 'تم رفع التعليق'),
  ('account.suspension_lifted.body', 'en', 'Your account is active again.'),
  ('account.suspension_lifted.body', 'ar', 'أصبح حسابك نشطًا من جديد.'),
  ('account.appeal_answered.title', 'en', 'Appeal answered'),
  ('account.appeal_answered.title', 'ar', 'تم الرد على اعتراضك'),
  ('account.appeal_answered.body', 'en', 'Your appeal was {decision}: {reason}'),
  ('account.appeal_answered.body', 'ar', 'نتيجة اعتراضك: {decision}. {reason}')
on conflict (key, locale) do nothing;

------------------------------------------------------------------------------------------------
-- Reasons
------------------------------------------------------------------------------------------------
create table public.report_reasons (
  code text primary key check (code ~ '^[a-z][a-z_]*$'),
  names jsonb not null check (jsonb_typeof(names) = 'object' and coalesce(length(names ->> 'en'), 0) > 0
                              and coalesce(length(names ->> 'ar'), 0) > 0),
  -- The kinds the reason applies to; null: every kind.
  kinds text[],
  -- Reports with this reason need details (other).
  details_required boolean not null default false,
  position integer not null unique
);
comment on table public.report_reasons is
  'Reasons a report can give (spam, scam, offensive, prohibited, impersonation, safety, other), with names in en and ar, '
  'the kinds each applies to (null: all) and whether details are required. Public; managed in migrations.';

insert into public.report_reasons (code, names, kinds, details_required, position) values
  ('spam', '{"en": "Spam or advertising", "ar": "رسائل مزعجة أو إعلانات"}', null, false, 10),
  ('scam', '{"en": "Scam or fraud", "ar": "احتيال"}', null, false, 20),
  ('offensive', '{"en": "Offensive or abusive", "ar": "محتوى مسيء"}', null, false, 30),
  ('prohibited', '{"en": "Prohibited item or service", "ar": "سلعة أو خدمة محظورة"}',
   '{service_listing,product,job,message,stream,stream_comment}', false, 40),
  ('impersonation', '{"en": "Impersonation or fake account", "ar": "انتحال شخصية أو حساب مزيف"}', '{user}', false, 50),
  ('safety', '{"en": "Safety concern", "ar": "مخاوف تتعلق بالسلامة"}', null, false, 60),
  ('other', '{"en": "Something else", "ar": "سبب آخر"}', null, true, 70)
on conflict (code) do update
  set names = excluded.names, kinds = excluded.kinds, details_required = excluded.details_required,
      position = excluded.position;

------------------------------------------------------------------------------------------------
-- The registry of report targets (each target module's content; trust registers its own four).
------------------------------------------------------------------------------------------------
create table private.report_targets (
  kind text primary key check (kind ~ '^[a-z][a-z_]*$'),
  module text not null check (module ~ '^[a-z][a-z0-9_]*$'),
  -- 'private.x(uuid)': the user responsible for the content (author, owner), null when the
  -- target does not exist (or the calling user cannot see it).
  owner_handler text not null,
  -- 'private.y(uuid, boolean)': hide (true) or restore (false) the content; idempotent.
  hide_handler text not null,
  description text not null
);
comment on table private.report_targets is
  'What can be reported: kind -> module, owner handler (uuid) -> uuid (the user responsible, null when the target does not '
  'exist for the caller) and hide handler (uuid, boolean) -> void (hide or restore, idempotent). Later modules register '
  'their kinds from their own files.';

-- core's check_registry_handler checks the column `handler`; this registry has two.
create or replace function private.check_report_target_handlers()
returns trigger
language plpgsql
set search_path = ''
as $$
declare
  v_proc regprocedure;
begin
  v_proc := pg_catalog.to_regprocedure(new.owner_handler);
  if v_proc is null or not exists (
       select 1 from pg_catalog.pg_proc p
        where p.oid = v_proc and p.prokind = 'f' and not p.proretset
          and pg_catalog.oidvectortypes(p.proargtypes) = 'uuid' and p.prorettype = 'uuid'::regtype) then
    raise exception using errcode = '23514',
      message = pg_catalog.format('report_targets: owner_handler %L must be an existing function (uuid) returning uuid', new.owner_handler);
  end if;
  new.owner_handler := v_proc::text;
  v_proc := pg_catalog.to_regprocedure(new.hide_handler);
  if v_proc is null or not exists (
       select 1 from pg_catalog.pg_proc p
        where p.oid = v_proc and p.prokind = 'f' and not p.proretset
          and pg_catalog.oidvectortypes(p.proargtypes) = 'uuid, boolean' and p.prorettype = 'void'::regtype) then
    raise exception using errcode = '23514',
      message = pg_catalog.format('report_targets: hide_handler %L must be an existing function (uuid, boolean) returning void', new.hide_handler);
  end if;
  new.hide_handler := v_proc::text;
  return new;
end;
$$;
comment on function private.check_report_target_handlers() is
  'BEFORE INSERT/UPDATE on private.report_targets: both handlers must exist with their signatures (the registry check of '
  'core''s check_registry_handler, for a registry with two handler columns); stores them schema-qualified.';
revoke all on function private.check_report_target_handlers() from public, anon, authenticated, service_role;

create or replace trigger report_targets_check_handlers
  before insert or update on private.report_targets
  for each row execute function private.check_report_target_handlers();

------------------------------------------------------------------------------------------------
-- Reports and moderation actions
------------------------------------------------------------------------------------------------
create table public.reports (
  id uuid primary key default gen_random_uuid(),
  kind text not null references private.report_targets (kind),
  target_id uuid not null,
  -- The user responsible for the content when it was reported (owner handler).
  target_owner_id uuid references public.profiles (id),
  reporter_id uuid references public.profiles (id),
  reason text not null references public.report_reasons (code),
  details text check (details is null or char_length(details) <= 1000),
  status text not null default 'open' check (status in ('open', 'actioned', 'dismissed')),
  -- What closed it: hidden, restored, warned, suspended, dismissed.
  outcome text check (outcome in ('hidden', 'restored', 'warned', 'suspended', 'dismissed')),
  closed_by uuid references public.profiles (id),
  closed_at timestamptz,
  created_at timestamptz not null default now(),
  check ((status = 'open') = (outcome is null and closed_at is null))
);
comment on table public.reports is
  'Reports of users, listings, messages, jobs (any kind of private.report_targets): reason, details, status open -> '
  'actioned | dismissed with the outcome of the action that closed it. Reporters read their own; content.moderate reads '
  'all; written by report_content and the moderation RPCs only.';
comment on column public.reports.target_id is
  'The reported row''s id; numeric ids (messages) as 00000000-0000-0000-<16 hex digits> (see target_ref in the queue).';
-- One open report per reporter and target.
create unique index reports_one_open_per_reporter_idx on public.reports (kind, target_id, reporter_id) where status = 'open';
create index reports_open_target_idx on public.reports (kind, target_id, created_at) where status = 'open';
create index reports_reporter_idx on public.reports (reporter_id, created_at desc);
create index reports_target_owner_idx on public.reports (target_owner_id);
create index reports_closed_by_idx on public.reports (closed_by);
create index reports_reason_idx on public.reports (reason);

create table public.moderation_actions (
  id bigint generated always as identity primary key,
  action text not null check (action in ('hide', 'restore', 'dismiss', 'warn', 'suspend', 'lift')),
  -- The content acted on (hide, restore, dismiss), or kind user and the user (warn, suspend, lift).
  kind text not null references private.report_targets (kind),
  target_id uuid not null,
  -- The user concerned (the content's owner, or the user warned or suspended); null for a
  -- target without an owner any more.
  user_id uuid references public.profiles (id),
  reason text not null check (char_length(reason) between 3 and 1000),
  actor_id uuid references public.profiles (id),
  reports_closed integer not null default 0 check (reports_closed >= 0),
  created_at timestamptz not null default now()
);
comment on table public.moderation_actions is
  'What moderators did, with the reason: hide/restore/dismiss on content, warn/suspend/lift on users. The latest hide or '
  'restore of a target is its moderation state. Moderators read all; the user concerned reads their own (warnings '
  'included). Written by the moderation RPCs only (and audited).';
create index moderation_actions_target_idx on public.moderation_actions (kind, target_id, created_at desc, id desc);
create index moderation_actions_user_idx on public.moderation_actions (user_id, created_at desc);
create index moderation_actions_actor_idx on public.moderation_actions (actor_id);

------------------------------------------------------------------------------------------------
-- Target ids: uuids, and numeric ids mapped into uuids.
------------------------------------------------------------------------------------------------
create or replace function private.report_target_uuid(p_ref text)
returns uuid
language plpgsql
immutable
set search_path = ''
as $$
begin
  if p_ref ~ '^[0-9]{1,18}$' then
    return pg_catalog.lpad(pg_catalog.to_hex(p_ref::bigint), 32, '0')::uuid;
  elsif p_ref ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then
    return p_ref::uuid;
  end if;
  return null;
end;
$$;
comment on function private.report_target_uuid(text) is
  'A report target reference as a uuid: a uuid as is, a number (message id) as 00000000-0000-0000-<16 hex digits>; null otherwise.';

create or replace function private.report_target_ref(p_target_id uuid)
returns text
language sql
immutable
set search_path = ''
as $$
  select case when p_target_id::text like '00000000-0000-0000-%'
              then (('x' || pg_catalog.right(pg_catalog.replace(p_target_id::text, '-', ''), 16))::bit(64)::bigint)::text
              else p_target_id::text end;
$$;
comment on function private.report_target_ref(uuid) is
  'The reference clients use for a target id: the number of a numeric id (messages), else the uuid as text.';

create or replace function private.report_target_bigint(p_target_id uuid)
returns bigint
language sql
immutable
set search_path = ''
as $$
  select case when p_target_id::text like '00000000-0000-0000-%'
              then ('x' || pg_catalog.right(pg_catalog.replace(p_target_id::text, '-', ''), 16))::bit(64)::bigint end;
$$;
comment on function private.report_target_bigint(uuid) is
  'The numeric id (messages) a report target uuid stands for; null for a real uuid.';

revoke all on function private.report_target_uuid(text), private.report_target_ref(uuid), private.report_target_bigint(uuid)
  from public, anon, authenticated, service_role;
grant execute on function private.report_target_ref(uuid) to authenticated, service_role;

------------------------------------------------------------------------------------------------
-- Handlers for the kinds trust registers itself: service_listing, message, job (user: in
-- trust_suspensions, with the visibility it shares with suspensions). Owner handlers see what the
-- caller may see: a target the caller cannot read is "not found" (moderators, the service role and
-- SQL see everything).
------------------------------------------------------------------------------------------------
create or replace function private.moderation_sees_all()
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select (select auth.uid()) is null or private.authorize('content.moderate') or private.authorize('users.suspend');
$$;
comment on function private.moderation_sees_all() is
  'True for moderators (content.moderate or users.suspend) and for trusted callers without a user (service role, SQL).';

create or replace function private.service_listing_report_owner(p_listing_id uuid)
returns uuid
language sql
stable
security definer
set search_path = ''
as $$
  select l.provider_id
    from public.service_listings l
   where l.id = p_listing_id
     and ((l.is_active and l.hidden_at is null) or l.provider_id = (select auth.uid()) or private.moderation_sees_all());
$$;
comment on function private.service_listing_report_owner(uuid) is
  'Report target service_listing: the listing''s provider; null when it does not exist or is not public to the caller.';

create or replace function private.set_service_listing_hidden(p_listing_id uuid, p_hidden boolean)
returns void
language sql
security definer
set search_path = ''
as $$
  update public.service_listings l
     set hidden_at = case when p_hidden then coalesce(l.hidden_at, private.now()) end
   where l.id = p_listing_id and (l.hidden_at is not null) is distinct from p_hidden;
$$;
comment on function private.set_service_listing_hidden(uuid, boolean) is
  'Report target service_listing: hides (hidden_at) or restores the listing; idempotent.';

create or replace function private.message_report_owner(p_message_ref uuid)
returns uuid
language sql
stable
security definer
set search_path = ''
as $$
  select m.sender_id
    from public.messages m
   where m.id = private.report_target_bigint(p_message_ref)
     and m.kind <> 'system'
     and (private.moderation_sees_all() or private.conversation_actor(m.conversation_id) is not null);
$$;
comment on function private.message_report_owner(uuid) is
  'Report target message (id mapped into a uuid): the user who wrote it; null for system messages and for callers who are '
  'not in its conversation.';

create or replace function private.set_message_hidden(p_message_ref uuid, p_hidden boolean)
returns void
language sql
security definer
set search_path = ''
as $$
  update public.messages m
     set hidden_at = case when p_hidden then coalesce(m.hidden_at, private.now()) end
   where m.id = private.report_target_bigint(p_message_ref) and (m.hidden_at is not null) is distinct from p_hidden;
$$;
comment on function private.set_message_hidden(uuid, boolean) is
  'Report target message: hides (hidden_at: a tombstone for the other side, broadcast message.hidden) or restores it; idempotent.';

create or replace function private.job_report_owner(p_job_id uuid)
returns uuid
language sql
stable
security definer
set search_path = ''
as $$
  select j.customer_id
    from public.job_requests j
   where j.id = p_job_id
     and (private.moderation_sees_all()
          or j.customer_id = (select auth.uid())
          or (j.status = 'open' and j.hidden_at is null and private.is_provider())
          or j.id in (select e.id from private.my_engaged_job_ids() as e(id)));
$$;
comment on function private.job_report_owner(uuid) is
  'Report target job: the customer who posted it; null when it does not exist or the caller cannot see it.';

create or replace function private.set_job_hidden(p_job_id uuid, p_hidden boolean)
returns void
language sql
security definer
set search_path = ''
as $$
  update public.job_requests j
     set hidden_at = case when p_hidden then coalesce(j.hidden_at, private.now()) end
   where j.id = p_job_id and (j.hidden_at is not null) is distinct from p_hidden;
$$;
comment on function private.set_job_hidden(uuid, boolean) is
  'Report target job: hides (off the board, no new offers) or restores the job; idempotent.';

revoke all on function
  private.moderation_sees_all(),
  private.service_listing_report_owner(uuid),
  private.set_service_listing_hidden(uuid, boolean),
  private.message_report_owner(uuid),
  private.set_message_hidden(uuid, boolean),
  private.job_report_owner(uuid),
  private.set_job_hidden(uuid, boolean)
  from public, anon, authenticated, service_role;

insert into private.report_targets (kind, module, owner_handler, hide_handler, description) values
  ('service_listing', 'catalog', 'private.service_listing_report_owner(uuid)', 'private.set_service_listing_hidden(uuid, boolean)',
   'A service listing (service_listings.hidden_at: not public, not bookable, not in discovery).'),
  ('message', 'messaging', 'private.message_report_owner(uuid)', 'private.set_message_hidden(uuid, boolean)',
   'A chat message, by its number (messages.hidden_at: a tombstone for the other side).'),
  ('job', 'jobs', 'private.job_report_owner(uuid)', 'private.set_job_hidden(uuid, boolean)',
   'A posted job (job_requests.hidden_at: off the board, no new offers).')
on conflict (kind) do update
  set module = excluded.module, owner_handler = excluded.owner_handler, hide_handler = excluded.hide_handler,
      description = excluded.description;

------------------------------------------------------------------------------------------------
-- Calling the registry
------------------------------------------------------------------------------------------------
create or replace function private.report_target(p_kind text)
returns private.report_targets
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_target private.report_targets;
begin
  select * into v_target from private.report_targets t where t.kind = p_kind;
  if not found then
    perform private.raise_error('HL760', pg_catalog.format('kind %L (known: %s)', p_kind,
      (select pg_catalog.string_agg(t.kind, ', ' order by t.kind) from private.report_targets t)));
  end if;
  return v_target;
end;
$$;
comment on function private.report_target(text) is 'The registry row of a report kind; HL760 for an unknown kind.';

create or replace function private.report_target_owner(p_kind text, p_target_id uuid)
returns uuid
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_owner uuid;
begin
  execute pg_catalog.format('select %s($1)', pg_catalog.regexp_replace((private.report_target(p_kind)).owner_handler, '\(.*$', ''))
     into v_owner using p_target_id;
  return v_owner;
end;
$$;
comment on function private.report_target_owner(text, uuid) is
  'Calls the kind''s owner handler: the user responsible for the target, null when it does not exist for the caller.';

create or replace function private.set_report_target_hidden(p_kind text, p_target_id uuid, p_hidden boolean)
returns void
language plpgsql
security definer
set search_path = ''
as $$
begin
  execute pg_catalog.format('select %s($1, $2)', pg_catalog.regexp_replace((private.report_target(p_kind)).hide_handler, '\(.*$', ''))
    using p_target_id, p_hidden;
end;
$$;
comment on function private.set_report_target_hidden(text, uuid, boolean) is 'Calls the kind''s hide handler (hide or restore).';

revoke all on function
  private.report_target(text),
  private.report_target_owner(text, uuid),
  private.set_report_target_hidden(text, uuid, boolean)
  from public, anon, authenticated, service_role;

------------------------------------------------------------------------------------------------
-- Access: reporters read their own reports; moderators read everything; the user concerned reads
-- the actions about them. Every write is an RPC.
------------------------------------------------------------------------------------------------
alter table public.report_reasons enable row level security;
alter table public.reports enable row level security;
alter table public.moderation_actions enable row level security;

create policy "Report reasons are public" on public.report_reasons
  for select to anon, authenticated
  using (true);

create policy "Reporters read their reports; moderators read all" on public.reports
  for select to authenticated
  using (reporter_id = (select auth.uid()) or (select private.authorize('content.moderate')));

create policy "Users read actions about them; moderators read all" on public.moderation_actions
  for select to authenticated
  using (user_id = (select auth.uid()) or (select private.authorize('content.moderate'))
         or (select private.authorize('users.suspend')));

revoke all on table public.report_reasons, public.reports, public.moderation_actions from anon, authenticated, service_role;
revoke all on sequence public.moderation_actions_id_seq from anon, authenticated, service_role;
grant select on public.report_reasons to anon, authenticated, service_role;
grant select on public.reports, public.moderation_actions to authenticated, service_role;

------------------------------------------------------------------------------------------------
-- The queue: open reports grouped per target, oldest first, with the SLA age.
------------------------------------------------------------------------------------------------
create or replace function private.report_sla()
returns interval
language sql
stable
security definer
set search_path = ''
as $$
  select pg_catalog.make_interval(hours => (private.setting('moderation.report_sla_hours'))::integer);
$$;
comment on function private.report_sla() is 'The moderation SLA (setting moderation.report_sla_hours) as an interval.';
revoke all on function private.report_sla() from public, anon, authenticated, service_role;
grant execute on function private.report_sla() to authenticated, service_role;

create or replace view public.operator_report_queue
with (security_invoker = true)
as
select r.kind,
       r.target_id,
       private.report_target_ref(r.target_id) as target_ref,
       (pg_catalog.array_agg(r.target_owner_id order by r.created_at desc))[1] as target_owner_id,
       pg_catalog.count(*)::integer as open_reports,
       pg_catalog.count(distinct r.reporter_id)::integer as reporters,
       pg_catalog.array_agg(distinct r.reason order by r.reason) as reasons,
       min(r.created_at) as first_reported_at,
       max(r.created_at) as last_reported_at,
       private.now() - min(r.created_at) as sla_age,
       min(r.created_at) + private.report_sla() as sla_due_at,
       private.now() > min(r.created_at) + private.report_sla() as sla_breached,
       (pg_catalog.array_agg(r.details order by r.created_at desc) filter (where r.details is not null))[1:5] as recent_details
  from public.reports r
 where r.status = 'open'
   and (select private.authorize('content.moderate'))
 group by r.kind, r.target_id
 order by min(r.created_at), r.kind, r.target_id;
comment on view public.operator_report_queue is
  'Moderation queue (content.moderate): open reports grouped per target, oldest first, with counts, reasons, the SLA age '
  '(since the oldest open report) against moderation.report_sla_hours, and the latest details. Act with hide_content, '
  'restore_content, dismiss_reports, warn_user, suspend_user.';
revoke all on public.operator_report_queue from anon, authenticated, service_role;
grant select on public.operator_report_queue to authenticated, service_role;
