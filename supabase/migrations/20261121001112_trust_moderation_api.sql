-- Module: trust (moderation RPCs)
-- report_content (anyone signed in), and the operators' actions on content: hide_content,
-- restore_content, dismiss_reports (content.moderate), warn_user (users.suspend). Each action
-- takes a reason, records a moderation_actions row, closes the target's open reports with its
-- outcome, notifies the user concerned and writes the audit log. Suspensions: trust_suspensions.

------------------------------------------------------------------------------------------------
-- Helpers
------------------------------------------------------------------------------------------------
create or replace function private.moderation_reason(p_reason text)
returns text
language plpgsql
immutable
set search_path = ''
as $$
declare
  v_reason text := pg_catalog.btrim(p_reason);
begin
  if v_reason is null or pg_catalog.char_length(v_reason) not between 3 and 1000 then
    perform private.raise_error('HL767', 'p_reason: 3 to 1000 characters');
  end if;
  return v_reason;
end;
$$;
comment on function private.moderation_reason(text) is 'A moderator''s reason, trimmed; HL767 unless 3 to 1000 characters.';

-- Closes the open reports on a target with an outcome; returns how many.
create or replace function private.close_reports(p_kind text, p_target_id uuid, p_outcome text, p_actor uuid)
returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_count integer;
begin
  update public.reports r
     set status = case when p_outcome = 'dismissed' then 'dismissed' else 'actioned' end,
         outcome = p_outcome, closed_by = p_actor, closed_at = private.now()
   where r.kind = p_kind and r.target_id = p_target_id and r.status = 'open';
  get diagnostics v_count = row_count;
  return v_count;
end;
$$;
comment on function private.close_reports(text, uuid, text, uuid) is
  'Closes every open report on a target: actioned with the outcome (hidden, restored, warned, suspended) or dismissed.';

-- The moderation state of a target: true when its latest hide/restore is a hide.
create or replace function private.target_is_hidden(p_kind text, p_target_id uuid)
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select coalesce((select a.action = 'hide' from public.moderation_actions a
                    where a.kind = p_kind and a.target_id = p_target_id and a.action in ('hide', 'restore')
                    order by a.created_at desc, a.id desc limit 1), false);
$$;
comment on function private.target_is_hidden(text, uuid) is
  'True when moderation''s latest hide/restore of the target is a hide.';

-- Resolves (kind, reference) for an operator: the registry row, the uuid and the owner.
create or replace function private.moderation_target(p_kind text, p_target_ref text, out target_id uuid, out owner_id uuid)
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  perform private.report_target(p_kind);
  target_id := private.report_target_uuid(p_target_ref);
  if target_id is null then
    perform private.raise_error('HL763', pg_catalog.format('%s %s', p_kind, coalesce(p_target_ref, 'null')));
  end if;
  owner_id := private.report_target_owner(p_kind, target_id);
  if owner_id is null then
    perform private.raise_error('HL763', pg_catalog.format('%s %s', p_kind, p_target_ref));
  end if;
end;
$$;
comment on function private.moderation_target(text, text) is
  'The target of a moderation call: its uuid and owner (HL760 unknown kind, HL763 unknown or invisible target).';

revoke all on function
  private.moderation_reason(text),
  private.close_reports(text, uuid, text, uuid),
  private.target_is_hidden(text, uuid),
  private.moderation_target(text, text)
  from public, anon, authenticated, service_role;

------------------------------------------------------------------------------------------------
-- Reporting
------------------------------------------------------------------------------------------------
create or replace function public.report_content(
  p_kind text,
  p_target_id text,
  p_reason text,
  p_details text default null
)
returns public.reports
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := private.require_uid();
  v_target uuid;
  v_owner uuid;
  v_reason public.report_reasons;
  v_details text := nullif(pg_catalog.btrim(p_details), '');
  v_row public.reports;
begin
  perform private.report_target(p_kind);
  v_target := private.report_target_uuid(p_target_id);
  if v_target is null then
    perform private.raise_error('HL763', pg_catalog.format('%s %s', p_kind, coalesce(p_target_id, 'null')));
  end if;
  select * into v_reason from public.report_reasons rr where rr.code = p_reason;
  if not found or (v_reason.kinds is not null and not p_kind = any (v_reason.kinds)) then
    perform private.raise_error('HL764', pg_catalog.format('p_reason %L is not a reason for %s', p_reason, p_kind));
  end if;
  if v_details is not null and pg_catalog.char_length(v_details) > 1000 then
    perform private.raise_error('HL764', 'p_details: at most 1000 characters');
  end if;
  if v_reason.details_required and v_details is null then
    perform private.raise_error('HL764', pg_catalog.format('p_details: required with reason %s', p_reason));
  end if;
  v_owner := private.report_target_owner(p_kind, v_target);
  if v_owner is null then
    perform private.raise_error('HL763', pg_catalog.format('%s %s', p_kind, p_target_id));
  end if;
  if v_owner = v_uid then
    perform private.raise_error('HL765');
  end if;
  if exists (select 1 from public.reports r
              where r.kind = p_kind and r.target_id = v_target and r.reporter_id = v_uid and r.status = 'open') then
    perform private.raise_error('HL766');
  end if;
  perform private.rate_limit('report_content', v_uid::text);
  insert into public.reports (kind, target_id, target_owner_id, reporter_id, reason, details, created_at)
  values (p_kind, v_target, v_owner, v_uid, p_reason, v_details, private.now())
  on conflict (kind, target_id, reporter_id) where status = 'open' do nothing
  returning * into v_row;
  if v_row.id is null then
    perform private.raise_error('HL766');
  end if;
  return v_row;
