-- Module: trust (disputes: data, registry, access, evidence storage, notifications)
-- A dispute is one per trade (a booking today, a goods purchase later): who opened it and from
-- which side, a reason from a fixed list and details, its status (open -> resolved), the outcome
-- an operator (or the timeout rule) decided, with the refund in minor units and the reason, and
-- its own timeline (opened, statements and evidence of both sides, escalation, resolution).
--
-- Decisions (see docs/disputes.md):
--   * The trade's own process moves the money: trust owns the registry private.dispute_kinds
--     (kind -> open, resolve and refundable handlers, checked signatures). Bookings register the
--     `dispute` and `resolve` booking transitions, so money's booking transition handler (600)
--     refunds and releases and writes the ledger, exactly as for a resolve taken directly.
--   * Both entry points agree: a `dispute` or `resolve` taken through transition_booking opens or
--     closes the dispute record too (booking transition handler, position 650), with the outcome
--     derived from metadata.refund_amount. resolve_dispute is the operator's RPC that validates the
--     outcome against what was paid; transition_booking stays valid for back ends and Studio.
--   * Evidence lives in the private bucket dispute-evidence, one folder per dispute:
--     <dispute id>/<uploader id>/<file>. Both parties and operators with disputes.resolve read the
--     dispute's folder; a party uploads into their own subfolder while the dispute is open;
--     nobody replaces or deletes evidence through the API.

------------------------------------------------------------------------------------------------
-- Error codes (HL740-HL759), settings, the permission.
------------------------------------------------------------------------------------------------
insert into private.error_codes (code, name, http_status, message, hint) values
  ('HL740', 'dispute_not_found', 404, 'The dispute does not exist or you cannot see it.',
   'Only the two sides of the trade and operators with disputes.resolve see a dispute.'),
  ('HL741', 'unknown_dispute_reason', 400, 'Unknown dispute reason.',
   'Use one of the reasons listed in details (see docs/disputes.md).'),
  ('HL742', 'invalid_dispute_text', 400, 'A dispute text is too long.',
   'Details and reasons are limited to 1000 characters, statements to 4000.'),
  ('HL743', 'trade_not_disputable', 409, 'This trade cannot be disputed in its current state.',
   'A booking can be disputed while in progress and after completion (within the dispute window).'),
  ('HL744', 'trade_already_disputed', 409, 'This trade has already been disputed.',
   'A trade has one dispute; add statements to it (add_dispute_statement).'),
  ('HL745', 'dispute_not_open', 409, 'The dispute is resolved.',
   'A resolved dispute takes no more statements, evidence or decisions.'),
  ('HL746', 'invalid_dispute_statement', 400, 'A statement needs text or evidence.',
   'Send p_body (up to 4000 characters), evidence paths, or both.'),
  ('HL747', 'invalid_dispute_evidence', 400, 'An evidence file is invalid.',
   'Upload each file to the dispute-evidence bucket under <dispute id>/<your user id>/ first, then name it once (at most disputes.max_evidence_per_statement files).'),
  ('HL748', 'invalid_dispute_outcome', 400, 'Unknown dispute outcome.',
   'Use full_refund, partial_refund or release.'),
  ('HL749', 'refund_does_not_fit_outcome', 400, 'The refund does not fit the outcome or what was paid.',
   'release refunds nothing; full_refund refunds everything paid; partial_refund refunds more than 0 and less than what was paid. Nothing paid: only release.'),
  ('HL750', 'own_dispute', 403, 'You cannot resolve a dispute you are a party to.',
   'Ask another operator.'),
  ('HL751', 'disputes_not_supported', 400, 'This kind of trade cannot be disputed.',
   'See private.dispute_kinds for the kinds that can.'),
  ('HL752', 'invalid_dispute_filter', 400, 'Invalid dispute list filter.',
   'p_status: open or resolved; p_limit: 1 to 100; the cursor needs both p_before_opened_at and p_before_id.')
