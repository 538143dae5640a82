-- Cross-module gaps: account deletion in the catalog and jobs, closed businesses, jobs that follow
-- their bookings, stalled bookings, business staff without the money, retired duplicate codes.
begin;
select plan(124);

------------------------------------------------------------------------------------------------
-- Helpers
------------------------------------------------------------------------------------------------
-- Ids shared with every role (deleted accounts lose the test identifier kept in their metadata).
create function pg_temp.id(name text) returns uuid language sql stable as $$ select current_setting('xm.' || name)::uuid $$;
create function pg_temp.keep(name text, value uuid) returns uuid language sql as $$ select set_config('xm.' || name, value::text, true)::uuid $$;
-- Rows a statement touched as the current role (0 = filtered out by RLS).
create function pg_temp.affected(q text) returns integer language plpgsql as $$
declare n integer;
begin
  execute q;
  get diagnostics n = row_count;
  return n;
end $$;
-- Acts as a user id with an access token that is still valid (also after the account is deleted).
create function pg_temp.act_as(p_id uuid) returns void language plpgsql as $$
begin
  perform set_config('role', 'authenticated', true);
  perform set_config('request.jwt.claims',
    jsonb_build_object('sub', p_id, 'role', 'authenticated', 'aud', 'authenticated', 'is_anonymous', false)::text, true);
end $$;
create function pg_temp.as_postgres() returns void language plpgsql as $$
begin
  perform set_config('role', 'postgres', true);
  perform set_config('request.jwt.claims', '', true);
end $$;
grant execute on function pg_temp.id(text), pg_temp.keep(text, uuid), pg_temp.affected(text), pg_temp.act_as(uuid), pg_temp.as_postgres()
  to anon, authenticated, service_role;

-- Monday 2030-06-03 10:00 in Dubai.
select tests.freeze_time('2030-06-03 06:00+00');

insert into public.categories (id, slug, names) values
  ('c7000000-0000-4000-8000-000000000001', 'xm-repairs', '{"en": "Repairs", "ar": "تصليح"}');

-- A provider with one instant listing (media and cover), open all week, in Dubai Marina unless
-- placed elsewhere; matching notifies providers near the jobs below.
create function pg_temp.provider(ident text, p_lng float8 default 55.14, p_lat float8 default 25.08) returns uuid language plpgsql as $$
declare v uuid := tests.create_supabase_user(ident);
begin
  insert into public.provider_profiles (id, display_name, business_name, description, skills, base_location, is_available)
  values (v, ident || ' Pro', ident || ' LLC', 'About ' || ident, array['pipes', 'taps'],
          extensions.st_setsrid(extensions.st_makepoint(p_lng, p_lat), 4326)::extensions.geography, true);
  insert into public.service_listings (provider_id, category_id, title, pricing_unit, base_price, duration_minutes,
                                       media_paths, cover_image_path, booking_mode)
  values (v, 'c7000000-0000-4000-8000-000000000001', ident || ' service', 'fixed', 10000, 60,
          array[v::text || '/1.jpg'], v::text || '/cover.jpg', 'instant');
  insert into public.availability_rules (provider_id, weekday, start_time, end_time)
  select v, d, '00:00', '24:00' from generate_series(0, 6) d;
  return pg_temp.keep(ident, v);
end $$;

select pg_temp.provider('x_pa');
select pg_temp.provider('x_pb');
select pg_temp.provider('x_pc');
select pg_temp.provider('x_pleaver');
select pg_temp.provider('x_pmem');
-- Far away (London): never matched to the jobs below, so nothing but its own data points at it.
select pg_temp.provider('x_psolo', -0.12, 51.5);
select pg_temp.provider('x_pghost', -0.12, 51.5);
select pg_temp.keep(u, tests.create_supabase_user(u))
  from unnest(array['x_c1', 'x_c2', 'x_cother', 'x_cleaver', 'x_mgr', 'x_staff', 'x_op', 'x_owner2']) u;
insert into public.user_roles (user_id, role) values (pg_temp.id('x_op'), 'support'), (pg_temp.id('x_op'), 'admin');
update public.profile_private set phone = '+971500000777' where profile_id = pg_temp.id('x_cother');

-- x_pa runs "X Co" with a manager and staff, and works for it.
insert into public.businesses (id, owner_id, name) values ('b7000000-0000-4000-8000-000000000001', pg_temp.id('x_pa'), 'X Co');
insert into public.business_members (business_id, user_id, role) values
  ('b7000000-0000-4000-8000-000000000001', pg_temp.id('x_mgr'), 'manager'),
  ('b7000000-0000-4000-8000-000000000001', pg_temp.id('x_staff'), 'staff');
update public.provider_profiles set business_id = 'b7000000-0000-4000-8000-000000000001' where id = pg_temp.id('x_pa');

-- Jobs and offers through the RPCs, as the apps use them.
create function pg_temp.job(ident text, p_customer text, p_window tstzrange default null) returns uuid language plpgsql as $$
declare v uuid;
begin
  perform tests.authenticate_as(p_customer);
  v := (public.post_job(p_category_id => 'c7000000-0000-4000-8000-000000000001', p_title => 'Fix ' || ident,
          p_lat => 25.08, p_lng => 55.14, p_duration_minutes => 60, p_description => 'Details of ' || ident,
          p_address => 'Villa 9, Marina', p_fixed_budget => 20000, p_asap => p_window is null,
          p_preferred_start => lower(p_window), p_preferred_end => upper(p_window))).id;
  perform pg_temp.as_postgres();
  return pg_temp.keep(ident, v);
