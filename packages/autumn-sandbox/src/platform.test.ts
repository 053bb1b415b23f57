// Platform specification for the sandbox: the parts of Autumn every client
// leans on besides billing maths — authentication, the error contract,
// idempotency, fault injection, signed webhooks, persistence across restarts,
// customer listing, the catalog (including a real `atmn push`), entities,
// events and direct balance edits. Everything the unmodified autumn-js 1.3.13
// client can express goes through it (fail-open off), so its own response
// validators check every body; raw RPC is used only for what the SDK cannot
// send (bad bodies, missing auth, internal fields).

import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Autumn, AutumnDefaultError, ConnectionError, RequestTimeoutError } from "autumn-js";
import { Webhook } from "svix";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { CatalogBody, CatalogPreview } from "./catalog.js";
import { loadCatalog } from "./seed.js";
import { REPO_ROOT, TEST_KEY, autumnError, startTestSandbox, type TestSandbox } from "./testing.js";

// ── helpers ────────────────────────────────────────────────────────────────

let t: TestSandbox;
beforeAll(async () => { t = await startTestSandbox(); });
afterAll(async () => { await t.close(); });

let seq = 0;
/** A fresh customer on the free plan (50 standard messages, 2 seats). */
async function freshCustomer(prefix = "org"): Promise<string> {
  const id = `${prefix}_${++seq}_${randomBytes(3).toString("hex")}`;
  await t.autumn.customers.getOrCreate({ customerId: id, name: `Customer ${id}` });
  return id;
}

async function remaining(sbx: TestSandbox, customerId: string, featureId = "standard_messages"): Promise<number | undefined> {
  const c = await sbx.autumn.customers.get({ customerId });
  return c.balances[featureId]?.remaining;
}

/** The thrown error itself, for instanceof / header checks. */
async function thrown(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error("expected the call to fail");
}

async function rawPost(url: string, body: string, headers: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, { method: "POST", headers, body });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

// ── authentication (§1.2) ──────────────────────────────────────────────────

describe("authentication", () => {
  const call = (authorization?: string) => rawPost(
    `${t.url}/v1/customers.list`,
    "{}",
    { "content-type": "application/json", ...(authorization !== undefined ? { authorization } : {}) },
  );

  it("rejects a request without a bearer key with 401 no_secret_key", async () => {
    for (const auth of [undefined, "Bearer ", "Basic abc"]) {
      const r = await call(auth);
      expect(r.status).toBe(401);
      expect(r.body).toEqual({ message: expect.any(String), code: "no_secret_key", env: "sandbox" });
    }
  });

  it("rejects a publishable or foreign-prefixed key with 401 invalid_request", async () => {
    for (const key of ["am_pk_test_abc", "sk_test_abc", "whatever"]) {
      const r = await call(`Bearer ${key}`);
      expect(r.status).toBe(401);
      expect(r.body).toEqual({ message: expect.any(String), code: "invalid_request", env: "sandbox" });
    }
  });

  it("rejects a live secret key with 401 invalid_secret_key", async () => {
    const r = await call("Bearer am_sk_live_abc");
    expect(r.status).toBe(401);
    expect(r.body).toEqual({ message: expect.any(String), code: "invalid_secret_key", env: "sandbox" });
  });

  it("makes autumn-js throw AutumnDefaultError 401 with the error body", async () => {
    const cases: Array<[string, string]> = [
      ["", "no_secret_key"],
      ["am_pk_test_abc", "invalid_request"],
      ["am_sk_live_abc", "invalid_secret_key"],
      ["am_sk_test_", "invalid_secret_key"],
    ];
    for (const [key, code] of cases) {
      const sdk = new Autumn({ secretKey: key, serverURL: t.url, failOpen: false });
      const err = await thrown(sdk.customers.list({}));
      expect(err).toBeInstanceOf(AutumnDefaultError);
      expect((err as AutumnDefaultError).statusCode).toBe(401);
      expect(JSON.parse((err as AutumnDefaultError).body)).toMatchObject({ code, env: "sandbox" });
    }
  });

  it("guards the control routes too, but not the health probe", async () => {
    expect((await fetch(`${t.url}/sandbox/stats`)).status).toBe(401);
    expect((await fetch(`${t.url}/health`)).status).toBe(200);
  });

  // Was "accepts any am_sk_test_ key": real Autumn knows its keys (secretKeyMiddleware verifyKey),
  // so a well-formed but unknown key is 401 invalid_secret_key (issue 10 §1.12); known keys
  // come from AUTUMN_SANDBOX_KEYS or the `keys` option (fidelity.test.ts covers both).
  it("accepts the keys it knows, and only those", async () => {
    const sdk = new Autumn({ secretKey: TEST_KEY, serverURL: t.url, failOpen: false });
    expect((await sdk.features.list()).list.length).toBeGreaterThan(0);
    const stranger = new Autumn({ secretKey: "am_sk_test_another_one", serverURL: t.url, failOpen: false });
    const err = await thrown(stranger.features.list());
    expect((err as AutumnDefaultError).statusCode).toBe(401);
  });
});

// ── error contract (§1.4) ──────────────────────────────────────────────────

describe("errors", () => {
  it("an unparseable x-api-version → 400 invalid_api_version; SemVer, partial, CalVer and legacy floats are accepted", async () => {
    const bad = await t.rpc("features.list", {}, { "x-api-version": "latest" });
    expect(bad).toMatchObject({ status: 400, body: { code: "invalid_api_version", env: "sandbox" } });
    for (const v of ["2.4.0", "2", "2.1", "1.2", "2025-06-01"]) {
      expect((await t.rpc("features.list", {}, { "x-api-version": v })).status).toBe(200);
    }
  });

  it("unknown customer → 404 customer_not_found on get, check and track", async () => {
    for (const p of [
      t.autumn.customers.get({ customerId: "nobody" }),
      t.autumn.check({ customerId: "nobody", featureId: "standard_messages" }),
      t.autumn.track({ customerId: "nobody", featureId: "standard_messages", value: 1 }),
    ]) {
      const e = await autumnError(p);
      expect(e).toMatchObject({ status: 404, code: "customer_not_found" });
      expect(e.message).toContain("nobody");
    }
  });

  it("unknown feature → 404 feature_not_found on check, track and features.get", async () => {
    const id = await freshCustomer();
    expect(await autumnError(t.autumn.check({ customerId: id, featureId: "no_such_feature" }))).toMatchObject({ status: 404, code: "feature_not_found" });
    expect(await autumnError(t.autumn.track({ customerId: id, featureId: "no_such_feature", value: 1 }))).toMatchObject({ status: 404, code: "feature_not_found" });
    expect(await autumnError(t.autumn.features.get({ featureId: "no_such_feature" }))).toMatchObject({ status: 404, code: "feature_not_found" });
    // Nothing was deducted along the way.
    expect(await remaining(t, id)).toBe(50);
  });

  it("unknown plan → 404 product_not_found on attach and plans.get", async () => {
    const id = await freshCustomer();
    expect(await autumnError(t.autumn.billing.attach({ customerId: id, planId: "no_such_plan" }))).toMatchObject({ status: 404, code: "product_not_found" });
    expect(await autumnError(t.autumn.plans.get({ planId: "no_such_plan" }))).toMatchObject({ status: 404, code: "product_not_found" });
    expect(await autumnError(t.autumn.plans.get({ planId: "pro", version: 99 }))).toMatchObject({ status: 404, code: "product_not_found" });
  });

  it("malformed bodies → 400 invalid_inputs naming the field", async () => {
    const missing = await t.rpc("customers.get", {});
    expect(missing.status).toBe(400);
    expect(missing.body).toMatchObject({ code: "invalid_inputs", env: "sandbox" });
    expect(String(missing.body.message)).toContain("customer_id");

    const wrongType = await t.rpc("balances.track", { customer_id: 42, feature_id: "standard_messages" });
    expect(wrongType.status).toBe(400);
    expect(wrongType.body.code).toBe("invalid_inputs");

    const badValue = await t.rpc("balances.check", { customer_id: "x", feature_id: "standard_messages", required_balance: "lots" });
    expect(badValue.status).toBe(400);
    expect(badValue.body.code).toBe("invalid_inputs");

    const badEnum = await t.rpc("customers.list", { sort_order: "sideways" });
    expect(badEnum.status).toBe(400);
    expect(badEnum.body.code).toBe("invalid_inputs");
  });

  it("invalid JSON → 400 invalid_inputs", async () => {
    const r = await rawPost(`${t.url}/v1/customers.get`, "{not json", {
      authorization: `Bearer ${TEST_KEY}`, "content-type": "application/json",
    });
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ message: expect.any(String), code: "invalid_inputs", env: "sandbox" });
  });

  it("unknown route or wrong method → 404 in the error shape", async () => {
    const r = await t.rpc("nothing.here", {});
    expect(r.status).toBe(404);
    expect(r.body).toEqual({ message: expect.any(String), code: expect.any(String), env: "sandbox" });
    const get = await fetch(`${t.url}/v1/customers.get`, { headers: { authorization: `Bearer ${TEST_KEY}` } });
    expect(get.status).toBe(404);
    expect(((await get.json()) as { env?: string }).env).toBe("sandbox");
  });

  it("never answers 5xx for any of these expected states", async () => {
    const statuses = await Promise.all([
      t.rpc("customers.get", { customer_id: "ghost" }),
      t.rpc("balances.check", { customer_id: "ghost", feature_id: "standard_messages" }),
      t.rpc("balances.track", { customer_id: "ghost", feature_id: "nope" }),
      t.rpc("billing.attach", { customer_id: "ghost", plan_id: "nope" }),
      t.rpc("plans.get", { plan_id: "nope" }),
      t.rpc("entities.get", { entity_id: "nope" }),
      t.rpc("balances.track", "just a string"),
      t.rpc("balances.track", [1, 2, 3]),
      t.rpc("customers.list", { limit: -5 }),
      t.rpc("events.list", { start_cursor: "garbage" }),
      t.rpc("customers.list", { start_cursor: "garbage" }),
    ]).then((rs) => rs.map((r) => r.status));
    for (const s of statuses) {
      expect(s).toBeGreaterThanOrEqual(400);
      expect(s).toBeLessThan(500);
    }
  });
});

