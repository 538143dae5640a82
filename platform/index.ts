/** The platform services the gateway mounts, in mount order (see ./service.ts). */
import { createRealtimeService } from "./realtime/index.ts";
import type { PlatformServiceFactory } from "./service.ts";
import { authService } from "./auth/index.ts";
import { netService } from "./net/index.ts";
import { storageService } from "./storage/index.ts";

export const platformServices: PlatformServiceFactory[] = [authService, storageService, createRealtimeService, netService];
