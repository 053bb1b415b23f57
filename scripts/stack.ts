// The whole product, offline, in one process tree: the Autumn sandbox, the
// offline Convex host (this repo's convex/ on convex-test's engine) with the
// sandbox's signed webhooks pointed at it, and the web app (vite dev, or a
// production build served by vite preview). Seeds a global admin and a demo
// owner. `pnpm dev` runs it; the Playwright journeys start it with --preview.
//
// State persists in one data directory (default <repo>/.data/, git-ignored;
// DEV_DATA_DIR or --data-dir=<dir> to move it, "memory" to keep nothing):
// the Convex host's commit log and snapshot in <dir>/convex/, the sandbox's
// state in <dir>/autumn.json, so the two stay in step. `--reset` wipes both
// first. The Playwright stack (--preview) keeps state in memory unless a
// data directory is given.
//
// If CONVEX_DEPLOYMENT or VITE_CONVEX_URL is set, a real Convex deployment is
// configured: this script then runs `npx convex dev --run billing/sync:syncPlans`
// (stdin inherited, so a first run can prompt for login and project; one
// catalog sync after the first push) beside the web app, which gets
// VITE_CONVEX_URL and the deployment's .convex.site URL for its /api/auth
// proxy from the environment or the repo-root .env.local that `convex dev`
// writes (--preview builds first). No sandbox: a cloud deployment cannot reach
// 127.0.0.1, so it uses the AUTUMN_SECRET_KEY set on the deployment
// (README "Deploy to production").
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync as fileExists, readFileSync } from "node:fs";
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { AutumnSandbox, loadCatalog } from "../packages/autumn-sandbox/src/index.js";
import { startOfflineHost, wipeHostData } from "../packages/convex-offline-host/src/index.js";

const root = resolve(fileURLToPath(new URL(".", import.meta.url)), "..");
const args = new Set(process.argv.slice(2));
const preview = args.has("--preview");
const reset = args.has("--reset");
const env = process.env;
const dataArg = [...args].find((a) => a.startsWith("--data-dir="))?.slice("--data-dir=".length) ?? env.DEV_DATA_DIR;
/** Where the stack keeps its state; null: in memory. */
const dataDir = dataArg === "memory" || (dataArg === undefined && preview) ? null : resolve(root, dataArg ?? ".data");
const num = (v: string | undefined, d: number): number => (v && Number.isInteger(Number(v)) ? Number(v) : d);

const ports = {
  sandbox: num(env.AUTUMN_SANDBOX_PORT, 3210),
  convex: num(env.CONVEX_OFFLINE_PORT, 3212),
  web: num(env.WEB_PORT, preview ? 4173 : 5173),
};
const webUrl = `http://127.0.0.1:${ports.web}`;
export const DEMO = {
  admin: { email: "admin@example.com", password: "admin-password-123", name: "Ada Admin" },
  owner: { email: "owner@example.com", password: "owner-password-123", name: "Olive Owner", org: "Demo Co" },
};

const children: ChildProcess[] = [];
const stops: Array<() => Promise<void>> = [];
let stopping = false;

async function shutdown(code = 0): Promise<void> {
  // pnpm forwards Ctrl-C a second time: one stop, not an exit halfway through it.
  if (stopping) return;
  stopping = true;
  setTimeout(() => process.exit(code), 15_000).unref();
  for (const c of children) if (c.pid) try { process.kill(-c.pid, "SIGTERM"); } catch { /* already gone */ }
  for (const stop of stops.reverse()) await stop().catch(() => undefined);
  rmSync(childrenFile, { force: true });
  process.exit(code);
}
// A requested stop (Ctrl-C, SIGTERM) is a success: exit 0, so `pnpm dev` does not end in "ELIFECYCLE Command failed".
for (const s of ["SIGINT", "SIGTERM"] as const) process.on(s, () => void shutdown(0));

// The process groups of our children, so a start after a kill -9 (which leaves the detached web
// server running) can stop them first instead of failing on a busy port.
const childrenFile = resolve(root, `node_modules/.cache/stack-children-${ports.web}.json`);
function stopOrphans(): void {
  if (!existsSync(childrenFile)) return;
  const { pid, groups } = JSON.parse(readFileSync(childrenFile, "utf8")) as { pid: number; groups: number[] };
  let alive = true;
  try { process.kill(pid, 0); } catch { alive = false; }
  if (alive && pid !== process.pid) return; // another stack is running; its ports will say so
  for (const g of groups) try { process.kill(-g, "SIGTERM"); console.log(`stopped process group ${g} left by a stack that was killed (pid ${pid})`); } catch { /* gone */ }
  rmSync(childrenFile, { force: true });
}
function recordChildren(): void {
  mkdirSync(dirname(childrenFile), { recursive: true });
  writeFileSync(childrenFile, JSON.stringify({ pid: process.pid, groups: children.map((c) => c.pid).filter(Boolean) }));
}