on conflict (code) do update
  set name = excluded.name, http_status = excluded.http_status,
      message = excluded.message, hint = excluded.hint;

insert into private.settings (key, value, description) values
  ('disputes.statement_due_minutes', '4320',
   'The side that opened a dispute must add a statement or evidence within this many minutes (72 h); otherwise the dispute is abandoned and resolves as release (nothing refunded).'),
  ('disputes.escalate_after_minutes', '7200',
   'An open dispute no operator resolved this long (5 days) after it was opened is escalated: flagged in operator_dispute_queue and on its timeline.'),
  ('disputes.max_evidence_per_statement', '10',
   'Most evidence files one statement may name.'),
  ('disputes.timer_batch_size', '200',
   'Most disputes the dispute timer auto-resolves and escalates per kind and run.')
on conflict (key) do nothing;

insert into public.role_permissions (role, permission) values
  ('admin', 'disputes.resolve'),
  ('support', 'disputes.resolve')
on conflict do nothing;

------------------------------------------------------------------------------------------------
-- The registry of dispute kinds. A kind is a trade kind (private.trade_kinds) whose module lets
-- its trades be disputed:
--   open_handler       (p_trade_id uuid, p_actor_id uuid, p_actor_side text, p_reason text, p_metadata jsonb) -> void
--                      moves the trade into its disputed state (stops capture, release, completion);
--   resolve_handler    (p_trade_id uuid, p_actor_id uuid, p_actor_role text, p_refund_amount bigint, p_reason text,
--                       p_metadata jsonb) -> void: closes the trade's dispute in its own process, refunding
--                      p_refund_amount and releasing the rest (p_actor_role operator or system);
--   refundable_handler (p_trade_id uuid) -> bigint: what the buyer paid and can still get back (0: nothing).
------------------------------------------------------------------------------------------------
create table private.dispute_kinds (
  kind text primary key references private.trade_kinds (kind),
  module text not null check (module ~ '^[a-z][a-z0-9_]*$'),
  open_handler text not null,
  resolve_handler text not null,
  refundable_handler text not null,
  description text not null
);
comment on table private.dispute_kinds is
  'Trade kinds that can be disputed and the handlers of their module: open (uuid, uuid, text, text, jsonb) -> void, resolve '
  '(uuid, uuid, text, bigint, text, jsonb) -> void, refundable (uuid) -> bigint. Checked by private.check_dispute_kind_handlers.';

create or replace function private.check_dispute_kind_handlers()
returns trigger
language plpgsql
set search_path = ''
as $$
declare
  v_checks constant text[][] := array[
    array['open_handler', 'uuid, uuid, text, text, jsonb', 'void'],
    array['resolve_handler', 'uuid, uuid, text, bigint, text, jsonb', 'void'],
    array['refundable_handler', 'uuid', 'bigint']];
  v_row jsonb := pg_catalog.to_jsonb(new);
  v_proc regprocedure;
  i integer;
begin
  for i in 1 .. pg_catalog.array_length(v_checks, 1) loop
    v_proc := pg_catalog.to_regprocedure(v_row ->> v_checks[i][1]);
    if v_proc is null then
      raise exception using errcode = '23514',
        message = pg_catalog.format('dispute_kinds: %s %L is not an existing function signature', v_checks[i][1], v_row ->> v_checks[i][1]);
    end if;
    if not exists (
      select 1 from pg_catalog.pg_proc p
       where p.oid = v_proc and p.prokind = 'f' and not p.proretset
         and pg_catalog.oidvectortypes(p.proargtypes) = v_checks[i][2]
         and p.prorettype = v_checks[i][3]::regtype) then
      raise exception using errcode = '23514',
        message = pg_catalog.format('dispute_kinds: %s %s must take (%s) and return %s', v_checks[i][1], v_proc, v_checks[i][2], v_checks[i][3]);
    end if;
    v_row := pg_catalog.jsonb_set(v_row, array[v_checks[i][1]], pg_catalog.to_jsonb(v_proc::text));
  end loop;
  -- Stored schema-qualified, as core's registries store them.
  new.open_handler := v_row ->> 'open_handler';
  new.resolve_handler := v_row ->> 'resolve_handler';
  new.refundable_handler := v_row ->> 'refundable_handler';
  return new;
