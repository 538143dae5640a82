-- Module: verification (KYC retention and account deletion)
-- Document images are kept only while they are needed: verification.document_retention (30
-- days) after the decision, the `kyc-retention` edge function removes them from Storage through
-- the Storage API (hosted Supabase refuses direct deletes from storage.objects) and the database
-- marks them removed and masks the submission's numbers to their last 4 characters; the
-- submission and its decision stay. Uploads no submission references are removed after
-- verification.orphan_retention (7 days), or at once when the account was deleted.
--
--   pg_cron hyperlocal-kyc-retention (every 15 min) → private.dispatch_kyc_retention() → pg_net
--   POST /functions/v1/kyc-retention (service role) → rpc claim_verification_retention → Storage
--   API DELETE /object/verification-docs {prefixes} → rpc complete_verification_retention.

create or replace function private.mask_document_number(p_number text)
returns text
language sql
immutable
set search_path = ''
as $$
  select case
    when p_number is null then null
    when pg_catalog.char_length(p_number) <= 4 then pg_catalog.repeat('*', pg_catalog.char_length(p_number))
    else pg_catalog.repeat('*', pg_catalog.char_length(p_number) - 4) || pg_catalog.right(p_number, 4)
  end;
$$;
comment on function private.mask_document_number(text) is 'A document number with all but its last 4 characters replaced by *.';
revoke all on function private.mask_document_number(text) from public, anon, authenticated, service_role;

