-- Module: messaging (system messages and account deletion)
-- The database writes system messages into the conversation of a booking (every transition,
-- through bookings' private.booking_transition_handlers) and of a job between its customer and a
-- provider (every offer event: a trigger of this module on jobs' job_offer_events, the timeline
-- jobs writes for each offer action; jobs owns no registry of offer events and needs none). It
-- also takes a deleted account out of its conversations (identity's account deletion registry).

------------------------------------------------------------------------------------------------
-- System messages
------------------------------------------------------------------------------------------------
create or replace function private.post_system_message(p_conversation_id uuid, p_payload jsonb)
returns void
language plpgsql
security definer
set search_path = ''
as $$
begin
  insert into public.messages (conversation_id, author_id, sender_id, kind, payload, created_at)
  values (p_conversation_id, null, null, 'system', p_payload, private.now());
end;
$$;
comment on function private.post_system_message(uuid, jsonb) is
  'Writes a system message (payload {event, ...}) into a conversation; the message triggers count and broadcast it.';

create or replace function private.messaging_after_booking_transition(
  p_booking public.bookings, p_transition text, p_actor_role text, p_reason text, p_metadata jsonb
)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_id uuid;
begin
  -- The parties always have the booking's conversation once something happened to it.
  v_id := private.ensure_conversation('booking', p_booking.id, p_booking.customer_id, p_booking.provider_id,
                                      p_booking.business_id, p_booking.provider_id, null);
  perform private.post_system_message(v_id, pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
    'event', 'booking.' || p_transition,
    'booking_id', p_booking.id,
    'status', p_booking.status,
    'actor_role', p_actor_role,
    'reason', p_reason)));
end;
$$;
comment on function private.messaging_after_booking_transition(public.bookings, text, text, text, jsonb) is
  'Booking transition handler (messaging, position 500): a system message {event: booking.<transition>, booking_id, status, '
  'actor_role, reason} in the booking''s conversation, created when missing.';

insert into private.booking_transition_handlers (handler, position, module, to_states, description) values
  ('private.messaging_after_booking_transition(public.bookings, text, text, text, jsonb)', 500, 'messaging', null,
   'A system message in the booking''s conversation for every transition.')
on conflict (handler) do update
  set position = excluded.position, module = excluded.module, to_states = excluded.to_states,
      description = excluded.description;

create or replace function private.job_offer_events_post_message()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_customer uuid;
  v_currency text;
  v_business uuid;
  v_id uuid;
begin
  select j.customer_id, j.currency into v_customer, v_currency from public.job_requests j where j.id = new.job_id;
  if v_customer is null or v_customer = new.provider_id then
    return null;
  end if;
  if new.action = 'make' then
    -- An offer opens the job's conversation between the customer and the provider.
    select pp.business_id into v_business from public.provider_profiles pp where pp.id = new.provider_id;
    v_id := private.ensure_conversation('job', new.job_id, v_customer, new.provider_id, v_business, new.provider_id, null);
  else
    select c.id into v_id from public.conversations c
     where c.context_kind = 'job' and c.context_id = new.job_id
       and c.user_low = least(v_customer, new.provider_id) and c.user_high = greatest(v_customer, new.provider_id);
    if v_id is null then
      return null;
    end if;
  end if;
  perform private.post_system_message(v_id, pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
    'event', 'offer.' || new.action,
    'offer_id', new.offer_id,
    'job_id', new.job_id,
    'status', new.to_status,
    'actor_role', new.actor_role,
    'amount', new.price,
    'currency', v_currency)));
  return null;
end;
$$;
comment on function private.job_offer_events_post_message() is
  'AFTER INSERT on job_offer_events: a system message {event: offer.<action>, offer_id, job_id, status, actor_role, amount, '
  'currency} in the job''s conversation between its customer and the provider (a new offer creates the conversation).';

create or replace trigger job_offer_events_post_message
  after insert on public.job_offer_events
  for each row execute function private.job_offer_events_post_message();

------------------------------------------------------------------------------------------------
-- Account deletion (position 900: after jobs and bookings, whose steps may still post system
-- messages, and before identity anonymises the profile).
------------------------------------------------------------------------------------------------
create or replace function private.delete_account_messaging(p_user_id uuid)
returns void
language plpgsql
security definer
set search_path = ''
as $$
begin
  -- Their words go: bodies, attachments and payloads of what they wrote are erased and the
  -- messages become tombstones; the rows stay, so the other side's history keeps its shape.
  update public.messages m
     set body = null, attachment_path = null, payload = null, deleted_at = coalesce(m.deleted_at, private.now())
   where m.sender_id = p_user_id;
  -- They leave every conversation; the other side keeps it, read-only (send_message: HL523).
  delete from public.conversation_participants p where p.user_id = p_user_id;
  delete from public.user_blocks b where b.blocker_id = p_user_id or b.blocked_id = p_user_id;
end;
$$;
comment on function private.delete_account_messaging(uuid) is
  'Account deletion (messaging, position 900): erases the content of the messages the user wrote (tombstones stay), removes '
  'them from their conversations (the other side keeps a read-only history) and deletes their blocks both ways.';

insert into private.account_deletion_handlers (handler, position, module, description) values
  ('private.delete_account_messaging(uuid)', 900, 'messaging',
   'Erase the content of their messages; leave their conversations; delete blocks.')
on conflict (handler) do update
  set position = excluded.position, module = excluded.module, description = excluded.description;

revoke all on function
  private.post_system_message(uuid, jsonb),
  private.messaging_after_booking_transition(public.bookings, text, text, text, jsonb),
  private.job_offer_events_post_message(),
  private.delete_account_messaging(uuid)
  from public, anon, authenticated, service_role;
