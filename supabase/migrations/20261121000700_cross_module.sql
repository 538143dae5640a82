-- Cross-module: what needs the catalog, bookings and jobs all in place. Everything else the
-- modules, built in parallel, had to agree on now lives in its own module's migration, in its
-- final form (decisions in the function comments and in the README: Catalog, Jobs and offers,
-- Bookings, Identity). Tests: supabase/tests/database/00700-cross-module.test.sql and
-- tests/integration/cross-module.test.ts.
--
-- Here: account deletion reaches the catalog (handler at position 700). Favorites go; a provider
-- profile nothing else points at is deleted, one that bookings, job offers or job matches point
-- at is anonymised and kept; deleting a provider profile is refused while such records point at
-- it (they would cascade or fail). These read the bookings and jobs tables, so they come last.
--
-- Where the rest went:
--   * identity_members_and_deletion: a closed business can no longer be edited or deleted by its
--     (deleted) owner.
--   * catalog_behaviour: provider_profiles.deleted_at (kept in step with profiles.deleted_at) and
--     the policies and triggers that keep a deleted account's still-valid token from writing
--     catalog data; set_provider_business refuses closed businesses (HL118) and closing a
--     business detaches its providers; a deleted provider cannot be saved as a favorite.
--   * bookings / bookings_behaviour: stalled bookings (en route or arrived) are cancelled by the
--     system bookings.stalled_after_minutes after their scheduled end; business staff do not see
--     the business's money (rows readable by customer, provider, owners, managers and operators;
--     the RPCs leave price, currency and cancellation terms out for staff); the transition path
--     tells the jobs module when a booking made from an offer closes; calendars answer
--     HL217/HL218 (HL433 retired).
--   * jobs: jobs follow their bookings (reopen, expire or cancel: private.job_after_booking_closed),
--     the jobs account deletion step, deleted accounts cannot make offers, offers answer HL404
--     when the provider is not free (HL322 retired).

------------------------------------------------------------------------------------------------
-- Deleted providers in the catalog
------------------------------------------------------------------------------------------------
-- Records that must keep pointing at a provider profile: bookings (no cascade), offers and the
-- record of who was shown a job (job_matches: who could read its photos). Those cascade, so
-- deleting the profile would silently erase a customer's offers and that record.
create or replace function private.provider_is_referenced(p_provider_id uuid)
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select exists (select 1 from public.bookings b where b.provider_id = p_provider_id)
      or exists (select 1 from public.job_offers o where o.provider_id = p_provider_id)
      or exists (select 1 from public.job_matches m where m.provider_id = p_provider_id);
$$;
comment on function private.provider_is_referenced(uuid) is
  'True when bookings, job offers or job matches point at the provider profile (it must then be kept, not deleted).';

create or replace function private.check_provider_profile_delete()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if private.provider_is_referenced(old.id) then
    perform private.raise_error('HL005', 'the provider profile has bookings, offers or job matches', null,
      'Pause instead: set is_available to false and deactivate the listings. Deleting the account anonymises the profile.');
  end if;
  return old;
end;
$$;
comment on function private.check_provider_profile_delete() is
  'BEFORE DELETE on provider_profiles: HL005 while bookings, offers or job matches point at it (they would cascade or fail).';

create or replace trigger provider_profiles_check_delete
  before delete on public.provider_profiles
  for each row execute function private.check_provider_profile_delete();

-- The catalog's account deletion step.
create or replace function private.delete_account_catalog(p_user_id uuid)
returns void
language plpgsql
set search_path = ''
as $$
begin
  delete from public.favorites f where f.user_id = p_user_id;
  perform 1 from public.provider_profiles p where p.id = p_user_id for update;
  if not found then
    return;
  end if;
  -- Others' favorites of this provider are useless now (the profile is anonymised).
  delete from public.favorites f where f.provider_id = p_user_id;

  if not private.provider_is_referenced(p_user_id) then
    -- Nothing records this provider: the profile goes with its listings, availability, time off
    -- and certifications (cascade), and the account stops being a provider.
    delete from public.provider_profiles p where p.id = p_user_id;
    return;
  end if;

  -- Records point at it: keep the row (bookings, offers and ratings stay attributable) and
  -- remove what describes the person. Listings stay for bookings.listing_id, inactive and
  -- without media.
  update public.service_listings l
     set is_active = false, media_paths = '{}', cover_image_path = null
   where l.provider_id = p_user_id;
  delete from public.availability_rules r where r.provider_id = p_user_id;
  delete from public.provider_time_off t where t.provider_id = p_user_id;
  delete from public.provider_certifications c where c.provider_id = p_user_id;
  update public.provider_profiles p
     set display_name = 'Deleted provider',
         business_name = null,
         description = null,
         skills = '{}',
         is_available = false,
         business_id = null,
         deleted_at = coalesce(p.deleted_at, private.now())
   where p.id = p_user_id;
end;
$$;
comment on function private.delete_account_catalog(uuid) is
  'Account deletion (catalog, position 700). Deletes the user''s favorites (and others'' favorites of them). A provider profile that no '
  'booking, job offer or job match points at is deleted outright (listings, availability, time off and certifications cascade; '
  'profiles.is_provider becomes false). Otherwise it is anonymised and kept for those records: display name "Deleted provider", '
  'business name, description and skills cleared, not available, detached from its business, deleted_at set (anonymised in catalog '
  'reads); its listings are deactivated without media or cover image; availability rules, time off and certifications are deleted. '
  'Ratings, counters and verification stay (they describe past work, not the person).';

insert into private.account_deletion_handlers (handler, position, module, description) values
  ('private.delete_account_catalog(uuid)', 700, 'catalog',
   'Delete favorites; delete an unreferenced provider profile, else anonymise it, deactivate its listings (no media) and delete availability, time off and certifications.')
on conflict (handler) do update
  set position = excluded.position, module = excluded.module, description = excluded.description;
