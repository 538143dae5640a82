-- Module trust, reviews: who may review which trade and when (completed, a party, once per side,
-- within the window, never while disputed), content rules, the double-blind phase and the
-- reveal (at once when both wrote; by the job under a frozen clock when the window ends), edits
-- before publication only, one reply by the reviewed side, the dispute freeze, and the reads.
begin;
select plan(92);

------------------------------------------------------------------------------------------------
-- Fixtures: rv_cust books rv_prov (alone) and rv_bprov (Review Co, managed by rv_mgr); rv_op is
-- an admin (resolves disputes), rv_mod a moderator, rv_other a stranger.
------------------------------------------------------------------------------------------------
select tests.create_supabase_user(u)
  from unnest(array['rv_cust', 'rv_cust2', 'rv_prov', 'rv_bprov', 'rv_mgr', 'rv_other', 'rv_op', 'rv_mod']) u;
select tests.get_supabase_uid('rv_cust') as cust, tests.get_supabase_uid('rv_cust2') as cust2,
       tests.get_supabase_uid('rv_prov') as prov, tests.get_supabase_uid('rv_bprov') as bprov,
       tests.get_supabase_uid('rv_mgr') as mgr, tests.get_supabase_uid('rv_other') as other,
       tests.get_supabase_uid('rv_op') as op, tests.get_supabase_uid('rv_mod') as moderator \gset
insert into public.user_roles (user_id, role) values (:'op', 'admin'), (:'moderator', 'moderator');
select tests.create_business('rv_bprov', 'Review Co', managers => array['rv_mgr'], id => 'b0000000-0000-4000-8000-00000000a130');
select tests.create_provider('rv_prov', 25.20, 55.27);
select tests.create_provider('rv_bprov', 25.21, 55.27, profile => '{"business_id": "b0000000-0000-4000-8000-00000000a130"}');

-- Monday 2030-01-07 10:00 in Dubai.
select tests.freeze_time('2030-01-07 06:00:00+00');
select tests.create_booking('rv_cust', 'rv_prov', 'completed') as b1 \gset
select tests.create_booking('rv_cust', 'rv_prov', 'completed') as b2 \gset
select tests.create_booking('rv_cust', 'rv_prov', 'completed') as b3 \gset
select tests.create_booking('rv_cust', 'rv_prov', 'requested') as b_req \gset
select tests.create_booking('rv_cust', 'rv_prov', 'cancelled') as b_cancel \gset
select tests.create_booking('rv_cust2', 'rv_prov', 'disputed') as b_disp \gset
select tests.create_booking('rv_cust2', 'rv_prov', 'resolved', operator => 'rv_op') as b_res \gset
select tests.create_booking('rv_cust', 'rv_bprov', 'completed') as b_biz \gset

------------------------------------------------------------------------------------------------
-- Who, which trade, when
------------------------------------------------------------------------------------------------
select tests.clear_authentication();
select throws_ok(format($$ select public.submit_review('booking', %L, 5) $$, :'b1'), '42501', null,
  'anon cannot call submit_review');
select tests.authenticate_as('rv_other');
select throws_ok(format($$ select public.submit_review('booking', %L, 5) $$, :'b1'), 'HL701', null,
  'a stranger cannot review a trade they were not part of (HL701)');
select throws_ok(format($$ select public.submit_review('rental', %L, 5) $$, :'b1'), 'HL700', null,
  'an unknown trade kind is HL700');
select tests.authenticate_as('rv_cust');
select throws_ok(format($$ select public.submit_review('booking', %L, 5) $$, :'b_req'), 'HL710', null,
  'a booking not completed yet cannot be reviewed (HL710)');
select throws_ok(format($$ select public.submit_review('booking', %L, 5) $$, :'b_cancel'), 'HL710', null,
  'a cancelled booking is never reviewed (HL710)');
select tests.authenticate_as('rv_cust2');
select throws_ok(format($$ select public.submit_review('booking', %L, 5) $$, :'b_disp'), 'HL713', null,
  'a disputed booking''s reviews are frozen (HL713)');
