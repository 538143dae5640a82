-- Module: core (notifications outbox)
-- The one outbox every module writes to with private.notify(user, kind, payload): in-app
-- notifications users read and mark read. Push delivery and preferences are not built yet.

create table public.notifications (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references auth.users (id) on delete cascade,
  kind text not null,
  payload jsonb not null default '{}',
  created_at timestamptz not null default now(),
  read_at timestamptz
);
comment on table public.notifications is
  'In-app notifications (outbox for push): kind such as booking.accepted, payload with ids. Users read and mark their own.';
create index notifications_user_id_idx on public.notifications (user_id, created_at desc);

alter table public.notifications enable row level security;
create policy "Users can read their own notifications" on public.notifications
  for select to authenticated
  using (user_id = (select auth.uid()));
create policy "Users can mark their own notifications read" on public.notifications
  for update to authenticated
  using (user_id = (select auth.uid()))
  with check (user_id = (select auth.uid()));
revoke all on table public.notifications from anon, authenticated, service_role;
grant select, update (read_at) on public.notifications to authenticated;
grant select, insert, update, delete on public.notifications to service_role;

create or replace function private.notify(p_user_id uuid, p_kind text, p_payload jsonb)
returns void
language plpgsql
security definer
set search_path = ''
as $$
begin
  if p_user_id is null then
    return;
  end if;
  insert into public.notifications (user_id, kind, payload)
  values (p_user_id, p_kind, coalesce(p_payload, '{}'::jsonb));
end;
$$;
comment on function private.notify(uuid, text, jsonb) is 'Queues an in-app notification for a user (no-op for a null user).';
revoke all on function private.notify(uuid, text, jsonb) from public, anon, authenticated, service_role;
grant execute on function private.notify(uuid, text, jsonb) to service_role;