end;
$$;
comment on function public.report_content(text, text, text, text) is
  'Reports content to moderation: p_kind (user, service_listing, message, job, ...), p_target_id (a uuid, or a message''s '
  'number), p_reason (report_reasons), p_details (up to 1000; required for other). One open report per reporter and '
  'target; rate-limited (rate_limit.report_content). Nobody reports their own content or what they cannot see.';

------------------------------------------------------------------------------------------------
-- Operators' actions on content
------------------------------------------------------------------------------------------------
create or replace function public.hide_content(p_kind text, p_target_id text, p_reason text)
returns public.moderation_actions
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := private.require_permission('content.moderate');
  v_reason text := private.moderation_reason(p_reason);
  v_target record;
  v_row public.moderation_actions;
begin
  select * into v_target from private.moderation_target(p_kind, p_target_id);
  if private.target_is_hidden(p_kind, v_target.target_id) then
    perform private.raise_error('HL768', pg_catalog.format('%s %s', p_kind, p_target_id));
  end if;
  perform private.set_report_target_hidden(p_kind, v_target.target_id, true);
  insert into public.moderation_actions (action, kind, target_id, user_id, reason, actor_id, reports_closed, created_at)
  values ('hide', p_kind, v_target.target_id, v_target.owner_id, v_reason, v_uid,
          private.close_reports(p_kind, v_target.target_id, 'hidden', v_uid), private.now())
  returning * into v_row;
  perform private.notify(v_target.owner_id, 'moderation.content_hidden', pg_catalog.jsonb_build_object(
    'kind', p_kind, 'target_id', private.report_target_ref(v_target.target_id), 'reason', v_reason));
  perform private.audit('content.hidden', p_kind, private.report_target_ref(v_target.target_id),
    pg_catalog.jsonb_build_object('hidden', false),
    pg_catalog.jsonb_build_object('hidden', true, 'owner_id', v_target.owner_id, 'reports_closed', v_row.reports_closed),
    v_reason);
  return v_row;
end;
$$;
comment on function public.hide_content(text, text, text) is
  'Moderators (content.moderate): hides content (the kind''s hide handler), closes its open reports as hidden, notifies the '
  'owner (moderation.content_hidden) and audits content.hidden, with the reason. HL768 when already hidden.';

create or replace function public.restore_content(p_kind text, p_target_id text, p_reason text)
returns public.moderation_actions
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := private.require_permission('content.moderate');
  v_reason text := private.moderation_reason(p_reason);
  v_target record;
  v_row public.moderation_actions;
begin
  select * into v_target from private.moderation_target(p_kind, p_target_id);
  if not private.target_is_hidden(p_kind, v_target.target_id) then
    perform private.raise_error('HL769', pg_catalog.format('%s %s', p_kind, p_target_id));
  end if;
  perform private.set_report_target_hidden(p_kind, v_target.target_id, false);
  insert into public.moderation_actions (action, kind, target_id, user_id, reason, actor_id, reports_closed, created_at)
  values ('restore', p_kind, v_target.target_id, v_target.owner_id, v_reason, v_uid,
          private.close_reports(p_kind, v_target.target_id, 'restored', v_uid), private.now())
  returning * into v_row;
  perform private.notify(v_target.owner_id, 'moderation.content_restored', pg_catalog.jsonb_build_object(
    'kind', p_kind, 'target_id', private.report_target_ref(v_target.target_id), 'reason', v_reason));
  perform private.audit('content.restored', p_kind, private.report_target_ref(v_target.target_id),
    pg_catalog.jsonb_build_object('hidden', true),
    pg_catalog.jsonb_build_object('hidden', false, 'owner_id', v_target.owner_id), v_reason);
  return v_row;
end;
$$;
comment on function public.restore_content(text, text, text) is
  'Moderators (content.moderate): restores hidden content, closes open reports as restored, notifies the owner '
  '(moderation.content_restored) and audits content.restored. HL769 when not hidden.';

