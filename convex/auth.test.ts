// The auth flow the billing module stands on, end to end through
// better-auth's real HTTP routes: sign up, create an organization (which
// becomes active), and get a Convex token carrying activeOrganizationId.
import { convexTest } from "convex-test";
import { beforeEach, describe, expect, it } from "vitest";
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
  it("a sign-up whose email is in BILLING_ADMIN_EMAILS gets better-auth's admin role", async () => {
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
      return res.headers.get("set-cookie") ?? "";
    };
    const session = async (cookie: string) => {
      const res = await t.fetch("/api/auth/get-session", { headers: { origin: SITE, cookie } });
      return ((await res.json()) as { user: { role?: string | null } }).user;
    };
    expect((await session(await signUp("Boss@example.com"))).role).toBe("admin");
    expect((await session(await signUp("pleb@example.com"))).role).toBe("user");
  });
});
