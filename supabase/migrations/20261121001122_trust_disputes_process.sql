-- Module: trust (disputes: opening, statements, resolution)
-- The writers of public.disputes and public.dispute_events (private.create_dispute,
-- private.close_dispute), the booking kind (handlers registered in private.dispute_kinds and a
-- booking transition handler at 650 that keeps transition_booking's dispute/resolve and the
-- dispute record in step), and the RPCs open_dispute, add_dispute_statement, resolve_dispute.

------------------------------------------------------------------------------------------------
-- Writers.
------------------------------------------------------------------------------------------------
create or replace function private.create_dispute(
  p_kind text,
  p_trade_id uuid,
  p_opened_by uuid,
  p_opener_side text,
  p_reason text,
  p_details text
)
returns public.disputes
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_trade private.trade := private.find_trade(p_kind, p_trade_id, null);
  v_dispute public.disputes;
  v_now timestamptz := private.now();
begin
  if v_trade.id is null then
    perform private.raise_error('HL701', pg_catalog.format('%s %s', p_kind, p_trade_id));
  end if;
  insert into public.disputes (trade_kind, trade_id, customer_id, provider_id, business_id, opened_by, opener_side,
                               reason, details, amount, currency, opened_at, statement_due_at)
  values (p_kind, p_trade_id, v_trade.customer_id, v_trade.provider_id, v_trade.business_id, p_opened_by, p_opener_side,
          p_reason, nullif(pg_catalog.btrim(p_details), ''), coalesce(v_trade.amount, 0), v_trade.currency, v_now,
          v_now + pg_catalog.make_interval(mins => (private.setting('disputes.statement_due_minutes'))::integer))
  on conflict (trade_kind, trade_id) do nothing
  returning * into v_dispute;
  if v_dispute.id is null then
    perform private.raise_error('HL744', pg_catalog.format('%s %s', p_kind, p_trade_id));
  end if;
  insert into public.dispute_events (dispute_id, event, actor_id, actor_side, body, metadata, created_at)
  values (v_dispute.id, 'opened', p_opened_by, p_opener_side, v_dispute.details,
          pg_catalog.jsonb_build_object('reason', p_reason), v_now);
  perform private.audit('dispute.opened', 'dispute', v_dispute.id::text, null,
    pg_catalog.jsonb_build_object('trade_kind', p_kind, 'trade_id', p_trade_id, 'opener_side', p_opener_side,
                                  'reason', p_reason, 'status', 'open'),
    coalesce(v_dispute.details, p_reason));
  perform private.notify(case when p_opener_side = 'customer' then v_dispute.provider_id else v_dispute.customer_id end,
    'dispute.opened', pg_catalog.jsonb_build_object('dispute_id', v_dispute.id, 'trade_kind', p_kind,
                                                    'trade_id', p_trade_id, 'reason', p_reason));
  return v_dispute;
end;
$$;
comment on function private.create_dispute(text, uuid, uuid, text, text, text) is
  'Writes a trade''s dispute (parties, amount and currency from private.find_trade; statement due disputes.statement_due_minutes '
  'later), its opened event, the audit entry dispute.opened, and notifies the other side. HL744 when the trade already has one.';
revoke all on function private.create_dispute(text, uuid, uuid, text, text, text) from public, anon, authenticated, service_role;

create or replace function private.close_dispute(
  p_dispute_id uuid,
  p_outcome text,
  p_refund_amount bigint,
  p_reason text,
  p_resolved_by uuid,
  p_role text,
  p_auto boolean default false
)
returns public.disputes
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_before public.disputes;
  v_dispute public.disputes;
  v_now timestamptz := private.now();
  v_payload jsonb;
