-- Module discovery, query plans: on enough rows for the planner to prefer indexes, no search
-- reads provider_profiles, service_listings or profiles sequentially, and the nearby and covering
-- searches walk the spatial indexes in distance order.
begin;
select plan(35);

select tests.freeze_time('2030-01-07 06:00:00+00');
insert into public.categories (slug, names) values
  ('disc-root', '{"en": "Disc root", "ar": "ج"}'),
  ('disc-other', '{"en": "Disc other", "ar": "ج"}');
insert into public.categories (slug, names, parent_id)
select v.slug, '{"en": "Disc", "ar": "ج"}', tests.category_id(v.parent)
  from (values ('disc-leaf-a', 'disc-root'), ('disc-leaf-b', 'disc-root'), ('disc-other-leaf', 'disc-other')) as v(slug, parent);
insert into public.categories (slug, names, is_active) values ('disc-retired', '{"en": "Retired", "ar": "ج"}', false);
select tests.create_supabase_user('disc_customer');

------------------------------------------------------------------------------------------------
-- Query plans, on enough rows for the planner to prefer indexes: 12,000 providers (half with a
-- listing) in a 1 x 1 degree square around C2 = (-20, 135). Each check EXPLAINs the exact text
-- the RPC executes (private.discovery_sql) with the arguments bound, as a signed-in user.
------------------------------------------------------------------------------------------------
-- The search world of the other discovery files in its final state (00300 and 00310 change p6, p7
-- and p9), so that the planner sees the same data as searches do there.
select tests.create_provider('disc_p' || v.n, 10 + v.north_deg, 20 + v.east_deg, radius_m => v.radius, available => v.avail,
         profile => jsonb_build_object('display_name', 'Disc provider ' || v.n, 'rating_avg', v.rating, 'rating_count', v.cnt,
                                       'rating_sum', round(v.rating * v.cnt),
                                       'is_verified', v.verified))
  from (values
    (1, tests.metres_to_degrees(1000), 0::float8, 5000, 4.80, 50, true, true),
    (2, 0, tests.metres_to_degrees(2000) / cos(radians(10)), 1000, 4.20, 10, false, false),
    (3, tests.metres_to_degrees(-3000), 0, 10000, 3.00, 3, true, false),
    (4, 0, tests.metres_to_degrees(-15000) / cos(radians(10)), 20000, 5.00, 1, false, false),
    (5, tests.metres_to_degrees(4000), 0, 10000, 4.90, 200, false, true),
    (6, tests.metres_to_degrees(500), 0, 5000, 5.00, 99, true, true),
    (7, tests.metres_to_degrees(50000), 0, 5000, 4.00, 5, true, false),
    (8, tests.metres_to_degrees(-6000), 0, 3000, 2.00, 4, false, false),
    (9, tests.metres_to_degrees(-6000), 0, 3000, 2.00, 4, false, false)
  ) as v(n, north_deg, east_deg, radius, rating, cnt, avail, verified);

insert into public.service_listings (provider_id, category_id, title, pricing_unit, base_price, is_active)
values
  (tests.get_supabase_uid('disc_p1'), tests.category_id('disc-leaf-a'), 'disc L1a', 'hourly', 10000, true),
  (tests.get_supabase_uid('disc_p1'), tests.category_id('disc-leaf-a'), 'disc L1b', 'fixed', 15000, true),
  (tests.get_supabase_uid('disc_p2'), tests.category_id('disc-leaf-b'), 'disc L2', 'hourly', 5000, true),
  (tests.get_supabase_uid('disc_p3'), tests.category_id('disc-leaf-a'), 'disc L3', 'fixed', 20000, true),
  (tests.get_supabase_uid('disc_p3'), tests.category_id('disc-leaf-b'), 'disc L3 old', 'fixed', 1000, false),
  (tests.get_supabase_uid('disc_p4'), tests.category_id('disc-other-leaf'), 'disc L4', 'fixed', 30000, true),
  (tests.get_supabase_uid('disc_p6'), tests.category_id('disc-leaf-a'), 'disc L6', 'hourly', 100, true),
  (tests.get_supabase_uid('disc_p8'), tests.category_id('disc-leaf-b'), 'disc L8', 'quote', 0, true);