select lives_ok(format($$ select public.submit_review('booking', %L, 4, '{"quality": 4}', 'Fixed after the dispute') $$, :'b_res'),
  'a booking whose dispute was resolved can be reviewed');

------------------------------------------------------------------------------------------------
-- Content
------------------------------------------------------------------------------------------------
select tests.authenticate_as('rv_cust');
select throws_ok(format($$ select public.submit_review('booking', %L, 0) $$, :'b1'), 'HL714', null, 'zero stars is HL714');
select throws_ok(format($$ select public.submit_review('booking', %L, 6) $$, :'b1'), 'HL714', null, 'six stars is HL714');
select throws_ok(format($$ select public.submit_review('booking', %L, null) $$, :'b1'), 'HL714', null, 'no stars is HL714');
select throws_ok(format($$ select public.submit_review('booking', %L, 5, '{"speed": 5}') $$, :'b1'), 'HL715', null,
  'a sub-rating the kind does not list is HL715');
select throws_ok(format($$ select public.submit_review('booking', %L, 5, '{"quality": 6}') $$, :'b1'), 'HL715', null,
  'a sub-rating above 5 is HL715');
select throws_ok(format($$ select public.submit_review('booking', %L, 5, '{"quality": 4.5}') $$, :'b1'), 'HL715', null,
  'a fractional sub-rating is HL715');
select throws_ok(format($$ select public.submit_review('booking', %L, 5, '["quality"]') $$, :'b1'), 'HL715', null,
  'sub-ratings must be an object (HL715)');
select throws_ok(format($$ select public.submit_review('booking', %L, 5, '{}', %L) $$, :'b1', repeat('x', 2001)), 'HL716', null,
  'a comment over 2000 characters is HL716');
select tests.authenticate_as('rv_prov');
select throws_ok(format($$ select public.submit_review('booking', %L, 5, '{"quality": 5}') $$, :'b1'), 'HL715', null,
  'the provider rates the customer only on the customer sub-ratings (quality is HL715)');
select is((select count(*)::integer from public.reviews where trade_id = :'b1'), 0, 'nothing was written by refused reviews');

------------------------------------------------------------------------------------------------
-- Double-blind: the first review is hidden from everyone but its author
------------------------------------------------------------------------------------------------
select tests.freeze_time('2030-01-08 06:00:00+00');
select tests.authenticate_as('rv_cust');
select (public.submit_review('booking', :'b1', 4, '{"quality": 5, "punctuality": 3}', '  Good work  ')).id as r1 \gset
select tests.reset_authentication();
select is((select row(author_side, author_id, reviewee_id, reviewee_role, rating, subratings, comment, published_at)::text
             from public.reviews where id = :'r1'),
  row('customer', :'cust'::uuid, :'prov'::uuid, 'provider', 4::smallint, '{"quality": 5, "punctuality": 3}'::jsonb, 'Good work',
      null::timestamptz)::text,
  'the customer''s review of the provider is stored unpublished, comment trimmed');
select is((select window_ends_at from public.reviews where id = :'r1'),
  (select completed_at from public.bookings where id = :'b1') + interval '14 days',
  'its window ends 14 days (trust.review_window_days) after completion');
select is(tests.notification_count('rv_prov', 'review.received', 'trade_id', :'b1'), 1,
  'the provider is told a review arrived (review.received)');
select tests.authenticate_as('rv_cust');
select throws_ok(format($$ select public.submit_review('booking', %L, 5) $$, :'b1'), 'HL711', null,
  'a side reviews a trade once (HL711)');
select is((select count(*)::integer from public.reviews where id = :'r1'), 1, 'the author reads their unpublished review');
select tests.authenticate_as('rv_prov');
select is((select count(*)::integer from public.reviews where trade_id = :'b1'), 0, 'the reviewee cannot read it before publication');
select tests.authenticate_as('rv_other');
select is((select count(*)::integer from public.reviews where trade_id = :'b1'), 0, 'nor can anyone else');
select is((select count(*)::integer from public.list_reviews(:'prov')), 0, 'it is not listed among the provider''s reviews');
select tests.authenticate_as('rv_mod');
select is((select count(*)::integer from public.reviews where trade_id = :'b1'), 1, 'moderators (content.moderate) read every review');