begin
  select * into v_before from public.disputes d where d.id = p_dispute_id for update;
  if v_before.status <> 'open' then
    return v_before;
  end if;
  update public.disputes d
     set status = 'resolved', outcome = p_outcome, refund_amount = p_refund_amount,
         resolution_reason = left(nullif(pg_catalog.btrim(p_reason), ''), 1000), resolved_by = p_resolved_by,
         resolved_by_role = p_role, resolved_at = v_now
   where d.id = p_dispute_id
  returning * into v_dispute;
  insert into public.dispute_events (dispute_id, event, actor_id, actor_side, body, metadata, created_at)
  values (p_dispute_id, case when p_auto then 'auto_resolved' else 'resolved' end, p_resolved_by, p_role,
          v_dispute.resolution_reason,
          pg_catalog.jsonb_build_object('outcome', p_outcome, 'refund_amount', p_refund_amount), v_now);
  perform private.audit(case when p_auto then 'dispute.auto_resolved' else 'dispute.resolved' end, 'dispute',
    p_dispute_id::text,
    pg_catalog.jsonb_build_object('status', v_before.status),
    pg_catalog.jsonb_build_object('status', v_dispute.status, 'outcome', p_outcome, 'refund_amount', p_refund_amount,
                                  'currency', v_dispute.currency, 'resolved_by_role', p_role),
    v_dispute.resolution_reason);
  v_payload := pg_catalog.jsonb_build_object('dispute_id', p_dispute_id, 'trade_kind', v_dispute.trade_kind,
    'trade_id', v_dispute.trade_id, 'outcome', p_outcome, 'refund_amount', p_refund_amount, 'currency', v_dispute.currency);
  perform private.notify(v_dispute.customer_id, 'dispute.resolved', v_payload);
  perform private.notify(v_dispute.provider_id, 'dispute.resolved', v_payload);
  return v_dispute;
end;
$$;
comment on function private.close_dispute(uuid, text, bigint, text, uuid, text, boolean) is
  'Marks an open dispute resolved with its outcome, refund and reason, writes the resolved (or auto_resolved) event and the audit '
  'entry dispute.resolved (dispute.auto_resolved), and notifies both sides. A dispute already resolved is returned unchanged.';
revoke all on function private.close_dispute(uuid, text, bigint, text, uuid, text, boolean) from public, anon, authenticated, service_role;

-- The outcome a refund amount means, given what was refundable: 0 release, all of it full_refund.
create or replace function private.dispute_outcome_of(p_refund_amount bigint, p_refundable bigint)
returns text
language sql
immutable
set search_path = ''
as $$
  select case when coalesce(p_refund_amount, 0) = 0 then 'release'
              when p_refund_amount >= coalesce(p_refundable, 0) then 'full_refund'
              else 'partial_refund' end;
$$;
comment on function private.dispute_outcome_of(bigint, bigint) is
  'release for no refund, full_refund for a refund of everything refundable, partial_refund otherwise.';
revoke all on function private.dispute_outcome_of(bigint, bigint) from public, anon, authenticated, service_role;

------------------------------------------------------------------------------------------------
-- Bookings as a dispute kind.
------------------------------------------------------------------------------------------------
create or replace function private.open_booking_dispute(p_trade_id uuid, p_actor_id uuid, p_actor_side text,
                                                         p_reason text, p_metadata jsonb)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_status text;
begin
  -- Locked first, so of two sides disputing at once the second sees it disputed (HL744).
  select b.status into v_status from public.bookings b where b.id = p_trade_id for update;
  if v_status in ('disputed', 'resolved') then
    perform private.raise_error('HL744', pg_catalog.format('booking %s is %s', p_trade_id, v_status));
  elsif v_status is distinct from 'in_progress' and v_status is distinct from 'completed' then
    perform private.raise_error('HL743', pg_catalog.format('booking %s is %s (disputes from: in_progress, completed)',
                                                           p_trade_id, coalesce(v_status, 'missing')));
  end if;
  -- The dispute transition (HL420 after the window); its handlers stop capture, release and
  -- auto-completion, and the trust handler (650) writes the dispute record.
  perform private.apply_booking_transition(p_trade_id, 'dispute', p_actor_side, p_actor_id, p_reason, p_metadata);
end;
$$;
comment on function private.open_booking_dispute(uuid, uuid, text, text, jsonb) is
  'Dispute kind booking, open: HL743 unless in progress or completed, HL744 when already disputed, else the booking''s dispute '
  'transition as the customer or provider (HL420 after bookings.dispute_window_minutes).';
