-- Module: trust (review RPCs, the reveal job, reads, account deletion)
-- Writing: submit_review, edit_review (until published), reply_to_review (once, after
-- publication). The reveal job (pg_cron, every minute) publishes reviews whose window ended.
-- Reading: list_reviews (a user's published reviews, keyset pages), my_reviews_to_write (trades
-- awaiting the caller's review, with the deadline), get_trade_reviews (a trade's two reviews as its
-- party sees them). Rules and the table: trust_reviews; ratings: trust_reputation.

------------------------------------------------------------------------------------------------
-- Writing
------------------------------------------------------------------------------------------------
create or replace function public.submit_review(
  p_kind text,
  p_trade_id uuid,
  p_rating integer,
  p_subratings jsonb default '{}',
  p_comment text default null
)
returns public.reviews
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := private.require_uid();
  v_trade private.trade;
  v_provider_role text;
  v_reviewed_side text;
  v_content record;
  v_review public.reviews;
  v_other public.reviews;
begin
  v_trade := private.require_reviewable_trade(p_kind, p_trade_id);
  v_reviewed_side := case v_trade.user_side when 'customer' then 'provider' else 'customer' end;
  select * into v_content from private.check_review_content(p_kind, v_reviewed_side, p_rating, p_subratings, p_comment);
  select k.provider_role into v_provider_role from private.trade_kinds k where k.kind = p_kind;

  -- Both sides of one trade are serialised, so the second review always sees the first.
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('review:' || p_kind || ':' || p_trade_id::text, 0));

  insert into public.reviews (trade_kind, trade_id, author_side, author_id, reviewee_id, reviewee_role, rating,
                              subratings, comment, window_ends_at, created_at, updated_at)
  values (p_kind, p_trade_id, v_trade.user_side, v_uid,
          case v_trade.user_side when 'customer' then v_trade.provider_id else v_trade.customer_id end,
          case v_trade.user_side when 'customer' then v_provider_role else 'customer' end,
          p_rating, v_content.subratings, v_content.comment,
          v_trade.finished_at + private.review_window(), private.now(), private.now())
  on conflict (trade_kind, trade_id, author_side) do nothing
  returning * into v_review;
  if v_review.id is null then
    perform private.raise_error('HL711', pg_catalog.format('%s %s, %s side', p_kind, p_trade_id, v_trade.user_side));
  end if;

  select * into v_other from public.reviews r
   where r.trade_kind = p_kind and r.trade_id = p_trade_id and r.author_side <> v_trade.user_side;
  if v_other.id is not null then
    -- The second review: both publish together, now.
    perform private.publish_reviews(array[v_review.id, v_other.id]);
    select * into v_review from public.reviews r where r.id = v_review.id;
  else
    perform private.notify(v_review.reviewee_id, 'review.received', pg_catalog.jsonb_build_object(
      'trade_kind', p_kind, 'trade_id', p_trade_id, 'review_deadline', v_review.window_ends_at));
  end if;
  return v_review;
end;
$$;
comment on function public.submit_review(text, uuid, integer, jsonb, text) is
$$Reviews the other side of a trade the caller is a party of (p_kind: booking), once per side: p_rating 1-5 stars,
p_subratings an object of the kind's names for the side reviewed (bookings: the customer rates quality, punctuality,
communication, value; the provider rates communication, punctuality), each 1-5; p_comment at most 2000 characters.
Double-blind: the review stays hidden until the other side writes theirs (both publish at once) or the window
(trust.review_window_days after the trade finished) ends; the other side gets review.received. Errors: HL001, HL700
kind, HL701 not a party, HL710 not completed, HL711 already reviewed, HL712 window ended, HL713 disputed (frozen),
HL714 rating, HL715 sub-ratings, HL716 comment.$$;
revoke all on function public.submit_review(text, uuid, integer, jsonb, text) from public, anon, authenticated, service_role;
grant execute on function public.submit_review(text, uuid, integer, jsonb, text) to authenticated;

