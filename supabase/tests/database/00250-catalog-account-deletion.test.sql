-- Module catalog, account deletion: a provider deleting their account. A provider profile that
-- bookings point at is kept, anonymised and hidden with its listings; one nothing points at is
-- deleted outright; a deleted account's still-valid token writes nothing back; any path that marks
-- an account deleted takes the provider out of service; a provider profile with job matches or
-- offers cannot be deleted on its own.
begin;
select plan(36);

-- Monday 2030-06-03 10:00 in Dubai.
select tests.freeze_time('2030-06-03 06:00+00');
select tests.create_category('xm-repairs', names => '{"en": "Repairs", "ar": "تصليح"}');
-- Providers with one instant listing (media and cover), open all week, in Dubai Marina; x_psolo
-- and x_pghost in London, never matched to the jobs below.
select tests.create_provider(p, lat, lng, tests.category_id('xm-repairs'), opens => '00:00', closes => '24:00',
         profile => jsonb_build_object('display_name', p || ' Pro', 'business_name', p || ' LLC', 'description', 'About ' || p,
                                       'skills', array['pipes', 'taps']),
         listing => '{"pricing_unit": "fixed", "duration_minutes": 60, "booking_mode": "instant"}')
  from (values ('x_pa', 25.08, 55.14), ('x_pb', 25.08, 55.14), ('x_pc', 25.08, 55.14), ('x_pleaver', 25.08, 55.14),
               ('x_psolo', 51.5, -0.12), ('x_pghost', 51.5, -0.12)) v(p, lat, lng);
update public.service_listings set media_paths = array[provider_id::text || '/1.jpg'], cover_image_path = provider_id::text || '/cover.jpg'
 where provider_id in (select id from public.provider_profiles where display_name like 'x\_p%');
select tests.create_supabase_user(u) from unnest(array['x_c1', 'x_c2', 'x_cother']) u;

------------------------------------------------------------------------------------------------
-- A provider with bookings and offers
------------------------------------------------------------------------------------------------
select results_eq(
  $$ select module, position from private.account_deletion_handlers
      where handler in ('private.delete_account_catalog(uuid)', 'private.delete_account_jobs(uuid)') order by position $$,
  $$ values ('jobs'::text, 300), ('catalog'::text, 700) $$,
  'jobs (300) and catalog (700) register account deletion handlers between 200 and 900');

-- x_pleaver: certifications, time off, buddies both ways, an accepted job booking and a live offer.
insert into public.provider_certifications (provider_id, name, issuer)
values (tests.get_supabase_uid('x_pleaver'), 'Gas safety', 'DEWA');
insert into public.provider_time_off (provider_id, period, reason)
values (tests.get_supabase_uid('x_pleaver'), '[2030-07-01 00:00+00, 2030-07-02 00:00+00)', 'Wedding');
insert into public.buddies (user_id, buddy_id) values
  (tests.get_supabase_uid('x_c1'), tests.get_supabase_uid('x_pleaver')),
  (tests.get_supabase_uid('x_pleaver'), tests.get_supabase_uid('x_pb')),
  (tests.get_supabase_uid('x_pleaver'), tests.get_supabase_uid('x_c2'));
select tests.keep('j6', tests.create_job('x_cother', tests.category_id('xm-repairs'), 'Fix j6', description => 'Details of j6', address => 'Villa 9, Marina'));
select tests.keep('o6', tests.create_offer('x_pleaver', tests.id('j6'), '2030-06-08 06:00+00'));
select tests.keep('b6', tests.accept_offer('x_cother', tests.id('o6')));
select tests.keep('j7', tests.create_job('x_c1', tests.category_id('xm-repairs'), 'Fix j7', description => 'Details of j7', address => 'Villa 9, Marina'));
select tests.keep('o7', tests.create_offer('x_pleaver', tests.id('j7'), '2030-06-09 06:00+00'));

select tests.clear_authentication();
select is((select count(*)::int from public.provider_profiles where id = tests.get_supabase_uid('x_pleaver')), 1,
  'before deletion the provider is public');
-- Self-service deletion: the delete-account edge function runs the domain side as the service role.
select tests.authenticate_as_service_role();
select lives_ok($$ select public.delete_user_account(tests.get_supabase_uid('x_pleaver'), 'self-service', tests.get_supabase_uid('x_pleaver')) $$,
  'a provider with bookings and offers deletes their account');
