// Browser journeys in Debian's Chromium (never a Playwright-downloaded
// browser: this machine has no route to its download host). Each package
// keeps its journeys in an e2e/ folder; web servers they need start here.
import { defineConfig } from "@playwright/test";

const SANDBOX_PORT = Number(process.env.E2E_SANDBOX_PORT ?? 3291);

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
  ],
});