create or replace function public.dismiss_reports(p_kind text, p_target_id text, p_reason text)
returns public.moderation_actions
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := private.require_permission('content.moderate');
  v_reason text := private.moderation_reason(p_reason);
  v_target uuid;
  v_owner uuid;
  v_closed integer;
  v_row public.moderation_actions;
begin
  perform private.report_target(p_kind);
  v_target := private.report_target_uuid(p_target_id);
  if v_target is null then
    perform private.raise_error('HL763', pg_catalog.format('%s %s', p_kind, coalesce(p_target_id, 'null')));
  end if;
  -- The target may be gone (its owner deleted it): its reports can still be dismissed.
  v_owner := coalesce(private.report_target_owner(p_kind, v_target),
                      (select r.target_owner_id from public.reports r
                        where r.kind = p_kind and r.target_id = v_target and r.status = 'open'
                        order by r.created_at desc limit 1));
  v_closed := private.close_reports(p_kind, v_target, 'dismissed', v_uid);
  if v_closed = 0 then
    perform private.raise_error('HL770', pg_catalog.format('%s %s', p_kind, p_target_id));
  end if;
  insert into public.moderation_actions (action, kind, target_id, user_id, reason, actor_id, reports_closed, created_at)
  values ('dismiss', p_kind, v_target, v_owner, v_reason, v_uid, v_closed, private.now())
  returning * into v_row;
  perform private.audit('report.dismissed', p_kind, private.report_target_ref(v_target), null,
    pg_catalog.jsonb_build_object('reports_closed', v_closed), v_reason);
  return v_row;
end;
$$;
comment on function public.dismiss_reports(text, text, text) is
  'Moderators (content.moderate): closes the open reports on a target as dismissed (no action on the content), with the '
  'reason; audited as report.dismissed. HL770 when there are none.';

------------------------------------------------------------------------------------------------
-- Warning a user
------------------------------------------------------------------------------------------------
create or replace function public.warn_user(p_user_id uuid, p_reason text)
returns public.moderation_actions
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := private.require_permission('users.suspend');
  v_reason text := private.moderation_reason(p_reason);
  v_row public.moderation_actions;
begin
  if p_user_id is null or not exists (select 1 from public.profiles p where p.id = p_user_id and p.deleted_at is null) then
    perform private.raise_error('HL114', 'p_user_id');
  end if;
  if p_user_id = v_uid then
    perform private.raise_error('HL777');
  end if;
  insert into public.moderation_actions (action, kind, target_id, user_id, reason, actor_id, reports_closed, created_at)
  values ('warn', 'user', p_user_id, p_user_id, v_reason, v_uid,
          private.close_reports('user', p_user_id, 'warned', v_uid), private.now())
  returning * into v_row;
  perform private.notify(p_user_id, 'moderation.warning', pg_catalog.jsonb_build_object('reason', v_reason));
  perform private.audit('user.warned', 'user', p_user_id::text, null,
    pg_catalog.jsonb_build_object('action_id', v_row.id), v_reason);
  return v_row;
end;
$$;
comment on function public.warn_user(uuid, text) is
  'Moderators (users.suspend): warns a user with a reason (moderation_actions, readable by them), closes open reports on '
  'the user as warned, notifies them (moderation.warning) and audits user.warned.';

revoke all on function
  public.report_content(text, text, text, text),
  public.hide_content(text, text, text),
  public.restore_content(text, text, text),
  public.dismiss_reports(text, text, text),
  public.warn_user(uuid, text)
  from public, anon, authenticated, service_role;
grant execute on function
  public.report_content(text, text, text, text),
  public.hide_content(text, text, text),
  public.restore_content(text, text, text),
  public.dismiss_reports(text, text, text),
  public.warn_user(uuid, text)
  to authenticated;

------------------------------------------------------------------------------------------------
-- Account deletion (identity's registry, position 950): the reports a user filed stay for
-- moderation without the reporter; what moderators did stays (the record).
------------------------------------------------------------------------------------------------
create or replace function private.delete_account_moderation(p_user_id uuid)
returns void
language plpgsql
security definer
set search_path = ''
as $$
begin
  update public.reports r set reporter_id = null where r.reporter_id = p_user_id;
end;
$$;
comment on function private.delete_account_moderation(uuid) is
  'Account deletion (trust moderation, position 950): detaches the reports the user filed (they stay for moderation).';
revoke all on function private.delete_account_moderation(uuid) from public, anon, authenticated, service_role;

insert into private.account_deletion_handlers (handler, position, module, description) values
  ('private.delete_account_moderation(uuid)', 950, 'trust',
   'Detach the reports they filed (moderation keeps them).')
on conflict (handler) do update
  set position = excluded.position, module = excluded.module, description = excluded.description;