revoke all on function private.open_booking_dispute(uuid, uuid, text, text, jsonb) from public, anon, authenticated, service_role;

create or replace function private.resolve_booking_dispute(p_trade_id uuid, p_actor_id uuid, p_actor_role text,
                                                            p_refund_amount bigint, p_reason text, p_metadata jsonb)
returns void
language plpgsql
security definer
set search_path = ''
as $$
begin
  -- Money's handler (600) refunds metadata.refund_amount and releases the rest, with the ledger.
  perform private.apply_booking_transition(p_trade_id, 'resolve', p_actor_role, p_actor_id, p_reason,
    coalesce(p_metadata, '{}'::jsonb) || pg_catalog.jsonb_build_object('refund_amount', coalesce(p_refund_amount, 0)));
end;
$$;
comment on function private.resolve_booking_dispute(uuid, uuid, text, bigint, text, jsonb) is
  'Dispute kind booking, resolve: the booking''s resolve transition with metadata.refund_amount, so money refunds that amount '
  'and releases the rest to the provider (or captures only the rest when nothing was captured yet).';
revoke all on function private.resolve_booking_dispute(uuid, uuid, text, bigint, text, jsonb) from public, anon, authenticated, service_role;

create or replace function private.booking_refundable(p_trade_id uuid)
returns bigint
language sql
stable
security definer
set search_path = ''
as $$
  select coalesce((
    select case when p.status in ('captured', 'partially_refunded') then p.amount_captured - p.amount_refunded
                when p.status = 'authorized' then p.amount_authorized
                else 0 end
      from public.payments p
     where p.booking_id = p_trade_id and p.kind = 'booking'), 0);
$$;
comment on function private.booking_refundable(uuid) is
  'Dispute kind booking, refundable: what the customer paid for the booking and can get back (captured less refunded, or the '
  'authorised hold when nothing was captured yet); 0 without a payment. Tips are not part of a dispute.';
revoke all on function private.booking_refundable(uuid) from public, anon, authenticated, service_role;

insert into private.dispute_kinds (kind, module, open_handler, resolve_handler, refundable_handler, description) values
  ('booking', 'trust', 'private.open_booking_dispute(uuid, uuid, text, text, jsonb)',
   'private.resolve_booking_dispute(uuid, uuid, text, bigint, text, jsonb)', 'private.booking_refundable(uuid)',
   'Bookings: the dispute and resolve booking transitions; money refunds and releases.')
on conflict (kind) do update
  set module = excluded.module, open_handler = excluded.open_handler, resolve_handler = excluded.resolve_handler,
      refundable_handler = excluded.refundable_handler, description = excluded.description;