create or replace function public.edit_review(
  p_review_id uuid,
  p_rating integer,
  p_subratings jsonb default '{}',
  p_comment text default null
)
returns public.reviews
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := private.require_uid();
  v_review public.reviews;
  v_content record;
begin
  select * into v_review from public.reviews r where r.id = p_review_id and r.author_id = v_uid for update;
  if not found then
    perform private.raise_error('HL717', pg_catalog.format('review %s', coalesce(p_review_id::text, 'null')));
  end if;
  if v_review.published_at is not null then
    perform private.raise_error('HL718', pg_catalog.format('published at %s', v_review.published_at));
  end if;
  perform private.require_reviewable_trade(v_review.trade_kind, v_review.trade_id);
  select * into v_content from private.check_review_content(v_review.trade_kind,
    case v_review.author_side when 'customer' then 'provider' else 'customer' end, p_rating, p_subratings, p_comment);
  update public.reviews
     set rating = p_rating, subratings = v_content.subratings, comment = v_content.comment, updated_at = private.now()
   where id = p_review_id
  returning * into v_review;
  return v_review;
end;
$$;
comment on function public.edit_review(uuid, integer, jsonb, text) is
$$The author replaces their review's stars, sub-ratings and comment while it is not published yet (the blind phase,
within the window, the trade not disputed). Errors: HL001, HL717 not your review, HL718 published, HL713 disputed,
HL712 window ended, HL714/HL715/HL716 content as submit_review.$$;
revoke all on function public.edit_review(uuid, integer, jsonb, text) from public, anon, authenticated, service_role;
grant execute on function public.edit_review(uuid, integer, jsonb, text) to authenticated;

create or replace function public.reply_to_review(p_review_id uuid, p_reply text)
returns public.reviews
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_uid uuid := private.require_uid();
  v_review public.reviews;
  v_trade private.trade;
  v_reply text := nullif(pg_catalog.btrim(p_reply), '');
begin
  select * into v_review from public.reviews r where r.id = p_review_id for update;
  if not found or v_review.hidden_at is not null
     or (v_review.published_at is null and v_review.author_id is distinct from v_uid) then
    perform private.raise_error('HL717', pg_catalog.format('review %s', coalesce(p_review_id::text, 'null')));
  end if;
  v_trade := private.find_trade(v_review.trade_kind, v_review.trade_id, v_uid);
  if v_review.published_at is null or v_trade.user_side is null or v_trade.user_side = v_review.author_side then
    perform private.raise_error('HL719', case when v_review.published_at is null then 'not published yet'
                                              else 'only the reviewed side replies' end);
  end if;
  if v_trade.state = 'disputed' then
    perform private.raise_error('HL713', pg_catalog.format('%s %s', v_review.trade_kind, v_review.trade_id));
  end if;
  if v_review.replied_at is not null then
    perform private.raise_error('HL720', pg_catalog.format('replied at %s', v_review.replied_at));
  end if;
  if v_reply is null or pg_catalog.char_length(v_reply) > 2000 then
    perform private.raise_error('HL721', pg_catalog.format('%s characters', coalesce(pg_catalog.char_length(v_reply), 0)));
  end if;
  update public.reviews
     set reply = v_reply, replied_at = private.now(), replied_by = v_uid, updated_at = private.now()
   where id = p_review_id
  returning * into v_review;
  return v_review;
end;
$$;
comment on function public.reply_to_review(uuid, text) is
$$The reviewed side (the reviewee; for a provider, also an owner/manager of its business) replies once to a published,
visible review: 1-2000 characters, never changed. Errors: HL001, HL717 unknown or hidden review, HL719 not published
yet or not the reviewed side, HL713 trade disputed, HL720 already replied, HL721 reply text.$$;
revoke all on function public.reply_to_review(uuid, text) from public, anon, authenticated, service_role;
grant execute on function public.reply_to_review(uuid, text) to authenticated;

