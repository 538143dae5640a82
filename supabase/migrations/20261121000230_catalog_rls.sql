-- Module: catalog (access)
-- Row level security and privileges of the catalog's tables, and the listing-media bucket's
-- folder rule.

-- Providers attached to a business the caller belongs to: its members read their hidden listings and time off.
create or replace function private.business_provider_ids()
returns setof uuid
language sql
stable
security definer
set search_path = ''
as $$
  select p.id
    from public.provider_profiles p
   where p.business_id in (select bm.business_id from public.business_members bm where bm.user_id = (select auth.uid()));
$$;
comment on function private.business_provider_ids() is
  'Providers attached to a business the caller is a member of. Use as provider_id = any (array(select ...)) in policies.';
revoke all on function private.business_provider_ids() from public, anon, authenticated, service_role;
grant execute on function private.business_provider_ids() to authenticated, service_role;

------------------------------------------------------------------------------------------------
-- Row level security and privileges
------------------------------------------------------------------------------------------------
alter table public.categories enable row level security;
alter table public.provider_profiles enable row level security;
alter table public.provider_certifications enable row level security;
alter table public.service_listings enable row level security;
alter table public.availability_rules enable row level security;
alter table public.provider_time_off enable row level security;
alter table public.buddies enable row level security;

-- categories
create policy "Active categories are public; admins see all" on public.categories
  for select to anon, authenticated
  using (is_active or (select private.authorize('categories.manage')));
create policy "Admins can add categories" on public.categories
  for insert to authenticated
  with check ((select private.authorize('categories.manage')));
create policy "Admins can edit categories" on public.categories
  for update to authenticated
  using ((select private.authorize('categories.manage')))
  with check ((select private.authorize('categories.manage')));
create policy "Admins can delete categories" on public.categories
  for delete to authenticated
  using ((select private.authorize('categories.manage')));
revoke all on table public.categories from anon, authenticated, service_role;
grant select on public.categories to anon, authenticated;
grant insert (id, parent_id, slug, kind, icon, names, default_pricing_unit, is_active, sort_order, cancellation_policy),
      update (parent_id, slug, kind, icon, names, default_pricing_unit, is_active, sort_order, cancellation_policy),
      delete
   on public.categories to authenticated;
grant select, insert, update, delete on public.categories to service_role;

-- provider_profiles. The public SELECT policy stays `using (true)`: any row filter there becomes a
-- security-barrier qual, and PostGIS's operators (&&, <->) are not leakproof, so the planner could
-- no longer use the spatial indexes under RLS (discovery would fall to sequential scans). A deleted
-- provider's row is anonymised instead (the catalog's deletion step), and discovery leaves closed
-- accounts out explicitly. Profiles are created and moved through RPCs (lat/lng, GeoJSON): PostGIS
-- silently wraps out-of-range coordinates in WKT/EWKT input, so raw geography writes are not
-- offered. As for profiles, a deleted account's token (valid until it expires) must not put data
-- back on its provider profile, nor delete a profile that records point at.
create policy "Provider profiles are public" on public.provider_profiles
  for select to anon, authenticated
  using (true);
create policy "Providers can edit their own profile" on public.provider_profiles
  for update to authenticated
  using (id = (select auth.uid()) and deleted_at is null)
  with check (id = (select auth.uid()) and deleted_at is null);
create policy "Providers can delete their own profile" on public.provider_profiles
  for delete to authenticated
  using (id = (select auth.uid()) and deleted_at is null);
revoke all on table public.provider_profiles from anon, authenticated, service_role;
grant select on public.provider_profiles to anon, authenticated;
grant update (display_name, business_name, description, skills, service_radius_m, hourly_rate, currency, timezone,
              is_available),
      delete
   on public.provider_profiles to authenticated;
grant select, insert, update, delete on public.provider_profiles to service_role;

-- provider_certifications: public (a trust signal), written by their provider.
create policy "Certifications are public" on public.provider_certifications
  for select to anon, authenticated
  using (true);
create policy "Providers can add their certifications" on public.provider_certifications
  for insert to authenticated
  with check (provider_id = (select auth.uid()));
create policy "Providers can edit their certifications" on public.provider_certifications
  for update to authenticated
  using (provider_id = (select auth.uid()))
  with check (provider_id = (select auth.uid()));
create policy "Providers can delete their certifications" on public.provider_certifications
  for delete to authenticated
  using (provider_id = (select auth.uid()));
revoke all on table public.provider_certifications from anon, authenticated, service_role;
grant select on public.provider_certifications to anon, authenticated;
grant insert (provider_id, name, issuer, expires_on),
      update (name, issuer, expires_on),
      delete
   on public.provider_certifications to authenticated;
