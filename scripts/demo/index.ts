/**
 * npm run demo [-- --profile dev|test|...] [-- --only services|goods]
 *
 * Plays the marketplace's story on a running local stack through supabase-js, as the people
 * involved would: real phone sign-ins (the code read from the local Auth inbox), uploads, realtime
 * channels, the edge functions. It prints what each person does, the call made and what was
 * checked; the first step that misbehaves stops it with the reason and exit code 1. Every run
 * uses new people, so it can be played again on the same stack. `npm test` runs it too
 * (tests/integration/demo.test.ts).
 */
import { parseArgs } from "node:util";
import { profile, type ProfileName } from "../lib/config.ts";
import { goodsStory } from "./goods.ts";
import { DemoFailure, Narrative } from "./narrative.ts";
import { servicesStory } from "./services.ts";
import { closeWorld, openWorld } from "./world.ts";

const { values } = parseArgs({ options: { profile: { type: "string" }, only: { type: "string" } } });

async function main(): Promise<number> {
  const stack = profile((values.profile as ProfileName | undefined) ?? undefined);
  const parts = new Set((values.only ?? "services,goods").split(","));
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const health = await fetch(`${stack.apiUrl}/auth/v1/health`).catch(() => null);
  if (!health?.ok) {
    process.stderr.write(`No local stack answers at ${stack.apiUrl}. Start one with \`npm start\` (or \`npm run stack -- start\`), then run the demo again.\n`);
    return 1;
  }
  const started = Date.now();
  out(`Hyperlocal demo on ${stack.apiUrl} (profile ${stack.name}): the marketplace's story through supabase-js.`);
  out("Each step: who does what, the calls made (› …), and what was checked (✓ …).");
  const world = openWorld(stack);
  const n = new Narrative(out);
  try {
    if (parts.has("services")) await servicesStory(n, world);
    if (parts.has("goods")) await goodsStory(n, world);
    out("");
    out(`━━ The end: ${n.stepCount} steps, every check passed, in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
    return 0;
  } catch (e) {
    out("");
    if (e instanceof DemoFailure) {
      process.stderr.write(`\x1b[31mDEMO FAILED\x1b[0m at ${e.message}\n`);
    } else {
      process.stderr.write(`\x1b[31mDEMO FAILED\x1b[0m: ${(e as Error).stack ?? String(e)}\n`);
    }
    return 1;
  } finally {
    await n.close();
    await closeWorld(world);
  }
}

main()
  .then((code) => process.exit(code))
  .catch((e) => {
    process.stderr.write(`DEMO FAILED: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  });
