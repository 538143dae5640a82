-- =================================================================================================
-- 50_net.sql -- LOCAL-ONLY platform shim: pg_net (asynchronous HTTP from SQL).
--
-- Never pushed to hosted Supabase: there pg_net is an extension (installed by default, objects in
-- schema net) whose C background worker performs the queued requests. The Debian PostgreSQL
-- packages the local stack uses do not ship it, so this recreates its SQL interface with the same
-- objects and signatures, and the local pg_net worker (platform/net, run by the gateway) plays the
-- background worker: it takes up to pg_net.batch_size queued requests, performs them, writes each
-- answer to net._http_response under the request's id and deletes answers older than pg_net.ttl.
--
-- Mirrors, in our own words (supabase/pg_net, sql/pg_net.sql and its upgrade scripts to 0.19; docs
-- api.md): domain net.http_method (GET, POST, DELETE); unlogged tables net.http_request_queue (id,
-- method, url, headers, body bytea, timeout_milliseconds) and net._http_response (id, status_code,
-- content_type, headers, content, timed_out, error_msg, created); net.http_get(url, params,
-- headers, timeout_milliseconds default 5000), net.http_post(url, body jsonb, params, headers
-- default {"Content-Type": "application/json"}, timeout_milliseconds) (Content-Type must be
-- application/json, body not null, converted to UTF-8 bytes), net.http_delete(url, params,
-- headers, timeout_milliseconds, body); params are url-encoded onto the url; requests start after
-- the transaction commits (the queue row becomes visible then) and net.wake() signals the worker
-- (here: NOTIFY pg_net_wake); types net.request_status, net.http_response,
-- net.http_response_result and net.http_collect_response(request_id, async). Grants as Supabase
-- gives them (supabase/postgres extensions.grant_pg_net_access): USAGE on net and EXECUTE on the
-- request functions (SECURITY DEFINER) to postgres, anon, authenticated, service_role,
-- supabase_functions_admin; the tables to postgres only.
--
-- Differences: no C url encoder (done in SQL, same result for ASCII and UTF-8 text); the worker
-- is a Node process of the local stack, not a backend of the database (so no
-- net.worker_restart()); it wakes on NOTIFY or every second.
--
-- Applied by supabase_admin to each database, after 40_realtime.sql. Re-runnable.
-- =================================================================================================
set client_min_messages = warning;

create schema if not exists net;
alter schema net owner to supabase_admin;

do $$
begin
  if not exists (select 1 from pg_type t join pg_namespace n on n.oid = t.typnamespace
                  where n.nspname = 'net' and t.typname = 'http_method') then
    create domain net.http_method as text
      check (value ilike 'get' or value ilike 'post' or value ilike 'delete');
  end if;
  if not exists (select 1 from pg_type t join pg_namespace n on n.oid = t.typnamespace
                  where n.nspname = 'net' and t.typname = 'request_status') then
    create type net.request_status as enum ('PENDING', 'SUCCESS', 'ERROR');
  end if;
  if not exists (select 1 from pg_type t join pg_namespace n on n.oid = t.typnamespace
                  where n.nspname = 'net' and t.typname = 'http_response') then
    create type net.http_response as (status_code integer, headers jsonb, body text);
  end if;
  if not exists (select 1 from pg_type t join pg_namespace n on n.oid = t.typnamespace
                  where n.nspname = 'net' and t.typname = 'http_response_result') then
    create type net.http_response_result as (status net.request_status, message text, response net.http_response);
  end if;
end
$$;

create unlogged table if not exists net.http_request_queue (
  id bigserial,
  method net.http_method not null,
  url text not null,
  headers jsonb not null,
  body bytea,
  timeout_milliseconds integer not null
);

create unlogged table if not exists net._http_response (
  id bigint,
  status_code integer,
  content_type text,
  headers jsonb,
  content text,
  timed_out boolean,
  error_msg text,
  created timestamptz not null default now()
);
create index if not exists _http_response_created_idx on net._http_response (created);

-- Percent-encoding of a query string part (RFC 3986 unreserved characters kept).
create or replace function net._urlencode_string(string varchar)
returns text
language sql
immutable
strict
set search_path = ''
as $$
  select coalesce(string_agg(
           case when b between 48 and 57 or b between 65 and 90 or b between 97 and 122 or b in (45, 46, 95, 126)
                then chr(b) else '%' || upper(lpad(to_hex(b), 2, '0')) end, '' order by i), '')
    from (select get_byte(convert_to(string, 'UTF8'), i - 1) as b, i
            from generate_series(1, octet_length(convert_to(string, 'UTF8'))) i) bytes;
$$;

create or replace function net._encode_url_with_params_array(url text, params_array text[])
returns text
language sql
immutable
strict
set search_path = ''
as $$
  select case when cardinality(params_array) = 0 then url
              else url || case when position('?' in url) > 0 then '&' else '?' end || array_to_string(params_array, '&')
         end;