grant select, insert, update, delete on public.provider_certifications to service_role;

-- service_listings: active ones not hidden by moderation are public; providers, their business
-- staff and moderators also read inactive and hidden ones. Drawn listing areas come as GeoJSON
-- through set_listing_service_area.
create policy "Active listings are public" on public.service_listings
  for select to anon
  using (is_active and hidden_at is null);
create policy "Active listings are public; providers, their business and moderators see hidden ones" on public.service_listings
  for select to authenticated
  using (
    (is_active and hidden_at is null)
    or provider_id = (select auth.uid())
    or provider_id = any (array(select private.business_provider_ids()))
    or (select private.authorize('content.moderate')));
create policy "Providers can add listings" on public.service_listings
  for insert to authenticated
  with check (provider_id = (select auth.uid()));
create policy "Providers can edit their listings" on public.service_listings
  for update to authenticated
  using (provider_id = (select auth.uid()))
  with check (provider_id = (select auth.uid()));
create policy "Providers can delete their listings" on public.service_listings
  for delete to authenticated
  using (provider_id = (select auth.uid()));
revoke all on table public.service_listings from anon, authenticated, service_role;
grant select on public.service_listings to anon, authenticated;
grant insert (id, provider_id, category_id, title, description, pricing_unit, base_price, currency, duration_minutes,
              service_radius_m, is_active, media_paths, cover_image_path, booking_mode, cancellation_policy),
      update (category_id, title, description, pricing_unit, base_price, currency, duration_minutes,
              service_radius_m, is_active, media_paths, cover_image_path, booking_mode, cancellation_policy),
      delete
   on public.service_listings to authenticated;
grant select, insert, update, delete on public.service_listings to service_role;

-- availability_rules and time off: readable by everyone (slots are public), written by the provider.
create policy "Availability is public" on public.availability_rules
  for select to anon, authenticated
  using (true);
create policy "Providers can add availability" on public.availability_rules
  for insert to authenticated
  with check (provider_id = (select auth.uid()));
create policy "Providers can edit availability" on public.availability_rules
  for update to authenticated
  using (provider_id = (select auth.uid()))
  with check (provider_id = (select auth.uid()));
create policy "Providers can delete availability" on public.availability_rules
  for delete to authenticated
  using (provider_id = (select auth.uid()));
revoke all on table public.availability_rules from anon, authenticated, service_role;
grant select on public.availability_rules to anon, authenticated;
grant insert (provider_id, weekday, start_time, end_time), update (weekday, start_time, end_time), delete
   on public.availability_rules to authenticated;
grant select, insert, update, delete on public.availability_rules to service_role;

-- Time off: the provider and their business read it; everyone else sees busy blocks only (calendars).
create policy "Providers and their business can read their time off" on public.provider_time_off
  for select to authenticated
  using (provider_id = (select auth.uid()) or provider_id = any (array(select private.business_provider_ids())));
create policy "Providers can add time off" on public.provider_time_off
  for insert to authenticated
  with check (provider_id = (select auth.uid()));
create policy "Providers can edit time off" on public.provider_time_off
  for update to authenticated
  using (provider_id = (select auth.uid()))
  with check (provider_id = (select auth.uid()));
create policy "Providers can delete time off" on public.provider_time_off
  for delete to authenticated
  using (provider_id = (select auth.uid()));
revoke all on table public.provider_time_off from anon, authenticated, service_role;
grant select, insert (provider_id, period, reason), update (period, reason), delete
   on public.provider_time_off to authenticated;
grant select, insert, update, delete on public.provider_time_off to service_role;

-- buddies: private to their owner (who adds and removes them; nobody is told).
create policy "Users can read their buddies" on public.buddies
  for select to authenticated
  using (user_id = (select auth.uid()));
create policy "Users can add buddies" on public.buddies
  for insert to authenticated
  with check (user_id = (select auth.uid()));
create policy "Users can remove buddies" on public.buddies
  for delete to authenticated
  using (user_id = (select auth.uid()));
revoke all on table public.buddies from anon, authenticated, service_role;
grant select, insert (user_id, buddy_id), delete on public.buddies to authenticated;
grant select, insert, update, delete on public.buddies to service_role;

------------------------------------------------------------------------------------------------
-- Storage: the public listing-media bucket; providers write under their own <user id>/ folder.
------------------------------------------------------------------------------------------------
insert into private.storage_buckets (bucket_id, module, handler, description) values
  ('listing-media', 'catalog', 'private.storage_user_folder(text)', 'Listing photos and videos (public URLs); users write under <user id>/.');