select tests.authenticate_as('rv_prov');
select results_eq(
  format($$ select author_side, written, mine, review_id, rating, comment from public.get_trade_reviews('booking', %L) $$, :'b1'),
  $$ values ('customer', true, false, null::uuid, null::smallint, null::text), ('provider', false, true, null, null, null) $$,
  'get_trade_reviews shows the provider that the customer wrote one, without its content');
select results_eq(
  $$ select trade_id, side, reviewee_role, review_deadline, other_side_reviewed from public.my_reviews_to_write() where trade_id = $$ || quote_literal(:'b1'),
  format($$ values (%L::uuid, 'provider', 'customer', %L::timestamptz, true) $$, :'b1',
         (select completed_at + interval '14 days' from public.bookings where id = :'b1')),
  'the provider has b1 to review, with the deadline and the customer''s review waiting');
select tests.authenticate_as('rv_cust');
select ok(not exists (select 1 from public.my_reviews_to_write() where trade_id = :'b1')
          and exists (select 1 from public.my_reviews_to_write() where trade_id = :'b2' and side = 'customer' and not other_side_reviewed),
  'the customer has b1 no more, b2 still');
select results_eq(
  format($$ select author_side, written, mine, rating from public.get_trade_reviews('booking', %L) $$, :'b1'),
  $$ values ('customer', true, true, 4::smallint), ('provider', false, false, null) $$,
  'the author sees their own review in get_trade_reviews');
select tests.authenticate_as('rv_other');
select throws_ok(format($$ select * from public.get_trade_reviews('booking', %L) $$, :'b1'), 'HL701', null,
  'a stranger cannot read a trade''s reviews (HL701)');

-- Editing before publication: the author only.
select tests.authenticate_as('rv_cust');
select is((public.edit_review(:'r1', 5, '{"quality": 5}', 'Great work')).rating, 5::smallint,
  'the author may edit their review while it is unpublished');
select is((select row(rating, subratings, comment)::text from public.reviews where id = :'r1'),
  row(5::smallint, '{"quality": 5}'::jsonb, 'Great work')::text, 'the edit replaces stars, sub-ratings and comment');
select throws_ok(format($$ select public.edit_review(%L, 7) $$, :'r1'), 'HL714', null, 'edits are checked like reviews');
select tests.authenticate_as('rv_prov');
select throws_ok(format($$ select public.edit_review(%L, 1) $$, :'r1'), 'HL717', null, 'nobody else edits it (HL717)');
select throws_ok(format($$ select public.reply_to_review(%L, 'Thanks') $$, :'r1'), 'HL717', null,
  'nobody replies to an unpublished review (HL717: not visible)');
select tests.authenticate_as('rv_cust');
select throws_ok(format($$ select public.reply_to_review(%L, 'Thanks') $$, :'r1'), 'HL719', null,
  'the author cannot reply before publication either (HL719)');

------------------------------------------------------------------------------------------------
-- The second review publishes both at once
------------------------------------------------------------------------------------------------
select tests.freeze_time('2030-01-09 06:00:00+00');
select tests.authenticate_as('rv_prov');
select (public.submit_review('booking', :'b1', 3, '{"communication": 3, "punctuality": 4}', 'Was late to answer')).id as r2 \gset
select tests.reset_authentication();
select is(array(select published_at from public.reviews where trade_id = :'b1' order by author_side),
  array['2030-01-09 06:00:00+00', '2030-01-09 06:00:00+00']::timestamptz[],
  'the second review publishes both reviews in the same transaction');
select is((select array[rating_count, rating_sum] from public.provider_profiles where id = :'prov'), array[1, 5],
  'the provider''s rating counts the published review');
select is((select array[rating_count, rating_sum] from public.user_reputation where user_id = :'cust' and role = 'customer'), array[1, 3],
  'the customer''s reputation counts the provider''s review');
select is(tests.notification_count('rv_prov', 'review.published', 'trade_id', :'b1')
          + tests.notification_count('rv_cust', 'review.published', 'trade_id', :'b1'), 2,
  'both reviewees are told their review was published');
select is(tests.notification_count('rv_cust', 'review.received', 'trade_id', :'b1'), 0,
  'no review.received when the second review publishes both');

