-- Module: core (rate limits, reusable by every module)
-- A sliding-window log: each allowed action writes one row (key, time); an action is refused
-- with HL006 when the key already has `limit` rows inside the window ending now. Refused
-- attempts write nothing, so a key never holds more than `limit` live rows. Exact (no
-- fixed-window burst at the boundary), concurrency-safe (one transaction-scoped advisory lock
-- per key serialises check + write), and transactional: if the caller's transaction rolls back
-- (for example because its input was invalid), the hit is not counted.
--
-- Use:
--   perform private.rate_limit('post_job', v_uid::text);
--     limit and window from private.settings key `rate_limit.post_job`
--     ({"limit": 20, "window": "1 hour"}), tunable without a migration;
--   perform private.check_rate_limit('any:key', 5, interval '1 minute');
--     explicit limit and window.
-- Expired rows are purged by pg_cron (private.purge_rate_limit_hits, every 10 minutes).

create table private.rate_limit_hits (
  id bigint generated always as identity primary key,
  key text not null check (char_length(key) between 1 and 200),
  hit_at timestamptz not null,
  -- hit_at + the window it was counted in: when the row can be purged.
  expires_at timestamptz not null
);
comment on table private.rate_limit_hits is
  'Sliding-window log of rate-limited actions: one row per allowed action, per key. Written by private.check_rate_limit.';
create index rate_limit_hits_key_hit_at_idx on private.rate_limit_hits (key, hit_at);
create index rate_limit_hits_expires_at_idx on private.rate_limit_hits (expires_at);

create or replace function private.check_rate_limit(p_key text, p_limit integer, p_window interval)
returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := private.now();
  v_count integer;
  v_reset_at timestamptz;
begin
  if p_key is null or p_key = '' or p_limit is null or p_limit < 1
     or p_window is null or p_window <= interval '0' then
    raise exception using errcode = 'XX000',
      message = pg_catalog.format('private.check_rate_limit(%L, %s, %s): invalid arguments', p_key, p_limit, p_window);
  end if;

  -- One key at a time: concurrent callers of the same key queue here until the holder commits
  -- or rolls back, so they always count each other's hits.
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('hyperlocal.rate_limit:' || p_key, 0));

  -- No upper bound on hit_at: now() is the transaction's start, so a caller that queued behind
  -- the lock must still count hits stamped later by transactions that committed before it.
  select pg_catalog.count(*)::integer into v_count
    from private.rate_limit_hits h
   where h.key = p_key and h.hit_at > v_now - p_window;

  if v_count >= p_limit then
    -- The window frees a slot when enough of the oldest hits leave it: the
    -- (count - limit + 1)-th oldest hit, plus the window.
    select h.hit_at + p_window into v_reset_at
      from private.rate_limit_hits h
     where h.key = p_key and h.hit_at > v_now - p_window
     order by h.hit_at, h.id
    offset v_count - p_limit
     limit 1;
    perform private.raise_error('HL006',
      pg_catalog.jsonb_build_object(
        'limit', p_limit,
        'window_seconds', pg_catalog.round(extract(epoch from p_window))::bigint,
        'resets_at', pg_catalog.to_char(v_reset_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
        'retry_after_seconds', greatest(1, pg_catalog.ceil(extract(epoch from v_reset_at - v_now)))::bigint
      )::text);
  end if;

  insert into private.rate_limit_hits (key, hit_at, expires_at) values (p_key, v_now, v_now + p_window);
  return p_limit - v_count - 1;
end;
$$;
comment on function private.check_rate_limit(text, integer, interval) is
  'Counts one action for p_key or raises HL006 (details: JSON with limit, window_seconds, resets_at, retry_after_seconds) '
  'when p_key already has p_limit actions in the sliding window p_window. Returns how many actions remain. Concurrency-safe.';

create or replace function private.rate_limit(p_action text, p_subject text)
returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_conf jsonb := private.setting('rate_limit.' || p_action);
begin
  return private.check_rate_limit(
    p_action || ':' || p_subject,
    (v_conf ->> 'limit')::integer,
    (v_conf ->> 'window')::interval);
end;
$$;
comment on function private.rate_limit(text, text) is
  'Rate limit of a named action for a subject (usually a user id), configured in private.settings as '
  'rate_limit.<action> = {"limit": n, "window": "<interval>"}. Raises HL006 when exceeded.';

create or replace function private.purge_rate_limit_hits()
returns integer
language sql
security definer
set search_path = ''
as $$
  with gone as (
    delete from private.rate_limit_hits h where h.expires_at < private.now() returning 1
  )
  select pg_catalog.count(*)::integer from gone;
$$;
comment on function private.purge_rate_limit_hits() is 'Deletes rate-limit hits whose window has passed (pg_cron, every 10 minutes).';

-- Edge functions run as service_role or postgres; API users reach these only through RPCs.
revoke all on function
  private.check_rate_limit(text, integer, interval),
  private.rate_limit(text, text),
  private.purge_rate_limit_hits()
  from public, anon, authenticated, service_role;
grant execute on function private.check_rate_limit(text, integer, interval), private.rate_limit(text, text)
  to service_role;

select cron.schedule('hyperlocal-purge-rate-limits', '*/10 * * * *', 'select private.purge_rate_limit_hits()');
