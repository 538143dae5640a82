-- Module trust, disputes: the registry (private.dispute_kinds and the booking transition handler),
-- opening (who, when, reasons, nothing written on refusal), what a dispute stops (capture,
-- release, auto-completion), statements and evidence (dispute-evidence storage policies), the
-- operator's resolution (outcome against what was paid; the ledger after a partial refund),
-- transition_booking's dispute/resolve kept in step with the record, the timeout rule and
-- escalation under a frozen clock, the operator queue, reads and RLS, audit and notifications.
begin;
select plan(132);

------------------------------------------------------------------------------------------------
-- Fixtures: dp_prov works alone; dp_owner's business Dispute Co (manager dp_mgr, staff dp_staff);
-- dp_cust books them; dp_op is support (disputes.resolve), dp_mod a moderator (no permission),
-- dp_adm an admin who is also a customer; dp_other has nothing to do with it.
------------------------------------------------------------------------------------------------
select tests.create_supabase_user(u)
  from unnest(array['dp_cust', 'dp_prov', 'dp_owner', 'dp_mgr', 'dp_staff', 'dp_other', 'dp_op', 'dp_mod', 'dp_adm']) u;
select tests.get_supabase_uid('dp_cust') as cust, tests.get_supabase_uid('dp_prov') as prov,
       tests.get_supabase_uid('dp_mgr') as mgr, tests.get_supabase_uid('dp_op') as op,
       tests.get_supabase_uid('dp_other') as other, tests.get_supabase_uid('dp_adm') as adm,
       tests.get_supabase_uid('dp_owner') as owner, tests.get_supabase_uid('dp_mod') as mod \gset
insert into public.user_roles (user_id, role) values (:'op', 'support'), (:'mod', 'moderator'), (:'adm', 'admin');
select tests.create_business('dp_owner', 'Dispute Co', managers => array['dp_mgr'], staff => array['dp_staff'],
                             id => 'b0000000-0000-4000-8000-000000001120');
select tests.create_provider('dp_prov', 25.20, 55.27);
select tests.create_provider('dp_owner', 25.20, 55.27, profile => '{"business_id": "b0000000-0000-4000-8000-000000001120"}');
select tests.freeze_time(date_trunc('minute', now()));
select private.now() as t0 \gset
update private.settings set value = '{"limit": 100000, "window": "1 minute"}' where key = 'rate_limit.payments';

------------------------------------------------------------------------------------------------
-- The registry
------------------------------------------------------------------------------------------------
select results_eq($$ select kind, open_handler, resolve_handler, refundable_handler from private.dispute_kinds where kind = 'booking' $$,
  $$ values ('booking'::text, 'private.open_booking_dispute(uuid,uuid,text,text,jsonb)'::text,
             'private.resolve_booking_dispute(uuid,uuid,text,bigint,text,jsonb)'::text, 'private.booking_refundable(uuid)'::text) $$,
  'bookings are a dispute kind, with schema-qualified handlers');
select throws_ok($$ insert into private.dispute_kinds (kind, module, open_handler, resolve_handler, refundable_handler, description)
                    values ('booking', 'x', 'private.booking_refundable(uuid)', 'private.resolve_booking_dispute(uuid,uuid,text,bigint,text,jsonb)',
                            'private.booking_refundable(uuid)', 'wrong') on conflict (kind) do update set open_handler = excluded.open_handler $$,
  '23514', null, 'a handler with the wrong signature is refused');
select throws_ok($$ insert into private.dispute_kinds (kind, module, open_handler, resolve_handler, refundable_handler, description)
                    values ('purchase', 'goods', 'private.nope(uuid)', 'private.nope(uuid)', 'private.nope(uuid)', 'x') $$,
  null, null, 'a kind must be a trade kind with existing handlers');
select results_eq($$ select position, to_states from private.booking_transition_handlers
                     where handler = 'private.disputes_after_booking_transition(public.bookings,text,text,text,jsonb)' $$,
  $$ values (650, array['disputed', 'resolved']) $$, 'the booking transition handler runs at 650, after money');
select results_eq($$ select role from public.role_permissions where permission = 'disputes.resolve' order by role $$,
  $$ values ('admin'::text), ('support'::text) $$, 'admins and support resolve disputes');
select is((select actors from public.booking_transitions where name = 'resolve'), array['operator', 'system'],
  'the system may resolve a booking (the timeout rule)');

