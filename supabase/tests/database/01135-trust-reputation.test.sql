-- Module trust, reputation: the Bayesian score, ratings maintained only through published,
-- visible reviews (providers on provider_profiles and user_reputation, customers on
-- user_reputation), exactly right after moderation hides and restores reviews (compared with a
-- recomputation from the reviews table), the repair functions, access, discovery's rating sort and
-- account deletion.
begin;
select plan(58);

-- Stored ratings that disagree with the published, visible reviews (empty = exactly right).
create function pg_temp.rating_mismatches() returns setof text language sql as $$
  with truth as (
    select r.reviewee_id as user_id, r.reviewee_role as role, count(*)::integer as n, sum(r.rating)::integer as stars
      from public.reviews r where r.published_at is not null and r.hidden_at is null
     group by 1, 2)
  select 'user_reputation ' || coalesce(u.user_id, t.user_id) || ' ' || coalesce(u.role, t.role)
    from public.user_reputation u
    full join truth t on t.user_id = u.user_id and t.role = u.role
   where (coalesce(u.rating_count, 0), coalesce(u.rating_sum, 0)) <> (coalesce(t.n, 0), coalesce(t.stars, 0))
      or u.rating_avg <> case when t.n > 0 then round(t.stars::numeric / t.n, 2) else 0 end
      or u.reputation_score <> round((5 * 3.5 + coalesce(t.stars, 0)) / (5 + coalesce(t.n, 0)), 4)
  union all
  select 'provider_profiles ' || p.id
    from public.provider_profiles p
    left join truth t on t.user_id = p.id and t.role = 'provider'
   where p.id in (select tests.get_supabase_uid(u) from unnest(array['rp_prov', 'rp_star']) u)
     and ((p.rating_count, p.rating_sum) <> (coalesce(t.n, 0), coalesce(t.stars, 0))
          or p.rating_avg <> case when t.n > 0 then round(t.stars::numeric / t.n, 2) else 0 end
          or p.reputation_score <> round((5 * 3.5 + coalesce(t.stars, 0)) / (5 + coalesce(t.n, 0)), 4));
$$;

------------------------------------------------------------------------------------------------
-- The score
------------------------------------------------------------------------------------------------
select is(private.reputation_score(0, 0), 3.5000, 'without ratings the score is the prior mean m = 3.5');
select is(private.reputation_score(5, 1), 3.7500, 'one 5-star rating: (5 * 3.5 + 5) / (5 + 1) = 3.75');
select is(private.reputation_score(240, 50), 4.6818, 'fifty 4.8s: (17.5 + 240) / 55 = 4.6818');
select ok(private.reputation_score(5, 1) < private.reputation_score(240, 50), 'one 5-star review does not beat fifty 4.8s');
select is(private.reputation_score(480, 100), 4.7381, 'a hundred 4.8s: (17.5 + 480) / 105 = 4.7381, towards their average');

select tests.create_supabase_user(u)
  from unnest(array['rp_prov', 'rp_star', 'rp_many', 'rp_c1', 'rp_c2', 'rp_c3', 'rp_c4', 'rp_c5', 'rp_c6', 'rp_c7',
                    'rp_other', 'rp_mod']) u;
insert into public.user_roles (user_id, role) values (tests.get_supabase_uid('rp_mod'), 'moderator');
select tests.get_supabase_uid('rp_prov') as prov, tests.get_supabase_uid('rp_star') as star,
       tests.get_supabase_uid('rp_many') as many \gset
-- Far from every other fixture: discovery below sees only these three.
select tests.create_provider('rp_prov', -33.0, -60.0);
select tests.create_provider('rp_star', -33.0, -60.01);
select tests.create_provider('rp_many', -33.0, -60.02);
select is((select reputation_score from public.provider_profiles where id = :'prov'), 3.5000,
  'a new provider profile starts at the prior mean (derived by trigger)');

