-- Module discovery, the per-category spatial index (private.provider_category_points): kept in
-- step with provider_profiles by its triggers (listings, moves, ratings, hiding, closing), a
-- partition per service category, and the nearby search in a category returning exactly what a
-- brute-force query over provider_profiles returns, page after page.
begin;
select plan(12);

select tests.freeze_time('2030-01-07 06:00:00+00');
insert into public.categories (slug, names) values ('cp-root', '{"en": "CP root", "ar": "ج"}');
insert into public.categories (slug, names, parent_id)
select v.slug, '{"en": "CP", "ar": "ج"}', tests.category_id('cp-root')
  from (values ('cp-leaf-a'), ('cp-leaf-b')) as v(slug);

select ok(to_regclass('private.provider_category_points_' || replace(tests.category_id('cp-leaf-a')::text, '-', '')) is not null,
  'a new service category gets its own partition');

-- 300 providers around (-30, 40) within ~20 km, ratings 3.0-5.0, in leaf a (2 of 3) or b.
select tests.create_provider('cp_p' || n, -30 + ((n * 37) % 300 - 150) * 0.0012, 40 + ((n * 53) % 300 - 150) * 0.0014,
         profile => jsonb_build_object('rating_avg', 3 + (n % 21) * 0.1, 'rating_count', 5, 'rating_sum', round((3 + (n % 21) * 0.1) * 5)))
  from generate_series(1, 300) n;
insert into public.service_listings (provider_id, category_id, title, pricing_unit, base_price, is_active)
select tests.get_supabase_uid('cp_p' || n), tests.category_id(case when n % 3 = 0 then 'cp-leaf-b' else 'cp-leaf-a' end),
       'cp listing ' || n, 'hourly', 5000, true
  from generate_series(1, 300) n;

-- The rows equal a query over provider_profiles (visible providers, each category with its ancestors).
create temp view expected_points as
  select c.id as category_id, pp.id as provider_id, pp.base_location::text as location, pp.rating_avg
    from public.provider_profiles pp cross join lateral unnest(pp.category_ids) c(id)
   where pp.deleted_at is null and pp.hidden_at is null and pp.base_location is not null;
create temp view actual_points as
  select x.category_id, x.provider_id, x.location::text as location, x.rating_avg from private.provider_category_points x;
select set_eq('select * from actual_points', 'select * from expected_points',
  'a row per visible provider and category (listings'' categories and their ancestors)');
select is((select count(*)::int from private.provider_category_points where category_id = tests.category_id('cp-root')), 300,
  'the parent category holds every provider of its subcategories');

update public.provider_profiles set base_location = tests.point(-30.1, 40.1) where id = tests.get_supabase_uid('cp_p1');
update public.provider_profiles set rating_avg = 1.5 where id = tests.get_supabase_uid('cp_p2');
update public.provider_profiles set hidden_at = now() where id = tests.get_supabase_uid('cp_p4');
update public.profiles set deleted_at = now() where id = tests.get_supabase_uid('cp_p5');
update public.service_listings set is_active = false where provider_id = tests.get_supabase_uid('cp_p7');
select set_eq('select * from actual_points', 'select * from expected_points',
  'moves, ratings, hiding, closing an account and retiring listings are followed');
select ok(not exists (select 1 from private.provider_category_points where provider_id = tests.get_supabase_uid('cp_p7')),
  'a provider without active listings has no rows');
update public.provider_profiles set hidden_at = null where id = tests.get_supabase_uid('cp_p4');
select set_eq('select * from actual_points', 'select * from expected_points', 'unhiding brings the rows back');

select is(private.refresh_provider_category_points(), (select count(*) from expected_points),
  'the rebuild writes the same rows');
select set_eq('select * from actual_points', 'select * from expected_points', 'and only them');

-- Exactness: the nearby search in a category with a minimum rating returns what brute force does.
create temp table cp_points as
  select k, -30 + (k % 5 - 2) * 0.05 as lat, 40 + (k / 5 - 2) * 0.05 as lng from generate_series(0, 24) k;
create function pg_temp.brute(p_lat float8, p_lng float8, p_category uuid, p_min_rating numeric, p_radius float8,
                              p_offset int, p_limit int) returns uuid[] language sql as $$
  select array(select pp.id from public.provider_profiles pp
                where pp.deleted_at is null and pp.hidden_at is null and pp.category_ids @> array[p_category]
                  and (p_min_rating is null or pp.rating_avg >= p_min_rating)
                  and (pp.base_location operator(extensions.<->) tests.point(p_lat, p_lng)) <= p_radius
                order by pp.base_location operator(extensions.<->) tests.point(p_lat, p_lng), pp.id
               offset p_offset limit p_limit)
$$;
grant select on cp_points to authenticated;
grant execute on function pg_temp.brute(float8, float8, uuid, numeric, float8, int, int) to authenticated;
select tests.authenticate_as('cp_p10');
select is((select count(*)::int from cp_points p
            where array(select r.provider_id from public.search_providers_nearby(p.lat, p.lng, 8000, tests.category_id('cp-leaf-a'), 4.2) r)
                  is distinct from pg_temp.brute(p.lat, p.lng, tests.category_id('cp-leaf-a'), 4.2, 8000, 0, 20)),
  0, 'category + rating, 25 points: the same 20 providers in the same order as brute force');
select is((select count(*)::int from cp_points p
            where array(select r.provider_id from public.search_providers_nearby(p.lat, p.lng, 3000, tests.category_id('cp-root'), null, p_limit => 50) r)
                  is distinct from pg_temp.brute(p.lat, p.lng, tests.category_id('cp-root'), null, 3000, 0, 50)),
  0, 'a parent category without a rating, 3 km, 50 a page: the same as brute force (pages cut by the radius too)');
select is((select count(*)::int from cp_points p
            where array(select r2.provider_id
                          from (select r.cursor from public.search_providers_nearby(p.lat, p.lng, 10000, tests.category_id('cp-leaf-a'), 4, p_limit => 7) r
                                 offset 6) c
                          cross join lateral public.search_providers_nearby(p.lat, p.lng, 10000, tests.category_id('cp-leaf-a'), 4,
                                                                            p_after => c.cursor, p_limit => 7) r2)
                  is distinct from pg_temp.brute(p.lat, p.lng, tests.category_id('cp-leaf-a'), 4, 10000, 7, 7)),
  0, 'the second page through the cursor: the same as brute force');
select cmp_ok((select sum(cardinality(pg_temp.brute(p.lat, p.lng, tests.category_id('cp-leaf-a'), 4.2, 8000, 0, 20)))::int from cp_points p),
  '>', 200, 'the comparisons are not empty: the 25 points find over 200 providers in all');
select tests.clear_authentication();

select * from finish();
rollback;
