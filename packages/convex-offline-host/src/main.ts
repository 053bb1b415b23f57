// CLI: `pnpm --filter @billing/convex-offline-host start`
// DEVELOPMENT ONLY — runs ../../convex on convex-test's engine (see host.ts).
//
// Environment:
//   CONVEX_OFFLINE_PORT      port (default 3212)
//   CONVEX_OFFLINE_HOSTNAME  interface (default 127.0.0.1)
//   CONVEX_OFFLINE_SITE_URL  CONVEX_SITE_URL the functions see (default: this server's URL)
//   SITE_URL                 the web app's origin, trusted by better-auth (default http://127.0.0.1:5173)
//   BETTER_AUTH_SECRET       (default: a fixed development secret, with a warning)
//   CONVEX_OFFLINE_DATA      data directory (default <repo>/.data/convex); "memory" keeps state in memory only
//   AUTUMN_SANDBOX_URL       the sandbox (default http://127.0.0.1:3210 when AUTUMN_SECRET_KEY is unset too)
//   AUTUMN_SECRET_KEY        (default with a sandbox URL: the sandbox's own key, am_sk_test_local; see autumnEnv.ts)
//   AUTUMN_API_URL, AUTUMN_TIMEOUT_MS, AUTUMN_WEBHOOK_SECRET, BILLING_ADMIN_EMAILS, … are passed
//   through to the functions unchanged.
import { fileURLToPath } from "node:url";
import { resolve } from "node:path";
import { autumnDefaults } from "./autumnEnv.js";
import { startOfflineHost } from "./host.js";

const DEV_SECRET = "offline-dev-secret-offline-dev-secret-0000";
const repoRoot = resolve(fileURLToPath(new URL(".", import.meta.url)), "../../..");
const convexDir = resolve(repoRoot, "convex");

function port(raw: string | undefined): number {
  if (raw === undefined || raw.trim() === "") return 3212;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`CONVEX_OFFLINE_PORT must be a port number, got "${raw}"`);
  return n;
}

process.on("unhandledRejection", (reason) => {
  console.error("[offline-host] unhandled rejection:", reason);
});

const env = process.env;
if (!env.BETTER_AUTH_SECRET) console.warn("[offline-host] BETTER_AUTH_SECRET not set: using a fixed development secret.");

const dataDir = env.CONVEX_OFFLINE_DATA === "memory" ? null : resolve(repoRoot, env.CONVEX_OFFLINE_DATA ?? ".data/convex");

const host = await startOfflineHost({
  convexDir,
  dataDir,
  port: port(env.CONVEX_OFFLINE_PORT),
  ...(env.CONVEX_OFFLINE_HOSTNAME ? { hostname: env.CONVEX_OFFLINE_HOSTNAME } : {}),
  ...(env.CONVEX_OFFLINE_SITE_URL ? { siteUrl: env.CONVEX_OFFLINE_SITE_URL } : {}),
  env: {
    SITE_URL: env.SITE_URL ?? "http://127.0.0.1:5173",
    BETTER_AUTH_SECRET: env.BETTER_AUTH_SECRET ?? DEV_SECRET,
    // The billing module refuses a missing Autumn configuration; this dev host says explicitly: the local sandbox.
    ...autumnDefaults(env),
  },
});

console.log("");
console.log(`Convex offline host ready: ${host.url}`);
console.log(`  web app:   VITE_CONVEX_URL=${host.url} CONVEX_SITE_URL=${host.siteUrl}`);
console.log(`  SITE_URL:  ${process.env.SITE_URL ?? ""}`);
console.log(`  Autumn:    ${process.env.AUTUMN_SANDBOX_URL ? `sandbox ${process.env.AUTUMN_SANDBOX_URL}` : process.env.AUTUMN_SECRET_KEY ? "AUTUMN_SECRET_KEY set" : "not configured"}`);
console.log(`  State:     ${dataDir ?? "in memory (discarded on stop)"}`);
console.log("  Ctrl-C to stop.");

let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (stopping) process.exit(1);
    stopping = true;
    console.log(`\n[offline-host] ${signal}: shutting down${dataDir ? "" : ", in-memory state discarded"}.`);
    void host.close().finally(() => process.exit(0));
  });
}