select tests.authenticate_as('rv_other');
select is((select count(*)::integer from public.reviews where trade_id = :'b1'), 2, 'published reviews are readable by signed-in users');
select tests.authenticate_as('rv_cust');
select throws_ok(format($$ select public.edit_review(%L, 1) $$, :'r1'), 'HL718', null, 'a published review cannot be edited (HL718)');
select results_eq(
  format($$ select author_side, written, mine, rating, comment from public.get_trade_reviews('booking', %L) $$, :'b1'),
  $$ values ('customer', true, true, 5::smallint, 'Great work'), ('provider', true, false, 3::smallint, 'Was late to answer') $$,
  'after publication each party sees both reviews');

-- Replies: the reviewed side, once.
select throws_ok(format($$ select public.reply_to_review(%L, 'Thanks!') $$, :'r1'), 'HL719', null,
  'the author cannot reply to their own review (HL719)');
select tests.authenticate_as('rv_other');
select throws_ok(format($$ select public.reply_to_review(%L, 'Thanks!') $$, :'r1'), 'HL719', null,
  'a stranger cannot reply (HL719)');
select tests.authenticate_as('rv_prov');
select throws_ok(format($$ select public.reply_to_review(%L, '   ') $$, :'r1'), 'HL721', null, 'an empty reply is HL721');
select throws_ok(format($$ select public.reply_to_review(%L, %L) $$, :'r1', repeat('y', 2001)), 'HL721', null,
  'a reply over 2000 characters is HL721');
select is((public.reply_to_review(:'r1', ' Thank you! ')).reply, 'Thank you!', 'the reviewed provider replies');
select throws_ok(format($$ select public.reply_to_review(%L, 'Again') $$, :'r1'), 'HL720', null, 'only once (HL720)');
select tests.authenticate_as('rv_cust');
select lives_ok(format($$ select public.reply_to_review(%L, 'I was at work') $$, :'r2'), 'the customer replies to the provider''s review');

------------------------------------------------------------------------------------------------
-- Reads: a user's reviews, keyset pages
------------------------------------------------------------------------------------------------
select tests.authenticate_as('rv_other');
select results_eq(
  format($$ select id, reviewee_role, author_side, author_id, author_username is not null, rating, comment, reply
              from public.list_reviews(%L) $$, :'prov'),
  format($$ values (%L::uuid, 'provider', 'customer', %L::uuid, true, 5::smallint, 'Great work', 'Thank you!') $$, :'r1', :'cust'),
  'list_reviews: the provider''s published reviews with author and reply');
select is((select count(*)::integer from public.list_reviews(:'cust', 'customer')), 1, 'list_reviews by role');
select is((select count(*)::integer from public.list_reviews(:'cust', 'provider')), 0, 'another role lists nothing');
select throws_ok(format($$ select * from public.list_reviews(%L, 'admin') $$, :'cust'), 'HL722', null, 'an unknown role is HL722');
select throws_ok(format($$ select * from public.list_reviews(%L, null, null, 0) $$, :'cust'), 'HL722', null, 'a page of 0 is HL722');
select throws_ok($$ select * from public.list_reviews(null) $$, 'HL722', null, 'a user is required (HL722)');
select throws_ok(format($$ select * from public.list_reviews(%L, null, 'garbage') $$, :'cust'), 'HL007', null, 'a bad cursor is HL007');
select tests.clear_authentication();
select throws_ok(format($$ select * from public.list_reviews(%L) $$, :'prov'), '42501', null, 'anon cannot list reviews');

------------------------------------------------------------------------------------------------
-- The window: the reveal job publishes a lone review when it ends (frozen clock)
------------------------------------------------------------------------------------------------
select tests.authenticate_as('rv_cust');
select (public.submit_review('booking', :'b2', 2, '{}', 'Meh')).id as r3 \gset
select tests.reset_authentication();
select (select completed_at from public.bookings where id = :'b2') + interval '14 days' as b2_end \gset
select tests.freeze_time(:'b2_end'::timestamptz - interval '1 minute');
select is(private.publish_due_reviews() ->> 'published', '0', 'before the window ends the reveal job publishes nothing');
select is((select published_at from public.reviews where id = :'r3'), null, 'the lone review is still hidden');
select tests.freeze_time(:'b2_end'::timestamptz);
select tests.authenticate_as('rv_prov');
select throws_ok(format($$ select public.submit_review('booking', %L, 5) $$, :'b2'), 'HL712', null,
  'after the window nobody reviews (HL712)');