end $$;
create function pg_temp.offer(ident text, p_job text, p_provider text, p_start timestamptz) returns uuid language plpgsql as $$
declare v uuid;
begin
  perform tests.authenticate_as(p_provider);
  v := (public.make_offer(pg_temp.id(p_job), 15000, p_start, 60)).id;
  perform pg_temp.as_postgres();
  return pg_temp.keep(ident, v);
end $$;
create function pg_temp.accept(ident text, p_offer text, p_customer text) returns uuid language plpgsql as $$
declare v uuid;
begin
  perform tests.authenticate_as(p_customer);
  v := (public.accept_offer(pg_temp.id(p_offer))).id;
  perform pg_temp.as_postgres();
  return pg_temp.keep(ident, v);
end $$;
-- A transition as a fixture (as the given actor, bypassing the RPCs).
create function pg_temp.fx(p_booking uuid, p_transition text, p_actor text) returns void language plpgsql as $$
begin
  perform private.apply_booking_transition(p_booking, p_transition, p_actor, null,
    case when p_transition in ('cancel', 'dispute', 'resolve') then 'fixture' end, '{"fixture": true}', p_transition = 'start');
end $$;
create function pg_temp.notes(p_user text, p_kind text, p_key text, p_value uuid) returns integer language sql as $$
  select count(*)::int from public.notifications n
   where n.user_id = pg_temp.id(p_user) and n.kind = p_kind and n.payload ->> p_key = p_value::text;
$$;

------------------------------------------------------------------------------------------------
-- 1. Account deletion in the catalog
------------------------------------------------------------------------------------------------
select results_eq(
  $$ select module, position from private.account_deletion_handlers
      where handler in ('private.delete_account_catalog(uuid)', 'private.delete_account_jobs(uuid)') order by position $$,
  $$ values ('jobs'::text, 300), ('catalog'::text, 700) $$,
  'jobs (300) and catalog (700) register account deletion handlers between 200 and 900');

-- x_pleaver: certifications, time off, favorites both ways, an accepted job booking and a live offer.
insert into public.provider_certifications (provider_id, name, issuer, number, document_path)
values (pg_temp.id('x_pleaver'), 'Gas safety', 'DEWA', 'G-1', 'x/cert.pdf');
insert into public.provider_time_off (provider_id, period, reason)
values (pg_temp.id('x_pleaver'), '[2030-07-01 00:00+00, 2030-07-02 00:00+00)', 'Wedding');
insert into public.favorites (user_id, provider_id) values
  (pg_temp.id('x_c1'), pg_temp.id('x_pleaver')),
  (pg_temp.id('x_pleaver'), pg_temp.id('x_pb'));
select pg_temp.job('j6', 'x_cother');
select pg_temp.offer('o6', 'j6', 'x_pleaver', '2030-06-08 06:00+00');
select pg_temp.accept('b6', 'o6', 'x_cother');
select pg_temp.job('j7', 'x_c1');
select pg_temp.offer('o7', 'j7', 'x_pleaver', '2030-06-09 06:00+00');

select tests.clear_authentication();
select is((select count(*)::int from public.provider_profiles where id = pg_temp.id('x_pleaver')), 1,
  'before deletion the provider is public');
select pg_temp.act_as(pg_temp.id('x_pleaver'));
select lives_ok($$ select public.delete_my_account() $$, 'a provider with bookings and offers deletes their account');
-- The token is still valid until it expires: it cannot put anything back.
select is(pg_temp.affected($$ update public.provider_profiles set display_name = 'Back again', is_available = true where id = auth.uid() $$), 0,
  'a deleted account cannot edit its provider profile');
select is(pg_temp.affected($$ delete from public.provider_profiles where id = auth.uid() $$), 0,
  'nor delete it');
select throws_ok($$ update public.service_listings set is_active = true where provider_id = auth.uid() $$, 'HL120', null,
  'nor reactivate a listing (HL120)');
select throws_ok($$ insert into public.service_listings (provider_id, category_id, title, pricing_unit, base_price)
                    values (auth.uid(), 'c7000000-0000-4000-8000-000000000001', 'Ghost listing', 'fixed', 100) $$, 'HL120', null,
  'nor add a listing (HL120)');
select throws_ok($$ insert into public.availability_rules (provider_id, weekday, start_time, end_time) values (auth.uid(), 1, '09:00', '10:00') $$,
  'HL120', null, 'nor add availability (HL120)');
select throws_ok(format($$ select public.make_offer(%L, 15000, '2030-06-10 06:00+00', 60) $$, pg_temp.id('j7')), 'HL120', null,
  'nor make offers (HL120)');
select pg_temp.as_postgres();

select ok((select display_name = 'Deleted provider' and business_name is null and description is null and skills = '{}'
                  and not is_available and business_id is null and deleted_at = '2030-06-03 06:00+00'
                  and completed_jobs = 0 and rating_count = 0
             from public.provider_profiles where id = pg_temp.id('x_pleaver')),
  'a provider profile that bookings point at is kept, anonymised and marked deleted');
select results_eq($$ select count(*)::int, bool_and(not is_active), bool_and(media_paths = '{}'), bool_and(cover_image_path is null)
                      from public.service_listings where provider_id = pg_temp.id('x_pleaver') $$,
  $$ values (1, true, true, true) $$, 'its listings stay (bookings point at them), inactive and without media');
