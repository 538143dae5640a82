-- =================================================================================================
-- 60_vault.sql -- LOCAL-ONLY platform shim: Supabase Vault (supabase_vault), the place hosted
-- projects keep secrets that SQL needs (here: the API URL and the service role key pg_cron's push
-- job sends through pg_net).
--
-- Never pushed to hosted Supabase: there the supabase_vault extension is installed by default.
-- Mirrors, in our own words (supabase/vault, sql/supabase_vault--0.3.x; Supabase docs
-- guides/database/vault): table vault.secrets (id, name unique, description, secret, key_id,
-- nonce, created_at, updated_at), view vault.decrypted_secrets (the same plus decrypted_secret),
-- vault.create_secret(new_secret, new_name, new_description, new_key_id) returns uuid and
-- vault.update_secret(secret_id, new_secret, new_name, new_description, new_key_id); postgres may
-- read both and call both functions, the API roles nothing.
--
-- Difference: no encryption at rest (hosted encrypts `secret` with a key the database never
-- stores; decrypted_secrets decrypts on read). Locally `secret` holds the value itself: a local
-- stack only ever stores its own well-known development keys.
--
-- Applied by supabase_admin to each database, after 50_net.sql. Re-runnable.
-- =================================================================================================
set client_min_messages = warning;

create schema if not exists vault;
alter schema vault owner to supabase_admin;

create table if not exists vault.secrets (
  id uuid primary key default gen_random_uuid(),
  name text,
  description text not null default '',
  secret text not null,
  key_id uuid,
  nonce bytea,
  created_at timestamptz not null default current_timestamp,
  updated_at timestamptz not null default current_timestamp
);
create unique index if not exists secrets_name_idx on vault.secrets (name) where name is not null;
alter table vault.secrets owner to supabase_admin;

create or replace view vault.decrypted_secrets as
  select s.id, s.name, s.description, s.secret, s.secret as decrypted_secret, s.key_id, s.nonce,
         s.created_at, s.updated_at
    from vault.secrets s;
alter view vault.decrypted_secrets owner to supabase_admin;

create or replace function vault.create_secret(
  new_secret text,
  new_name text default null,
  new_description text default '',
  new_key_id uuid default null
)
returns uuid
language plpgsql
security definer
set search_path = ''
as $$
declare
  rec vault.secrets;
begin
  insert into vault.secrets (secret, name, description, key_id)
  values (new_secret, new_name, coalesce(new_description, ''), new_key_id)
  returning * into rec;
  return rec.id;
end;
$$;

create or replace function vault.update_secret(
  secret_id uuid,
  new_secret text default null,
  new_name text default null,
  new_description text default null,
  new_key_id uuid default null
)
returns void
language plpgsql
security definer
set search_path = ''
as $$
begin
  update vault.secrets s
     set secret = coalesce(new_secret, s.secret),
         name = coalesce(new_name, s.name),
         description = coalesce(new_description, s.description),
         key_id = coalesce(new_key_id, s.key_id),
         updated_at = current_timestamp
   where s.id = secret_id;
end;
$$;

revoke all on schema vault from public;
revoke all on all tables in schema vault from public, anon, authenticated, service_role;
revoke all on all functions in schema vault from public;
grant usage on schema vault to postgres;
grant select, delete on vault.secrets to postgres;
grant select on vault.decrypted_secrets to postgres;
grant execute on function vault.create_secret(text, text, text, uuid), vault.update_secret(uuid, text, text, text, uuid)
  to postgres;