end;
$$;
comment on function private.check_dispute_kind_handlers() is
  'BEFORE INSERT/UPDATE on private.dispute_kinds: each handler must exist with the signature the registry expects (as core''s '
  'private.check_registry_handler does for one-handler registries); stores the schema-qualified signatures.';
revoke all on function private.check_dispute_kind_handlers() from public, anon, authenticated, service_role;

create or replace trigger dispute_kinds_check_handlers
  before insert or update on private.dispute_kinds
  for each row execute function private.check_dispute_kind_handlers();

------------------------------------------------------------------------------------------------
-- Disputes and their timeline.
------------------------------------------------------------------------------------------------
create table public.disputes (
  id uuid primary key default gen_random_uuid(),
  trade_kind text not null references private.dispute_kinds (kind),
  trade_id uuid not null,
  -- The two sides when the dispute was opened (private.find_trade), for access and notifications.
  customer_id uuid not null references public.profiles (id),
  provider_id uuid not null references public.profiles (id),
  business_id uuid references public.businesses (id) on delete set null,
  opened_by uuid references public.profiles (id),
  opener_side text not null check (opener_side in ('customer', 'provider')),
  reason text not null check (reason in ('not_performed', 'incomplete', 'poor_quality', 'late_or_no_show', 'damage',
                                         'overcharged', 'safety', 'conduct', 'other')),
  details text check (details is null or char_length(details) <= 1000),
  status text not null default 'open' check (status in ('open', 'resolved')),
  -- The trade's amount and currency when the dispute was opened (what the operator weighs).
  amount bigint not null check (amount >= 0),
  currency char(3) not null check (currency ~ '^[A-Z]{3}$'),
  opened_at timestamptz not null,
  -- The opener's statement or evidence is due by then (disputes.statement_due_minutes after opening).
  statement_due_at timestamptz not null,
  escalated_at timestamptz,
  outcome text check (outcome in ('full_refund', 'partial_refund', 'release')),
  refund_amount bigint check (refund_amount >= 0),
  resolution_reason text check (resolution_reason is null or char_length(resolution_reason) <= 1000),
  resolved_by uuid references public.profiles (id),
  resolved_by_role text check (resolved_by_role in ('operator', 'system')),
  resolved_at timestamptz,
  updated_at timestamptz not null default now(),
  unique (trade_kind, trade_id),
  check (customer_id <> provider_id),
  check ((status = 'open') = (outcome is null)),
  check ((status = 'open') = (resolved_at is null)),
  check (status = 'open' or (refund_amount is not null and resolved_by_role is not null)),
  check (outcome is distinct from 'release' or refund_amount = 0),
  check (outcome is distinct from 'partial_refund' or refund_amount > 0),
  check (outcome is distinct from 'full_refund' or refund_amount > 0)
);
comment on table public.disputes is
  'One dispute per trade (booking, purchase): who opened it from which side, the reason and details, open -> resolved with the '
  'outcome (full_refund, partial_refund, release), the refund in minor units and the resolution reason. Written only by the '
  'dispute RPCs, the trade''s transition handler and the dispute timer.';
comment on column public.disputes.statement_due_at is
  'The opening side must add a statement or evidence by then, or the dispute is abandoned and resolves as release.';
comment on column public.disputes.escalated_at is
  'When the dispute was escalated (no operator resolution disputes.escalate_after_minutes after opening).';
comment on column public.disputes.resolved_by_role is 'operator (resolve_dispute, or a resolve transition), or system (timeout rule, back ends).';