select is((select count(*)::int from public.availability_rules where provider_id = pg_temp.id('x_pleaver'))
          + (select count(*)::int from public.provider_time_off where provider_id = pg_temp.id('x_pleaver'))
          + (select count(*)::int from public.provider_certifications where provider_id = pg_temp.id('x_pleaver')), 0,
  'availability rules, time off and certifications are deleted');
select is((select count(*)::int from public.favorites where user_id = pg_temp.id('x_pleaver') or provider_id = pg_temp.id('x_pleaver')), 0,
  'their favorites, and others'' favorites of them, are deleted');
select is((select count(*)::int from private.account_deletions
            where user_id = pg_temp.id('x_pleaver')
              and handlers @> array['private.delete_account_jobs(uuid)', 'private.delete_account_catalog(uuid)']), 1,
  'the deletion ran the jobs and catalog steps');

select tests.clear_authentication();
select results_eq($$ select display_name, is_available, description from public.provider_profiles where id = pg_temp.id('x_pleaver') $$,
  $$ values ('Deleted provider'::text, false, null::text) $$,
  'anon sees only the anonymised provider (the public policy stays `true` so spatial indexes work under RLS)');
select is((select count(*)::int from public.service_listings where provider_id = pg_temp.id('x_pleaver')), 0,
  'nor their listings');
select tests.authenticate_as('x_c2');
select is((select display_name from public.provider_profiles where id = pg_temp.id('x_pleaver')), 'Deleted provider',
  'signed-in users see only the anonymised provider');
select is((select count(*)::int from public.service_listings where provider_id = pg_temp.id('x_pleaver')), 0,
  'nor their listings');
select isnt_empty($$ select 1 from public.provider_profiles where id = pg_temp.id('x_pa') $$, 'other providers stay public');
select throws_ok($$ insert into public.favorites (user_id, provider_id) values (auth.uid(), pg_temp.id('x_pleaver')) $$, 'HL220', null,
  'a deleted provider cannot be saved as a favorite (HL220)');
select tests.authenticate_as('x_cother');
select is((public.get_booking(pg_temp.id('b6'))) #>> '{provider,display_name}', 'Deleted provider',
  'the customer''s booking still names the (anonymised) provider');
select pg_temp.as_postgres();

-- Jobs step: the live offer was withdrawn; the job booked with them reopened (section 3).
select is((select status from public.job_offers where id = pg_temp.id('o7')), 'withdrawn', 'the deleted provider''s live offer is withdrawn');
select results_eq($$ select action, actor_role, message from public.job_offer_events where offer_id = pg_temp.id('o7') and action = 'withdraw' $$,
  $$ values ('withdraw'::text, 'system'::text, 'account_deleted'::text) $$, 'by the system, on the offer''s timeline');
select is(pg_temp.notes('x_c1', 'offer.withdrawn', 'offer_id', pg_temp.id('o7')), 1, 'and the customer is told');
select results_eq($$ select status, cancelled_by, cancel_reason from public.bookings where id = pg_temp.id('b6') $$,
  $$ values ('cancelled'::text, 'system'::text, 'account_deleted'::text) $$, 'the booking with the deleted provider is cancelled by the system');
select results_eq($$ select status, booking_id, reopen_count from public.job_requests where id = pg_temp.id('j6') $$,
  $$ values ('open'::text, null::uuid, 1) $$, 'and its job reopens for other providers');

-- x_psolo: nothing points at it: the provider profile goes entirely.
insert into public.businesses (id, owner_id, name, description) values
  ('b7000000-0000-4000-8000-000000000002', pg_temp.id('x_psolo'), 'Solo Co', 'Call 050 123 4567');
select tests.authenticate_as('x_psolo');
select is((public.set_provider_business(auth.uid(), 'b7000000-0000-4000-8000-000000000002')).business_id,
  'b7000000-0000-4000-8000-000000000002'::uuid, 'a sole owner attaches their own provider profile to their business');
select lives_ok($$ select public.delete_my_account() $$, 'a provider nothing points at deletes their account');
-- (section 2 continues with this still-valid token)
select is(pg_temp.affected($$ update public.businesses set name = 'Solo Again' where id = 'b7000000-0000-4000-8000-000000000002' $$), 0,
  'the deleted owner cannot rename the closed business');
select is(pg_temp.affected($$ delete from public.businesses where id = 'b7000000-0000-4000-8000-000000000002' $$), 0,
  'nor delete the row records point at');
select pg_temp.as_postgres();
select is((select count(*)::int from public.provider_profiles where id = pg_temp.id('x_psolo')), 0,
  'an unreferenced provider profile is deleted outright');
select is((select count(*)::int from public.service_listings where provider_id = pg_temp.id('x_psolo'))
          + (select count(*)::int from public.availability_rules where provider_id = pg_temp.id('x_psolo')), 0,
  'with its listings and availability');
select is((select is_provider from public.profiles where id = pg_temp.id('x_psolo')), false, 'the account is no longer a provider');

-- Any path that marks an account deleted takes the provider out of service and hides its listings at once.
update public.profiles set deleted_at = '2030-06-03 06:00+00' where id = pg_temp.id('x_pghost');
select results_eq($$ select deleted_at, is_available from public.provider_profiles where id = pg_temp.id('x_pghost') $$,
  $$ values ('2030-06-03 06:00+00'::timestamptz, false) $$, 'profiles.deleted_at marks the provider profile deleted');
