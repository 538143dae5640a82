-- Module discovery, pre-aggregated map tiles (private.provider_tiles): kept equal to a fresh
-- aggregation of the providers by their triggers (joining, moving, prices, categories, hiding,
-- closing), and map clusters from the tiles equal to exact counts when the grid's cells are made
-- of whole tiles, falling back to exact counting for fine grids and other filters.
begin;
select plan(11);

select tests.freeze_time('2030-01-07 06:00:00+00');
insert into public.categories (slug, names) values ('tile-a', '{"en": "Tile A", "ar": "ج"}'), ('tile-b', '{"en": "Tile B", "ar": "ج"}');

-- 400 providers within ~15 km of (-40, 60); prices and categories vary.
select tests.create_provider('tile_p' || n, -40 + ((n * 37) % 400 - 200) * 0.0007, 60 + ((n * 53) % 400 - 200) * 0.0009)
  from generate_series(1, 400) n;
insert into public.service_listings (provider_id, category_id, title, pricing_unit, base_price, is_active)
select tests.get_supabase_uid('tile_p' || n), tests.category_id(case when n % 3 = 0 then 'tile-b' else 'tile-a' end),
       'tile listing ' || n, 'hourly', 3000 + (n % 11) * 250, true
  from generate_series(1, 400) n;

-- What the tiles should hold: a fresh aggregation of the visible providers (a_provider apart).
create temp view expected_tiles as
  select c.id as category_id, z.level, floor((pp.base_lat + 90) / (360.0 / (1 << z.level)))::int as tile_y,
         floor((pp.base_lng + 180) / (360.0 / (1 << z.level)))::int as tile_x, count(*)::int as provider_count,
         round(sum(pp.base_lat)::numeric, 6) as sum_lat, round(sum(pp.base_lng)::numeric, 6) as sum_lng, min(pp.price_from) as min_price
    from public.provider_profiles pp
   cross join lateral unnest(pp.category_ids || '00000000-0000-0000-0000-000000000000'::uuid) c(id)
   cross join generate_series(12, 18) z(level)
   where pp.deleted_at is null and pp.hidden_at is null
   group by 1, 2, 3, 4;
create temp view actual_tiles as
  select category_id, level::int, tile_y, tile_x, provider_count, round(sum_lat::numeric, 6) as sum_lat,
         round(sum_lng::numeric, 6) as sum_lng, min_price
    from private.provider_tiles;
-- Each tile's named provider is one of its providers.
create temp view misnamed_tiles as
  select t.* from private.provider_tiles t
   where not exists (select 1 from public.provider_profiles pp
                      where pp.id = t.a_provider and pp.deleted_at is null and pp.hidden_at is null
                        and (t.category_id = '00000000-0000-0000-0000-000000000000' or pp.category_ids @> array[t.category_id])
                        and floor((pp.base_lat + 90) / (360.0 / (1 << t.level))) = t.tile_y
                        and floor((pp.base_lng + 180) / (360.0 / (1 << t.level))) = t.tile_x);

select set_eq('select * from actual_tiles', 'select * from expected_tiles',
  'every level''s tiles hold the counts, position sums and lowest price of their providers, per category and in all');
select is_empty('select * from misnamed_tiles', 'each tile names one of its own providers');

-- Moves, price changes (the cheapest provider of a tile gets dearer), a category change, hiding,
-- closing an account, a new provider.
update public.provider_profiles set base_location = tests.point(-40.05, 60.05) where id = tests.get_supabase_uid('tile_p1');
update public.service_listings set base_price = 99000
 where provider_id in (select pp.id from public.provider_profiles pp where pp.price_from = 3000 and pp.display_name like 'tile_p%' limit 30);
update public.service_listings set category_id = tests.category_id('tile-b') where provider_id = tests.get_supabase_uid('tile_p2');
update public.provider_profiles set hidden_at = now() where id = tests.get_supabase_uid('tile_p4');
update public.profiles set deleted_at = now() where id = tests.get_supabase_uid('tile_p5');
select tests.create_provider('tile_new', -40.01, 60.01);
select set_eq('select * from actual_tiles', 'select * from expected_tiles',
  'moves, dearer cheapest providers, category changes, hiding, closing and joining are followed');
