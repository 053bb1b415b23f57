// The auth flow the billing module stands on, end to end through
// better-auth's real HTTP routes: sign up, create an organization (which
// becomes active), and get a Convex token carrying activeOrganizationId.
import { convexTest } from "convex-test";
import { makeFunctionReference } from "convex/server";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createAuth, requireAuthSecret } from "./auth";
import schema from "./schema";
import authSchema from "./betterAuth/schema";
import { authModules, modules } from "./test.setup";

const SITE = "http://127.0.0.1:3211";

beforeEach(() => {
  process.env.BETTER_AUTH_SECRET = "test-secret-test-secret-test-secret-123";
  process.env.SITE_URL = SITE;
  process.env.CONVEX_SITE_URL = SITE;
});

describe("auth", () => {
  it("signs up, creates an organization and issues a token with the active org", async () => {
    const t = convexTest(schema, modules);
    t.registerComponent("betterAuth", authSchema, authModules);
    const signUp = await t.fetch("/api/auth/sign-up/email", {
      method: "POST",
      headers: { "content-type": "application/json", origin: SITE },
      body: JSON.stringify({ email: "owner@example.com", password: "correct-horse-battery", name: "Olive Owner" }),
    });
    expect(signUp.status).toBe(200);
    const cookie = signUp.headers.get("set-cookie") ?? "";
    expect(cookie).toContain("better-auth");
    const org = await t.fetch("/api/auth/organization/create", {
      method: "POST",
      headers: { "content-type": "application/json", origin: SITE, cookie },
      body: JSON.stringify({ name: "Acme", slug: "acme" }),
    });
    expect(org.status).toBe(200);
    const orgBody = (await org.json()) as { id: string };
    const token = await t.fetch("/api/auth/convex/token", { headers: { origin: SITE, cookie } });
    expect(token.status).toBe(200);
    const { token: jwt } = (await token.json()) as { token: string };
    const payload = JSON.parse(Buffer.from(jwt.split(".")[1] ?? "", "base64url").toString()) as Record<string, unknown>;
    expect(payload.activeOrganizationId).toBe(orgBody.id);
  });
});

describe("global admin bootstrap", () => {
  function setup() {
    process.env.BILLING_ADMIN_EMAILS = "boss@example.com, other@example.com";
    const t = convexTest(schema, modules);
    t.registerComponent("betterAuth", authSchema, authModules);
    const signUp = async (email: string) => {
      const res = await t.fetch("/api/auth/sign-up/email", {
        method: "POST",
        headers: { "content-type": "application/json", origin: SITE },
        body: JSON.stringify({ email, password: "correct-horse-battery", name: email }),
      });
      expect(res.status).toBe(200);
      return { cookie: res.headers.get("set-cookie") ?? "", userId: ((await res.json()) as { user: { id: string } }).user.id };
    };
    const role = async (cookie: string) => {
      const res = await t.fetch("/api/auth/get-session", { headers: { origin: SITE, cookie } });
      return ((await res.json()) as { user: { role?: string | null } }).user.role;
    };
    return { t, signUp, role };
  }

  it("signing up with a listed but unverified address does NOT make you admin", async () => {
    const { signUp, role } = setup();
    expect(await role((await signUp("Boss@example.com")).cookie)).toBe("user");
    expect(await role((await signUp("pleb@example.com")).cookie)).toBe("user");
  });

  it("a listed address becomes admin when it is verified (through better-auth's adapter, triggers and all)", async () => {
    const { t, signUp, role } = setup();
    const boss = await signUp("boss@example.com");
    const pleb = await signUp("pleb@example.com");
    for (const u of [boss, pleb]) {
      await t.run(async (ctx) => {
        const auth = await createAuth(ctx).$context;
        await auth.internalAdapter.updateUser(u.userId, { emailVerified: true });
      });
    }
    expect(await role(boss.cookie)).toBe("admin");
    expect(await role(pleb.cookie)).toBe("user"); // verified, but not listed
  });

  it("the operator promotes explicitly: npx convex run admins:promote '{\"email\":…}' (idempotent), and demotes", async () => {
    const { t, signUp, role } = setup();
    const ada = await signUp("ada@example.com");
    const promote = makeFunctionReference<"mutation">("admins:promote");
    expect(await t.mutation(promote, { email: " ADA@example.com " })).toMatchObject({ role: "admin", changed: true });
    expect(await t.mutation(promote, { email: "ada@example.com" })).toMatchObject({ changed: false });
    expect(await role(ada.cookie)).toBe("admin");
    await expect(t.mutation(promote, { email: "nobody@example.com" })).rejects.toThrow(/sign up first/);
    expect(await t.mutation(makeFunctionReference<"mutation">("admins:demote"), { email: "ada@example.com" })).toMatchObject({ role: "user", changed: true });
    expect(await role(ada.cookie)).toBe("user");
  });
});

describe("BETTER_AUTH_SECRET", () => {
  const saved = process.env.BETTER_AUTH_SECRET;
  afterEach(() => { process.env.BETTER_AUTH_SECRET = saved; });

  it.each([
    ["unset", undefined],
    ["better-auth's public default", "better-auth-secret-12345678901234567890"],
    [".env.example's placeholder", "change-me-to-32-random-characters"],
    ["too short", "short-secret"],
  ])("%s → every auth request is refused (no session signed with a guessable secret)", async (_name, secret) => {
    const t = convexTest(schema, modules);
    t.registerComponent("betterAuth", authSchema, authModules);
    if (secret === undefined) delete process.env.BETTER_AUTH_SECRET;
    else process.env.BETTER_AUTH_SECRET = secret;
    expect(() => requireAuthSecret()).toThrow(/BETTER_AUTH_SECRET/);
    let status = 0;
    try {
      const res = await t.fetch("/api/auth/sign-up/email", {
        method: "POST",
        headers: { "content-type": "application/json", origin: SITE },
        body: JSON.stringify({ email: "x@example.com", password: "correct-horse-battery", name: "X" }),
      });
      status = res.status;
    } catch (err) {
      expect(String(err)).toMatch(/BETTER_AUTH_SECRET/);
      status = 500;
    }
    expect(status).toBeGreaterThanOrEqual(500);
  });

  it("a real secret is accepted", () => {
    expect(requireAuthSecret({ BETTER_AUTH_SECRET: "a".repeat(32) })).toBe("a".repeat(32));
  });
});
