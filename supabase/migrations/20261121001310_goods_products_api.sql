-- Module: goods (products API)
-- Validation of products (specific error codes before any constraint), the RPCs sellers and buyers
-- call, the stock function the purchase slice will call, and the registrations into earlier
-- modules' registries (trust's report targets, identity's account deletion).

------------------------------------------------------------------------------------------------
-- Validation
------------------------------------------------------------------------------------------------
-- One listing-media path of the seller's own, already uploaded (HL804 otherwise).
create or replace function private.check_product_media_path(p_seller_id uuid, p_path text, p_what text)
returns void
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  if p_path is null or pg_catalog.left(p_path, 37) <> p_seller_id::text || '/'
     or pg_catalog.char_length(p_path) > 300 or p_path ~ '(^|/)\.\.(/|$)' then
    perform private.raise_error('HL804', pg_catalog.format('%s %L is not under %s/', p_what, p_path, p_seller_id));
  end if;
  if not exists (select 1 from storage.objects o where o.bucket_id = 'listing-media' and o.name = p_path) then
    perform private.raise_error('HL804', pg_catalog.format('%s %L has not been uploaded to listing-media', p_what, p_path));
  end if;
  -- A video is a video/* object; images and the thumbnail are image/* objects.
  if not exists (select 1 from storage.objects o
                  where o.bucket_id = 'listing-media' and o.name = p_path
                    and coalesce(o.metadata ->> 'mimetype', '') ^@ case when p_what = 'video' then 'video/' else 'image/' end) then
    perform private.raise_error('HL804', pg_catalog.format('%s %L is not %s', p_what, p_path,
      case when p_what = 'video' then 'a video' else 'an image' end));
  end if;
end;
$$;
comment on function private.check_product_media_path(uuid, text, text) is
  'HL804 unless the path is under <seller id>/ (no ..) and an object of the listing-media bucket of the right type '
  '(video/* for p_what ''video'', image/* otherwise).';
revoke all on function private.check_product_media_path(uuid, text, text) from public, anon, authenticated, service_role;

create or replace function private.check_product()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_path text;
begin
  if new.title is null or pg_catalog.char_length(pg_catalog.btrim(new.title)) not between 1 and 100 then
    perform private.raise_error('HL801', 'title must be 1 to 100 characters');
  end if;
  if new.description is null or pg_catalog.char_length(new.description) > 4000 then
    perform private.raise_error('HL801', 'description is at most 4000 characters');
  end if;
  if new.condition is null or new.condition not in ('new', 'like_new', 'good', 'fair') then
    perform private.raise_error('HL801', pg_catalog.format('condition %L', new.condition));
  end if;
  if new.feed is null or new.feed not in ('discover', 'community') then
    perform private.raise_error('HL801', pg_catalog.format('feed %L', new.feed));
  end if;
  if new.neighbourhood is not null and pg_catalog.char_length(new.neighbourhood) not between 1 and 100 then
    perform private.raise_error('HL801', 'neighbourhood is 1 to 100 characters');
  end if;
  if new.building is not null and pg_catalog.char_length(new.building) not between 1 and 100 then
    perform private.raise_error('HL801', 'building is 1 to 100 characters');
  end if;
  if new.quantity is null or new.quantity not between 1 and 10000 then
    perform private.raise_error('HL801', pg_catalog.format('quantity %s (1 to 10000)', coalesce(new.quantity::text, 'null')));
  end if;
  if new.tags is null or pg_catalog.cardinality(new.tags) > 3 or array_position(new.tags, null) is not null
     or not new.tags <@ array['lifestyle', 'urgency', 'event']::text[] then
    perform private.raise_error('HL801', 'tags come from lifestyle, urgency, event');
  end if;
  if new.location is null then
    perform private.raise_error('HL801', 'location (lat, lng) is required');
  end if;
  if new.price is null or new.price not between 0 and 1000000000 then
    perform private.raise_error('HL802', pg_catalog.format('price %s', coalesce(new.price::text, 'null')));
  end if;
  if new.original_price is not null and new.original_price not between new.price and 1000000000 then
    perform private.raise_error('HL802', pg_catalog.format('original_price %s is below the price %s', new.original_price, new.price));
  end if;
  if new.currency is null or new.currency::text !~ '^[A-Z]{3}$' then
    perform private.raise_error('HL802', pg_catalog.format('currency %L', new.currency));
  end if;
  if new.image_paths is null or pg_catalog.cardinality(new.image_paths) > 10 then
    perform private.raise_error('HL804', 'at most 10 images');
  end if;
  if (select pg_catalog.count(distinct x) from pg_catalog.unnest(new.image_paths) x) <> pg_catalog.cardinality(new.image_paths) then
    perform private.raise_error('HL804', 'duplicate image paths');
  end if;
  if (new.video_path is null) <> (new.video_thumbnail_path is null) then
    perform private.raise_error('HL804', 'a video needs its thumbnail (both or neither)');
  end if;
  -- Paths are checked when they change (objects the row already names were checked then).
  if tg_op = 'INSERT' or new.image_paths is distinct from old.image_paths then
    foreach v_path in array new.image_paths loop
      perform private.check_product_media_path(new.seller_id, v_path, 'image');
    end loop;
  end if;
  if new.video_path is not null and (tg_op = 'INSERT' or new.video_path is distinct from old.video_path) then
    perform private.check_product_media_path(new.seller_id, new.video_path, 'video');
  end if;
  if new.video_thumbnail_path is not null
     and (tg_op = 'INSERT' or new.video_thumbnail_path is distinct from old.video_thumbnail_path) then
    perform private.check_product_media_path(new.seller_id, new.video_thumbnail_path, 'video thumbnail');
  end if;
  return new;
end;
$$;
comment on function private.check_product() is
  'BEFORE INSERT/UPDATE of the seller''s columns on products: HL801 (text, condition, feed, quantity, tags), HL802 (price, '
  'original price, currency), HL804 (media: own uploaded listing-media objects), before any constraint.';
revoke all on function private.check_product() from public, anon, authenticated, service_role;

create or replace trigger products_check
  before insert or update of title, description, price, original_price, currency, condition, feed, location,
    neighbourhood, building, quantity, image_paths, video_path, video_thumbnail_path, tags on public.products
  for each row execute function private.check_product();

-- The product as the caller may see it (RLS's rule), locked; HL800 otherwise.
create or replace function private.visible_product(p_product_id uuid, p_lock boolean default false)
returns public.products
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_row public.products;
begin
  if p_lock then
    select * into v_row from public.products p where p.id = p_product_id for no key update;
  else
    select * into v_row from public.products p where p.id = p_product_id;
  end if;
  if not found or not ((v_row.hidden_at is null and v_row.withdrawn_at is null)
                       or v_row.seller_id = (select auth.uid())
                       or private.moderation_sees_all()) then
    perform private.raise_error('HL800', pg_catalog.format('product %s', coalesce(p_product_id::text, 'null')));
  end if;
  return v_row;
end;
$$;
comment on function private.visible_product(uuid, boolean) is
  'The product if the caller may read it (not hidden and not withdrawn, their own, or a moderator), optionally locked; HL800 otherwise.';
revoke all on function private.visible_product(uuid, boolean) from public, anon, authenticated, service_role;

-- The seller's own product, locked; HL800 when invisible, HL805 when someone else's.
create or replace function private.own_product(p_product_id uuid)
returns public.products
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := private.require_uid();
  v_row public.products;
begin
  v_row := private.visible_product(p_product_id, true);
  if v_row.seller_id <> v_uid then
    perform private.raise_error('HL805');
  end if;
  return v_row;
end;
$$;
comment on function private.own_product(uuid) is 'The calling seller''s product, locked (HL800 not visible, HL805 not theirs).';
revoke all on function private.own_product(uuid) from public, anon, authenticated, service_role;

------------------------------------------------------------------------------------------------
-- Sellers
------------------------------------------------------------------------------------------------
create or replace function public.create_product(
  p_title text,
  p_price bigint,
  p_category_id uuid,
  p_condition text,
  p_lat double precision,
  p_lng double precision,
  p_description text default '',
  p_original_price bigint default null,
  p_currency text default 'AED',
  p_feed text default 'discover',
  p_neighbourhood text default null,
  p_building text default null,
  p_quantity integer default 1,
  p_image_paths text[] default '{}',
  p_video_path text default null,
  p_video_thumbnail_path text default null,
  p_tags text[] default '{}'
)
returns public.products
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := private.require_uid();
  v_row public.products;
begin
  if p_currency is null or p_currency !~ '^[A-Z]{3}$' then
    perform private.raise_error('HL802', pg_catalog.format('currency %L', p_currency));
  end if;
  if p_quantity is null or p_quantity not between 1 and 10000 then
    perform private.raise_error('HL801', pg_catalog.format('quantity %s (1 to 10000)', coalesce(p_quantity::text, 'null')));
  end if;
  insert into public.products (seller_id, title, description, price, original_price, currency, category_id, condition,
                               feed, location, neighbourhood, building, quantity, available_quantity, image_paths,
                               video_path, video_thumbnail_path, tags, created_at, updated_at)
  values (v_uid, p_title, coalesce(p_description, ''), p_price, p_original_price, p_currency, p_category_id, p_condition,
          p_feed, private.make_point(p_lat, p_lng), nullif(pg_catalog.btrim(p_neighbourhood), ''),
          nullif(pg_catalog.btrim(p_building), ''), p_quantity, p_quantity, p_image_paths, p_video_path,
          p_video_thumbnail_path, p_tags, private.now(), private.now())
  returning * into v_row;
  return v_row;
end;
$$;
comment on function public.create_product(text, bigint, uuid, text, double precision, double precision, text, bigint, text,
  text, text, text, integer, text[], text, text, text[]) is
  'Lists an item for sale by the caller: title, price (minor units), goods category, condition, location (lat/lng), and '
  'optionally description, original price, currency (AED), feed, neighbourhood, building, quantity (stock), images, a video '
  'with its thumbnail (listing-media objects under <user id>/) and tags. Errors: HL001, HL200/HL201, HL761 suspended, '
  'HL801-HL804.';
revoke all on function public.create_product(text, bigint, uuid, text, double precision, double precision, text, bigint,
  text, text, text, text, integer, text[], text, text, text[]) from public, anon, authenticated, service_role;
grant execute on function public.create_product(text, bigint, uuid, text, double precision, double precision, text, bigint,
  text, text, text, text, integer, text[], text, text, text[]) to authenticated;

create or replace function public.update_product(p_product_id uuid, p_changes jsonb)
returns public.products
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_row public.products;
  v_key text;
  v_quantity integer;
begin
  v_row := private.own_product(p_product_id);
  if p_changes is null or pg_catalog.jsonb_typeof(p_changes) <> 'object' then
    perform private.raise_error('HL801', 'p_changes is an object');
  end if;
  for v_key in select pg_catalog.jsonb_object_keys(p_changes) loop
    if v_key not in ('title', 'description', 'price', 'original_price', 'category_id', 'condition', 'feed', 'lat', 'lng',
                     'neighbourhood', 'building', 'quantity', 'image_paths', 'video_path', 'video_thumbnail_path', 'tags') then
      perform private.raise_error('HL801', pg_catalog.format('%L cannot be changed', v_key));
    end if;
  end loop;
  if v_row.status <> 'available' then
    perform private.raise_error('HL806', pg_catalog.format('the product is %s', v_row.status));
  end if;
  if (p_changes ? 'lat') <> (p_changes ? 'lng') then
    perform private.raise_error('HL801', 'lat and lng change together');
  end if;
  begin
    v_quantity := coalesce((p_changes ->> 'quantity')::integer, v_row.quantity);
    update public.products p
       set title = case when p_changes ? 'title' then p_changes ->> 'title' else p.title end,
           description = case when p_changes ? 'description' then coalesce(p_changes ->> 'description', '') else p.description end,
           price = case when p_changes ? 'price' then (p_changes ->> 'price')::bigint else p.price end,
           original_price = case when p_changes ? 'original_price' then (p_changes ->> 'original_price')::bigint else p.original_price end,
           category_id = case when p_changes ? 'category_id' then (p_changes ->> 'category_id')::uuid else p.category_id end,
           condition = case when p_changes ? 'condition' then p_changes ->> 'condition' else p.condition end,
           feed = case when p_changes ? 'feed' then p_changes ->> 'feed' else p.feed end,
           location = case when p_changes ? 'lat'
                           then private.make_point((p_changes ->> 'lat')::double precision, (p_changes ->> 'lng')::double precision)
                           else p.location end,
           neighbourhood = case when p_changes ? 'neighbourhood' then nullif(pg_catalog.btrim(p_changes ->> 'neighbourhood'), '') else p.neighbourhood end,
           building = case when p_changes ? 'building' then nullif(pg_catalog.btrim(p_changes ->> 'building'), '') else p.building end,
           quantity = v_quantity,
           -- Units already sold or reserved stay so; at least one must remain available.
           available_quantity = p.available_quantity + (v_quantity - p.quantity),
           image_paths = case when p_changes ? 'image_paths'
                              then coalesce(array(select pg_catalog.jsonb_array_elements_text(p_changes -> 'image_paths')), '{}')
                              else p.image_paths end,
           video_path = case when p_changes ? 'video_path' then p_changes ->> 'video_path' else p.video_path end,
           video_thumbnail_path = case when p_changes ? 'video_thumbnail_path' then p_changes ->> 'video_thumbnail_path' else p.video_thumbnail_path end,
           tags = case when p_changes ? 'tags'
                       then coalesce(array(select pg_catalog.jsonb_array_elements_text(p_changes -> 'tags')), '{}')
                       else p.tags end
     where p.id = v_row.id
     returning * into v_row;
  exception
    when invalid_text_representation or numeric_value_out_of_range or invalid_parameter_value
      or datatype_mismatch or cannot_coerce then
      perform private.raise_error('HL801', 'a value has the wrong type');
    when check_violation then
      -- The only constraint checks left after check_product: quantity below the units sold or reserved.
      perform private.raise_error('HL806', 'quantity is below the units already sold or reserved');
  end;
  return v_row;
end;
$$;
comment on function public.update_product(uuid, jsonb) is
  'Changes the calling seller''s available product (withdrawn or not): p_changes with any of title, description, price, '
  'original_price, category_id, condition, feed, lat+lng, neighbourhood, building, quantity, image_paths, video_path, '
  'video_thumbnail_path, tags. Errors: HL800, HL805 not yours, HL806 reserved or sold (or quantity below the units taken), '
  'HL761 suspended, HL801-HL804.';
revoke all on function public.update_product(uuid, jsonb) from public, anon, authenticated, service_role;
grant execute on function public.update_product(uuid, jsonb) to authenticated;

create or replace function public.withdraw_product(p_product_id uuid)
returns public.products
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_row public.products;
begin
  v_row := private.own_product(p_product_id);
  if v_row.status = 'sold' then
    perform private.raise_error('HL806', 'a sold product cannot be withdrawn');
  end if;
  update public.products p set withdrawn_at = coalesce(p.withdrawn_at, private.now())
   where p.id = v_row.id returning * into v_row;
  return v_row;
end;
$$;
comment on function public.withdraw_product(uuid) is
  'Takes the calling seller''s product off the public reads (idempotent; allowed while suspended). Errors: HL800, HL805, HL806 sold.';
revoke all on function public.withdraw_product(uuid) from public, anon, authenticated, service_role;
grant execute on function public.withdraw_product(uuid) to authenticated;

create or replace function public.relist_product(p_product_id uuid)
returns public.products
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_row public.products;
begin
  v_row := private.own_product(p_product_id);
  perform private.assert_not_suspended(v_row.seller_id);
  if v_row.status = 'sold' then
    perform private.raise_error('HL806', 'a sold product cannot be relisted');
  end if;
  update public.products p set withdrawn_at = null where p.id = v_row.id returning * into v_row;
  return v_row;
end;
$$;
comment on function public.relist_product(uuid) is
  'Puts the calling seller''s withdrawn product back (idempotent; a hidden one stays hidden). Errors: HL800, HL805, HL806 sold, HL761 suspended.';
revoke all on function public.relist_product(uuid) from public, anon, authenticated, service_role;
grant execute on function public.relist_product(uuid) to authenticated;

------------------------------------------------------------------------------------------------
-- Stock: written only by the database (the purchase slice calls this).
------------------------------------------------------------------------------------------------
create or replace function private.set_product_stock(p_product_id uuid, p_available_quantity integer, p_status text)
returns public.products
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_row public.products;
begin
  select * into v_row from public.products p where p.id = p_product_id for no key update;
  if not found then
    perform private.raise_error('HL800', pg_catalog.format('product %s', p_product_id));
  end if;
  if p_available_quantity is null or p_available_quantity not between 0 and v_row.quantity
     or p_status is null or p_status not in ('available', 'reserved', 'sold')
     or (p_status = 'available') <> (p_available_quantity > 0) then
    perform private.raise_error('HL809', pg_catalog.format('available %s of %s, status %L',
      coalesce(p_available_quantity::text, 'null'), v_row.quantity, p_status));
  end if;
  update public.products p
     set available_quantity = p_available_quantity,
         status = p_status,
         sold_at = case when p_status = 'sold' then coalesce(p.sold_at, private.now()) end
   where p.id = v_row.id
   returning * into v_row;
  return v_row;
end;
$$;
comment on function private.set_product_stock(uuid, integer, text) is
  'The one writer of products.available_quantity, status and sold_at (for purchases and reservations): available '
  'quantity 0..quantity, status available (units left), reserved or sold (none left); sold_at set when sold, cleared '
  'otherwise. HL800, HL809.';
revoke all on function private.set_product_stock(uuid, integer, text) from public, anon, authenticated, service_role;

------------------------------------------------------------------------------------------------
-- Buyers: reading, views, likes, follows
------------------------------------------------------------------------------------------------
create or replace function public.get_product(p_product_id uuid)
returns public.products
language plpgsql
stable
set search_path = ''
as $$
declare
  v_row public.products;
begin
  select * into v_row from public.products p where p.id = p_product_id;
  if not found then
    perform private.raise_error('HL800', pg_catalog.format('product %s', coalesce(p_product_id::text, 'null')));
  end if;
  return v_row;
end;
$$;
comment on function public.get_product(uuid) is
  'One product as the caller may read it (row level security: visible ones, the seller''s own, all for moderators). HL800.';
revoke all on function public.get_product(uuid) from public, anon, authenticated, service_role;
grant execute on function public.get_product(uuid) to anon, authenticated;

create or replace function public.list_seller_products(
  p_seller_id uuid,
  p_before_created_at timestamptz default null,
  p_before_id uuid default null,
  p_limit integer default 20
)
returns setof public.products
language plpgsql
stable
set search_path = ''
as $$
begin
  if p_limit is null or p_limit not between 1 and 100 then
    perform private.raise_error('HL801', 'p_limit is 1 to 100');
  end if;
  if (p_before_created_at is null) <> (p_before_id is null) then
    perform private.raise_error('HL801', 'p_before_created_at and p_before_id go together (the last row of the previous page)');
  end if;
  return query
    select p.*
      from public.products p
     where p.seller_id = p_seller_id
       and (p_before_created_at is null or (p.created_at, p.id) < (p_before_created_at, p_before_id))
     order by p.created_at desc, p.id desc
     limit p_limit;
end;
$$;
comment on function public.list_seller_products(uuid, timestamptz, uuid, integer) is
  'A seller''s products, newest first, as the caller may read them (the seller also sees withdrawn and hidden ones); keyset '
  'pages: pass the last row''s created_at and id. HL801 bad page arguments.';
revoke all on function public.list_seller_products(uuid, timestamptz, uuid, integer) from public, anon, authenticated, service_role;
grant execute on function public.list_seller_products(uuid, timestamptz, uuid, integer) to anon, authenticated;

create or replace function public.record_product_view(p_product_id uuid)
returns boolean
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := private.require_uid();
  v_row public.products;
  v_now timestamptz := private.now();
  v_count integer;
begin
  v_row := private.visible_product(p_product_id);
  if v_row.seller_id = v_uid then
    return false;
  end if;
  insert into private.product_views (product_id, viewer_id, day, viewed_at)
  values (v_row.id, v_uid, (v_now at time zone 'UTC')::date, v_now)
  on conflict do nothing;
  get diagnostics v_count = row_count;
  return v_count = 1;
end;
$$;
comment on function public.record_product_view(uuid) is
  'Counts the caller''s view of a product once per UTC day (the seller''s own views do not count); true when this call '
  'counted. HL001, HL800.';
revoke all on function public.record_product_view(uuid) from public, anon, authenticated, service_role;
grant execute on function public.record_product_view(uuid) to authenticated;

create or replace function public.like_product(p_product_id uuid)
returns boolean
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := private.require_uid();
  v_row public.products;
  v_count integer;
begin
  v_row := private.visible_product(p_product_id);
  insert into public.product_likes (product_id, user_id, created_at) values (v_row.id, v_uid, private.now())
  on conflict do nothing;
  get diagnostics v_count = row_count;
  return v_count = 1;
end;
$$;
comment on function public.like_product(uuid) is
  'Likes a product the caller can see (one like per user; true when new, false when already liked). HL001, HL800.';
revoke all on function public.like_product(uuid) from public, anon, authenticated, service_role;
grant execute on function public.like_product(uuid) to authenticated;

create or replace function public.unlike_product(p_product_id uuid)
returns boolean
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := private.require_uid();
  v_count integer;
begin
  delete from public.product_likes l where l.product_id = p_product_id and l.user_id = v_uid;
  get diagnostics v_count = row_count;
  return v_count = 1;
end;
$$;
comment on function public.unlike_product(uuid) is 'Removes the caller''s like (true when there was one). HL001.';
revoke all on function public.unlike_product(uuid) from public, anon, authenticated, service_role;
grant execute on function public.unlike_product(uuid) to authenticated;

create or replace function public.follow_seller(p_seller_id uuid)
returns boolean
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := private.require_uid();
  v_count integer;
begin
  if p_seller_id = v_uid then
    perform private.raise_error('HL807');
  end if;
  if not exists (select 1 from public.profiles p where p.id = p_seller_id and p.deleted_at is null) then
    perform private.raise_error('HL808', pg_catalog.format('seller %s', coalesce(p_seller_id::text, 'null')));
  end if;
  insert into public.seller_follows (follower_id, seller_id, created_at) values (v_uid, p_seller_id, private.now())
  on conflict do nothing;
  get diagnostics v_count = row_count;
  return v_count = 1;
end;
$$;
comment on function public.follow_seller(uuid) is
  'Follows a seller (true when new, false when already following). HL001, HL807 yourself, HL808 no such seller.';
revoke all on function public.follow_seller(uuid) from public, anon, authenticated, service_role;
grant execute on function public.follow_seller(uuid) to authenticated;

create or replace function public.unfollow_seller(p_seller_id uuid)
returns boolean
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := private.require_uid();
  v_count integer;
begin
  delete from public.seller_follows f where f.follower_id = v_uid and f.seller_id = p_seller_id;
  get diagnostics v_count = row_count;
  return v_count = 1;
end;
$$;
comment on function public.unfollow_seller(uuid) is 'Stops following a seller (true when the caller was following). HL001.';
revoke all on function public.unfollow_seller(uuid) from public, anon, authenticated, service_role;
grant execute on function public.unfollow_seller(uuid) to authenticated;

------------------------------------------------------------------------------------------------
-- Trust's report targets: kind product
------------------------------------------------------------------------------------------------
create or replace function private.product_report_owner(p_product_id uuid)
returns uuid
language sql
stable
security definer
set search_path = ''
as $$
  select p.seller_id
    from public.products p
   where p.id = p_product_id
     and ((p.hidden_at is null and p.withdrawn_at is null) or p.seller_id = (select auth.uid()) or private.moderation_sees_all());
$$;
comment on function private.product_report_owner(uuid) is
  'Report target product: the seller; null when the product does not exist or is not visible to the caller.';

create or replace function private.set_product_hidden(p_product_id uuid, p_hidden boolean)
returns void
language sql
security definer
set search_path = ''
as $$
  update public.products p
     set hidden_at = case when p_hidden then coalesce(p.hidden_at, private.now()) end
   where p.id = p_product_id and (p.hidden_at is not null) is distinct from p_hidden;
$$;
comment on function private.set_product_hidden(uuid, boolean) is
  'Report target product: hides (hidden_at: out of every public read) or restores the product; idempotent.';
revoke all on function private.product_report_owner(uuid), private.set_product_hidden(uuid, boolean)
  from public, anon, authenticated, service_role;

insert into private.report_targets (kind, module, owner_handler, hide_handler, description) values
  ('product', 'goods', 'private.product_report_owner(uuid)', 'private.set_product_hidden(uuid, boolean)',
   'A product for sale (products.hidden_at: out of every public read; the seller and moderators still see it).')
on conflict (kind) do update
  set module = excluded.module, owner_handler = excluded.owner_handler, hide_handler = excluded.hide_handler,
      description = excluded.description;

------------------------------------------------------------------------------------------------
-- Account deletion (identity's registry, position 1300)
------------------------------------------------------------------------------------------------
create or replace function private.delete_account_goods(p_user_id uuid)
returns void
language plpgsql
set search_path = ''
as $$
begin
  -- The person's own activity goes (the counters follow through the triggers).
  delete from public.product_likes l where l.user_id = p_user_id;
  delete from private.product_views v where v.viewer_id = p_user_id;
  delete from public.seller_follows f where f.follower_id = p_user_id or f.seller_id = p_user_id;
  -- Their products stay for purchases that point at them, withdrawn and without media.
  update public.products p
     set withdrawn_at = coalesce(p.withdrawn_at, private.now()),
         image_paths = '{}', video_path = null, video_thumbnail_path = null
   where p.seller_id = p_user_id;
end;
$$;
comment on function private.delete_account_goods(uuid) is
  'Account deletion (goods, position 1300): deletes the user''s likes, views and follows (both ways; counters follow); '
  'withdraws their products and removes their media paths (the rows stay for purchases).';
revoke all on function private.delete_account_goods(uuid) from public, anon, authenticated, service_role;

insert into private.account_deletion_handlers (handler, position, module, description) values
  ('private.delete_account_goods(uuid)', 1300, 'goods',
   'Delete likes, views and follows; withdraw the seller''s products and remove their media.')
on conflict (handler) do update
  set position = excluded.position, module = excluded.module, description = excluded.description;