------------------------------------------------------------------------------------------------
-- Opening
------------------------------------------------------------------------------------------------
select tests.create_booking('dp_cust', 'dp_prov', 'completed') as b1 \gset
select tests.run_payment_worker();
select id as p1, amount_captured as b1_paid from public.payments where booking_id = :'b1' and kind = 'booking' \gset
select tests.create_booking('dp_cust', 'dp_prov', 'requested') as breq \gset
select tests.create_booking('dp_cust', 'dp_prov', 'cancelled') as bcan \gset
select tests.create_booking('dp_cust', 'dp_owner', 'completed') as b2 \gset

select tests.clear_authentication();
select throws_ok(format($$ select public.open_dispute('booking', %L, 'poor_quality') $$, :'b1'), '42501', null,
  'signed out, the RPC is not callable');
select tests.authenticate_as('dp_other');
select throws_ok(format($$ select public.open_dispute('booking', %L, 'poor_quality') $$, :'b1'), 'HL701', null, 'a stranger: HL701');
select tests.authenticate_as('dp_staff');
select throws_ok(format($$ select public.open_dispute('booking', %L, 'poor_quality') $$, :'b2'), 'HL701', null,
  'business staff do not dispute for the business: HL701');
select tests.authenticate_as('dp_cust');
select throws_ok(format($$ select public.open_dispute('booking', %L, 'meh') $$, :'b1'), 'HL741', null, 'a reason off the list: HL741');
select throws_ok(format($$ select public.open_dispute('booking', %L, 'poor_quality', repeat('x', 1001)) $$, :'b1'), 'HL742', null,
  'details over 1000 characters: HL742');
select throws_ok(format($$ select public.open_dispute('parcel', %L, 'poor_quality') $$, :'b1'), 'HL700', null, 'an unknown kind: HL700');
select throws_ok(format($$ select public.open_dispute('booking', %L, 'poor_quality') $$, :'breq'), 'HL743', null,
  'a request cannot be disputed: HL743');
select throws_ok(format($$ select public.open_dispute('booking', %L, 'poor_quality') $$, :'bcan'), 'HL743', null,
  'a cancelled booking cannot be disputed: HL743');
select tests.freeze_time(:'t0'::timestamptz + interval '48 hours 1 minute');
select throws_ok(format($$ select public.open_dispute('booking', %L, 'poor_quality') $$, :'b1'), 'HL420', null,
  'after the dispute window: HL420');
select tests.freeze_time(:'t0');
reset role;
select is((select count(*)::int from public.disputes where customer_id = :'cust'), 0, 'a refused dispute writes nothing');
select is((select status from public.bookings where id = :'b1'), 'completed', 'and leaves the booking alone');

select tests.authenticate_as('dp_cust');
select is((public.open_dispute('booking', :'b1', 'poor_quality', 'The sink still leaks.')) ->> 'my_side', 'customer',
  'the customer opens a dispute on a completed booking');
reset role;
select id as d1 from public.disputes where trade_id = :'b1' \gset
select results_eq(format($$ select d.status, d.opener_side, d.opened_by, d.reason, d.details, d.amount, d.statement_due_at, b.status
                             from public.disputes d join public.bookings b on b.id = d.trade_id where d.id = %L $$, :'d1'),
  format($$ values ('open'::text, 'customer'::text, %L::uuid, 'poor_quality'::text, 'The sink still leaks.'::text, 15000::bigint,
                    %L::timestamptz + interval '72 hours', 'disputed'::text) $$, :'cust', :'t0'),
  'the record: open, the customer side, reason, details, the trade''s amount, statement due in 72 h; the booking is disputed');
select results_eq(format($$ select transition, actor_role, reason from public.booking_events where booking_id = %L and transition = 'dispute' $$, :'b1'),
  $$ values ('dispute'::text, 'customer'::text, 'The sink still leaks.'::text) $$, 'the dispute is on the booking''s timeline');
select results_eq(format($$ select event, actor_side from public.dispute_events where dispute_id = %L $$, :'d1'),
  $$ values ('opened'::text, 'customer'::text) $$, 'and on the dispute''s own timeline');
select is((select count(*)::int from public.audit_log where action = 'dispute.opened' and target_id = :'d1'
             and reason = 'The sink still leaks.' and actor_id = :'cust'), 1, 'audited as dispute.opened with the reason');
