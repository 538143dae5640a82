-- Module: core (push delivery)
-- The push outbox: one private.push_deliveries row per notification and device token, queued by
-- private.notify. The `push` edge function claims due rows in batches (claim_push_deliveries:
-- `for update skip locked`, preferences and quiet hours checked again at claim time, quiet hours
-- defer the row to their end), sends them through its provider (FCM HTTP v1, or the local
-- recording provider) and reports each outcome (complete_push_deliveries): sent; retry with
-- exponential backoff; dead letter after push.max_attempts attempts or a permanent error; token
-- unregistered (the device token is deleted). Every attempt is logged in private.push_attempts.
-- pg_cron calls the function every minute through pg_net (private.dispatch_push), with the API
-- URL and the service role key read from Vault.

create table private.push_deliveries (
  id bigint generated always as identity primary key,
  notification_id uuid not null references public.notifications (id) on delete cascade,
  user_id uuid not null references auth.users (id) on delete cascade,
  -- Null once the token is gone (unregistered, removed): the row is then skipped.
  device_token_id uuid references public.device_tokens (id) on delete set null,
  -- pending → sending (claimed; next_attempt_at is the lease's end) → sent | pending (retry) |
  -- dead (dead letter) | skipped (token gone or moved, push turned off, provider: unregistered).
  status text not null default 'pending' check (status in ('pending', 'sending', 'sent', 'dead', 'skipped')),
  attempts integer not null default 0,
  next_attempt_at timestamptz not null,
  last_error text,
  provider_message_id text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  finished_at timestamptz
);
comment on table private.push_deliveries is
  'Push outbox: one row per notification and device token. Claimed by the push edge function (claim_push_deliveries), finished by complete_push_deliveries. status dead = the dead letter queue (last_error says why).';
create index push_deliveries_due_idx on private.push_deliveries (next_attempt_at, id) where status in ('pending', 'sending');
create index push_deliveries_notification_id_idx on private.push_deliveries (notification_id);
create index push_deliveries_user_id_idx on private.push_deliveries (user_id);
create index push_deliveries_device_token_id_idx on private.push_deliveries (device_token_id);
create index push_deliveries_dead_idx on private.push_deliveries (finished_at) where status = 'dead';

create table private.push_attempts (
  id bigint generated always as identity primary key,
  delivery_id bigint not null references private.push_deliveries (id) on delete cascade,
  attempt integer not null,
  provider text not null,
  outcome text not null check (outcome in ('sent', 'retry', 'failed', 'unregistered')),
  error text,
  -- What was sent (the provider's message) and what came back, as the function reported them.
  request jsonb,
  response jsonb,
  created_at timestamptz not null default now()
);
comment on table private.push_attempts is
  'Every send attempt the push function reported: provider (fcm, recording), outcome, error, the message sent and the answer. The recording provider''s sends are read here by tests.';
create index push_attempts_delivery_id_idx on private.push_attempts (delivery_id);

insert into private.settings (key, value, description) values
  ('push.dispatch_enabled', 'true', 'false pauses the pg_cron dispatch (hyperlocal-push) without unscheduling it, e.g. during maintenance; deliveries wait.'),
  ('push.batch_size', '100', 'Deliveries the push function claims per batch when it does not ask for a number (1-500).'),
  ('push.max_attempts', '5', 'Attempts before a push delivery is dead-lettered.'),
  ('push.backoff_base_seconds', '30', 'First retry delay of a failed push; doubled at every further attempt.'),
  ('push.backoff_max_seconds', '3600', 'Longest retry delay of a failed push.'),
  ('push.lease_seconds', '120', 'How long a claimed delivery stays with the function that claimed it before another run may claim it again.');

------------------------------------------------------------------------------------------------
-- Queueing (called by private.notify) and cancelling (a token that moves)
------------------------------------------------------------------------------------------------
create or replace function private.queue_push_deliveries(p_notification_id uuid, p_user_id uuid)
returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_count integer;
begin
  insert into private.push_deliveries (notification_id, user_id, device_token_id, next_attempt_at)
  select p_notification_id, p_user_id, t.id, private.now()
    from public.device_tokens t where t.user_id = p_user_id;
  get diagnostics v_count = row_count;
  return v_count;
end;
$$;
comment on function private.queue_push_deliveries(uuid, uuid) is
  'Queues one push delivery of a notification per device token of its user; returns how many.';
revoke all on function private.queue_push_deliveries(uuid, uuid) from public, anon, authenticated, service_role;

create or replace function private.cancel_push_deliveries(p_device_token_id uuid, p_reason text)
returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_count integer;
begin
  update private.push_deliveries d
     set status = 'skipped', last_error = p_reason, finished_at = private.now(), updated_at = now()
   where d.device_token_id = p_device_token_id and d.status in ('pending', 'sending');
  get diagnostics v_count = row_count;
  return v_count;
end;
$$;
comment on function private.cancel_push_deliveries(uuid, text) is
  'Skips the pending deliveries to a device token (it moved to another user).';
revoke all on function private.cancel_push_deliveries(uuid, text) from public, anon, authenticated, service_role;

------------------------------------------------------------------------------------------------
-- The push function's two RPCs (service role only)
------------------------------------------------------------------------------------------------
create or replace function public.claim_push_deliveries(p_limit integer default null)
returns table (
  delivery_id bigint,
  attempt integer,
  notification_id uuid,
  user_id uuid,
  token text,
  platform text,
  locale text,
  kind text,
  title text,
  body text,
  deep_link text,
  params jsonb,
  created_at timestamptz
)
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_limit integer;
  v_now timestamptz := private.now();
  v_lease interval := pg_catalog.make_interval(secs => private.setting('push.lease_seconds')::integer);
  v_row record;
  v_quiet_end timestamptz;
  v_claimed bigint[] := '{}';
begin
  if not private.is_service_role() then
    perform private.raise_error('HL002', 'claim_push_deliveries is for the push function (service role)');
  end if;
  v_limit := coalesce(p_limit, private.setting('push.batch_size')::integer);
  if v_limit not between 1 and 500 then
    perform private.raise_error('HL577', pg_catalog.format('p_limit %s: 1 to 500', v_limit));
  end if;

  for v_row in
    select d.id, d.user_id, d.device_token_id, n.type_group, n.kind, t.user_id as token_user_id
      from (select d0.id from private.push_deliveries d0
             where d0.status in ('pending', 'sending') and d0.next_attempt_at <= v_now
             order by d0.next_attempt_at, d0.id
             limit v_limit
               for update skip locked) due
      join private.push_deliveries d on d.id = due.id
      join public.notifications n on n.id = d.notification_id
      left join public.device_tokens t on t.id = d.device_token_id
  loop
    if v_row.token_user_id is null or v_row.token_user_id <> v_row.user_id then
      update private.push_deliveries d
         set status = 'skipped', last_error = 'device token removed', finished_at = v_now, updated_at = now()
       where d.id = v_row.id;
      continue;
    end if;
    if not private.notification_channel_enabled(v_row.user_id, v_row.type_group, 'push',
             (select nt.channels from private.notification_types nt where nt.kind = v_row.kind)) then
      update private.push_deliveries d
         set status = 'skipped', last_error = 'push turned off for ' || v_row.type_group, finished_at = v_now,
             updated_at = now()
       where d.id = v_row.id;
      continue;
    end if;
    v_quiet_end := private.quiet_hours_end(v_row.user_id, v_now);
    if v_quiet_end is not null then
      update private.push_deliveries d
         set status = 'pending', next_attempt_at = v_quiet_end, updated_at = now()
       where d.id = v_row.id;
      continue;
    end if;
    update private.push_deliveries d
       set status = 'sending', attempts = d.attempts + 1, next_attempt_at = v_now + v_lease, updated_at = now()
     where d.id = v_row.id;
    v_claimed := v_claimed || v_row.id;
  end loop;

  return query
    select d.id, d.attempts, n.id, d.user_id, t.token, t.platform, t.locale, n.kind,
           private.notification_text(n.title_key, t.locale, n.params),
           private.notification_text(n.body_key, t.locale, n.params),
           n.deep_link, n.params, n.created_at
      from private.push_deliveries d
      join public.notifications n on n.id = d.notification_id
      join public.device_tokens t on t.id = d.device_token_id
     where d.id = any (v_claimed)
     order by d.id;
end;
$$;
comment on function public.claim_push_deliveries(integer) is
  'Service role (the push function): claims up to p_limit (default push.batch_size, 1-500) due push deliveries with `for update skip locked`, so concurrent runs never share one. Deliveries whose token is gone or moved, or whose group has push turned off now, are skipped; deliveries of users inside their quiet hours are deferred to the end of them. Returns the claimed ones with token, platform and the title/body rendered in the device''s locale; each stays claimed for push.lease_seconds. Errors: HL002, HL577.';
revoke all on function public.claim_push_deliveries(integer) from public, anon, authenticated, service_role;
grant execute on function public.claim_push_deliveries(integer) to service_role;

create or replace function public.complete_push_deliveries(p_results jsonb)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := private.now();
  v_result jsonb;
  v_delivery private.push_deliveries;
  v_outcome text;
  v_attempt integer;
  v_id bigint;
  v_delay double precision;
  v_counts jsonb := '{"sent": 0, "retry": 0, "dead": 0, "unregistered": 0, "stale": 0}';
  v_key text;
begin
  if not private.is_service_role() then
    perform private.raise_error('HL002', 'complete_push_deliveries is for the push function (service role)');
  end if;
  if p_results is null or pg_catalog.jsonb_typeof(p_results) <> 'array'
     or pg_catalog.jsonb_array_length(p_results) not between 1 and 1000 then
    perform private.raise_error('HL578', 'p_results must be an array of 1 to 1000 results');
  end if;
  -- Validate everything before writing anything.
  for v_result in select r from pg_catalog.jsonb_array_elements(p_results) r loop
    if pg_catalog.jsonb_typeof(v_result) <> 'object'
       or pg_catalog.jsonb_typeof(v_result -> 'delivery_id') <> 'number'
       or pg_catalog.jsonb_typeof(v_result -> 'attempt') <> 'number'
       or coalesce(v_result ->> 'outcome', '') not in ('sent', 'retry', 'failed', 'unregistered')
       or coalesce(pg_catalog.jsonb_typeof(v_result -> 'provider'), '') <> 'string'
       or (v_result ? 'retry_after_seconds' and pg_catalog.jsonb_typeof(v_result -> 'retry_after_seconds') <> 'number') then
      perform private.raise_error('HL578', pg_catalog.left(v_result::text, 200));
    end if;
  end loop;

  for v_result in select r from pg_catalog.jsonb_array_elements(p_results) r order by (r ->> 'delivery_id')::bigint loop
    v_id := (v_result ->> 'delivery_id')::bigint;
    v_attempt := (v_result ->> 'attempt')::integer;
    v_outcome := v_result ->> 'outcome';
    select * into v_delivery from private.push_deliveries d where d.id = v_id for update;
    if not found or v_delivery.status <> 'sending' or v_delivery.attempts <> v_attempt then
      -- The lease ran out and another run owns (or finished) the delivery: this report is late.
      v_counts := pg_catalog.jsonb_set(v_counts, '{stale}', pg_catalog.to_jsonb((v_counts ->> 'stale')::integer + 1));
      continue;
    end if;
    insert into private.push_attempts (delivery_id, attempt, provider, outcome, error, request, response)
    values (v_id, v_attempt, v_result ->> 'provider', v_outcome, pg_catalog.left(v_result ->> 'error', 2000),
            v_result -> 'request', v_result -> 'response');
    if v_outcome = 'sent' then
      update private.push_deliveries d
         set status = 'sent', provider_message_id = v_result ->> 'provider_message_id', last_error = null,
             finished_at = v_now, updated_at = now()
       where d.id = v_id;
      v_key := 'sent';
    elsif v_outcome = 'unregistered' then
      -- The provider says the token is dead: forget it (its other pending deliveries are skipped
      -- when claimed) unless it has moved to someone else meanwhile.
      delete from public.device_tokens t where t.id = v_delivery.device_token_id and t.user_id = v_delivery.user_id;
      update private.push_deliveries d
         set status = 'skipped', last_error = coalesce(v_result ->> 'error', 'token unregistered'),
             finished_at = v_now, updated_at = now()
       where d.id = v_id;
      v_key := 'unregistered';
    elsif v_outcome = 'failed' or v_attempt >= private.setting('push.max_attempts')::integer then
      update private.push_deliveries d
         set status = 'dead', last_error = coalesce(v_result ->> 'error', v_outcome), finished_at = v_now, updated_at = now()
       where d.id = v_id;
      v_key := 'dead';
    else
      v_delay := least(
        private.setting('push.backoff_base_seconds')::double precision * pg_catalog.power(2, v_attempt - 1),
        private.setting('push.backoff_max_seconds')::double precision);
      v_delay := greatest(v_delay, coalesce((v_result ->> 'retry_after_seconds')::double precision, 0));
      update private.push_deliveries d
         set status = 'pending', next_attempt_at = v_now + pg_catalog.make_interval(secs => v_delay),
             last_error = v_result ->> 'error', updated_at = now()
       where d.id = v_id;
      v_key := 'retry';
    end if;
    v_counts := pg_catalog.jsonb_set(v_counts, array[v_key], pg_catalog.to_jsonb((v_counts ->> v_key)::integer + 1));
  end loop;
  return v_counts;
end;
$$;
comment on function public.complete_push_deliveries(jsonb) is
  'Service role (the push function): records the outcome of claimed deliveries, [{delivery_id, attempt, outcome: sent|retry|failed|unregistered, provider, error?, provider_message_id?, retry_after_seconds?, request?, response?}]. sent → sent; unregistered → the device token is deleted and the delivery skipped; failed (permanent) or the push.max_attempts-th failure → dead (dead letter); retry → pending again after push.backoff_base_seconds × 2^(attempt-1) (at most push.backoff_max_seconds, at least retry_after_seconds). Reports for deliveries no longer claimed by that attempt are ignored (stale). Returns the counts per outcome. Errors: HL002, HL578 (nothing written).';
revoke all on function public.complete_push_deliveries(jsonb) from public, anon, authenticated, service_role;
grant execute on function public.complete_push_deliveries(jsonb) to service_role;

------------------------------------------------------------------------------------------------
-- Scheduling: pg_cron → pg_net → POST /functions/v1/push
------------------------------------------------------------------------------------------------
-- Vault secrets (create them once per project, see docs/messaging.md):
--   hyperlocal_api_url            e.g. https://<ref>.supabase.co (locally the gateway's URL)
--   hyperlocal_service_role_key   the service role key (legacy JWT) or a secret key
create or replace function private.post_to_edge_function(p_path text, p_caller text)
returns bigint
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_url text;
  v_key text;
begin
  select s.decrypted_secret into v_url from vault.decrypted_secrets s where s.name = 'hyperlocal_api_url';
  select s.decrypted_secret into v_key from vault.decrypted_secrets s where s.name = 'hyperlocal_service_role_key';
  if v_url is null or v_key is null then
    raise warning '%: Vault secrets hyperlocal_api_url and hyperlocal_service_role_key are not set', p_caller;
    return null;
  end if;
  return net.http_post(
    url := pg_catalog.rtrim(v_url, '/') || '/functions/v1/' || p_path,
    body := '{}'::jsonb,
    headers := pg_catalog.jsonb_build_object('Content-Type', 'application/json', 'Authorization', 'Bearer ' || v_key,
                                             'apikey', v_key),
    timeout_milliseconds := 60000);
end;
$$;
comment on function private.post_to_edge_function(text, text) is
  'Queues POST <hyperlocal_api_url>/functions/v1/<p_path> with body {} and the service role key (both from Vault) through pg_net, for the pg_cron dispatchers (push, payments); returns the pg_net request id, or null with a warning naming p_caller when the secrets are missing.';
revoke all on function private.post_to_edge_function(text, text) from public, anon, authenticated, service_role;

create or replace function private.dispatch_push()
returns bigint
language plpgsql
security definer
set search_path = ''
as $$
begin
  if not private.setting('push.dispatch_enabled')::boolean then
    return null;   -- paused by an operator
  end if;
  if not exists (select 1 from private.push_deliveries d
                  where d.status in ('pending', 'sending') and d.next_attempt_at <= private.now()) then
    return null;   -- nothing due: no request
  end if;
  return private.post_to_edge_function('push', 'dispatch_push');
end;
$$;
comment on function private.dispatch_push() is
  'pg_cron job hyperlocal-push: when push deliveries are due, queues POST <hyperlocal_api_url>/functions/v1/push with the service role key (both from Vault) through pg_net; returns the pg_net request id, or null when push.dispatch_enabled is false, nothing is due or the secrets are missing.';
revoke all on function private.dispatch_push() from public, anon, authenticated, service_role;

select cron.schedule('hyperlocal-push', '* * * * *', 'select private.dispatch_push()');

insert into private.error_codes (code, name, http_status, message, hint) values
  ('HL577', 'invalid_push_batch', 400, 'The push batch size is invalid.', 'Claim 1 to 500 deliveries at a time.'),
  ('HL578', 'invalid_push_result', 400, 'A push delivery result is invalid.',
   'Each result needs delivery_id, attempt, provider and outcome (sent, retry, failed or unregistered).');
