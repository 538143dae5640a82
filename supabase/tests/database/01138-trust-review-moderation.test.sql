-- Module trust: reviews meet moderation and suspensions (the review registration in
-- private.report_targets and the suspension triggers on public.reviews): a published review is
-- reported and hidden through the moderation queue and its rating leaves the provider's numbers;
-- restored, it counts again; a suspended user cannot write, edit or answer a review, and can
-- again once the suspension is lifted; the reveal job still publishes a suspended author's review.
begin;
select plan(17);

select tests.create_supabase_user(u) from unnest(array['rm_prov', 'rm_cust', 'rm_cust2', 'rm_mod', 'rm_reader']) u;
insert into public.user_roles (user_id, role) values (tests.get_supabase_uid('rm_mod'), 'moderator');
select tests.get_supabase_uid('rm_prov') as prov, tests.get_supabase_uid('rm_cust') as cust,
       tests.get_supabase_uid('rm_cust2') as cust2 \gset
select tests.create_provider('rm_prov', -34.0, -61.0);
select tests.freeze_time('2030-02-01 06:00:00+00');
select tests.create_booking('rm_cust', 'rm_prov', 'completed') as b1 \gset
select tests.create_booking('rm_cust2', 'rm_prov', 'completed') as b2 \gset

-- Both sides of b1 write: published at once.
select tests.authenticate_as('rm_cust');
select (public.submit_review('booking', :'b1', 1, '{}', 'Never again')).id as r1 \gset
select tests.authenticate_as('rm_prov');
select lives_ok(format($$ select public.submit_review('booking', %L, 5, '{}', 'Friendly customer') $$, :'b1'),
  'the provider reviews the customer back');
select tests.reset_authentication();
select isnt((select published_at from public.reviews where id = :'r1'), null, 'both wrote: the customer''s review is published');
select is((select array[rating_count, rating_sum] from public.provider_profiles where id = :'prov'), array[1, 1],
  'the provider''s numbers count the 1-star review');

-- The provider reports the review; a moderator hides it from the queue.
select tests.authenticate_as('rm_prov');
select lives_ok(format($$ select public.report_content('review', %L, 'offensive', 'Not what happened') $$, :'r1'),
  'the reviewed provider reports the review (kind review is registered)');
select tests.authenticate_as('rm_mod');
select is((select open_reports::integer from public.operator_report_queue where kind = 'review' and target_id = :'r1'), 1,
  'the review is in the moderation queue');
select lives_ok(format($$ select public.hide_content('review', %L, 'Abusive language') $$, :'r1'),
  'a moderator hides the review');
select tests.reset_authentication();
select isnt((select hidden_at from public.reviews where id = :'r1'), null, 'hidden through the review''s own hide handler');
select is((select array[rating_count, rating_sum] from public.provider_profiles where id = :'prov'), array[0, 0],
  'a hidden review leaves the provider''s numbers');
select tests.authenticate_as('rm_reader');
select is((select count(*)::integer from public.reviews where id = :'r1'), 0, 'other users no longer see it');
select tests.authenticate_as('rm_mod');
select lives_ok(format($$ select public.restore_content('review', %L, 'Appeal accepted') $$, :'r1'), 'a moderator restores it');
select tests.reset_authentication();
select is((select array[rating_count, rating_sum] from public.provider_profiles where id = :'prov'), array[1, 1],
  'restored, it counts again');

-- A suspended customer cannot review; the suspension lifted, they can.
select tests.authenticate_as('rm_mod');
select public.suspend_user(:'cust2', 'Fraudulent payments', private.now() + interval '7 days');
select tests.authenticate_as('rm_cust2');
select throws_ok(format($$ select public.submit_review('booking', %L, 4, '{}', 'Fine') $$, :'b2'), 'HL761', null,
  'a suspended user cannot write a review (HL761, the one suspension check)');
select tests.reset_authentication();
select is((select count(*)::integer from public.reviews where trade_id = :'b2'), 0, 'nothing was written');

-- A suspended provider cannot reply to a published review.
select tests.authenticate_as('rm_mod');
select public.suspend_user(:'prov', 'Under investigation');
select tests.authenticate_as('rm_prov');
select throws_ok(format($$ select public.reply_to_review(%L, 'We disagree') $$, :'r1'), 'HL761', null,
  'a suspended user cannot reply to a review');
select tests.authenticate_as('rm_mod');
select public.lift_suspension(:'prov', 'Investigation closed');
select public.lift_suspension(:'cust2', 'Payments verified');
select tests.authenticate_as('rm_prov');
select lives_ok(format($$ select public.reply_to_review(%L, 'We disagree') $$, :'r1'), 'lifted: the reply goes through');
select tests.authenticate_as('rm_cust2');
select lives_ok(format($$ select public.submit_review('booking', %L, 4, '{}', 'Fine') $$, :'b2'), 'lifted: the review goes through');

-- The reveal job (no signed-in user) publishes a suspended author's review when the window ends.
select tests.authenticate_as('rm_mod');
select public.suspend_user(:'cust2', 'Again');
select tests.reset_authentication();
select tests.freeze_time('2030-02-20 06:00:00+00');
select private.publish_due_reviews();
select isnt((select published_at from public.reviews where trade_id = :'b2' and author_side = 'customer'), null,
  'the reveal job publishes a suspended author''s review at the end of the window');

select * from finish();
rollback;
