-- Module: verification (KYC: submitting, operators' decisions, the queue, notifications)
-- submit_verification (the user), approve_verification / reject_verification /
-- revoke_verification (operators with users.verify). A decision is the one path that sets or
-- clears the verified badges: emirates_id → profiles.is_verified and the person's
-- provider_profiles.is_verified; trade_licence → businesses.is_verified; both → both;
-- certification → provider_certifications.verified_at/verified_by. Every decision is audited
-- (verification.approved / .rejected / .revoked, with the reason) and notified to the submitter;
-- money's triggers release held payouts when a profile or business becomes verified.

insert into private.notification_types (kind, type_group, module, title_key, body_key, deep_link, params, description) values
  ('verification.approved', 'account', 'verification', 'verification.approved.title', 'verification.approved.body',
   'hyperlocal://account/verification/{submission_id}', array['submission_id', 'type'],
   'An operator approved the user''s verification; the verified badge is on.'),
  ('verification.rejected', 'account', 'verification', 'verification.rejected.title', 'verification.rejected.body',
   'hyperlocal://account/verification/{submission_id}', array['submission_id', 'type', 'reason'],
   'An operator rejected the user''s verification, with the reason; the user may submit again.'),
  ('verification.revoked', 'account', 'verification', 'verification.revoked.title', 'verification.revoked.body',
   'hyperlocal://account/verification/{submission_id}', array['submission_id', 'type', 'reason'],
   'An operator revoked an approved verification, with the reason; the verified badge is off.')
on conflict (kind) do update
  set type_group = excluded.type_group, module = excluded.module, title_key = excluded.title_key,
      body_key = excluded.body_key, deep_link = excluded.deep_link, params = excluded.params,
      description = excluded.description;

insert into private.notification_texts (key, locale, text) values
  ('verification.approved.title', 'en', 'You are verified'),
  ('verification.approved.title', 'ar', 'تم التحقق منك'),
  ('verification.approved.body', 'en', 'Your verification was approved; the verified badge now shows on your profile.'),
  ('verification.approved.body', 'ar', 'تمت الموافقة على التحقق، وتظهر الآن شارة التحقق في ملفك.'),
  ('verification.rejected.title', 'en', 'Verification not approved'),
  ('verification.rejected.title', 'ar', 'لم تتم الموافقة على التحقق'),
  ('verification.rejected.body', 'en', 'Your verification was not approved: {reason}. You can submit again.'),
  ('verification.rejected.body', 'ar', 'لم تتم الموافقة على التحقق: {reason}. يمكنك الإرسال مرة أخرى.'),
  ('verification.revoked.title', 'en', 'Verification withdrawn'),
  ('verification.revoked.title', 'ar', 'تم سحب التحقق'),
  ('verification.revoked.body', 'en', 'Your verified badge was withdrawn: {reason}.'),
  ('verification.revoked.body', 'ar', 'تم سحب شارة التحقق: {reason}.')
on conflict (key, locale) do update set text = excluded.text;

------------------------------------------------------------------------------------------------
-- Submitting
------------------------------------------------------------------------------------------------
-- The documents each type needs (p_documents must have exactly these keys).
create or replace function private.verification_document_kinds(p_type text)
returns text[]
language sql
immutable
set search_path = ''
as $$
  select case p_type
    when 'emirates_id' then array['id_back', 'id_front']
    when 'trade_licence' then array['licence']
    when 'both' then array['id_back', 'id_front', 'licence']
    when 'certification' then array['certificate']
  end;
$$;
comment on function private.verification_document_kinds(text) is
  'The document kinds a verification type needs, sorted: emirates_id id_front+id_back, trade_licence licence, both all three, certification certificate.';
revoke all on function private.verification_document_kinds(text) from public, anon, authenticated, service_role;

-- 784-YYYY-NNNNNNN-N (dashes optional) → 15 digits; HL688 otherwise.
create or replace function private.normalize_emirates_id(p_number text)
returns text
language plpgsql
stable
set search_path = ''
as $$
declare
  v text := pg_catalog.btrim(coalesce(p_number, ''));
  v_year integer;
begin
  if v !~ '^784-?[0-9]{4}-?[0-9]{7}-?[0-9]$' then
    perform private.raise_error('HL688', 'expected 784-YYYY-NNNNNNN-N (15 digits)');
  end if;
  v := pg_catalog.replace(v, '-', '');
  v_year := pg_catalog.substr(v, 4, 4)::integer;
  if v_year < 1900 or v_year > pg_catalog.date_part('year', private.now())::integer then
    perform private.raise_error('HL688', pg_catalog.format('year of birth %s', v_year));
  end if;
  return v;
end;
$$;
comment on function private.normalize_emirates_id(text) is
  'An Emirates ID number (784-YYYY-NNNNNNN-N, dashes optional, YYYY a plausible year of birth) as 15 digits; HL688 otherwise.';
revoke all on function private.normalize_emirates_id(text) from public, anon, authenticated, service_role;

create or replace function public.submit_verification(
  p_type text,
  p_documents jsonb,
  p_emirates_id_number text default null,
  p_business_id uuid default null,
  p_licence_number text default null,
  p_licence_emirate text default null,
  p_certification_id uuid default null,
  p_certificate_number text default null
)
returns public.verification_submissions
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := private.require_uid();
  v_kinds text[] := private.verification_document_kinds(p_type);
  v_person boolean := p_type in ('emirates_id', 'both');
  v_licence boolean := p_type in ('trade_licence', 'both');
  v_eid text;
  v_licence_number text;
  v_certificate_number text;
  v_business public.businesses;
  v_cert public.provider_certifications;
  v_snapshot jsonb;
  v_kind text;
  v_path text;
  v_row public.verification_submissions;
begin
  if exists (select 1 from public.profiles p where p.id = v_uid and p.deleted_at is not null) then
    perform private.raise_error('HL120');
  end if;
  if v_kinds is null then
    perform private.raise_error('HL687', pg_catalog.format('type %L', p_type));
  end if;
  -- Only the fields of the type.
  if (not v_person and p_emirates_id_number is not null)
     or (not v_licence and (p_business_id is not null or p_licence_number is not null or p_licence_emirate is not null))
     or (p_type <> 'certification' and (p_certification_id is not null or p_certificate_number is not null)) then
    perform private.raise_error('HL004', pg_catalog.format('a field that type %s does not take was given', p_type));
  end if;

  if v_person then
    v_eid := private.normalize_emirates_id(p_emirates_id_number);
    if (select p.is_verified from public.profiles p where p.id = v_uid) then
      perform private.raise_error('HL692', 'your identity is verified');
    end if;
    if exists (select 1 from public.verification_submissions s
                where s.user_id = v_uid and s.status = 'pending' and s.type in ('emirates_id', 'both')) then
      perform private.raise_error('HL691', 'your identity');
    end if;
  end if;

  if v_licence then
    if p_business_id is null then
      perform private.raise_error('HL110', 'a trade licence needs p_business_id');
    end if;
    select * into v_business from public.businesses b where b.id = p_business_id;
    if not found then
      perform private.raise_error('HL110', pg_catalog.format('business %s', p_business_id));
    elsif v_business.closed_at is not null then
      perform private.raise_error('HL118');
    elsif v_business.owner_id <> v_uid then
      perform private.raise_error('HL112', 'only the business''s owner submits its trade licence');
    elsif v_business.is_verified then
      perform private.raise_error('HL692', 'the business is verified');
    end if;
    v_licence_number := pg_catalog.btrim(coalesce(p_licence_number, ''));
    if v_licence_number !~ '^[A-Za-z0-9][A-Za-z0-9 ./-]{1,39}$' then
      perform private.raise_error('HL689', 'licence number: 2 to 40 letters, digits, spaces, dots, slashes or dashes');
    end if;
    if p_licence_emirate is null or p_licence_emirate not in ('abu_dhabi', 'dubai', 'sharjah', 'ajman', 'umm_al_quwain',
                                                               'ras_al_khaimah', 'fujairah') then
      perform private.raise_error('HL689', pg_catalog.format('emirate %L', p_licence_emirate));
    end if;
    if exists (select 1 from public.verification_submissions s where s.business_id = p_business_id and s.status = 'pending') then
      perform private.raise_error('HL691', pg_catalog.format('business %s', p_business_id));
    end if;
  end if;

  if p_type = 'certification' then
    select * into v_cert from public.provider_certifications c where c.id = p_certification_id and c.provider_id = v_uid;
    if not found then
      perform private.raise_error('HL231', pg_catalog.format('certification %s of yours', coalesce(p_certification_id::text, 'null')));
    elsif v_cert.verified_at is not null then
      perform private.raise_error('HL692', 'the certification is verified');
    end if;
    if p_certificate_number is not null then
      v_certificate_number := pg_catalog.btrim(p_certificate_number);
      if pg_catalog.char_length(v_certificate_number) not between 1 and 80 then
        perform private.raise_error('HL689', 'certificate number: 1 to 80 characters');
      end if;
    end if;
    if exists (select 1 from public.verification_submissions s where s.certification_id = p_certification_id and s.status = 'pending') then
      perform private.raise_error('HL691', pg_catalog.format('certification %s', p_certification_id));
    end if;
    v_snapshot := pg_catalog.jsonb_build_object('name', v_cert.name, 'issuer', v_cert.issuer, 'expires_on', v_cert.expires_on);
  end if;

  -- Documents: exactly the kinds of the type, each the caller's own upload in their folder,
  -- not used by another submission.
  if p_documents is null or pg_catalog.jsonb_typeof(p_documents) <> 'object'
     or array(select k from pg_catalog.jsonb_object_keys(p_documents) k order by k) <> v_kinds then
    perform private.raise_error('HL690', pg_catalog.format('give exactly %s', pg_catalog.array_to_string(v_kinds, ', ')));
  end if;
  for v_kind, v_path in
    select e.key, case when pg_catalog.jsonb_typeof(e.value) = 'string' then e.value #>> '{}' end
      from pg_catalog.jsonb_each(p_documents) e
  loop
    if v_path is null or not v_path ^@ (v_uid::text || '/') or pg_catalog.char_length(v_path) > 300 then
      perform private.raise_error('HL690', pg_catalog.format('%s: a path in your own folder %s/', v_kind, v_uid));
    end if;
    if not exists (select 1 from storage.objects o
                    where o.bucket_id = 'verification-docs' and o.name = v_path and o.owner_id = v_uid::text) then
      perform private.raise_error('HL690', pg_catalog.format('%s: no upload %s in verification-docs', v_kind, v_path));
    end if;
    if exists (select 1 from public.verification_documents d where d.object_path = v_path) then
      perform private.raise_error('HL690', pg_catalog.format('%s: %s was already submitted; upload it again', v_kind, v_path));
    end if;
  end loop;
  if (select pg_catalog.count(distinct e.value) from pg_catalog.jsonb_each(p_documents) e)
     <> pg_catalog.cardinality(v_kinds) then
    perform private.raise_error('HL690', 'each document is a different upload');
  end if;

  begin
    insert into public.verification_submissions (user_id, type, business_id, certification_id, emirates_id_number,
                                                 licence_number, licence_emirate, certificate_number,
                                                 certification_snapshot, submitted_at)
    values (v_uid, p_type, p_business_id, p_certification_id, v_eid, nullif(v_licence_number, ''),
            case when v_licence then p_licence_emirate end, v_certificate_number, v_snapshot, private.now())
    returning * into v_row;
    insert into public.verification_documents (submission_id, user_id, kind, object_path, created_at)
    select v_row.id, v_uid, e.key, e.value #>> '{}', private.now() from pg_catalog.jsonb_each(p_documents) e;
  exception when unique_violation then
    -- A concurrent submission won the race for the subject or an upload.
    if sqlerrm like '%object_path%' then
      perform private.raise_error('HL690', 'an upload was just submitted by another request');
    end if;
    perform private.raise_error('HL691', 'a submission for this was just made');
  end;
  return v_row;
end;
$$;
comment on function public.submit_verification(text, jsonb, text, uuid, text, text, uuid, text) is
  'Submits verification: p_type emirates_id (p_emirates_id_number 784-YYYY-NNNNNNN-N; documents id_front, id_back), '
  'trade_licence (p_business_id of a business you own, p_licence_number, p_licence_emirate; document licence), both, or '
  'certification (p_certification_id of yours, optional p_certificate_number; document certificate). p_documents maps '
  'each kind to an object you uploaded to verification-docs under <your id>/ (one submission per upload). Errors: HL001, '
  'HL120, HL687, HL004 field of another type, HL688, HL689, HL690, HL110, HL118, HL112 not the owner, HL231, HL692 '
  'already verified, HL691 one pending per subject.';
revoke all on function public.submit_verification(text, jsonb, text, uuid, text, text, uuid, text)
  from public, anon, authenticated, service_role;
grant execute on function public.submit_verification(text, jsonb, text, uuid, text, text, uuid, text) to authenticated;

------------------------------------------------------------------------------------------------
-- Deciding (operators with users.verify)
------------------------------------------------------------------------------------------------
-- The submission to decide, locked, after the common checks (HL001/HL002, HL693, HL696).
create or replace function private.verification_for_decision(p_submission_id uuid)
returns public.verification_submissions
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_operator uuid := private.require_permission('users.verify');
  v_row public.verification_submissions;
begin
  select * into v_row from public.verification_submissions s where s.id = p_submission_id for update;
  if not found then
    perform private.raise_error('HL693', pg_catalog.format('submission %s', coalesce(p_submission_id::text, 'null')));
  end if;
  if v_row.user_id = v_operator then
    perform private.raise_error('HL696');
  end if;
  return v_row;
end;
$$;
comment on function private.verification_for_decision(uuid) is
  'The submission an operator (users.verify) is about to decide, locked: HL001/HL002, HL693 unknown, HL696 own submission.';
revoke all on function private.verification_for_decision(uuid) from public, anon, authenticated, service_role;

create or replace function private.verification_reason(p_reason text, p_required boolean)
returns text
language plpgsql
immutable
set search_path = ''
as $$
declare
  v text := nullif(pg_catalog.btrim(coalesce(p_reason, '')), '');
begin
  if (p_required and (v is null or pg_catalog.char_length(v) < 2)) or pg_catalog.char_length(v) > 500 then
    perform private.raise_error('HL695', case when p_required then 'give a reason of 2 to 500 characters' else 'at most 500 characters' end);
  end if;
  return v;
end;
$$;
comment on function private.verification_reason(text, boolean) is 'A decision''s reason, trimmed: required (2-500 characters) or optional (at most 500); HL695.';
revoke all on function private.verification_reason(text, boolean) from public, anon, authenticated, service_role;

-- Sets (or clears) the badges a submission stands for. HL698 when its subject is gone or changed.
create or replace function private.apply_verification_badges(p_row public.verification_submissions, p_verified boolean)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_cert public.provider_certifications;
begin
  if p_row.type in ('emirates_id', 'both') then
    if p_verified and exists (select 1 from public.profiles p where p.id = p_row.user_id and p.deleted_at is not null) then
      perform private.raise_error('HL698', 'the account was deleted');
    end if;
    update public.profiles set is_verified = p_verified where id = p_row.user_id and is_verified <> p_verified;
    update public.provider_profiles set is_verified = p_verified where id = p_row.user_id and is_verified <> p_verified;
  end if;
  if p_row.type in ('trade_licence', 'both') then
    if p_verified and (p_row.business_id is null
                       or exists (select 1 from public.businesses b where b.id = p_row.business_id and b.closed_at is not null)) then
      perform private.raise_error('HL698', 'the business was deleted or closed');
    end if;
    update public.businesses set is_verified = p_verified where id = p_row.business_id and is_verified <> p_verified;
  end if;
  if p_row.type = 'certification' then
    select * into v_cert from public.provider_certifications c where c.id = p_row.certification_id;
    if p_verified then
      if not found then
        perform private.raise_error('HL698', 'the certification was deleted');
      elsif pg_catalog.jsonb_build_object('name', v_cert.name, 'issuer', v_cert.issuer, 'expires_on', v_cert.expires_on)
            <> p_row.certification_snapshot then
        perform private.raise_error('HL698', 'the certification was changed since it was submitted');
      end if;
      update public.provider_certifications
         set verified_at = private.now(), verified_by = (select auth.uid())
       where id = p_row.certification_id;
    elsif found and v_cert.verified_at is not null then
      update public.provider_certifications set verified_at = null, verified_by = null where id = p_row.certification_id;
    end if;
  end if;
end;
$$;
comment on function private.apply_verification_badges(public.verification_submissions, boolean) is
  'Sets or clears what a submission verifies: emirates_id → profiles and provider_profiles.is_verified; trade_licence → '
  'businesses.is_verified; both → both; certification → verified_at/verified_by. HL698 when approving a deleted account, '
  'a deleted or closed business, or a deleted or changed certification.';
revoke all on function private.apply_verification_badges(public.verification_submissions, boolean)
  from public, anon, authenticated, service_role;

create or replace function private.verification_summary(p_row public.verification_submissions)
returns jsonb
language sql
immutable
set search_path = ''
as $$
  select pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
    'status', p_row.status, 'type', p_row.type, 'user_id', p_row.user_id, 'business_id', p_row.business_id,
    'certification_id', p_row.certification_id, 'decided_by', p_row.decided_by, 'revoked_by', p_row.revoked_by));
