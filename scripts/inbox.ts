/**
 * npm run inbox -- <email-or-phone> [--limit N] [--profile dev|test|...]
 *
 * Prints what the local Auth server sent to an address or number — confirmation and sign-in codes,
 * magic links, password resets, email-change codes, SMS through the local SMS provider — newest
 * first, one JSON object per line ({to, sent_at, channel, type, subject?, body, token?,
 * confirmation_url?}). Without an identifier: everything. The inbox is a local stand-in for the
 * Mailpit of `supabase start`; hosted projects send real mail and SMS.
 */
import path from "node:path";
import { parseArgs } from "node:util";
import { profile, type ProfileName } from "./lib/config.ts";
import { inboxFile, readInbox } from "../platform/auth/inbox.ts";

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { limit: { type: "string" }, profile: { type: "string" }, all: { type: "boolean", default: false } },
});

async function main(): Promise<void> {
  const recipient = positionals[0];
  if (!recipient && !values.all) {
    process.stderr.write("usage: npm run inbox -- <email-or-phone> [--limit N]   (or --all)\n");
    process.exit(2);
  }
  const p = profile((values.profile as ProfileName | undefined) ?? undefined);
  const dataDir = process.env.HL_PLATFORM_DIR || path.join(p.home, "platform");
  const limit = values.limit ? Number(values.limit) : Infinity;
  const messages = (await readInbox(inboxFile(dataDir), recipient)).slice(0, limit);
  if (messages.length === 0) process.stderr.write(`no messages${recipient ? ` for ${recipient}` : ""} in ${inboxFile(dataDir)}\n`);
  for (const m of messages) process.stdout.write(`${JSON.stringify(m)}\n`);
}

main().catch((e) => {
  process.stderr.write(`Error: ${(e as Error).message}\n`);
  process.exit(1);
});
