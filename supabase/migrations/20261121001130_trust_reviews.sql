-- Module: trust (reviews: table, access, rules)
-- After a completed trade (a booking; a goods purchase later) each side may review the other
-- once: 1-5 stars, optional sub-ratings (the names the trade kind lists for the side reviewed,
-- each 1-5) and a comment of at most 2000 characters. Reviews are double-blind: a review is
-- hidden from everyone but its author until both sides have written theirs (both publish at once,
-- in the same transaction) or the review window ends (trust.review_window_days after the trade
-- finished; pg_cron publishes due reviews, trust_review_api). An open dispute freezes the trade's
-- reviews (no writes, no publication) until it is resolved. The author may edit a review until it
-- is published; never after. The reviewee may reply once, after publication.
-- Ratings count towards the reviewee's reputation only once published and while not hidden by
-- moderation (trust_reputation). Everything is written by SECURITY DEFINER RPCs
-- (trust_review_api); the table itself is read-only for API roles.

insert into private.error_codes (code, name, http_status, message, hint) values
  ('HL710', 'trade_not_reviewable', 409, 'This trade cannot be reviewed: it is not completed.',
   'Reviews open when the trade is completed (a booking: completed, or its dispute resolved); cancelled, declined and '
   'expired trades are never reviewed.'),
  ('HL711', 'already_reviewed', 409, 'You have already reviewed this trade.',
   'Each side reviews the other once per trade; edit your review with edit_review until it is published.'),
  ('HL712', 'review_window_closed', 409, 'The review window of this trade has ended.',
   'Reviews are written and edited within trust.review_window_days (14) days after the trade finished.'),
  ('HL713', 'reviews_frozen_by_dispute', 409, 'The trade is disputed: its reviews are frozen until the dispute is resolved.',
   'Write, edit or reply after the dispute is resolved; the review window restarts at the resolution.'),
  ('HL714', 'invalid_review_rating', 400, 'The rating must be a whole number of stars from 1 to 5.',
   'Send p_rating as 1, 2, 3, 4 or 5.'),
  ('HL715', 'invalid_subratings', 400, 'Sub-ratings must be an object of the trade kind''s names, each 1 to 5 stars.',
   'Bookings: a customer rates quality, punctuality, communication, value; a provider rates communication, punctuality.'),
  ('HL716', 'invalid_review_comment', 400, 'The comment must be at most 2000 characters.',
   'Shorten the comment, or leave it out.'),
  ('HL717', 'review_not_found', 404, 'The review does not exist or you cannot act on it.',
   'Check the id; only the author edits a review, and only published, visible reviews can be replied to.'),
  ('HL718', 'review_published', 409, 'A published review cannot be edited.',
   'Reviews can be edited only while they are hidden (before both sides wrote theirs or the window ended).'),
  ('HL719', 'reply_not_allowed', 403, 'Only the reviewed side can reply to a review, once it is published.',
   'Wait for the review to be published; the author cannot reply to their own review.'),
  ('HL720', 'already_replied', 409, 'This review already has a reply.',
   'The reviewed side replies once; a reply cannot be changed.'),
  ('HL721', 'invalid_review_reply', 400, 'The reply must be 1 to 2000 characters.',
   'Send a non-empty reply of at most 2000 characters.'),
  ('HL722', 'invalid_review_query', 400, 'A parameter of the review query is invalid.',
   'p_user_id is required, p_role is customer, provider or seller (or null), p_limit is 1 to 100.')
on conflict (code) do update
  set name = excluded.name, http_status = excluded.http_status,
      message = excluded.message, hint = excluded.hint;

insert into private.settings (key, value, description) values
  ('trust.review_window_days', '14',
   'Days after a trade finished (completion, or a dispute''s resolution) during which its parties may write and edit '
   'reviews; at its end the reviews written are published (one side''s alone if the other did not write).'),
  ('trust.review_reveal_batch_size', '5000',
   'Reviews at most one run of the reveal job (pg_cron hyperlocal-review-reveal, every minute) publishes.'),
  ('trust.review_frozen_recheck_minutes', '60',
   'A due review of a disputed trade waits this many minutes before the reveal job checks its trade again.')