// ── idempotency (§1.7) ─────────────────────────────────────────────────────

describe("idempotency", () => {
  afterEach(async () => { await t.control("/sandbox/faults", undefined, "DELETE"); });

  it("a repeated Idempotency-Key on track → 409 duplicate_idempotency_key, deducted once", async () => {
    const id = await freshCustomer();
    const key = `k_${randomBytes(6).toString("hex")}`;
    const first = await t.autumn.track({ customerId: id, featureId: "standard_messages", value: 3 }, { headers: { "Idempotency-Key": key } });
    expect(first.balance?.remaining).toBe(47);
    const err = await thrown(t.autumn.track({ customerId: id, featureId: "standard_messages", value: 3 }, { headers: { "Idempotency-Key": key } }));
    expect(err).toBeInstanceOf(AutumnDefaultError);
    const e = err as AutumnDefaultError;
    expect(e.statusCode).toBe(409);
    const body = JSON.parse(e.body) as { code: string; message: string };
    expect(body.code).toBe("duplicate_idempotency_key");
    expect(body.message).toContain(key);
    expect(await remaining(t, id)).toBe(47);
    // A different key goes through.
    await t.autumn.track({ customerId: id, featureId: "standard_messages", value: 3 }, { headers: { "Idempotency-Key": `${key}_2` } });
    expect(await remaining(t, id)).toBe(44);
  });

  it("the key applies to any route, not only track", async () => {
    const key = `k_${randomBytes(6).toString("hex")}`;
    const id = `org_idem_${randomBytes(3).toString("hex")}`;
    await t.autumn.customers.getOrCreate({ customerId: id }, { headers: { "Idempotency-Key": key } });
    expect(await autumnError(t.autumn.customers.getOrCreate({ customerId: id }, { headers: { "Idempotency-Key": key } })))
      .toMatchObject({ status: 409, code: "duplicate_idempotency_key" });
  });

  it("a key whose first request failed (404) is released and the retry succeeds", async () => {
    const id = `org_late_${randomBytes(3).toString("hex")}`;
    const key = `k_${randomBytes(6).toString("hex")}`;
    expect(await autumnError(t.autumn.track({ customerId: id, featureId: "standard_messages", value: 2 }, { headers: { "Idempotency-Key": key } })))
      .toMatchObject({ status: 404, code: "customer_not_found" });
    await t.autumn.customers.getOrCreate({ customerId: id });
    const retry = await t.autumn.track({ customerId: id, featureId: "standard_messages", value: 2 }, { headers: { "Idempotency-Key": key } });
    expect(retry.balance?.remaining).toBe(48);
    // And now the key is spent.
    expect(await autumnError(t.autumn.track({ customerId: id, featureId: "standard_messages", value: 2 }, { headers: { "Idempotency-Key": key } })))
      .toMatchObject({ status: 409, code: "duplicate_idempotency_key" });
    expect(await remaining(t, id)).toBe(48);
  });

  it("a key whose first request hit an injected 500 is released and the retry succeeds", async () => {
    const id = await freshCustomer();
    const key = `k_${randomBytes(6).toString("hex")}`;
    await t.control("/sandbox/faults", { route: "balances.track", mode: "error", status: 500, count: 1 });
    expect(await autumnError(t.autumn.track({ customerId: id, featureId: "standard_messages", value: 4 }, { headers: { "Idempotency-Key": key } })))
      .toMatchObject({ status: 500 });
    expect(await remaining(t, id)).toBe(50);
    const retry = await t.autumn.track({ customerId: id, featureId: "standard_messages", value: 4 }, { headers: { "Idempotency-Key": key } });
    expect(retry.balance?.remaining).toBe(46);
  });

  it("lost response: the work is done, the client sees 5xx, the retry with the same key is 409 and nothing is deducted twice", async () => {
    const id = await freshCustomer();
    const key = `k_${randomBytes(6).toString("hex")}`;
    await t.control("/sandbox/faults", { route: "balances.track", mode: "drop_response", count: 1 });
    const err = await thrown(t.autumn.track({ customerId: id, featureId: "standard_messages", value: 5 }, { headers: { "Idempotency-Key": key } }));
    expect(err).toBeInstanceOf(AutumnDefaultError);
    expect((err as AutumnDefaultError).statusCode).toBeGreaterThanOrEqual(500);
    // The deduction happened although the client never saw the answer.
    expect(await remaining(t, id)).toBe(45);
    expect(await autumnError(t.autumn.track({ customerId: id, featureId: "standard_messages", value: 5 }, { headers: { "Idempotency-Key": key } })))
      .toMatchObject({ status: 409, code: "duplicate_idempotency_key" });
    expect(await remaining(t, id)).toBe(45);
  });

  it("track body idempotency_key dedupes too (raw RPC: the SDK never sends it)", async () => {
    const id = await freshCustomer();
    const key = `body_${randomBytes(6).toString("hex")}`;
    const body = { customer_id: id, feature_id: "standard_messages", value: 7, idempotency_key: key };
    const first = await t.rpc("balances.track", body);
    expect(first.status).toBe(200);
    const second = await t.rpc("balances.track", body);
    expect(second.status).toBe(409);
    expect(second.body).toMatchObject({ code: "duplicate_idempotency_key", env: "sandbox" });
    expect(String(second.body.message)).toContain(key);
    expect(await remaining(t, id)).toBe(43);
    // A body key whose first try failed is released as well.
    const key2 = `body_${randomBytes(6).toString("hex")}`;
    expect((await t.rpc("balances.track", { ...body, feature_id: "nope", idempotency_key: key2 })).status).toBe(404);
    expect((await t.rpc("balances.track", { ...body, idempotency_key: key2 })).status).toBe(200);
    expect(await remaining(t, id)).toBe(36);
  });
});

// ── fault injection ─────────────────────────────────────────────────────────