select tests.clear_authentication();
select is((select count(*)::int from public.service_listings where provider_id = pg_temp.id('x_pghost')), 0,
  'and hides its listings from catalog reads');
select pg_temp.as_postgres();
select throws_ok($$ update public.service_listings set is_active = true where provider_id = pg_temp.id('x_pghost') $$, 'HL120', null,
  'not even a back end reactivates a deleted provider''s listing');
select lives_ok($$ update public.service_listings set title = 'Retired service' where provider_id = pg_temp.id('x_pghost') $$,
  'inactive listings can still be maintained');

-- A provider profile that records point at cannot be deleted directly (offers and matches would cascade).
select tests.authenticate_as('x_pc');
select throws_ok($$ delete from public.provider_profiles where id = auth.uid() $$, 'HL005', null,
  'a provider with job matches or offers cannot delete their provider profile (HL005)');
select pg_temp.as_postgres();
select is((select count(*)::int from public.provider_profiles where id = pg_temp.id('x_pc')), 1, 'and it stays');

------------------------------------------------------------------------------------------------
-- 2. Closed businesses
------------------------------------------------------------------------------------------------
select ok((select closed_at is not null and name = 'Closed business' and description is null
             from public.businesses where id = 'b7000000-0000-4000-8000-000000000002'),
  'a sole owner''s account deletion closed and anonymised their business');
select tests.clear_authentication();
select is((select name from public.businesses where id = 'b7000000-0000-4000-8000-000000000002'), 'Closed business',
  'the closed business stays readable (bookings point at it), marked by closed_at');
select pg_temp.as_postgres();

-- Shut Co: x_pmem works for it; it closes.
insert into public.businesses (id, owner_id, name) values ('b7000000-0000-4000-8000-000000000003', pg_temp.id('x_owner2'), 'Shut Co');
select tests.authenticate_as('x_owner2');
select public.add_business_member('b7000000-0000-4000-8000-000000000003', pg_temp.id('x_pmem'), null, 'staff');
select is((public.set_provider_business(pg_temp.id('x_pmem'), 'b7000000-0000-4000-8000-000000000003')).business_id,
  'b7000000-0000-4000-8000-000000000003'::uuid, 'the owner attaches a member''s provider profile');
select pg_temp.as_postgres();
update public.businesses set closed_at = private.now() where id = 'b7000000-0000-4000-8000-000000000003';
select is((select business_id from public.provider_profiles where id = pg_temp.id('x_pmem')), null::uuid,
  'closing a business detaches its providers');
select tests.authenticate_as('x_owner2');
select throws_ok($$ select public.set_provider_business(pg_temp.id('x_pmem'), 'b7000000-0000-4000-8000-000000000003') $$, 'HL118', null,
  'a closed business takes no providers (HL118)');
select throws_ok($$ select public.set_provider_business(pg_temp.id('x_pmem'), gen_random_uuid()) $$, 'HL110', null,
  'an unknown business is HL110');
select is(pg_temp.affected($$ update public.businesses set name = 'Open Again' where id = 'b7000000-0000-4000-8000-000000000003' $$), 0,
  'the owner cannot edit a closed business');
select tests.authenticate_as('x_pmem');
select is((public.set_provider_business(auth.uid(), null)).business_id, null::uuid, 'a provider can still detach (a no-op here)');
select pg_temp.as_postgres();

------------------------------------------------------------------------------------------------
-- 3. Jobs follow their bookings
------------------------------------------------------------------------------------------------
-- (a) The provider cancels: the job reopens; offers stay closed; the customer and the other
-- offerers hear about it; it can be booked again.
select pg_temp.job('j1', 'x_c1');
select pg_temp.offer('o1a', 'j1', 'x_pa', '2030-06-06 06:00+00');
select pg_temp.offer('o1b', 'j1', 'x_pb', '2030-06-06 08:00+00');
select pg_temp.accept('b1', 'o1a', 'x_c1');
select results_eq($$ select status, booking_id from public.job_requests where id = pg_temp.id('j1') $$,
  $$ values ('assigned'::text, pg_temp.id('b1')) $$, 'accepting assigns the job');
-- Two providers join nearby after the job was posted: the reopened job is matched again, at most
-- jobs.match_limit (1 here) new providers.
select (select notified_count from public.job_requests where id = pg_temp.id('j1')) as j1_notified \gset
select pg_temp.provider('x_pnew1');
select pg_temp.provider('x_pnew2');
update private.settings set value = '1' where key = 'jobs.match_limit';
select tests.freeze_time('2030-06-03 07:00+00');
select tests.authenticate_as('x_pa');
select lives_ok($$ select public.transition_booking(pg_temp.id('b1'), 'cancel', 'Van broke down') $$, 'the provider cancels the booking');
select pg_temp.as_postgres();
update private.settings set value = '10' where key = 'jobs.match_limit';
select is(pg_temp.notes('x_pnew1', 'job.matched', 'job_id', pg_temp.id('j1')) + pg_temp.notes('x_pnew2', 'job.matched', 'job_id', pg_temp.id('j1')), 1,
  'the reopened job is matched again: a provider not notified before gets job.matched (jobs.match_limit applies to the new ones)');
