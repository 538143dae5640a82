/** supabase/config.toml as the local stack reads it: typed, validated, errors that name the key. */
import { describe, expect, it } from "vitest";
import { customAccessTokenHook } from "../../scripts/lib/auth.ts";
import { parseSupabaseConfig, readSupabaseConfig, resolveEnvRef } from "../../scripts/lib/supabase-config.ts";

describe("supabase/config.toml", () => {
  it("is valid, with bucket sizes in bytes and a pg-functions access token hook", () => {
    const config = readSupabaseConfig();
    const buckets = Object.values(config.storage?.buckets ?? {});
    expect(buckets.length).toBeGreaterThan(0);
    for (const b of buckets) expect(Number.isInteger(b.file_size_limit)).toBe(true);
    expect(customAccessTokenHook(config)).toEqual({ schema: "private", fn: "custom_access_token_hook" });
  });

  it("names the file and key of a malformed value", () => {
    const parse = (text: string) => () => parseSupabaseConfig(text, "example/config.toml");
    expect(parse('[storage.buckets.a]\nfile_size_limit = "2 MiBs"')).toThrow(
      /^example\/config\.toml: storage\.buckets\.a\.file_size_limit: invalid size "2 MiBs"/,
    );
    expect(parse('[functions.f]\nverify_jwt = "no"')).toThrow(/^example\/config\.toml: functions\.f\.verify_jwt: .*expected boolean/);
    expect(parse("[auth.hook.custom_access_token]\nenabled = 1")).toThrow(/auth\.hook\.custom_access_token\.enabled/);
    expect(parse("[api\nport = 1")).toThrow(/^cannot parse example\/config\.toml: /);
  });

  it("turns sizes into bytes and resolves env(NAME) from the environment", () => {
    const config = parseSupabaseConfig('[storage]\nfile_size_limit = "1.5KB"\n[storage.buckets.b]\nfile_size_limit = "2MiB"', "x");
    expect(config.storage?.file_size_limit).toBe(1500);
    expect(config.storage?.buckets?.b.file_size_limit).toBe(2 * 1024 ** 2);
    process.env.HL_CONFIG_TEST_VALUE = "from-env";
    expect(resolveEnvRef("env(HL_CONFIG_TEST_VALUE)")).toBe("from-env");
    expect(resolveEnvRef("env(HL_CONFIG_TEST_UNSET)")).toBeUndefined();
    expect(resolveEnvRef("plain")).toBe("plain");
    expect(resolveEnvRef(5)).toBe("5");
    delete process.env.HL_CONFIG_TEST_VALUE;
  });
});
