/**
 * The texts of the SMS the project sends, in the user's language (profiles.locale: `en`, `ar`, or
 * a regional form such as `ar-AE`; anything else falls back to English). Short enough for one
 * GSM-7 segment in English and one UCS-2 message (70 characters) in Arabic, code included.
 * The code stands alone, surrounded by spaces, so phones offer it for autofill.
 */

export type SmsLanguage = "en" | "ar";
export type SmsTextKind = "otp" | "start_code";

const TEXTS: Record<SmsTextKind, Record<SmsLanguage, (code: string, minutes: number) => string>> = {
  otp: {
    en: (code, minutes) => `Your Hyperlocal code is ${code}. It expires in ${minutes} minutes. Never share it.`,
    ar: (code, minutes) => `رمز Hyperlocal الخاص بك: ${code} صالح لمدة ${minutes} دقائق. لا تشاركه مع أحد.`,
  },
  start_code: {
    en: (code) => `Your Hyperlocal start code is ${code}. Give it to your provider when the job starts.`,
    ar: (code) => `رمز بدء الخدمة في Hyperlocal: ${code} أعطه لمقدم الخدمة عند بدء العمل.`,
  },
};

/** `ar`, `ar-AE` → ar; `en`, `en-GB`, unknown, missing → en. */
export function smsLanguage(locale: string | null | undefined): SmsLanguage {
  const lang = (locale ?? "").trim().toLowerCase().split(/[-_]/)[0];
  return lang === "ar" ? "ar" : "en";
}

export function renderSms(kind: SmsTextKind, locale: string | null | undefined, code: string, minutes = 10): string {
  if (!/^[0-9]{4,10}$/.test(code)) throw new Error("an SMS code must be 4 to 10 digits");
  return TEXTS[kind][smsLanguage(locale)](code, minutes);
}
