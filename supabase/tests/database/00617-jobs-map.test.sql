-- Module jobs, the job board on a map: list_open_jobs_in_bounds returns exactly the open jobs whose
-- fuzzed point lies in the bounds (brute force), nearest to the centre first, in keyset pages, with
-- the board's filters and rules (not my own jobs, not hidden, not closed); cluster_open_jobs_in_bounds
-- counts them exactly per cell; wrong callers and bad bounds get their codes.
begin;
select plan(15);

select tests.freeze_time('2030-03-01 08:00+00');
select tests.keep('cat_plumbing', tests.create_category('jm-plumbing', names => '{"en": "Plumbing", "ar": "سباكة"}'));
select tests.keep('cat_cleaning', tests.create_category('jm-cleaning', names => '{"en": "Cleaning", "ar": "تنظيف"}'));
select tests.keep('cust', tests.create_supabase_user('jm_cust'));
select tests.keep('jm_p', tests.create_provider('jm_p', 25.10, 55.15, tests.id('cat_plumbing'), 20000, true));

-- 40 jobs on a 0.02-degree lattice around (25.10, 55.15), every fifth in cleaning (one customer:
-- the posting rate limit raised for the fixture).
update private.settings set value = '{"limit": 100, "window": "1 hour"}' where key = 'rate_limit.post_job';
select tests.authenticate_as('jm_cust');
select count(public.post_job(case when g.i % 5 = 0 then tests.id('cat_cleaning') else tests.id('cat_plumbing') end,
                             'Map job ' || g.i, 25.04 + (g.i / 8) * 0.02, 55.08 + (g.i % 8) * 0.02, 60,
                             p_fixed_budget => 10000 + g.i * 100, p_asap => true))
  from generate_series(0, 39) g(i);
reset role;
-- One cancelled and one hidden job inside the bounds: not on the map.
update public.job_requests set status = 'cancelled', cancelled_at = now() where title = 'Map job 18';
update public.job_requests set hidden_at = now() where title = 'Map job 19';

create temp table expected as
  select j.id, j.category_id, j.fuzzed_location
    from public.job_requests j
   where j.title like 'Map job %' and j.status = 'open' and j.hidden_at is null
     and extensions.st_y(j.fuzzed_location::extensions.geometry) between 25.07 and 25.13
     and extensions.st_x(j.fuzzed_location::extensions.geometry) between 55.11 and 55.19;
grant select on expected to authenticated;
select cmp_ok((select count(*)::int from expected), '>=', 8, 'the bounds hold several open jobs (the fixture)');

select tests.authenticate_as('jm_p');
select set_eq($$ select id from public.list_open_jobs_in_bounds(25.07, 55.11, 25.13, 55.19, p_limit => 100) $$,
              $$ select id from expected $$,
  'exactly the open, visible jobs whose fuzzed point is inside the bounds');
select is(array(select distance_m from public.list_open_jobs_in_bounds(25.07, 55.11, 25.13, 55.19, p_limit => 100)),
          array(select distance_m from public.list_open_jobs_in_bounds(25.07, 55.11, 25.13, 55.19, p_limit => 100) order by distance_m),
  'nearest to the centre of the bounds first');
select is(array(select id from public.list_open_jobs_in_bounds(25.07, 55.11, 25.13, 55.19, p_limit => 3)
                union all
                select id from public.list_open_jobs_in_bounds(25.07, 55.11, 25.13, 55.19, p_limit => 100,
                  p_cursor => (select cursor from public.list_open_jobs_in_bounds(25.07, 55.11, 25.13, 55.19, p_limit => 3) offset 2))),
          array(select id from public.list_open_jobs_in_bounds(25.07, 55.11, 25.13, 55.19, p_limit => 100)),
  'a page of 3 and the rest after its cursor: every job once, in order');
select set_eq($$ select id from public.list_open_jobs_in_bounds(25.07, 55.11, 25.13, 55.19, p_category_id => tests.id('cat_cleaning')) $$,
              $$ select id from expected where category_id = tests.id('cat_cleaning') $$,
  'the board''s filters apply (category)');
select is((select count(*)::int from public.list_open_jobs_in_bounds(25.07, 55.11, 25.13, 55.19, p_my_categories_only => true)),
          (select count(*)::int from expected where category_id = tests.id('cat_plumbing')), 'and only my categories');

-- Clusters: exact counts per cell.
select set_eq(
  $$ select cell_row, cell_col, job_count from public.cluster_open_jobs_in_bounds(25.07, 55.11, 25.13, 55.19, 4) $$,
  $$ select least(floor((extensions.st_y(fuzzed_location::extensions.geometry) - 25.07) / 0.06 * 4)::int, 3) as r,
            least(floor((extensions.st_x(fuzzed_location::extensions.geometry) - 55.11) / 0.08 * 4)::int, 3) as c, count(*)::int as n
       from expected group by 1, 2 $$,
  'clusters: the exact count of each non-empty cell');
select is((select sum(job_count)::int from public.cluster_open_jobs_in_bounds(25.07, 55.11, 25.13, 55.19)), (select count(*)::int from expected),
  'every job of the bounds in one cell');
select ok((select bool_and((job_count = 1) = (job_id is not null)) from public.cluster_open_jobs_in_bounds(25.07, 55.11, 25.13, 55.19, 16)),
  'a cell of one job names it');

-- Errors.
select throws_ok($$ select * from public.list_open_jobs_in_bounds(25.13, 55.11, 25.07, 55.19) $$, 'HL324', null, 'inverted bounds: HL324');
select throws_ok($$ select * from public.list_open_jobs_in_bounds(24.0, 55.0, 25.5, 56.5) $$, 'HL324', null, 'bounds over ~100 km: HL324');
select throws_ok($$ select * from public.list_open_jobs_in_bounds(95, 55.11, 96, 55.19) $$, 'HL200', null, 'a latitude out of range: HL200');
select throws_ok($$ select * from public.cluster_open_jobs_in_bounds(25.07, 55.11, 25.13, 55.19, 0) $$, 'HL324', null, 'a grid of 0: HL324');
select tests.authenticate_as('jm_cust');
select throws_ok($$ select * from public.list_open_jobs_in_bounds(25.07, 55.11, 25.13, 55.19) $$, 'HL106', null,
  'a customer without a provider profile: HL106');
select throws_ok($$ select * from public.cluster_open_jobs_in_bounds(25.07, 55.11, 25.13, 55.19) $$, 'HL106', null, 'for clusters too');

select * from finish();
rollback;
