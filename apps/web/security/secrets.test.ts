// Security: nothing secret ships to the browser. Builds the web app with
// canary values in every server-side secret the project uses, then scans
// every file of the production build for them (and for any Autumn secret
// key shape at all). Vite only exposes VITE_* variables, but an import of
// server code into the client would leak; this proves none happens.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const webDir = resolve(fileURLToPath(new URL(".", import.meta.url)), "..");
const CANARIES = {
  AUTUMN_SECRET_KEY: "am_sk_test_canary_7f3a9c1e5b",
  AUTUMN_WEBHOOK_SECRET: "whsec_Y2FuYXJ5LXdlYmhvb2stc2VjcmV0LTk5",
  BETTER_AUTH_SECRET: "canary-better-auth-secret-3c9e1f7a",
};

let outDir: string;
let files: string[] = [];

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

beforeAll(() => {
  outDir = mkdtempSync(join(tmpdir(), "web-build-"));
  const build = spawnSync("pnpm", ["exec", "vite", "build", "--outDir", outDir, "--emptyOutDir"], {
    cwd: webDir,
    env: { ...process.env, ...CANARIES },
    encoding: "utf8",
  });
  if (build.status !== 0) throw new Error(`vite build failed:\n${build.stdout}\n${build.stderr}`);
  files = walk(outDir);
}, 120_000);

afterAll(() => rmSync(outDir, { recursive: true, force: true }));

describe("the production web build", () => {
  it("has files to scan (the build really ran)", () => {
    expect(files.some((f) => f.endsWith(".js"))).toBe(true);
    expect(files.some((f) => f.endsWith("index.html"))).toBe(true);
  });

  it.each(Object.entries(CANARIES))("does not contain %s", (_name, canary) => {
    const hits = files.filter((f) => readFileSync(f, "latin1").includes(canary));
    expect(hits).toEqual([]);
  });

  it("contains no Autumn secret key at all (am_sk_…)", () => {
    const hits = files.filter((f) => /am_sk_(test|live)_[A-Za-z0-9]/.test(readFileSync(f, "latin1")));
    expect(hits).toEqual([]);
  });
});