select results_eq($$ select count(*)::int, min(rank) from public.job_matches
                      where job_id = pg_temp.id('j1') and provider_id in (pg_temp.id('x_pnew1'), pg_temp.id('x_pnew2')) and source = 'matched' $$,
  $$ values (1, 1) $$, 'and is recorded in job_matches');
select is((select notified_count from public.job_requests where id = pg_temp.id('j1')), :j1_notified + 1, 'notified_count counts the new one');
select is((select count(*)::int from public.notifications where kind = 'job.matched' and payload ->> 'job_id' = pg_temp.id('j1')::text
              and user_id in (pg_temp.id('x_pa'), pg_temp.id('x_pb'), pg_temp.id('x_pc'))), 3,
  'providers notified when the job was posted are not notified twice');
update public.provider_profiles set is_available = false where id in (pg_temp.id('x_pnew1'), pg_temp.id('x_pnew2'));
select is(private.match_job(pg_temp.id('j1')), 0, 'matching again without a new provider in range notifies nobody');
select results_eq($$ select provider_id, booking_id from private.job_exclusions where job_id = pg_temp.id('j1') $$,
  $$ values (pg_temp.id('x_pa'), pg_temp.id('b1')) $$, 'the provider who cancelled is excluded from the job');
select tests.authenticate_as('x_pa');
select throws_ok($$ select public.make_offer(pg_temp.id('j1'), 14000, '2030-06-07 10:00+00', 60) $$, 'HL325', null,
  'and cannot offer on it again (HL325)');
select ok(not exists (select 1 from public.list_open_jobs_near_me(p_radius_m => 100000) where id = pg_temp.id('j1')),
  'nor does the job board show it to them');
select tests.authenticate_as('x_pb');
select ok(exists (select 1 from public.list_open_jobs_near_me(p_radius_m => 100000) where id = pg_temp.id('j1')),
  'while other providers still see the reopened job');
select pg_temp.as_postgres();
select results_eq(
  $$ select status, booking_id, accepted_offer_id, assigned_at, expires_at, reopened_at, reopen_count
       from public.job_requests where id = pg_temp.id('j1') $$,
  $$ values ('open'::text, null::uuid, null::uuid, null::timestamptz, '2030-06-06 07:00+00'::timestamptz, '2030-06-03 07:00+00'::timestamptz, 1) $$,
  'the job reopens: open, no booking or accepted offer, a fresh expiry (jobs.expiry_hours), reopened_at and reopen_count');
select results_eq($$ select status from public.job_offers where id in (pg_temp.id('o1a'), pg_temp.id('o1b')) order by price, proposed_start $$,
  $$ values ('accepted'::text), ('closed'::text) $$, 'the offers stay closed (the accepted one keeps its booking)');
select is(pg_temp.notes('x_c1', 'job.reopened', 'job_id', pg_temp.id('j1')), 1, 'the customer is notified (job.reopened)');
select is(pg_temp.notes('x_pb', 'job.reopened', 'job_id', pg_temp.id('j1')), 1, 'so is the provider whose offer the assignment closed');
select is(pg_temp.notes('x_pa', 'job.reopened', 'job_id', pg_temp.id('j1')), 0, 'but not the provider who cancelled');
select tests.authenticate_as('x_pc');
select ok(exists (select 1 from public.list_open_jobs_near_me() where id = pg_temp.id('j1')), 'the job is back on the job board');
select pg_temp.as_postgres();
select pg_temp.offer('o1c', 'j1', 'x_pb', '2030-06-07 08:00+00');
select pg_temp.accept('b1c', 'o1c', 'x_c1');
select results_eq($$ select j.status, j.booking_id, j.accepted_offer_id, (select count(*)::int from public.bookings b where b.job_id = j.id)
                      from public.job_requests j where j.id = pg_temp.id('j1') $$,
  $$ values ('assigned'::text, pg_temp.id('b1c'), pg_temp.id('o1c'), 2) $$, 'the reopened job is booked again through a new offer');

-- (b) The customer cancels: the job is cancelled too.
select pg_temp.job('j2', 'x_c2');
select pg_temp.offer('o2', 'j2', 'x_pb', '2030-06-06 10:00+00');
select pg_temp.accept('b2', 'o2', 'x_c2');
select tests.authenticate_as('x_c2');
select lives_ok($$ select public.transition_booking(pg_temp.id('b2'), 'cancel', 'Fixed it myself') $$, 'the customer cancels the booking');
select pg_temp.as_postgres();
select results_eq($$ select status, booking_id, cancelled_at, cancel_reason, reopen_count from public.job_requests where id = pg_temp.id('j2') $$,
  $$ values ('cancelled'::text, null::uuid, '2030-06-03 07:00+00'::timestamptz, 'Fixed it myself'::text, 0) $$,
  'the job is cancelled with the customer''s reason');
select is(pg_temp.notes('x_c2', 'job.reopened', 'job_id', pg_temp.id('j2')), 0, 'and does not reopen');

-- (e) An operator cancels: the job reopens (the reversible choice).
select pg_temp.job('j5', 'x_cother');
select pg_temp.offer('o5', 'j5', 'x_pb', '2030-06-07 06:00+00');
select pg_temp.accept('b5', 'o5', 'x_cother');
select tests.authenticate_as('x_op');
select lives_ok($$ select public.transition_booking(pg_temp.id('b5'), 'cancel', 'Provider unreachable') $$, 'an operator cancels the booking');
select pg_temp.as_postgres();
select is((select status from public.job_requests where id = pg_temp.id('j5')), 'open', 'the job reopens');
select is((select (payload ->> 'actor') || '/' || (payload ->> 'reason') from public.notifications
            where user_id = pg_temp.id('x_cother') and kind = 'job.reopened' and payload ->> 'job_id' = pg_temp.id('j5')::text),
  'operator/Provider unreachable', 'the customer hears who cancelled and why');