select tests.authenticate_as('rv_cust');
select throws_ok(format($$ select public.edit_review(%L, 3) $$, :'r3'), 'HL712', null, 'nor edits (HL712)');
select tests.reset_authentication();
-- Due now: r3 and rv_cust2's review of b_res (resolved on 2030-01-07, the same window end).
select is(private.publish_due_reviews(), '{"published": 2, "frozen": 0, "window_moved": 0}'::jsonb,
  'when the window ends the reveal job publishes the lone reviews');
select is((select published_at from public.reviews where id = :'r3'), :'b2_end'::timestamptz, 'published at the tick');
select is((select array[rating_count, rating_sum] from public.provider_profiles where id = :'prov'), array[3, 11],
  'and counted in the provider''s rating (5 + 2 + 4 stars)');
select is(tests.notification_count('rv_prov', 'review.published', 'trade_id', :'b2'), 1, 'the provider is told');
select is(private.publish_due_reviews(), '{"published": 0, "frozen": 0, "window_moved": 0}'::jsonb, 'the job is idempotent');
select is((select count(*)::integer from cron.job where jobname = 'hyperlocal-review-reveal' and schedule = '* * * * *'
             and command = 'select private.publish_due_reviews()'), 1, 'pg_cron runs the reveal job every minute');

------------------------------------------------------------------------------------------------
-- Batches: the job publishes at most the batch size per run, oldest window first
------------------------------------------------------------------------------------------------
select tests.freeze_time('2030-01-07 06:00:00+00');
select tests.create_booking('rv_cust2', 'rv_prov', 'completed') as b4 \gset
select tests.freeze_time('2030-01-07 07:00:00+00');
select tests.create_booking('rv_cust2', 'rv_prov', 'completed') as b5 \gset
select tests.authenticate_as('rv_cust2');
select public.submit_review('booking', :'b4', 5), public.submit_review('booking', :'b5', 5);
select tests.reset_authentication();
select tests.freeze_time('2030-02-01 00:00:00+00');
select is(private.publish_due_reviews(1) ->> 'published', '1', 'a run publishes at most its batch size');
select ok((select published_at is not null from public.reviews where trade_id = :'b4')
          and (select published_at is null from public.reviews where trade_id = :'b5'),
  'the review whose window ended first goes first');
select is(private.publish_due_reviews(1) ->> 'published', '1', 'the next run takes the next one');

------------------------------------------------------------------------------------------------
-- A dispute freezes the trade's reviews: no writes, no reveal, until resolved
------------------------------------------------------------------------------------------------
select tests.freeze_time('2030-01-07 12:00:00+00');
select tests.authenticate_as('rv_cust');
select (public.submit_review('booking', :'b3', 1, '{}', 'Broke the tap')).id as r4 \gset
select tests.apply_booking_transition(:'b3', 'dispute', 'customer', :'cust');
select tests.authenticate_as('rv_prov');
select throws_ok(format($$ select public.submit_review('booking', %L, 2) $$, :'b3'), 'HL713', null,
  'while disputed the other side cannot write (HL713)');
select ok(not exists (select 1 from public.my_reviews_to_write() where trade_id = :'b3'),
  'a disputed trade is not offered for review');
select tests.authenticate_as('rv_cust');
select throws_ok(format($$ select public.edit_review(%L, 2) $$, :'r4'), 'HL713', null, 'nor can the author edit (HL713)');
select tests.reset_authentication();
select tests.freeze_time('2030-01-25 00:00:00+00');
select is(private.publish_due_reviews(), '{"published": 0, "frozen": 1, "window_moved": 0}'::jsonb,
  'past the window the reveal job leaves a disputed trade''s review hidden');