select is(tests.notification_count('dp_prov', 'dispute.opened', 'dispute_id', :'d1'), 1, 'the provider is notified');
select is(tests.notification_count('dp_cust', 'dispute.opened', 'dispute_id', :'d1'), 0, 'the opener is not');

select tests.authenticate_as('dp_cust');
select throws_ok(format($$ select public.open_dispute('booking', %L, 'other') $$, :'b1'), 'HL744', null, 'a second dispute: HL744');
select tests.authenticate_as('dp_prov');
select throws_ok(format($$ select public.open_dispute('booking', %L, 'other') $$, :'b1'), 'HL744', null,
  'from the other side too: HL744');
select tests.authenticate_as('dp_mgr');
select is((public.open_dispute('booking', :'b2', 'conduct', 'Rude customer')) ->> 'opener_side', 'provider',
  'a manager of the provider''s business opens a dispute for the provider side');
reset role;
select id as d2 from public.disputes where trade_id = :'b2' \gset
select is(tests.notification_count('dp_cust', 'dispute.opened', 'dispute_id', :'d2'), 1, 'the customer is notified');

-- The same through transition_booking: the record follows the booking.
select tests.create_booking('dp_cust', 'dp_prov', 'in_progress') as b3 \gset
select tests.authenticate_as('dp_cust');
select lives_ok(format($$ select public.transition_booking(%L, 'dispute', 'Work stopped halfway') $$, :'b3'),
  'a dispute taken through transition_booking');
reset role;
select results_eq(format($$ select reason, details, opener_side, opened_by from public.disputes where trade_id = %L $$, :'b3'),
  format($$ values ('other'::text, 'Work stopped halfway'::text, 'customer'::text, %L::uuid) $$, :'cust'),
  'also opens the dispute record (reason other, the transition''s reason as details)');
select id as d3 from public.disputes where trade_id = :'b3' \gset

------------------------------------------------------------------------------------------------
-- What a dispute stops: auto-completion, a queued completion capture, the escrow release.
------------------------------------------------------------------------------------------------
select tests.create_booking('dp_cust', 'dp_prov', 'completed') as b4 \gset
select id as p4, amount_authorized as b4_held from public.payments where booking_id = :'b4' and kind = 'booking' \gset
select is((select status from private.payment_operations where payment_id = :'p4' and operation = 'capture'), 'pending',
  'completion queued the capture');
select tests.authenticate_as('dp_cust');
select lives_ok(format($$ select public.open_dispute('booking', %L, 'not_performed') $$, :'b4'), 'disputed before the capture ran');
reset role;
select id as d4 from public.disputes where trade_id = :'b4' \gset
select is((select status from private.payment_operations where payment_id = :'p4' and operation = 'capture'), 'canceled',
  'the queued capture is canceled');
select tests.run_payment_worker();
select results_eq(format($$ select status, amount_captured from public.payments where id = %L $$, :'p4'),
  $$ values ('authorized'::text, 0::bigint) $$, 'no capture happens while disputed: the hold stays');
select tests.freeze_time(:'t0'::timestamptz + interval '49 hours');
select is((private.run_payment_timers() ->> 'payments_released')::int, 0, 'the payment timers do not release its escrow');
select tests.freeze_time(:'t0'::timestamptz + interval '40 days');
select is((private.run_booking_timers() ->> 'auto_completed')::int, 0, 'the timers do not auto-complete a disputed booking');
select is((select status from public.bookings where id = :'b3'), 'disputed', 'it stays disputed');
select is((select released_at from public.payments where id = :'p1'), null, 'the captured money stays in escrow');
select tests.freeze_time(:'t0');

------------------------------------------------------------------------------------------------
-- Statements and evidence (bucket dispute-evidence)
------------------------------------------------------------------------------------------------
select is((select public from storage.buckets where id = 'dispute-evidence'), false, 'dispute-evidence is private');
select tests.authenticate_as('dp_cust');
select lives_ok(format($$ select tests.upload('dispute-evidence', %L) $$, :'d1' || '/' || :'cust' || '/leak.jpg'),
  'a side uploads into <dispute id>/<own id>/');
select throws_ok(format($$ select tests.upload('dispute-evidence', %L) $$, :'d1' || '/' || :'prov' || '/fake.jpg'),
  '42501', null, 'not into the other side''s folder');
select throws_ok(format($$ select tests.upload('dispute-evidence', %L) $$, :'d2' || '/x.jpg'),
  '42501', null, 'not at the dispute''s top level');
