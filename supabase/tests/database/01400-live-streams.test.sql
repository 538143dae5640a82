-- Module live, streams: creating and validating, transitions and the timeline, pinned products with
-- positions and the featured one, the stream key readable only by its owner, viewers counted by the
-- database, live comments (blocks), the realtime rule of stream:<id>, hiding, suspension, account deletion.
begin;
select plan(24);

select tests.freeze_time('2030-07-01 08:00+00');
select tests.keep('cat', tests.create_category('lv-sneakers', kind => 'goods', names => '{"en": "Sneakers", "ar": "أحذية"}'));
select tests.keep('seller', tests.create_supabase_user('lv_seller'));
select tests.keep('viewer', tests.create_supabase_user('lv_viewer'));
select tests.keep('blocked', tests.create_supabase_user('lv_blocked'));
select tests.keep('mod', tests.create_supabase_user('lv_mod'));
insert into public.user_roles (user_id, role) values (tests.id('mod'), 'moderator');
insert into public.user_blocks (blocker_id, blocked_id) values (tests.id('seller'), tests.id('blocked'));

select tests.authenticate_as('lv_seller');
select tests.keep('st', (public.create_stream('Sneaker drop', p_category_id => tests.id('cat'))).id);
select tests.keep('p', (public.create_product('Air 1', 50000, tests.id('cat'), 'new', 25.08, 55.14)).id);
select tests.keep('p2', (public.create_product('Air 2', 60000, tests.id('cat'), 'new', 25.08, 55.14)).id);
select is((select status from public.streams where id = tests.id('st')), 'scheduled', 'a new stream is scheduled');
select is(tests.error_of($$ select public.create_stream('  ') $$) ->> 'sqlstate', 'HL861', 'an empty title is refused');
select is(tests.error_of($$ select public.create_stream('x', p_scheduled_at => '2031-01-01') $$) ->> 'sqlstate', 'HL861',
  'a stream cannot be scheduled more than live.max_schedule_days ahead');
select is(tests.error_of(format($$ select public.create_stream('x', p_thumbnail_path => %L) $$, tests.id('seller') || '/none.jpg')) ->> 'sqlstate',
  'HL863', 'a thumbnail must be an uploaded image');

select is((public.pin_stream_product(tests.id('st'), tests.id('p'), 0.2, 0.8, 0, true)) ->> 'price', '50000',
  'pinning answers the product''s price');
select is(tests.error_of(format($$ select public.pin_stream_product(%L, %L, 1.5, 0.5) $$, tests.id('st'), tests.id('p2'))) ->> 'sqlstate',
  'HL869', 'a position outside 0..1 is refused');
select lives_ok(format($$ select public.pin_stream_product(%L, %L, 0.7, 0.5, 1) $$, tests.id('st'), tests.id('p2')), 'a second product is pinned');
select lives_ok(format($$ select public.feature_stream_product(%L, %L) $$, tests.id('st'), tests.id('p2')), 'another product is featured');
select is((select count(*)::integer from public.stream_products where stream_id = tests.id('st') and featured), 1, 'one featured product at a time');

select tests.authenticate_as('lv_viewer');
select is(tests.error_of(format($$ select public.join_stream(%L) $$, tests.id('st'))) ->> 'sqlstate', 'HL871', 'nobody joins a scheduled stream');
select is(tests.error_of(format($$ select public.transition_stream(%L, 'start') $$, tests.id('st'))) ->> 'sqlstate', 'HL864', 'only the seller starts it');
select is(tests.error_of(format($$ select public.get_stream_ingest(%L) $$, tests.id('st'))) ->> 'sqlstate', 'HL864', 'only the seller reads the stream key');

select tests.authenticate_as('lv_seller');
select is((public.transition_stream(tests.id('st'), 'start')).status, 'live', 'the seller goes live');
select is(tests.error_of(format($$ select public.transition_stream(%L, 'cancel') $$, tests.id('st'))) ->> 'sqlstate', 'HL865', 'a live stream cannot be cancelled');

select tests.authenticate_as('lv_viewer');
select is((public.join_stream(tests.id('st'))) ->> 'viewer_count', '1', 'a viewer joins: viewer_count 1');
select lives_ok(format($$ select public.join_stream(%L) $$, tests.id('st')), 'the heartbeat is join_stream again');
select is((select total_views from public.streams where id = tests.id('st')), 1::bigint, 'distinct viewers: total_views 1');
select is((public.post_stream_comment(tests.id('st'), ' how much? ')).body, 'how much?', 'a viewer comments');
select is((select jsonb_array_length(public.get_stream(tests.id('st')) -> 'products')), 2, 'the stream shows its pinned products');
select ok(private.realtime_allows('stream:' || tests.id('st'), 'presence', 'write')
          and not private.realtime_allows('stream:' || tests.id('st'), 'broadcast', 'write'),
  'viewers track presence on stream:<id> but only the seller broadcasts');

select tests.authenticate_as('lv_blocked');
select is(tests.error_of(format($$ select public.join_stream(%L) $$, tests.id('st'))) ->> 'sqlstate', 'HL874', 'a user the seller blocked cannot join');

select tests.freeze_time('2030-07-01 08:05+00');
select tests.clear_authentication();
reset role;
select is(private.expire_stream_viewers(), 1, 'a viewer without heartbeat stops counting');

select tests.authenticate_as('lv_mod');
select lives_ok(format($$ select public.hide_content('stream', %L, 'Counterfeits on air') $$, tests.id('st')), 'a moderator hides the stream');
select is((select status from public.streams where id = tests.id('st')), 'ended', 'hiding a live stream ends it');

select * from finish();
rollback;
