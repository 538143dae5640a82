-- Module: jobs (access)
-- Who sees which job, offer, timeline and match, and the job-media bucket's folder rule. Read-only
-- for clients: changes go through the RPCs.

create or replace function private.is_provider()
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select exists (select 1 from public.provider_profiles p where p.id = (select auth.uid()));
$$;
comment on function private.is_provider() is 'True when the calling user has a provider profile.';

create or replace function private.my_engaged_job_ids()
returns setof uuid
language sql
stable
security definer
set search_path = ''
as $$
  select o.job_id from public.job_offers o where o.provider_id = (select auth.uid())
  union
  select m.job_id from public.job_matches m where m.provider_id = (select auth.uid());
$$;
comment on function private.my_engaged_job_ids() is
  'Jobs the calling provider offered on or was shown (matched, chosen for a direct job, or viewed): they stay visible after the job closes.';

-- A direct job in its window (post_job p_direct_to) exists only for its customer and the providers
-- they chose: to everyone else it is unknown (HL300) until the window closes.
create or replace function private.outside_direct_window(p_job public.job_requests, p_uid uuid)
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select coalesce(p_job.direct_until > private.now(), false)
     and p_job.customer_id is distinct from p_uid
     and not exists (select 1 from public.job_matches m
                      where m.job_id = p_job.id and m.provider_id = p_uid and m.source = 'direct');
$$;
comment on function private.outside_direct_window(public.job_requests, uuid) is
  'True when the job is in its direct window and p_uid is neither its customer nor one of the providers chosen for it.';
revoke all on function private.outside_direct_window(public.job_requests, uuid) from public, anon, authenticated, service_role;

revoke all on function
  private.is_provider(),
  private.my_engaged_job_ids()
  from public, anon, authenticated, service_role;
grant execute on function private.is_provider(), private.my_engaged_job_ids()
  to authenticated, service_role;

------------------------------------------------------------------------------------------------
-- Row level security: read-only for clients; changes go through the RPCs above.
------------------------------------------------------------------------------------------------
alter table public.job_requests enable row level security;
alter table public.job_offers enable row level security;
alter table public.job_offer_events enable row level security;
alter table public.job_matches enable row level security;

-- Who sees which job: its customer; every provider while it is open, not hidden by moderation and
-- not in a direct window (the job board, fuzzed location only); providers who offered on it or were
-- shown it (matched, chosen for a direct job, viewed), also after it closed; operators with jobs.manage.
create policy "Customers, providers and operators can read jobs they may see" on public.job_requests
  for select to authenticated
  using (
    customer_id = (select auth.uid())
    or (status = 'open' and hidden_at is null and (direct_until is null or direct_until <= (select private.now()))
        and (select private.is_provider()))
    or id = any (array(select private.my_engaged_job_ids()))
    or (select private.authorize('jobs.manage'))
  );
revoke all on table public.job_requests from anon, authenticated, service_role;
grant select on public.job_requests to authenticated;
grant select, insert, update, delete on public.job_requests to service_role;

-- The offers, their timeline and who was shown a job: the provider concerned, the job's customer,
-- and operators with jobs.manage.
create or replace function private.can_read_job_activity(p_job_id uuid, p_provider_id uuid)
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select p_provider_id = (select auth.uid())
      or exists (select 1 from public.job_requests j where j.id = p_job_id and j.customer_id = (select auth.uid()))
      or private.authorize('jobs.manage');
$$;
comment on function private.can_read_job_activity(uuid, uuid) is
  'Policy helper for job_offers, job_offer_events and job_matches: true for the provider of the row, the job''s customer and operators with jobs.manage.';
revoke all on function private.can_read_job_activity(uuid, uuid) from public, anon, authenticated, service_role;
grant execute on function private.can_read_job_activity(uuid, uuid) to authenticated, service_role;

create policy "Providers read their offers; customers read offers on their jobs" on public.job_offers
  for select to authenticated
  using (private.can_read_job_activity(job_id, provider_id));
revoke all on table public.job_offers from anon, authenticated, service_role;
grant select on public.job_offers to authenticated;
grant select, insert, update, delete on public.job_offers to service_role;

create policy "The parties of an offer can read its timeline" on public.job_offer_events
  for select to authenticated
  using (private.can_read_job_activity(job_id, provider_id));
revoke all on table public.job_offer_events from anon, authenticated, service_role;
revoke all on sequence public.job_offer_events_id_seq from anon, authenticated, service_role;
grant select on public.job_offer_events to authenticated;
grant select, insert, update, delete on public.job_offer_events to service_role;

create policy "Providers read their matches; customers read who their jobs were shown to" on public.job_matches
  for select to authenticated
  using (private.can_read_job_activity(job_id, provider_id));
revoke all on table public.job_matches from anon, authenticated, service_role;
grant select on public.job_matches to authenticated;
grant select, insert, update, delete on public.job_matches to service_role;

------------------------------------------------------------------------------------------------
-- Storage: the private job-media bucket ([storage.buckets.job-media] in config.toml).
--   read:    the customer (their own folder) and providers the job was shown to or who offered;
--   upload:  the customer, under <user id>/<job id>/ of one of their open jobs;
--   replace and delete: the customer, in their own folder (a replaced object stays where one may upload).
------------------------------------------------------------------------------------------------
create or replace function private.job_media_folders(p_operation text)
returns setof text
language sql
stable
security definer
set search_path = ''
as $$
  select (select auth.uid())::text || '/'
   where p_operation in ('select', 'update', 'delete') and (select auth.uid()) is not null
  union all
  select j.customer_id::text || '/' || j.id::text || '/'
    from public.job_requests j
   where p_operation = 'select'
     and j.id in (select e.id from private.my_engaged_job_ids() as e(id))
  union all
  select j.customer_id::text || '/' || j.id::text || '/'
    from public.job_requests j
   where p_operation = 'insert'
     and j.customer_id = (select auth.uid()) and j.status = 'open';
$$;
comment on function private.job_media_folders(text) is
  'Folder rule of the job-media bucket (private.storage_buckets): own folder to read, replace and delete; <customer>/<job>/ of jobs '
  'shown to or offered on by the calling provider to read; <own id>/<open job id>/ to upload.';
revoke all on function private.job_media_folders(text) from public, anon, authenticated, service_role;

insert into private.storage_buckets (bucket_id, module, handler, description) values
  ('job-media', 'jobs', 'private.job_media_folders(text)', 'Private job photos: the customer uploads, providers shown the job read.');
