-- Module: goods (products)
-- Neighbours' items for sale: public.products (seller, price, category of kind goods, condition,
-- feed, location, quantity and stock, status written only by the database, media in the public
-- listing-media bucket, tags, moderation's hidden_at), likes (one per user), views (one per viewer
-- per day, private), followers of sellers and the counters the database keeps for them. The goods
-- categories are rows of the catalog's categories (kind goods), seeded like the service ones.
-- Writes go through the RPCs of 20261121001310_goods_products_api.sql; clients write no column.

------------------------------------------------------------------------------------------------
-- Error codes (HL800-HL809; the feeds use HL810-HL819)
------------------------------------------------------------------------------------------------
insert into private.error_codes (code, name, http_status, message, hint) values
  ('HL800', 'product_not_found', 404, 'The product does not exist or you cannot see it.',
   'Hidden and withdrawn products are visible to their seller and moderators only.'),
  ('HL801', 'invalid_product', 400, 'The product is invalid.',
   'title 1-100 characters, description up to 4000, condition new|like_new|good|fair, feed discover|community, '
   'neighbourhood and building up to 100, quantity 1-10000, tags from lifestyle|urgency|event; see details.'),
  ('HL802', 'invalid_product_price', 400, 'The price is invalid.',
   'price 0-1000000000 minor units; original_price, when given, at least the price; currency three capital letters.'),
  ('HL803', 'invalid_goods_category', 400, 'The category is not an active goods category.',
   'Use a category of kind goods (category_tree(p_kind => ''goods'')).'),
  ('HL804', 'invalid_product_media', 400, 'The product media is invalid.',
   'Up to 10 images, and a video with its thumbnail (both or neither): paths of image (video) objects you uploaded to listing-media under <your user id>/.'),
  ('HL805', 'not_product_seller', 403, 'Only the seller can do this.',
   'Only the seller updates, withdraws or relists a product.'),
  ('HL806', 'product_not_editable', 409, 'The product cannot change now.',
   'Sold and reserved products cannot be edited; a sold product cannot be withdrawn; see details.'),
  ('HL807', 'cannot_follow_yourself', 400, 'You cannot follow yourself.', 'Follow other sellers; p_seller_id is your own id.'),
  ('HL808', 'seller_not_found', 404, 'The seller does not exist.', 'Check p_seller_id (a profile id).'),
  ('HL809', 'invalid_product_stock', 400, 'The stock change is invalid.',
   'Internal (private.set_product_stock): available quantity 0..quantity, status available (stock left) | reserved | sold (none left).')
on conflict (code) do update
  set name = excluded.name, http_status = excluded.http_status, message = excluded.message, hint = excluded.hint;

------------------------------------------------------------------------------------------------
-- Products
------------------------------------------------------------------------------------------------
create table public.products (
  id uuid primary key default gen_random_uuid(),
  seller_id uuid not null references public.profiles (id),
  title text not null check (char_length(btrim(title)) between 1 and 100),
  description text not null default '' check (char_length(description) <= 4000),
  price bigint not null check (price between 0 and 1000000000),
  original_price bigint check (original_price is null or original_price between price and 1000000000),
  currency char(3) not null default 'AED' check (currency ~ '^[A-Z]{3}$'),
  category_id uuid not null references public.categories (id),
  condition text not null check (condition in ('new', 'like_new', 'good', 'fair')),
  feed text not null default 'discover' check (feed in ('discover', 'community')),
  location extensions.geography(Point, 4326) not null,
  neighbourhood text check (neighbourhood is null or char_length(neighbourhood) between 1 and 100),
  building text check (building is null or char_length(building) between 1 and 100),
  quantity integer not null default 1 check (quantity between 1 and 10000),
  available_quantity integer not null check (available_quantity between 0 and quantity),
  status text not null default 'available' check (status in ('available', 'reserved', 'sold')),
  sold_at timestamptz,
  withdrawn_at timestamptz,
  image_paths text[] not null default '{}' check (cardinality(image_paths) <= 10),
  video_path text,
  video_thumbnail_path text,
  tags text[] not null default '{}' check (tags <@ array['lifestyle', 'urgency', 'event']::text[]),
  view_count bigint not null default 0 check (view_count >= 0),
  like_count bigint not null default 0 check (like_count >= 0),
  hidden_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint products_status_stock check (
    (status = 'available') = (available_quantity > 0) and (status = 'sold') = (sold_at is not null)),
  constraint products_video_pair check ((video_path is null) = (video_thumbnail_path is null))
);
comment on table public.products is
  'Goods for sale (goods module). Written through create_product / update_product / withdraw_product / relist_product; '
  'stock, status and sold_at only by private.set_product_stock (purchases); counts by the database. Public while not '
  'hidden and not withdrawn (sold ones stay readable); the seller and moderators read all of theirs / all.';
