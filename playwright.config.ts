// Browser journeys in Debian's Chromium (never a Playwright-downloaded
// browser: this machine has no route to its download host). Each package
// keeps its journeys in an e2e/ folder; web servers they need start here.
import { defineConfig } from "@playwright/test";

const SANDBOX_PORT = Number(process.env.E2E_SANDBOX_PORT ?? 3291);
/** The whole offline product for the app journeys (apps/web/e2e): sandbox, Convex host, production web build. */
export const STACK = {
  sandbox: Number(process.env.E2E_STACK_SANDBOX_PORT ?? 3310),
  convex: Number(process.env.E2E_STACK_CONVEX_PORT ?? 3312),
  web: Number(process.env.E2E_STACK_WEB_PORT ?? 4173),
};

export default defineConfig({
  testMatch: "**/e2e/**/*.spec.ts",
  testIgnore: "**/node_modules/**",
  outputDir: "test-results/e2e",
  timeout: 30_000,
  workers: 1,
  reporter: process.env.PLAYWRIGHT_JSON_OUTPUT_NAME ? [["list"], ["json"]] : [["list"]],
  use: {
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    },
    screenshot: "only-on-failure",
  },
  projects: [{ name: "debian-chromium", use: { browserName: "chromium" } }],
  webServer: [
    {
      command: "pnpm --filter @billing/autumn-sandbox start",
      url: `http://127.0.0.1:${SANDBOX_PORT}/health`,
      env: { AUTUMN_SANDBOX_PORT: String(SANDBOX_PORT), AUTUMN_SANDBOX_DATA: "memory", AUTUMN_SANDBOX_SETTLEMENT_DELAY_MS: "500" },
      reuseExistingServer: !process.env.CI,
      timeout: 30_000,
    },
    {
      command: "pnpm exec tsx scripts/stack.ts --preview",
      url: `http://127.0.0.1:${STACK.web}`,
      env: {
        AUTUMN_SANDBOX_PORT: String(STACK.sandbox),
        CONVEX_OFFLINE_PORT: String(STACK.convex),
        WEB_PORT: String(STACK.web),
        AUTUMN_SANDBOX_SETTLEMENT_DELAY_MS: "1500",
      },
      reuseExistingServer: !process.env.CI,
      timeout: 120_000,
      // stack.ts runs the web server as a detached child (its own process group); Playwright's default
      // stop (SIGKILL to the command's group) would leave that `vite preview` holding the port.
      // SIGTERM lets stack.ts stop everything it started.
      gracefulShutdown: { signal: "SIGTERM", timeout: 15_000 },
      stdout: "ignore",
      stderr: "pipe",
    },
  ],
});