-- Booking transition handler (bookings' registry, 650, after money at 600): a dispute taken
-- through transition_booking (or a fixture) opens the record; a resolve closes it.
create or replace function private.disputes_after_booking_transition(
  p_booking public.bookings,
  p_transition text,
  p_actor_role text,
  p_reason text,
  p_metadata jsonb
)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_actor uuid;
  v_reason text := p_metadata ->> 'dispute_reason';
  v_dispute public.disputes;
  v_refund bigint;
  v_outcome text := p_metadata ->> 'dispute_outcome';
begin
  -- The actor of the transition just written (the handler is not given it).
  select e.actor_id into v_actor from public.booking_events e
   where e.booking_id = p_booking.id and e.transition = p_transition
   order by e.id desc limit 1;

  if p_transition = 'dispute' then
    if exists (select 1 from public.disputes d where d.trade_kind = 'booking' and d.trade_id = p_booking.id) then
      return;
    end if;
    if v_reason is null or v_reason not in ('not_performed', 'incomplete', 'poor_quality', 'late_or_no_show', 'damage',
                                            'overcharged', 'safety', 'conduct', 'other') then
      v_reason := 'other';
    end if;
    perform private.create_dispute('booking', p_booking.id,
      coalesce(v_actor, case p_actor_role when 'customer' then p_booking.customer_id else p_booking.provider_id end),
      p_actor_role, v_reason, coalesce(p_metadata ->> 'dispute_details', p_reason));
  elsif p_transition = 'resolve' then
    select * into v_dispute from public.disputes d
     where d.trade_kind = 'booking' and d.trade_id = p_booking.id and d.status = 'open'
       for update;
    if v_dispute.id is null then
      return;
    end if;
    v_refund := case when pg_catalog.jsonb_typeof(p_metadata -> 'refund_amount') = 'number'
                     then (p_metadata ->> 'refund_amount')::numeric::bigint else 0 end;
    if v_outcome is null or v_outcome not in ('full_refund', 'partial_refund', 'release') then
      -- Money (600) has not moved any amount yet: what is refundable now is what was before.
      v_outcome := private.dispute_outcome_of(v_refund, private.booking_refundable(p_booking.id));
    end if;
    perform private.close_dispute(v_dispute.id, v_outcome, v_refund, p_reason,
      case when p_actor_role = 'system' then null else v_actor end,
      case when p_actor_role = 'system' then 'system' else 'operator' end,
      coalesce((p_metadata ->> 'dispute_auto')::boolean, false));
  end if;
end;
$$;
comment on function private.disputes_after_booking_transition(public.bookings, text, text, text, jsonb) is
  'Booking transition handler (650): a dispute transition creates the booking''s dispute record when none exists (reason '
  'metadata.dispute_reason, else other; details the transition''s reason); a resolve closes the open dispute with '
  'metadata.dispute_outcome, else the outcome metadata.refund_amount means (0 release, all that was paid full_refund).';
revoke all on function private.disputes_after_booking_transition(public.bookings, text, text, text, jsonb)
  from public, anon, authenticated, service_role;

insert into private.booking_transition_handlers (handler, position, module, to_states, description) values
  ('private.disputes_after_booking_transition(public.bookings, text, text, text, jsonb)', 650, 'trust',
   array['disputed', 'resolved'],
   'Dispute records: a dispute transition opens the booking''s dispute, a resolve closes it (outcome from the refund).')
on conflict (handler) do update
  set position = excluded.position, module = excluded.module, to_states = excluded.to_states,
      description = excluded.description;

------------------------------------------------------------------------------------------------
-- Reads (shared by the RPCs).
------------------------------------------------------------------------------------------------
create or replace function private.dispute_side(p_dispute public.disputes, p_user_id uuid)
returns text
language sql
stable
security definer
set search_path = ''
as $$
  select case
    when p_user_id is null then null
    when p_user_id = p_dispute.customer_id then 'customer'
    when p_user_id = p_dispute.provider_id then 'provider'
    when p_dispute.business_id is not null and exists (
      select 1 from public.business_members bm
       where bm.business_id = p_dispute.business_id and bm.user_id = p_user_id and bm.role in ('owner', 'manager'))
      then 'provider'
  end;
$$;
comment on function private.dispute_side(public.disputes, uuid) is
  'The user''s side of a dispute: customer, provider (the provider or an owner/manager of its business), or null.';
revoke all on function private.dispute_side(public.disputes, uuid) from public, anon, authenticated, service_role;

create or replace function private.dispute_json(p_dispute public.disputes, p_viewer_side text)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_trade private.trade := private.find_trade(p_dispute.trade_kind, p_dispute.trade_id, null);
  v_refundable bigint;
  v_handler text;
begin
  if p_viewer_side = 'operator' and p_dispute.status = 'open' then
    select k.refundable_handler into v_handler from private.dispute_kinds k where k.kind = p_dispute.trade_kind;
    execute pg_catalog.format('select %s($1)', pg_catalog.regexp_replace(v_handler, '\(.*$', ''))
       into v_refundable using p_dispute.trade_id;
  end if;
  return pg_catalog.to_jsonb(p_dispute)
    || pg_catalog.jsonb_build_object(
         'my_side', p_viewer_side,
         'trade', pg_catalog.jsonb_build_object('kind', v_trade.kind, 'id', v_trade.id, 'state', v_trade.state,
                                                'amount', v_trade.amount, 'currency', v_trade.currency,
                                                'finished_at', v_trade.finished_at),
         'refundable', v_refundable,
         'can_add_statement', p_dispute.status = 'open' and p_viewer_side in ('customer', 'provider'),
         'can_resolve', p_dispute.status = 'open' and p_viewer_side = 'operator',
         'events', coalesce((
           select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                    'id', e.id, 'event', e.event, 'actor_id', e.actor_id, 'actor_side', e.actor_side, 'body', e.body,
                    'evidence', pg_catalog.to_jsonb(e.evidence), 'metadata', e.metadata, 'created_at', e.created_at)
                  order by e.id)
             from public.dispute_events e where e.dispute_id = p_dispute.id), '[]'::jsonb));
