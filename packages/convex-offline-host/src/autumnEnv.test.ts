// The offline host's Autumn defaults (autumnEnv.ts), checked against the
// billing module's own autumnConfig: whatever the developer sets, the
// functions end up with a configuration the module accepts, pointing where
// the developer said.
import { describe, expect, test } from "vitest";
import { autumnConfig } from "../../../convex/billing/autumn.js";
import { DEFAULT_SANDBOX_KEY } from "../../autumn-sandbox/src/server.js";
import { autumnDefaults, DEFAULT_SANDBOX_URL, type AutumnEnv } from "./autumnEnv.js";

function resolved(env: AutumnEnv) {
  return autumnConfig({ ...env, ...autumnDefaults(env) });
}

describe("autumnDefaults", () => {
  test("nothing set: the local sandbox on its default port, with its default key", () => {
    expect(autumnDefaults({})).toEqual({ AUTUMN_SANDBOX_URL: DEFAULT_SANDBOX_URL, AUTUMN_SECRET_KEY: DEFAULT_SANDBOX_KEY });
    expect(resolved({ AUTUMN_SANDBOX_URL: "", AUTUMN_SECRET_KEY: " " })).toMatchObject({ mode: "sandbox", serverURL: DEFAULT_SANDBOX_URL, secretKey: DEFAULT_SANDBOX_KEY });
  });

  test("only a sandbox URL: that sandbox, with the sandbox's default key (not AUTUMN_NOT_CONFIGURED)", () => {
    const env = { AUTUMN_SANDBOX_URL: "http://127.0.0.1:4000" };
    expect(autumnDefaults(env)).toEqual({ AUTUMN_SECRET_KEY: DEFAULT_SANDBOX_KEY });
    expect(resolved(env)).toMatchObject({ mode: "sandbox", serverURL: "http://127.0.0.1:4000", secretKey: DEFAULT_SANDBOX_KEY });
  });

  test("a key, with or without a sandbox URL, is left as given", () => {
    expect(autumnDefaults({ AUTUMN_SECRET_KEY: "am_sk_test_mine" })).toEqual({});
    expect(resolved({ AUTUMN_SECRET_KEY: "am_sk_test_mine" })).toMatchObject({ mode: "autumn", secretKey: "am_sk_test_mine" });
    const both = { AUTUMN_SANDBOX_URL: "http://127.0.0.1:4000", AUTUMN_SECRET_KEY: "am_sk_test_mine" };
    expect(autumnDefaults(both)).toEqual({});
    expect(resolved(both)).toMatchObject({ mode: "sandbox", serverURL: "http://127.0.0.1:4000", secretKey: "am_sk_test_mine" });
  });
});
