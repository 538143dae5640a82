/**
 * Seed goods: the twelve goods categories (rows of the catalog's categories, kind goods, English
 * and Arabic names), with ids derived from their slugs like the service categories. Operators
 * extend them as they do service categories. Products, likes and follows come with the goods
 * seed of issue 13's later slices.
 */
import type { SeedContext } from "./context.ts";
import { insertRows, lit } from "./sql.ts";

export const GOODS_CATEGORIES: { slug: string; icon: string; en: string; ar: string }[] = [
  { slug: "trading-cards", icon: "layers", en: "Trading cards", ar: "بطاقات التداول" },
  { slug: "mens-fashion", icon: "shirt", en: "Men's fashion", ar: "أزياء رجالية" },
  { slug: "sneakers", icon: "footprints", en: "Sneakers", ar: "أحذية رياضية" },
  { slug: "sports-cards", icon: "trophy", en: "Sports cards", ar: "بطاقات رياضية" },
  { slug: "collectibles", icon: "gem", en: "Collectibles", ar: "مقتنيات" },
  { slug: "electronics", icon: "smartphone", en: "Electronics", ar: "إلكترونيات" },
  { slug: "home-decor", icon: "lamp", en: "Home decor", ar: "ديكور المنزل" },
  { slug: "beauty", icon: "sparkles", en: "Beauty", ar: "الجمال" },
  { slug: "kids-baby", icon: "baby", en: "Kids & baby", ar: "الأطفال والرضع" },
  { slug: "furniture", icon: "sofa", en: "Furniture", ar: "أثاث" },
  { slug: "books", icon: "book", en: "Books", ar: "كتب" },
  { slug: "other-goods", icon: "package", en: "Other", ar: "أخرى" },
];

const categoryId = (slug: string) => `md5('hyperlocal:category:' || ${lit(slug)})::uuid`;

/** The goods categories (idempotent on slug). */
export function goodsSection(_ctx: SeedContext): string[] {
  const rows = GOODS_CATEGORIES.map((c, i) =>
    `(${categoryId(c.slug)}, null, ${lit(c.slug)}, 'goods', ${lit(c.icon)}, ${lit({ en: c.en, ar: c.ar })}, 'fixed', ${i + 1})`,
  );
  const head = "insert into public.categories (id, parent_id, slug, kind, icon, names, default_pricing_unit, sort_order)";
  return insertRows(head, rows, "on conflict (slug) do nothing");
}