comment on column public.products.price is 'Asking price in minor units of currency.';
comment on column public.products.original_price is 'The price before a reduction (minor units), at least price; null when none.';
comment on column public.products.location is 'Where the item is (WGS 84 point; given as lat/lng to the RPCs).';
comment on column public.products.quantity is 'Units listed: 1 for a single item, more for stock.';
comment on column public.products.available_quantity is 'Units neither sold nor reserved (maintained by the database).';
comment on column public.products.status is
  'available (units left), reserved (none left, some reserved for payment), sold (none left); written by the database only.';
comment on column public.products.withdrawn_at is 'Set while the seller has withdrawn the product (not public; relist_product clears it).';
comment on column public.products.image_paths is 'Up to 10 listing-media object paths under the seller''s folder.';
comment on column public.products.video_path is 'One listing-media video path (with video_thumbnail_path), or null.';
comment on column public.products.tags is 'Tags from the fixed list lifestyle, urgency, event.';
comment on column public.products.view_count is 'Distinct viewers per day (product_views), maintained by the database.';
comment on column public.products.like_count is 'Rows of product_likes, maintained by the database.';
comment on column public.products.hidden_at is 'Set while moderation hides the product (report target product).';

create index products_seller_id_created_at_idx on public.products (seller_id, created_at desc, id desc);
create index products_category_id_idx on public.products (category_id);
create index products_location_idx on public.products using gist (location);
create index products_status_created_at_idx on public.products (status, created_at desc);
create index products_created_at_idx on public.products (created_at desc, id desc);

create or replace trigger products_set_updated_at
  before update of title, description, price, original_price, currency, category_id, condition, feed, location,
    neighbourhood, building, quantity, available_quantity, status, withdrawn_at, image_paths, video_path,
    video_thumbnail_path, tags, hidden_at on public.products
  for each row execute function private.set_updated_at();

-- The trust module's one suspension check: a suspended seller cannot list or edit.
create or replace trigger products_refuse_suspended
  before insert or update of title, description, price, original_price, currency, category_id, condition, feed,
    location, neighbourhood, building, quantity, image_paths, video_path, video_thumbnail_path, tags on public.products
  for each row execute function private.refuse_suspended_writes('seller_id');

-- The category must be an active goods category (checked on insert and when it changes).
create or replace function private.check_product_category()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_category public.categories;
begin
  if tg_op = 'INSERT' or new.category_id is distinct from old.category_id then
    select * into v_category from public.categories c where c.id = new.category_id;
    if not found or v_category.kind <> 'goods' or not private.category_is_live(v_category.path_ids) then
      perform private.raise_error('HL803', pg_catalog.format('category %s', coalesce(new.category_id::text, 'null')));
    end if;
  end if;
  return new;
end;
$$;
comment on function private.check_product_category() is
  'BEFORE INSERT/UPDATE OF category_id on products: the category is an active goods category (HL803).';
revoke all on function private.check_product_category() from public, anon, authenticated, service_role;

create or replace trigger products_check_category
  before insert or update of category_id on public.products
  for each row execute function private.check_product_category();

------------------------------------------------------------------------------------------------
-- Likes, views, followers and the sellers' counters
------------------------------------------------------------------------------------------------
create table public.product_likes (
  product_id uuid not null references public.products (id) on delete cascade,
  user_id uuid not null references public.profiles (id) on delete cascade,
  created_at timestamptz not null default now(),
  primary key (product_id, user_id)
);
comment on table public.product_likes is
  'One like per user and product (like_product / unlike_product); a user reads their own likes.';
create index product_likes_user_id_created_at_idx on public.product_likes (user_id, created_at desc);

-- Views are counted, not shown: private, one row per product, viewer and day.
create table private.product_views (
  product_id uuid not null references public.products (id) on delete cascade,
  viewer_id uuid not null references public.profiles (id) on delete cascade,
  day date not null,
  viewed_at timestamptz not null,
  primary key (product_id, viewer_id, day)
);
comment on table private.product_views is
  'One row per product, viewer and day (UTC, from private.now()): record_product_view dedupes on it; products.view_count counts it.';