select is((select array[published_at::text, window_ends_at::text] from public.reviews where id = :'r4'),
  array[null, '2030-01-25 01:00:00+00'],
  'and rechecks it after trust.review_frozen_recheck_minutes');
select tests.apply_booking_transition(:'b3', 'resolve', 'operator', :'op');
select tests.freeze_time('2030-01-25 02:00:00+00');
select is(private.publish_due_reviews(), '{"published": 0, "frozen": 0, "window_moved": 1}'::jsonb,
  'once resolved, the review window restarts at the resolution');
select is((select window_ends_at from public.reviews where id = :'r4'), '2030-02-08 00:00:00+00'::timestamptz,
  'the review now waits for the new window''s end');
select tests.authenticate_as('rv_prov');
select lives_ok(format($$ select public.submit_review('booking', %L, 2) $$, :'b3'), 'the other side can write after the resolution');
select tests.reset_authentication();
select is((select count(*)::integer from public.reviews where trade_id = :'b3' and published_at = '2030-01-25 02:00:00+00'), 2,
  'and both publish together');

-- A dispute on a trade whose reviews are published freezes replies too.
select tests.freeze_time('2030-01-26 00:00:00+00');
select tests.create_booking('rv_cust2', 'rv_prov', 'completed') as b6 \gset
select tests.authenticate_as('rv_cust2');
select (public.submit_review('booking', :'b6', 2)).id as r6 \gset
select tests.authenticate_as('rv_prov');
select public.submit_review('booking', :'b6', 4);
select tests.apply_booking_transition(:'b6', 'dispute', 'provider', :'prov');
select tests.authenticate_as('rv_prov');
select throws_ok(format($$ select public.reply_to_review(%L, 'Unfair') $$, :'r6'), 'HL713', null,
  'replies wait for the dispute''s resolution too (HL713)');

------------------------------------------------------------------------------------------------
-- A business's provider side: an owner or manager reviews for it, once per side
------------------------------------------------------------------------------------------------
select tests.freeze_time('2030-01-08 00:00:00+00');
select tests.authenticate_as('rv_mgr');
select is((select row(author_side, author_id, reviewee_id, reviewee_role)::text from public.submit_review('booking', :'b_biz', 5, '{"communication": 5}')),
  row('provider', :'mgr'::uuid, :'cust'::uuid, 'customer')::text,
  'a manager of the provider''s business reviews the customer for the provider side');
select tests.authenticate_as('rv_bprov');
select throws_ok(format($$ select public.submit_review('booking', %L, 3) $$, :'b_biz'), 'HL711', null,
  'the provider cannot review the same trade again (one review per side)');
select tests.authenticate_as('rv_cust');
select is((select reviewee_id from public.submit_review('booking', :'b_biz', 4)), :'bprov'::uuid,
  'the customer''s review of a business booking is about the provider');
select tests.authenticate_as('rv_mgr');
select lives_ok(format($$ select public.reply_to_review(r.id, 'Thanks from Review Co') from public.reviews r
                          where r.trade_id = %L and r.author_side = 'customer' $$, :'b_biz'),
  'a manager replies for the provider side');

------------------------------------------------------------------------------------------------
-- Writes only through the RPCs
------------------------------------------------------------------------------------------------
select tests.authenticate_as('rv_cust');
select throws_ok(format($$ update public.reviews set rating = 1 where id = %L $$, :'r1'), '42501', null,
  'authors cannot update the table directly');
select throws_ok(format($$ delete from public.reviews where id = %L $$, :'r1'), '42501', null, 'nor delete');
select throws_ok(format($$ insert into public.reviews (trade_kind, trade_id, author_side, author_id, reviewee_id, reviewee_role,
                                                      rating, window_ends_at)
                           values ('booking', %L, 'customer', %L, %L, 'provider', 5, now()) $$, :'b_req', :'cust', :'prov'),
  '42501', null, 'nor insert');
select tests.authenticate_as_service_role();
select throws_ok(format($$ update public.reviews set rating = 1 where id = %L $$, :'r1'), '42501', null,
  'not even the service role writes reviews directly');
select tests.reset_authentication();
select is((select rating from public.reviews where id = :'r1'), 5::smallint, 'the review is unchanged');

select * from finish();
rollback;
