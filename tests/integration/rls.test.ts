/**
 * A client app's path end to end: minted user tokens, supabase-js, PostgREST, RLS. The table and
 * functions used here are created by the test itself (the foundation has no domain tables yet)
 * and dropped afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SupabaseClient } from "@supabase/supabase-js";
import { actor, adminSql, anonClient, serviceClient, waitForSchema } from "../support.ts";

const sql = adminSql();
// The test objects are not in the generated types: use an untyped view of the clients.
type Loose = SupabaseClient;
let alice: { client: Loose; id: string };
let bob: { client: Loose; id: string };

beforeAll(async () => {
  await sql.unsafe(`
    create table public.it_notes (
      id bigint generated always as identity primary key,
      owner_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
      body text not null check (length(body) between 1 and 500)
    );
    comment on table public.it_notes is 'integration test table';
    create index on public.it_notes (owner_id);
    alter table public.it_notes enable row level security;
    create policy "Users can read their own notes" on public.it_notes for select to authenticated
      using ((select auth.uid()) = owner_id);
    create policy "Users can add their own notes" on public.it_notes for insert to authenticated
      with check ((select auth.uid()) = owner_id);
    create policy "Users can edit their own notes" on public.it_notes for update to authenticated
      using ((select auth.uid()) = owner_id) with check ((select auth.uid()) = owner_id);
    grant select, insert, update (body) on public.it_notes to authenticated;
    grant select, insert, update, delete on public.it_notes to service_role;

    create function public.it_touch_all_notes() returns void language plpgsql set search_path = '' as $$
    begin
      update public.it_notes set body = body;
    end $$;
    comment on function public.it_touch_all_notes() is 'integration test: UPDATE without WHERE';
    grant execute on function public.it_touch_all_notes() to authenticated;

    create function public.it_raise(p_code text) returns void language plpgsql set search_path = '' as $$
    begin
      perform private.raise_error(p_code, 'details for ' || p_code);
    end $$;
    comment on function public.it_raise(text) is 'integration test: registered errors';
    grant execute on function public.it_raise(text) to authenticated;
    notify pgrst, 'reload schema';
  `);
  await waitForSchema("it_notes");
  await waitForSchema("rpc/it_raise?p_code=HL001");
  const [a, b] = [await actor("alice"), await actor("bob")];
  alice = { client: a.client as unknown as Loose, id: a.id };
  bob = { client: b.client as unknown as Loose, id: b.id };
});

afterAll(async () => {
  await sql.unsafe(`
    drop function if exists public.it_touch_all_notes();
    drop function if exists public.it_raise(text);
    drop table if exists public.it_notes;
    notify pgrst, 'reload schema';
  `);
  await sql.end();
});

describe("supabase-js with minted tokens through RLS", () => {
  it("lets a user write and read their own rows", async () => {
    const { data, error } = await alice.client.from("it_notes").insert({ body: "fix the tap" }).select().single();
    expect(error).toBeNull();
    expect(data).toMatchObject({ body: "fix the tap", owner_id: alice.id });
    const mine = await alice.client.from("it_notes").select("body");
    expect(mine.data).toEqual([{ body: "fix the tap" }]);
  });

  it("hides other users' rows and refuses writing them", async () => {
    const seen = await bob.client.from("it_notes").select("*");
    expect(seen.error).toBeNull();
    expect(seen.data).toEqual([]);
    const upd = await bob.client.from("it_notes").update({ body: "hijacked" }).eq("owner_id", alice.id).select();
    expect(upd.data).toEqual([]);
    const forged = await bob.client.from("it_notes").insert({ body: "as alice", owner_id: alice.id });
    expect(forged.error?.code).toBe("42501");
    expect(forged.status).toBe(403);
  });

  it("gives anon nothing and service_role everything", async () => {
    const anon = await anonClient().from("it_notes" as never).select("*");
    expect(anon.error?.code).toBe("42501");
    expect(anon.status).toBe(401);
    const all = await (serviceClient() as unknown as Loose).from("it_notes").select("owner_id");
    expect(all.data?.map((r) => r.owner_id)).toContain(alice.id);
  });

  it("rejects bad input with a 400, not a 500", async () => {
    const res = await alice.client.from("it_notes").insert({ body: "" });
    expect(res.status).toBe(400);
    expect(res.error?.code).toBe("23514");
  });

  it("refuses UPDATE without WHERE inside a function, as hosted Supabase's safeupdate does", async () => {
    const { error, status } = await alice.client.rpc("it_touch_all_notes");
    expect(status).toBe(400);
    expect(error?.code).toBe("21000");
    expect(error?.message).toMatch(/UPDATE requires a WHERE clause/);
  });

  it("maps registered error codes to their HTTP status and JSON body", async () => {
    const expected: Record<string, number> = { HL001: 401, HL002: 403, HL003: 404, HL004: 400, HL005: 409, HL006: 429 };
    for (const [code, status] of Object.entries(expected)) {
      const res = await alice.client.rpc("it_raise", { p_code: code });
      expect(res.status).toBe(status);
      expect(res.error).toMatchObject({ code, details: `details for ${code}` });
      expect(res.error?.message).toBeTruthy();
      expect(res.error?.hint).toBeTruthy();
    }
  });
});
