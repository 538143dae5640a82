-- Module: verification (KYC: submissions, documents, the private bucket, the badge guard)
-- People prove who they are, and businesses that they hold a trade licence, by submitting
-- verification: a type (emirates_id, trade_licence, both, or certification for one of their
-- catalog certifications), the document numbers, and images uploaded to the private Storage
-- bucket `verification-docs` under their own folder `<user id>/`. An operator with users.verify
-- approves or rejects (with a reason) in 20261121001011_verification_kyc_decisions.sql; the
-- approval is what sets the verified badges (profiles, provider_profiles, businesses) and a
-- certification's verified_at, and nothing else can (the guard below). Documents are removed a
-- set time after the decision (20261121001012_verification_kyc_retention.sql); the decision and
-- the masked numbers stay.
--
-- Subjects: emirates_id → the submitting person (profiles.is_verified and their provider
-- profile's is_verified); trade_licence → a business the submitter owns (businesses.is_verified);
-- both → the two at once; certification → one of the submitter's provider_certifications.

create table public.verification_submissions (
  id uuid primary key default gen_random_uuid(),
  -- The submitter: the person verified (emirates_id), the business's owner (trade_licence), the
  -- certification's provider (certification).
  user_id uuid not null references public.profiles (id),
  type text not null check (type in ('emirates_id', 'trade_licence', 'both', 'certification')),
  business_id uuid references public.businesses (id) on delete set null,
  certification_id uuid references public.provider_certifications (id) on delete set null,
  -- Emirates ID: 15 digits (784YYYYNNNNNNNN), stored without dashes; masked after retention.
  emirates_id_number text check (emirates_id_number ~ '^(784[0-9]{12}|\*{11}[0-9]{4})$'),
  -- Trade licence: the number as the emirate's authority writes it, and the emirate.
  licence_number text check (char_length(licence_number) between 2 and 40),
  licence_emirate text check (licence_emirate in ('abu_dhabi', 'dubai', 'sharjah', 'ajman', 'umm_al_quwain',
                                                  'ras_al_khaimah', 'fujairah')),
  -- Certification: its number (optional) and the certificate as declared when submitted.
  certificate_number text check (char_length(certificate_number) between 1 and 80),
  certification_snapshot jsonb,
  status text not null default 'pending' check (status in ('pending', 'approved', 'rejected', 'revoked', 'cancelled')),
  submitted_at timestamptz not null default now(),
  decided_at timestamptz,
  decided_by uuid references public.profiles (id) on delete set null,
  -- Why it was rejected or revoked (required), or the operator's note on an approval (optional).
  reason text check (char_length(reason) <= 500),
  -- Revocation of an approved submission (the badges it set are cleared).
  revoked_at timestamptz,
  revoked_by uuid references public.profiles (id) on delete set null,
  -- When the documents become due for removal (decision + verification.document_retention; now
  -- for a deleted account), and when the numbers were masked.
  purge_due_at timestamptz,
  numbers_masked_at timestamptz,
  -- The numbers each type needs. The business and the certification may disappear later (a
  -- business deleted by its owner, a certification deleted by its provider): the history stays.
  constraint verification_submissions_numbers check (
    case type
      when 'emirates_id' then emirates_id_number is not null and licence_number is null and certificate_number is null
      when 'trade_licence' then emirates_id_number is null and licence_number is not null and licence_emirate is not null
                                and certificate_number is null
      when 'both' then emirates_id_number is not null and licence_number is not null and licence_emirate is not null
                       and certificate_number is null
      else emirates_id_number is null and licence_number is null and licence_emirate is null
    end),
  constraint verification_submissions_decision check (
    (status = 'pending') = (decided_at is null)
    and (status not in ('rejected', 'revoked') or reason is not null)
    and ((status = 'revoked') = (revoked_at is not null)))
);
comment on table public.verification_submissions is
  'KYC submissions (Emirates ID, trade licence, both, or a certification) and their decisions; every submission and '
  'decision stays (history). Written by submit_verification and the operators'' decision RPCs only. The submitter and '
  'operators with users.verify read them.';
comment on column public.verification_submissions.type is
  'emirates_id (the person), trade_licence (a business the submitter owns), both, or certification (one of the submitter''s provider certifications).';
comment on column public.verification_submissions.emirates_id_number is
  'Emirates ID number, 15 digits without dashes (784YYYYNNNNNNNN); masked to its last 4 digits when the documents are removed.';
comment on column public.verification_submissions.certification_snapshot is
  'The certification (name, issuer, expires_on) when submitted; an approval is refused when it changed since (HL698).';
comment on column public.verification_submissions.purge_due_at is
  'When the documents are removed from Storage and the numbers masked: decided_at + verification.document_retention.';

create index verification_submissions_user_id_idx on public.verification_submissions (user_id, submitted_at);
create index verification_submissions_business_id_idx on public.verification_submissions (business_id) where business_id is not null;
create index verification_submissions_certification_id_idx on public.verification_submissions (certification_id)
  where certification_id is not null;
create index verification_submissions_decided_by_idx on public.verification_submissions (decided_by) where decided_by is not null;
create index verification_submissions_revoked_by_idx on public.verification_submissions (revoked_by) where revoked_by is not null;
create index verification_submissions_pending_idx on public.verification_submissions (submitted_at) where status = 'pending';
create index verification_submissions_purge_idx on public.verification_submissions (purge_due_at)
  where purge_due_at is not null and numbers_masked_at is null;
-- One pending submission per subject at a time (the person, the business, the certification).
create unique index verification_submissions_one_pending_person
  on public.verification_submissions (user_id) where status = 'pending' and type in ('emirates_id', 'both');
create unique index verification_submissions_one_pending_business
  on public.verification_submissions (business_id) where status = 'pending' and business_id is not null;
create unique index verification_submissions_one_pending_certification
  on public.verification_submissions (certification_id) where status = 'pending' and certification_id is not null;

create table public.verification_documents (
  id uuid primary key default gen_random_uuid(),
  submission_id uuid not null references public.verification_submissions (id),
  -- The submitter (copied for the policies).
  user_id uuid not null references public.profiles (id),
  kind text not null check (kind in ('id_front', 'id_back', 'licence', 'certificate')),
  -- The object's name in the verification-docs bucket (<user id>/...). One submission per object.
  object_path text not null unique check (char_length(object_path) between 38 and 300),
  created_at timestamptz not null default now(),
  -- Set when the retention run removed the object through the Storage API.
  removed_at timestamptz,
  unique (submission_id, kind)
);
comment on table public.verification_documents is
  'The images of a verification submission: objects in the private verification-docs bucket, removed by the retention '
  'run a set time after the decision (removed_at). Read by the submitter and operators with users.verify.';
comment on column public.verification_documents.object_path is
  'Object name in the verification-docs bucket (<user id>/...): the submitter''s own upload, referenced by one submission only.';
create index verification_documents_user_id_idx on public.verification_documents (user_id);

------------------------------------------------------------------------------------------------
-- Errors, settings, permission
------------------------------------------------------------------------------------------------
insert into private.error_codes (code, name, http_status, message, hint) values
  ('HL687', 'invalid_verification_type', 400, 'Unknown verification type.',
   'Use emirates_id, trade_licence, both or certification.'),
  ('HL688', 'invalid_emirates_id', 400, 'Emirates ID numbers look like 784-YYYY-NNNNNNN-N.',
   'Give the 15 digits of the Emirates ID, with or without dashes, starting with 784 and the year of birth.'),
  ('HL689', 'invalid_document_number', 400, 'A licence or certificate number or the issuing emirate is invalid.',
   'Licence numbers are 2 to 40 letters, digits, spaces, dots, slashes or dashes; certificate numbers 1 to 80 characters; '
   'the emirate is one of abu_dhabi, dubai, sharjah, ajman, umm_al_quwain, ras_al_khaimah, fujairah.'),
  ('HL690', 'invalid_verification_documents', 400, 'The verification documents are missing or invalid.',
   'Upload each image to the verification-docs bucket under your own folder first, then give its path; each upload '
   'serves one submission. Emirates ID: id_front and id_back; trade licence: licence; certification: certificate.'),
  ('HL691', 'verification_pending', 409, 'A verification of this is already waiting for a decision.',
   'Wait for the decision on the pending submission; resubmit only after a rejection.'),
  ('HL692', 'already_verified', 409, 'This is already verified.', 'Nothing to submit.'),
  ('HL693', 'verification_not_found', 404, 'The verification submission does not exist.', 'Check the submission id.'),
  ('HL694', 'verification_already_decided', 409, 'This verification cannot be decided in its current state.',
   'Only pending submissions are approved or rejected, and only approved ones revoked.'),
  ('HL695', 'verification_reason_required', 400, 'A reason is required.',
   'Rejections and revocations need a reason of 2 to 500 characters; notes are at most 500.'),
  ('HL696', 'own_verification', 403, 'You cannot decide your own verification.', 'Another operator decides it.'),
  ('HL697', 'verified_badge_protected', 403, 'Verified badges are set by verification decisions only.',
   'Submit verification (submit_verification); operators decide with approve_verification or revoke_verification.'),
  ('HL698', 'verification_outdated', 409, 'What this submission verifies has changed since it was submitted.',
   'The business was closed, or the certification was changed or deleted: reject it and let the user submit again.'),
  ('HL699', 'invalid_retention_request', 400, 'The retention request is invalid.',
   'Claim 1 to 1000 documents at a time; report the object paths that were removed.')
on conflict (code) do update
  set name = excluded.name, http_status = excluded.http_status,
      message = excluded.message, hint = excluded.hint;

insert into private.settings (key, value, description) values
  ('verification.document_retention', '"30 days"',
   'How long the images of a decided verification stay in Storage after the decision; then the retention run removes them and masks the numbers.'),
  ('verification.orphan_retention', '"7 days"',
   'Uploads to verification-docs that no submission references are removed after this long.'),
  ('verification.retention_dispatch_enabled', 'true',
   'false pauses the pg_cron dispatch of the kyc-retention function (hyperlocal-kyc-retention) without unscheduling it.')
on conflict (key) do nothing;

-- One permission decides every badge (profile, provider, business) and certification, and reads
-- the documents: admins already hold it; moderators get it too.
insert into public.role_permissions (role, permission) values
  ('admin', 'users.verify'),
  ('moderator', 'users.verify')
on conflict do nothing;

------------------------------------------------------------------------------------------------
-- Access: the submitter and operators with users.verify read; nobody writes through the API
-- (submit_verification and the decision RPCs are SECURITY DEFINER).
------------------------------------------------------------------------------------------------
alter table public.verification_submissions enable row level security;
alter table public.verification_documents enable row level security;

create policy "Submitters and verifying operators read submissions" on public.verification_submissions
  for select to authenticated
  using (user_id = (select auth.uid()) or (select private.authorize('users.verify')));

create policy "Submitters and verifying operators read documents" on public.verification_documents
  for select to authenticated
  using (user_id = (select auth.uid()) or (select private.authorize('users.verify')));

revoke all on public.verification_submissions from public, anon, authenticated, service_role;
revoke all on public.verification_documents from public, anon, authenticated, service_role;
grant select on public.verification_submissions to authenticated, service_role;
grant select on public.verification_documents to authenticated, service_role;

------------------------------------------------------------------------------------------------
-- Storage: the private verification-docs bucket (supabase/config.toml). Everyone uploads into
-- their own folder and reads it; operators with users.verify read the whole bucket. Nobody
-- replaces or deletes through the API (an upload is evidence once submitted); the retention run
-- removes objects with the service role.
------------------------------------------------------------------------------------------------
create or replace function private.verification_doc_folders(p_operation text)
returns setof text
language sql
stable
security definer
set search_path = ''
as $$
  select (select auth.uid())::text || '/'
   where p_operation in ('select', 'insert') and (select auth.uid()) is not null
     and not (p_operation = 'select' and (select private.authorize('users.verify')))
  union all
  select ''
   where p_operation = 'select' and (select private.authorize('users.verify'));
$$;
comment on function private.verification_doc_folders(text) is
  'Folder rule of the verification-docs bucket (private.storage_buckets): the caller''s own folder <user id>/ to upload and '
  'read; the whole bucket to read for operators with users.verify; no replace or delete through the API.';
revoke all on function private.verification_doc_folders(text) from public, anon, authenticated, service_role;

insert into private.storage_buckets (bucket_id, module, handler, description) values
  ('verification-docs', 'verification', 'private.verification_doc_folders(text)',
   'Private KYC and certification documents: the owner uploads into <user id>/, operators with users.verify read.')
on conflict (bucket_id) do update
  set module = excluded.module, handler = excluded.handler, description = excluded.description;

------------------------------------------------------------------------------------------------
-- The badge guard: the verified badges and a certification's verification change only through
-- the decision path (the RPCs run as their owner) or direct SQL by the database owner (Studio,
-- fixtures). The API roles, the service role included, get HL697 even with a table grant.
------------------------------------------------------------------------------------------------
create or replace function private.guard_verified_badge()
returns trigger
language plpgsql
set search_path = ''
as $$
declare
  v_changed boolean;
begin
  if pg_catalog.current_user() not in ('anon', 'authenticated', 'service_role') then
    return new;
  end if;
  if tg_table_name = 'provider_certifications' then
    -- Clearing (the catalog resets a changed certificate) is allowed; granting is not.
    -- (as jsonb: one trigger function serves four tables)
    v_changed := (pg_catalog.to_jsonb(new) ->> 'verified_at') is not null
                 and (tg_op = 'INSERT'
                      or (pg_catalog.to_jsonb(new) -> 'verified_at') is distinct from (pg_catalog.to_jsonb(old) -> 'verified_at')
                      or (pg_catalog.to_jsonb(new) -> 'verified_by') is distinct from (pg_catalog.to_jsonb(old) -> 'verified_by'));
  elsif tg_op = 'INSERT' then
    v_changed := (pg_catalog.to_jsonb(new) ->> 'is_verified')::boolean;
  else
    v_changed := (pg_catalog.to_jsonb(new) ->> 'is_verified') is distinct from (pg_catalog.to_jsonb(old) ->> 'is_verified');
  end if;
  if v_changed then
    perform private.raise_error('HL697', pg_catalog.format('%s by %s', tg_table_name, pg_catalog.current_user()));
  end if;
  return new;
end;
$$;
comment on function private.guard_verified_badge() is
  'BEFORE INSERT/UPDATE on profiles, provider_profiles, businesses and provider_certifications: HL697 when an API role '
  '(anon, authenticated, service_role) sets a verified badge or a certification''s verification; the decision RPCs '
  '(owner rights) and the database owner may.';
revoke all on function private.guard_verified_badge() from public, anon, authenticated, service_role;

create or replace trigger profiles_guard_verified_badge
  before insert or update of is_verified on public.profiles
  for each row execute function private.guard_verified_badge();
create or replace trigger businesses_guard_verified_badge
  before insert or update of is_verified on public.businesses
  for each row execute function private.guard_verified_badge();
create or replace trigger provider_certifications_guard_verification
  before insert or update of verified_at, verified_by on public.provider_certifications
  for each row execute function private.guard_verified_badge();

-- A provider profile's badge is its person's: a new provider profile starts with the profile's
-- is_verified (an API role's value is ignored), and an API role cannot change it afterwards.
create or replace function private.provider_profile_verified_badge()
returns trigger
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_verified boolean;
begin
  if tg_op = 'INSERT' then
    select p.is_verified into v_verified from public.profiles p where p.id = new.id;
    -- API roles get the person's badge whatever they sent; the database owner (onboarding RPCs,
    -- fixtures, seeds) may start it verified.
    if pg_catalog.current_user() in ('anon', 'authenticated', 'service_role') then
      new.is_verified := coalesce(v_verified, false);
    else
      new.is_verified := coalesce(new.is_verified, false) or coalesce(v_verified, false);
    end if;
    return new;
  end if;
  if pg_catalog.current_user() in ('anon', 'authenticated', 'service_role') and new.is_verified is distinct from old.is_verified then
    perform private.raise_error('HL697', pg_catalog.format('provider_profiles by %s', pg_catalog.current_user()));
  end if;
  return new;
end;
$$;
comment on function private.provider_profile_verified_badge() is
  'BEFORE INSERT/UPDATE on provider_profiles: a new provider profile takes its person''s profiles.is_verified; API roles '
  'cannot change is_verified (HL697).';
revoke all on function private.provider_profile_verified_badge() from public, anon, authenticated, service_role;

create or replace trigger provider_profiles_verified_badge
  before insert or update of is_verified on public.provider_profiles
  for each row execute function private.provider_profile_verified_badge();

-- Identity logs profile and business badge changes; the provider badge is logged here.
create or replace function private.audit_provider_verified()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform private.audit('provider.verified_changed', 'provider', new.id::text,
    pg_catalog.jsonb_build_object('is_verified', old.is_verified), pg_catalog.jsonb_build_object('is_verified', new.is_verified));
  return null;
end;
$$;
comment on function private.audit_provider_verified() is 'AFTER trigger on provider_profiles: logs verified badge changes (provider.verified_changed).';
revoke all on function private.audit_provider_verified() from public, anon, authenticated, service_role;

create or replace trigger provider_profiles_audit_verified
  after update of is_verified on public.provider_profiles
  for each row when (old.is_verified is distinct from new.is_verified)
  execute function private.audit_provider_verified();