create index disputes_customer_id_idx on public.disputes (customer_id, opened_at desc, id);
create index disputes_provider_id_idx on public.disputes (provider_id, opened_at desc, id);
create index disputes_business_id_idx on public.disputes (business_id) where business_id is not null;
create index disputes_open_idx on public.disputes (opened_at) where status = 'open';
create index disputes_statement_due_idx on public.disputes (statement_due_at) where status = 'open';
create index disputes_opened_by_idx on public.disputes (opened_by);
create index disputes_resolved_by_idx on public.disputes (resolved_by) where resolved_by is not null;

create or replace trigger disputes_set_updated_at
  before update on public.disputes
  for each row execute function private.set_updated_at();

create table public.dispute_events (
  id bigint generated always as identity primary key,
  dispute_id uuid not null references public.disputes (id) on delete cascade,
  event text not null check (event in ('opened', 'statement', 'evidence', 'escalated', 'resolved', 'auto_resolved')),
  actor_id uuid references public.profiles (id),
  actor_side text not null check (actor_side in ('customer', 'provider', 'operator', 'system')),
  body text check (body is null or char_length(body) <= 4000),
  -- Object names in the dispute-evidence bucket (<dispute id>/<uploader id>/<file>).
  evidence text[] not null default '{}',
  metadata jsonb not null default '{}'::jsonb,
  created_at timestamptz not null
);
comment on table public.dispute_events is
  'A dispute''s own timeline: opened, statements and evidence of either side, escalation, resolution or auto-resolution. '
  'The trade''s timeline (booking_events) records the dispute and resolve transitions themselves.';
create index dispute_events_dispute_id_idx on public.dispute_events (dispute_id, id);
create index dispute_events_actor_id_idx on public.dispute_events (actor_id) where actor_id is not null;

------------------------------------------------------------------------------------------------
-- Who sees a dispute: its customer, its provider, owners and managers of the provider's business
-- (as on the booking), and operators with disputes.resolve.
------------------------------------------------------------------------------------------------
create or replace function private.my_dispute_ids()
returns setof uuid
language sql
stable
security definer
set search_path = ''
as $$
  select d.id from public.disputes d where d.customer_id = (select auth.uid())
  union
  select d.id from public.disputes d where d.provider_id = (select auth.uid())
  union
  select d.id from public.disputes d
   where d.business_id = any (array(select private.business_ids_with_role(array['owner', 'manager'])));
$$;
comment on function private.my_dispute_ids() is
  'Disputes the calling user is a side of: as customer, provider, or owner/manager of the provider''s business.';
revoke all on function private.my_dispute_ids() from public, anon, authenticated, service_role;
grant execute on function private.my_dispute_ids() to authenticated, service_role;

alter table public.disputes enable row level security;
alter table public.dispute_events enable row level security;

create policy "Parties and dispute operators can read disputes" on public.disputes
  for select to authenticated
  using (
    customer_id = (select auth.uid())
    or provider_id = (select auth.uid())
    or business_id = any (array(select private.business_ids_with_role(array['owner', 'manager'])))
    or (select private.authorize('disputes.resolve'))
  );

create policy "Parties and dispute operators can read dispute timelines" on public.dispute_events
  for select to authenticated
  using (
    dispute_id = any (array(select private.my_dispute_ids()))
    or (select private.authorize('disputes.resolve'))
  );

revoke all on table public.disputes, public.dispute_events from public, anon, authenticated, service_role;
revoke all on sequence public.dispute_events_id_seq from public, anon, authenticated, service_role;
grant select on public.disputes, public.dispute_events to authenticated, service_role;

------------------------------------------------------------------------------------------------
-- Evidence storage (bucket dispute-evidence, supabase/config.toml): folder rule in core's registry.
------------------------------------------------------------------------------------------------
create or replace function private.dispute_evidence_folders(p_operation text)
returns setof text
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_uid uuid := (select auth.uid());
begin
  if v_uid is null then
    return;
  end if;
  if p_operation = 'select' then
    if private.authorize('disputes.resolve') then
      -- The whole bucket: every dispute's folder.
      return next '';
      return;
    end if;
    return query select d::text || '/' from private.my_dispute_ids() d;
  elsif p_operation = 'insert' then
    return query
      select d.id::text || '/' || v_uid::text || '/'
        from public.disputes d
       where d.id in (select private.my_dispute_ids()) and d.status = 'open';
  end if;
  -- update, delete: nobody; evidence is part of the record.