-- Weekly hours (Dubai time; weekday 0 = Sunday) and time off.
insert into public.availability_rules (provider_id, weekday, start_time, end_time) values
  (tests.get_supabase_uid('disc_p1'), 1, '08:00', '12:00'),
  (tests.get_supabase_uid('disc_p2'), 1, '06:00', '09:00'),
  (tests.get_supabase_uid('disc_p2'), 2, '13:00', '15:00'),
  (tests.get_supabase_uid('disc_p3'), 1, '09:00', '17:00'),
  (tests.get_supabase_uid('disc_p3'), 2, '09:00', '17:00'),
  (tests.get_supabase_uid('disc_p5'), 1, '00:00', '23:59:59.999999');
insert into public.provider_time_off (provider_id, period)
values (tests.get_supabase_uid('disc_p3'), tstzrange('2030-01-07 04:00+00', '2030-01-07 08:00+00'));

update public.profiles set deleted_at = now() where id = tests.get_supabase_uid('disc_p6');
update public.provider_profiles
   set service_area = extensions.st_multi(extensions.st_makeenvelope(20.2, 9.9, 20.3, 10.1, 4326))::extensions.geography,
       base_location = tests.point(10 + tests.metres_to_degrees(150000), 20)
 where id = tests.get_supabase_uid('disc_p7');
update public.provider_profiles set timezone = 'Asia/Kolkata', is_available = true where id = tests.get_supabase_uid('disc_p9');
insert into public.availability_rules (provider_id, weekday, start_time, end_time) values (tests.get_supabase_uid('disc_p9'), 1, '09:00', '10:00');

select setseed(0.3);
create temp table bulk as
  select id, row_number() over () as n from tests.create_supabase_users('disc_bulk', 12000) as id;
