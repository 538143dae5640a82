-- Module verification, KYC: the verification-docs bucket's folder rule probed as the owner,
-- another user, an operator and anon; submitting (types, number shapes, documents that must be
-- the caller's own uploads, one pending per subject, business owner only, certifications);
-- decisions by operators with users.verify (wrong actors, reasons, own submission, states),
-- badges set only by a decision (column privileges and the guard against the service role),
-- audit entries and notifications, history and resubmission, revocation, a held payout
-- released by an approval, the operators' queue, and retention with a frozen clock.
begin;
select plan(124);

select tests.create_supabase_user(u)
  from unnest(array['k_ann', 'k_bob', 'k_cust', 'k_mgr', 'k_admin', 'k_mod', 'k_sup', 'k_gone']) u;
select tests.get_supabase_uid('k_ann') as ann, tests.get_supabase_uid('k_bob') as bob,
       tests.get_supabase_uid('k_admin') as admin, tests.get_supabase_uid('k_mod') as mod \gset
insert into public.user_roles (user_id, role) values
  (:'admin', 'admin'), (:'mod', 'moderator'), (tests.get_supabase_uid('k_sup'), 'support');
select tests.create_provider('k_ann', 25.20, 55.27);
select tests.create_business('k_bob', 'Bob Builders', managers => array['k_mgr'],
                             id => 'b0000000-0000-4000-8000-000000001010') as biz \gset
insert into public.businesses (id, owner_id, name, closed_at)
values ('b0000000-0000-4000-8000-000000001011', :'bob', 'Bob Closed', now());
select tests.freeze_time('2030-03-01 09:00+00');
-- Deletes are probed as the Storage API runs them (it allows its own delete statements).
set local storage.allow_delete_query = 'true';

------------------------------------------------------------------------------------------------
-- Registrations
------------------------------------------------------------------------------------------------
select is((select array_agg(role order by role) from public.role_permissions where permission = 'users.verify'),
  array['admin', 'moderator'], 'users.verify: admins and moderators');
select is((select handler from private.storage_buckets where bucket_id = 'verification-docs'),
  'private.verification_doc_folders(text)', 'the verification-docs folder rule is registered');
select is((select array_agg(kind order by kind) from private.notification_types where module = 'verification'),
  array['verification.approved', 'verification.rejected', 'verification.revoked'], 'the notification kinds');
select is((select count(*)::int from private.error_codes where code between 'HL687' and 'HL699'), 13, 'HL687-HL699 are registered');
select ok(exists (select 1 from cron.job where jobname = 'hyperlocal-kyc-retention'), 'the retention job is scheduled');
select is((select position from private.account_deletion_handlers where handler = 'private.delete_account_verification(uuid)'),
  470, 'the account deletion step is registered');

------------------------------------------------------------------------------------------------
-- Storage: owner, other user, operator, anon
------------------------------------------------------------------------------------------------
select tests.authenticate_as('k_ann');
select lives_ok(format($$ select tests.upload('verification-docs', '%s/eid-front.jpg') $$, :'ann'), 'the owner uploads into their folder');
select tests.upload('verification-docs', :'ann' || '/eid-back.jpg');
select tests.upload('verification-docs', :'ann' || '/eid-front-2.jpg');
select tests.upload('verification-docs', :'ann' || '/eid-back-2.jpg');
select tests.upload('verification-docs', :'ann' || '/cert.pdf');
select throws_ok(format($$ select tests.upload('verification-docs', '%s/forged.jpg') $$, :'bob'), '42501', null,
  'nobody uploads into another user''s folder');
select throws_ok($$ select tests.upload('verification-docs', 'loose.jpg') $$, '42501', null, 'nor outside a user folder');
select is((select count(*)::int from storage.objects where bucket_id = 'verification-docs'), 5, 'the owner lists their own uploads');
select is(tests.affected_rows(format($$ update storage.objects set metadata = '{}' where bucket_id = 'verification-docs' and name = '%s/eid-front.jpg' $$, :'ann')),
  0, 'the owner cannot replace an upload');
select is(tests.affected_rows(format($$ delete from storage.objects where bucket_id = 'verification-docs' and name = '%s/eid-front.jpg' $$, :'ann')),
  0, 'the owner cannot delete an upload');
select tests.authenticate_as('k_bob');
select tests.upload('verification-docs', :'bob' || '/licence.pdf');
select tests.upload('verification-docs', :'bob' || '/licence-2.pdf');
select is((select count(*)::int from storage.objects where bucket_id = 'verification-docs' and name ^@ :'ann'), 0,
  'another user does not see the owner''s documents');
select tests.authenticate_as('k_sup');
select is((select count(*)::int from storage.objects where bucket_id = 'verification-docs'), 0,
  'an operator without users.verify (support) reads nothing');
select tests.authenticate_as('k_mod');
select is((select count(*)::int from storage.objects where bucket_id = 'verification-docs'), 7,
  'a moderator (users.verify) reads every document');
select is(tests.affected_rows($$ delete from storage.objects where bucket_id = 'verification-docs' $$), 0, 'operators do not delete documents');
select throws_ok(format($$ select tests.upload('verification-docs', '%s/x.jpg') $$, :'ann'), '42501', null, 'nor upload into a user''s folder');
select tests.clear_authentication();
select is((select count(*)::int from storage.objects where bucket_id = 'verification-docs'), 0, 'anon reads nothing');
select throws_ok(format($$ select tests.upload('verification-docs', '%s/anon.jpg', '%s') $$, :'ann', :'ann'), '42501', null, 'anon uploads nothing');

------------------------------------------------------------------------------------------------
-- Submitting: Emirates ID
------------------------------------------------------------------------------------------------
select tests.authenticate_as('k_ann');
select format('{"id_front": "%s/eid-front.jpg", "id_back": "%s/eid-back.jpg"}', :'ann', :'ann') as ann_docs,
       format('{"id_front": "%s/eid-front-2.jpg", "id_back": "%s/eid-back-2.jpg"}', :'ann', :'ann') as ann_docs2 \gset
select throws_ok(format($$ select public.submit_verification('passport', %L) $$, :'ann_docs'), 'HL687', null, 'unknown type: HL687');
select throws_ok(format($$ select public.submit_verification('emirates_id', %L, '784-1990-123456-1') $$, :'ann_docs'), 'HL688', null,
  'a 14-digit Emirates ID: HL688');
select throws_ok(format($$ select public.submit_verification('emirates_id', %L, '785-1990-1234567-1') $$, :'ann_docs'), 'HL688', null,
  'not starting with 784: HL688');
select throws_ok(format($$ select public.submit_verification('emirates_id', %L, '784-2099-1234567-1') $$, :'ann_docs'), 'HL688', null,
  'a year of birth in the future: HL688');
select throws_ok(format($$ select public.submit_verification('emirates_id', %L) $$, :'ann_docs'), 'HL688', null, 'no number: HL688');
select throws_ok(format($$ select public.submit_verification('emirates_id', %L, '784-1990-1234567-1', p_licence_number => 'X1') $$, :'ann_docs'),
  'HL004', null, 'a field of another type: HL004');
select throws_ok(format($$ select public.submit_verification('emirates_id', '{"id_front": "%s/eid-front.jpg"}', '784-1990-1234567-1') $$, :'ann'),
  'HL690', null, 'a missing document: HL690');
select throws_ok(format($$ select public.submit_verification('emirates_id', '{"id_front": "%s/eid-front.jpg", "id_back": "%s/eid-back.jpg", "selfie": "%s/cert.pdf"}', '784-1990-1234567-1') $$, :'ann', :'ann', :'ann'),
  'HL690', null, 'an extra document: HL690');
select throws_ok(format($$ select public.submit_verification('emirates_id', '{"id_front": "%s/eid-front.jpg", "id_back": "%s/eid-front.jpg"}', '784-1990-1234567-1') $$, :'ann', :'ann'),
  'HL690', null, 'the same upload twice: HL690');
select throws_ok(format($$ select public.submit_verification('emirates_id', '{"id_front": "%s/eid-front.jpg", "id_back": "%s/nothing.jpg"}', '784-1990-1234567-1') $$, :'ann', :'ann'),
  'HL690', null, 'a path with no upload: HL690');
select throws_ok(format($$ select public.submit_verification('emirates_id', '{"id_front": "%s/eid-front.jpg", "id_back": "%s/licence.pdf"}', '784-1990-1234567-1') $$, :'ann', :'bob'),
  'HL690', null, 'another user''s upload: HL690');
select throws_ok(format($$ select public.submit_verification('emirates_id', '{"id_front": "%s/eid-front.jpg", "id_back": 5}', '784-1990-1234567-1') $$, :'ann'),
  'HL690', null, 'a path that is not a string: HL690');
reset role;
select is((select count(*)::int from public.verification_submissions), 0, 'refused submissions write nothing');
select tests.authenticate_as('k_ann');
select ok((select status = 'pending' and emirates_id_number = '784199012345671' and submitted_at = '2030-03-01 09:00+00'
             from public.submit_verification('emirates_id', :'ann_docs', ' 784-1990-1234567-1 ')),
  'the Emirates ID submission is pending, its number stored as 15 digits');
select id as s1 from public.verification_submissions where user_id = :'ann' \gset
select is((select array_agg(kind || '=' || object_path order by kind) from public.verification_documents where submission_id = :'s1'),
  array['id_back=' || :'ann' || '/eid-back.jpg', 'id_front=' || :'ann' || '/eid-front.jpg'], 'its documents are recorded');
select throws_ok(format($$ select public.submit_verification('emirates_id', %L, '784199012345671') $$, :'ann_docs2'), 'HL691', null,
  'one pending submission per person: HL691');
select is((select count(*)::int from public.verification_submissions), 1, 'the submitter reads their submission');

select tests.authenticate_as('k_bob');
select is((select count(*)::int from public.verification_submissions) + (select count(*)::int from public.verification_documents), 0,
  'another user reads no submission or document');
select is((select count(*)::int from public.operator_verification_queue), 0, 'and the queue is empty for them');
select throws_ok(format($$ insert into public.verification_submissions (user_id, type, emirates_id_number) values (%L, 'emirates_id', '784199012345671') $$, :'bob'),
  '42501', null, 'nobody writes submissions directly');
select throws_ok(format($$ update public.verification_submissions set status = 'approved' where id = %L $$, :'s1'),
  '42501', null, 'nor decides by updating them');
select tests.clear_authentication();
select throws_ok($$ select count(*) from public.verification_submissions $$, '42501', null, 'anon reads no submission');
select throws_ok(format($$ select public.submit_verification('emirates_id', %L, '784199012345671') $$, :'ann_docs'), '42501', null,
  'anon cannot submit');

------------------------------------------------------------------------------------------------
-- The queue
------------------------------------------------------------------------------------------------
select tests.freeze_time('2030-03-01 12:30+00');
select tests.authenticate_as('k_mod');
select results_eq($$ select type, age, earlier_rejections, documents ? 'id_front' from public.operator_verification_queue $$,
  $$ values ('emirates_id'::text, interval '3 hours 30 minutes', 0, true) $$, 'the operator''s queue shows the pending submission with its age');

------------------------------------------------------------------------------------------------
-- Decisions: wrong actors, reasons, rejection, resubmission, approval
------------------------------------------------------------------------------------------------
select tests.authenticate_as('k_cust');
select throws_ok(format($$ select public.approve_verification(%L) $$, :'s1'), 'HL002', null, 'a customer cannot approve: HL002');
select tests.authenticate_as('k_sup');
select throws_ok(format($$ select public.reject_verification(%L, 'blurred') $$, :'s1'), 'HL002', null, 'support (no users.verify) cannot decide: HL002');
select tests.authenticate_as('k_ann');
select throws_ok(format($$ select public.approve_verification(%L) $$, :'s1'), 'HL002', null, 'the submitter cannot approve themselves');
select tests.clear_authentication();
select throws_ok(format($$ select public.approve_verification(%L) $$, :'s1'), '42501', null, 'anon cannot decide');
select tests.authenticate_as('k_mod');
select throws_ok(format($$ select public.approve_verification(%L) $$, gen_random_uuid()), 'HL693', null, 'unknown submission: HL693');
select throws_ok(format($$ select public.reject_verification(%L, ' ') $$, :'s1'), 'HL695', null, 'a rejection without a reason: HL695');
select throws_ok(format($$ select public.reject_verification(%L, %L) $$, :'s1', repeat('x', 501)), 'HL695', null, 'a reason over 500 characters: HL695');
select ok((select status = 'rejected' and reason = 'The photo is blurred' and decided_by = auth.uid()
                  and purge_due_at = '2030-03-31 12:30+00'
             from public.reject_verification(:'s1', '  The photo is blurred ')),
  'a moderator rejects with a reason; the documents are due 30 days later');
select throws_ok(format($$ select public.approve_verification(%L) $$, :'s1'), 'HL694', null, 'a decided submission is not decided again: HL694');
select throws_ok(format($$ select public.revoke_verification(%L, 'x y') $$, :'s1'), 'HL694', null, 'only approvals are revoked: HL694');
reset role;
select results_eq(
  format($$ select actor_id, reason, before ->> 'status', after ->> 'status' from public.audit_log where action = 'verification.rejected' and target_id = %L $$, :'s1'),
  format($$ values (%L::uuid, 'The photo is blurred'::text, 'pending'::text, 'rejected'::text) $$, :'mod'),
  'the rejection is audited with the operator and the reason');
select is((select params ->> 'reason' from public.notifications where user_id = :'ann' and kind = 'verification.rejected'),
  'The photo is blurred', 'the submitter is notified with the reason');
select is((select is_verified from public.profiles where id = :'ann'), false, 'a rejection sets no badge');

select tests.authenticate_as('k_ann');
select throws_ok(format($$ select public.submit_verification('emirates_id', %L, '784199012345671') $$, :'ann_docs'), 'HL690', null,
  'a resubmission cannot reuse the rejected submission''s uploads: HL690');
select lives_ok(format($$ select public.submit_verification('emirates_id', %L, '784-1990-1234567-1') $$, :'ann_docs2'),
  'after a rejection the user submits again');
select id as s2 from public.verification_submissions where user_id = :'ann' and status = 'pending' \gset
select tests.authenticate_as('k_mod');
select is((select earlier_rejections from public.operator_verification_queue where submission_id = :'s2'), 1,
  'the queue shows the earlier rejection');

-- An operator cannot decide their own submission.
select tests.authenticate_as('k_admin');
select tests.upload('verification-docs', :'admin' || '/f.jpg');
select tests.upload('verification-docs', :'admin' || '/b.jpg');
select public.submit_verification('emirates_id', format('{"id_front": "%s/f.jpg", "id_back": "%s/b.jpg"}', :'admin', :'admin')::jsonb,
                                  '784-1985-7654321-0');
select throws_ok(format($$ select public.approve_verification(id) from public.verification_submissions where user_id = %L $$, :'admin'),
  'HL696', null, 'an operator cannot decide their own submission: HL696');

-- Approval: badges for the person and their provider profile; audit; notification.
select tests.authenticate_as('k_admin');
select ok((select status = 'approved' and reason = 'checked against the register' and decided_by = auth.uid()
             from public.approve_verification(:'s2', 'checked against the register')),
  'an admin approves');
reset role;
select results_eq(format($$ select p.is_verified, pp.is_verified from public.profiles p join public.provider_profiles pp on pp.id = p.id where p.id = %L $$, :'ann'),
  $$ values (true, true) $$, 'the approval sets the profile''s and the provider''s badges');
select results_eq(
  format($$ select action, reason from public.audit_log where target_id in (%L, %L) and action <> 'verification.rejected' order by id $$, :'s2', :'ann'),
  $$ values ('profile.verified_changed'::text, null::text), ('provider.verified_changed'::text, null::text),
            ('verification.approved'::text, 'checked against the register'::text) $$,
  'the badges and the decision are audited');
select is(tests.notification_count('k_ann', 'verification.approved', 'submission_id', :'s2'), 1, 'the submitter is notified');
select is((select array_agg(status order by submitted_at, id) from public.verification_submissions where user_id = :'ann'),
  array['rejected', 'approved'], 'the history keeps every submission and decision');
select tests.authenticate_as('k_ann');
select throws_ok(format($$ select public.submit_verification('emirates_id', '{"id_front": "%s/cert.pdf", "id_back": "%s/eid-back-2.jpg"}', '784199012345671') $$, :'ann', :'ann'),
  'HL692', null, 'a verified person has nothing to submit: HL692');

------------------------------------------------------------------------------------------------
-- Nobody else sets the badges
------------------------------------------------------------------------------------------------
select ok(not has_column_privilege('authenticated', 'public.profiles', 'is_verified', 'UPDATE')
          and not has_column_privilege('authenticated', 'public.provider_profiles', 'is_verified', 'UPDATE')
          and not has_column_privilege('authenticated', 'public.businesses', 'is_verified', 'UPDATE')
          and not has_column_privilege('authenticated', 'public.businesses', 'is_verified', 'INSERT')
          and not has_column_privilege('authenticated', 'public.provider_certifications', 'verified_at', 'UPDATE')
          and not has_column_privilege('anon', 'public.profiles', 'is_verified', 'UPDATE'),
  'no column grant lets a client write a badge');
select throws_ok(format($$ update public.profiles set is_verified = false where id = %L $$, :'ann'), '42501', null,
  'the user cannot clear (or set) their own badge');
select tests.authenticate_as_service_role();
select throws_ok(format($$ update public.profiles set is_verified = true where id = %L $$, :'bob'), 'HL697', null,
  'the service role cannot set a profile badge: HL697');
select throws_ok(format($$ update public.provider_profiles set is_verified = false where id = %L $$, :'ann'), 'HL697', null,
  'nor a provider badge');
select throws_ok(format($$ update public.businesses set is_verified = true where id = %L $$, :'biz'), 'HL697', null,
  'nor a business badge');
select throws_ok(format($$ insert into public.businesses (owner_id, name, is_verified) values (%L, 'Fake Verified', true) $$, :'bob'), 'HL697', null,
  'nor create a business verified');
select lives_ok(format($$ update public.profiles set bio = 'hello' where id = %L $$, :'bob'), 'the service role still edits other columns');
reset role;
select tests.authenticate_as('k_bob');
select is((public.create_provider_profile('Bob Fixes', 25.21, 55.28)).is_verified, false, 'an unverified person''s provider profile is unverified');
reset role;
select is((select count(*)::int from pg_proc where proname in ('verify_business', 'verify_provider', 'verify_certification')
             and pronamespace = 'public'::regnamespace), 0, 'the old operator badge RPCs are gone');

------------------------------------------------------------------------------------------------
-- Trade licence: the business's owner only
------------------------------------------------------------------------------------------------
select format('{"licence": "%s/licence.pdf"}', :'bob') as bob_docs \gset
select tests.authenticate_as('k_mgr');
select tests.upload('verification-docs', tests.get_supabase_uid('k_mgr') || '/l.pdf');
select throws_ok(format($$ select public.submit_verification('trade_licence', '{"licence": "%s/l.pdf"}', p_business_id => %L, p_licence_number => 'DED-123', p_licence_emirate => 'dubai') $$,
                        tests.get_supabase_uid('k_mgr'), :'biz'), 'HL112', null, 'a manager cannot submit the business''s licence: HL112');
select tests.authenticate_as('k_bob');
select throws_ok(format($$ select public.submit_verification('trade_licence', %L, p_licence_number => 'DED-123', p_licence_emirate => 'dubai') $$, :'bob_docs'),
  'HL110', null, 'no business: HL110');
select throws_ok(format($$ select public.submit_verification('trade_licence', %L, p_business_id => %L, p_licence_number => 'DED-123', p_licence_emirate => 'dubai') $$, :'bob_docs', gen_random_uuid()),
  'HL110', null, 'an unknown business: HL110');
select throws_ok(format($$ select public.submit_verification('trade_licence', %L, p_business_id => 'b0000000-0000-4000-8000-000000001011', p_licence_number => 'DED-123', p_licence_emirate => 'dubai') $$, :'bob_docs'),
  'HL118', null, 'a closed business: HL118');
select throws_ok(format($$ select public.submit_verification('trade_licence', %L, p_business_id => %L, p_licence_number => '<script>', p_licence_emirate => 'dubai') $$, :'bob_docs', :'biz'),
  'HL689', null, 'a malformed licence number: HL689');
select throws_ok(format($$ select public.submit_verification('trade_licence', %L, p_business_id => %L, p_licence_number => 'DED-123', p_licence_emirate => 'doha') $$, :'bob_docs', :'biz'),
  'HL689', null, 'an unknown emirate: HL689');
select throws_ok(format($$ select public.submit_verification('trade_licence', %L, p_business_id => %L, p_licence_number => 'DED-123', p_licence_emirate => 'dubai', p_emirates_id_number => '784199012345671') $$, :'bob_docs', :'biz'),
  'HL004', null, 'an Emirates ID on a licence-only submission: HL004');
select ok((select business_id = :'biz' and licence_number = 'DED-123' and licence_emirate = 'dubai'
             from public.submit_verification('trade_licence', :'bob_docs', p_business_id => :'biz', p_licence_number => 'DED-123',
                                             p_licence_emirate => 'dubai')),
  'the owner submits the business''s trade licence (the submission names the business)');
select id as s_biz from public.verification_submissions where business_id = :'biz' \gset
select throws_ok(format($$ select public.submit_verification('trade_licence', '{"licence": "%s/licence-2.pdf"}', p_business_id => %L, p_licence_number => 'DED-123', p_licence_emirate => 'dubai') $$, :'bob', :'biz'),
  'HL691', null, 'one pending submission per business: HL691');
select tests.authenticate_as('k_mod');
select is((public.approve_verification(:'s_biz')).status, 'approved', 'a moderator approves the licence');
reset role;
select results_eq(format($$ select b.is_verified, p.is_verified from public.businesses b join public.profiles p on p.id = b.owner_id where b.id = %L $$, :'biz'),
  $$ values (true, false) $$, 'the licence verifies the business, not its owner');
select is((select count(*)::int from public.audit_log where action = 'business.verified_changed' and target_id = :'biz'), 1,
  'the business badge change is audited');

------------------------------------------------------------------------------------------------
-- Certifications: private number and document, public verified flag
------------------------------------------------------------------------------------------------
select tests.authenticate_as('k_ann');
insert into public.provider_certifications (provider_id, name, issuer, expires_on) values (auth.uid(), 'Gas safety', 'DEWA', '2031-01-01');
select id as cert from public.provider_certifications where name = 'Gas safety' \gset
select throws_ok(format($$ update public.provider_certifications set verified_at = now() where id = %L $$, :'cert'), '42501', null,
  'a provider cannot mark their certification verified');
select tests.authenticate_as('k_bob');
select throws_ok(format($$ select public.submit_verification('certification', '{"certificate": "%s/licence-2.pdf"}', p_certification_id => %L) $$, :'bob', :'cert'),
  'HL231', null, 'only the certification''s provider submits it: HL231');
select tests.authenticate_as('k_ann');
select throws_ok(format($$ select public.submit_verification('certification', '{"certificate": "%s/cert.pdf"}', p_certification_id => %L, p_certificate_number => %L) $$, :'ann', :'cert', repeat('9', 81)),
  'HL689', null, 'a certificate number over 80 characters: HL689');
select ok((select certificate_number = 'G-77' and certification_snapshot ->> 'name' = 'Gas safety'
             from public.submit_verification('certification', format('{"certificate": "%s/cert.pdf"}', :'ann')::jsonb,
                                             p_certification_id => :'cert', p_certificate_number => 'G-77')),
  'the provider submits the certification with its number and document');
select id as s_cert from public.verification_submissions where certification_id = :'cert' \gset
update public.provider_certifications set expires_on = '2032-01-01' where id = :'cert';
select tests.authenticate_as('k_mod');
select throws_ok(format($$ select public.approve_verification(%L) $$, :'s_cert'), 'HL698', null,
  'a certification changed since it was submitted cannot be approved: HL698');
select lives_ok(format($$ select public.reject_verification(%L, 'The certificate was changed; submit again') $$, :'s_cert'), 'it is rejected instead');
select tests.authenticate_as('k_ann');
select tests.upload('verification-docs', :'ann' || '/cert-2.pdf');
select public.submit_verification('certification', format('{"certificate": "%s/cert-2.pdf"}', :'ann')::jsonb, p_certification_id => :'cert');
select tests.authenticate_as('k_mod');
select lives_ok(format($$ select public.approve_verification(id) from public.verification_submissions where certification_id = %L and status = 'pending' $$, :'cert'),
  'the new submission is approved');
select tests.clear_authentication();
select results_eq(format($$ select name, issuer, verified_at is not null from public.provider_certifications where id = %L $$, :'cert'),
  $$ values ('Gas safety'::text, 'DEWA'::text, true) $$, 'the public sees the certification as verified');
select ok(not exists (select 1 from information_schema.columns where table_schema = 'public' and table_name = 'provider_certifications'
                       and column_name in ('number', 'document_path')), 'the public table has no number or document path');
select throws_ok($$ select certificate_number from public.verification_submissions $$, '42501', null, 'nor can anon read the number elsewhere');
select tests.authenticate_as('k_ann');
update public.provider_certifications set name = 'Gas safety (renewed)' where id = :'cert';
select is((select verified_at from public.provider_certifications where id = :'cert'), null, 'a changed certificate needs verifying again');

------------------------------------------------------------------------------------------------
-- Revocation, and a held payout released by an approval
------------------------------------------------------------------------------------------------
select tests.authenticate_as('k_mod');
select throws_ok(format($$ select public.revoke_verification(%L, '') $$, :'s2'), 'HL695', null, 'a revocation needs a reason');
select is((public.revoke_verification(:'s2', 'The ID was reported stolen')).status, 'revoked', 'an operator revokes an approval');
reset role;
select results_eq(format($$ select p.is_verified, pp.is_verified from public.profiles p join public.provider_profiles pp on pp.id = p.id where p.id = %L $$, :'ann'),
  $$ values (false, false) $$, 'the revocation clears the badges');
select is((select reason from public.audit_log where action = 'verification.revoked' and target_id = :'s2'), 'The ID was reported stolen',
  'the revocation is audited with its reason');
select is(tests.notification_count('k_ann', 'verification.revoked', 'submission_id', :'s2'), 1, 'and notified');

-- Ann's payout is held while she is unverified; an approval releases it.
select tests.unfreeze_time();
select tests.authenticate_as('k_ann');
select (public.prepare_payout_account('local', null)) ->> 'payout_account_id' as acct \gset
reset role;
select tests.authenticate_as_service_role();
select public.apply_account('local', jsonb_build_object('id', 'acct_' || replace(:'acct', '-', ''), 'object', 'account',
  'charges_enabled', true, 'payouts_enabled', true, 'details_submitted', true, 'metadata', jsonb_build_object('hl_payout_account_id', :'acct')));
reset role;
select tests.create_booking('k_cust', 'k_ann', 'completed') as bk \gset
select tests.run_payment_worker();
select tests.freeze_time(now() + interval '2 days 1 minute');
select private.run_payment_timers();
select is((select o.held_reason from public.payouts o join public.payments p on p.id = o.payment_id where p.booking_id = :'bk'),
  'payee_not_verified', 'the unverified provider''s payout is held');
select tests.authenticate_as('k_ann');
select tests.upload('verification-docs', :'ann' || '/eid-front-3.jpg');
select tests.upload('verification-docs', :'ann' || '/eid-back-3.jpg');
select public.submit_verification('emirates_id', format('{"id_front": "%s/eid-front-3.jpg", "id_back": "%s/eid-back-3.jpg"}', :'ann', :'ann')::jsonb,
                                  '784-1990-1234567-1') as s3_row \gset
select tests.authenticate_as('k_mod');
select public.approve_verification(id) from public.verification_submissions where user_id = :'ann' and status = 'pending';
reset role;
select is((select o.status from public.payouts o join public.payments p on p.id = o.payment_id where p.booking_id = :'bk'),
  'pending', 'the approval releases the held payout');

------------------------------------------------------------------------------------------------
-- Retention (frozen clock): numbers masked, documents listed for the Storage API, orphans
------------------------------------------------------------------------------------------------
select tests.freeze_time('2030-03-31 12:29+00');
select tests.authenticate_as_service_role();
select is((select count(*)::int from public.claim_verification_retention(100) c
             where c.document_id in (select id from public.verification_documents where submission_id = :'s1')), 0,
  'nothing of the first rejection is due a minute before its 30 days');
select tests.freeze_time('2030-03-31 12:31+00');
select is((select array_agg(c.object_path order by c.object_path) from public.claim_verification_retention(100) c
             where c.document_id in (select id from public.verification_documents where submission_id = :'s1')),
  array[:'ann' || '/eid-back.jpg', :'ann' || '/eid-front.jpg'], 'after 30 days the rejected submission''s documents are due');
select results_eq(format($$ select emirates_id_number, numbers_masked_at is not null from public.verification_submissions where id = %L $$, :'s1'),
  $$ values ('***********5671'::text, true) $$, 'and its number is masked to the last 4 digits');
select is((select status from public.verification_submissions where id = :'s1'), 'rejected', 'the decision stays');
select throws_ok($$ select public.claim_verification_retention(0) $$, 'HL699', null, 'a batch of 0: HL699');
select throws_ok($$ select public.complete_verification_retention(null) $$, 'HL699', null, 'no paths: HL699');
-- The function removes the objects through the Storage API; here, as the Storage API would.
reset role;
delete from storage.objects where bucket_id = 'verification-docs' and name in (:'ann' || '/eid-back.jpg');
select tests.authenticate_as_service_role();
select is(public.complete_verification_retention(array[:'ann' || '/eid-back.jpg', :'ann' || '/eid-front.jpg']),
  '{"still_present": 1, "documents_removed": 1}'::jsonb, 'only documents whose objects are gone are marked removed');
select is((select array_agg(kind order by kind) from public.verification_documents where submission_id = :'s1' and removed_at is not null),
  array['id_back'], 'the removed document is marked');
reset role;
select tests.authenticate_as('k_ann');
select tests.upload('verification-docs', :'ann' || '/never-submitted.jpg');
reset role;
update storage.objects set created_at = private.now() where name = :'ann' || '/never-submitted.jpg';
select tests.authenticate_as_service_role();
select is((select count(*)::int from public.claim_verification_retention(100) c where c.object_path = :'ann' || '/never-submitted.jpg'), 0,
  'a fresh unreferenced upload is not due');
select tests.freeze_time('2030-04-08 12:31+00');
select is((select count(*)::int from public.claim_verification_retention(100) c where c.object_path = :'ann' || '/never-submitted.jpg' and c.document_id is null), 1,
  'an upload no submission references is due after 7 days');
select tests.authenticate_as('k_ann');
select throws_ok($$ select public.claim_verification_retention(10) $$, '42501', null, 'users cannot run the retention');
select throws_ok($$ select public.complete_verification_retention('{}') $$, '42501', null, 'nor mark documents removed');
reset role;
select is((tests.error_of($$ select public.claim_verification_retention(10) $$)) ->> 'sqlstate', 'HL002',
  'a caller granted EXECUTE but not the service role (here postgres without a JWT) gets HL002');
select isnt(private.dispatch_kyc_retention(), null, 'with objects due, the dispatcher queues the kyc-retention request (pg_net)');
update private.settings set value = 'false' where key = 'verification.retention_dispatch_enabled';
select is(private.dispatch_kyc_retention(), null, 'paused by the setting, it queues nothing');

------------------------------------------------------------------------------------------------
-- Account deletion: pending submissions cancelled, documents due at once, decisions kept
------------------------------------------------------------------------------------------------
select tests.authenticate_as('k_gone');
select tests.upload('verification-docs', tests.get_supabase_uid('k_gone') || '/f.jpg');
select tests.upload('verification-docs', tests.get_supabase_uid('k_gone') || '/b.jpg');
select tests.upload('verification-docs', tests.get_supabase_uid('k_gone') || '/spare.jpg');
select public.submit_verification('emirates_id', format('{"id_front": "%s/f.jpg", "id_back": "%s/b.jpg"}',
  tests.get_supabase_uid('k_gone'), tests.get_supabase_uid('k_gone'))::jsonb, '784-2000-1111111-1');
reset role;
select tests.delete_own_account('k_gone');
select results_eq(format($$ select status, reason, purge_due_at <= private.now() from public.verification_submissions where user_id = %L $$, tests.get_supabase_uid('k_gone')),
  $$ values ('cancelled'::text, 'account deleted'::text, true) $$, 'a deleted account''s pending submission is cancelled and due for removal');
select tests.authenticate_as_service_role();
select is((select count(*)::int from public.claim_verification_retention(100) c where c.object_path ^@ tests.get_supabase_uid('k_gone')::text),
  3, 'its documents and its unreferenced uploads are due at once');
reset role;
select is((select emirates_id_number from public.verification_submissions where user_id = tests.get_supabase_uid('k_gone')), '***********1111',
  'its number is masked');
select is((select count(*)::int from public.verification_submissions where user_id = :'ann'), 5, 'every submission is kept');

select * from finish();
rollback;