end;
$$;
comment on function private.dispute_json(public.disputes, text) is
  'A dispute as the RPCs return it: its row, the viewer''s side, the trade (kind, id, state, amount), what is refundable '
  '(operators, while open), the actions the viewer can take, and the timeline with evidence paths.';
revoke all on function private.dispute_json(public.disputes, text) from public, anon, authenticated, service_role;

------------------------------------------------------------------------------------------------
-- RPCs.
------------------------------------------------------------------------------------------------
create or replace function public.open_dispute(p_kind text, p_trade_id uuid, p_reason text, p_details text default null)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := private.require_uid();
  v_trade private.trade;
  v_handler text;
  v_dispute public.disputes;
  v_details text := nullif(pg_catalog.btrim(p_details), '');
begin
  if p_reason is null or p_reason not in ('not_performed', 'incomplete', 'poor_quality', 'late_or_no_show', 'damage',
                                          'overcharged', 'safety', 'conduct', 'other') then
    perform private.raise_error('HL741', pg_catalog.format('%L (use: not_performed, incomplete, poor_quality, late_or_no_show, '
      'damage, overcharged, safety, conduct, other)', p_reason));
  end if;
  if pg_catalog.char_length(v_details) > 1000 then
    perform private.raise_error('HL742', 'p_details is limited to 1000 characters');
  end if;
  v_trade := private.require_trade(p_kind, p_trade_id);
  select k.open_handler into v_handler from private.dispute_kinds k where k.kind = p_kind;
  if v_handler is null then
    perform private.raise_error('HL751', pg_catalog.format('kind %L', p_kind));
  end if;
  if exists (select 1 from public.disputes d where d.trade_kind = p_kind and d.trade_id = p_trade_id) or v_trade.state = 'disputed' then
    perform private.raise_error('HL744', pg_catalog.format('%s %s', p_kind, p_trade_id));
  end if;
  if v_trade.state not in ('open', 'completed') then
    perform private.raise_error('HL743', pg_catalog.format('the %s is %s', p_kind, v_trade.state));
  end if;

  execute pg_catalog.format('select %s($1, $2, $3, $4, $5)', pg_catalog.regexp_replace(v_handler, '\(.*$', ''))
    using p_trade_id, v_uid, v_trade.user_side, coalesce(v_details, p_reason),
          pg_catalog.jsonb_build_object('dispute_reason', p_reason, 'dispute_details', v_details);

  -- A kind whose trade process wrote the record (bookings, through the 650 handler), else here.
  select * into v_dispute from public.disputes d where d.trade_kind = p_kind and d.trade_id = p_trade_id;
  if v_dispute.id is null then
    v_dispute := private.create_dispute(p_kind, p_trade_id, v_uid, v_trade.user_side, p_reason, v_details);
  end if;
  return private.dispute_json(v_dispute, v_trade.user_side);
end;
$$;
comment on function public.open_dispute(text, uuid, text, text) is
  'A side of a trade (booking: customer, provider, or an owner/manager of its business) disputes it: reason from the list '
  '(not_performed, incomplete, poor_quality, late_or_no_show, damage, overcharged, safety, conduct, other) and details. The '
  'trade moves to its disputed state (capture, release and auto-completion stop) and the other side is notified; returns the '
  'dispute. Errors: HL001, HL700, HL701 (not a party), HL741, HL742, HL743 (not in progress or completed), HL744 (already '
  'disputed), HL751, HL420 (window closed).';
