-- Module: trust (disputes: the timeout rule and the operator queue)
-- Abandoned disputes (pg_cron hyperlocal-dispute-timers) and public.operator_dispute_queue.
--
-- The timeout rule (docs/disputes.md):
--   * The side that opened a dispute must back it with a statement or evidence
--     (add_dispute_statement) by statement_due_at (disputes.statement_due_minutes, 72 h, after
--     opening). If it does not, the dispute is abandoned: it resolves as the system with outcome
--     release (nothing refunded; the trade settles as if it had never been disputed), through the
--     same resolve path as an operator's decision, so the money and both timelines stay right.
--   * An open dispute no operator resolved disputes.escalate_after_minutes (5 days) after it was
--     opened is escalated: escalated_at is set, the timeline says so, and the operator queue flags
--     it and lists it first. Nothing else is decided automatically: the sides' money waits (card
--     holds are re-authorised by money's timers while the booking is disputed).

create or replace function private.run_dispute_timers()
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := private.now();
  v_batch integer := (private.setting('disputes.timer_batch_size'))::integer;
  v_escalate interval := pg_catalog.make_interval(mins => (private.setting('disputes.escalate_after_minutes'))::integer);
  v_dispute public.disputes;
  v_abandoned integer := 0;
  v_escalated integer := 0;
  v_failed integer := 0;
begin
  -- Abandoned: the opener never backed the dispute with a statement or evidence.
  for v_dispute in
    select d.* from public.disputes d
     where d.status = 'open' and d.statement_due_at <= v_now
       and not exists (select 1 from public.dispute_events e
                        where e.dispute_id = d.id and e.event in ('statement', 'evidence') and e.actor_side = d.opener_side)
     order by d.statement_due_at
     limit v_batch
       for update of d skip locked
  loop
    -- One sub-transaction per dispute: a failure is logged and counted, the others go on.
    begin
      perform private.resolve_dispute(v_dispute, 'release', 0,
        pg_catalog.format('abandoned: the %s side added no statement or evidence by %s', v_dispute.opener_side,
                          v_dispute.statement_due_at),
        null, 'system', true);
      v_abandoned := v_abandoned + 1;
    exception when others then
      v_failed := v_failed + 1;
      raise warning 'dispute timer: auto-resolution of % failed: %', v_dispute.id, sqlerrm;
    end;
  end loop;

  -- Escalated: still open long after opening.
  for v_dispute in
    select d.* from public.disputes d
     where d.status = 'open' and d.escalated_at is null and d.opened_at + v_escalate <= v_now
     order by d.opened_at
     limit v_batch
       for update of d skip locked
  loop
    update public.disputes d set escalated_at = v_now where d.id = v_dispute.id;
    insert into public.dispute_events (dispute_id, event, actor_side, metadata, created_at)
    values (v_dispute.id, 'escalated', 'system',
            pg_catalog.jsonb_build_object('open_since', v_dispute.opened_at,
                                          'escalate_after_minutes', (private.setting('disputes.escalate_after_minutes'))::integer),
            v_now);
    v_escalated := v_escalated + 1;
  end loop;

  return pg_catalog.jsonb_build_object('auto_resolved', v_abandoned, 'escalated', v_escalated, 'failed', v_failed);
end;
$$;
comment on function private.run_dispute_timers() is
  'pg_cron hyperlocal-dispute-timers: resolves as release (system, dispute.auto_resolved) open disputes whose opening side added '
  'no statement or evidence by statement_due_at, and escalates open disputes older than disputes.escalate_after_minutes. At '
  'most disputes.timer_batch_size per kind and run; returns the counts.';
revoke all on function private.run_dispute_timers() from public, anon, authenticated, service_role;

select cron.schedule('hyperlocal-dispute-timers', '* * * * *', 'select private.run_dispute_timers()');

------------------------------------------------------------------------------------------------
-- The operator queue: open disputes, escalated first, then oldest first. Security invoker: the
-- rows are those public.disputes' RLS shows the caller, and only operators with disputes.resolve
-- get any (parties see their own disputes through list_my_disputes / get_dispute instead).
------------------------------------------------------------------------------------------------
create or replace view public.operator_dispute_queue
with (security_invoker = true)
as
select d.id as dispute_id,
       d.trade_kind,
       d.trade_id,
       d.reason,
       d.opener_side,
       d.opened_at,
       private.now() - d.opened_at as age,
       d.amount as trade_amount,
       d.currency,
       d.statement_due_at,
       d.escalated_at is not null as escalated,
       d.escalated_at,
       coalesce(s.customer_statements, 0) as customer_statements,
       coalesce(s.provider_statements, 0) as provider_statements,
       s.last_statement_at
  from public.disputes d
  left join lateral (
    select pg_catalog.count(*) filter (where e.actor_side = 'customer')::integer as customer_statements,
           pg_catalog.count(*) filter (where e.actor_side = 'provider')::integer as provider_statements,
           pg_catalog.max(e.created_at) as last_statement_at
      from public.dispute_events e
     where e.dispute_id = d.id and e.event in ('statement', 'evidence')
  ) s on true
 where d.status = 'open'
   and (select private.authorize('disputes.resolve') or private.is_service_role())
 order by d.escalated_at is null, d.opened_at;
comment on view public.operator_dispute_queue is
  'Operators with disputes.resolve: open disputes, escalated first then oldest first, with their age, the trade''s amount and '
  'currency, the opening side, statements (and evidence) per side and when the last came in. Act with resolve_dispute.';

revoke all on public.operator_dispute_queue from public, anon, authenticated, service_role;
grant select on public.operator_dispute_queue to authenticated, service_role;