select throws_ok(format($$ select tests.upload('dispute-evidence', %L) $$, gen_random_uuid() || '/' || :'cust' || '/x.jpg'),
  '42501', null, 'not into a folder of no dispute of theirs');
select is((select count(*)::int from private.storage_folders('delete') f where f ^@ 'dispute-evidence/'), 0,
  'nobody replaces or deletes evidence (no update/delete folders)');
select tests.authenticate_as('dp_other');
select throws_ok(format($$ select tests.upload('dispute-evidence', %L) $$, :'d1' || '/' || :'other' || '/x.jpg'),
  '42501', null, 'a stranger cannot upload');
select is((select count(*)::int from storage.objects where bucket_id = 'dispute-evidence'), 0, 'nor read the evidence');
select tests.authenticate_as('dp_staff');
select is((select count(*)::int from storage.objects where bucket_id = 'dispute-evidence'), 0, 'nor can business staff');
select tests.authenticate_as('dp_prov');
select is((select count(*)::int from storage.objects where bucket_id = 'dispute-evidence'), 1, 'the other side reads it');
select tests.authenticate_as('dp_op');
select is((select count(*)::int from storage.objects where bucket_id = 'dispute-evidence' and name ^@ :'d1'), 1, 'an operator reads it');
select tests.authenticate_as('dp_mod');
select is((select count(*)::int from storage.objects where bucket_id = 'dispute-evidence'), 0, 'a moderator does not');

select tests.authenticate_as('dp_cust');
select throws_ok(format($$ select public.add_dispute_statement(%L, '  ') $$, :'d1'), 'HL746', null, 'an empty statement: HL746');
select throws_ok(format($$ select public.add_dispute_statement(%L, repeat('x', 4001)) $$, :'d1'), 'HL742', null,
  'over 4000 characters: HL742');
select throws_ok(format($$ select public.add_dispute_statement(%L, 'see', array[%L]) $$, :'d1', :'d1' || '/' || :'cust' || '/none.jpg'),
  'HL747', null, 'evidence that was not uploaded: HL747');
select throws_ok(format($$ select public.add_dispute_statement(%L, 'see', array[%L]) $$, :'d1', :'d1' || '/' || :'prov' || '/x.jpg'),
  'HL747', null, 'evidence outside the caller''s folder: HL747');
select throws_ok(format($$ select public.add_dispute_statement(%L, 'see', array[%L, %L]) $$, :'d1',
                        :'d1' || '/' || :'cust' || '/leak.jpg', :'d1' || '/' || :'cust' || '/leak.jpg'),
  'HL747', null, 'the same file twice: HL747');
reset role;
update private.settings set value = '1' where key = 'disputes.max_evidence_per_statement';
select tests.authenticate_as('dp_cust');
select throws_ok(format($$ select public.add_dispute_statement(%L, 'see', array[%L, %L]) $$, :'d1',
                        :'d1' || '/' || :'cust' || '/leak.jpg', :'d1' || '/' || :'cust' || '/b.jpg'),
  'HL747', null, 'more files than disputes.max_evidence_per_statement: HL747');
reset role;
update private.settings set value = '10' where key = 'disputes.max_evidence_per_statement';
select tests.authenticate_as('dp_cust');
select is((public.add_dispute_statement(:'d1', 'Photo of the leak after the visit.', array[:'d1' || '/' || :'cust' || '/leak.jpg'])) ->> 'event',
  'statement', 'the customer adds a statement with evidence');
select throws_ok(format($$ select public.add_dispute_statement(%L, 'again', array[%L]) $$, :'d1', :'d1' || '/' || :'cust' || '/leak.jpg'),
  'HL747', null, 'a file already part of the dispute: HL747');
select tests.authenticate_as('dp_prov');
select is((public.add_dispute_statement(:'d1', 'The leak is from another pipe.')) ->> 'actor_side', 'provider',
  'the provider answers');
select tests.authenticate_as('dp_other');
select throws_ok(format($$ select public.add_dispute_statement(%L, 'hi') $$, :'d1'), 'HL740', null, 'a stranger: HL740');
select tests.authenticate_as('dp_staff');
select throws_ok(format($$ select public.add_dispute_statement(%L, 'hi') $$, :'d2'), 'HL740', null, 'business staff: HL740');
select tests.authenticate_as('dp_op');
select throws_ok(format($$ select public.add_dispute_statement(%L, 'hi') $$, :'d1'), 'HL740', null,
  'operators decide; they do not add statements: HL740');