describe("faults", () => {
  afterEach(async () => { await t.control("/sandbox/faults", undefined, "DELETE"); });

  it("mode disconnect drops the connection like a dead server (ConnectionError), and state is intact afterwards", async () => {
    const id = await freshCustomer();
    await t.control("/sandbox/faults", { route: "customers.get", mode: "disconnect", count: 1 });
    const err = await thrown(t.autumn.customers.get({ customerId: id }));
    expect(err).toBeInstanceOf(ConnectionError);
    expect((await t.autumn.customers.get({ customerId: id })).id).toBe(id);
  });

  it("mode error with count 2 → two 500s, then success", async () => {
    const id = await freshCustomer();
    const calls = async (): Promise<number> => ((await t.control("/sandbox/stats", undefined, "GET")).calls as Record<string, number>)["customers.get"] ?? 0;
    const before = await calls();
    await t.control("/sandbox/faults", { route: "customers.get", mode: "error", status: 500, count: 2 });
    for (let i = 0; i < 2; i++) {
      const err = await thrown(t.autumn.customers.get({ customerId: id }));
      expect(err).toBeInstanceOf(AutumnDefaultError);
      expect((err as AutumnDefaultError).statusCode).toBe(500);
      expect(JSON.parse((err as AutumnDefaultError).body)).toMatchObject({ code: "internal_error", env: "sandbox" });
    }
    expect((await t.autumn.customers.get({ customerId: id })).id).toBe(id);
    expect((await t.control("/sandbox/faults", undefined, "GET")).list).toEqual([]);
    // Faulted calls still count as calls.
    expect(await calls()).toBe(before + 3);
  });

  it("a 503 fault carries Retry-After", async () => {
    const id = await freshCustomer();
    await t.control("/sandbox/faults", { route: "customers.get", mode: "error", status: 503, retry_after_s: 2, count: 1 });
    const err = await thrown(t.autumn.customers.get({ customerId: id }));
    expect((err as AutumnDefaultError).statusCode).toBe(503);
    expect((err as AutumnDefaultError).headers.get("retry-after")).toBe("2");
  });

  it("rate_limit → 429 with a Retry-After header", async () => {
    const id = await freshCustomer();
    await t.control("/sandbox/faults", { route: "balances.check", mode: "rate_limit", retry_after_s: 7, count: 1 });
    const err = await thrown(t.autumn.check({ customerId: id, featureId: "standard_messages" }));
    expect(err).toBeInstanceOf(AutumnDefaultError);
    const e = err as AutumnDefaultError;
    expect(e.statusCode).toBe(429);
    expect(e.headers.get("retry-after")).toBe("7");
    expect(JSON.parse(e.body)).toMatchObject({ env: "sandbox" });
    expect((await t.autumn.check({ customerId: id, featureId: "standard_messages" })).allowed).toBe(true);
  });

  it("latency 300 ms measurably delays the call, which then succeeds", async () => {
    const id = await freshCustomer();
    let start = performance.now();
    await t.autumn.customers.get({ customerId: id });
    const baseline = performance.now() - start;
    expect(baseline).toBeLessThan(250);
    await t.control("/sandbox/faults", { route: "customers.get", mode: "latency", latency_ms: 300, count: 1 });
    start = performance.now();
    const c = await t.autumn.customers.get({ customerId: id });
    const slow = performance.now() - start;
    expect(c.id).toBe(id);
    expect(slow).toBeGreaterThanOrEqual(295);
  });

  it("an SDK with timeoutMs 100 times out on a 500 ms latency fault", async () => {
    const id = await freshCustomer();
    const impatient = new Autumn({ secretKey: TEST_KEY, serverURL: t.url, failOpen: false, timeoutMs: 100 });
    await t.control("/sandbox/faults", { route: "customers.get", mode: "latency", latency_ms: 500, count: 1 });
    const start = performance.now();
    const err = await thrown(impatient.customers.get({ customerId: id }));
    expect(performance.now() - start).toBeLessThan(450);
    expect(err).toBeInstanceOf(RequestTimeoutError);
    // Without the fault the same client is fine.
    expect((await impatient.customers.get({ customerId: id })).id).toBe(id);
  });

  it("a latency fault the client gives up on is still carried out server-side (a lock is created and holds the units)", async () => {
    const id = await freshCustomer();
    const impatient = new Autumn({ secretKey: TEST_KEY, serverURL: t.url, failOpen: false, timeoutMs: 100 });
    await t.control("/sandbox/faults", { route: "balances.check", mode: "latency", latency_ms: 300, count: 1 });
    const lock = { lockId: `late_${id}`, enabled: true as const, expiresAt: Date.now() + 60_000 };
    expect(await thrown(impatient.check({ customerId: id, featureId: "standard_messages", requiredBalance: 3, lock }))).toBeInstanceOf(RequestTimeoutError);
    // No real server notices that its client went away: the check completes and the lock holds 3 units.
    const remaining = async () => (await t.autumn.customers.get({ customerId: id })).balances.standard_messages?.remaining;
    const until = Date.now() + 3_000;
    while ((await remaining()) !== 47 && Date.now() < until) await new Promise((r) => setImmediate(r));
    expect(await remaining()).toBe(47);
    // The lock is there to be released by its id, and the units come back.
    await t.autumn.balances.finalize({ lockId: lock.lockId, action: "release" });
    expect(await remaining()).toBe(50);
  });

  it("a billing write in flight holds the customer's route lock: a concurrent one → 423 lock_already_exists, other customers and reads pass, and it frees when the first completes", async () => {
    const id = await freshCustomer();
    const other = await freshCustomer();
    await t.control("/sandbox/faults", { route: "billing.attach", mode: "latency", latency_ms: 300, count: 1 });
    const slow = t.rpc("billing.attach", { customer_id: id, plan_id: "free" });
    // Once the slow attach has arrived (an uncancel of a plan that is not canceling changes nothing), writes are refused.
    let refused = await t.rpc("billing.update", { customer_id: id, plan_id: "free", cancel_action: "uncancel" });
    while (refused.status !== 423) refused = await t.rpc("billing.update", { customer_id: id, plan_id: "free", cancel_action: "uncancel" });
    expect(refused).toMatchObject({ status: 423, body: { code: "lock_already_exists" } });
    expect(await t.rpc("billing.attach", { customer_id: id, plan_id: "free" })).toMatchObject({ status: 423, body: { code: "lock_already_exists" } });
    expect((await t.autumn.customers.get({ customerId: id })).id).toBe(id);
    expect((await t.rpc("billing.update", { customer_id: other, plan_id: "free", cancel_action: "uncancel" })).status).not.toBe(423);
    expect((await slow).status).not.toBe(423);
    expect((await t.rpc("billing.update", { customer_id: id, plan_id: "free", cancel_action: "uncancel" })).status).not.toBe(423);
  });

  it("route-specific faults leave other routes alone; '*' hits every route; DELETE clears", async () => {
    const id = await freshCustomer();
    await t.control("/sandbox/faults", { route: "balances.check", mode: "error", status: 500 });
    expect(await autumnError(t.autumn.check({ customerId: id, featureId: "standard_messages" }))).toMatchObject({ status: 500 });
    expect(await autumnError(t.autumn.check({ customerId: id, featureId: "standard_messages" }))).toMatchObject({ status: 500 });
    expect((await t.autumn.customers.get({ customerId: id })).id).toBe(id);
    expect((await t.autumn.track({ customerId: id, featureId: "standard_messages", value: 1 })).balance?.remaining).toBe(49);
    const listed = (await t.control("/sandbox/faults", undefined, "GET")).list as Array<{ route: string; mode: string }>;
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ route: "balances.check", mode: "error" });

    expect(await t.control("/sandbox/faults", undefined, "DELETE")).toEqual({ success: true });
    expect((await t.control("/sandbox/faults", undefined, "GET")).list).toEqual([]);
    expect((await t.autumn.check({ customerId: id, featureId: "standard_messages" })).allowed).toBe(true);

    await t.control("/sandbox/faults", { route: "*", mode: "error", status: 502, count: 2 });
    expect(await autumnError(t.autumn.features.list())).toMatchObject({ status: 502 });
    expect(await autumnError(t.autumn.plans.list({}))).toMatchObject({ status: 502 });
    expect((await t.autumn.plans.list({})).list.length).toBeGreaterThan(0);
  });

  it("an injected error does not run the handler (nothing deducted)", async () => {
    const id = await freshCustomer();
    await t.control("/sandbox/faults", { route: "balances.track", mode: "error", status: 500, count: 1 });
    expect(await autumnError(t.autumn.track({ customerId: id, featureId: "standard_messages", value: 10 }))).toMatchObject({ status: 500 });
    expect(await remaining(t, id)).toBe(50);
  });
});

// ── webhooks (§5) ──────────────────────────────────────────────────────────

interface Received { headers: Record<string, string>; body: string; status: number }