on conflict (key) do nothing;

------------------------------------------------------------------------------------------------
-- Reviews
------------------------------------------------------------------------------------------------
create table public.reviews (
  id uuid primary key default gen_random_uuid(),
  trade_kind text not null references private.trade_kinds (kind),
  trade_id uuid not null,
  -- The side that wrote it; the other side is reviewed.
  author_side text not null check (author_side in ('customer', 'provider')),
  -- Who wrote it (for the provider side: the provider, or an owner/manager of its business);
  -- null once the author's account is deleted (the rating stays, the comment goes).
  author_id uuid references public.profiles (id) on delete set null,
  reviewee_id uuid not null references public.profiles (id) on delete cascade,
  -- The reputation the review counts towards: customer, provider (services) or seller (goods).
  reviewee_role text not null check (reviewee_role in ('customer', 'provider', 'seller')),
  rating smallint not null check (rating between 1 and 5),
  subratings jsonb not null default '{}' check (pg_catalog.jsonb_typeof(subratings) = 'object'),
  comment text check (comment is null or char_length(comment) between 1 and 2000),
  -- End of the review window when the review was written (the trade's finished_at + the window);
  -- the reveal job publishes the review from then on (rechecking the trade: a dispute defers it).
  window_ends_at timestamptz not null,
  published_at timestamptz,
  -- Hidden by moderation (private.set_review_hidden): invisible and not counted in ratings.
  hidden_at timestamptz,
  reply text check (reply is null or char_length(reply) between 1 and 2000),
  replied_at timestamptz,
  replied_by uuid references public.profiles (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (trade_kind, trade_id, author_side),
  check (reviewee_id is distinct from author_id),
  check (reply is null or replied_at is not null),
  check (replied_at is null or published_at is not null)
);
comment on table public.reviews is
  'Reviews of trades (bookings; purchases later): each side reviews the other once, double-blind until both wrote or the '
  'window ended. Visible to signed-in users once published and not hidden; always to their author; to operators with '
  'content.moderate. Written by the review RPCs only (submit_review, edit_review, reply_to_review).';
comment on column public.reviews.author_side is 'The side that wrote the review (customer or provider); the other side is reviewed.';
comment on column public.reviews.author_id is 'The author (null once their account is deleted: the rating stays, the comment is removed).';
comment on column public.reviews.reviewee_role is 'The reputation it counts towards: customer, provider or seller.';
comment on column public.reviews.subratings is 'Optional 1-5 sub-ratings by name, the names the trade kind lists for the side reviewed.';
comment on column public.reviews.comment is 'At most 2000 characters.';
comment on column public.reviews.window_ends_at is 'When the review window ends: the reveal job publishes the review then (unless the trade is disputed).';
comment on column public.reviews.published_at is 'When the review became visible (both sides wrote, or the window ended); null while blind.';
comment on column public.reviews.hidden_at is 'Set while moderation hides the review (not visible, not counted in ratings).';
comment on column public.reviews.reply is 'The reviewed side''s one reply (at most 2000 characters), after publication.';

create index reviews_reviewee_published_idx on public.reviews (reviewee_id, published_at desc, id desc)
  where published_at is not null and hidden_at is null;
create index reviews_reviewee_id_idx on public.reviews (reviewee_id);
create index reviews_author_id_idx on public.reviews (author_id);
create index reviews_replied_by_idx on public.reviews (replied_by);
create index reviews_due_idx on public.reviews (window_ends_at) where published_at is null;

create or replace trigger reviews_set_updated_at
  before update on public.reviews
  for each row execute function private.set_updated_at();

-- Signed-in users read published, visible reviews (public reputation); authors their own at any
-- time (the blind phase); operators with content.moderate everything (reports, hidden reviews).
alter table public.reviews enable row level security;
create policy "Published reviews, your own, and all for moderators are readable" on public.reviews
  for select to authenticated
  using ((published_at is not null and hidden_at is null)
         or author_id = (select auth.uid())
         or (select private.authorize('content.moderate')));
revoke all on table public.reviews from anon, authenticated, service_role;
grant select on public.reviews to authenticated, service_role;

------------------------------------------------------------------------------------------------
-- Rules shared by the RPCs
------------------------------------------------------------------------------------------------
create or replace function private.review_window()
returns interval
language sql
stable
set search_path = ''
as $$
  select pg_catalog.make_interval(days => (private.setting('trust.review_window_days'))::integer);
$$;
comment on function private.review_window() is 'The review window (setting trust.review_window_days) as an interval.';
revoke all on function private.review_window() from public, anon, authenticated, service_role;

-- The trade as the caller sees it, checked for writing reviews: a party (HL701), not disputed
-- (HL713), completed (HL710), within the window (HL712). Returns the trade.
create or replace function private.require_reviewable_trade(p_kind text, p_trade_id uuid)
returns private.trade
language plpgsql
stable
set search_path = ''
as $$
declare
  v_trade private.trade := private.require_trade(p_kind, p_trade_id);
begin
  if v_trade.state = 'disputed' then
    perform private.raise_error('HL713', pg_catalog.format('%s %s', p_kind, p_trade_id));
  end if;
  if v_trade.state <> 'completed' or v_trade.finished_at is null then
    perform private.raise_error('HL710', pg_catalog.format('%s %s is %s', p_kind, p_trade_id, v_trade.state));
  end if;
  if private.now() >= v_trade.finished_at + private.review_window() then
    perform private.raise_error('HL712', pg_catalog.format('the window ended at %s',
      v_trade.finished_at + private.review_window()));
  end if;
  return v_trade;
end;
$$;
comment on function private.require_reviewable_trade(text, uuid) is
  'The trade as seen by the caller, open for reviews: HL700/HL701 (require_trade), HL713 disputed, HL710 not completed, '
  'HL712 after the review window.';
revoke all on function private.require_reviewable_trade(text, uuid) from public, anon, authenticated, service_role;

-- Validates stars, sub-ratings and comment; returns the cleaned sub-ratings and comment.
create or replace function private.check_review_content(
  p_kind text, p_reviewed_side text, p_rating integer, p_subratings jsonb, p_comment text,
  out subratings jsonb, out comment text)
language plpgsql
stable
set search_path = ''
as $$
declare
  v_names text[];
  v_key text;
  v_value jsonb;
begin
  if p_rating is null or p_rating not between 1 and 5 then
    perform private.raise_error('HL714', pg_catalog.format('rating %s', coalesce(p_rating::text, 'null')));
  end if;
  subratings := coalesce(p_subratings, '{}'::jsonb);
  if pg_catalog.jsonb_typeof(subratings) <> 'object' then
    perform private.raise_error('HL715', 'p_subratings must be a JSON object');
  end if;
  select case when p_reviewed_side = 'provider' then k.provider_subratings else k.customer_subratings end
    into v_names from private.trade_kinds k where k.kind = p_kind;
  for v_key, v_value in select e.key, e.value from pg_catalog.jsonb_each(subratings) e loop
    if not (v_key = any (v_names)) then
      perform private.raise_error('HL715', pg_catalog.format('unknown sub-rating %L (allowed: %s)', v_key,
        coalesce(pg_catalog.array_to_string(v_names, ', '), 'none')));
    end if;
    if pg_catalog.jsonb_typeof(v_value) <> 'number' or v_value::text !~ '^[1-5]$' then
      perform private.raise_error('HL715', pg_catalog.format('%s: %s (a whole number 1-5)', v_key, v_value));
    end if;
  end loop;
  comment := nullif(pg_catalog.btrim(p_comment), '');
  if pg_catalog.char_length(comment) > 2000 then
    perform private.raise_error('HL716', pg_catalog.format('%s characters', pg_catalog.char_length(comment)));
  end if;
end;
$$;
comment on function private.check_review_content(text, text, integer, jsonb, text) is
  'Checks a review''s stars (HL714), sub-ratings against the trade kind''s names for the side reviewed (HL715) and comment '
  '(trimmed, empty = none, at most 2000 characters: HL716).';
revoke all on function private.check_review_content(text, text, integer, jsonb, text) from public, anon, authenticated, service_role;

------------------------------------------------------------------------------------------------
-- Trades a user may have to review. Trust asks each kind for the user's finished trades (the
-- trade registry looks one trade up; this registry lists them): a kind registers
-- (p_user_id uuid, p_finished_after timestamptz) returning setof private.trade, the user's
-- completed trades that finished after the time given (user_side filled).
------------------------------------------------------------------------------------------------
create table private.review_trade_lists (
  kind text primary key references private.trade_kinds (kind),
  handler text not null,
  description text not null
);
comment on table private.review_trade_lists is
  'Per trade kind, the function listing a user''s trades that finished after a time: (uuid user id, timestamptz) -> '
  'setof private.trade. Read by my_reviews_to_write.';

create or replace trigger review_trade_lists_check_handler
  before insert or update on private.review_trade_lists
  for each row execute function private.check_registry_handler('uuid, timestamp with time zone', 'setof private.trade');

create or replace function private.booking_trades_of(p_user_id uuid, p_finished_after timestamptz)
returns setof private.trade
language sql
stable
security definer
set search_path = ''
as $$
  select t.*
    from (select b.id from public.bookings b
           where b.customer_id = p_user_id and b.status in ('completed', 'resolved')
          union
          select b.id from public.bookings b
           where b.provider_id = p_user_id and b.status in ('completed', 'resolved')
          union
          select b.id from public.bookings b
            join public.business_members m on m.business_id = b.business_id
           where m.user_id = p_user_id and m.role in ('owner', 'manager')
             and b.status in ('completed', 'resolved')) ids
   cross join lateral private.booking_trade(ids.id, p_user_id) t
   where t.state = 'completed' and t.finished_at > p_finished_after;
$$;
comment on function private.booking_trades_of(uuid, timestamptz) is
  'The user''s completed or resolved bookings (as customer, provider, or owner/manager of the provider''s business) '
  'finished after p_finished_after, as trades.';
revoke all on function private.booking_trades_of(uuid, timestamptz) from public, anon, authenticated, service_role;

insert into private.review_trade_lists (kind, handler, description) values
  ('booking', 'private.booking_trades_of(uuid, timestamptz)', 'Completed and resolved bookings of a user.')
on conflict (kind) do update set handler = excluded.handler, description = excluded.description;

------------------------------------------------------------------------------------------------
-- Notification types (core's registry): a new group for reviews.
------------------------------------------------------------------------------------------------
insert into private.notification_groups (type_group, description, position) values
  ('reviews', 'Reviews: the other side reviewed you, reviews published.', 55)
on conflict (type_group) do nothing;

insert into private.notification_types (kind, type_group, module, title_key, body_key, deep_link, params, description) values
  ('review.received', 'reviews', 'trust', 'review.received.title', 'review.received.body',
   'hyperlocal://reviews/{trade_kind}/{trade_id}', array['trade_kind', 'trade_id', 'review_deadline'],
   'The other side of a trade reviewed the user; it stays hidden until the user writes theirs or the window ends.'),
  ('review.published', 'reviews', 'trust', 'review.published.title', 'review.published.body',
   'hyperlocal://reviews/{trade_kind}/{trade_id}', array['trade_kind', 'trade_id', 'review_id', 'rating'],
   'A review of the user was published (both sides wrote, or the review window ended).')
on conflict (kind) do update
  set type_group = excluded.type_group, module = excluded.module, title_key = excluded.title_key,
      body_key = excluded.body_key, deep_link = excluded.deep_link, params = excluded.params,
      description = excluded.description;

insert into private.notification_texts (key, locale, text) values
  ('review.received.title', 'en', 'You have a new review'),
  ('review.received.title', 'ar', 'لديك تقييم جديد'),
  ('review.received.body', 'en', 'Write your review to see it, or it appears on {review_deadline}.'),
  ('review.received.body', 'ar', 'اكتب تقييمك لتراه، أو سيظهر في {review_deadline}.'),
  ('review.published.title', 'en', 'A review of you is published'),
  ('review.published.title', 'ar', 'تم نشر تقييم عنك'),
  ('review.published.body', 'en', 'You received {rating} stars. You can reply once.'),
  ('review.published.body', 'ar', 'حصلت على {rating} نجوم. يمكنك الرد مرة واحدة.')
on conflict (key, locale) do update set text = excluded.text;