select is((select array[rating_count::numeric, rating_sum, rating_avg, reputation_score]
             from private.adjust_provider_rating(:'many', 50, 240)),
  array[50, 240, 4.80, 4.6818], 'adjust_provider_rating adds ratings; rating_avg and reputation_score follow');
select throws_ok(format($$ select private.adjust_provider_rating(%L, -1, -5) $$, :'prov'), 'HL005', null,
  'removing ratings that were never added is HL005');
select throws_ok(format($$ select private.adjust_provider_rating(%L, 1, 6) $$, :'prov'), 'HL005', null,
  'more than 5 stars per rating is impossible (HL005)');
select throws_ok($$ select private.adjust_provider_rating('00000000-0000-4000-a000-0000000009ff', 1, 5) $$, 'HL220', null,
  'an unknown provider is HL220');

------------------------------------------------------------------------------------------------
-- Ratings follow publication only
------------------------------------------------------------------------------------------------
select tests.freeze_time('2030-01-07 06:00:00+00');
create temp table rp (customer text, booking uuid, stars integer, provider_stars integer, review uuid, back uuid);
insert into rp (customer, stars, provider_stars)
values ('rp_c1', 5, 4), ('rp_c2', 4, 5), ('rp_c3', 3, 2), ('rp_c4', 5, null), ('rp_c5', 1, null), ('rp_c6', 2, null);
update rp set booking = tests.create_booking(customer, 'rp_prov', 'completed');
create function pg_temp.review_as(who text, booking uuid, stars integer, comment text default null) returns uuid
language plpgsql as $$
declare v_id uuid;
begin
  perform tests.authenticate_as(who);
  v_id := (public.submit_review('booking', booking, stars, '{}', comment)).id;
  perform tests.reset_authentication();
  return v_id;
end $$;
update rp set review = pg_temp.review_as(customer, booking, stars, 'Review by ' || customer);
select is((select array[rating_count, rating_sum] from public.provider_profiles where id = :'prov'), array[0, 0],
  'unpublished reviews do not count');
update rp set back = pg_temp.review_as('rp_prov', booking, provider_stars, 'Back to ' || customer) where provider_stars is not null;
select is((select array[rating_count, rating_sum] from public.provider_profiles where id = :'prov'), array[3, 12],
  'the three trades reviewed by both sides count at once (5 + 4 + 3)');
select is((select array_agg(array[rating_count, rating_sum] order by user_id) from public.user_reputation
            where role = 'customer' and user_id in (select tests.get_supabase_uid(customer) from rp)),
  (select array_agg(array[1, provider_stars] order by tests.get_supabase_uid(customer)) from rp where provider_stars is not null),
  'each customer''s reputation counts the provider''s review of them');
select tests.freeze_time('2030-01-21 06:00:00+00');
select is(private.publish_due_reviews() ->> 'published', '3', 'the three lone reviews publish when the window ends');
select is((select row(rating_count, rating_sum, rating_avg, reputation_score)::text from public.provider_profiles where id = :'prov'),
  row(6, 20, 3.33, 3.4091)::text, 'provider_profiles: 6 ratings, 20 stars, average 3.33, score (17.5 + 20) / 11 = 3.4091');
select is((select row(rating_count, rating_sum, rating_avg, reputation_score)::text from public.user_reputation
            where user_id = :'prov' and role = 'provider'),
  row(6, 20, 3.33, 3.4091)::text, 'user_reputation holds the same numbers for the provider role');
select is_empty($$ select * from pg_temp.rating_mismatches() $$, 'stored ratings equal a recomputation from the reviews');

------------------------------------------------------------------------------------------------
-- Moderation: hiding removes a review from the ratings, restoring adds it back (idempotent)
------------------------------------------------------------------------------------------------
select review as r5 from rp where customer = 'rp_c5' \gset
select review as r1 from rp where customer = 'rp_c1' \gset
select is(private.review_author(:'r5'), tests.get_supabase_uid('rp_c5'), 'review_author is the author');
select is(private.review_author('00000000-0000-4000-a000-0000000009ff'), null, 'review_author of an unknown review is null');
select lives_ok(format($$ select private.set_review_hidden(%L, true) $$, :'r5'), 'a moderator action hides the 1-star review');
select is((select row(rating_count, rating_sum, rating_avg, reputation_score)::text from public.provider_profiles where id = :'prov'),
  row(5, 19, 3.80, 3.6500)::text, 'it leaves the average and the score: 5 ratings, 19 stars, (17.5 + 19) / 10 = 3.65');