select tests.authenticate_as('x_pleaver');
-- The token is still valid until it expires: it cannot put anything back.
select is(tests.affected_rows($$ update public.provider_profiles set display_name = 'Back again', is_available = true where id = auth.uid() $$), 0,
  'a deleted account cannot edit its provider profile');
select is(tests.affected_rows($$ delete from public.provider_profiles where id = auth.uid() $$), 0,
  'nor delete it');
select throws_ok($$ update public.service_listings set is_active = true where provider_id = auth.uid() $$, 'HL120', null,
  'nor reactivate a listing (HL120)');
select throws_ok($$ insert into public.service_listings (provider_id, category_id, title, pricing_unit, base_price)
                    values (auth.uid(), tests.category_id('xm-repairs'), 'Ghost listing', 'fixed', 100) $$, 'HL120', null,
  'nor add a listing (HL120)');
select throws_ok($$ insert into public.availability_rules (provider_id, weekday, start_time, end_time) values (auth.uid(), 1, '09:00', '10:00') $$,
  'HL120', null, 'nor add availability (HL120)');
select throws_ok(format($$ select public.make_offer(%L, 15000, '2030-06-10 06:00+00', 60) $$, tests.id('j7')), 'HL120', null,
  'nor make offers (HL120)');
select tests.reset_authentication();

select ok((select display_name = 'Deleted provider' and business_name is null and description is null and skills = '{}'
                  and not is_available and business_id is null and deleted_at = '2030-06-03 06:00+00'
                  and completed_jobs = 0 and rating_count = 0
             from public.provider_profiles where id = tests.get_supabase_uid('x_pleaver')),
  'a provider profile that bookings point at is kept, anonymised and marked deleted');
select results_eq($$ select count(*)::int, bool_and(not is_active), bool_and(media_paths = '{}'), bool_and(cover_image_path is null)
                      from public.service_listings where provider_id = tests.get_supabase_uid('x_pleaver') $$,
  $$ values (1, true, true, true) $$, 'its listings stay (bookings point at them), inactive and without media');
select is((select count(*)::int from public.availability_rules where provider_id = tests.get_supabase_uid('x_pleaver'))
          + (select count(*)::int from public.provider_time_off where provider_id = tests.get_supabase_uid('x_pleaver'))
          + (select count(*)::int from public.provider_certifications where provider_id = tests.get_supabase_uid('x_pleaver')), 0,
  'availability rules, time off and certifications are deleted');
select is((select count(*)::int from public.buddies where user_id = tests.get_supabase_uid('x_pleaver') or buddy_id = tests.get_supabase_uid('x_pleaver')), 0,
  'their buddies (providers or not), and their rows in others'' buddy lists, are deleted');
select is((select count(*)::int from private.account_deletions
            where user_id = tests.get_supabase_uid('x_pleaver')
              and handlers @> array['private.delete_account_jobs(uuid)', 'private.delete_account_catalog(uuid)']), 1,
  'the deletion ran the jobs and catalog steps');

select tests.clear_authentication();
select results_eq($$ select display_name, is_available, description from public.provider_profiles where id = tests.get_supabase_uid('x_pleaver') $$,
  $$ values ('Deleted provider'::text, false, null::text) $$,
  'anon sees only the anonymised provider (the public policy stays `true` so spatial indexes work under RLS)');
select is((select count(*)::int from public.service_listings where provider_id = tests.get_supabase_uid('x_pleaver')), 0,
  'nor their listings');
select tests.authenticate_as('x_c2');
select is((select display_name from public.provider_profiles where id = tests.get_supabase_uid('x_pleaver')), 'Deleted provider',
  'signed-in users see only the anonymised provider');
select is((select count(*)::int from public.service_listings where provider_id = tests.get_supabase_uid('x_pleaver')), 0,
  'nor their listings');
select isnt_empty($$ select 1 from public.provider_profiles where id = tests.get_supabase_uid('x_pa') $$, 'other providers stay public');
select throws_ok($$ insert into public.buddies (user_id, buddy_id) values (auth.uid(), tests.get_supabase_uid('x_pleaver')) $$, 'HL233', null,
  'a deleted account cannot be added as a buddy (HL233)');