select is((select count(*)::int from private.job_exclusions where job_id = pg_temp.id('j5')), 0,
  'an operator''s cancellation excludes nobody');
select tests.authenticate_as('x_pb');
select lives_ok($$ select public.withdraw_offer((public.make_offer(pg_temp.id('j5'), 15000, '2030-06-08 10:00+00', 60)).id) $$,
  'so its provider may quote again (and withdraws it here)');
select pg_temp.as_postgres();

-- (g) The customer deletes their account: open and assigned jobs are cancelled, places erased.
select pg_temp.job('j8', 'x_cleaver');
select pg_temp.offer('o8', 'j8', 'x_pb', '2030-06-10 06:00+00');
select pg_temp.job('j9', 'x_cleaver');
select pg_temp.offer('o9', 'j9', 'x_pc', '2030-06-10 06:00+00');
select pg_temp.accept('b9', 'o9', 'x_cleaver');
select tests.authenticate_as_service_role();
select lives_ok($$ select public.delete_user_account(pg_temp.id('x_cleaver'), 'ticket 77') $$, 'support deletes a customer''s account');
select pg_temp.as_postgres();
select results_eq($$ select id, status, cancel_reason, booking_id, description from public.job_requests where customer_id = pg_temp.id('x_cleaver') order by title $$,
  $$ values (pg_temp.id('j8'), 'cancelled'::text, 'account_deleted'::text, null::uuid, null::text),
            (pg_temp.id('j9'), 'cancelled'::text, 'account_deleted'::text, null::uuid, null::text) $$,
  'their open job and their assigned job are cancelled (not reopened), descriptions erased');
select is((select count(*)::int from private.job_locations where job_id in (pg_temp.id('j8'), pg_temp.id('j9'))), 0,
  'the exact places and addresses of their jobs are erased');
select results_eq($$ select status, cancelled_by from public.bookings where id = pg_temp.id('b9') $$,
  $$ values ('cancelled'::text, 'system'::text) $$, 'their booking is cancelled by the system');
select is((select status from public.job_offers where id = pg_temp.id('o8')), 'closed', 'live offers on their jobs are closed');
select is(pg_temp.notes('x_pb', 'offer.closed', 'offer_id', pg_temp.id('o8')), 1, 'and their providers told');
select is((select count(*)::int from public.notifications where user_id = pg_temp.id('x_cleaver') and kind = 'job.reopened'), 0,
  'nothing reopens for a customer who left');
select tests.authenticate_as('x_pc');
select ok(not exists (select 1 from public.list_open_jobs_near_me() where customer_id = pg_temp.id('x_cleaver')),
  'their jobs are off the job board');
select pg_temp.as_postgres();

-- (c) No-show (system): the job reopens.
select pg_temp.job('j3', 'x_c1');
select pg_temp.offer('o3', 'j3', 'x_pc', '2030-06-03 08:00+00');
select pg_temp.accept('b3', 'o3', 'x_c1');
-- (d) A job with a preferred window; its booking stalls en route after the window ended.
select pg_temp.job('j4', 'x_c2', '[2030-06-03 07:00+00, 2030-06-03 12:00+00)');
select pg_temp.offer('o4', 'j4', 'x_pc', '2030-06-03 10:00+00');
select pg_temp.accept('b4', 'o4', 'x_c2');
select tests.authenticate_as('x_pc');
select lives_ok($$ select public.transition_booking(pg_temp.id('b4'), 'start_travel') $$, 'the provider sets off');
select pg_temp.as_postgres();

select tests.freeze_time('2030-06-03 09:05+00');
select ok((private.run_booking_timers() ->> 'no_show')::int >= 1, 'the timer cancels the no-show');
select results_eq($$ select b.status, b.cancel_reason, j.status, j.expires_at, j.reopen_count
                      from public.bookings b join public.job_requests j on j.id = b.job_id where b.id = pg_temp.id('b3') $$,
  $$ values ('cancelled'::text, 'no_show'::text, 'open'::text, '2030-06-06 09:05+00'::timestamptz, 1) $$,
  'after a no-show (system) the job reopens with a fresh expiry');
select is((select provider_id from private.job_exclusions where job_id = pg_temp.id('j3')), pg_temp.id('x_pc'),
  'a no-show excludes its provider from the job');
select tests.authenticate_as('x_pc');
select throws_ok($$ select public.make_offer(pg_temp.id('j3'), 15000, '2030-06-05 10:00+00', 60) $$, 'HL325', null,
  'who cannot offer on it again (HL325)');
select tests.authenticate_as('x_pb');
select lives_ok($$ select public.make_offer(pg_temp.id('j3'), 15000, '2030-06-05 10:00+00', 60) $$,
  'while another provider can');
select pg_temp.as_postgres();
select is((select status from public.bookings where id = pg_temp.id('b4')), 'en_route', 'an en-route booking is not a no-show');

