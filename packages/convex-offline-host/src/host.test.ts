// The offline host against the REAL convex/ directory and an in-process
// Autumn sandbox, driven by the UNMODIFIED Convex clients: ConvexClient
// (WebSocket sync, `ws` as the WebSocket implementation) and
// ConvexHttpClient. Users and organizations are made through better-auth's
// own HTTP routes on the host, and the Convex JWT comes from
// /api/auth/convex/token.
import { fileURLToPath } from "node:url";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import WebSocket from "ws";
import { ConvexClient, ConvexHttpClient } from "convex/browser";
import { makeFunctionReference, type FunctionReturnType } from "convex/server";
import { api } from "../../../convex/_generated/api.js";
import { startTestSandbox, type TestSandbox } from "../../autumn-sandbox/src/testing.js";
import { BANNER, startOfflineHost, type OfflineHost } from "./host.js";
import { Changes } from "./testing/changes.js";

const CONVEX_DIR = resolve(fileURLToPath(new URL(".", import.meta.url)), "../../../convex");
const SITE_URL = "http://127.0.0.1:5173";

type OrgBilling = FunctionReturnType<typeof api.billing.api.getOrgBilling>;

let autumn: TestSandbox;
let host: OfflineHost;
const logs: string[] = [];
let clockSkewMs = 0;
const clients: ConvexClient[] = [];
/** Notified by every callback that feeds a waitFor probe: log lines, socket messages, client callbacks. */
const changes = new Changes();

function wsClient(): ConvexClient {
  // `ws` is API-compatible with the browser WebSocket the client expects; its typings differ (no EventTarget).
  const webSocketConstructor = WebSocket as unknown as typeof globalThis.WebSocket;
  const client = new ConvexClient(host.url, { webSocketConstructor, unsavedChangesWarning: false, logger: false });
  clients.push(client);
  return client;
}

/** A callback that appends to `into` and wakes waitFor. */
function recordTo<T>(into: T[]): (value: T) => void {
  return (value) => {
    into.push(value);
    changes.notify();
  };
}

/** Re-checks the probe each time `changes` is notified (never on a timer); fails after `timeoutMs`. */
function waitFor<T>(what: string, probe: () => T | undefined | null | false, timeoutMs = 15_000): Promise<T> {
  return changes.until(probe, timeoutMs, () => `Timed out waiting for ${what}\n${logs.slice(-20).join("\n")}`);
}

/** The `data` a ConvexError carries to the client, or undefined. */
function errorData(err: unknown): Record<string, unknown> | undefined {
  if (typeof err !== "object" || err === null || !("data" in err)) return undefined;
  const data: unknown = err.data;
  return typeof data === "object" && data !== null ? (data as Record<string, unknown>) : undefined;
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error("expected the call to fail");
}

// ── better-auth over HTTP (its routes are HTTP actions on the host) ─────────

function cookieJar(prev: string, res: Response): string {
  const jar = new Map(prev.split("; ").filter(Boolean).map((c) => [c.slice(0, c.indexOf("=")), c] as const));
  for (const c of res.headers.getSetCookie()) {
    const pair = c.split(";")[0]?.trim() ?? "";
    if (pair) jar.set(pair.slice(0, pair.indexOf("=")), pair);
  }
  return [...jar.values()].join("; ");
}

async function authPost(path: string, body: unknown, cookie = ""): Promise<{ json: Record<string, unknown>; cookie: string }> {
  const res = await fetch(`${host.siteUrl}/api/auth${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: SITE_URL, ...(cookie ? { cookie } : {}) },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${path} → ${res.status} ${text}`);
  return { json: JSON.parse(text) as Record<string, unknown>, cookie: cookieJar(cookie, res) };
}

async function convexToken(cookie: string): Promise<string> {
  const res = await fetch(`${host.siteUrl}/api/auth/convex/token`, { headers: { cookie, origin: SITE_URL } });
  const body = (await res.json()) as { token?: unknown };
  if (typeof body.token !== "string") throw new Error(`no token: ${JSON.stringify(body)}`);
  return body.token;
}