$$;

create or replace function net.wake()
returns void
language sql
security definer
set search_path = ''
as $$ select pg_notify('pg_net_wake', '') $$;

create or replace function net.http_get(
  url text,
  params jsonb default '{}'::jsonb,
  headers jsonb default '{}'::jsonb,
  timeout_milliseconds integer default 5000
)
returns bigint
language plpgsql
volatile
strict
security definer
set search_path = ''
as $$
declare
  request_id bigint;
  params_array text[];
begin
  select coalesce(array_agg(net._urlencode_string(key) || '=' || net._urlencode_string(value)), '{}')
    into params_array from jsonb_each_text(params);
  insert into net.http_request_queue (method, url, headers, timeout_milliseconds)
  values ('GET', net._encode_url_with_params_array(url, params_array), headers, timeout_milliseconds)
  returning id into request_id;
  perform net.wake();
  return request_id;
end;
$$;

create or replace function net.http_post(
  url text,
  body jsonb default '{}'::jsonb,
  params jsonb default '{}'::jsonb,
  headers jsonb default '{"Content-Type": "application/json"}'::jsonb,
  timeout_milliseconds integer default 5000
)
returns bigint
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  request_id bigint;
  params_array text[];
  content_type text;
begin
  select value into content_type from jsonb_each_text(coalesce(headers, '{}'::jsonb))
   where lower(key) = 'content-type' limit 1;
  if content_type is null then
    headers := coalesce(headers, '{}'::jsonb) || '{"Content-Type": "application/json"}'::jsonb;
  elsif content_type <> 'application/json' then
    raise exception 'Content-Type header must be "application/json"';
  end if;
  if body is null then
    raise exception 'body must not be null';
  end if;
  select coalesce(array_agg(net._urlencode_string(key) || '=' || net._urlencode_string(value)), '{}')
    into params_array from jsonb_each_text(coalesce(params, '{}'::jsonb));
  insert into net.http_request_queue (method, url, headers, body, timeout_milliseconds)
  values ('POST', net._encode_url_with_params_array(url, params_array), headers, convert_to(body::text, 'UTF8'),
          timeout_milliseconds)
  returning id into request_id;
  perform net.wake();
  return request_id;
end;
$$;

create or replace function net.http_delete(
  url text,
  params jsonb default '{}'::jsonb,
  headers jsonb default '{}'::jsonb,
  timeout_milliseconds integer default 5000,
  body jsonb default null
)
returns bigint
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  request_id bigint;
  params_array text[];
begin
  select coalesce(array_agg(net._urlencode_string(key) || '=' || net._urlencode_string(value)), '{}')
    into params_array from jsonb_each_text(coalesce(params, '{}'::jsonb));
  insert into net.http_request_queue (method, url, headers, body, timeout_milliseconds)
  values ('DELETE', net._encode_url_with_params_array(url, params_array), coalesce(headers, '{}'::jsonb),
          case when body is null then null else convert_to(body::text, 'UTF8') end, timeout_milliseconds)
  returning id into request_id;
  perform net.wake();
  return request_id;
end;
$$;

create or replace function net._await_response(request_id bigint)
returns boolean
language plpgsql
volatile
strict
set search_path = ''
as $$
begin
  while not exists (select 1 from net._http_response r where r.id = request_id) loop
    perform pg_sleep(0.05);
  end loop;
  return true;
end;
$$;

create or replace function net.http_collect_response(request_id bigint, async boolean default true)
returns net.http_response_result
language plpgsql
volatile
strict
security definer
set search_path = ''
as $$
declare
  rec net._http_response;
begin
  if not async then
    perform net._await_response(request_id);
  end if;
  select * into rec from net._http_response r where r.id = request_id;
  if rec is null then
    return ('ERROR', 'request matching request_id not found', null)::net.http_response_result;
  end if;
  return ('SUCCESS', 'ok', (rec.status_code, rec.headers, rec.content)::net.http_response)::net.http_response_result;
end;
$$;

alter table net.http_request_queue owner to supabase_admin;
alter table net._http_response owner to supabase_admin;
revoke all on schema net from public;
grant usage on schema net to postgres, anon, authenticated, service_role, supabase_functions_admin;
revoke all on all functions in schema net from public;
grant execute on function net.http_get(text, jsonb, jsonb, integer), net.http_post(text, jsonb, jsonb, jsonb, integer),
  net.http_delete(text, jsonb, jsonb, integer, jsonb), net.http_collect_response(bigint, boolean), net.wake()
  to postgres, anon, authenticated, service_role, supabase_functions_admin;
grant all on all tables in schema net to postgres;
grant all on all sequences in schema net to postgres;