------------------------------------------------------------------------------------------------
-- 4. Stalled bookings (en route or arrived, never started)
------------------------------------------------------------------------------------------------
select ok((select bool_and('system' = any (actors)) from public.booking_transitions where name = 'cancel' and from_state in ('en_route', 'arrived'))
          and (select count(*) = 2 from public.booking_transitions where name = 'cancel' and from_state in ('en_route', 'arrived')),
  'the system may cancel en-route and arrived bookings');
select is(private.setting('bookings.stalled_after_minutes'), '720'::jsonb, 'the timeout is a setting (12 h after the scheduled end)');

create function pg_temp.booking(ident text, p_from timestamptz, p_state text) returns uuid language plpgsql as $$
declare v uuid;
begin
  v := (private.create_booking(pg_temp.id('x_c1'), pg_temp.id('x_pb'), tstzrange(p_from, p_from + interval '1 hour'),
                               9000, 'AED', 'accepted', 'customer')).id;
  perform pg_temp.fx(v, 'start_travel', 'provider');
  if p_state in ('arrived', 'in_progress') then perform pg_temp.fx(v, 'arrive', 'provider'); end if;
  if p_state = 'in_progress' then perform pg_temp.fx(v, 'start', 'provider'); end if;
  return pg_temp.keep(ident, v);
end $$;
select pg_temp.booking('s_en_route', '2030-06-03 09:00+00', 'en_route');   -- ends 10:00, stalls at 22:00
select pg_temp.booking('s_arrived', '2030-06-03 07:00+00', 'arrived');     -- ends 08:00, stalls at 20:00
select pg_temp.booking('s_moved', '2030-06-03 05:00+00', 'arrived');       -- moves on before the timer
select pg_temp.booking('s_not_due', '2030-06-03 11:30+00', 'en_route');    -- ends 12:30, stalls at 00:30

select tests.freeze_time('2030-06-03 21:00+00');
select pg_temp.fx(pg_temp.id('s_moved'), 'start', 'provider');
select tests.freeze_time('2030-06-03 23:01+00');
select results_eq($$ select (r ->> 'stalled')::int, (r ->> 'failed')::int from private.run_booking_timers() r $$,
  $$ values (3, 0) $$, 'the timer cancels the three stalled bookings (two fixtures and the job''s)');
select results_eq(
  $$ select b.status, b.cancelled_by, b.cancel_reason, b.cancelled_late, e.from_state, e.actor_role
       from public.bookings b join public.booking_events e on e.booking_id = b.id and e.transition = 'cancel'
      where b.id in (pg_temp.id('s_en_route'), pg_temp.id('s_arrived')) order by lower(b.period) $$,
  $$ values ('cancelled'::text, 'system'::text, 'stalled'::text, false, 'arrived'::text, 'system'::text),
            ('cancelled'::text, 'system'::text, 'stalled'::text, false, 'en_route'::text, 'system'::text) $$,
  'stalled bookings are cancelled by the system through the transition path, without a fee, with the reason on the timeline');
select is((select status from public.bookings where id = pg_temp.id('s_moved')), 'in_progress', 'a booking that moved on first is left alone');
select is((select status from public.bookings where id = pg_temp.id('s_not_due')), 'en_route', 'a booking not yet 12 h past its end is left alone');
select is(pg_temp.notes('x_c1', 'booking.cancelled', 'booking_id', pg_temp.id('s_arrived')) + pg_temp.notes('x_pb', 'booking.cancelled', 'booking_id', pg_temp.id('s_arrived')), 2,
  'both parties are told');
select results_eq($$ select b.status, j.status, j.expired_at from public.bookings b join public.job_requests j on j.id = b.job_id where b.id = pg_temp.id('b4') $$,
  $$ values ('cancelled'::text, 'expired'::text, '2030-06-03 23:01+00'::timestamptz) $$,
  'a job whose preferred window is over expires instead of reopening');
select is(pg_temp.notes('x_c2', 'job.expired', 'job_id', pg_temp.id('j4')), 1, 'and the customer is told');
select is((private.run_booking_timers() ->> 'stalled')::int, 0, 'the next run finds nothing to do');
select tests.freeze_time('2030-06-04 00:31+00');
select is((private.run_booking_timers() ->> 'stalled')::int, 1, 'the last one stalls on time, 12 h after its end');
select is((select status from public.bookings where id = pg_temp.id('s_not_due')), 'cancelled', 'it is cancelled');
select tests.freeze_time('2030-06-03 07:00+00');

------------------------------------------------------------------------------------------------
-- 5. Business staff and the business's money
------------------------------------------------------------------------------------------------
select (private.create_booking(pg_temp.id('x_cother'), pg_temp.id('x_pa'), tstzrange('2030-06-12 06:00+00', '2030-06-12 07:00+00'),
        15000, 'AED', 'accepted', 'customer', p_address => 'Villa 3')).id as bs1 \gset
select (private.create_booking(pg_temp.id('x_cother'), pg_temp.id('x_pa'), tstzrange('2030-06-12 08:00+00', '2030-06-12 09:00+00'),
        15000, 'AED', 'accepted', 'customer')).id as bs2 \gset
select pg_temp.keep('bs1', :'bs1');
select pg_temp.keep('bs2', :'bs2');
select pg_temp.fx(:'bs2', 'cancel', 'customer');
select is((select business_id from public.bookings where id = :'bs1'), 'b7000000-0000-4000-8000-000000000001'::uuid,
  'bookings of x_pa are made with their business');

