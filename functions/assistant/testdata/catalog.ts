/** A small catalog in the shape of rpc assistant_catalog(), for the assistant's tests. */
import type { CatalogCategory } from "../schemas.ts";

const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;

export const HOME_REPAIRS = id(1);
export const PLUMBING = id(2);
export const ELECTRICAL = id(3);
export const AC = id(4);
export const AC_SERVICING = id(5);
export const AC_INSTALLATION = id(6);
export const CLEANING = id(7);
export const SOFA_CLEANING = id(8);

export const CATALOG: CatalogCategory[] = [
  { id: HOME_REPAIRS, parent_id: null, slug: "home-repairs", names: { en: "Home repairs", ar: "إصلاحات منزلية" }, keywords: { en: [], ar: [] }, typical_minutes: 60, is_leaf: false },
  {
    id: PLUMBING, parent_id: HOME_REPAIRS, slug: "plumbing", names: { en: "Plumbing", ar: "سباكة" },
    keywords: { en: ["plumber", "leak", "tap", "sink", "pipe", "drain"], ar: ["سباك", "تسريب", "حنفية", "مغسلة"] },
    typical_minutes: 60, is_leaf: true,
  },
  {
    id: ELECTRICAL, parent_id: HOME_REPAIRS, slug: "electrical", names: { en: "Electrical", ar: "كهرباء" },
    keywords: { en: ["electrician", "socket", "light fixture"], ar: ["كهربائي", "فيش"] }, typical_minutes: 45, is_leaf: true,
  },
  { id: AC, parent_id: null, slug: "ac-appliances", names: { en: "AC and appliances", ar: "التكييف والأجهزة" }, keywords: { en: [], ar: [] }, typical_minutes: null, is_leaf: false },
  {
    id: AC_SERVICING, parent_id: AC, slug: "ac-servicing", names: { en: "AC servicing", ar: "صيانة المكيفات" },
    keywords: { en: ["air conditioner", "not cooling"], ar: ["مكيف", "لا يبرد"] }, typical_minutes: 90, is_leaf: true,
  },
  {
    id: AC_INSTALLATION, parent_id: AC, slug: "ac-installation", names: { en: "AC installation", ar: "تركيب المكيفات" },
    keywords: { en: ["install ac"], ar: ["تركيب مكيف"] }, typical_minutes: null, is_leaf: true,
  },
  { id: CLEANING, parent_id: null, slug: "cleaning", names: { en: "Cleaning", ar: "تنظيف" }, keywords: { en: ["clean"], ar: [] }, typical_minutes: 120, is_leaf: false },
  {
    id: SOFA_CLEANING, parent_id: CLEANING, slug: "sofa-carpet-cleaning", names: { en: "Sofa and carpet cleaning", ar: "تنظيف الكنب والسجاد" },
    keywords: { en: ["sofa", "carpet", "rug"], ar: ["كنب", "سجاد"] }, typical_minutes: null, is_leaf: true,
  },
];