class Receiver {
  readonly received: Received[] = [];
  /** Answer 500 to this many requests before accepting. */
  failFirst = 0;
  private server: Server | null = null;
  url = "";

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const status = this.failFirst > 0 ? 500 : 200;
        if (this.failFirst > 0) this.failFirst -= 1;
        this.received.push({ headers: flatHeaders(req.headers), body: Buffer.concat(chunks).toString("utf8"), status });
        res.writeHead(status, { "content-type": "text/plain" }).end(status === 200 ? "ok" : "boom");
      });
    });
    await new Promise<void>((r) => this.server?.listen(0, "127.0.0.1", r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks`;
  }

  accepted(): Received[] {
    return this.received.filter((r) => r.status === 200);
  }

  async close(): Promise<void> {
    await new Promise<void>((r) => {
      if (!this.server) return r();
      this.server.close(() => r());
      this.server.closeAllConnections();
    });
  }
}

function flatHeaders(h: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(", ") : v;
  return out;
}

interface PlanChangeBody {
  action: string;
  subscription?: { plan_id: string; status: string };
  purchase?: { plan_id: string; status: string };
  previous_attributes: Record<string, unknown> | null;
  item_changes: unknown[];
}
interface WebhookBody { type: string; data: Record<string, unknown> }

describe("webhooks", () => {
  const secret = `whsec_${randomBytes(24).toString("base64")}`;
  const receiver = new Receiver();
  let w: TestSandbox;

  beforeAll(async () => {
    await receiver.start();
    // Retries back off for a minute: only flushWebhooks() makes them happen within a test.
    w = await startTestSandbox({ webhookUrl: receiver.url, webhookSecret: secret, webhookRetryDelaysMs: [60_000, 60_000, 60_000] });
  });
  afterAll(async () => {
    await w.close();
    await receiver.close();
  });

  /** No delivery is pending (in flight or waiting for a retry). */
  const settled = (): boolean => w.sandbox.webhooks.log.every((d) => d.status !== "pending");

  const byCustomer = (customerId: string): Array<Received & { parsed: WebhookBody }> => receiver.accepted()
    .map((r) => ({ ...r, parsed: JSON.parse(r.body) as WebhookBody }))
    .filter((r) => JSON.stringify(r.parsed.data).includes(`"${customerId}"`));

  it("attaching a plan sends svix-signed billing.updated and customer.products.updated", async () => {
    const id = "org_hooks_1";
    await w.autumn.customers.getOrCreate({ customerId: id, name: "Hooks Inc" });
    const before = receiver.received.length;
    const res = await w.autumn.billing.attach({ customerId: id, planId: "pro", noBillingChanges: true });
    expect(res.paymentUrl).toBeNull();

    const isBillingPro = (r: { parsed: WebhookBody }): boolean => r.parsed.type === "billing.updated"
      && (r.parsed.data.plan_changes as PlanChangeBody[]).some((c) => c.subscription?.plan_id === "pro");
    await w.sandbox.flushWebhooks();
    expect(receiver.received.length).toBeGreaterThan(before);
    expect(byCustomer(id).some(isBillingPro)).toBe(true);
    expect(byCustomer(id).some((r) => r.parsed.type === "customer.products.updated")).toBe(true);

    const billing = byCustomer(id).find(isBillingPro);
    expect(billing).toBeDefined();
    const data = billing?.parsed.data as { object: string; customer_id: string; plan_changes: PlanChangeBody[]; tags: unknown };
    expect(data.object).toBe("billing.updated");
    expect(data.customer_id).toBe(id);
    expect(Array.isArray(data.tags)).toBe(true);
    const activated = data.plan_changes.find((c) => c.action === "activated");
    const expired = data.plan_changes.find((c) => c.action === "expired");
    expect(activated?.subscription).toMatchObject({ plan_id: "pro", status: "active" });
    expect(expired?.subscription).toMatchObject({ plan_id: "free", status: "expired" });
    for (const c of data.plan_changes) expect(Array.isArray(c.item_changes)).toBe(true);

    const legacy = byCustomer(id).find((r) => r.parsed.type === "customer.products.updated");
    expect(legacy?.parsed.data).toMatchObject({ scenario: "upgrade", updated_product: { id: "pro", status: "active" }, customer: { id } });

    // Every delivery verifies with the svix library and the endpoint secret.
    const wh = new Webhook(secret);
    for (const r of byCustomer(id)) {
      expect(r.headers["svix-id"]).toMatch(/^msg_/);
      expect(Number(r.headers["svix-timestamp"])).toBeGreaterThan(Date.now() / 1000 - 60);
      expect(r.headers["svix-signature"]).toMatch(/^v1,/);
      expect(r.headers["content-type"]).toContain("application/json");
      expect(() => wh.verify(r.body, r.headers)).not.toThrow(); // svix 2.5 returns nothing and throws on a bad signature
    }
  });

  it("a forged body, a tampered timestamp, a stale timestamp or the wrong secret fail verification", async () => {
    const id = "org_hooks_2";
    await w.autumn.customers.getOrCreate({ customerId: id });
    await w.autumn.billing.attach({ customerId: id, planId: "pro", noBillingChanges: true });
    // The same flush over HTTP, for a sandbox in another process (the dev stack, e2e).
    expect(await w.control("/sandbox/webhooks/flush")).toEqual({ success: true });
    const real = byCustomer(id).find((r) => r.parsed.type === "billing.updated") as Received;
    expect(real).toBeDefined();
    const wh = new Webhook(secret);
    expect(() => wh.verify(real.body, real.headers)).not.toThrow();

    const forged = real.body.replace(`"${id}"`, `"org_attacker"`);
    expect(forged).not.toBe(real.body);
    expect(() => wh.verify(forged, real.headers)).toThrow();
    expect(() => wh.verify(real.body, { ...real.headers, "svix-timestamp": String(Number(real.headers["svix-timestamp"]) + 1) })).toThrow();
    expect(() => wh.verify(real.body, { ...real.headers, "svix-id": "msg_other" })).toThrow();
    expect(() => new Webhook(`whsec_${randomBytes(24).toString("base64")}`).verify(real.body, real.headers)).toThrow();
    // A correctly signed but 10-minute-old message is rejected as a replay.
    const stale = w.sandbox.webhooks.sign("msg_stale", real.body, new Date(Date.now() - 10 * 60_000));
    expect(() => wh.verify(real.body, stale)).toThrow();
  });

  it("a receiver answering 500 gets the same message again until it accepts", async () => {
    const id = "org_hooks_3";
    await w.autumn.customers.getOrCreate({ customerId: id });
    await w.sandbox.flushWebhooks(); // the receiver's next answers belong to this test
    receiver.failFirst = 2;
    const start = receiver.received.length;
    await w.autumn.billing.attach({ customerId: id, planId: "team", noBillingChanges: true });
    await w.sandbox.flushWebhooks();
    expect(settled()).toBe(true);
    expect(byCustomer(id).some((r) => r.parsed.type === "billing.updated")).toBe(true);
    expect(byCustomer(id).some((r) => r.parsed.type === "customer.products.updated")).toBe(true);
    const attempts = receiver.received.slice(start);
    const failed = attempts.filter((r) => r.status === 500);
    expect(failed).toHaveLength(2);
    // Each failed message was redelivered with the same svix-id and body and then accepted.
    for (const f of failed) {
      const ok = attempts.find((r) => r.status === 200 && r.headers["svix-id"] === f.headers["svix-id"]);
      expect(ok).toBeDefined();
      expect(ok?.body).toBe(f.body);
      expect(() => new Webhook(secret).verify(ok?.body ?? "", ok?.headers ?? {})).not.toThrow();
    }
    const log = (await w.control("/sandbox/webhooks", undefined, "GET")).list as Array<{ id: string; status: string; attempts: number }>;
    const failedIds = new Set(failed.map((f) => f.headers["svix-id"]));
    const retried = log.filter((d) => failedIds.has(d.id));
    expect(retried.length).toBeGreaterThan(0);
    for (const d of retried) {
      expect(d.status).toBe("delivered");
      expect(d.attempts).toBeGreaterThanOrEqual(2);
    }
  });

  it("/sandbox/config turns webhooks on and off at runtime", async () => {
    const id = await freshCustomer("cfg");
    const on = await t.control("/sandbox/config", { webhook_url: receiver.url, webhook_secret: secret });
    expect(on).toMatchObject({ webhook_url: receiver.url, webhooks_enabled: true });
    try {
      await t.autumn.billing.attach({ customerId: id, planId: "pro", noBillingChanges: true });
      await t.sandbox.flushWebhooks();
      const r = byCustomer(id).find((x) => x.parsed.type === "billing.updated") as Received;
      expect(r).toBeDefined();
      expect(() => new Webhook(secret).verify(r.body, r.headers)).not.toThrow();
    } finally {
      const off = await t.control("/sandbox/config", { webhook_url: null, webhook_secret: null });
      expect(off).toMatchObject({ webhooks_enabled: false });
    }
    const id2 = await freshCustomer("cfg");
    // Everything sent while webhooks were on has arrived; from here on nothing may.
    await t.sandbox.flushWebhooks();
    await w.sandbox.flushWebhooks();
    const count = receiver.received.length;
    const queued = t.sandbox.webhooks.log.length;
    await t.autumn.billing.attach({ customerId: id2, planId: "pro", noBillingChanges: true });
    await t.sandbox.flushWebhooks();
    expect(t.sandbox.webhooks.log.length).toBe(queued);
    expect(receiver.received.length).toBe(count);
    expect(byCustomer(id2)).toEqual([]);
  });

  it("a receiver that never accepts is given up on after the configured retries", async () => {
    const id = "org_hooks_4";
    await w.autumn.customers.getOrCreate({ customerId: id });
    await w.sandbox.flushWebhooks(); // the receiver's next answers belong to this test
    receiver.failFirst = 1_000;
    try {
      await w.autumn.billing.attach({ customerId: id, planId: "pro", noBillingChanges: true });
      const log = () => w.sandbox.webhooks.log.filter((d) => d.body.includes(`"${id}"`));
      await w.sandbox.flushWebhooks();
      expect(log().length).toBeGreaterThan(0);
      for (const d of log()) expect(d.status).toBe("failed");
      for (const d of log()) expect(d.attempts).toBe(4); // first try + 3 retries
    } finally {
      receiver.failFirst = 0;
    }
  });
});

// ── persistence ─────────────────────────────────────────────────────────────

describe("persistence", () => {
  let dir: string;
  beforeAll(() => { dir = mkdtempSync(join(tmpdir(), "autumn-sbx-")); });
  afterAll(() => { rmSync(dir, { recursive: true, force: true }); });

  it("state survives a restart on the same data file; reset clears customers but keeps the catalog", async () => {
    const dataFile = join(dir, "nested", "autumn.json");
    const a = await startTestSandbox({ dataFile });
    await a.autumn.customers.getOrCreate({ customerId: "org_persist", name: "Persist Ltd", email: "p@example.com" });
    await a.autumn.track({ customerId: "org_persist", featureId: "standard_messages", value: 12 });
    await a.autumn.entities.create({ customerId: "org_persist", entityId: "seat_a", featureId: "seats" });
    await a.autumn.track({ customerId: "org_persist", featureId: "standard_messages", value: 1 }, { headers: { "Idempotency-Key": "persisted-key" } });
    await a.close();

    expect(existsSync(dataFile)).toBe(true);
    const onDisk = JSON.parse(readFileSync(dataFile, "utf8")) as { customers: Record<string, unknown> };
    expect(Object.keys(onDisk.customers)).toEqual(["org_persist"]);
    expect(readdirSync(join(dir, "nested")).filter((f) => f.endsWith(".tmp"))).toEqual([]);

    const b = await startTestSandbox({ dataFile });
    try {
      const c = await b.autumn.customers.get({ customerId: "org_persist" });
      expect(c).toMatchObject({ name: "Persist Ltd", email: "p@example.com" });
      expect(c.subscriptions.map((s) => s.planId)).toEqual(["free"]);
      expect(c.balances.standard_messages).toMatchObject({ remaining: 37, usage: 13 });
      expect(c.balances.seats).toMatchObject({ usage: 1, remaining: 1 });
      expect((await b.autumn.entities.get({ customerId: "org_persist", entityId: "seat_a" })).id).toBe("seat_a");
      expect((await b.autumn.events.list({ customerId: "org_persist" })).list).toHaveLength(2);
      // The idempotency key recorded before the restart still blocks a replay.
      expect(await autumnError(b.autumn.track({ customerId: "org_persist", featureId: "standard_messages", value: 1 }, { headers: { "Idempotency-Key": "persisted-key" } })))
        .toMatchObject({ status: 409, code: "duplicate_idempotency_key" });
      // The seeded catalog is still there and not duplicated.
      expect((await b.autumn.plans.list({})).list.map((p) => `${p.id}@${p.version}`).sort()).toEqual(["credit_pack@1", "free@1", "pro@1", "team@1"]);

      expect(await b.control("/sandbox/reset")).toEqual({ success: true });
      expect(await autumnError(b.autumn.customers.get({ customerId: "org_persist" }))).toMatchObject({ status: 404, code: "customer_not_found" });
      expect((await b.autumn.customers.list({})).list).toEqual([]);
      expect((await b.autumn.events.list({})).list).toEqual([]);
      expect((await b.autumn.plans.list({})).list.map((p) => p.id).sort()).toEqual(["credit_pack", "free", "pro", "team"]);
      expect((await b.autumn.features.list()).list).toHaveLength(6);
      // A fresh customer after the reset gets the default plan from the kept catalog.
      const fresh = await b.autumn.customers.getOrCreate({ customerId: "org_after_reset" });
      expect(fresh.balances.standard_messages?.remaining).toBe(50);
    } finally {
      await b.close();
    }

    // The reset itself was persisted.
    const c2 = await startTestSandbox({ dataFile });
    try {
      expect((await c2.autumn.customers.list({})).list.map((c) => c.id)).toEqual(["org_after_reset"]);
      expect((await c2.autumn.features.list()).list).toHaveLength(6);
    } finally {
      await c2.close();
    }
  });

  it("a persisted sandbox follows edits to autumn.config.ts on restart, keeping its customers", async () => {
    const dataFile = join(dir, "config-follow.json");
    const seed = await loadCatalog(resolve(REPO_ROOT, "autumn.config.ts"));
    const a = await startTestSandbox({ dataFile, seed });
    await a.autumn.customers.getOrCreate({ customerId: "org_follow" });
    await a.close();

    // The config gains a plan and Pro gets pricier: Pro has no customers, so it is edited in place.
    const edited: CatalogBody = {
      ...seed,
      plans: [
        ...seed.plans.map((p) => (p.plan_id === "pro" && p.price ? { ...p, price: { ...p.price, amount: 39 } } : p)),
        { plan_id: "enterprise", name: "Enterprise", group: "main", add_on: false, auto_enable: false, price: { amount: 499, interval: "month" }, items: [{ feature_id: "seats", included: 500 }], free_trial: null },
      ],
    };
    const b = await startTestSandbox({ dataFile, seed: edited });
    try {
      const plans = (await b.autumn.plans.list({})).list;
      expect(plans.find((p) => p.id === "enterprise")?.price?.amount).toBe(499);
      expect(plans.find((p) => p.id === "pro")?.price?.amount).toBe(39);
      expect((await b.autumn.customers.get({ customerId: "org_follow" })).subscriptions.map((s) => s.planId)).toEqual(["free"]);
    } finally {
      await b.close();
    }
  });

  it("writes are debounced but reach the file without an explicit close", async () => {
    const dataFile = join(dir, "debounced.json");
    // The debounce timer is driven, not waited for: only setTimeout is faked, HTTP keeps running in real time.
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const s = await startTestSandbox({ dataFile });
    try {
      await s.autumn.customers.getOrCreate({ customerId: "org_debounced" });
      const onDisk = (): boolean => existsSync(dataFile) && readFileSync(dataFile, "utf8").includes("org_debounced");
      expect(onDisk()).toBe(false);
      vi.advanceTimersByTime(50);
      expect(onDisk()).toBe(true);
    } finally {
      vi.useRealTimers();
      await s.close();
    }
  });
});

// ── customers (§2.1) ─────────────────────────────────────────────────────────

describe("customers", () => {
  let s: TestSandbox;
  const N = 120;
  const ids = Array.from({ length: N }, (_, i) => `cus_page_${String(i).padStart(3, "0")}`);

  beforeAll(async () => {
    s = await startTestSandbox();
    // One after another, so creation order (and thus list order) is deterministic.
    for (const id of ids) await s.autumn.customers.getOrCreate({ customerId: id, name: `Page ${id}` });
    await s.autumn.customers.getOrCreate({ customerId: "cus_zebra_1", name: "Zebra Labs", email: "hi@zebra.example" });
    await s.autumn.customers.getOrCreate({ customerId: "cus_zebra_2", name: "ZEBRA Shop" });
  });
  afterAll(async () => { await s.close(); });

  async function all(sortOrder?: "asc" | "desc", limit = 50): Promise<{ pages: string[][]; cursors: Array<string | null> }> {
    const pages: string[][] = [];
    const cursors: Array<string | null> = [];
    let cursor: string | null = "";
    while (cursor !== null) {
      const page = await s.autumn.customers.list({ startCursor: cursor, limit, ...(sortOrder ? { sortOrder } : {}) });
      pages.push(page.list.map((c) => c.id ?? ""));
      cursors.push(page.nextCursor);
      cursor = page.nextCursor;
      if (pages.length > 20) throw new Error("pagination does not terminate");
    }
    return { pages, cursors };
  }

  it("pages through every customer with a cursor: 122 at limit 50 → 50, 50, 22; no duplicates", async () => {
    const { pages, cursors } = await all();
    expect(pages.map((p) => p.length)).toEqual([50, 50, 22]);
    expect(cursors[0]).toEqual(expect.any(String));
    expect(cursors[1]).toEqual(expect.any(String));
    expect(cursors[2]).toBeNull();
    const flat = pages.flat();
    expect(new Set(flat).size).toBe(flat.length);
    expect([...flat].sort()).toEqual([...ids, "cus_zebra_1", "cus_zebra_2"].sort());
  });

  it("defaults to newest first; sort_order asc is the exact reverse", async () => {
    const desc = (await all()).pages.flat();
    const explicitDesc = (await all("desc")).pages.flat();
    const asc = (await all("asc", 37)).pages.flat();
    expect(explicitDesc).toEqual(desc);
    expect(asc).toEqual([...desc].reverse());
    // Created in order, so the first customer comes first ascending.
    expect(asc[0]).toBe("cus_page_000");
    expect(desc[0]).toBe("cus_zebra_2");
  });

  it("a cursor stays valid while customers are added", async () => {
    const first = await s.autumn.customers.list({ limit: 50, sortOrder: "asc" });
    await s.autumn.customers.getOrCreate({ customerId: "cus_page_late" });
    try {
      const second = await s.autumn.customers.list({ limit: 50, sortOrder: "asc", startCursor: first.nextCursor ?? "" });
      expect(second.list[0]?.id).toBe(ids[50]);
      expect(second.list.map((c) => c.id).filter((id) => first.list.some((f) => f.id === id))).toEqual([]);
    } finally {
      await s.autumn.customers.delete({ customerId: "cus_page_late" });
    }
  });

  it("search matches name (case-insensitively), email and id", async () => {
    const byName = await s.autumn.customers.list({ search: "zebra" });
    expect(byName.list.map((c) => c.id).sort()).toEqual(["cus_zebra_1", "cus_zebra_2"]);
    expect((await s.autumn.customers.list({ search: "Labs" })).list.map((c) => c.id)).toEqual(["cus_zebra_1"]);
    expect((await s.autumn.customers.list({ search: "hi@zebra" })).list.map((c) => c.id)).toEqual(["cus_zebra_1"]);
    expect((await s.autumn.customers.list({ search: "no-such-customer" })).list).toEqual([]);
    const limited = await s.autumn.customers.list({ search: "Page cus_page_0", limit: 10 });
    expect(limited.list).toHaveLength(10);
    expect(limited.nextCursor).not.toBeNull();
  });

  it("update changes name, email and metadata; get reflects it", async () => {
    const updated = await s.autumn.customers.update({ customerId: "cus_page_001", name: "Renamed", email: "new@example.com", metadata: { tier: "gold", seats: 3 } });
    expect(updated).toMatchObject({ id: "cus_page_001", name: "Renamed", email: "new@example.com", metadata: { tier: "gold", seats: 3 } });
    const got = await s.autumn.customers.get({ customerId: "cus_page_001" });
    expect(got).toMatchObject({ name: "Renamed", email: "new@example.com", metadata: { tier: "gold", seats: 3 } });
    // Plans and balances are untouched by an update.
    expect(got.subscriptions.map((x) => x.planId)).toEqual(["free"]);
    expect(await autumnError(s.autumn.customers.update({ customerId: "cus_missing", name: "x" }))).toMatchObject({ status: 404, code: "customer_not_found" });
  });

  it("delete removes the customer: get → 404, gone from the list, second delete → 404", async () => {
    await s.autumn.customers.getOrCreate({ customerId: "cus_doomed", name: "Doomed" });
    expect(await s.autumn.customers.delete({ customerId: "cus_doomed" })).toMatchObject({ success: true });
    expect(await autumnError(s.autumn.customers.get({ customerId: "cus_doomed" }))).toMatchObject({ status: 404, code: "customer_not_found" });
    expect((await s.autumn.customers.list({ search: "Doomed" })).list).toEqual([]);
    expect(await autumnError(s.autumn.customers.delete({ customerId: "cus_doomed" }))).toMatchObject({ status: 404, code: "customer_not_found" });
    expect(await autumnError(s.autumn.track({ customerId: "cus_doomed", featureId: "standard_messages" }))).toMatchObject({ status: 404 });
  });

  it("filters by plan; renames with new_customer_id carry entities and events along", async () => {
    await s.autumn.customers.getOrCreate({ customerId: "cus_pro_one" });
    await s.autumn.billing.attach({ customerId: "cus_pro_one", planId: "pro", noBillingChanges: true });
    expect((await s.autumn.customers.list({ plans: [{ id: "pro" }] })).list.map((c) => c.id)).toEqual(["cus_pro_one"]);
    expect((await s.autumn.customers.list({ plans: [{ id: "pro", versions: [2] }] })).list).toEqual([]);

    await s.autumn.entities.create({ customerId: "cus_pro_one", entityId: "seat_x", featureId: "seats" });
    await s.autumn.track({ customerId: "cus_pro_one", featureId: "standard_messages", value: 9 });
    const renamed = await s.autumn.customers.update({ customerId: "cus_pro_one", newCustomerId: "cus_pro_renamed" });
    expect(renamed.id).toBe("cus_pro_renamed");
    expect(await autumnError(s.autumn.customers.get({ customerId: "cus_pro_one" }))).toMatchObject({ status: 404, code: "customer_not_found" });
    const moved = await s.autumn.customers.get({ customerId: "cus_pro_renamed" });
    expect(moved.subscriptions.map((x) => x.planId)).toEqual(["pro"]);
    expect(moved.balances.standard_messages?.remaining).toBe(991);
    expect((await s.autumn.entities.get({ customerId: "cus_pro_renamed", entityId: "seat_x" })).customerId).toBe("cus_pro_renamed");
    expect((await s.autumn.events.list({ customerId: "cus_pro_renamed" })).list.map((e) => e.value)).toEqual([9]);
    expect(await autumnError(s.autumn.customers.update({ customerId: "cus_pro_renamed", newCustomerId: "cus_page_000" })))
      .toMatchObject({ status: 409, code: "customer_already_exists" });
  });

  it("get_or_create with a null id creates a customer with a generated id", async () => {
    const c = await s.autumn.customers.getOrCreate({ customerId: null, name: "Anonymous" });
    expect(c.id).toEqual(expect.any(String));
    expect((await s.autumn.customers.get({ customerId: c.id ?? "" })).name).toBe("Anonymous");
  });

  it("get_or_create returns the existing customer and fills only an empty name/email", async () => {
    const created = await s.autumn.customers.getOrCreate({ customerId: "cus_goc", email: "first@example.com" });
    expect(created).toMatchObject({ id: "cus_goc", name: null, email: "first@example.com" });
    await s.autumn.track({ customerId: "cus_goc", featureId: "standard_messages", value: 5 });

    const again = await s.autumn.customers.getOrCreate({ customerId: "cus_goc", name: "Filled In", email: "second@example.com" });
    expect(again).toMatchObject({ name: "Filled In", email: "first@example.com" });
    const third = await s.autumn.customers.getOrCreate({ customerId: "cus_goc", name: "Overwritten?" });
    expect(third.name).toBe("Filled In");
    // Not re-created: same creation time, one free plan, usage kept.
    expect(third.createdAt).toBe(created.createdAt);
    expect(third.subscriptions.map((x) => x.planId)).toEqual(["free"]);
    expect(third.balances.standard_messages?.remaining).toBe(45);
  });
});

// ── catalog (§2.2, §2.10, §6) ────────────────────────────────────────────────

describe("catalog", () => {
  it("features.list and features.get describe the seeded features", async () => {
    const { list } = await t.autumn.features.list();
    const byId = Object.fromEntries(list.map((f) => [f.id, f]));
    expect(Object.keys(byId).sort()).toEqual(["ai_credits", "custom_branding", "premium_messages", "priority_support", "seats", "standard_messages"]);
    expect(byId.custom_branding).toMatchObject({ type: "boolean", archived: false });
    expect(byId.standard_messages).toMatchObject({ type: "metered", consumable: true });
    expect(byId.seats).toMatchObject({ type: "metered", consumable: false });
    expect(byId.ai_credits).toMatchObject({ type: "credit_system" });
    const seats = await t.autumn.features.get({ featureId: "seats" });
    expect(seats).toMatchObject({ id: "seats", name: "Seats", type: "metered", consumable: false });
    const credits = await t.autumn.features.get({ featureId: "ai_credits" });
    expect(credits.creditSchema).toEqual([
      { meteredFeatureId: "standard_messages", creditCost: 1 },
      { meteredFeatureId: "premium_messages", creditCost: 5 },
    ]);
  });

  it("plans.list and plans.get describe the seeded plans", async () => {
    const { list } = await t.autumn.plans.list({});
    expect(list.map((p) => p.id).sort()).toEqual(["credit_pack", "free", "pro", "team"]);
    const pro = await t.autumn.plans.get({ planId: "pro" });
    expect(pro).toMatchObject({ id: "pro", name: "Pro", group: "main", version: 1, addOn: false, autoEnable: false, archived: false });
    expect(pro.price).toMatchObject({ amount: 29, interval: "month" });
    expect(pro.freeTrial).toMatchObject({ durationLength: 7, durationType: "day", cardRequired: true });
    expect(pro.items.find((i) => i.featureId === "standard_messages")).toMatchObject({ included: 1000, reset: { interval: "month" } });
    expect((await t.autumn.plans.get({ planId: "pro", version: 1 })).version).toBe(1);
    const free = list.find((p) => p.id === "free");
    expect(free).toMatchObject({ autoEnable: true, price: null });
    expect(list.find((p) => p.id === "credit_pack")).toMatchObject({ addOn: true });
  });

  describe("catalog.preview_update / catalog.update", () => {
    let s: TestSandbox;
    let desired: CatalogBody;
    beforeAll(async () => {
      s = await startTestSandbox();
      // Customers on pro and team so that changing / removing those plans affects someone.
      await s.autumn.customers.getOrCreate({ customerId: "on_pro" });
      await s.autumn.billing.attach({ customerId: "on_pro", planId: "pro", noBillingChanges: true });
      await s.autumn.customers.getOrCreate({ customerId: "on_team" });
      await s.autumn.billing.attach({ customerId: "on_team", planId: "team", noBillingChanges: true });

      const seed = await loadCatalog(resolve(REPO_ROOT, "autumn.config.ts"));
      const plans = seed.plans
        .filter((p) => p.plan_id !== "team" && p.plan_id !== "credit_pack")
        .map((p) => (p.plan_id === "pro"
          ? { ...p, items: (p.items ?? []).map((i) => (i.feature_id === "standard_messages" ? { ...i, included: 2000 } : i)) }
          : p));
      plans.push({
        plan_id: "starter", name: "Starter", group: "main", add_on: false, auto_enable: false,
        price: { amount: 9, interval: "month" },
        items: [{ feature_id: "standard_messages", included: 300, reset: { interval: "month" } }, { feature_id: "seats", included: 3 }],
        free_trial: null,
      });
      desired = { ...seed, plans, skip_deletions: false };
    });
    afterAll(async () => { await s.close(); });

    it("preview reports created / updated (versioned) / deleted (archived vs gone) and changes nothing", async () => {
      const r = await s.rpc("catalog.preview_update", desired);
      expect(r.status).toBe(200);
      const preview = r.body as unknown as CatalogPreview;
      const change = (id: string) => preview.plan_changes.find((c) => c.plan_id === id);
      expect(change("starter")).toMatchObject({ action: "created", variants: [] });
      expect(change("pro")).toMatchObject({ action: "updated", versionable: true, variants: [] });
      expect(change("team")).toMatchObject({ action: "deleted", will_archive: true });
      expect(change("credit_pack")).toMatchObject({ action: "deleted", will_archive: false });
      expect(change("free")).toMatchObject({ action: "none" });
      for (const c of preview.plan_changes) expect(c.variants).toEqual([]);
      expect(preview.feature_changes.every((f) => f.action === "none")).toBe(true);
      // Nothing applied.
      const after = await s.autumn.plans.list({});
      expect(after.list.map((p) => `${p.id}@${p.version}`).sort()).toEqual(["credit_pack@1", "free@1", "pro@1", "team@1"]);
    });

    it("update versions an in-use plan, archives an in-use removal and deletes an unused one", async () => {
      const r = await s.rpc("catalog.update", desired);
      expect(r.status).toBe(200);

      const { list } = await s.autumn.plans.list({});
      expect(list.map((p) => `${p.id}@${p.version}`).sort()).toEqual(["free@1", "pro@2", "starter@1"]);
      const archived = await s.autumn.plans.list({ includeArchived: true });
      expect(archived.list.map((p) => p.id).sort()).toEqual(["free", "pro", "starter", "team"]);
      expect(archived.list.find((p) => p.id === "team")?.archived).toBe(true);
      expect(await autumnError(s.autumn.plans.get({ planId: "credit_pack" }))).toMatchObject({ status: 404, code: "product_not_found" });

      const allVersions = await s.autumn.plans.list({ allVersions: true });
      expect(allVersions.list.filter((p) => p.id === "pro").map((p) => p.version).sort()).toEqual([1, 2]);
      const v1 = await s.autumn.plans.get({ planId: "pro", version: 1 });
      const v2 = await s.autumn.plans.get({ planId: "pro" });
      expect(v1.items.find((i) => i.featureId === "standard_messages")?.included).toBe(1000);
      expect(v2.version).toBe(2);
      expect(v2.items.find((i) => i.featureId === "standard_messages")?.included).toBe(2000);

      // The existing customer keeps version 1; a new one gets version 2.
      const old = await s.autumn.customers.get({ customerId: "on_pro", expand: ["subscriptions.plan"] });
      expect(old.subscriptions.find((x) => x.planId === "pro")?.plan?.version).toBe(1);
      expect(old.balances.standard_messages?.granted).toBe(1000);
      await s.autumn.customers.getOrCreate({ customerId: "new_pro" });
      await s.autumn.billing.attach({ customerId: "new_pro", planId: "pro", noBillingChanges: true });
      const fresh = await s.autumn.customers.get({ customerId: "new_pro", expand: ["subscriptions.plan"] });
      expect(fresh.subscriptions.find((x) => x.planId === "pro")?.plan?.version).toBe(2);
      expect(fresh.balances.standard_messages?.granted).toBe(2000);

      // The team customer keeps the archived plan.
      const team = await s.autumn.customers.get({ customerId: "on_team" });
      expect(team.subscriptions.map((x) => x.planId)).toEqual(["team"]);

      // Applying the same catalog again is a no-op.
      const again = await s.rpc("catalog.preview_update", desired);
      const changes = (again.body as unknown as CatalogPreview).plan_changes;
      expect(changes.filter((c) => c.action !== "none")).toEqual([]);
    });

    it("rejects a catalog that references an unknown feature with 400 and changes nothing", async () => {
      const bad = { ...desired, plans: [...desired.plans, { plan_id: "broken", name: "Broken", items: [{ feature_id: "ghost_feature", included: 1 }] }] };
      const r = await s.rpc("catalog.update", bad);
      expect(r.status).toBe(400);
      expect(r.body.code).toBe("invalid_inputs");
      expect(await autumnError(s.autumn.plans.get({ planId: "broken" }))).toMatchObject({ status: 404 });
    });
  });

  describe("real atmn push", () => {
    let s: TestSandbox;
    let dir: string;
    const atmn = join(REPO_ROOT, "node_modules", ".bin", "atmn");

    beforeAll(async () => {
      s = await startTestSandbox();
      // Inside the repo so that `import … from "atmn"` in the config resolves.
      const cache = join(REPO_ROOT, "node_modules", ".cache");
      mkdirSync(cache, { recursive: true });
      dir = mkdtempSync(join(cache, "atmn-push-"));
      const config = readFileSync(join(REPO_ROOT, "autumn.config.ts"), "utf8");
      writeFileSync(join(dir, "autumn.config.ts"), `${config}
export const enterprise = plan({
  id: "enterprise",
  name: "Enterprise",
  group: "main",
  price: { amount: 499, interval: "month" },
  items: [
    item({ featureId: standardMessages.id, unlimited: true }),
    item({ featureId: seats.id, included: 200 }),
    item({ featureId: prioritySupport.id }),
  ],
});
`);
    });
    afterAll(async () => {
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    });

    function push(args: string[]): Promise<{ code: number; output: string }> {
      return new Promise((resolvePush) => {
        // Async on purpose: the sandbox answering atmn runs in this very process.
        execFile(atmn, args, {
          cwd: dir,
          timeout: 60_000,
          env: { ...process.env, ATMN_BACKEND_URL: s.url, AUTUMN_SECRET_KEY: TEST_KEY, NO_COLOR: "1", FORCE_COLOR: "0" },
        }, (err, stdout, stderr) => {
          const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
          resolvePush({ code, output: `${stdout}\n${stderr}` });
        });
      });
    }

    it("`atmn push --headless` of the repo config plus a new plan creates it", async () => {
      const r = await push(["push", "--headless"]);
      expect(r.output).toContain("Push complete");
      expect(r.code).toBe(0);
      expect(r.output).toMatch(/created:\s*enterprise/i);
      const { list } = await s.autumn.plans.list({});
      expect(list.map((p) => p.id).sort()).toEqual(["credit_pack", "enterprise", "free", "pro", "team"]);
      const ent = await s.autumn.plans.get({ planId: "enterprise" });
      expect(ent).toMatchObject({ name: "Enterprise", group: "main", version: 1, price: { amount: 499, interval: "month" } });
      expect(ent.items.find((i) => i.featureId === "standard_messages")?.unlimited).toBe(true);
      expect(ent.items.find((i) => i.featureId === "seats")?.included).toBe(200);
      // The unchanged seeded plans were left at version 1.
      expect(list.filter((p) => p.id !== "enterprise").every((p) => p.version === 1)).toBe(true);
    }, 60_000);

    it("a change to a plan with customers needs an explicit headless intent and then creates a new version", async () => {
      await s.autumn.customers.getOrCreate({ customerId: "atmn_free_user" });
      const file = join(dir, "autumn.config.ts");
      writeFileSync(file, readFileSync(file, "utf8").replace(
        "item({ featureId: standardMessages.id, included: 50, reset: { interval: \"month\" } })",
        "item({ featureId: standardMessages.id, included: 75, reset: { interval: \"month\" } })",
      ));
      expect(readFileSync(file, "utf8")).toContain("included: 75");

      const undecided = await push(["push", "--headless"]);
      expect(undecided.output).toMatch(/free/);
      expect(undecided.output).not.toContain("Push complete");
      expect((await s.autumn.plans.get({ planId: "free" })).version).toBe(1);

      const r = await push(["--headless", "push", "--yes", "--plan-intents", JSON.stringify({ free: "create_version" }), "--migration-drafts", JSON.stringify({ free: false })]);
      expect(r.output).toContain("Push complete");
      expect(r.code).toBe(0);
      const free = await s.autumn.plans.get({ planId: "free" });
      expect(free.version).toBe(2);
      expect(free.items.find((i) => i.featureId === "standard_messages")?.included).toBe(75);
      // The existing customer stays on v1; new customers get v2.
      expect((await s.autumn.customers.get({ customerId: "atmn_free_user" })).balances.standard_messages?.granted).toBe(50);
      expect((await s.autumn.customers.getOrCreate({ customerId: "atmn_new_user" })).balances.standard_messages?.granted).toBe(75);
    }, 60_000);
  });
});

// ── entities (§2.8) ───────────────────────────────────────────────────────────

describe("entities", () => {
  it("create counts a seat, duplicate → 409, get/list, delete gives the seat back", async () => {
    const id = await freshCustomer("ent");
    const seat = await t.autumn.entities.create({ customerId: id, entityId: "seat_1", featureId: "seats", name: "Ada" });
    // The create response has no feature_id; entities.get has it (autumn-controls.md §12.11).
    expect(seat).toMatchObject({ id: "seat_1", name: "Ada", customerId: id, env: "sandbox" });
    expect(seat.featureId).toBeUndefined();
    expect((await t.autumn.entities.get({ customerId: id, entityId: "seat_1" })).featureId).toBe("seats");
    let c = await t.autumn.customers.get({ customerId: id });
    expect(c.balances.seats).toMatchObject({ granted: 2, usage: 1, remaining: 1 });

    expect(await autumnError(t.autumn.entities.create({ customerId: id, entityId: "seat_1", featureId: "seats" })))
      .toMatchObject({ status: 409, code: "entity_already_exists" });
    expect((await t.autumn.customers.get({ customerId: id })).balances.seats?.usage).toBe(1);

    await t.autumn.entities.create({ customerId: id, entityId: "seat_2", featureId: "seats", name: "Grace" });
    expect((await t.autumn.entities.get({ customerId: id, entityId: "seat_2" })).name).toBe("Grace");
    const listed = await t.autumn.entities.list({ customerId: id });
    expect(listed.list.map((e) => e.id).sort()).toEqual(["seat_1", "seat_2"]);
    expect(listed.nextCursor).toBeNull();
    c = await t.autumn.customers.get({ customerId: id });
    expect(c.balances.seats).toMatchObject({ usage: 2, remaining: 0 });
    expect((await t.autumn.check({ customerId: id, featureId: "seats" })).allowed).toBe(false);

    expect(await t.autumn.entities.delete({ customerId: id, entityId: "seat_1" })).toMatchObject({ success: true });
    c = await t.autumn.customers.get({ customerId: id });
    expect(c.balances.seats).toMatchObject({ usage: 1, remaining: 1 });
    expect(await autumnError(t.autumn.entities.get({ customerId: id, entityId: "seat_1" }))).toMatchObject({ status: 404, code: "entity_not_found" });
    expect(await autumnError(t.autumn.entities.delete({ customerId: id, entityId: "seat_1" }))).toMatchObject({ status: 404, code: "entity_not_found" });
    expect((await t.autumn.entities.list({ customerId: id })).list.map((e) => e.id)).toEqual(["seat_2"]);
  });

  it("entities are scoped to their customer", async () => {
    const a = await freshCustomer("ent");
    const b = await freshCustomer("ent");
    await t.autumn.entities.create({ customerId: a, entityId: "shared_name", featureId: "seats" });
    await t.autumn.entities.create({ customerId: b, entityId: "shared_name", featureId: "seats" });
    expect((await t.autumn.entities.list({ customerId: a })).list.map((e) => e.customerId)).toEqual([a]);
    await t.autumn.entities.delete({ customerId: a, entityId: "shared_name" });
    expect((await t.autumn.entities.get({ customerId: b, entityId: "shared_name" })).customerId).toBe(b);
    expect((await t.autumn.customers.get({ customerId: b })).balances.seats?.usage).toBe(1);
  });

  it("unknown entity / customer / feature → 404 with the right code", async () => {
    const id = await freshCustomer("ent");
    expect(await autumnError(t.autumn.entities.get({ customerId: id, entityId: "ghost" }))).toMatchObject({ status: 404, code: "entity_not_found" });
    expect(await autumnError(t.autumn.entities.create({ customerId: "ghost_customer", entityId: "e1", featureId: "seats" })))
      .toMatchObject({ status: 404, code: "customer_not_found" });
    expect(await autumnError(t.autumn.entities.create({ customerId: id, entityId: "e1", featureId: "ghost_feature" })))
      .toMatchObject({ status: 404, code: "feature_not_found" });
    expect((await t.autumn.customers.get({ customerId: id })).balances.seats?.usage).toBe(0);
  });

  it("check and track with an unknown entityId → 404 entity_not_found; a known one works", async () => {
    const id = await freshCustomer("ent");
    expect(await autumnError(t.autumn.check({ customerId: id, featureId: "standard_messages", entityId: "ghost" })))
      .toMatchObject({ status: 404, code: "entity_not_found" });
    expect(await autumnError(t.autumn.track({ customerId: id, featureId: "standard_messages", entityId: "ghost", value: 1 })))
      .toMatchObject({ status: 404, code: "entity_not_found" });
    expect(await remaining(t, id)).toBe(50);

    await t.autumn.entities.create({ customerId: id, entityId: "ws_1", featureId: "seats" });
    expect((await t.autumn.check({ customerId: id, featureId: "standard_messages", entityId: "ws_1" })).allowed).toBe(true);
    const tr = await t.autumn.track({ customerId: id, featureId: "standard_messages", entityId: "ws_1", value: 2 });
    expect(tr.entityId).toBe("ws_1");
    expect(tr.balance?.remaining).toBe(48);
    const events = await t.autumn.events.list({ customerId: id, entityId: "ws_1" });
    expect(events.list.map((e) => e.value)).toEqual([2]);
  });
});

// ── events (§2.9) ─────────────────────────────────────────────────────────────

describe("events", () => {
  it("events.list is newest first and pages with a cursor", async () => {
    const id = await freshCustomer("evt");
    const base = Date.now() - 60_000;
    const values = [1, 2, 3, 4, 5];
    for (const [i, value] of values.entries()) {
      await t.autumn.track({ customerId: id, featureId: "standard_messages", value, timestamp: base + i * 1_000, properties: { n: i } });
    }
    const seen: Array<{ value: number; timestamp: number; id: string }> = [];
    let cursor: string | null = "";
    let pages = 0;
    while (cursor !== null) {
      const page = await t.autumn.events.list({ customerId: id, limit: 2, startCursor: cursor });
      expect(page.list.length).toBeLessThanOrEqual(2);
      seen.push(...page.list.map((e) => ({ value: e.value, timestamp: e.timestamp, id: e.id })));
      cursor = page.nextCursor;
      if (++pages > 10) throw new Error("pagination does not terminate");
    }
    expect(pages).toBe(3);
    expect(seen.map((e) => e.value)).toEqual([5, 4, 3, 2, 1]);
    expect(seen.map((e) => e.timestamp)).toEqual([4, 3, 2, 1, 0].map((i) => base + i * 1_000));
    expect(new Set(seen.map((e) => e.id)).size).toBe(5);

    const first = await t.autumn.events.list({ customerId: id, limit: 1 });
    expect(first.list[0]).toMatchObject({ customerId: id, featureId: "standard_messages", value: 5, properties: { n: 4 } });
    // Filters: another feature has no events; a time range narrows the list.
    expect((await t.autumn.events.list({ customerId: id, featureId: "premium_messages" })).list).toEqual([]);
    const ranged = await t.autumn.events.list({ customerId: id, customRange: { start: base + 1_000, end: base + 3_000 } });
    expect(ranged.list.map((e) => e.value)).toEqual([4, 3, 2]);
  });

  it("events.aggregate over 7d in day bins totals sum and count, excluding older events", async () => {
    const id = await freshCustomer("evt");
    const now = Date.now();
    const day = 86_400_000;
    await t.autumn.track({ customerId: id, featureId: "standard_messages", value: 2, timestamp: now - 2 * day });
    await t.autumn.track({ customerId: id, featureId: "standard_messages", value: 3, timestamp: now - 2 * day });
    await t.autumn.track({ customerId: id, featureId: "standard_messages", value: 4 });
    await t.autumn.track({ customerId: id, featureId: "standard_messages", value: 10, timestamp: now - 9 * day });

    const agg = await t.autumn.events.aggregate({ customerId: id, featureId: "standard_messages", range: "7d", binSize: "day" });
    expect(agg.total.standard_messages).toEqual({ count: 3, sum: 9 });
    const binned = agg.list.reduce((s, b) => s + (b.values.standard_messages ?? 0), 0);
    expect(binned).toBe(9);
    expect(agg.list.length).toBeGreaterThanOrEqual(7);
    expect(agg.list.length).toBeLessThanOrEqual(8);
    for (const b of agg.list) expect(b.period % day).toBe(0);
    const periods = agg.list.map((b) => b.period);
    expect(periods).toEqual([...periods].sort((a, b) => a - b));
    expect(agg.list.filter((b) => (b.values.standard_messages ?? 0) > 0).map((b) => b.values.standard_messages)).toEqual([5, 4]);

    const month = await t.autumn.events.aggregate({ customerId: id, featureId: "standard_messages", range: "30d" });
    expect(month.total.standard_messages).toEqual({ count: 4, sum: 19 });
  });
});

// ── balances.create / update / delete (§2.6) ────────────────────────────────

describe("balances", () => {
  it("create grants a feature the plan lacks; update sets remaining, adds and sets usage; delete removes it", async () => {
    const id = await freshCustomer("bal");
    expect((await t.autumn.check({ customerId: id, featureId: "premium_messages" })).allowed).toBe(false);

    expect(await t.autumn.balances.create({ customerId: id, featureId: "premium_messages", includedGrant: 10 })).toMatchObject({ success: true });
    let b = (await t.autumn.customers.get({ customerId: id })).balances.premium_messages;
    expect(b).toMatchObject({ granted: 10, remaining: 10, usage: 0 });
    expect((await t.autumn.check({ customerId: id, featureId: "premium_messages", requiredBalance: 10 })).allowed).toBe(true);
    await t.autumn.track({ customerId: id, featureId: "premium_messages", value: 4 });

    await t.autumn.balances.update({ customerId: id, featureId: "premium_messages", remaining: 7 });
    b = (await t.autumn.customers.get({ customerId: id })).balances.premium_messages;
    expect(b).toMatchObject({ granted: 10, remaining: 7, usage: 3 });

    await t.autumn.balances.update({ customerId: id, featureId: "premium_messages", addToBalance: 2 });
    b = (await t.autumn.customers.get({ customerId: id })).balances.premium_messages;
    expect(b).toMatchObject({ granted: 10, remaining: 9, usage: 1 });

    await t.autumn.balances.update({ customerId: id, featureId: "premium_messages", usage: 6 });
    b = (await t.autumn.customers.get({ customerId: id })).balances.premium_messages;
    expect(b).toMatchObject({ granted: 10, remaining: 4, usage: 6 });

    expect(await t.autumn.balances.delete({ customerId: id, featureId: "premium_messages" })).toMatchObject({ success: true });
    const after = await t.autumn.customers.get({ customerId: id });
    expect(after.balances.premium_messages).toBeUndefined();
    expect((await t.autumn.check({ customerId: id, featureId: "premium_messages" })).allowed).toBe(false);
    // The plan's own balances were not touched by the delete.
    expect(after.balances.standard_messages?.remaining).toBe(50);
  });

  it("update on a plan balance: set usage of seats, remaining of messages", async () => {
    const id = await freshCustomer("bal");
    await t.autumn.balances.update({ customerId: id, featureId: "seats", usage: 2 });
    await t.autumn.balances.update({ customerId: id, featureId: "standard_messages", remaining: 5 });
    const c = await t.autumn.customers.get({ customerId: id });
    expect(c.balances.seats).toMatchObject({ granted: 2, usage: 2, remaining: 0 });
    expect(c.balances.standard_messages).toMatchObject({ granted: 50, usage: 45, remaining: 5 });
    expect((await t.autumn.check({ customerId: id, featureId: "standard_messages", requiredBalance: 6 })).allowed).toBe(false);
  });

  it("a created balance stacks with the plan's balance of the same feature", async () => {
    const id = await freshCustomer("bal");
    await t.autumn.balances.create({ customerId: id, featureId: "standard_messages", includedGrant: 25 });
    const b = (await t.autumn.customers.get({ customerId: id })).balances.standard_messages;
    expect(b).toMatchObject({ granted: 75, remaining: 75 });
    expect(b?.breakdown).toHaveLength(2);
  });

  it("errors: unknown customer / feature → 404; update with no mode → 400", async () => {
    const id = await freshCustomer("bal");
    expect(await autumnError(t.autumn.balances.create({ customerId: "ghost", featureId: "premium_messages", includedGrant: 1 })))
      .toMatchObject({ status: 404, code: "customer_not_found" });
    expect(await autumnError(t.autumn.balances.create({ customerId: id, featureId: "ghost_feature", includedGrant: 1 })))
      .toMatchObject({ status: 404, code: "feature_not_found" });
    expect(await autumnError(t.autumn.balances.update({ customerId: id, featureId: "ghost_feature", remaining: 1 })))
      .toMatchObject({ status: 404, code: "feature_not_found" });
    expect(await autumnError(t.autumn.balances.update({ customerId: id, featureId: "standard_messages" })))
      .toMatchObject({ status: 400, code: "invalid_inputs" });
  });
});