function claims(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split(".")[1] ?? "", "base64url").toString("utf8")) as Record<string, unknown>;
}

/** Same header and signature, different payload: the signature no longer matches. */
function tamper(jwt: string, patch: Record<string, unknown>): string {
  const [header, , signature] = jwt.split(".");
  const payload = Buffer.from(JSON.stringify({ ...claims(jwt), ...patch })).toString("base64url");
  return `${header}.${payload}.${signature}`;
}

let ownerCookie = "";
let orgId = "";
let token = "";

beforeAll(async () => {
  autumn = await startTestSandbox({ keys: ["am_sk_test_offline_host"] });
  host = await startOfflineHost({
    convexDir: CONVEX_DIR,
    port: 0,
    env: {
      SITE_URL,
      BETTER_AUTH_SECRET: "offline-host-test-secret-0123456789abcdef",
      AUTUMN_SANDBOX_URL: autumn.url,
      AUTUMN_SECRET_KEY: "am_sk_test_offline_host",
      BILLING_ADMIN_EMAILS: "root@example.com",
    },
    crons: false,
    log: recordTo(logs),
    now: () => Date.now() + clockSkewMs,
  });
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await host?.close();
  await autumn?.close();
});

describe("convex offline host (real convex/, unmodified Convex clients)", () => {
  test("start-up banner says what it is and that state is in memory", () => {
    expect(logs).toContain(BANNER);
    expect(logs.some((l) => /IN MEMORY ONLY/.test(l))).toBe(true);
    expect(host.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  test("sign-up + org creation over HTTP actions; a subscription turns provisioned reactively", async () => {
    // Hold Autumn's get_or_create for 2.5 s so the subscription sees the org before the trigger's
    // scheduled provisioning (runAfter(0) → action → Autumn → mutation) lands.
    await autumn.control("/sandbox/faults", { route: "customers.get_or_create", mode: "latency", latency_ms: 2500, count: 1 });

    const signUp = await authPost("/sign-up/email", { email: "owner@example.com", password: "correct-horse-battery-staple", name: "Owner" });
    expect(signUp.cookie).toMatch(/session_token=/);
    const org = await authPost("/organization/create", { name: "Acme", slug: `acme-${Date.now()}` }, signUp.cookie);
    ownerCookie = org.cookie;
    orgId = String(org.json.id);
    token = await convexToken(ownerCookie);
    expect(claims(token)).toMatchObject({ activeOrganizationId: orgId, email: "owner@example.com", aud: "convex", iss: host.siteUrl });

    const client = wsClient();
    const authChanges: boolean[] = [];
    client.setAuth(async () => token, recordTo(authChanges));
    const values: OrgBilling[] = [];
    const errors: unknown[] = [];
    client.onUpdate(api.billing.api.getOrgBilling, {}, recordTo(values), recordTo(errors));

    const first = await waitFor("first getOrgBilling result", () => values[0]);
    expect(first.billing).toMatchObject({ organizationId: orgId, provisioned: false, plan: null });
    expect(first.role).toBe("owner");
    expect(authChanges).toContain(true);

    const provisioned = await waitFor("provisioned billing", () => values.find((v) => v.billing.provisioned));
    expect(provisioned.billing.plan?.planId).toBe("free");
    expect(provisioned.canManage).toBe(true);
    expect(errors).toEqual([]);
  });

  test("actions run with the connection's identity; the HTTP client works with the same JWT", async () => {
    const client = wsClient();
    client.setAuth(async () => token);
    const usage = await client.action(api.billing.api.getFeatureUsage, {});
    expect(usage.length).toBeGreaterThan(0);
    for (const u of usage) expect(typeof u.featureId).toBe("string");

    const http = new ConvexHttpClient(host.url, { logger: false });
    http.setAuth(token);
    const billing = await http.query(api.billing.api.getOrgBilling, {});
    expect(billing.billing).toMatchObject({ organizationId: orgId, provisioned: true });
  });

  test("typed errors reach the client: unauthenticated calls fail with data.code UNAUTHENTICATED", async () => {
    const anon = wsClient();
    const queryErr = await rejection(anon.query(api.billing.api.getOrgBilling, {}));
    expect(errorData(queryErr)?.code).toBe("UNAUTHENTICATED");
    const actionErr = await rejection(anon.action(api.billing.api.getFeatureUsage, {}));
    expect(errorData(actionErr)?.code).toBe("UNAUTHENTICATED");

    const http = new ConvexHttpClient(host.url, { logger: false });
    const httpErr = await rejection(http.action(api.billing.api.getFeatureUsage, {}));
    expect(errorData(httpErr)?.code).toBe("UNAUTHENTICATED");
  });

  test("internal functions are not callable from clients", async () => {
    const http = new ConvexHttpClient(host.url, { logger: false });
    const internalFn = makeFunctionReference<"action", { organizationId: string }>("billing/provisioning:provisionOrganization");
    const err = await rejection(http.action(internalFn, { organizationId: orgId }));
    expect(String(err)).toMatch(/Could not find public function/);
  });

  test("a forged token is rejected: AuthError, the client reports unauthenticated", async () => {
    const forged = tamper(token, { sub: "someone-else" });
    const unsigned = `${Buffer.from(JSON.stringify({ alg: "none", typ: "JWT" })).toString("base64url")}.${token.split(".")[1]}.`;

    for (const bad of [forged, unsigned]) {
      const client = wsClient();
      const authChanges: boolean[] = [];
      client.setAuth(async () => bad, recordTo(authChanges));
      await waitFor("auth failure reported", () => authChanges.includes(false));
      expect(authChanges).not.toContain(true);
      // The client reconnects without auth: functions see no identity.
      expect(errorData(await rejection(client.query(api.billing.api.getOrgBilling, {})))?.code).toBe("UNAUTHENTICATED");

      const http = new ConvexHttpClient(host.url, { logger: false });
      http.setAuth(bad);
      expect(String(await rejection(http.query(api.billing.api.getOrgBilling, {})))).toMatch(/Unauthenticated|verify|No auth provider/);
    }
    expect(logs.some((l) => /auth rejected/.test(l))).toBe(true);
  });

  test("nothing is pushed on a socket before its Connect (the client resets its versions on open)", async () => {
    const ws = new WebSocket(`${host.url.replace(/^http/, "ws")}/api/1.48.0/sync`);
    const received: string[] = [];
    const receive = recordTo(received);
    ws.on("message", (data) => receive(String(data)));
    await new Promise((r) => ws.once("open", r));
    // A write lands while the socket is open but has not said Connect yet: a refresh runs.
    await authPost("/sign-up/email", { email: "early-bird@example.com", password: "early-bird-password", name: "Early" });
    await host.refresh();
    expect(received).toEqual([]);
    ws.send(JSON.stringify({ type: "Connect", sessionId: "early-bird", connectionCount: 0, lastCloseReason: null, maxObservedTimestamp: null }));
    ws.send(JSON.stringify({ type: "ModifyQuerySet", baseVersion: 0, newVersion: 1, modifications: [] }));
    await waitFor("first Transition", () => received.length > 0);
    const first = JSON.parse(received[0] ?? "{}") as { type: string; startVersion: { querySet: number; identity: number; ts: string } };
    expect(first.type).toBe("Transition");
    expect(first.startVersion).toEqual({ querySet: 0, identity: 0, ts: "AAAAAAAAAAA=" });
    ws.close();
  });

  test("an expired token is rejected (host clock moved past exp)", async () => {
    const exp = Number(claims(token).exp) * 1000;
    clockSkewMs = exp - Date.now() + 60_000;
    try {
      const http = new ConvexHttpClient(host.url, { logger: false });
      http.setAuth(token);
      expect(String(await rejection(http.query(api.billing.api.getOrgBilling, {})))).toMatch(/TokenExpired/);

      const client = wsClient();
      const authChanges: boolean[] = [];
      client.setAuth(async () => token, recordTo(authChanges));
      await waitFor("expired token refused", () => authChanges.includes(false));
    } finally {
      clockSkewMs = 0;
    }
  });
});