select tests.authenticate_as('x_staff');
select is((select count(*)::int from public.bookings where id = pg_temp.id('bs1')), 0, 'business staff do not read booking rows');
select is((select count(*)::int from public.booking_events where booking_id = pg_temp.id('bs1')), 0, 'nor timeline rows');
select results_eq($$ select b ->> 'price', b ->> 'currency', b ->> 'cancellation_policy', b ->> 'free_cancellation_until', b ->> 'reference' is not null
                      from (select public.get_booking(pg_temp.id('bs1')) -> 'booking' as b) x $$,
  $$ values (null::text, null::text, null::text, null::text, true) $$,
  'get_booking gives staff the booking without price, currency and cancellation terms');
select is((public.get_booking(pg_temp.id('bs1'))) -> 'my_roles', '["staff"]'::jsonb, 'as staff');
select ok(not exists (select 1 from jsonb_array_elements((public.get_booking(pg_temp.id('bs2'))) -> 'timeline') e
                       where e -> 'metadata' ?| array['cancellation_policy', 'late', 'free_cancellation_until']),
  'nor in the timeline''s metadata');
select results_eq($$ select price, currency::text from public.list_my_bookings('provider', null, 'all', 100) where id = pg_temp.id('bs1') $$,
  $$ values (null::bigint, null::text) $$, 'list_my_bookings lists the business''s bookings for staff without the money');
select is((select counterpart_id from public.get_booking_contact(pg_temp.id('bs1'))), pg_temp.id('x_cother'),
  'staff still see who and where (the work needs it)');
select results_eq($$ select status, price from public.transition_booking(pg_temp.id('bs1'), 'start_travel') $$,
  $$ values ('en_route'::text, null::bigint) $$, 'staff take progress transitions; the returned booking has no price');

select tests.authenticate_as('x_mgr');
select results_eq($$ select price, currency::text from public.bookings where id = pg_temp.id('bs1') $$,
  $$ values (15000::bigint, 'AED'::text) $$, 'business managers read booking rows with the price');
select ok((select count(*) > 0 from public.booking_events where booking_id = pg_temp.id('bs1')), 'and the timeline rows');
select is((public.get_booking(pg_temp.id('bs1'))) #>> '{booking,price}', '15000', 'and get the price from get_booking');
select ok(exists (select 1 from jsonb_array_elements((public.get_booking(pg_temp.id('bs2'))) -> 'timeline') e
                   where e -> 'metadata' ? 'cancellation_policy'), 'and the cancellation terms in the timeline');
select is((select price from public.list_my_bookings('provider', null, 'all', 100) where id = pg_temp.id('bs1')), 15000::bigint,
  'and in list_my_bookings');
select tests.authenticate_as('x_pa');
select is((select price from public.bookings where id = pg_temp.id('bs1')), 15000::bigint, 'so does the provider');
select tests.authenticate_as('x_cother');
select is((select price from public.bookings where id = pg_temp.id('bs1')), 15000::bigint, 'and the customer');
select payload as qr from public.get_booking_qr(:'bs1') \gset
select tests.authenticate_as('x_staff');
select results_eq(format($$ select status, price, cancellation_policy from public.scan_booking(%L, 'arrived') $$, :'qr'),
  $$ values ('arrived'::text, null::bigint, null::jsonb) $$, 'a staff scan returns the booking without the money');
select pg_temp.as_postgres();
select private.derive_start_code(:'bs1', s.start_code_version) as code from private.booking_secrets s where s.booking_id = :'bs1' \gset
select tests.authenticate_as('x_staff');
select results_eq(format($$ select r ->> 'status', r ->> 'price' from public.start_booking(%L, %L) r $$, :'bs1', :'code'),
  $$ values ('in_progress'::text, null::text) $$, 'start_booking returns it without the money too');
select tests.authenticate_as('x_pa');
select is((public.transition_booking(:'bs1', 'complete')).price, 15000::bigint, 'the provider''s own calls return the price');
select pg_temp.as_postgres();

------------------------------------------------------------------------------------------------
-- 6. Error codes: duplicates retired, every raised code registered
------------------------------------------------------------------------------------------------
select is_empty($$ select code from private.error_codes where code in ('HL322', 'HL433') $$,
  'HL322 (= HL404) and HL433 (= HL217/HL218) are retired');
select is_empty(
  $$ select distinct p.oid::regprocedure::text || ' raises ' || m[1]
       from pg_proc p join pg_namespace n on n.oid = p.pronamespace
      cross join lateral regexp_matches(p.prosrc, '(?:raise_error|error_body)\(''(HL[0-9]{3})''', 'g') m
      where n.nspname in ('public', 'private')
        and not exists (select 1 from private.error_codes e where e.code = m[1]) $$,
  'every error code a function raises is registered');
select tests.authenticate_as('x_pb');
select throws_ok(format($$ select public.make_offer(%L, 15000, '2030-06-07 08:30+00', 60) $$, pg_temp.id('j5')), 'HL404', null,
  'offering a time the provider is booked is HL404, as for bookings');
select tests.authenticate_as('x_pa');
select throws_ok($$ select public.get_provider_calendar(auth.uid(), '2030-06-10', '2030-06-01') $$, 'HL217', null,
  'a reversed calendar range is HL217, as for slots');
select throws_ok($$ select public.get_provider_calendar(auth.uid(), '2030-06-01', '2030-12-01') $$, 'HL218', null,
  'too long a calendar range is HL218, as for slots');
select pg_temp.as_postgres();

select * from finish();
rollback;