------------------------------------------------------------------------------------------------
-- The reveal job: reviews whose window ended publish (one side's alone when the other did not
-- write). Each due trade is looked up again: a disputed trade's reviews wait (rechecked after
-- trust.review_frozen_recheck_minutes); a trade whose dispute was resolved since has a new window
-- (from the resolution), which becomes the reviews' window_ends_at.
------------------------------------------------------------------------------------------------
create or replace function private.publish_due_reviews(p_batch_size integer default null)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := private.now();
  v_batch integer := coalesce(p_batch_size, (private.setting('trust.review_reveal_batch_size'))::integer);
  v_recheck interval := pg_catalog.make_interval(mins => (private.setting('trust.review_frozen_recheck_minutes'))::integer);
  v_window interval := private.review_window();
  v_due record;
  v_trade private.trade;
  v_publish uuid[] := '{}';
  v_frozen integer := 0;
  v_extended integer := 0;
  v_published integer;
begin
  for v_due in
    select d.trade_kind, d.trade_id, pg_catalog.array_agg(d.id) as ids
      from (select r.id, r.trade_kind, r.trade_id
              from public.reviews r
             where r.published_at is null and r.window_ends_at <= v_now
             order by r.window_ends_at
             limit v_batch
               for update skip locked) d
     group by d.trade_kind, d.trade_id
  loop
    v_trade := private.find_trade(v_due.trade_kind, v_due.trade_id, null);
    if v_trade.state = 'disputed' then
      update public.reviews set window_ends_at = v_now + v_recheck where id = any (v_due.ids);
      v_frozen := v_frozen + pg_catalog.cardinality(v_due.ids);
    elsif v_trade.state = 'completed' and v_trade.finished_at + v_window > v_now then
      update public.reviews set window_ends_at = v_trade.finished_at + v_window where id = any (v_due.ids);
      v_extended := v_extended + pg_catalog.cardinality(v_due.ids);
    else
      v_publish := v_publish || v_due.ids;
    end if;
  end loop;
  v_published := private.publish_reviews(v_publish);
  return pg_catalog.jsonb_build_object('published', v_published, 'frozen', v_frozen, 'window_moved', v_extended);
end;
$$;
comment on function private.publish_due_reviews(integer) is
  'The reveal job: publishes up to p_batch_size (default trust.review_reveal_batch_size) reviews whose window ended, '
  'oldest first (private.publish_reviews). Reviews of a disputed trade wait trust.review_frozen_recheck_minutes; a trade '
  'resolved since gets its new window. Returns {published, frozen, window_moved}. pg_cron hyperlocal-review-reveal, every minute.';
revoke all on function private.publish_due_reviews(integer) from public, anon, authenticated, service_role;

select cron.schedule('hyperlocal-review-reveal', '* * * * *', 'select private.publish_due_reviews()');

------------------------------------------------------------------------------------------------
-- Reading
------------------------------------------------------------------------------------------------
create or replace function public.list_reviews(
  p_user_id uuid,
  p_role text default null,
  p_after text default null,
  p_limit integer default 20
)
returns table (
  id uuid,
  trade_kind text,
  reviewee_id uuid,
  reviewee_role text,
  author_side text,
  author_id uuid,
  author_username text,
  author_avatar_path text,
  rating smallint,
  subratings jsonb,
  comment text,
  published_at timestamptz,
  reply text,
  replied_at timestamptz,
  cursor text
)
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_after_at timestamptz;
  v_after_id uuid;
  v_cursor text;
