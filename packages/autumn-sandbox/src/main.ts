// `pnpm sandbox`: run the Autumn sandbox as a process. Configuration comes
// from the environment (documented in the README and .env.example).

import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { AutumnSandbox, sandboxKeys } from "./server.js";
import { loadCatalog } from "./seed.js";

const root = resolve(fileURLToPath(new URL(".", import.meta.url)), "../../..");
const env = process.env;
const port = Number(env.AUTUMN_SANDBOX_PORT ?? 3210);
const host = env.AUTUMN_SANDBOX_HOST ?? "127.0.0.1";
const dataFile = env.AUTUMN_SANDBOX_DATA === "memory" ? null : resolve(root, env.AUTUMN_SANDBOX_DATA ?? ".sandbox-data/autumn.json");
const configFile = resolve(root, env.AUTUMN_CONFIG ?? "autumn.config.ts");

const sandbox = new AutumnSandbox({
  port,
  host,
  dataFile,
  seed: await loadCatalog(configFile),
  settlementDelayMs: Number(env.AUTUMN_SANDBOX_SETTLEMENT_DELAY_MS ?? 3000),
  webhookUrl: env.AUTUMN_WEBHOOK_URL ?? null,
  webhookSecret: env.AUTUMN_WEBHOOK_SECRET ?? null,
  ...(env.AUTUMN_SANDBOX_PUBLIC_URL ? { publicUrl: env.AUTUMN_SANDBOX_PUBLIC_URL } : {}),
});
const url = await sandbox.listen();
const state = sandbox.store.state;
console.log(`Autumn sandbox (local, test mode) listening on ${url}`);
console.log(`  catalog: ${Object.keys(state.features).length} features, ${Object.keys(state.plans).length} plans from ${configFile}`);
console.log(`  state:   ${dataFile ?? "in memory (AUTUMN_SANDBOX_DATA=memory)"}; ${Object.keys(state.customers).length} customers`);
console.log(`  webhooks: ${sandbox.webhooks.enabled ? env.AUTUMN_WEBHOOK_URL : "off (set AUTUMN_WEBHOOK_URL and AUTUMN_WEBHOOK_SECRET)"}`);
console.log(`  keys:    ${sandboxKeys().join(", ")} (AUTUMN_SANDBOX_KEYS)`);
console.log(`  use: new Autumn({ secretKey: "${sandboxKeys()[0]}", serverURL: "${url}", failOpen: false })`);

const stop = async (): Promise<void> => {
  await sandbox.close();
  process.exit(0);
};
process.on("SIGINT", () => void stop());
process.on("SIGTERM", () => void stop());
