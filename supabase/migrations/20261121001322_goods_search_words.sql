-- Module: goods (search typo correction)
-- The vocabulary of the listings and the correction of a search whose words match nothing: each
-- unknown word becomes its nearest listed words by trigram similarity, and the corrected query
-- runs through the same geo-aware word index as any search (private.goods_feed_page). See
-- docs/goods.md "Feeds and search".

insert into private.settings (key, value, description) values
  ('goods.search.typo_similarity', '0.3',
   'Least trigram similarity between an unknown search word and a listed word that replaces it (0 to 1).'),
  ('goods.search.typo_suggestions', '3', 'How many listed words at most replace one unknown search word (ORed).')
on conflict (key) do nothing;

-- The words of the listings, for typo correction: every word (3 to 32 letters, lower-cased, as
-- written: the `simple` configuration) of a product's title, description and tags, with how many
-- visible, available products hold it. A search whose words match nothing corrects each unknown
-- word to the nearest known ones (trigram distance) and searches those: the same geo-aware index
-- as any word search, instead of a trigram scan of every title in the radius.
create table private.product_words (
  word text primary key check (pg_catalog.char_length(word) between 3 and 32),
  products integer not null default 1 check (products >= 0)
);
comment on table private.product_words is
  'The vocabulary of product listings (simple configuration, 3-32 letters) for search typo correction; new words are added '
  'by trigger, counts refreshed daily by private.refresh_product_words (pg_cron hyperlocal-product-words).';
revoke all on table private.product_words from public, anon, authenticated, service_role;
create index product_words_trgm_idx on private.product_words using gist (word extensions.gist_trgm_ops);

-- The words of a product's text, as the vocabulary keeps them.
create or replace function private.product_words_of(p_title text, p_description text, p_tags text[])
returns text[]
language sql
immutable
parallel safe
set search_path = ''
as $$
  select coalesce(pg_catalog.array_agg(w.word), '{}')
    from pg_catalog.unnest(pg_catalog.tsvector_to_array(pg_catalog.to_tsvector('pg_catalog.simple'::pg_catalog.regconfig,
           coalesce(p_title, '') || ' ' || coalesce(p_description, '') || ' '
           || coalesce(pg_catalog.array_to_string(p_tags, ' '), '')))) w(word)
   where pg_catalog.char_length(w.word) between 3 and 32;
$$;
comment on function private.product_words_of(text, text, text[]) is
  'The vocabulary words (simple configuration, 3-32 letters) of a product''s title, description and tags.';
revoke all on function private.product_words_of(text, text, text[]) from public, anon, authenticated, service_role;

-- New words join the vocabulary with the statement that lists or edits the product (one insert per
-- statement, so a bulk load adds its words at once). An edit adds words only when the text changed.
create or replace function private.product_words_on_insert()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  insert into private.product_words (word)
  select distinct w.word
    from new_products n cross join lateral pg_catalog.unnest(private.product_words_of(n.title, n.description, n.tags)) w(word)
  on conflict (word) do nothing;
  return null;
end;
$$;
comment on function private.product_words_on_insert() is
  'Trigger (statement level, after insert on products): adds the words of the listed products to private.product_words.';
revoke all on function private.product_words_on_insert() from public, anon, authenticated, service_role;

create or replace function private.product_words_on_update()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  insert into private.product_words (word)
  select distinct w.word
    from new_products n
    join old_products o on o.id = n.id
   cross join lateral pg_catalog.unnest(private.product_words_of(n.title, n.description, n.tags)) w(word)
   where (n.title, n.description, n.tags) is distinct from (o.title, o.description, o.tags)
  on conflict (word) do nothing;
  return null;
end;
$$;
comment on function private.product_words_on_update() is
  'Trigger (statement level, after update on products): adds the new words of edited products to private.product_words.';
revoke all on function private.product_words_on_update() from public, anon, authenticated, service_role;

create trigger products_words_insert
  after insert on public.products referencing new table as new_products
  for each statement execute function private.product_words_on_insert();
create trigger products_words_update
  after update on public.products referencing old table as old_products new table as new_products
  for each statement execute function private.product_words_on_update();