function run(cmd: string, cmdArgs: string[], extraEnv: Record<string, string>, label: string): ChildProcess {
  const child = spawn(cmd, cmdArgs, { cwd: root, env: { ...env, ...extraEnv }, stdio: ["ignore", "pipe", "pipe"], detached: true });
  const prefix = (chunk: Buffer) => chunk.toString().split("\n").filter(Boolean).map((l) => `[${label}] ${l}`).join("\n");
  child.stdout?.on("data", (c: Buffer) => console.log(prefix(c)));
  child.stderr?.on("data", (c: Buffer) => console.error(prefix(c)));
  child.on("exit", (code) => { if (!stopping) { console.error(`[${label}] exited (${code}); stopping everything`); void shutdown(code ?? 1); } });
  children.push(child);
  recordChildren();
  return child;
}

async function waitFor(url: string, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    try { if ((await fetch(url)).status < 500) return; } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not come up in ${timeoutMs} ms`);
}

async function authPost(siteUrl: string, path: string, body: unknown, cookie = ""): Promise<{ res: Response; cookie: string }> {
  const res = await fetch(`${siteUrl}/api/auth${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: webUrl, ...(cookie ? { cookie } : {}) },
    body: JSON.stringify(body),
  });
  const set = res.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
  return { res, cookie: set || cookie };
}

async function seed(siteUrl: string, promoteAdmin: (email: string) => Promise<unknown>): Promise<void> {
  await authPost(siteUrl, "/sign-up/email", DEMO.admin);
  // Signing up with a listed address makes no one admin; the operator promotes (npx convex run admins:promote).
  await promoteAdmin(DEMO.admin.email);
  const { cookie } = await authPost(siteUrl, "/sign-up/email", DEMO.owner);
  await authPost(siteUrl, "/organization/create", { name: DEMO.owner.org, slug: "demo-co" }, cookie);
}

// The --preview build goes to a directory of its own (per web port), not apps/web/dist: any other
// `vite build` (a second stack, a dev's build check) would otherwise swap the bundle, and its baked-in
// VITE_CONVEX_URL, under this running preview.
const previewOutDir = resolve(root, `apps/web/node_modules/.cache/stack-preview-${ports.web}`);

function buildWeb(extraEnv: Record<string, string>): Promise<void> {
  return new Promise((resolveBuild, reject) => {
    const child = spawn("pnpm", ["--filter", "@billing/web", "build", "--outDir", previewOutDir, "--emptyOutDir"], { cwd: root, env: { ...env, ...extraEnv }, stdio: "inherit" });
    child.on("exit", (code) => (code === 0 ? resolveBuild() : reject(new Error(`web build failed (${code})`))));
  });
}

