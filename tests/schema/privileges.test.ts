/**
 * The privilege matrix: every privilege that a role other than the owner holds on the project's
 * schemas, tables, views, sequences, columns and functions after all migrations, plus the default
 * privileges the migration role leaves behind, compared with the reviewed list in
 * `privileges.expected.txt`.
 *
 * `npm test` runs this file on both stacks: `test` (the 2026 default privileges of new Supabase
 * projects) and `legacy` (a project created before the change, where every new object in public
 * is granted to anon, authenticated and service_role). Both must produce the same list, so the
 * migrations' privileges do not depend on the project's defaults.
 *
 * After an intended change of grants: `npm test -- --update`, then review the diff of the list.
 */
import { afterAll, describe, expect, it } from "vitest";
import { adminSql } from "../support.ts";

const sql = adminSql();
afterAll(() => sql.end());

/** Schemas of the platform (shimmed locally, Supabase's own when hosted) and of the test helpers. */
const NOT_OURS = [
  "pg_catalog", "information_schema", "pg_toast", "auth", "storage", "realtime", "_realtime", "extensions",
  "cron", "graphql", "graphql_public", "vault", "net", "supabase_functions", "pgsodium", "tests",
];

/** Roles whose privileges are listed: the owner (postgres) and the superusers are left out. */
const MATRIX = `
  with grantees(oid, name) as (
    select 0::oid, 'PUBLIC'
    union all
    select oid, rolname::text from pg_catalog.pg_roles
     where rolname not in ('postgres', 'supabase_admin') and not rolsuper
  ),
  ours as (
    select n.oid, n.nspname::text as name from pg_catalog.pg_namespace n
     where n.nspname <> all ($1::text[]) and n.nspname !~ '^pg_(temp|toast_temp)_'
  ),
  objects(kind, name, acl) as (
    select 'schema', s.name, n.nspacl
      from ours s join pg_catalog.pg_namespace n on n.oid = s.oid
    union all
    select case c.relkind when 'S' then 'sequence' when 'v' then 'view' when 'm' then 'view' else 'table' end,
           s.name || '.' || c.relname, c.relacl
      from pg_catalog.pg_class c join ours s on s.oid = c.relnamespace
     where c.relkind in ('r', 'p', 'v', 'm', 'S', 'f')
    union all
    select 'column', s.name || '.' || c.relname || '.' || a.attname, a.attacl
      from pg_catalog.pg_attribute a
      join pg_catalog.pg_class c on c.oid = a.attrelid
      join ours s on s.oid = c.relnamespace
     where a.attnum > 0 and not a.attisdropped and a.attacl is not null
    union all
    -- A function without an ACL has the built-in default: EXECUTE for PUBLIC.
    select 'function', s.name || '.' || p.proname || '(' || pg_catalog.oidvectortypes(p.proargtypes) || ')',
           coalesce(p.proacl, pg_catalog.acldefault('f', p.proowner))
      from pg_catalog.pg_proc p join ours s on s.oid = p.pronamespace
     where not exists (select 1 from pg_catalog.pg_depend d
                        where d.classid = 'pg_catalog.pg_proc'::regclass and d.objid = p.oid and d.deptype = 'e')
    union all
    select 'default privileges of ' || r.rolname || ' on '
             || case d.defaclobjtype when 'r' then 'tables' when 'S' then 'sequences' when 'f' then 'functions'
                                     when 'T' then 'types' when 'n' then 'schemas' end
             || coalesce(' in ' || n.nspname, ''),
           '', d.defaclacl
      from pg_catalog.pg_default_acl d
      join pg_catalog.pg_roles r on r.oid = d.defaclrole
      left join pg_catalog.pg_namespace n on n.oid = d.defaclnamespace
     where r.rolname = 'postgres' and (n.nspname is null or n.nspname <> all ($1::text[]))
  )
  select o.kind, o.name, g.name as grantee,
         string_agg(x.privilege_type, ', ' order by x.privilege_type) as privileges
    from objects o
   cross join lateral pg_catalog.aclexplode(o.acl) x
    join grantees g on g.oid = x.grantee
   group by o.kind, o.name, g.name
   order by o.kind, o.name, g.name`;

describe("privileges", () => {
  it("match the reviewed list, whatever the project's default privileges", async () => {
    const rows = await sql.unsafe<Array<{ kind: string; name: string; grantee: string; privileges: string }>>(MATRIX, [NOT_OURS]);
    const lines = rows.map((r) => `${r.kind} ${r.name}`.trim().padEnd(60) + `  ${r.grantee.padEnd(20)} ${r.privileges}`);
    expect(lines.length).toBeGreaterThan(100);
    await expect(`${lines.join("\n")}\n`).toMatchFileSnapshot("./privileges.expected.txt");
  });

  it("give anon and PUBLIC no write privilege on any table, column or sequence", async () => {
    const rows = await sql.unsafe<Array<{ kind: string; name: string; grantee: string; privileges: string }>>(MATRIX, [NOT_OURS]);
    const writes = rows.filter(
      (r) =>
        !r.kind.startsWith("default") &&
        ["anon", "PUBLIC"].includes(r.grantee) &&
        /INSERT|UPDATE|DELETE|TRUNCATE|REFERENCES|TRIGGER/.test(r.privileges),
    );
    expect(writes.map((r) => `${r.kind} ${r.name}: ${r.grantee} ${r.privileges}`)).toEqual([]);
  });
});