begin
  perform private.require_uid();
  if p_user_id is null or (p_role is not null and p_role not in ('customer', 'provider', 'seller'))
     or p_limit is null or p_limit not between 1 and 100 then
    perform private.raise_error('HL722', pg_catalog.format('p_user_id %s, p_role %s, p_limit %s',
      coalesce(p_user_id::text, 'null'), coalesce(p_role, 'null'), coalesce(p_limit::text, 'null')));
  end if;
  if p_after is not null then
    begin
      v_cursor := pg_catalog.convert_from(pg_catalog.decode(pg_catalog.translate(p_after, '-_', '+/')
                    || pg_catalog.repeat('=', (4 - pg_catalog.length(p_after) % 4) % 4), 'base64'), 'UTF8');
      v_after_at := 'epoch'::timestamptz + (pg_catalog.split_part(v_cursor, ',', 1)::bigint::text || ' microseconds')::interval;
      v_after_id := pg_catalog.split_part(v_cursor, ',', 2)::uuid;
    exception when others then
      perform private.raise_error('HL007', pg_catalog.format('cursor %L', p_after));
    end;
  end if;
  return query
    select r.id, r.trade_kind, r.reviewee_id, r.reviewee_role, r.author_side, r.author_id,
           pr.username, pr.avatar_path, r.rating, r.subratings, r.comment, r.published_at, r.reply, r.replied_at,
           pg_catalog.rtrim(pg_catalog.translate(pg_catalog.encode(pg_catalog.convert_to(
             ((extract(epoch from r.published_at) * 1000000)::bigint)::text || ',' || r.id::text, 'UTF8'), 'base64'),
             '+/', '-_'), '=')
      from public.reviews r
      left join public.profiles pr on pr.id = r.author_id and pr.deleted_at is null
     where r.reviewee_id = p_user_id
       and r.published_at is not null and r.hidden_at is null
       and (p_role is null or r.reviewee_role = p_role)
       and (v_after_at is null or (r.published_at, r.id) < (v_after_at, v_after_id))
     order by r.published_at desc, r.id desc
     limit p_limit;
end;
$$;
comment on function public.list_reviews(uuid, text, text, integer) is
$$Published, visible reviews of a user (p_role: customer, provider or seller; null = all), newest first, with the
author's username and avatar (none once the author's account is deleted) and the reply. Keyset pages: p_limit 1-100
(default 20), p_after = the last row's cursor. Errors: HL001, HL722 parameters, HL007 cursor.$$;
revoke all on function public.list_reviews(uuid, text, text, integer) from public, anon, authenticated, service_role;
grant execute on function public.list_reviews(uuid, text, text, integer) to authenticated;

create or replace function public.my_reviews_to_write()
returns table (
  trade_kind text,
  trade_id uuid,
  side text,
  reviewee_id uuid,
  reviewee_role text,
  finished_at timestamptz,
  review_deadline timestamptz,
  other_side_reviewed boolean
)
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_uid uuid := private.require_uid();
  v_window interval := private.review_window();
  v_now timestamptz := private.now();
  v_list record;
begin
  for v_list in
    select l.kind, n.nspname::text as nsp, p.proname::text as fn
      from private.review_trade_lists l
      join pg_catalog.pg_proc p on p.oid = pg_catalog.to_regprocedure(l.handler)
      join pg_catalog.pg_namespace n on n.oid = p.pronamespace
     order by l.kind
  loop
    return query execute pg_catalog.format($q$
      select t.kind, t.id, t.user_side,
             case t.user_side when 'customer' then t.provider_id else t.customer_id end,
             case t.user_side when 'customer' then k.provider_role else 'customer' end,
             t.finished_at, t.finished_at + $3,
             exists (select 1 from public.reviews o
                      where o.trade_kind = t.kind and o.trade_id = t.id and o.author_side <> t.user_side)
        from %I.%I($1, $2 - $3) t
        join private.trade_kinds k on k.kind = t.kind
       where t.user_side is not null
         and not exists (select 1 from public.reviews m
                          where m.trade_kind = t.kind and m.trade_id = t.id and m.author_side = t.user_side)
       order by t.finished_at + $3$q$, v_list.nsp, v_list.fn)
      using v_uid, v_now, v_window;
  end loop;
end;
$$;
comment on function public.my_reviews_to_write() is
$$Trades awaiting the caller's review: completed (not disputed), finished within the review window, with no review
from the caller's side yet; with the reviewee, the deadline (finished_at + trust.review_window_days) and whether the
other side already wrote theirs (hidden until the caller writes). Soonest deadline first per kind. Errors: HL001.$$;
revoke all on function public.my_reviews_to_write() from public, anon, authenticated, service_role;
grant execute on function public.my_reviews_to_write() to authenticated;