reset role;
select results_eq(format($$ select event, actor_side, evidence from public.dispute_events where dispute_id = %L order by id $$, :'d1'),
  format($$ values ('opened'::text, 'customer'::text, '{}'::text[]), ('statement', 'customer', array[%L]), ('statement', 'provider', '{}') $$,
         :'d1' || '/' || :'cust' || '/leak.jpg'),
  'the dispute''s timeline: opened, both statements, the evidence path');
select is(tests.notification_count('dp_prov', 'dispute.statement_added', 'dispute_id', :'d1'), 1, 'each side hears of the other''s statement');
select is(tests.notification_count('dp_cust', 'dispute.statement_added', 'dispute_id', :'d1'), 1, 'both ways');

------------------------------------------------------------------------------------------------
-- Reads and RLS
------------------------------------------------------------------------------------------------
select tests.authenticate_as('dp_cust');
select is((select count(*)::int from public.disputes), 4, 'the customer reads their disputes');
select is((select count(*)::int from public.dispute_events where dispute_id = :'d1'), 3, 'and their timelines');
select is((select count(*)::int from public.list_my_disputes()), 4, 'list_my_disputes: mine');
select is((select count(*)::int from public.list_my_disputes('open', 1)), 1, 'keyset pages');
select throws_ok($$ select * from public.list_my_disputes('maybe') $$, 'HL752', null, 'an unknown status: HL752');
select is((select count(*)::int from public.operator_dispute_queue), 0, 'a party sees nothing in the operator queue');
select is((public.get_dispute(:'d1')) -> 'refundable', 'null'::jsonb, 'parties are not shown the refundable amount');
select tests.authenticate_as('dp_mgr');
select is((select count(*)::int from public.disputes), 1, 'a business manager reads the business''s dispute');
select tests.authenticate_as('dp_staff');
select is((select count(*)::int from public.disputes), 0, 'staff do not');
select tests.authenticate_as('dp_other');
select is((select count(*)::int from public.disputes) + (select count(*)::int from public.dispute_events), 0, 'nor does a stranger');
select throws_ok(format($$ select public.get_dispute(%L) $$, :'d1'), 'HL740', null, 'get_dispute for a stranger: HL740');
select tests.authenticate_as('dp_op');
select is((select count(*)::int from public.disputes where customer_id = :'cust'), 4, 'an operator reads every dispute');
select results_eq(format($$ select my_side, refundable, can_resolve from (select public.get_dispute(%L) j) x,
                                   lateral (select j ->> 'my_side' as my_side, (j ->> 'refundable')::bigint as refundable,
                                                   (j ->> 'can_resolve')::boolean as can_resolve) y $$, :'d1'),
  format($$ values ('operator'::text, %s::bigint, true) $$, :b1_paid), 'get_dispute for an operator: what can be refunded');
select results_eq(format($$ select customer_statements, provider_statements, escalated, trade_amount, currency::text
                             from public.operator_dispute_queue where dispute_id = %L $$, :'d1'),
  $$ values (1, 1, false, 15000::bigint, 'AED'::text) $$, 'the operator queue: statements per side, amount, not escalated');
select is((select count(*)::int from public.operator_dispute_queue q join public.disputes d on d.id = q.dispute_id where d.customer_id = :'cust'), 4,
  'every open dispute is queued');
reset role;
select ok((select 'security_invoker=true' = any (reloptions) from pg_class where oid = 'public.operator_dispute_queue'::regclass),
  'the queue is a security_invoker view');

------------------------------------------------------------------------------------------------
-- Resolving
------------------------------------------------------------------------------------------------
select tests.create_booking('dp_adm', 'dp_prov', 'completed') as b5 \gset
select tests.authenticate_as('dp_adm');
select lives_ok(format($$ select public.open_dispute('booking', %L, 'overcharged') $$, :'b5'), 'an admin disputes their own booking');
select throws_ok(format($$ select public.resolve_dispute(id, 'release', 0, 'mine') from public.disputes where trade_id = %L $$, :'b5'),
  'HL750', null, 'but cannot resolve it: HL750');
select tests.authenticate_as('dp_mod');
select throws_ok(format($$ select public.resolve_dispute(%L, 'release', 0, 'x') $$, :'d1'), 'HL002', null,
  'without disputes.resolve: HL002');