select is_empty('select * from misnamed_tiles', 'and each tile still names one of its own providers');
select is(private.refresh_provider_tiles(), (select count(*) from expected_tiles), 'the rebuild writes as many tiles');
select set_eq('select * from actual_tiles', 'select * from expected_tiles', 'and the same ones');

-- The rebuild writes the tiles in key order: the tiles of a map view lie on neighbouring pages.
select is(array(select t.tile_y::bigint << 32 | t.tile_x from private.provider_tiles t
                 where t.category_id = '00000000-0000-0000-0000-000000000000' and t.level = 18 order by t.ctid),
          array(select t.tile_y::bigint << 32 | t.tile_x from private.provider_tiles t
                 where t.category_id = '00000000-0000-0000-0000-000000000000' and t.level = 18 order by t.tile_y, t.tile_x),
  'the rebuilt tiles of a level lie in the heap in key order');

-- Clusters: a 4 x 4 grid whose cells are whole tiles (bounds on the tile grid of level 16, 32
-- tiles a side): the tile path, exactly the brute-force grouping of the providers.
create temp table box as
  select floor((-40.09 + 90) / (360.0 / 65536)) * (360.0 / 65536) - 90 as south,
         floor((59.91 + 180) / (360.0 / 65536)) * (360.0 / 65536) - 180 as west;
alter table box add column north float8, add column east float8;
update box set north = south + 32 * (360.0 / 65536), east = west + 32 * (360.0 / 65536);
create function pg_temp.brute_clusters(p_category uuid, p_grid int) returns table (r int, c int, n int, lat numeric, lng numeric, min_price bigint)
language sql as $$
  select floor((pp.base_lat - b.south) / (b.north - b.south) * p_grid)::int, floor((pp.base_lng - b.west) / (b.east - b.west) * p_grid)::int,
         count(*)::int, round(avg(pp.base_lat)::numeric, 9), round(avg(pp.base_lng)::numeric, 9), min(pp.price_from)
    from public.provider_profiles pp, box b
   where pp.deleted_at is null and pp.hidden_at is null and (p_category is null or pp.category_ids @> array[p_category])
     and pp.base_lat >= b.south and pp.base_lat < b.north and pp.base_lng >= b.west and pp.base_lng < b.east
   group by 1, 2
$$;
grant select on box to authenticated;
grant execute on function pg_temp.brute_clusters(uuid, int) to authenticated;
select tests.authenticate_as('tile_p10');
select ok(private.discovery_tile_level(b.south, b.west, b.north, b.east, 4) in (16, 17), 'a 4 x 4 grid of 8-tile cells reads level 16 tiles')
  from box b;
select set_eq(
  $$select c.cell_row, c.cell_col, c.provider_count, round(c.lat::numeric, 9) as lat, round(c.lng::numeric, 9) as lng, c.min_price
      from box b, public.cluster_providers_in_bounds(b.south, b.west, b.north, b.east, 4, tests.category_id('tile-a')) c$$,
  $$select * from pg_temp.brute_clusters(tests.category_id('tile-a'), 4)$$,
  'clusters of a category from the tiles: the exact counts, mean positions and lowest prices when cells are whole tiles');
select set_eq(
  $$select c.cell_row, c.cell_col, c.provider_count from box b, public.cluster_providers_in_bounds(b.south, b.west, b.north, b.east, 4) c$$,
  $$select r, c, n from pg_temp.brute_clusters(null, 4)$$,
  'and of all providers');
-- A 32 x 32 grid over the same box: cells of 1/8 of a level-16 tile are finer than any level: exact.
select set_eq(
  $$select c.cell_row, c.cell_col, c.provider_count from box b, public.cluster_providers_in_bounds(b.south, b.west, b.north, b.east, 32) c
     where c.cell_row < 32$$,
  $$select r, c, n from pg_temp.brute_clusters(null, 32)$$,
  'a grid too fine for the tiles counts exactly');
select tests.clear_authentication();

select * from finish();
rollback;
