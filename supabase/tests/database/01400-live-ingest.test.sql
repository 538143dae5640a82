-- Module live, ingest: record_stream_ingest and apply_stream_ingest_event (service role only),
-- idempotency on the provider's event id, the transitions an ingest event fires (active starts,
-- idle and deleted end, disconnected leaves it to the no-ingest timer), ignored events (unknown
-- input, unhandled type, out of order, a stream that is over, a hidden stream), and product.updated
-- on the stream's topic when a pinned product is bought.
begin;
select plan(42);

select tests.freeze_time('2030-07-01 08:00+00');
select tests.keep('cat', tests.create_category('li-bags', kind => 'goods', names => '{"en": "Bags", "ar": "حقائب"}'));
select tests.keep('seller', tests.create_supabase_user('li_seller'));
select tests.keep('buyer', tests.create_supabase_user('li_buyer'));

select tests.authenticate_as('li_seller');
select tests.keep('st', (public.create_stream('Bag sale')).id);
select tests.keep('st2', (public.create_stream('Second sale')).id);
select tests.keep('st3', (public.create_stream('Hidden sale')).id);
select tests.keep('p', (public.create_product('Tote', 8000, tests.id('cat'), 'new', 25.08, 55.14)).id);
select lives_ok(format($$ select public.pin_stream_product(%L, %L, 0.5, 0.5, 0, true) $$, tests.id('st'), tests.id('p')), 'a product is pinned');

-- Only the service role records ingest and applies events.
select is(tests.error_of(format($$ select public.record_stream_ingest(%L, 'local', 'in_1', 'key-0123456789', 'rtmp://h/live', 'pb_1') $$,
  tests.id('st'))) ->> 'sqlstate', '42501', 'a seller cannot record ingest directly');
select is(tests.error_of($$ select public.apply_stream_ingest_event('local', 'e', 'active', 'in_1') $$) ->> 'sqlstate', '42501',
  'a user cannot apply ingest events');
select tests.clear_authentication();
select is(tests.error_of($$ select public.apply_stream_ingest_event('local', 'e', 'active', 'in_1') $$) ->> 'sqlstate', '42501',
  'anon cannot apply ingest events');

select tests.authenticate_as_service_role();
select is((public.record_stream_ingest(tests.id('st'), 'local', 'in_1', 'key-0123456789', 'rtmp://h/live', 'pb_1')) ->> 'created', 'true',
  'the service role records a live input');
select is((public.record_stream_ingest(tests.id('st'), 'local', 'in_other', 'key-other-99', 'rtmp://h/live', 'pb_2')) ->> 'live_input_id', 'in_1',
  'a second recording returns the first (idempotent)');
select is((select playback_id || '/' || ingest_status from public.streams where id = tests.id('st')), 'pb_1/idle',
  'the playback id is public on the stream; ingest idle');
select is(tests.error_of(format($$ select public.record_stream_ingest(%L, 'local', 'in_2', 'key-0123456789', 'http://h/live', 'pb') $$,
  tests.id('st2'))) ->> 'sqlstate', 'HL877', 'the ingest URL must be rtmp(s)');
select is(tests.error_of(format($$ select public.record_stream_ingest(%L, 'local', 'in_1', 'key-0123456789', 'rtmp://h/live', 'pb') $$,
  tests.id('st2'))) ->> 'sqlstate', 'HL877', 'a live input belongs to one stream');
select is(tests.error_of($$ select public.apply_stream_ingest_event('youtube', 'e', 'active', 'in_1') $$) ->> 'sqlstate', 'HL875',
  'an unknown provider is refused');

-- Events of stream st: connected, active (live), a replay, an older one, disconnected.
select is((public.apply_stream_ingest_event('local', 'ev1', 'connected', 'in_1', '2030-07-01 08:00:01+00')) ->> 'status', 'applied',
  'connected is applied');
select is((select status || '/' || ingest_status from public.streams where id = tests.id('st')), 'scheduled/connected',
  'connected only marks the ingest');
select is((public.apply_stream_ingest_event('local', 'ev2', 'active', 'in_1', '2030-07-01 08:00:05+00')) ->> 'stream_status', 'live',
  'active puts a scheduled stream live');
select is((public.apply_stream_ingest_event('local', 'ev2', 'active', 'in_1', '2030-07-01 08:00:05+00')) ->> 'status', 'duplicate',
  'the same event id again is a duplicate');
reset role;
select is((select count(*)::integer from private.stream_ingest_events where provider = 'local' and event_id = 'ev2'), 1,
  'the event is stored once');
select is((select actor || ':' || reason from public.stream_events where stream_id = tests.id('st') and transition = 'start'),
  'provider:ingest active', 'the timeline names the provider');
select tests.authenticate_as_service_role();
select is((public.apply_stream_ingest_event('local', 'ev0', 'idle', 'in_1', '2030-07-01 08:00:00+00')) ->> 'note',
  'older than the last applied event', 'an out-of-order older event changes nothing');
select is((public.apply_stream_ingest_event('local', 'ev3', 'disconnected', 'in_1', '2030-07-01 08:01:00+00')) ->> 'stream_status', 'live',
  'disconnected leaves the stream live');

