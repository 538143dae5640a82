/**
 * npm run token -- <email-or-phone> [--meta '{"full_name":"Ada"}'] [--json]
 *
 * Creates the user if needed (as GoTrue's sign-up would, so the project's triggers fire) and
 * prints an access token for it, passed through the custom access token hook when configured.
 */
import { parseArgs } from "node:util";
import { profile, type ProfileName } from "./lib/config.ts";
import { parseIdentifier, signIn } from "./lib/auth.ts";

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { meta: { type: "string" }, json: { type: "boolean", default: false }, profile: { type: "string" } },
});

async function main(): Promise<void> {
  const identifier = positionals[0];
  if (!identifier) {
    process.stderr.write("usage: npm run token -- <email-or-phone> [--meta '<json user metadata>'] [--json]\n");
    process.exit(2);
  }
  const p = profile((values.profile as ProfileName | undefined) ?? undefined);
  const userMetadata = values.meta ? (JSON.parse(values.meta) as Record<string, unknown>) : undefined;
  const session = await signIn(p, { ...parseIdentifier(identifier), userMetadata });
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ access_token: session.accessToken, user: session.user, expires_at: session.expiresAt }, null, 2)}\n`);
  } else {
    process.stderr.write(`user ${session.user.id} (${session.user.email ?? `+${session.user.phone}`}); token expires ${new Date(session.expiresAt * 1000).toISOString()}\n`);
    process.stdout.write(`${session.accessToken}\n`);
  }
}

main().catch((e) => {
  process.stderr.write(`Error: ${(e as Error).message}\n`);
  process.exit(1);
});
