/**
 * The local inbox: every email GoTrue would send and every SMS that goes through the local SMS
 * provider, as JSON lines in <platform data dir>/auth/inbox.jsonl (what Mailpit shows for
 * `supabase start`). Local development and tests only; `npm run inbox -- <email-or-phone>` reads it.
 */
import { appendFile, mkdir, readFile } from "node:fs/promises";
import path from "node:path";

export interface InboxMessage {
  /** Email address, or phone number in E.164 with '+'. */
  to: string;
  /** ISO time. */
  sent_at: string;
  channel: "email" | "sms" | "whatsapp";
  /** What GoTrue sends it for: confirmation, magiclink, recovery, email_change, phone_change, reauthentication, invite. */
  type: string;
  subject?: string;
  body: string;
  /** The template's {{ .Token }} (the OTP), when the message carries one. */
  token?: string;
  /** The template's {{ .ConfirmationURL }}, for emails with a link. */
  confirmation_url?: string;
}

export function inboxFile(platformDataDir: string): string {
  return path.join(platformDataDir, "auth", "inbox.jsonl");
}

/** An email lowercased, or a phone number reduced to its digits (as GoTrue stores it). */
export function normalizeRecipient(value: string): string {
  const v = value.trim();
  if (v.includes("@")) return v.toLowerCase();
  return v.replace(/^\+/, "").replace(/[\s()-]/g, "");
}

export async function appendInbox(file: string, message: InboxMessage): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await appendFile(file, `${JSON.stringify(message)}\n`, "utf8");
}

/** Messages to `recipient` (all without one), newest first. */
export async function readInbox(file: string, recipient?: string): Promise<InboxMessage[]> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
  const wanted = recipient ? normalizeRecipient(recipient) : undefined;
  const out: InboxMessage[] = [];
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    let m: InboxMessage;
    try {
      m = JSON.parse(line) as InboxMessage;
    } catch {
      continue; // a line cut by a crash
    }
    if (!wanted || normalizeRecipient(m.to) === wanted) out.push(m);
  }
  return out.reverse();
}