-- Buy now: the pinned product's change is broadcast on the stream's topic.
select tests.authenticate_as('li_buyer');
select is((public.buy_product(tests.id('p'))).status, 'reserved', 'a viewer buys the pinned product');
select is((public.report_content('stream', tests.id('st')::text, 'prohibited')).reason, 'prohibited',
  'the prohibited reason applies to streams');
select tests.clear_authentication();
reset role;
select is((select (payload -> 'product' ->> 'available') || '/' || (payload -> 'product' ->> 'status') from realtime.messages
            where topic = 'stream:' || tests.id('st') and event = 'product.updated' order by inserted_at desc limit 1),
  'false/reserved', 'product.updated says it is no longer available');
select is((select p ->> 'available' from jsonb_array_elements(public.get_stream(tests.id('st')) -> 'products') p), 'false',
  'get_stream shows it unavailable');

-- The no-ingest timer ends a disconnected stream after live.no_ingest_minutes.
select tests.freeze_time('2030-07-01 08:12+00');
select tests.clear_authentication();
reset role;
select is((private.run_live_timers()) ->> 'ended', '1', 'no ingest for 10 minutes: the timer ends it');
select is((select actor || ':' || reason from public.stream_events where stream_id = tests.id('st') and transition = 'end'),
  'system:no ingest', 'ended by the system');

select tests.authenticate_as_service_role();
select is((public.apply_stream_ingest_event('local', 'ev4', 'active', 'in_1', '2030-07-01 08:12:30+00')) ->> 'note', 'the stream is ended',
  'an ended stream does not come back');
select is(tests.error_of(format($$ select public.record_stream_ingest(%L, 'local', 'in_9', 'key-0123456789', 'rtmp://h/live', 'pb_9') $$,
  tests.id('st'))) ->> 'sqlstate', 'HL866', 'no new ingest for a stream that is over');

-- Stream st2: active then idle (the broadcast is over) ends it; deleted disables the input.
select lives_ok(format($$ select public.record_stream_ingest(%L, 'mux', 'mux_2', 'mux-key-0123', 'rtmps://global-live.mux.com:443/app', 'mpb_2') $$,
  tests.id('st2')), 'a Mux live input for st2');
select is((public.apply_stream_ingest_event('mux', 'm1', 'active', 'mux_2')) ->> 'stream_status', 'live', 'st2 is live');
select is((public.apply_stream_ingest_event('mux', 'm2', 'idle', 'mux_2')) ->> 'stream_status', 'ended', 'idle ends it (provider)');
select is((public.apply_stream_ingest_event('mux', 'm3', 'deleted', 'mux_2')) ->> 'status', 'applied', 'deleted is applied');
reset role;
select ok((select disabled_at is not null from private.stream_ingest where stream_id = tests.id('st2')), 'the live input is disabled');
select tests.authenticate_as_service_role();

-- Ignored: unknown input, unhandled type, a hidden stream is not started.
select is((public.apply_stream_ingest_event('mux', 'm4', 'active', 'mux_unknown')) ->> 'note', 'unknown live input',
  'an unknown live input is ignored');
select is((public.apply_stream_ingest_event('mux', 'm5', 'video.asset.ready', 'mux_2')) ->> 'status', 'ignored',
  'an unhandled type is ignored');
select lives_ok(format($$ select public.record_stream_ingest(%L, 'mux', 'mux_3', 'mux-key-3333', 'rtmps://global-live.mux.com:443/app', 'mpb_3') $$,
  tests.id('st3')), 'a live input for st3');
reset role;
select private.set_stream_hidden(tests.id('st3'), true);
select tests.authenticate_as_service_role();
select is((public.apply_stream_ingest_event('mux', 'm6', 'active', 'mux_3')) ->> 'note', 'the stream is hidden',
  'a hidden stream does not go live');
select is((public.apply_stream_ingest_event('mux', 'm7', 'deleted', 'mux_3')) ->> 'status', 'applied', 'st3''s input is deleted');
select is((public.record_stream_ingest(tests.id('st3'), 'mux', 'mux_4', 'mux-key-4444', 'rtmps://global-live.mux.com:443/app', 'mpb_4'))
  ->> 'created', 'true', 'after a deletion a new live input replaces the old one');
reset role;
select is((select live_input_id || '/' || (disabled_at is null)::text from private.stream_ingest where stream_id = tests.id('st3')),
  'mux_4/true', 'one enabled ingest per stream');

-- The no-ingest timer counts from going live when ingest was provisioned long before.
select tests.freeze_time('2030-07-01 09:00+00');
reset role;
select tests.authenticate_as('li_seller');
select tests.keep('st4', (public.create_stream('Late start')).id);
select tests.authenticate_as_service_role();
select lives_ok(format($$ select public.record_stream_ingest(%L, 'local', 'in_4', 'key-4444444444', 'rtmp://h/live', 'pb_4') $$,
  tests.id('st4')), 'ingest provisioned at 09:00');
select tests.freeze_time('2030-07-01 09:30+00');
select tests.authenticate_as('li_seller');
select is((public.transition_stream(tests.id('st4'), 'start')).status, 'live', 'the seller starts at 09:30 without the encoder');
select tests.clear_authentication();
reset role;
select is((private.run_live_timers()) ->> 'ended', '0', 'right after, the timer leaves it live');
select tests.freeze_time('2030-07-01 09:41+00');
select is((private.run_live_timers()) ->> 'ended', '1', 'live.no_ingest_minutes after going live without ingest it ends');

select * from finish();
rollback;
