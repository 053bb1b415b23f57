// `pnpm build`: the publishable package (dist/). Vite library mode writes the
// ES modules (react, react-dom, convex, recharts stay peer/dependency
// imports; the usage chart stays a lazy chunk), tsconfig.build.json writes the
// .d.ts files beside them, and styles.css is copied as is. In this workspace
// the "source" export condition points apps at src/ (no build needed).
import { copyFileSync, mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const EXTERNAL = /^(react|react-dom|convex|recharts|react-is)(\/|$)/;

export default defineConfig({
  // The production JSX runtime, whatever NODE_ENV the caller runs with (tests set "test").
  mode: "production",
  oxc: { jsx: { runtime: "automatic", development: false } },
  build: {
    outDir: here("./dist"),
    emptyOutDir: true,
    minify: false,
    sourcemap: true,
    lib: {
      entry: { index: here("./src/index.ts"), testing: here("./src/testing/index.ts"), "error-codes": here("./src/errorCodes.ts") },
      formats: ["es"],
    },
    rolldownOptions: { external: (id) => EXTERNAL.test(id) },
  },
  plugins: [{
    name: "billing-react-styles",
    writeBundle() {
      mkdirSync(here("./dist"), { recursive: true });
      copyFileSync(here("./src/styles.css"), here("./dist/styles.css"));
    },
  }],
});