-- Bulk fixture, loaded the way the benchmark's seed loads its providers: the derivation trigger
-- (coverage, computed here with the trigger's own expression) and the per-row triggers keeping
-- discovery's tables (per-category points, coverage cells, map tiles) are skipped, and those tables
-- rebuilt once afterwards by their refresh functions; category_ids and price_from are written as
-- the catalog derives them from the listings inserted next, whose inserts then change nothing on
-- the providers. (Row by row, the 12,000 providers and 6,000 listings took six minutes.)
alter table public.provider_profiles disable trigger provider_profiles_derive;
alter table public.provider_profiles disable trigger provider_profiles_category_points_insert;
alter table public.provider_profiles disable trigger provider_profiles_coverage_cells_insert;
alter table public.provider_profiles disable trigger provider_profiles_tiles_insert;
insert into public.provider_profiles (id, display_name, base_location, service_radius_m, rating_avg, rating_count,
                                      is_available, is_verified, coverage, category_ids, price_from)
select p.id, 'Bulk ' || p.n, p.loc, p.radius, round((1 + random() * 4)::numeric, 2), (p.n % 50)::int, p.n % 3 = 0, p.n % 5 = 0,
       extensions.st_multi(extensions.st_buffer(p.loc, p.radius::float8)::extensions.geometry)::extensions.geography,
       case when p.n % 2 = 0
            then array(select x from unnest((select c.path_ids from public.categories c
                                              where c.id = tests.category_id(case when p.n % 4 = 0 then 'disc-leaf-a' else 'disc-leaf-b' end))) x
                        order by x)
            else '{}' end,
       case when p.n % 2 = 0 then 1000 + (p.n % 100) * 100 end
  from (select b.id, b.n, case when b.n % 10 = 0 then 60000 else 2000 + (b.n % 10) * 1000 end as radius,
               extensions.st_setsrid(extensions.st_makepoint(134.5 + random(), -20.5 + random()), 4326)::extensions.geography as loc
          from bulk b offset 0) as p;
alter table public.provider_profiles enable trigger provider_profiles_derive;
alter table public.provider_profiles enable trigger provider_profiles_category_points_insert;
alter table public.provider_profiles enable trigger provider_profiles_coverage_cells_insert;
alter table public.provider_profiles enable trigger provider_profiles_tiles_insert;
insert into public.service_listings (provider_id, category_id, title, pricing_unit, base_price)
select b.id, case when b.n % 4 = 0 then tests.category_id('disc-leaf-a') else tests.category_id('disc-leaf-b') end,
       'Bulk listing ' || b.n, 'hourly', 1000 + (b.n % 100) * 100
  from bulk b where b.n % 2 = 0;
select ok(not exists (select from public.provider_profiles pp join bulk b on b.id = pp.id
                        cross join lateral (select coalesce(array_agg(distinct cid order by cid), '{}') as category_ids,
                                                   min(l.base_price) as price_from
                                              from public.service_listings l join public.categories c on c.id = l.category_id
                                             cross join lateral unnest(c.path_ids) cid
                                             where l.provider_id = pp.id and l.is_active) d
                       where (pp.category_ids, pp.price_from) is distinct from (d.category_ids, d.price_from)),
  'the bulk providers carry the categories and prices the catalog derives from their listings');
select private.refresh_provider_category_points(), private.refresh_provider_coverage_cells(), private.refresh_provider_tiles();
-- A provider based 300 km away whose drawn area covers C2.
select tests.create_supabase_user('disc_far');
insert into public.provider_profiles (id, display_name, base_location, service_area)
values (tests.get_supabase_uid('disc_far'), 'Far away',
        extensions.st_setsrid(extensions.st_makepoint(135, -20 + tests.metres_to_degrees(300000)), 4326)::extensions.geography,
        extensions.st_multi(extensions.st_makeenvelope(134.9, -20.1, 135.1, -19.9, 4326))::extensions.geography);
insert into public.service_listings (provider_id, category_id, title, pricing_unit, base_price)
values (tests.get_supabase_uid('disc_far'), tests.category_id('disc-other-leaf'), 'Far listing', 'fixed', 5000);
-- Monday hours for the bulk providers who take work (08:00-20:00), so that the planner sees
-- availability_rules at the fixture's scale and not whatever the database's other rows (seed,
-- earlier tests) left in its statistics. The row trigger's overlap check is skipped for this bulk
-- fixture (one rule per provider cannot overlap; the exclusion constraint still holds).
alter table public.availability_rules disable trigger availability_rules_check;
insert into public.availability_rules (provider_id, weekday, start_time, end_time)
select b.id, 1, '08:00', '20:00' from bulk b where b.n % 3 = 0;
alter table public.availability_rules enable trigger availability_rules_check;
analyze public.provider_profiles;
analyze public.service_listings;
analyze public.profiles;
analyze public.categories;
analyze public.availability_rules;
analyze private.provider_category_points;
analyze private.provider_coverage_cells;

create function pg_temp.plan(p_entity text, p_area text, p_sort text, p_filters jsonb default '{}',
                             p_mode text default 'rows') returns jsonb language plpgsql as $$
declare
  s private.discovery_search;
  v_plan json;
begin
  s := private.discovery_prepare(p_entity, p_area,
         case when p_area <> 'bounds' then coalesce((p_filters ->> 'lat')::float8, -20) end, case when p_area <> 'bounds' then 135 end,
         case when p_area = 'near' then coalesce((p_filters ->> 'radius')::float8, 5000) end,
         case when p_area = 'bounds' then -20.05 end, case when p_area = 'bounds' then 134.95 end,
         case when p_area = 'bounds' then -19.95 end, case when p_area = 'bounds' then 135.05 end,
         (p_filters ->> 'category')::uuid, (p_filters ->> 'min_rating')::numeric,
         coalesce((p_filters ->> 'available_now')::boolean, false), coalesce((p_filters ->> 'verified')::boolean, false),
         (p_filters ->> 'min_price')::numeric, (p_filters ->> 'max_price')::numeric, null, null,
         p_sort, p_filters ->> 'after', case when p_mode = 'cluster' then 8 else 20 end,
         case when p_mode = 'cluster' then 32 else 100 end);
  execute 'explain (format json) ' || private.discovery_sql(s, p_mode) into v_plan
    using s.point, s.scale, s.box, s.south, s.west, s.north, s.east, s.category_id, s.category_ids,
          s.min_rating, s.min_price, s.max_price, s.at, s.slot_window, s.after_k1, s.after_k2, s.after_id,
          s.row_limit, s.sort, s.fingerprint;
  return v_plan::jsonb;
end $$;
-- Relations read by a sequential scan anywhere in a plan.
create function pg_temp.seq_scanned(p_plan jsonb) returns text[] language sql immutable as $$
  select coalesce(array_agg(distinct r #>> '{}'), '{}')
    from jsonb_path_query(p_plan, 'strict $.**  ? (@."Node Type" == "Seq Scan")."Relation Name"') as r
   where r #>> '{}' in ('provider_profiles', 'service_listings', 'profiles', 'availability_rules')
$$;
-- Whether the plan walks the given GiST index in distance order (KNN).
create function pg_temp.knn(p_plan jsonb, p_index text) returns boolean language sql immutable as $$
  select jsonb_path_exists(p_plan, 'strict $.** ? (@."Index Name" == $i && exists (@."Order By"))', jsonb_build_object('i', p_index))
$$;
-- The statement of private.discovery_category_nearest, as the function runs it: over the
-- partitioned table with a generic plan (plan_cache_mode = force_generic_plan), the category a
-- parameter, so the partition is chosen when the plan starts.
create function pg_temp.category_walk_plan(p_category uuid) returns jsonb language plpgsql as $$
declare
  v_plan json;
  v_point extensions.geography := tests.point(-20, 135);
begin
  perform set_config('plan_cache_mode', 'force_generic_plan', true);
  execute $q$prepare category_walk(extensions.geography, extensions.geometry, extensions.geometry, double precision,
                                   uuid, numeric, integer) as
    select x.provider_id, d.distance, x.position operator(extensions.<->) $2 as planar
      from private.provider_category_points x
     cross join lateral (select x.location operator(extensions.<->) $1 as distance) d
     where x.category_id = $5
       and x.position operator(extensions.&&) $3
       and d.distance <= $4
       and ($6 is null or x.rating_avg >= $6)
     order by x.position operator(extensions.<->) $2
     limit $7$q$;
  execute format('explain (format json) execute category_walk(%L, %L, %L, 50000, %L, 4, 24)',
    v_point, private.discovery_position(v_point),
    extensions.st_expand(private.discovery_position(v_point), 50000 / private.discovery_planar_scale(-20, 50000)), p_category)
    into v_plan;
  deallocate category_walk;
  perform set_config('plan_cache_mode', 'auto', true);
  return v_plan::jsonb;
end $$;
-- The walk of private.discovery_open_nearest for "available now" inside the window (a cursor read
-- a batch at a time: planned for its first rows, as the limit does here).
create function pg_temp.open_walk_plan() returns jsonb language plpgsql as $$
declare
  v_plan json;
begin
  execute format($q$explain (format json)
    select x.provider_id, x.location operator(extensions.<->) %1$L::extensions.geography
      from private.provider_open_periods x
     where x.category_id = '00000000-0000-0000-0000-000000000000'
       and x.period operator(pg_catalog.@>) %2$L::timestamptz
       and x.location operator(extensions.&&) extensions._st_expand(%1$L::extensions.geography, 50000)
     order by x.location operator(extensions.<->) %1$L::extensions.geography
     limit 40$q$,
    tests.point(-20, 135), '2030-01-07 06:00+00') into v_plan;
  return v_plan::jsonb;
end $$;
grant execute on function pg_temp.plan(text, text, text, jsonb, text), pg_temp.seq_scanned(jsonb), pg_temp.knn(jsonb, text)
  to authenticated;

create temp table plans (name text, plan jsonb);
grant select, insert on plans to authenticated;
-- (As the owner: API roles cannot read the category table; the function reads it for them.)
create temp table walk_plan as select pg_temp.category_walk_plan(tests.category_id('disc-leaf-a')) as plan;
grant select on walk_plan to authenticated;
-- Table statistics of this transaction before one call of the category path (see below).
create temp table stats_before (relid oid, seq_scan bigint, idx_scan bigint, idx_tup_fetch bigint);
grant select, insert, delete on stats_before to authenticated;
select tests.authenticate_as('disc_customer');
insert into plans values
  ('providers near, distance', pg_temp.plan('provider', 'near', 'distance')),
  ('providers near 50 km, distance', pg_temp.plan('provider', 'near', 'distance', '{"radius": 50000}')),
  ('providers near 50 km, distance, after a cursor', pg_temp.plan('provider', 'near', 'distance',
     jsonb_build_object('radius', 50000, 'after', (select cursor from public.search_providers_nearby(-20, 135, 50000) offset 5 limit 1)))),
  ('providers near, category + rating', pg_temp.plan('provider', 'near', 'distance',
     jsonb_build_object('category', tests.category_id('disc-leaf-a'), 'min_rating', 4))),
  ('providers near, rating', pg_temp.plan('provider', 'near', 'rating')),
  ('providers near, price range', pg_temp.plan('provider', 'near', 'price', '{"min_price": 2000, "max_price": 8000}')),
  ('providers near, relevance, verified', pg_temp.plan('provider', 'near', 'relevance', '{"verified": true}')),
  ('providers near, available now', pg_temp.plan('provider', 'near', 'distance', '{"available_now": true}')),
  ('providers covering, distance', pg_temp.plan('provider', 'covering', 'distance')),
  ('providers covering few, distance', pg_temp.plan('provider', 'covering', 'distance', '{"lat": -21.2}')),
  ('providers covering, rating', pg_temp.plan('provider', 'covering', 'rating')),
  ('providers in bounds, distance', pg_temp.plan('provider', 'bounds', 'distance')),
  ('providers in bounds, price', pg_temp.plan('provider', 'bounds', 'price')),
  ('provider clusters', pg_temp.plan('provider', 'bounds', 'distance', '{}', 'cluster')),
  ('listings near, distance, category', pg_temp.plan('listing', 'near', 'distance',
     jsonb_build_object('category', tests.category_id('disc-leaf-a')))),
  ('listings near 50 km, distance, category', pg_temp.plan('listing', 'near', 'distance',
     jsonb_build_object('radius', 50000, 'category', tests.category_id('disc-leaf-a')))),
  ('listings near, price', pg_temp.plan('listing', 'near', 'price')),
  ('listings in bounds, distance', pg_temp.plan('listing', 'bounds', 'distance')),
  ('listing clusters', pg_temp.plan('listing', 'bounds', 'distance', '{}', 'cluster'));

select is(array(select name || ': ' || array_to_string(pg_temp.seq_scanned(plan), ', ') from plans
                 where pg_temp.seq_scanned(plan) <> '{}'),
          '{}'::text[], 'no discovery query plan reads provider_profiles, service_listings or profiles sequentially');
select ok(pg_temp.knn((select plan from plans where name = 'providers near 50 km, distance'), 'provider_profiles_base_location_idx'),
  'nearby providers by distance walk the base_location GiST index in KNN order (many candidates)');
-- The category path (a static statement of search_providers_nearby, planned once per
-- connection, so it cannot be EXPLAINed from here): what one call reads, from the transaction's
-- table statistics before and after it.
insert into stats_before
select x.relid, x.seq_scan, coalesce(x.idx_scan, 0), coalesce(x.idx_tup_fetch, 0) from pg_stat_xact_user_tables x;
select is((select count(*)::int from public.search_providers_nearby(-20, 135, 50000,
             p_category_id => tests.category_id('disc-leaf-a'), p_min_rating => 4)), 20,
  'a page of the category path (category + rating, by distance)');
create temp view stats_delta as
select x.schemaname, x.relname, x.seq_scan - coalesce(b.seq_scan, 0) as seq_scan,
       coalesce(x.idx_scan, 0) - coalesce(b.idx_scan, 0) as idx_scan,
       coalesce(x.idx_tup_fetch, 0) - coalesce(b.idx_tup_fetch, 0) as idx_tup_fetch
  from pg_stat_xact_user_tables x left join stats_before b on b.relid = x.relid;
select is(
  array(select relname || ': ' || seq_scan || ' seq, ' || idx_scan || ' index' from stats_delta
         where (seq_scan > 0 or idx_scan > 0)
           and (relname in ('provider_profiles', 'profiles', 'service_listings') or relname like 'provider\_category\_points%')
         order by relname = 'profiles', relname = 'provider_profiles', relname),
  array['provider_category_points_' || replace(tests.category_id('disc-leaf-a')::text, '-', '') || ': 0 seq, 1 index',
        'provider_profiles: 0 seq, 22 index', 'profiles: 0 seq, 22 index'],
  'with a category (and a rating) the candidates come from one walk of the category''s own index, the providers and profiles by id (the benchmark query)');
-- The ranked path (rating, price, relevance within 25 km): the cells' (cell, key) indexes of the
-- nil category's partition, the providers and profiles by id; nothing read sequentially.
delete from stats_before;
insert into stats_before
select x.relid, x.seq_scan, coalesce(x.idx_scan, 0), coalesce(x.idx_tup_fetch, 0) from pg_stat_xact_user_tables x;
select is((select count(*)::int from public.search_providers_nearby(-20, 135, 20000, p_sort => 'relevance')), 20,
  'a page sorted by relevance (the ranked path)');
select is(array(select relname || ': ' || seq_scan || ' seq' || case when idx_scan > 0 then ', index' else '' end
                  from stats_delta
                 where (seq_scan > 0 or idx_scan > 0)
                   and (relname in ('provider_profiles', 'profiles', 'service_listings') or relname like 'provider\_category\_points%')
                 order by relname = 'profiles', relname = 'provider_profiles', relname),
          array['provider_category_points_all: 0 seq, index', 'provider_profiles: 0 seq, index', 'profiles: 0 seq, index'],
  'sorted by relevance, the candidates come from the map cells'' key indexes, the providers and profiles by id');
-- The covering paths where many areas reach the point: by rating (and price) the coverage cells'
-- key indexes; by distance the nil category's walk and the drawn areas' index; by relevance the
-- map cells. Providers and profiles by id; nothing read sequentially.
create function pg_temp.reads() returns text[] language sql as $$
  select array(select relname || ': ' || seq_scan || ' seq' || case when idx_scan > 0 then ', index' else '' end
                 from stats_delta
                where (seq_scan > 0 or idx_scan > 0)
                  and (relname in ('provider_profiles', 'profiles', 'service_listings')
                       or relname like 'provider\_category\_points%' or relname like 'provider\_coverage\_cells%')
                order by relname = 'profiles', relname = 'provider_profiles', relname)
$$;
grant execute on function pg_temp.reads() to authenticated;
delete from stats_before;
insert into stats_before
select x.relid, x.seq_scan, coalesce(x.idx_scan, 0), coalesce(x.idx_tup_fetch, 0) from pg_stat_xact_user_tables x;
select is((select count(*)::int from public.search_providers_covering(-20, 135, p_sort => 'rating')), 20,
  'a page of providers covering the point by rating (the coverage cells)');
select is(pg_temp.reads(),
          array['provider_coverage_cells_all: 0 seq, index', 'provider_profiles: 0 seq, index', 'profiles: 0 seq, index'],
  'covering by rating: the coverage cells'' key index, the providers (exact tests, the page) and profiles by id');
delete from stats_before;
insert into stats_before
select x.relid, x.seq_scan, coalesce(x.idx_scan, 0), coalesce(x.idx_tup_fetch, 0) from pg_stat_xact_user_tables x;
select cmp_ok((select count(*)::int from public.search_providers_covering(-20, 135)), '>', 0, 'a page covering the point by distance');
select is(pg_temp.reads(),
          array['provider_category_points_all: 0 seq, index', 'provider_profiles: 0 seq, index', 'profiles: 0 seq, index'],
  'covering by distance: the nil category''s walk, the drawn areas and providers by index, profiles by id');
delete from stats_before;
insert into stats_before
select x.relid, x.seq_scan, coalesce(x.idx_scan, 0), coalesce(x.idx_tup_fetch, 0) from pg_stat_xact_user_tables x;
select cmp_ok((select count(*)::int from public.search_providers_covering(-20, 135, p_sort => 'relevance')), '>', 0, 'a page covering the point by relevance');
select is(pg_temp.reads(),
          array['provider_category_points_all: 0 seq, index', 'provider_profiles: 0 seq, index', 'profiles: 0 seq, index'],
  'covering by relevance: the map cells'' key indexes, the providers and profiles by id');
delete from stats_before;
insert into stats_before
select x.relid, x.seq_scan, coalesce(x.idx_scan, 0), coalesce(x.idx_tup_fetch, 0) from pg_stat_xact_user_tables x;
select is((select count(*)::int from public.search_listings_nearby(-20, 135, 50000, tests.category_id('disc-leaf-a'))), 20,
  'a page of listings nearby in a category by distance');
select is(array(select r from unnest(pg_temp.reads()) r where r not like 'provider\_coverage%'),
          array['provider_category_points_' || replace(tests.category_id('disc-leaf-a')::text, '-', '') || ': 0 seq, index',
                'service_listings: 0 seq, index', 'provider_profiles: 0 seq, index', 'profiles: 0 seq, index'],
  'listings nearby by distance: the category''s walk, then listings, providers and profiles by index');
-- Open now or with an open slot: the nil category's walk (batches), the rules and providers by index.
create function pg_temp.reads_with_rules() returns text[] language sql as $$
  select array(select relname || ': ' || seq_scan || ' seq' || case when idx_scan > 0 then ', index' else '' end
                 from stats_delta
                where (seq_scan > 0 or idx_scan > 0)
                  and (relname in ('provider_profiles', 'profiles', 'service_listings', 'availability_rules')
                       or relname like 'provider\_category\_points%' or relname = 'provider_open_periods')
                order by relname = 'profiles', relname = 'provider_profiles', relname)
$$;
grant execute on function pg_temp.reads_with_rules() to authenticated;
delete from stats_before;
insert into stats_before
select x.relid, x.seq_scan, coalesce(x.idx_scan, 0), coalesce(x.idx_tup_fetch, 0) from pg_stat_xact_user_tables x;
select is((select count(*)::int from public.search_providers_nearby(-20, 135, 50000, p_open_from => '2030-01-07 08:00+00',
                                                                     p_open_to => '2030-01-07 10:00+00')), 20,
  'a page of providers with an open slot, by distance');
select is(pg_temp.reads_with_rules(),
          array['availability_rules: 0 seq, index', 'provider_category_points_all: 0 seq, index',
                'provider_profiles: 0 seq, index', 'profiles: 0 seq, index'],
  'an open slot: the nil category''s walk, the weekly hours and the providers by index, profiles by id');
-- Available now inside the window of the open periods (rebuilt around the frozen present): their
-- walk, then the weekly hours, time off and providers by index; no category partition is read.
select tests.reset_authentication();
select cmp_ok(private.refresh_provider_open_periods()::int, '>', 3000, 'the open periods around the frozen present');
-- (Most of the fixture's providers with hours are open now: the periods are read whatever the share.)
update private.settings set value = '1.01' where key = 'discovery.open_periods_max_share';
analyze private.provider_open_periods;
create temp table open_walk_plan as
  select pg_temp.open_walk_plan() as plan;
grant select on open_walk_plan to authenticated;
select tests.authenticate_as('disc_customer');
delete from stats_before;
insert into stats_before
select x.relid, x.seq_scan, coalesce(x.idx_scan, 0), coalesce(x.idx_tup_fetch, 0) from pg_stat_xact_user_tables x;
select is((select count(*)::int from public.search_providers_nearby(-20, 135, 50000, p_available_now => true)), 20,
  'a page of providers available now, by distance');
select is(pg_temp.reads_with_rules(),
          array['availability_rules: 0 seq, index', 'provider_open_periods: 0 seq, index',
                'provider_profiles: 0 seq, index', 'profiles: 0 seq, index'],
  'available now: the open periods'' walk, the weekly hours and the providers by index, profiles by id; no category partition');
select ok(pg_temp.knn((select plan from open_walk_plan), 'provider_open_periods_walk_idx')
          and jsonb_path_exists((select plan from open_walk_plan),
                'strict $.** ? (@."Index Name" == "provider_open_periods_walk_idx" && @."Index Cond" like_regex "period @>")'),
  'the open periods'' walk: KNN on the (category, location, period) GiST index, the moment an index condition');
-- Map bounds with fewer rows than a page (here none: 12 km north of every provider): the category's
-- walk ends at the radius that holds the bounds, it does not read the whole partition.
delete from stats_before;
insert into stats_before
select x.relid, x.seq_scan, coalesce(x.idx_scan, 0), coalesce(x.idx_tup_fetch, 0) from pg_stat_xact_user_tables x;
select is((select count(*)::int from public.search_providers_in_bounds(-19.40, 134.99, -19.38, 135.01,
                                                                         p_category_id => tests.category_id('disc-leaf-a'))), 0,
  'map bounds of a category beyond every provider: an empty page');
select is((select idx_tup_fetch from stats_delta
            where relname = 'provider_category_points_' || replace(tests.category_id('disc-leaf-a')::text, '-', '')), 0::bigint,
  'and the category''s walk reads no row of its partition (the radius of the bounds is an index condition)');
select ok(jsonb_path_exists((select plan from walk_plan),
            'strict $.** ? (@."Index Name" like_regex "^provider_category_points_.*_position_idx$" && exists (@."Order By")
                            && @."Index Cond" like_regex "position.* &&")')
          and (select array_agg(r #>> '{}') from jsonb_path_query((select plan from walk_plan),
                 'strict $.** ? (@."Node Type" == "Index Scan")."Relation Name"') r)
              = array['provider_category_points_' || replace(tests.category_id('disc-leaf-a')::text, '-', '')]
          and jsonb_path_exists((select plan from walk_plan), 'strict $.** ? (@."Subplans Removed" > 0)'),
  'the category''s candidates: one generic plan, pruned when it starts to its own partition, a KNN walk of the plane positions'' GiST index with the radius''s box an index condition');
-- pg_temp.category_walk_plan explains a copy of the function's statement: the copy must stay it.
select ok(pg_get_functiondef('private.discovery_category_nearest'::regproc) like all (array[
            '%from private.provider_category_points x%',
            '%cross join lateral (select x.location operator(extensions.<->) p_point as distance) d%',
            '%where x.category_id = v_category%',
            '%and x.position operator(extensions.&&) v_box%',
            '%and d.distance <= p_radius%',
            '%order by x.position operator(extensions.<->) v_position%',
            '%limit v_read%']),
  'the explained statement is the one private.discovery_category_nearest runs (its table, conditions, order and limit)');
select ok(pg_temp.knn((select plan from plans where name = 'providers near 50 km, distance, after a cursor'), 'provider_profiles_base_location_idx'),
  'and on the next page');
select ok(pg_temp.knn((select plan from plans where name = 'providers in bounds, distance'), 'provider_profiles_base_location_idx'),
  'bounds by distance from the centre use KNN too');
select ok(pg_temp.knn((select plan from plans where name = 'listings near 50 km, distance, category'), 'provider_profiles_base_location_idx')
          and jsonb_path_exists((select plan from plans where name = 'listings near 50 km, distance, category'),
                'strict $.** ? (@."Index Name" == "service_listings_provider_id_idx")'),
  'nearby listings walk the providers'' GiST index in KNN order and join listings by provider_id');
select ok(pg_temp.knn((select plan from plans where name = 'providers covering, distance'), 'provider_profiles_base_location_idx'),
  'covering by distance where many areas reach the point walks the bases in KNN order');
select ok(
  jsonb_path_exists((select plan from plans where name = 'providers covering, distance'),
    'strict $.** ? (@."Index Name" == "provider_profiles_drawn_area_idx")'),
  'and finds drawn areas of far-away providers through the partial index');
select ok(
  jsonb_path_exists((select plan from plans where name = 'providers covering few, distance'),
    'strict $.** ? (@."Index Name" == "provider_profiles_coverage_idx")')
  and not pg_temp.knn((select plan from plans where name = 'providers covering few, distance'), 'provider_profiles_base_location_idx'),
  'where few areas reach the point, covering reads just those through the coverage index');
select is(
  array(select provider_id from public.search_providers_covering(-20, 135)),
  array(select p.id from public.provider_profiles p
         where extensions.st_intersects(p.coverage, extensions.st_setsrid(extensions.st_makepoint(135, -20), 4326)::extensions.geography)
         order by p.base_location <-> extensions.st_setsrid(extensions.st_makepoint(135, -20), 4326)::extensions.geography, p.id
         limit 20),
  'covering by KNN returns exactly the 20 nearest providers whose area covers the point');
select is(
  array(select provider_id from public.search_providers_covering(-20, 135, p_category_id => tests.category_id('disc-other'))),
  array[tests.get_supabase_uid('disc_far')],
  'covering by KNN still finds a drawn area of a provider based 300 km away');
select is(
  array(select provider_id from public.search_providers_covering(-21.2, 135)),
  array(select p.id from public.provider_profiles p
         where extensions.st_intersects(p.coverage, extensions.st_setsrid(extensions.st_makepoint(135, -21.2), 4326)::extensions.geography)
         order by p.base_location <-> extensions.st_setsrid(extensions.st_makepoint(135, -21.2), 4326)::extensions.geography, p.id
         limit 20),
  'covering through the coverage index returns the same as a brute-force search');
-- The plan checks can fail: without the spatial index the same query reads the table.
reset role;
drop index public.provider_profiles_base_location_idx;
select is(pg_temp.seq_scanned(pg_temp.plan('provider', 'near', 'distance')), array['provider_profiles'],
  'control: without the GiST index the nearby query scans provider_profiles');


select * from finish();
rollback;