select tests.authenticate_as('dp_cust');
select throws_ok(format($$ select public.resolve_dispute(%L, 'full_refund', null, 'x') $$, :'d1'), 'HL002', null,
  'a party cannot resolve: HL002');
select tests.authenticate_as('dp_op');
select throws_ok(format($$ select public.resolve_dispute(%L, 'release', 0, null) $$, :'d1'), 'HL419', null, 'a reason is required: HL419');
select throws_ok(format($$ select public.resolve_dispute(%L, 'split', 0, 'x') $$, :'d1'), 'HL748', null, 'an unknown outcome: HL748');
select throws_ok(format($$ select public.resolve_dispute(%L, 'release', 100, 'x') $$, :'d1'), 'HL749', null,
  'a release refunds nothing: HL749');
select throws_ok(format($$ select public.resolve_dispute(%L, 'partial_refund', 0, 'x') $$, :'d1'), 'HL749', null,
  'a partial refund of nothing: HL749');
select throws_ok(format($$ select public.resolve_dispute(%L, 'partial_refund', %s, 'x') $$, :'d1', :b1_paid), 'HL749', null,
  'a "partial" refund of everything: HL749');
select throws_ok(format($$ select public.resolve_dispute(%L, 'full_refund', 100, 'x') $$, :'d1'), 'HL749', null,
  'a full refund of less than was paid: HL749');
select throws_ok(format($$ select public.resolve_dispute(%L, 'partial_refund', %s, 'x') $$, :'d1', :b1_paid + 1), 'HL625', null,
  'more than was paid: HL625');
select throws_ok(format($$ select public.resolve_dispute(%L, 'partial_refund', -1, 'x') $$, :'d1'), 'HL625', null, 'negative: HL625');
select throws_ok(format($$ select public.resolve_dispute(%L, 'release', 0, 'x') $$, gen_random_uuid()), 'HL740', null,
  'an unknown dispute: HL740');
reset role;
select results_eq(format($$ select d.status, b.status from public.disputes d join public.bookings b on b.id = d.trade_id where d.id = %L $$, :'d1'),
  $$ values ('open'::text, 'disputed'::text) $$, 'a refused resolution changes nothing');

-- A partial refund of captured money: refund, then the rest released; every step in the ledger.
select tests.authenticate_as('dp_op');
select results_eq(format($$ select j ->> 'status', j ->> 'outcome', (j ->> 'refund_amount')::bigint
                             from public.resolve_dispute(%L, 'partial_refund', 4000, 'Leak partly fixed: 40 AED back.') j $$, :'d1'),
  $$ values ('resolved'::text, 'partial_refund'::text, 4000::bigint) $$, 'the operator resolves with a partial refund');
reset role;
select results_eq(format($$ select b.status, e.actor_role, e.actor_id, (e.metadata ->> 'refund_amount')::bigint
                             from public.bookings b join public.booking_events e on e.booking_id = b.id and e.transition = 'resolve'
                            where b.id = %L $$, :'b1'),
  format($$ values ('resolved'::text, 'operator'::text, %L::uuid, 4000::bigint) $$, :'op'),
  'the booking is resolved by the operator, with the refund on its timeline');
select results_eq(format($$ select resolved_by, resolved_by_role, resolution_reason from public.disputes where id = %L $$, :'d1'),
  format($$ values (%L::uuid, 'operator'::text, 'Leak partly fixed: 40 AED back.'::text) $$, :'op'), 'the record names who and why');
select tests.run_payment_worker();
select results_eq(format($$ select status, amount_refunded, released_at is not null from public.payments where id = %L $$, :'p1'),
  $$ values ('partially_refunded'::text, 4000::bigint, true) $$, 'the payment shows the refund and the rest is released');
select results_eq(format($$
    select t.kind, a.kind, sum(e.amount)::bigint
      from private.ledger_transactions t join private.ledger_entries e on e.transaction_id = t.id
      join private.ledger_accounts a on a.id = e.account_id
     where t.booking_id = %L and t.kind in ('capture', 'refund_requested', 'refund_succeeded')
     group by t.id, t.kind, a.kind order by t.id, a.kind $$, :'b1'),
  format($$ values ('capture'::text, 'customer_funding'::text, %s::bigint), ('capture', 'escrow', %s),
                   ('refund_requested', 'escrow', -4000), ('refund_requested', 'refunds', 4000),
                   ('refund_succeeded', 'customer_funding', 4000), ('refund_succeeded', 'refunds', -4000) $$,
         -:b1_paid, :b1_paid),
  'ledger: captured into escrow, the refund out of escrow and back to the customer');