create index product_views_viewer_id_idx on private.product_views (viewer_id);

create table public.seller_follows (
  follower_id uuid not null references public.profiles (id) on delete cascade,
  seller_id uuid not null references public.profiles (id) on delete cascade,
  created_at timestamptz not null default now(),
  primary key (follower_id, seller_id),
  check (follower_id <> seller_id)
);
comment on table public.seller_follows is
  'Followers of sellers (follow_seller / unfollow_seller); a user reads whom they follow and who follows them.';
create index seller_follows_seller_id_idx on public.seller_follows (seller_id);

create table public.seller_stats (
  seller_id uuid primary key references public.profiles (id) on delete cascade,
  follower_count bigint not null default 0 check (follower_count >= 0),
  updated_at timestamptz not null default now()
);
comment on table public.seller_stats is
  'Per-seller goods counters maintained by the database (followers = rows of seller_follows); public.';

create or replace function private.product_likes_count()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op = 'INSERT' then
    update public.products p set like_count = p.like_count + 1 where p.id = new.product_id;
  else
    update public.products p set like_count = p.like_count - 1 where p.id = old.product_id;
  end if;
  return null;
end;
$$;
comment on function private.product_likes_count() is 'AFTER INSERT/DELETE on product_likes: keeps products.like_count.';

create or replace function private.product_views_count()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op = 'INSERT' then
    update public.products p set view_count = p.view_count + 1 where p.id = new.product_id;
  else
    update public.products p set view_count = p.view_count - 1 where p.id = old.product_id;
  end if;
  return null;
end;
$$;
comment on function private.product_views_count() is 'AFTER INSERT/DELETE on private.product_views: keeps products.view_count.';

create or replace function private.seller_follows_count()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op = 'INSERT' then
    insert into public.seller_stats as s (seller_id, follower_count) values (new.seller_id, 1)
    on conflict (seller_id) do update set follower_count = s.follower_count + 1, updated_at = private.now();
  else
    update public.seller_stats s set follower_count = s.follower_count - 1, updated_at = private.now()
     where s.seller_id = old.seller_id;
  end if;
  return null;
end;
$$;
comment on function private.seller_follows_count() is 'AFTER INSERT/DELETE on seller_follows: keeps seller_stats.follower_count.';

revoke all on function private.product_likes_count(), private.product_views_count(), private.seller_follows_count()
  from public, anon, authenticated, service_role;

create or replace trigger product_likes_count
  after insert or delete on public.product_likes
  for each row execute function private.product_likes_count();
create or replace trigger product_views_count
  after insert or delete on private.product_views
  for each row execute function private.product_views_count();
create or replace trigger seller_follows_count
  after insert or delete on public.seller_follows
  for each row execute function private.seller_follows_count();

------------------------------------------------------------------------------------------------
-- Row level security and privileges (clients write nothing directly: the RPCs do)
------------------------------------------------------------------------------------------------
alter table public.products enable row level security;
alter table public.product_likes enable row level security;
alter table public.seller_follows enable row level security;
alter table public.seller_stats enable row level security;

create policy "Visible products are public; sellers read theirs, moderators all" on public.products
  for select to anon, authenticated
  using ((hidden_at is null and withdrawn_at is null)
         or seller_id = (select auth.uid())
         or (select private.authorize('content.moderate')));
create policy "Users read their own likes" on public.product_likes
  for select to authenticated
  using (user_id = (select auth.uid()));
create policy "Users read their follows and their followers" on public.seller_follows
  for select to authenticated
  using (follower_id = (select auth.uid()) or seller_id = (select auth.uid()));
create policy "Seller counters are public" on public.seller_stats
  for select to anon, authenticated
  using (true);

revoke all on table public.products, public.product_likes, public.seller_follows, public.seller_stats
  from anon, authenticated, service_role;
revoke all on table private.product_views from anon, authenticated, service_role;
grant select on public.products, public.seller_stats to anon, authenticated;
grant select on public.product_likes, public.seller_follows to authenticated;
-- The service role reads; it writes through the same functions (the counters stay the database's).
grant select on public.products, public.product_likes, public.seller_follows, public.seller_stats to service_role;