$$;
comment on function private.verification_summary(public.verification_submissions) is
  'What the audit log keeps of a submission (no numbers): status, type, subject ids, deciding operator.';
revoke all on function private.verification_summary(public.verification_submissions) from public, anon, authenticated, service_role;

create or replace function public.approve_verification(p_submission_id uuid, p_note text default null)
returns public.verification_submissions
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_row public.verification_submissions := private.verification_for_decision(p_submission_id);
  v_before jsonb := private.verification_summary(v_row);
  v_note text := private.verification_reason(p_note, false);
begin
  if v_row.status <> 'pending' then
    perform private.raise_error('HL694', pg_catalog.format('the submission is %s', v_row.status));
  end if;
  perform private.apply_verification_badges(v_row, true);
  update public.verification_submissions
     set status = 'approved', decided_at = private.now(), decided_by = (select auth.uid()), reason = v_note,
         purge_due_at = private.now() + (private.setting('verification.document_retention') #>> '{}')::interval
   where id = v_row.id
  returning * into v_row;
  perform private.audit('verification.approved', 'verification_submission', v_row.id::text, v_before,
                        private.verification_summary(v_row), v_note);
  perform private.notify(v_row.user_id, 'verification.approved',
                         pg_catalog.jsonb_build_object('submission_id', v_row.id, 'type', v_row.type));
  return v_row;
end;
$$;
comment on function public.approve_verification(uuid, text) is
  'Operators (users.verify): approves a pending submission with an optional note, sets its badges (HL698 when its subject '
  'is gone or changed), schedules its documents'' removal, audits verification.approved and notifies the submitter. '
  'Errors: HL001, HL002, HL693, HL696 own submission, HL694 not pending, HL695, HL698.';
revoke all on function public.approve_verification(uuid, text) from public, anon, authenticated, service_role;
grant execute on function public.approve_verification(uuid, text) to authenticated;

create or replace function public.reject_verification(p_submission_id uuid, p_reason text)
returns public.verification_submissions
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_row public.verification_submissions := private.verification_for_decision(p_submission_id);
  v_before jsonb := private.verification_summary(v_row);
  v_reason text := private.verification_reason(p_reason, true);
begin
  if v_row.status <> 'pending' then
    perform private.raise_error('HL694', pg_catalog.format('the submission is %s', v_row.status));
  end if;
  update public.verification_submissions
     set status = 'rejected', decided_at = private.now(), decided_by = (select auth.uid()), reason = v_reason,
         purge_due_at = private.now() + (private.setting('verification.document_retention') #>> '{}')::interval
   where id = v_row.id
  returning * into v_row;
  perform private.audit('verification.rejected', 'verification_submission', v_row.id::text, v_before,
                        private.verification_summary(v_row), v_reason);
  perform private.notify(v_row.user_id, 'verification.rejected',
                         pg_catalog.jsonb_build_object('submission_id', v_row.id, 'type', v_row.type, 'reason', v_reason));
  return v_row;
end;
$$;
comment on function public.reject_verification(uuid, text) is
  'Operators (users.verify): rejects a pending submission with a reason (the user may submit again), schedules its '
  'documents'' removal, audits verification.rejected and notifies the submitter with the reason. Errors: HL001, HL002, '
  'HL693, HL696, HL694 not pending, HL695 no reason.';
revoke all on function public.reject_verification(uuid, text) from public, anon, authenticated, service_role;
grant execute on function public.reject_verification(uuid, text) to authenticated;

create or replace function public.revoke_verification(p_submission_id uuid, p_reason text)
returns public.verification_submissions
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_row public.verification_submissions := private.verification_for_decision(p_submission_id);
  v_before jsonb := private.verification_summary(v_row);
  v_reason text := private.verification_reason(p_reason, true);
begin
  if v_row.status <> 'approved' then
    perform private.raise_error('HL694', pg_catalog.format('only approved submissions are revoked; this one is %s', v_row.status));
  end if;
  perform private.apply_verification_badges(v_row, false);
  update public.verification_submissions
     set status = 'revoked', revoked_at = private.now(), revoked_by = (select auth.uid()), reason = v_reason
   where id = v_row.id
  returning * into v_row;
  perform private.audit('verification.revoked', 'verification_submission', v_row.id::text, v_before,
                        private.verification_summary(v_row), v_reason);
  perform private.notify(v_row.user_id, 'verification.revoked',
                         pg_catalog.jsonb_build_object('submission_id', v_row.id, 'type', v_row.type, 'reason', v_reason));
  return v_row;
end;
$$;
comment on function public.revoke_verification(uuid, text) is
  'Operators (users.verify): withdraws an approved verification with a reason: clears its badges (payouts are held again), '
  'audits verification.revoked and notifies the submitter, who may submit again. Errors: HL001, HL002, HL693, HL696, '
  'HL694 not approved, HL695 no reason.';
revoke all on function public.revoke_verification(uuid, text) from public, anon, authenticated, service_role;
grant execute on function public.revoke_verification(uuid, text) to authenticated;

------------------------------------------------------------------------------------------------
-- The operators' queue
------------------------------------------------------------------------------------------------
create or replace view public.operator_verification_queue
with (security_invoker = true)
as
select s.id as submission_id,
       s.type,
       s.user_id,
       p.username,
       p.full_name,
       s.business_id,
       b.name as business_name,
       s.certification_id,
       c.name as certification_name,
       s.emirates_id_number,
       s.licence_number,
       s.licence_emirate,
       s.certificate_number,
       (select pg_catalog.jsonb_object_agg(d.kind, d.object_path) from public.verification_documents d
         where d.submission_id = s.id) as documents,
       (select pg_catalog.count(*)::integer from public.verification_submissions r
         where r.user_id = s.user_id and r.type = s.type and r.status = 'rejected') as earlier_rejections,
       s.submitted_at,
       private.now() - s.submitted_at as age
  from public.verification_submissions s
  left join public.profiles p on p.id = s.user_id
  left join public.businesses b on b.id = s.business_id
  left join public.provider_certifications c on c.id = s.certification_id
 where s.status = 'pending'
   and ((select private.authorize('users.verify')) or (select auth.uid()) is null)
 order by s.submitted_at, s.id;
comment on view public.operator_verification_queue is
  'Operators (users.verify): pending verification submissions, oldest first, with their age, the numbers, the document '
  'paths (verification-docs; sign or download them with the Storage API) and how often the user was rejected before. '
  'Empty for other users; Studio and the service role see every row.';
revoke all on public.operator_verification_queue from public, anon, authenticated, service_role;
grant select on public.operator_verification_queue to authenticated, service_role;
