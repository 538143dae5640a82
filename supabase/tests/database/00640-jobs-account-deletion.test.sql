-- Module jobs, account deletion: the jobs step of deleting an account. A provider's live offers
-- are withdrawn by the system and the jobs booked with them reopen; a customer's open and assigned
-- jobs are cancelled (not reopened), their live offers closed and their exact places erased.
begin;
select plan(13);

-- Monday 2030-06-03 10:00 in Dubai.
select tests.freeze_time('2030-06-03 06:00+00');
select tests.create_category('xm-repairs', names => '{"en": "Repairs", "ar": "تصليح"}');
-- Providers in Dubai Marina with one instant listing, open all week.
select tests.create_provider(p, 25.08, 55.14, tests.category_id('xm-repairs'), opens => '00:00', closes => '24:00',
         profile => jsonb_build_object('display_name', p || ' Pro'),
         listing => '{"pricing_unit": "fixed", "duration_minutes": 60, "booking_mode": "instant"}')
  from unnest(array['x_pb', 'x_pc', 'x_pleaver']) p;
select tests.create_supabase_user(u) from unnest(array['x_c1', 'x_cother', 'x_cleaver']) u;

-- x_pleaver has a booking made from a job (j6) and a live offer on another (j7), then deletes
-- their account.
select tests.keep('j6', tests.create_job('x_cother', tests.category_id('xm-repairs'), 'Fix j6', description => 'Details of j6', address => 'Villa 9, Marina'));
select tests.keep('o6', tests.create_offer('x_pleaver', tests.id('j6'), '2030-06-08 06:00+00'));
select tests.keep('b6', tests.accept_offer('x_cother', tests.id('o6')));
select tests.keep('j7', tests.create_job('x_c1', tests.category_id('xm-repairs'), 'Fix j7', description => 'Details of j7', address => 'Villa 9, Marina'));
select tests.keep('o7', tests.create_offer('x_pleaver', tests.id('j7'), '2030-06-09 06:00+00'));
select tests.authenticate_as_service_role();
select public.delete_user_account(tests.get_supabase_uid('x_pleaver'), 'self-service', tests.get_supabase_uid('x_pleaver')) ->> 'username' as deleted_as;
select tests.reset_authentication();

-- The live offer was withdrawn; the job booked with them reopened.
select is((select status from public.job_offers where id = tests.id('o7')), 'withdrawn', 'the deleted provider''s live offer is withdrawn');
select results_eq($$ select action, actor_role, message from public.job_offer_events where offer_id = tests.id('o7') and action = 'withdraw' $$,
  $$ values ('withdraw'::text, 'system'::text, 'account_deleted'::text) $$, 'by the system, on the offer''s timeline');
select is(tests.notification_count('x_c1', 'offer.withdrawn', 'offer_id', tests.id('o7')), 1, 'and the customer is told');
select results_eq($$ select status, cancelled_by, cancel_reason from public.bookings where id = tests.id('b6') $$,
  $$ values ('cancelled'::text, 'system'::text, 'account_deleted'::text) $$, 'the booking with the deleted provider is cancelled by the system');
select results_eq($$ select status, booking_id, reopen_count from public.job_requests where id = tests.id('j6') $$,
  $$ values ('open'::text, null::uuid, 1) $$, 'and its job reopens for other providers');

-- (g) The customer deletes their account: open and assigned jobs are cancelled, places erased.
select tests.keep('j8', tests.create_job('x_cleaver', tests.category_id('xm-repairs'), 'Fix j8', description => 'Details of j8', address => 'Villa 9, Marina'));
select tests.keep('o8', tests.create_offer('x_pb', tests.id('j8'), '2030-06-10 06:00+00'));
select tests.keep('j9', tests.create_job('x_cleaver', tests.category_id('xm-repairs'), 'Fix j9', description => 'Details of j9', address => 'Villa 9, Marina'));
select tests.keep('o9', tests.create_offer('x_pc', tests.id('j9'), '2030-06-10 06:00+00'));
select tests.keep('b9', tests.accept_offer('x_cleaver', tests.id('o9')));
select tests.authenticate_as_service_role();
select lives_ok($$ select public.delete_user_account(tests.get_supabase_uid('x_cleaver'), 'ticket 77') $$, 'support deletes a customer''s account');
select tests.reset_authentication();
select results_eq($$ select id, status, cancel_reason, booking_id, description from public.job_requests where customer_id = tests.get_supabase_uid('x_cleaver') order by title $$,
  $$ values (tests.id('j8'), 'cancelled'::text, 'account_deleted'::text, null::uuid, null::text),
            (tests.id('j9'), 'cancelled'::text, 'account_deleted'::text, null::uuid, null::text) $$,
  'their open job and their assigned job are cancelled (not reopened), descriptions erased');
select is((select count(*)::int from private.job_locations where job_id in (tests.id('j8'), tests.id('j9'))), 0,
  'the exact places and addresses of their jobs are erased');
select results_eq($$ select status, cancelled_by from public.bookings where id = tests.id('b9') $$,
  $$ values ('cancelled'::text, 'system'::text) $$, 'their booking is cancelled by the system');
select is((select status from public.job_offers where id = tests.id('o8')), 'closed', 'live offers on their jobs are closed');
select is(tests.notification_count('x_pb', 'offer.closed', 'offer_id', tests.id('o8')), 1, 'and their providers told');
select is((select count(*)::int from public.notifications where user_id = tests.get_supabase_uid('x_cleaver') and kind = 'job.reopened'), 0,
  'nothing reopens for a customer who left');
select tests.authenticate_as('x_pc');
select ok(not exists (select 1 from public.list_open_jobs_near_me() where customer_id = tests.get_supabase_uid('x_cleaver')),
  'their jobs are off the job board');
select tests.reset_authentication();

select * from finish();
rollback;
