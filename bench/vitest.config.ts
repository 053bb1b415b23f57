// The benchmarks' own Vitest config (`pnpm bench` runs it through bench/run.ts).
// Kept apart from the root vitest.config.ts so `pnpm test` never runs them:
// convex-test needs Vite's import.meta.glob (convex/test.setup.ts), so the
// Convex benchmarks run inside Vitest, one file at a time (the machine is
// shared; ratios are measured side by side inside each file).
//
// The plugin gives convex-test's in-memory database per-table id sets and an
// equality hash index (bench/harness-index.ts) so lookups cost what they cost
// in Convex (an index range) rather than a scan of every document; without it
// the reconcile's wall time grows with N² (3.5× slower already at N=1000).
// It changes no count: `pnpm bench` runs the reconcile at N=1000 with and
// without it and prints the comparison (bench/harness-check.ts).
// BENCH_FAST_INDEX=0 turns it off.
import { fileURLToPath } from "node:url";
import { defineConfig, type Plugin } from "vitest/config";

const harnessIndex = fileURLToPath(new URL("./harness-index.ts", import.meta.url));

const convexTestIndex: Plugin = {
  name: "bench:convex-test-index",
  transform(code, id) {
    if (!/[\\/]convex-test[\\/]dist[\\/]index\.js$/.test(id.split("?")[0] ?? "")) return null;
    if (!code.includes("class DatabaseFake") || !code.includes("function tableNameFromId")) return null;
    return `${code}\nimport { accelerate as __benchAccelerate } from ${JSON.stringify(harnessIndex)};\n__benchAccelerate(DatabaseFake, tableNameFromId);\n`;
  },
};

export default defineConfig({
  root: fileURLToPath(new URL("..", import.meta.url)),
  plugins: [convexTestIndex],
  test: {
    name: "bench",
    include: ["bench/**/*.bench.ts"],
    environment: "edge-runtime",
    server: { deps: { inline: ["convex-test"] } },
    fileParallelism: false,
    testTimeout: 240_000,
    hookTimeout: 120_000,
  },
});