select is_empty($$ select * from pg_temp.rating_mismatches() $$, 'still exactly the recomputation after hiding');
select lives_ok(format($$ select private.set_review_hidden(%L, true) $$, :'r5'), 'hiding again is accepted');
select is((select array[rating_count, rating_sum] from public.provider_profiles where id = :'prov'), array[5, 19],
  'and changes nothing (idempotent)');
select is((select count(*)::integer from public.audit_log where action = 'review.hidden' and target_id = :'r5'), 1,
  'the hiding is audited once (review.hidden)');

select tests.authenticate_as('rp_other');
select is((select count(*)::integer from public.reviews where id = :'r5'), 0, 'a hidden review is invisible to others');
select ok(:'r5'::uuid <> all (array(select id from public.list_reviews(:'prov', p_limit => 100))), 'and not listed');
select tests.authenticate_as('rp_c5');
select is((select count(*)::integer from public.reviews where id = :'r5'), 1, 'its author still sees it');
select tests.authenticate_as('rp_mod');
select is((select hidden_at is not null from public.reviews where id = :'r5'), true, 'moderators see it, hidden');
select tests.authenticate_as('rp_prov');
select throws_ok(format($$ select public.reply_to_review(%L, 'Hm') $$, :'r5'), 'HL717', null, 'nobody replies to a hidden review (HL717)');
select tests.reset_authentication();

select lives_ok(format($$ select private.set_review_hidden(%L, false) $$, :'r5'), 'restoring it');
select is((select array[rating_count, rating_sum] from public.provider_profiles where id = :'prov'), array[6, 20],
  'adds it back to the ratings');
select lives_ok(format($$ select private.set_review_hidden(%L, false) $$, :'r5'), 'restoring again is accepted');
select is((select count(*)::integer from public.audit_log where action = 'review.restored' and target_id = :'r5'), 1,
  'and audited once (review.restored)');
select is_empty($$ select * from pg_temp.rating_mismatches() $$, 'exactly the recomputation after restoring');
select throws_ok($$ select private.set_review_hidden('00000000-0000-4000-a000-0000000009ff', true) $$, 'HL717', null,
  'hiding an unknown review is HL717');
select throws_ok(format($$ select private.set_review_hidden(%L, null) $$, :'r5'), 'HL004', null, 'hide or restore, not null (HL004)');

-- A review hidden before publication publishes hidden: not counted, nobody notified.
select tests.freeze_time('2030-01-22 06:00:00+00');
select tests.create_booking('rp_c7', 'rp_prov', 'completed') as b7 \gset
select pg_temp.review_as('rp_c7', :'b7', 5) as r7 \gset
select private.set_review_hidden(:'r7', true);
select tests.freeze_time('2030-02-06 06:00:00+00');
select is(private.publish_due_reviews() ->> 'published', '1', 'a hidden review still publishes at the window''s end');
select is((select array[rating_count, rating_sum] from public.provider_profiles where id = :'prov'), array[6, 20],
  'but does not count');
select is(tests.notification_count('rp_prov', 'review.published', 'trade_id', :'b7'), 0, 'and nobody is notified of it');
select private.set_review_hidden(:'r7', false);
select is((select array[rating_count, rating_sum] from public.provider_profiles where id = :'prov'), array[7, 25],
  'restored after publication, it counts');
select is_empty($$ select * from pg_temp.rating_mismatches() $$, 'exactly the recomputation');