-- Objects of verification-docs due for removal: documents of submissions past purge_due_at, and
-- uploads no submission references (older than the orphan retention, or of a deleted account).
create or replace function private.verification_objects_due(p_limit integer)
returns table (object_path text, document_id uuid)
language sql
stable
security definer
set search_path = ''
as $$
  (select d.object_path, d.id
     from public.verification_submissions s
     join public.verification_documents d on d.submission_id = s.id
    where s.purge_due_at <= private.now() and d.removed_at is null
    order by s.purge_due_at
    limit p_limit)
  union all
  (select o.name, null::uuid
     from storage.objects o
    where o.bucket_id = 'verification-docs'
      and not exists (select 1 from public.verification_documents d where d.object_path = o.name)
      and (o.created_at <= private.now() - (private.setting('verification.orphan_retention') #>> '{}')::interval
           or exists (select 1 from public.profiles p
                       where p.id::text = pg_catalog.split_part(o.name, '/', 1) and p.deleted_at is not null))
    order by o.created_at
    limit p_limit);
$$;
comment on function private.verification_objects_due(integer) is
  'verification-docs objects due for removal (at most p_limit of each kind): documents of submissions past purge_due_at, '
  'and unreferenced uploads older than verification.orphan_retention or of a deleted account.';
revoke all on function private.verification_objects_due(integer) from public, anon, authenticated, service_role;

create or replace function public.claim_verification_retention(p_limit integer default 500)
returns table (object_path text, document_id uuid)
language plpgsql
security definer
set search_path = ''
as $$
begin
  if not private.is_service_role() then
    perform private.raise_error('HL002', 'claim_verification_retention is for the kyc-retention function (service role)');
  end if;
  if p_limit is null or p_limit not between 1 and 1000 then
    perform private.raise_error('HL699', pg_catalog.format('p_limit %s', p_limit));
  end if;
  -- The numbers go with the images.
  update public.verification_submissions s
     set emirates_id_number = private.mask_document_number(s.emirates_id_number),
         licence_number = private.mask_document_number(s.licence_number),
         certificate_number = private.mask_document_number(s.certificate_number),
         numbers_masked_at = private.now()
   where s.purge_due_at <= private.now() and s.numbers_masked_at is null;
  -- Documents whose object is already gone are settled here.
  update public.verification_documents d
     set removed_at = private.now()
    from public.verification_submissions s
   where s.id = d.submission_id and s.purge_due_at <= private.now() and d.removed_at is null
     and not exists (select 1 from storage.objects o where o.bucket_id = 'verification-docs' and o.name = d.object_path);
  return query select * from private.verification_objects_due(p_limit) limit p_limit;
end;
$$;
comment on function public.claim_verification_retention(integer) is
  'Service role (the kyc-retention function): masks the numbers of submissions past purge_due_at and returns up to '
  'p_limit (1-1000) verification-docs object paths to remove through the Storage API (documents due, then unreferenced '
  'uploads); document_id is null for an unreferenced upload. Errors: HL002, HL699.';
revoke all on function public.claim_verification_retention(integer) from public, anon, authenticated, service_role;
grant execute on function public.claim_verification_retention(integer) to service_role;

create or replace function public.complete_verification_retention(p_paths text[])
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_marked integer;
  v_present integer;
begin
  if not private.is_service_role() then
    perform private.raise_error('HL002', 'complete_verification_retention is for the kyc-retention function (service role)');
  end if;
  if p_paths is null or pg_catalog.cardinality(p_paths) > 1000 then
    perform private.raise_error('HL699', 'give 0 to 1000 object paths');
  end if;
  -- Only what the Storage API really removed is marked.
  update public.verification_documents d
     set removed_at = private.now()
   where d.object_path = any (p_paths) and d.removed_at is null
     and not exists (select 1 from storage.objects o where o.bucket_id = 'verification-docs' and o.name = d.object_path);
  get diagnostics v_marked = row_count;
  select pg_catalog.count(*)::integer into v_present
    from storage.objects o where o.bucket_id = 'verification-docs' and o.name = any (p_paths);
  return pg_catalog.jsonb_build_object('documents_removed', v_marked, 'still_present', v_present);
end;
$$;
comment on function public.complete_verification_retention(text[]) is
  'Service role (the kyc-retention function): marks removed the documents among p_paths whose objects are gone from '
  'verification-docs; returns {documents_removed, still_present}. Errors: HL002, HL699.';
revoke all on function public.complete_verification_retention(text[]) from public, anon, authenticated, service_role;
grant execute on function public.complete_verification_retention(text[]) to service_role;

create or replace function private.dispatch_kyc_retention()
returns bigint
language plpgsql
security definer
set search_path = ''
as $$
begin
  if not private.setting('verification.retention_dispatch_enabled')::boolean then
    return null;
  end if;
  if not exists (select 1 from private.verification_objects_due(1)) then
    return null;
  end if;
  return private.post_to_edge_function('kyc-retention', 'dispatch_kyc_retention');
end;
$$;
comment on function private.dispatch_kyc_retention() is
  'pg_cron job hyperlocal-kyc-retention: when verification-docs objects are due for removal, queues POST '
  '<hyperlocal_api_url>/functions/v1/kyc-retention with the service role key (both from Vault) through pg_net; returns the '
  'request id, or null when verification.retention_dispatch_enabled is false, nothing is due or the secrets are missing.';
revoke all on function private.dispatch_kyc_retention() from public, anon, authenticated, service_role;

select cron.schedule('hyperlocal-kyc-retention', '*/15 * * * *', 'select private.dispatch_kyc_retention()');

------------------------------------------------------------------------------------------------
-- Account deletion (identity's registry, position 470): pending submissions are cancelled, the
-- documents become due at once and the numbers are masked at the next retention run; decisions
-- stay (they are the history the audit log points at).
------------------------------------------------------------------------------------------------
create or replace function private.delete_account_verification(p_user_id uuid)
returns void
language plpgsql
security definer
set search_path = ''
as $$
begin
  update public.verification_submissions s
     set status = 'cancelled', decided_at = private.now(), reason = 'account deleted'
   where s.user_id = p_user_id and s.status = 'pending';
  update public.verification_submissions s
     set purge_due_at = private.now()
   where s.user_id = p_user_id and s.numbers_masked_at is null
     and (s.purge_due_at is null or s.purge_due_at > private.now());
end;
$$;
comment on function private.delete_account_verification(uuid) is
  'Account deletion step of the verification module: cancels pending submissions and makes every document of the user due '
  'for removal now (the kyc-retention run removes them and masks the numbers); decisions stay.';
revoke all on function private.delete_account_verification(uuid) from public, anon, authenticated, service_role;

insert into private.account_deletion_handlers (handler, position, module, description) values
  ('private.delete_account_verification(uuid)', 470, 'verification',
   'Cancel pending KYC submissions; documents due for removal now; decisions kept.')
on conflict (handler) do update
  set position = excluded.position, module = excluded.module, description = excluded.description;