create or replace function public.get_trade_reviews(p_kind text, p_trade_id uuid)
returns table (
  author_side text,
  written boolean,
  mine boolean,
  review_id uuid,
  rating smallint,
  subratings jsonb,
  comment text,
  created_at timestamptz,
  published_at timestamptz,
  hidden boolean,
  reply text,
  replied_at timestamptz,
  review_deadline timestamptz,
  trade_state text
)
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_trade private.trade := private.require_trade(p_kind, p_trade_id);
begin
  return query
    select s.side, r.id is not null, s.side = v_trade.user_side,
           case when v.visible then r.id end,
           case when v.visible then r.rating end,
           case when v.visible then r.subratings end,
           case when v.visible then r.comment end,
           r.created_at, r.published_at, r.hidden_at is not null,
           case when v.visible then r.reply end,
           case when v.visible then r.replied_at end,
           coalesce(r.window_ends_at, v_trade.finished_at + private.review_window()),
           v_trade.state
      from (values ('customer'), ('provider')) s(side)
      left join public.reviews r on r.trade_kind = p_kind and r.trade_id = p_trade_id and r.author_side = s.side
     cross join lateral (select r.id is not null
                                and (r.author_side = v_trade.user_side
                                     or (r.published_at is not null and r.hidden_at is null)) as visible) v
     order by s.side;
end;
$$;
comment on function public.get_trade_reviews(text, uuid) is
$$A trade's two reviews (customer side, provider side) as one of its parties sees them: whether each side wrote one,
the content of the caller's own review always and of the other side's once published and visible (blind until then:
written = true, content null), the deadline and the trade's state (disputed = frozen). Errors: HL001, HL700, HL701.$$;
revoke all on function public.get_trade_reviews(text, uuid) from public, anon, authenticated, service_role;
grant execute on function public.get_trade_reviews(text, uuid) to authenticated;

------------------------------------------------------------------------------------------------
-- Account deletion (identity's registry, position 830). Ratings stay (they are other people's
-- reputation); what the person wrote goes: their comments and replies are removed and their
-- authorship dropped. Reviews about them stay attached to their anonymised profile.
------------------------------------------------------------------------------------------------
create or replace function private.delete_account_reviews(p_user_id uuid)
returns void
language plpgsql
set search_path = ''
as $$
begin
  update public.reviews r
     set author_id = null, comment = null, updated_at = private.now()
   where r.author_id = p_user_id;
  update public.reviews r
     set reply = null, replied_by = null, updated_at = private.now()
   where r.replied_by = p_user_id;
end;
$$;
comment on function private.delete_account_reviews(uuid) is
  'Account deletion (trust, position 830): the user''s reviews keep their stars (and still publish and count) without '
  'comment or author; their replies are removed (the review stays replied). Reviews about the user are kept.';
revoke all on function private.delete_account_reviews(uuid) from public, anon, authenticated, service_role;

insert into private.account_deletion_handlers (handler, position, module, description) values
  ('private.delete_account_reviews(uuid)', 830, 'trust',
   'Reviews: remove the user''s comments and replies and drop their authorship; stars and reviews about them stay.')
on conflict (handler) do update
  set position = excluded.position, module = excluded.module, description = excluded.description;

------------------------------------------------------------------------------------------------
-- Moderation and suspension (the moderation files come first): reviews are a report target, and
-- a suspended user cannot write, edit or answer one. The reveal job, moderation and account
-- deletion write reviews without a signed-in user (or not in these columns) and pass.
------------------------------------------------------------------------------------------------
insert into private.report_targets (kind, module, owner_handler, hide_handler, description) values
  ('review', 'trust', 'private.review_author(uuid)', 'private.set_review_hidden(uuid, boolean)',
   'A review (reviews.hidden_at: invisible and not counted in ratings until restored).')
on conflict (kind) do update
  set module = excluded.module, owner_handler = excluded.owner_handler, hide_handler = excluded.hide_handler,
      description = excluded.description;

create or replace trigger reviews_refuse_suspended_author
  before insert or update of rating, subratings, comment on public.reviews
  for each row execute function private.refuse_suspended_writes('author_id');

create or replace trigger reviews_refuse_suspended_reply
  before update of reply on public.reviews
  for each row execute function private.refuse_suspended_writes('replied_by');