select results_eq(format($$
    select a.kind, sum(e.amount)::bigint
      from private.ledger_transactions t join private.ledger_entries e on e.transaction_id = t.id
      join private.ledger_accounts a on a.id = e.account_id
     where t.booking_id = %L and a.kind in ('customer_funding', 'escrow', 'refunds') group by a.kind order by a.kind $$, :'b1'),
  format($$ values ('customer_funding'::text, %s::bigint), ('escrow', 0::bigint), ('refunds', 0::bigint) $$, -(:b1_paid - 4000)),
  'the customer paid the rest, escrow and refunds are settled');
select is((select sum(e.amount)::bigint from private.ledger_transactions t join private.ledger_entries e on e.transaction_id = t.id
            join private.ledger_accounts a on a.id = e.account_id where t.booking_id = :'b1' and t.kind = 'release' and a.kind = 'escrow'),
  -(:b1_paid - 4000)::bigint, 'the release takes what was kept out of escrow');
select is((select amount from public.payouts where payment_id = :'p1'),
  (select provider_payout - (private.allocate_refund(breakdown, 4000) ->> 'provider_payout')::bigint
     from public.booking_charges where booking_id = :'b1'),
  'the provider''s payout is their share of what was kept');
select tests.authenticate_as_service_role();
select is(public.ledger_check() ->> 'balanced', 'true', 'the ledger balances');
reset role;
select is((select count(*)::int from public.audit_log where action = 'dispute.resolved' and target_id = :'d1' and actor_id = :'op'
             and reason = 'Leak partly fixed: 40 AED back.' and after ->> 'outcome' = 'partial_refund'), 1,
  'audited as dispute.resolved with the outcome and reason');
select is(tests.notification_count('dp_cust', 'dispute.resolved', 'dispute_id', :'d1')
          + tests.notification_count('dp_prov', 'dispute.resolved', 'dispute_id', :'d1'), 2, 'both sides are notified');
select tests.authenticate_as('dp_op');
select throws_ok(format($$ select public.resolve_dispute(%L, 'release', 0, 'again') $$, :'d1'), 'HL745', null,
  'a resolved dispute: HL745');
select tests.authenticate_as('dp_cust');
select throws_ok(format($$ select public.add_dispute_statement(%L, 'more') $$, :'d1'), 'HL745', null, 'no statements after: HL745');
select throws_ok(format($$ select tests.upload('dispute-evidence', %L) $$, :'d1' || '/' || :'cust' || '/late.jpg'),
  '42501', null, 'nor uploads');

-- A full refund before anything was captured: the hold is voided.
select tests.authenticate_as('dp_op');
select is((public.resolve_dispute(:'d4', 'full_refund', null, 'Never came.')) ->> 'refund_amount', :'b4_held',
  'a full refund without an amount refunds everything held');
reset role;
select results_eq(format($$ select operation, status from private.payment_operations where payment_id = %L order by id $$, :'p4'),
  $$ values ('capture'::text, 'canceled'::text), ('cancel', 'pending') $$, 'nothing kept: the authorisation is voided');
select tests.run_payment_worker();
select is((select status from public.payments where id = :'p4'), 'canceled', 'the customer is not charged');

-- Nothing paid: only a release.
select tests.create_booking('dp_cust', 'dp_prov', 'in_progress', price => 0) as b8 \gset
select tests.authenticate_as('dp_cust');
select public.open_dispute('booking', :'b8', 'incomplete') is not null;
select tests.authenticate_as('dp_op');
select throws_ok(format($$ select public.resolve_dispute(id, 'full_refund', null, 'x') from public.disputes where trade_id = %L $$, :'b8'),
  'HL749', null, 'nothing was paid: a refund is HL749');
select is((select public.resolve_dispute(id, 'release', null, 'Free job.') ->> 'outcome' from public.disputes where trade_id = :'b8'),
  'release', 'a release works');

-- A resolve taken through transition_booking closes the record with the outcome its refund means.
select lives_ok(format($$ select public.transition_booking(%L, 'resolve', 'Half the work', '{"refund_amount": 5000}') $$, :'b3'),
  'an operator resolves through transition_booking');
