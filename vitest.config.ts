// One vitest run for every suite in the monorepo; each package is a project
// so environments can differ (node for the sandbox, edge-runtime for Convex,
// jsdom for React) as later issues add them.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    server: { deps: { inline: ["convex-test"] } },
    // Vitest's default on a 2-core machine is ONE worker (cores − 1). Most suites wait on loopback HTTP (the
    // sandbox), child processes (the offline host, the Convex CLI) or timers, so two files at a time use the
    // second core: the whole run drops from ~5 to ~4 minutes on CI's 2 cores. Files stay isolated from each other.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: "autumn-sandbox",
          include: ["packages/autumn-sandbox/src/**/*.test.ts"],
          environment: "node",
          testTimeout: 20_000,
        },
      },
      {
        extends: true,
        test: {
          name: "convex",
          include: ["convex/**/*.test.ts"],
          environment: "edge-runtime",
          // Autumn calls fail with the Convex runtime's error shapes, not Node's.
          setupFiles: ["convex/test.runtime.ts"],
          testTimeout: 30_000,
        },
      },
      {
        extends: true,
        test: {
          // convex/ bundled by the real Convex CLI offline, loaded in a web-API-only isolate (scripts/deploy-check.ts).
          name: "deploy",
          include: ["scripts/**/*.test.ts"],
          environment: "node",
          testTimeout: 120_000,
        },
      },
      {
        extends: true,
        test: {
          name: "convex-offline-host",
          include: ["packages/convex-offline-host/src/**/*.test.ts"],
          environment: "node",
          testTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: "billing-react",
          include: ["packages/billing-react/src/**/*.test.tsx"],
          environment: "jsdom",
          setupFiles: ["packages/billing-react/src/test-setup.ts"],
          isolate: false,
        },
      },
      {
        extends: true,
        // examples/minimal: a second app adopting the module (docs/adopting.md); its globalSetup copies convex/billing in.
        resolve: { conditions: ["source", "module", "browser", "development|production"] },
        test: {
          name: "example-minimal",
          include: ["examples/minimal/**/*.test.{ts,tsx}"],
          exclude: ["**/node_modules/**", "examples/minimal/convex/billing/**"],
          environment: "edge-runtime",
          globalSetup: ["examples/minimal/test.global.ts"],
          testTimeout: 30_000,
        },
      },
      {
        extends: true,
        test: {
          name: "security",
          include: ["apps/web/security/**/*.test.ts"],
          environment: "node",
          testTimeout: 120_000,
        },
      },
    ],
  },
});