------------------------------------------------------------------------------------------------
-- Discovery sorts by the score, filters on the average
------------------------------------------------------------------------------------------------
select tests.create_booking('rp_c1', 'rp_star', 'completed') as b_star \gset
select pg_temp.review_as('rp_c1', :'b_star', 5);
select pg_temp.review_as('rp_star', :'b_star', 5);
select tests.authenticate_as('rp_other');
select is(array(select provider_id from public.search_providers_nearby(-33.0, -60.01, 5000, p_sort => 'rating')),
  array[:'many'::uuid, :'star'::uuid, :'prov'::uuid],
  'rating sort: fifty 4.8s (4.68) before one 5-star review (3.75), before 25 stars in 7 ratings (3.54)');
select is(array(select provider_id from public.search_providers_nearby(-33.0, -60.01, 5000, p_min_rating => 4.9)),
  array[:'star'::uuid], 'the minimum rating filters on the average stars (5.00)');
select is((select reputation_score from public.search_providers_nearby(-33.0, -60.01, 5000) where provider_id = :'star'), 3.7500,
  'discovery returns the reputation score');
select tests.reset_authentication();

------------------------------------------------------------------------------------------------
-- Repairs
------------------------------------------------------------------------------------------------
-- rp_many's fifty ratings were added without reviews: the reviews are the source of truth.
select private.adjust_provider_rating(:'many', -50, -240);
select is(private.recompute_reputation(), 0, 'recompute_reputation finds nothing to correct');
update public.provider_profiles set rating_count = 9, rating_sum = 40 where id = :'prov';
delete from public.user_reputation where user_id = tests.get_supabase_uid('rp_c1');
select is(private.recompute_reputation(), 2, 'it corrects drifted totals (a provider profile, a missing reputation row)');
select is_empty($$ select * from pg_temp.rating_mismatches() $$, 'back to the recomputation');
update private.settings set value = '4' where key = 'reputation.prior_mean';
select ok(private.refresh_reputation_scores() > 0, 'after the prior changes, refresh_reputation_scores re-derives the scores');
select is((select reputation_score from public.provider_profiles where id = :'prov'), round((5 * 4 + 25) / 12.0, 4),
  'with the new prior mean');
update private.settings set value = '3.5' where key = 'reputation.prior_mean';
select private.refresh_reputation_scores();

------------------------------------------------------------------------------------------------
-- Access
------------------------------------------------------------------------------------------------
select tests.authenticate_as('rp_other');
select is((select reputation_score from public.user_reputation where user_id = :'prov' and role = 'provider'), 3.5417,
  'signed-in users read reputation ((17.5 + 25) / 12)');
select throws_ok(format($$ update public.user_reputation set rating_sum = 100 where user_id = %L $$, :'prov'), '42501', null,
  'nobody writes reputation');
select throws_ok(format($$ select private.set_review_hidden(%L, true) $$, :'r1'), '42501', null,
  'users cannot hide reviews through the private function');
select throws_ok($$ select private.publish_due_reviews() $$, '42501', null, 'nor run the reveal job');
select tests.clear_authentication();
select throws_ok($$ select count(*) from public.user_reputation $$, '42501', null, 'anon cannot read reputation');
select tests.reset_authentication();

------------------------------------------------------------------------------------------------
-- Account deletion: the stars stay, the words go
------------------------------------------------------------------------------------------------
select back as r2back from rp where customer = 'rp_c2' \gset
select review as r2 from rp where customer = 'rp_c2' \gset
select tests.authenticate_as('rp_c2');
select public.reply_to_review(:'r2back', 'Thanks, see you');
select tests.reset_authentication();
select tests.delete_own_account('rp_c2');
select is((select row(author_id, comment, rating)::text from public.reviews where id = :'r2'), row(null::uuid, null::text, 4::smallint)::text,
  'a deleted author''s review keeps its stars without author or comment');
select is((select row(reply, replied_by, replied_at is not null)::text from public.reviews where id = :'r2back'),
  row(null::text, null::uuid, true)::text, 'their reply is removed (the review stays replied)');
select is_empty($$ select * from pg_temp.rating_mismatches() $$, 'ratings are unchanged by the deletion');

select * from finish();
rollback;