-- Daily: the counts from the visible, available products; words no product holds any more leave.
create or replace function private.refresh_product_words()
returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_words integer;
begin
  with fresh as (
    select w.word, pg_catalog.count(*)::integer as products
      from public.products p
     cross join lateral pg_catalog.unnest(private.product_words_of(p.title, p.description, p.tags)) w(word)
     where p.hidden_at is null and p.withdrawn_at is null and p.status = 'available'
     group by w.word
  ),
  gone as (
    delete from private.product_words w where not exists (select 1 from fresh f where f.word = w.word)
  ),
  counted as (
    insert into private.product_words (word, products)
    select f.word, f.products from fresh f
    on conflict (word) do update set products = excluded.products
      where private.product_words.products is distinct from excluded.products
  )
  select pg_catalog.count(*)::integer into v_words from fresh;
  return v_words;
end;
$$;
comment on function private.refresh_product_words() is
  'Recounts private.product_words from the visible, available products and removes words none holds; returns the number of '
  'words. Scheduled daily with pg_cron (hyperlocal-product-words).';
revoke all on function private.refresh_product_words() from public, anon, authenticated, service_role;
select cron.schedule('hyperlocal-product-words', '40 3 * * *', 'select private.refresh_product_words()');

-- a | b or a & b, where a null or empty side is the other (a stop word adds nothing).
create or replace function private.tsquery_combine(p_a tsquery, p_b tsquery, p_op text)
returns tsquery
language sql
immutable
parallel safe
set search_path = ''
as $$
  select case when p_a is null or pg_catalog.numnode(p_a) = 0 then p_b
              when p_b is null or pg_catalog.numnode(p_b) = 0 then p_a
              when p_op = '|' then p_a operator(pg_catalog.||) p_b
              else p_a operator(pg_catalog.&&) p_b end;
$$;
comment on function private.tsquery_combine(tsquery, tsquery, text) is
  'Combines two tsqueries with | or &; a null or empty one yields the other.';
revoke all on function private.tsquery_combine(tsquery, tsquery, text) from public, anon, authenticated, service_role;

-- The query of a search whose words matched nothing: each word the listings do not hold becomes
-- its nearest known words (trigram similarity at least goods.search.typo_similarity, at most
-- goods.search.typo_suggestions of them, the more common first), ORed; the words stay ANDed, in
-- English and in Arabic as any search. Null when a word has no near word or nothing was corrected.
create or replace function private.product_search_correction(p_text text)
returns tsquery
language plpgsql
stable
set search_path = ''
as $$
declare
  v_word text;
  v_choices text[];
  v_english tsquery;
  v_arabic tsquery;
  v_part_en tsquery;
  v_part_ar tsquery;
  v_corrected boolean := false;
  v_similarity real := private.setting('goods.search.typo_similarity')::real;
  v_suggestions integer := private.setting('goods.search.typo_suggestions')::integer;
begin
  foreach v_word in array pg_catalog.tsvector_to_array(pg_catalog.to_tsvector('pg_catalog.simple'::pg_catalog.regconfig, p_text)) loop
    if exists (select 1 from private.product_words w where w.word = v_word and w.products > 0) then
      v_choices := array[v_word];
    else
      select pg_catalog.array_agg(c.word order by c.similarity desc, c.products desc, c.word) into v_choices
        from (select w.word, w.products, extensions.similarity(w.word, v_word) as similarity
                from private.product_words w
               where w.products > 0
               order by w.word operator(extensions.<->) v_word
               limit v_suggestions * 4) c
       where c.similarity >= v_similarity;
      v_choices := v_choices[1:v_suggestions];
      if v_choices is null then
        return null;
      end if;
      v_corrected := true;
    end if;
    v_part_en := null;
    v_part_ar := null;
    for i in 1 .. pg_catalog.cardinality(v_choices) loop
      v_part_en := private.tsquery_combine(v_part_en, pg_catalog.websearch_to_tsquery('pg_catalog.english'::pg_catalog.regconfig, v_choices[i]), '|');
      v_part_ar := private.tsquery_combine(v_part_ar, pg_catalog.websearch_to_tsquery('pg_catalog.arabic'::pg_catalog.regconfig, v_choices[i]), '|');
    end loop;
    v_english := private.tsquery_combine(v_english, v_part_en, '&');
    v_arabic := private.tsquery_combine(v_arabic, v_part_ar, '&');
  end loop;
  if not v_corrected then
    return null;
  end if;
  return private.tsquery_combine(v_english, v_arabic, '|');
end;
$$;
comment on function private.product_search_correction(text) is
  'The corrected query of a search whose words matched nothing: unknown words replaced by their nearest listed words '
  '(private.product_words, trigram similarity), ORed, in english and arabic; null when nothing can be corrected.';
revoke all on function private.product_search_correction(text) from public, anon, authenticated, service_role;

-- The products listed before this migration.
select private.refresh_product_words();
