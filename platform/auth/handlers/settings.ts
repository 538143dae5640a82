/** GET /settings and GET /health (AU internal/api/settings.go, api.go HealthCheck). */
import type { AuthContext } from "../context.ts";
import { json, type Reply } from "../http.ts";

/** The GoTrue release whose behaviour this server follows (see the README's fidelity note). */
export const GOTRUE_VERSION = "v2.196.0";

const EXTERNAL_PROVIDERS = [
  "anonymous_users", "apple", "azure", "bitbucket", "discord", "facebook", "snapchat", "figma", "fly", "github", "gitlab",
  "google", "keycloak", "kakao", "linkedin", "linkedin_oidc", "notion", "spotify", "slack", "slack_oidc", "workos",
  "twitch", "twitter", "email", "phone", "zoom",
];

export function settingsRoute(ctx: AuthContext): Reply {
  const { cfg } = ctx;
  const external: Record<string, boolean> = {};
  for (const name of EXTERNAL_PROVIDERS) external[name] = false;
  external.anonymous_users = cfg.anonymousEnabled;
  external.email = cfg.email.enabled;
  external.phone = cfg.sms.enabled;
  return json({
    external,
    disable_signup: cfg.disableSignup,
    mailer_autoconfirm: cfg.email.autoconfirm,
    phone_autoconfirm: cfg.sms.autoconfirm,
    sms_provider: cfg.sms.provider,
    saml_enabled: false,
    saml_private_key_next_configured: false,
    passkeys_enabled: false,
  });
}

export function healthRoute(): Reply {
  return json({
    version: `${GOTRUE_VERSION}-local`,
    name: "GoTrue",
    description: "GoTrue is a user registration and authentication API",
  });
}