revoke all on function public.open_dispute(text, uuid, text, text) from public, anon, authenticated, service_role;
grant execute on function public.open_dispute(text, uuid, text, text) to authenticated;

create or replace function public.add_dispute_statement(p_dispute_id uuid, p_body text default null,
                                                         p_evidence text[] default '{}')
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := private.require_uid();
  v_dispute public.disputes;
  v_side text;
  v_body text := nullif(pg_catalog.btrim(p_body), '');
  v_evidence text[] := coalesce(p_evidence, '{}');
  v_max integer := (private.setting('disputes.max_evidence_per_statement'))::integer;
  v_path text;
  v_event public.dispute_events;
begin
  select * into v_dispute from public.disputes d where d.id = p_dispute_id for update;
  v_side := private.dispute_side(v_dispute, v_uid);
  if v_dispute.id is null or v_side is null then
    perform private.raise_error('HL740', pg_catalog.format('dispute %s', p_dispute_id));
  end if;
  if v_dispute.status <> 'open' then
    perform private.raise_error('HL745', pg_catalog.format('resolved at %s', v_dispute.resolved_at));
  end if;
  if v_body is null and pg_catalog.cardinality(v_evidence) = 0 then
    perform private.raise_error('HL746', 'send p_body, p_evidence or both');
  end if;
  if pg_catalog.char_length(v_body) > 4000 then
    perform private.raise_error('HL742', 'a statement is limited to 4000 characters');
  end if;
  if pg_catalog.cardinality(v_evidence) > v_max then
    perform private.raise_error('HL747', pg_catalog.format('at most %s files per statement', v_max));
  end if;
  if (select pg_catalog.count(distinct x) from pg_catalog.unnest(v_evidence) x) <> pg_catalog.cardinality(v_evidence) then
    perform private.raise_error('HL747', 'a file is named twice');
  end if;
  foreach v_path in array v_evidence loop
    if v_path is null or not v_path ^@ (p_dispute_id::text || '/' || v_uid::text || '/')
       or v_path ~ '(^|/)\.\.?(/|$)' then
      perform private.raise_error('HL747', pg_catalog.format('%L is not under %s/%s/', v_path, p_dispute_id, v_uid));
    end if;
    if not exists (select 1 from storage.objects o where o.bucket_id = 'dispute-evidence' and o.name = v_path) then
      perform private.raise_error('HL747', pg_catalog.format('%L was not uploaded to dispute-evidence', v_path));
    end if;
    if exists (select 1 from public.dispute_events e where e.dispute_id = p_dispute_id and v_path = any (e.evidence)) then
      perform private.raise_error('HL747', pg_catalog.format('%L is already part of this dispute', v_path));
    end if;
  end loop;

  insert into public.dispute_events (dispute_id, event, actor_id, actor_side, body, evidence, created_at)
  values (p_dispute_id, case when v_body is null then 'evidence' else 'statement' end, v_uid, v_side, v_body, v_evidence,
          private.now())
  returning * into v_event;
  update public.disputes d set updated_at = now() where d.id = p_dispute_id;
  perform private.notify(case when v_side = 'customer' then v_dispute.provider_id else v_dispute.customer_id end,
    'dispute.statement_added', pg_catalog.jsonb_build_object('dispute_id', p_dispute_id, 'trade_kind', v_dispute.trade_kind,
                                                             'trade_id', v_dispute.trade_id));
  return pg_catalog.to_jsonb(v_event);
end;
$$;
comment on function public.add_dispute_statement(uuid, text, text[]) is
  'A side of an open dispute adds a statement (up to 4000 characters) and/or evidence: names of files they uploaded to the '
  'dispute-evidence bucket under <dispute id>/<their user id>/ (at most disputes.max_evidence_per_statement, each once). '
  'Notifies the other side; returns the timeline event. Errors: HL001, HL740, HL742, HL745, HL746, HL747.';
revoke all on function public.add_dispute_statement(uuid, text, text[]) from public, anon, authenticated, service_role;
grant execute on function public.add_dispute_statement(uuid, text, text[]) to authenticated;