reset role;
select results_eq(format($$ select status, outcome, refund_amount, resolved_by, resolved_by_role from public.disputes where id = %L $$, :'d3'),
  format($$ values ('resolved'::text, 'partial_refund'::text, 5000::bigint, %L::uuid, 'operator'::text) $$, :'op'),
  'the dispute record is closed too (partial_refund)');

------------------------------------------------------------------------------------------------
-- The timeout rule (frozen clock): abandoned disputes resolve as release; old ones escalate.
------------------------------------------------------------------------------------------------
select tests.create_booking('dp_cust', 'dp_prov', 'completed') as b6 \gset
select tests.create_booking('dp_cust', 'dp_prov', 'completed') as b7 \gset
select tests.authenticate_as('dp_cust');
select public.open_dispute('booking', :'b6', 'poor_quality') is not null;
select public.open_dispute('booking', :'b7', 'damage') is not null;
reset role;
select id as d6 from public.disputes where trade_id = :'b6' \gset
select id as d7 from public.disputes where trade_id = :'b7' \gset
select tests.authenticate_as('dp_prov');
select public.add_dispute_statement(:'d6', 'I did the work.') is not null;
select tests.authenticate_as('dp_cust');
select public.add_dispute_statement(:'d7', 'The vase broke.') is not null;
reset role;
select tests.freeze_time(:'t0'::timestamptz + interval '72 hours' - interval '1 minute');
select is((private.run_dispute_timers() ->> 'auto_resolved')::int, 0, 'nothing is abandoned before the statement is due');
select tests.freeze_time(:'t0'::timestamptz + interval '72 hours');
select is((private.run_dispute_timers() ->> 'auto_resolved')::int, 3,
  'when due, disputes whose opener added nothing resolve (a statement by the other side does not count)');
select results_eq(format($$ select status, outcome, refund_amount, resolved_by, resolved_by_role from public.disputes where id = %L $$, :'d6'),
  $$ values ('resolved'::text, 'release'::text, 0::bigint, null::uuid, 'system'::text) $$, 'abandoned: released by the system');
select results_eq(format($$ select b.status, e.actor_role from public.bookings b
                             join public.booking_events e on e.booking_id = b.id and e.transition = 'resolve' where b.id = %L $$, :'b6'),
  $$ values ('resolved'::text, 'system'::text) $$, 'through the booking''s resolve transition, as the system');
select is((select event from public.dispute_events where dispute_id = :'d6' order by id desc limit 1), 'auto_resolved',
  'the timeline says auto_resolved');
select is((select count(*)::int from public.audit_log where action = 'dispute.auto_resolved' and target_id = :'d6'), 1,
  'audited as dispute.auto_resolved');
select results_eq(format($$ select operation, amount from private.payment_operations
                             where payment_id = (select id from public.payments where booking_id = %L and kind = 'booking')
                               and status = 'pending' $$, :'b6'),
  format($$ select 'capture'::text, amount_authorized from public.payments where booking_id = %L and kind = 'booking' $$, :'b6'),
  'the provider is paid in full: the whole hold is captured');
select is((select status from public.disputes where id = :'d7'), 'open', 'a dispute its opener backed stays open');
select is((private.run_dispute_timers() ->> 'auto_resolved')::int, 0, 'the timer is idempotent');

select tests.freeze_time(:'t0'::timestamptz + interval '5 days' - interval '1 minute');
select is((private.run_dispute_timers() ->> 'escalated')::int, 0, 'not escalated before 5 days');
select tests.freeze_time(:'t0'::timestamptz + interval '5 days');
select is((private.run_dispute_timers() ->> 'escalated')::int, 1, 'open disputes escalate after 5 days');
select is((private.run_dispute_timers() ->> 'escalated')::int, 0, 'once');
select tests.authenticate_as('dp_op');
select results_eq($$ select dispute_id, escalated, age from public.operator_dispute_queue where escalated $$,
  format($$ values (%L::uuid, true, interval '5 days') $$, :'d7'),
  'the queue flags the escalated dispute, with its age');
reset role;
select is((select event from public.dispute_events where dispute_id = :'d7' order by id desc limit 1), 'escalated',
  'the escalation is on the timeline');
select is((select schedule from cron.job where jobname = 'hyperlocal-dispute-timers'), '* * * * *',
  'pg_cron runs the dispute timer every minute');
select tests.authenticate_as('dp_cust');
select throws_ok($$ select private.run_dispute_timers() $$, '42501', null, 'clients cannot run the timer');
reset role;

select * from finish();
rollback;
