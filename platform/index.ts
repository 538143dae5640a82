/** The platform services the gateway mounts, in mount order (see ./service.ts). */
import { createRealtimeService } from "./realtime/index.ts";
import type { PlatformServiceFactory } from "./service.ts";

export const platformServices: PlatformServiceFactory[] = [createRealtimeService];