end;
$$;
comment on function private.dispute_evidence_folders(text) is
  'Folder rule of the dispute-evidence bucket: select <dispute id>/ of the disputes the user is a side of (operators with '
  'disputes.resolve: the whole bucket); insert <dispute id>/<user id>/ while the dispute is open; no update or delete.';
revoke all on function private.dispute_evidence_folders(text) from public, anon, authenticated, service_role;

insert into private.storage_buckets (bucket_id, module, handler, description) values
  ('dispute-evidence', 'trust', 'private.dispute_evidence_folders(text)',
   'Dispute evidence: both sides and dispute operators read <dispute id>/; a side uploads under <dispute id>/<user id>/ while open.')
on conflict (bucket_id) do update
  set module = excluded.module, handler = excluded.handler, description = excluded.description;

------------------------------------------------------------------------------------------------
-- Notifications (core's registry): to the other side when a dispute opens or a statement comes
-- in, to both sides when it is resolved.
------------------------------------------------------------------------------------------------
insert into private.notification_types (kind, type_group, module, title_key, body_key, deep_link, params, description) values
  ('dispute.opened', 'bookings', 'trust', 'dispute.opened.title', 'dispute.opened.body',
   'hyperlocal://disputes/{dispute_id}', array['dispute_id', 'trade_kind', 'trade_id', 'reason'],
   'The other side opened a dispute on a trade of yours.'),
  ('dispute.statement_added', 'bookings', 'trust', 'dispute.statement_added.title', 'dispute.statement_added.body',
   'hyperlocal://disputes/{dispute_id}', array['dispute_id', 'trade_kind', 'trade_id'],
   'The other side added a statement or evidence to a dispute.'),
  ('dispute.resolved', 'bookings', 'trust', 'dispute.resolved.title', 'dispute.resolved.body',
   'hyperlocal://disputes/{dispute_id}', array['dispute_id', 'trade_kind', 'trade_id', 'outcome', 'refund_amount', 'currency'],
   'A dispute was resolved (by an operator, or by the timeout rule).')
on conflict (kind) do update
  set type_group = excluded.type_group, module = excluded.module, title_key = excluded.title_key,
      body_key = excluded.body_key, deep_link = excluded.deep_link, params = excluded.params,
      description = excluded.description;

insert into private.notification_texts (key, locale, text) values
  ('dispute.opened.title', 'en', 'A dispute was opened'),
  ('dispute.opened.title', 'ar', 'تم فتح نزاع'),
  ('dispute.opened.body', 'en', 'The other side disputes your order. Add your statement and evidence.'),
  ('dispute.opened.body', 'ar', 'الطرف الآخر يعترض على طلبك. أضف إفادتك وأدلتك.'),
  ('dispute.statement_added.title', 'en', 'New statement in your dispute'),
  ('dispute.statement_added.title', 'ar', 'إفادة جديدة في نزاعك'),
  ('dispute.statement_added.body', 'en', 'The other side added a statement or evidence.'),
  ('dispute.statement_added.body', 'ar', 'أضاف الطرف الآخر إفادة أو دليلاً.'),
  ('dispute.resolved.title', 'en', 'Dispute resolved'),
  ('dispute.resolved.title', 'ar', 'تمت تسوية النزاع'),
  ('dispute.resolved.body', 'en', 'Your dispute was resolved: {outcome}.'),
  ('dispute.resolved.body', 'ar', 'تمت تسوية نزاعك: {outcome}.')
on conflict (key, locale) do update set text = excluded.text;
