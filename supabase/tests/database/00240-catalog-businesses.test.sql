-- Module catalog, businesses: attaching a member's provider profile to a business
-- (set_provider_business), what staff of the business may read and not edit, and providers
-- detached when they leave or the business closes.
begin;
select plan(17);

select tests.create_supabase_user(u) from unnest(array['cat_boss', 'cat_staff', 'x_owner2']) u;
select tests.create_category('tcat-leaks');
-- cat_prov: a hidden listing, Monday hours and a holiday.
select tests.create_provider('cat_prov', 25.2048, 55.2708, profile => '{"display_name": "Omar Fixes It"}');
insert into public.service_listings (id, provider_id, category_id, title, pricing_unit, base_price, is_active) values
  ('00000000-0000-4000-a000-000000000204', tests.get_supabase_uid('cat_prov'), tests.category_id('tcat-leaks'), 'Secret listing', 'fixed', 100, false);
insert into public.availability_rules (provider_id, weekday, start_time, end_time)
values (tests.get_supabase_uid('cat_prov'), 1, '09:00', '12:00');
insert into public.provider_time_off (provider_id, period, reason)
values (tests.get_supabase_uid('cat_prov'), '[2026-12-24 00:00+04, 2026-12-27 00:00+04)', 'Holiday');
select tests.create_provider('x_pmem', 25.08, 55.14);

------------------------------------------------------------------------------------------------
-- Businesses: attaching providers, staff read access
------------------------------------------------------------------------------------------------
select tests.authenticate_as('cat_boss');
insert into public.businesses (owner_id, name) values (auth.uid(), 'Boss Services');
reset role;
insert into public.business_members (business_id, user_id, role) values
  ((select id from public.businesses where name = 'Boss Services'), tests.get_supabase_uid('cat_staff'), 'staff');
select tests.authenticate_as('cat_boss');
select throws_ok($$ select public.set_provider_business(tests.get_supabase_uid('cat_prov'), (select id from public.businesses where name = 'Boss Services')) $$,
  'HL113', null, 'attaching a provider who is not a member is HL113');
reset role;
insert into public.business_members (business_id, user_id, role) values
  ((select id from public.businesses where name = 'Boss Services'), tests.get_supabase_uid('cat_prov'), 'staff');
select tests.authenticate_as('cat_staff');
select throws_ok($$ select public.set_provider_business(tests.get_supabase_uid('cat_prov'), (select id from public.businesses where name = 'Boss Services')) $$,
  'HL112', null, 'staff cannot attach providers (HL112)');
select ok(not exists (select 1 from public.service_listings where id = '00000000-0000-4000-a000-000000000204'), 'staff do not see hidden listings of unattached providers');
select tests.authenticate_as('cat_prov');
select throws_ok($$ select public.set_provider_business(auth.uid(), (select id from public.businesses where name = 'Boss Services')) $$,
  'HL112', null, 'providers cannot attach themselves to a business they do not manage');
select tests.authenticate_as('cat_boss');
select is((select business_id from public.set_provider_business(tests.get_supabase_uid('cat_prov'), (select id from public.businesses where name = 'Boss Services'))),
  (select id from public.businesses where name = 'Boss Services'), 'the business owner attaches a member''s provider profile');
select tests.authenticate_as('cat_staff');
select ok(exists (select 1 from public.service_listings where id = '00000000-0000-4000-a000-000000000204'), 'staff see hidden listings of their business''s providers');
select ok(exists (select 1 from public.provider_time_off where reason = 'Holiday'), 'staff see time off of their business''s providers');
select is(tests.affected_rows($$ update public.service_listings set title = 'Staff edit' where id = '00000000-0000-4000-a000-000000000204' $$), 0, 'staff cannot edit those listings');
select is(tests.affected_rows($$ update public.availability_rules set end_time = '13:00' where provider_id = tests.get_supabase_uid('cat_prov') and weekday = 1 $$), 0, 'staff cannot edit their availability');
select is(tests.affected_rows($$ delete from public.provider_time_off where reason = 'Holiday' $$), 0, 'staff cannot delete their time off');
reset role;
delete from public.business_members where business_id = (select id from public.businesses where name = 'Boss Services') and user_id = tests.get_supabase_uid('cat_prov');
select is((select business_id from public.provider_profiles where id = tests.get_supabase_uid('cat_prov')), null::uuid,
  'leaving the business detaches the provider profile');


-- Shut Co: x_pmem works for it; it closes.
insert into public.businesses (id, owner_id, name) values ('b7000000-0000-4000-8000-000000000003', tests.get_supabase_uid('x_owner2'), 'Shut Co');
select tests.authenticate_as('x_owner2');
select public.add_business_member('b7000000-0000-4000-8000-000000000003', tests.get_supabase_uid('x_pmem'), null, 'staff');
select is((public.set_provider_business(tests.get_supabase_uid('x_pmem'), 'b7000000-0000-4000-8000-000000000003')).business_id,
  'b7000000-0000-4000-8000-000000000003'::uuid, 'the owner attaches a member''s provider profile');
reset role;
update public.businesses set closed_at = private.now() where id = 'b7000000-0000-4000-8000-000000000003';
select is((select business_id from public.provider_profiles where id = tests.get_supabase_uid('x_pmem')), null::uuid,
  'closing a business detaches its providers');
select tests.authenticate_as('x_owner2');
select throws_ok($$ select public.set_provider_business(tests.get_supabase_uid('x_pmem'), 'b7000000-0000-4000-8000-000000000003') $$, 'HL118', null,
  'a closed business takes no providers (HL118)');
select throws_ok($$ select public.set_provider_business(tests.get_supabase_uid('x_pmem'), gen_random_uuid()) $$, 'HL110', null,
  'an unknown business is HL110');
select is(tests.affected_rows($$ update public.businesses set name = 'Open Again' where id = 'b7000000-0000-4000-8000-000000000003' $$), 0,
  'the owner cannot edit a closed business');
select tests.authenticate_as('x_pmem');
select is((public.set_provider_business(auth.uid(), null)).business_id, null::uuid, 'a provider can still detach (a no-op here)');
reset role;

select * from finish();
rollback;
