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
