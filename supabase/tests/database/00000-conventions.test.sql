-- Conventions every module must keep; these checks cover objects added by later migrations too.
begin;
select plan(7);

-- Row level security on every table of the exposed schema.
select tests.rls_enabled('public');

-- No table in public without at least one policy (RLS on and no policy = silently unusable).
select is_empty(
  $$ select c.relname::text
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public' and c.relkind in ('r', 'p')
        and not exists (select 1 from pg_policy pol where pol.polrelid = c.oid) $$,
  'every table in public has at least one policy');

-- PostgREST publishes comments in its OpenAPI document.
select is_empty(
  $$ select c.relname::text
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public' and c.relkind in ('r', 'p', 'v', 'm')
        and obj_description(c.oid, 'pg_class') is null $$,
  'every table and view in public has a comment');

select is_empty(
  $$ select p.oid::regprocedure::text
       from pg_proc p join pg_namespace n on n.oid = p.pronamespace
      where n.nspname = 'public'
        and not exists (select 1 from pg_depend d where d.objid = p.oid and d.deptype = 'e')
        and obj_description(p.oid, 'pg_proc') is null $$,
  'every function in public has a comment');

-- Nothing in public is callable by everyone: EXECUTE is granted to named roles only.
select is_empty(
  $$ select p.oid::regprocedure::text
       from pg_proc p join pg_namespace n on n.oid = p.pronamespace
      where n.nspname in ('public', 'private')
        and not exists (select 1 from pg_depend d where d.objid = p.oid and d.deptype = 'e')
        and has_function_privilege('public', p.oid, 'execute')
        and p.prokind = 'f' and p.prorettype <> 'trigger'::regtype $$,
  'no function in public or private is executable by PUBLIC');

-- security definer functions pin their search_path.
select is_empty(
  $$ select p.oid::regprocedure::text
       from pg_proc p join pg_namespace n on n.oid = p.pronamespace
      where n.nspname in ('public', 'private') and p.prosecdef
        and not exists (select 1 from unnest(coalesce(p.proconfig, '{}')) c where c like 'search_path=%') $$,
  'every security definer function sets search_path');

-- Views in public run with the caller's rights.
select is_empty(
  $$ select c.relname::text
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public' and c.relkind = 'v'
        and not coalesce(c.reloptions @> array['security_invoker=true'], false) $$,
  'every view in public is security_invoker');

select * from finish();
rollback;
