// Test harness for the billing module (multi-dot name: never deployed as a
// Convex module). Users, organizations and memberships are made through
// better-auth's real HTTP routes (sign-up, create org, invite + accept), and
// Autumn is the local sandbox on 127.0.0.1 reached by the real autumn-js
// client inside convex-test actions. Nothing is mocked.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { convexTest } from "convex-test";
import { makeFunctionReference } from "convex/server";
import { ConvexError } from "convex/values";
import schema from "../schema";
import authSchema from "../betterAuth/schema";
import { authModules, modules } from "../test.setup";
import { startTestSandbox, type TestSandbox } from "../../packages/autumn-sandbox/src/testing";
import type { OrgRole } from "../authPlugins";
import { billingErrorCode } from "./errors";

export const SITE = "http://127.0.0.1:3211";
export const ADMIN_EMAIL = "root@example.com";

export interface BillingTestOptions {
  /** Enforce Convex's per-transaction limits: true = Convex's defaults, or an object of tighter ones. */
  transactionLimits?: Parameters<typeof convexTest>[0]["transactionLimits"];
  /** The app's module map to run (default: all of convex/); e.g. an instrumented copy. */
  modules?: typeof modules;
  /** The better-auth component's module map (default: convex/betterAuth/); e.g. withRealDbGet(authModules). */
  authModules?: typeof authModules;
}

function makeTest(opts: BillingTestOptions = {}) {
  return convexTest({ schema, modules: opts.modules ?? modules, transactionLimits: opts.transactionLimits ?? false });
}
export type ConvexTest = ReturnType<typeof makeTest>;

export interface TestUser {
  userId: string;
  email: string;
  cookie: string;
}

export interface BillingTest {
  t: ConvexTest;
  autumn: TestSandbox;
  signUp(email: string, name?: string): Promise<TestUser>;
  /** Create an org as `owner`; returns its id (creating it also makes it active for the owner). */
  createOrg(owner: TestUser, name: string): Promise<string>;
  /** Invite `user` into the org with `role`, and accept as them. */
  addMember(owner: TestUser, organizationId: string, user: TestUser, role: Exclude<OrgRole, "owner">): Promise<void>;
  /** A convex-test client acting as `user` with `organizationId` active. */
  as(user: TestUser, organizationId: string | null): ReturnType<ConvexTest["withIdentity"]>;
  /** Run every scheduled function that is due now (org-created provisioning, retries). */
  drainScheduled(): Promise<void>;
  /** createOrg, then wait for its billing to be provisioned (the free plan). */
  createProvisionedOrg(owner: TestUser, name: string): Promise<string>;
  /** Pull the sandbox's catalog into the cache (what "Sync from Autumn" does). */
  syncCatalog(): Promise<void>;
  /** Autumn calls per route the sandbox has counted (reset with autumn.control("/sandbox/stats/reset")). */
  autumnCalls(): Promise<Record<string, number>>;
  close(): Promise<void>;
}

/** The secret key the module uses in tests; the sandbox is told to know it. */
export const BILLING_TEST_KEY = "am_sk_test_billing";

export function setEnv(sandboxUrl: string): void {
  process.env.BETTER_AUTH_SECRET = "test-secret-test-secret-test-secret-123";
  process.env.SITE_URL = SITE;
  process.env.CONVEX_SITE_URL = SITE;
  process.env.AUTUMN_SANDBOX_URL = sandboxUrl;
  process.env.AUTUMN_SECRET_KEY = BILLING_TEST_KEY;
  process.env.BILLING_ADMIN_EMAILS = ADMIN_EMAIL;
}

async function json(res: Response, what: string): Promise<Record<string, unknown>> {
  const text = await res.text();
  if (!res.ok) throw new Error(`${what} failed: ${res.status} ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

export async function startBillingTest(opts: BillingTestOptions = {}): Promise<BillingTest> {
  const autumn = await startTestSandbox({ keys: [BILLING_TEST_KEY] });
  setEnv(autumn.url);
  const t = makeTest(opts);
  t.registerComponent("betterAuth", authSchema, opts.authModules ?? authModules);
  const post = (path: string, body: unknown, cookie = ""): Promise<Response> =>
    t.fetch(`/api/auth${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: SITE, ...(cookie ? { cookie } : {}) },
      body: JSON.stringify(body),
    });
  const cookieOf = (res: Response): string =>
    (res.headers.get("set-cookie") ?? "").split(/,(?=\s*[\w.-]+=)/).map((c) => c.split(";")[0]?.trim()).filter(Boolean).join("; ");

  const harness: BillingTest = {
    t,
    autumn,
    async signUp(email, name = email.split("@")[0] ?? email) {
      const res = await post("/sign-up/email", { email, password: "correct-horse-battery-staple", name });
      const cookie = cookieOf(res);
      const body = await json(res, `sign up ${email}`);
      // Signing up with a listed address proves nothing; the operator promotes (what `npx convex run admins:promote` does).
      if (email.toLowerCase() === ADMIN_EMAIL) await t.mutation(makeFunctionReference<"mutation">("admins:promote"), { email });
      return { userId: (body.user as { id: string }).id, email, cookie };
    },
    async createOrg(owner, name) {
      const slug = `${name.toLowerCase().replace(/[^a-z0-9]+/g, "-")}-${Math.random().toString(36).slice(2, 8)}`;
      const body = await json(await post("/organization/create", { name, slug }, owner.cookie), `create org ${name}`);
      return body.id as string;
    },
    async addMember(owner, organizationId, user, role) {
      const invite = await json(await post("/organization/invite-member", { email: user.email, role, organizationId }, owner.cookie), "invite");
      await json(await post("/organization/accept-invitation", { invitationId: invite.id }, user.cookie), "accept invitation");
    },
    as(user, organizationId) {
      return t.withIdentity({ subject: user.userId, ...(organizationId ? { activeOrganizationId: organizationId } : {}) });
    },
    async drainScheduled() {
      // runAfter(0) jobs fire on a real timer; give them a tick, then wait for them.
      await new Promise((r) => setTimeout(r, 20));
      await t.finishInProgressScheduledFunctions();
    },
    async createProvisionedOrg(owner, name) {
      const orgId = await harness.createOrg(owner, name);
      await harness.drainScheduled();
      return orgId;
    },
    async syncCatalog() {
      await t.action(makeFunctionReference<"action">("billing/sync:syncPlans"), {});
    },
    async autumnCalls() {
      return ((await autumn.control("/sandbox/stats", undefined, "GET")) as { calls: Record<string, number> }).calls;
    },
    close: () => autumn.close(),
  };
  return harness;
}

