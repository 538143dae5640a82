-- Static checks of every PL/pgSQL function of the project with plpgsql_check (the checker behind
-- `supabase db lint`): references to missing tables or columns, type mismatches and wrong
-- record fields are found here, not on the code path that first runs them. Trigger functions are
-- checked against their table (and transition tables, when the trigger declares them).
begin;
select plan(2);

select cmp_ok(
  (select count(*)::int
     from pg_proc p
     join pg_namespace n on n.oid = p.pronamespace
     join pg_language l on l.oid = p.prolang
    where l.lanname = 'plpgsql' and n.nspname in ('public', 'private')),
  '>', 50, 'there are PL/pgSQL functions to check');

select is_empty(
  $$ select p.oid::regprocedure::text || ': ' || r.message
       from pg_proc p
       join pg_namespace n on n.oid = p.pronamespace
       join pg_language l on l.oid = p.prolang
       left join lateral (select t.tgrelid, t.tgoldtable, t.tgnewtable
                            from pg_trigger t where t.tgfoid = p.oid limit 1) trg on true
       cross join lateral extensions.plpgsql_check_function_tb(
         p.oid, coalesce(trg.tgrelid, 0), oldtable => trg.tgoldtable, newtable => trg.tgnewtable) r
      where l.lanname = 'plpgsql' and n.nspname in ('public', 'private') and r.level = 'error' $$,
  'plpgsql_check finds no error in any PL/pgSQL function of public or private');

select * from finish();
rollback;
