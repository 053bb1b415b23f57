// (f) UI weight: what @billing/react adds to an app's JavaScript, from real
// production builds (vite 8, minified, NODE_ENV=production). Four tiny apps
// are built one by one, each rendering something so nothing is shaken out:
//   react      — React + react-dom rendering a <div>
//   convex     — the same plus convex/react's ConvexProvider (every app using
//                this UI already has it: the UI talks to Convex through it)
//   billing    — the same plus every export of @billing/react (namespace kept
//                alive, BillingProvider + BillingTab rendered) and its CSS
//   recharts   — convex + only the recharts imports UsageChart uses, to show
//                the chart library's share
// Sizes are the sum of the emitted JS chunks, raw and gzip (level 9).
// Runs in plain Node (tsx), not in Vitest.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { build } from "vite";
import { BENCH_DIR } from "./lib";

const ROOT = resolve(BENCH_DIR, "..");
const UI_PKG = join(ROOT, "packages/billing-react");

const ENTRIES: Record<string, string> = {
  react: `
import { createElement } from "react";
import { createRoot } from "react-dom/client";
createRoot(document.getElementById("root")).render(createElement("div", null, "hello"));
`,
  convex: `
import { createElement } from "react";
import { createRoot } from "react-dom/client";
import { ConvexProvider, ConvexReactClient } from "convex/react";
const client = new ConvexReactClient("https://example-123.convex.cloud");
createRoot(document.getElementById("root")).render(createElement(ConvexProvider, { client }, createElement("div", null, "hello")));
`,
  billing: `
import { createElement } from "react";
import { createRoot } from "react-dom/client";
import { ConvexProvider, ConvexReactClient } from "convex/react";
import * as Billing from "@billing/react";
import "@billing/react/styles.css";
const client = new ConvexReactClient("https://example-123.convex.cloud");
const api = new Proxy({}, { get: (_, name) => name });
globalThis.__billing = Billing;
createRoot(document.getElementById("root")).render(
  createElement(ConvexProvider, { client },
    createElement(Billing.BillingProvider, { api }, createElement(Billing.BillingTab, {}))));
`,
  recharts: `
import { createElement } from "react";
import { createRoot } from "react-dom/client";
import { ConvexProvider, ConvexReactClient } from "convex/react";
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
const client = new ConvexReactClient("https://example-123.convex.cloud");
globalThis.__chart = { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis };
createRoot(document.getElementById("root")).render(createElement(ConvexProvider, { client }, createElement("div", null, "hello")));
`,
};

export interface BuildSize { js: number; jsGzip: number; css: number; cssGzip: number; chunks: number }
export interface UiWeight { sizes: Record<string, BuildSize>; vite: string }

function sizeOf(dir: string): BuildSize {
  const out: BuildSize = { js: 0, jsGzip: 0, css: 0, cssGzip: 0, chunks: 0 };
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) { walk(p); continue; }
      const bytes = readFileSync(p);
      const gz = gzipSync(bytes, { level: 9 }).length;
      if (name.endsWith(".js")) { out.js += bytes.length; out.jsGzip += gz; out.chunks += 1; }
      if (name.endsWith(".css")) { out.css += bytes.length; out.cssGzip += gz; }
    }
  };
  walk(dir);
  return out;
}

export async function measureUiWeight(log: (m: string) => void = () => {}): Promise<UiWeight> {
  const work = mkdtempSync(join(tmpdir(), "billing-ui-weight-"));
  try {
    // The entries resolve react, react-dom, convex and recharts exactly as the UI package does.
    symlinkSync(join(UI_PKG, "node_modules"), join(work, "node_modules"), "dir");
    const sizes: Record<string, BuildSize> = {};
    for (const [name, source] of Object.entries(ENTRIES)) {
      const dir = join(work, name);
      mkdirSync(dir);
      writeFileSync(join(dir, "entry.js"), source);
      const outDir = join(dir, "dist");
      await build({
        configFile: false,
        root: dir,
        logLevel: "warn",
        mode: "production",
        define: { "process.env.NODE_ENV": JSON.stringify("production") },
        resolve: { alias: [
          { find: "@billing/react/styles.css", replacement: join(UI_PKG, "src/styles.css") },
          { find: /^@billing\/react$/, replacement: join(UI_PKG, "src/index.ts") },
        ] },
        oxc: { jsx: { runtime: "automatic" } },
        build: {
          outDir,
          emptyOutDir: true,
          minify: true,
          cssMinify: true,
          reportCompressedSize: false,
          chunkSizeWarningLimit: 100_000,
          modulePreload: false,
          rollupOptions: { input: join(dir, "entry.js") },
        },
      });
      sizes[name] = sizeOf(outDir);
      log(`ui weight: ${name}: ${(sizes[name].jsGzip / 1024).toFixed(1)} KiB gzip JS (${(sizes[name].js / 1024).toFixed(1)} KiB raw)`);
    }
    const vite = (JSON.parse(readFileSync(join(ROOT, "node_modules/vite/package.json"), "utf8")) as { version: string }).version;
    return { sizes, vite };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