-- The resolution path shared by operators and the timeout rule: checks the outcome against what is
-- refundable, then the kind's resolve handler moves the trade and its money.
create or replace function private.resolve_dispute(
  p_dispute public.disputes,
  p_outcome text,
  p_refund_amount bigint,
  p_reason text,
  p_actor_id uuid,
  p_role text,
  p_auto boolean default false
)
returns public.disputes
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_kind private.dispute_kinds;
  v_refundable bigint;
  v_refund bigint;
begin
  if p_outcome is null or p_outcome not in ('full_refund', 'partial_refund', 'release') then
    perform private.raise_error('HL748', pg_catalog.format('%L', p_outcome));
  end if;
  if p_refund_amount < 0 then
    perform private.raise_error('HL625', 'the refund cannot be negative');
  end if;
  select * into v_kind from private.dispute_kinds k where k.kind = p_dispute.trade_kind;
  execute pg_catalog.format('select %s($1)', pg_catalog.regexp_replace(v_kind.refundable_handler, '\(.*$', ''))
     into v_refundable using p_dispute.trade_id;
  v_refundable := coalesce(v_refundable, 0);
  if p_refund_amount > v_refundable then
    perform private.raise_error('HL625', pg_catalog.format('at most %s %s can be refunded', v_refundable, p_dispute.currency));
  end if;
  v_refund := case p_outcome when 'release' then coalesce(p_refund_amount, 0)
                             when 'full_refund' then coalesce(p_refund_amount, v_refundable)
                             else p_refund_amount end;
  if p_outcome = 'release' and v_refund <> 0 then
    perform private.raise_error('HL749', 'release refunds nothing');
  elsif p_outcome = 'full_refund' and (v_refundable = 0 or v_refund <> v_refundable) then
    perform private.raise_error('HL749', case when v_refundable = 0 then 'nothing was paid: only release'
      else pg_catalog.format('a full refund is %s %s', v_refundable, p_dispute.currency) end);
  elsif p_outcome = 'partial_refund' and (v_refund is null or v_refund <= 0 or v_refund >= v_refundable) then
    perform private.raise_error('HL749', case when v_refundable = 0 then 'nothing was paid: only release'
      else pg_catalog.format('a partial refund is more than 0 and less than %s %s', v_refundable, p_dispute.currency) end);
  end if;

  execute pg_catalog.format('select %s($1, $2, $3, $4, $5, $6)', pg_catalog.regexp_replace(v_kind.resolve_handler, '\(.*$', ''))
    using p_dispute.trade_id, p_actor_id, p_role, v_refund, p_reason,
          pg_catalog.jsonb_build_object('dispute_id', p_dispute.id, 'dispute_outcome', p_outcome, 'dispute_auto', p_auto);
  -- Kinds whose trade process does not close the record themselves.
  return private.close_dispute(p_dispute.id, p_outcome, v_refund, p_reason, p_actor_id, p_role, p_auto);
end;
$$;
comment on function private.resolve_dispute(public.disputes, text, bigint, text, uuid, text, boolean) is
  'Resolves an open dispute: validates the outcome against what the kind''s refundable handler says was paid (HL748, HL749, '
  'HL625), runs the kind''s resolve handler (bookings: the resolve transition; money refunds, releases and posts the ledger), '
  'and closes the record (audit, notifications). Used by resolve_dispute (operator) and the dispute timer (system).';
revoke all on function private.resolve_dispute(public.disputes, text, bigint, text, uuid, text, boolean)
  from public, anon, authenticated, service_role;

create or replace function public.resolve_dispute(p_dispute_id uuid, p_outcome text, p_refund_amount bigint default null,
                                                   p_reason text default null)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := private.require_permission('disputes.resolve');
  v_dispute public.disputes;
  v_reason text := nullif(pg_catalog.btrim(p_reason), '');