/** A variable from the environment, else from the repo-root .env.local (where `convex dev` writes its URLs). */
function fromEnvLocal(name: string): string | null {
  if (env[name]) return env[name] ?? null;
  const file = resolve(root, ".env.local");
  if (!fileExists(file)) return null;
  const m = new RegExp(`^${name}=(.*)$`, "m").exec(readFileSync(file, "utf8"));
  return m?.[1] ? m[1].replace(/#.*$/, "").trim().replace(/^["']|["']$/g, "") : null;
}

async function realConvex(): Promise<void> {
  console.log("A Convex deployment is configured (CONVEX_DEPLOYMENT / VITE_CONVEX_URL): using `npx convex dev`.");
  // Not detached, stdio inherited: a first-time `convex dev` can prompt (login, project). --run: one catalog sync after the push.
  const convex = spawn("pnpm", ["exec", "convex", "dev", "--run", "billing/sync:syncPlans"], { cwd: root, env, stdio: "inherit" });
  convex.on("exit", (code) => { if (!stopping) { console.error(`[convex] exited (${code}); stopping everything`); void shutdown(code ?? 1); } });
  stops.push(async () => { convex.kill("SIGTERM"); });
  let url = fromEnvLocal("VITE_CONVEX_URL");
  while (!url) { await new Promise((r) => setTimeout(r, 500)); url = fromEnvLocal("VITE_CONVEX_URL"); } // first run: written once configured
  const siteUrl = fromEnvLocal("CONVEX_SITE_URL") ?? fromEnvLocal("VITE_CONVEX_SITE_URL") ?? url.replace(/\.convex\.cloud\/?$/, ".convex.site");
  const webEnv = { VITE_CONVEX_URL: url, CONVEX_SITE_URL: siteUrl, WEB_PORT: String(ports.web) };
  if (preview) await buildWeb(webEnv); // a production build against the deployment, served as users get it
  run("pnpm", ["--filter", "@billing/web", ...(preview ? ["preview", "--outDir", previewOutDir] : ["dev"])], webEnv, "web");
  await waitFor(webUrl);
  console.log(`
  App:     ${webUrl}  (/api/auth → ${siteUrl}/api/auth)
  Convex:  ${url}
  Autumn:  the deployment's own AUTUMN_SECRET_KEY (npx convex env set AUTUMN_SECRET_KEY am_sk_test_…); no local sandbox
  Admin:   sign up, then npx convex run admins:promote '{"email":"you@example.com"}'
  The deployment also needs SITE_URL=${webUrl} and BETTER_AUTH_SECRET (README "Deploy to production").`);
}

/** `--reset`: wipe the host's and the sandbox's state (asks nothing; says what it wiped). */
function wipe(dir: string): void {
  const wiped = wipeHostData(resolve(dir, "convex"));
  for (const f of ["autumn.json"].map((n) => resolve(dir, n))) {
    if (existsSync(f)) { wiped.push(`${f} (${statSync(f).size} bytes)`); rmSync(f); }
  }
  console.log(wiped.length ? `--reset: wiped ${wiped.join(", ")}` : `--reset: nothing to wipe in ${dir}`);
}

/** The box around the banner, with side borders, sized to its longest line. */
function box(lines: string[]): string {
  const width = Math.max(...lines.map((l) => [...l].length));
  const pad = (l: string) => `│  ${l}${" ".repeat(width - [...l].length)}  │`;
  return [`┌${"─".repeat(width + 4)}┐`, ...lines.map(pad), `└${"─".repeat(width + 4)}┘`].join("\n");
}

async function offline(): Promise<void> {
  if (reset && dataDir) wipe(dataDir);
  const webhookSecret = env.AUTUMN_WEBHOOK_SECRET ?? `whsec_${randomBytes(24).toString("base64")}`;
  const useSandbox = !env.AUTUMN_SECRET_KEY || env.AUTUMN_SECRET_KEY.startsWith("am_sk_test_local");

  let sandboxUrl: string | null = null;
  let sandbox: AutumnSandbox | null = null;
  if (useSandbox) {
    sandbox = new AutumnSandbox({
      port: ports.sandbox,
      dataFile: dataDir ? resolve(dataDir, "autumn.json") : null, // beside the Convex host's state: the two stay in step
      seed: await loadCatalog(resolve(root, env.AUTUMN_CONFIG ?? "autumn.config.ts")),
      settlementDelayMs: num(env.AUTUMN_SANDBOX_SETTLEMENT_DELAY_MS, 2000),
    });
    // Write every change before its response goes out (the store debounces by default): a kill -9 then
    // loses nothing the Convex side already saw.
    const store = sandbox.store;
    store.changed = () => store.flush();
    sandboxUrl = await sandbox.listen();
    stops.push(() => (sandbox as AutumnSandbox).close());
  }

  const host = await startOfflineHost({
    convexDir: resolve(root, "convex"),
    port: ports.convex,
    dataDir: dataDir ? resolve(dataDir, "convex") : null,
    env: {
      SITE_URL: webUrl,
      BETTER_AUTH_SECRET: env.BETTER_AUTH_SECRET ?? "offline-dev-secret-offline-dev-secret-0000",
      BILLING_ADMIN_EMAILS: env.BILLING_ADMIN_EMAILS ?? DEMO.admin.email,
      AUTUMN_WEBHOOK_SECRET: webhookSecret,
      ...(sandboxUrl ? { AUTUMN_SANDBOX_URL: sandboxUrl, AUTUMN_SECRET_KEY: "am_sk_test_local" } : {}),
    },
    log: (line) => console.log(`[convex] ${line}`),
  });
  stops.push(() => host.close());
  if (sandbox) {
    sandbox.webhooks.config.url = `${host.siteUrl}/autumn-webhook`;
    sandbox.webhooks.config.secret = webhookSecret;
  }

  const { makeFunctionReference } = await import("convex/server");
  await host.t.action(makeFunctionReference<"action">("billing/sync:syncPlans"), {});
  const kept = host.persistence.loaded?.documents ?? 0;
  if (kept === 0) await seed(host.siteUrl, (email) => host.t.mutation(makeFunctionReference<"mutation">("admins:promote"), { email }));

  const webEnv = { VITE_CONVEX_URL: host.url, CONVEX_SITE_URL: host.siteUrl, WEB_PORT: String(ports.web) };
  if (preview) await buildWeb(webEnv); // a production build, served as users get it
  run("pnpm", ["--filter", "@billing/web", ...(preview ? ["preview", "--outDir", previewOutDir] : ["dev"])], webEnv, "web");
  await waitFor(webUrl);

  console.log(`\n${box([
    `App:        ${webUrl}`,
    `Sign in:    ${DEMO.owner.email} / ${DEMO.owner.password}  (owner of "${DEMO.owner.org}")`,
    `Admin:      ${DEMO.admin.email} / ${DEMO.admin.password}  (global admin)`,
    `Convex:     ${host.url}  — OFFLINE DEVELOPMENT HOST, not a deployment`,
    `Autumn:     ${sandboxUrl ? `${sandboxUrl}  — local sandbox` : "real Autumn (AUTUMN_SECRET_KEY)"}`,
    ...(sandboxUrl ? ["            test cards: 4242 4242 4242 4242 pays, 4000 0000 0000 0002 declines"] : []),
    `Data:       ${dataDir ? `${dataDir}  (${kept ? `kept: ${kept} documents` : "new"}; \`pnpm dev --reset\` wipes it)` : "in memory: discarded on stop"}`,
    "Ctrl-C stops everything.",
  ])}`);
}

try {
  stopOrphans();
  if (env.CONVEX_DEPLOYMENT || env.VITE_CONVEX_URL) await realConvex();
  else await offline();
} catch (err) {
  console.error(err);
  await shutdown(1);
}