/** The data of the ConvexError a call fails with; fails the test if the call succeeds or throws anything else. */
export async function errorData(p: Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ConvexError) return err.data as Record<string, unknown>;
    throw err;
  }
  throw new Error("expected the call to fail");
}

// ── Convex function runs, counted and measured ─────────────────────────────

export interface FunctionRun { fn: string; kind: "query" | "mutation" | "action"; written: number; read: number; ms: number }

interface Registered {
  _handler: (ctx: unknown, args: unknown) => Promise<unknown>;
  isQuery?: boolean;
  isMutation?: boolean;
  isAction?: boolean;
}
/** A registered Convex function as convex-test loads it: a function object carrying its `_handler`. */
function isRegistered(value: unknown): value is Registered {
  return typeof value === "function" && "_handler" in value && typeof value._handler === "function";
}
interface MetricsCtx { meta: { getTransactionMetrics(): Promise<{ documentsWritten: { used: number }; documentsRead: { used: number } }> } }

export interface InstrumentOptions {
  /** Module paths (as in the glob, e.g. "./billing/") whose functions are counted. */
  prefixes?: string[];
  /** Called before a function's handler runs (e.g. to snapshot counters when the work starts). */
  before?: (fn: string) => void;
}

/**
 * A copy of the app's module map whose functions record every run (kind,
 * duration, and for queries/mutations the documents read and written in that
 * transaction, from convex-test's transaction metrics) into `runs`. Used by
 * the reconcile test and the benchmarks to prove per-function limits.
 */
export function instrumentModules(map: typeof modules, runs: FunctionRun[], opts: InstrumentOptions = {}): typeof modules {
  const prefixes = opts.prefixes ?? ["./billing/"];
  return Object.fromEntries(Object.entries(map).map(([path, load]) => [path, async () => {
    const mod = (await load()) as Record<string, unknown>;
    if (!prefixes.some((p) => path.startsWith(p))) return mod;
    const out: Record<string, unknown> = { ...mod };
    for (const [name, value] of Object.entries(mod)) {
      if (!isRegistered(value)) continue;
      const f = value;
      const kind = f.isAction ? "action" : f.isMutation ? "mutation" : "query";
      const fn = `${path.slice(2).replace(/\.ts$/, "")}:${name}`;
      out[name] = {
        ...f,
        _handler: async (ctx: unknown, args: unknown) => {
          opts.before?.(fn);
          const t0 = performance.now();
          const result = await f._handler(ctx, args);
          const ms = performance.now() - t0;
          if (kind === "action") {
            runs.push({ fn, kind, written: 0, read: 0, ms });
          } else {
            const m = await (ctx as MetricsCtx).meta.getTransactionMetrics();
            runs.push({ fn, kind, written: m.documentsWritten.used, read: m.documentsRead.used, ms });
          }
          return result;
        },
      };
    }
    return out;
  }]));
}


// ── a public URL for the app's webhook route ────────────────────────────────

/**
 * What a deployment's public URL would be: a loopback HTTP server that
 * forwards each request (method, Svix headers, raw body untouched) into
 * convex-test's router, so the sandbox can deliver real signed webhooks to
 * `/autumn-webhook`.
 */
export async function startWebhookBridge(t: ConvexTest): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const headers: Record<string, string> = {};
      for (const [k, value] of Object.entries(req.headers)) {
        if (typeof value === "string" && (k.startsWith("svix-") || k === "content-type")) headers[k] = value;
      }
      void t.fetch(req.url ?? "/", { method: req.method ?? "POST", headers, body: Buffer.concat(chunks).toString("utf8") })
        .then(async (r) => { res.writeHead(r.status, { "content-type": "application/json" }); res.end(await r.text()); })
        .catch((err: unknown) => { res.writeHead(500); res.end(String(err)); });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/autumn-webhook`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The typed billing code a call fails with (`untyped: …` for anything else); fails the test if the call succeeds. */
export async function errorCode(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return billingErrorCode(err) ?? `untyped: ${String(err)}`;
  }
  throw new Error("expected the call to fail");
}