begin
  select * into v_dispute from public.disputes d where d.id = p_dispute_id for update;
  if v_dispute.id is null then
    perform private.raise_error('HL740', pg_catalog.format('dispute %s', p_dispute_id));
  end if;
  if private.dispute_side(v_dispute, v_uid) is not null then
    perform private.raise_error('HL750', pg_catalog.format('you are the %s side', private.dispute_side(v_dispute, v_uid)));
  end if;
  if v_dispute.status <> 'open' then
    perform private.raise_error('HL745', pg_catalog.format('resolved at %s', v_dispute.resolved_at));
  end if;
  if v_reason is null then
    perform private.raise_error('HL419', 'resolving a dispute needs a reason');
  end if;
  if pg_catalog.char_length(v_reason) > 1000 then
    perform private.raise_error('HL742', 'p_reason is limited to 1000 characters');
  end if;
  v_dispute := private.resolve_dispute(v_dispute, p_outcome, p_refund_amount, v_reason, v_uid, 'operator');
  return private.dispute_json(v_dispute, 'operator');
end;
$$;
comment on function public.resolve_dispute(uuid, text, bigint, text) is
  'Operators with disputes.resolve (not a party) resolve an open dispute: full_refund (everything paid; p_refund_amount may be '
  'omitted), partial_refund (more than 0, less than what was paid) or release (nothing refunded; the provider/seller is paid), '
  'with a reason. The trade''s process moves the money (bookings: resolve transition; refund, release, ledger); both sides are '
  'notified. Errors: HL001, HL002, HL419, HL625 (more than paid), HL740, HL742, HL745, HL748, HL749, HL750.';
revoke all on function public.resolve_dispute(uuid, text, bigint, text) from public, anon, authenticated, service_role;
grant execute on function public.resolve_dispute(uuid, text, bigint, text) to authenticated;

create or replace function public.get_dispute(p_dispute_id uuid)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_uid uuid := private.require_uid();
  v_dispute public.disputes;
  v_side text;
begin
  select * into v_dispute from public.disputes d where d.id = p_dispute_id;
  v_side := private.dispute_side(v_dispute, v_uid);
  if v_side is null and v_dispute.id is not null and private.authorize('disputes.resolve') then
    v_side := 'operator';
  end if;
  if v_dispute.id is null or v_side is null then
    perform private.raise_error('HL740', pg_catalog.format('dispute %s', p_dispute_id));
  end if;
  return private.dispute_json(v_dispute, v_side);
end;
$$;
comment on function public.get_dispute(uuid) is
  'A dispute for its sides and operators with disputes.resolve: the row, my_side, the trade, refundable (operators), '
  'can_add_statement, can_resolve, and the timeline (statements, evidence paths, resolution). Errors: HL001, HL740.';
revoke all on function public.get_dispute(uuid) from public, anon, authenticated, service_role;
grant execute on function public.get_dispute(uuid) to authenticated;

create or replace function public.list_my_disputes(
  p_status text default null,
  p_limit integer default 20,
  p_before_opened_at timestamptz default null,
  p_before_id uuid default null
)
returns setof public.disputes
language plpgsql
stable
set search_path = ''
as $$
begin
  perform private.require_uid();
  if (p_status is not null and p_status not in ('open', 'resolved')) or p_limit is null or p_limit < 1 or p_limit > 100
     or (p_before_opened_at is null) <> (p_before_id is null) then
    perform private.raise_error('HL752', pg_catalog.format('status %L, limit %s', p_status, p_limit));
  end if;
  return query
    select d.* from public.disputes d
     where d.id = any (array(select private.my_dispute_ids()))
       and (p_status is null or d.status = p_status)
       and (p_before_opened_at is null or (d.opened_at, d.id) < (p_before_opened_at, p_before_id))
     order by d.opened_at desc, d.id desc
     limit p_limit;
end;
$$;
comment on function public.list_my_disputes(text, integer, timestamptz, uuid) is
  'The disputes the caller is a side of (customer, provider, owner/manager of the provider''s business), newest first; '
  'p_status open or resolved; keyset pages: pass the last row''s opened_at and id. Errors: HL001, HL752.';
revoke all on function public.list_my_disputes(text, integer, timestamptz, uuid) from public, anon, authenticated, service_role;
grant execute on function public.list_my_disputes(text, integer, timestamptz, uuid) to authenticated;