select tests.authenticate_as('x_cother');
select is((public.get_booking(tests.id('b6'))) #>> '{provider,display_name}', 'Deleted provider',
  'the customer''s booking still names the (anonymised) provider');
select tests.reset_authentication();

-- x_psolo: nothing points at it: the provider profile goes entirely.
insert into public.businesses (id, owner_id, name, description) values
  ('b7000000-0000-4000-8000-000000000002', tests.get_supabase_uid('x_psolo'), 'Solo Co', 'Call 050 123 4567');
select tests.authenticate_as('x_psolo');
select is((public.set_provider_business(auth.uid(), 'b7000000-0000-4000-8000-000000000002')).business_id,
  'b7000000-0000-4000-8000-000000000002'::uuid, 'a sole owner attaches their own provider profile to their business');
select tests.authenticate_as_service_role();
select lives_ok($$ select public.delete_user_account(tests.get_supabase_uid('x_psolo'), 'self-service', tests.get_supabase_uid('x_psolo')) $$,
  'a provider nothing points at deletes their account');
select tests.authenticate_as('x_psolo');
-- Their still-valid token cannot touch the business their deletion closed.
select is(tests.affected_rows($$ update public.businesses set name = 'Solo Again' where id = 'b7000000-0000-4000-8000-000000000002' $$), 0,
  'the deleted owner cannot rename the closed business');
select is(tests.affected_rows($$ delete from public.businesses where id = 'b7000000-0000-4000-8000-000000000002' $$), 0,
  'nor delete the row records point at');
select tests.reset_authentication();
select is((select count(*)::int from public.provider_profiles where id = tests.get_supabase_uid('x_psolo')), 0,
  'an unreferenced provider profile is deleted outright');
select is((select count(*)::int from public.service_listings where provider_id = tests.get_supabase_uid('x_psolo'))
          + (select count(*)::int from public.availability_rules where provider_id = tests.get_supabase_uid('x_psolo')), 0,
  'with its listings and availability');
select is((select is_provider from public.profiles where id = tests.get_supabase_uid('x_psolo')), false, 'the account is no longer a provider');

-- Any path that marks an account deleted takes the provider out of service and hides its listings at once.
update public.profiles set deleted_at = '2030-06-03 06:00+00' where id = tests.get_supabase_uid('x_pghost');
select results_eq($$ select deleted_at, is_available from public.provider_profiles where id = tests.get_supabase_uid('x_pghost') $$,
  $$ values ('2030-06-03 06:00+00'::timestamptz, false) $$, 'profiles.deleted_at marks the provider profile deleted');
select tests.clear_authentication();
select is((select count(*)::int from public.service_listings where provider_id = tests.get_supabase_uid('x_pghost')), 0,
  'and hides its listings from catalog reads');
select tests.reset_authentication();
select throws_ok($$ update public.service_listings set is_active = true where provider_id = tests.get_supabase_uid('x_pghost') $$, 'HL120', null,
  'not even a back end reactivates a deleted provider''s listing');
select lives_ok($$ update public.service_listings set title = 'Retired service' where provider_id = tests.get_supabase_uid('x_pghost') $$,
  'inactive listings can still be maintained');

-- A provider profile that records point at cannot be deleted directly (offers and matches would cascade).
select tests.authenticate_as('x_pc');
select throws_ok($$ delete from public.provider_profiles where id = auth.uid() $$, 'HL005', null,
  'a provider with job matches or offers cannot delete their provider profile (HL005)');
select tests.reset_authentication();
select is((select count(*)::int from public.provider_profiles where id = tests.get_supabase_uid('x_pc')), 1, 'and it stays');

-- A sole owner's business is closed (x_psolo above).
select ok((select closed_at is not null and name = 'Closed business' and description is null
             from public.businesses where id = 'b7000000-0000-4000-8000-000000000002'),
  'a sole owner''s account deletion closed and anonymised their business');
select tests.clear_authentication();
select is((select name from public.businesses where id = 'b7000000-0000-4000-8000-000000000002'), 'Closed business',
  'the closed business stays readable (bookings point at it), marked by closed_at');
select tests.reset_authentication();

select * from finish();
rollback;
