-- Module: identity (audit log)
-- One append-only log of sensitive changes, written by the database only: operator role grants,
-- account deletions, verified badges here; later modules attach the same trigger (or call
-- private.audit from their RPCs) for their own sensitive tables: verification decisions, fee
-- schedules, payments and refunds, dispute resolutions, suspensions and content actions.
-- It lives in identity (not core) because reading it is an operator permission (audit.read),
-- and operator permissions are identity's.
--
-- Nobody can change or remove a row: no role has UPDATE, DELETE or TRUNCATE (not the service
-- role, not authenticated); INSERT is granted to nobody either (rows come from private.audit, a
-- SECURITY DEFINER function owned by the migration role); and triggers refuse UPDATE, DELETE and
-- TRUNCATE even for the owner, so a mistaken statement in Studio fails too.

create table public.audit_log (
  id bigint generated always as identity primary key,
  occurred_at timestamptz not null default now(),
  -- The signed-in user who caused the change (auth.uid()), kept as a plain id so the entry
  -- survives the account's deletion; null for the system (pg_cron, service role, migrations).
  actor_id uuid,
  -- The database role of the request: authenticated, service_role, or the session user for
  -- direct SQL (postgres in Studio, the job runner for pg_cron).
  actor_role text not null,
  action text not null check (action ~ '^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$'),
  target_type text not null check (target_type ~ '^[a-z][a-z0-9_]*$'),
  target_id text,
  before jsonb,
  after jsonb,
  reason text,
  -- The API request (x-request-id, else Cloudflare's cf-ray on hosted Supabase), null outside HTTP.
  request_id text,
  transaction_id xid8 not null default pg_catalog.pg_current_xact_id()
);
comment on table public.audit_log is
  'Append-only log of sensitive changes (role grants, verification decisions, fee changes, payments and refunds, dispute '
  'resolutions, suspensions, content actions, account deletions): actor, action, target, before/after, time, request id. '
  'Written by the database; operators with audit.read can read it; nobody can update or delete it.';
comment on column public.audit_log.actor_id is 'The user who caused the change (auth.uid()); null for the system.';
comment on column public.audit_log.actor_role is 'authenticated, service_role, or the SQL session user (for example postgres in Studio).';
comment on column public.audit_log.action is 'What happened, as <target>.<verb>, for example operator_role.granted or dispute.resolved.';
comment on column public.audit_log.request_id is 'The HTTP request id (x-request-id or cf-ray header) when the change came through the API.';
comment on column public.audit_log.transaction_id is 'Entries written by one transaction share this id.';

create index audit_log_occurred_at_idx on public.audit_log (occurred_at);
create index audit_log_target_idx on public.audit_log (target_type, target_id, occurred_at);
create index audit_log_actor_idx on public.audit_log (actor_id, occurred_at) where actor_id is not null;
create index audit_log_action_idx on public.audit_log (action, occurred_at);

insert into private.error_codes (code, name, http_status, message, hint) values
  ('HL121', 'audit_log_append_only', 403, 'The audit log cannot be changed or deleted.',
   'Audit entries are permanent; record a correction as a new change instead.')
on conflict (code) do update
  set name = excluded.name, http_status = excluded.http_status,
      message = excluded.message, hint = excluded.hint;

insert into public.role_permissions (role, permission) values
  ('admin', 'audit.read')
on conflict do nothing;

create or replace trigger audit_log_refuse_update_delete
  before update or delete on public.audit_log
  for each row execute function private.refuse_change('HL121');

create or replace trigger audit_log_refuse_truncate
  before truncate on public.audit_log
  for each statement execute function private.refuse_change('HL121');

-- Fire even with session_replication_role = replica, which skips ordinary triggers and which
-- hosted Supabase lets the postgres role set (restores and bulk loads use it).
alter table public.audit_log enable always trigger audit_log_refuse_update_delete;
alter table public.audit_log enable always trigger audit_log_refuse_truncate;

------------------------------------------------------------------------------------------------
-- Writing entries
------------------------------------------------------------------------------------------------
create or replace function private.request_id()
returns text
language sql
stable
set search_path = ''
as $$
  select nullif(coalesce(h ->> 'x-request-id', h ->> 'cf-ray'), '')
    from (select nullif(pg_catalog.current_setting('request.headers', true), '')::jsonb as h) s;
$$;
comment on function private.request_id() is
  'The current API request''s id (x-request-id header, else cf-ray), null outside an HTTP request.';
revoke all on function private.request_id() from public, anon, authenticated, service_role;
grant execute on function private.request_id() to authenticated, service_role;

create or replace function private.audit(
  p_action text,
  p_target_type text,
  p_target_id text,
  p_before jsonb default null,
  p_after jsonb default null,
  p_reason text default null
)
returns bigint
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_id bigint;
  v_role text := coalesce(nullif(pg_catalog.current_setting('request.jwt.claims', true), '')::jsonb ->> 'role',
                          pg_catalog.session_user()::text);
begin
  insert into public.audit_log (actor_id, actor_role, action, target_type, target_id, before, after, reason, request_id)
  values ((select auth.uid()), v_role, p_action, p_target_type, p_target_id, p_before, p_after,
          nullif(pg_catalog.btrim(p_reason), ''), private.request_id())
  returning id into v_id;
  return v_id;
end;
$$;
comment on function private.audit(text, text, text, jsonb, jsonb, text) is
  'Appends one audit entry (action like dispute.resolved, target type and id, before/after, reason) for the current '
  'actor and request. Called by RPCs that know the reason, and by private.audit_row_change().';
revoke all on function private.audit(text, text, text, jsonb, jsonb, text) from public, anon, authenticated, service_role;

-- Generic row trigger: AFTER INSERT OR UPDATE OR DELETE ... execute function
--   private.audit_row_change('<target_type>' [, '<id column>' [, '<column to leave out>' ...]])
-- writes <target_type>.created / .updated / .deleted with the row before and after (minus the
-- listed columns, for secrets). An UPDATE that changes nothing else is not logged.
create or replace function private.audit_row_change()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_type text := tg_argv[0];
  v_id_column text := coalesce(tg_argv[1], 'id');
  v_before jsonb;
  v_after jsonb;
  i integer;
begin
  if tg_op in ('UPDATE', 'DELETE') then
    v_before := pg_catalog.to_jsonb(old);
  end if;
  if tg_op in ('INSERT', 'UPDATE') then
    v_after := pg_catalog.to_jsonb(new);
  end if;
  if tg_nargs > 2 then
    for i in 2 .. tg_nargs - 1 loop
      v_before := v_before - tg_argv[i];
      v_after := v_after - tg_argv[i];
    end loop;
  end if;
  if tg_op = 'UPDATE' and v_before = v_after then
    return null;
  end if;
  perform private.audit(
    v_type || '.' || case tg_op when 'INSERT' then 'created' when 'UPDATE' then 'updated' else 'deleted' end,
    v_type,
    coalesce(v_after, v_before) ->> v_id_column,
    v_before,
    v_after);
  return null;
end;
$$;
comment on function private.audit_row_change() is
  'AFTER row trigger: logs <target_type>.created/updated/deleted with the row before and after. Arguments: target type, '
  'id column (default id), then columns to leave out.';
revoke all on function private.audit_row_change() from public, anon, authenticated, service_role;

------------------------------------------------------------------------------------------------
-- Identity's own sensitive changes
------------------------------------------------------------------------------------------------
create or replace function private.audit_user_roles()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op = 'INSERT' then
    perform private.audit('operator_role.granted', 'user', new.user_id::text, null,
      pg_catalog.jsonb_build_object('role', new.role, 'granted_by', new.granted_by));
  else
    perform private.audit('operator_role.revoked', 'user', old.user_id::text,
      pg_catalog.jsonb_build_object('role', old.role, 'granted_by', old.granted_by, 'granted_at', old.granted_at), null);
  end if;
  return null;
end;
$$;
comment on function private.audit_user_roles() is 'AFTER trigger on user_roles: logs operator role grants and revocations.';
revoke all on function private.audit_user_roles() from public, anon, authenticated, service_role;

create or replace function private.audit_profiles()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if old.deleted_at is null and new.deleted_at is not null then
    perform private.audit('account.deleted', 'user', new.id::text,
      pg_catalog.jsonb_build_object('deleted_at', null), pg_catalog.jsonb_build_object('deleted_at', new.deleted_at));
  end if;
  if old.is_verified is distinct from new.is_verified then
    perform private.audit('profile.verified_changed', 'user', new.id::text,
      pg_catalog.jsonb_build_object('is_verified', old.is_verified), pg_catalog.jsonb_build_object('is_verified', new.is_verified));
  end if;
  return null;
end;
$$;
comment on function private.audit_profiles() is 'AFTER trigger on profiles: logs account deletions and verified badge changes.';
revoke all on function private.audit_profiles() from public, anon, authenticated, service_role;

create or replace function private.audit_businesses()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if old.is_verified is distinct from new.is_verified then
    perform private.audit('business.verified_changed', 'business', new.id::text,
      pg_catalog.jsonb_build_object('is_verified', old.is_verified), pg_catalog.jsonb_build_object('is_verified', new.is_verified));
  end if;
  return null;
end;
$$;
comment on function private.audit_businesses() is 'AFTER trigger on businesses: logs verified badge changes.';
revoke all on function private.audit_businesses() from public, anon, authenticated, service_role;

create or replace trigger user_roles_audit
  after insert or delete on public.user_roles
  for each row execute function private.audit_user_roles();

-- What a role may do is as sensitive as who holds it.
create or replace trigger role_permissions_audit
  after insert or update or delete on public.role_permissions
  for each row execute function private.audit_row_change('role_permission', 'role');

create or replace trigger profiles_audit
  after update of deleted_at, is_verified on public.profiles
  for each row execute function private.audit_profiles();

create or replace trigger businesses_audit
  after update of is_verified on public.businesses
  for each row execute function private.audit_businesses();

------------------------------------------------------------------------------------------------
-- Access: operators with audit.read read everything; nobody writes through the API.
------------------------------------------------------------------------------------------------
alter table public.audit_log enable row level security;

create policy "Operators with audit.read can read the audit log"
  on public.audit_log for select
  to authenticated
  using ((select private.authorize('audit.read')));

revoke all on public.audit_log from public, anon, authenticated, service_role;
grant select on public.audit_log to authenticated, service_role;
revoke all on sequence public.audit_log_id_seq from public, anon, authenticated, service_role;
