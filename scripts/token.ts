/**
 * npm run token -- <email-or-phone> [--meta '{"full_name":"Ada"}'] [--json]
 *
 * Creates the user if needed (as the local Auth server's sign-up does, so the project's triggers
 * fire) and signs them in with the server's own session code (platform/auth): a new auth.sessions
 * row with its refresh token, and an access token passed through the custom access token hook when
 * configured. Prints the access token (--json: the session, with the refresh token).
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
    process.stdout.write(
      `${JSON.stringify({ access_token: session.accessToken, refresh_token: session.refreshToken, expires_at: session.expiresAt, user: session.user }, null, 2)}\n`,
    );
  } else {
    process.stderr.write(`user ${session.user.id} (${session.user.email ?? `+${session.user.phone}`}); token expires ${new Date(session.expiresAt * 1000).toISOString()}\n`);
    process.stdout.write(`${session.accessToken}\n`);
  }
}

main().catch((e) => {
  process.stderr.write(`Error: ${(e as Error).message}\n`);
  process.exit(1);
});
