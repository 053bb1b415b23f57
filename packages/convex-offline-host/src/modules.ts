// Module maps for convex-test, built from the file system the way
// convex/test.setup.ts builds them with import.meta.glob (which plain
// Node/tsx lacks):
//
//   import.meta.glob(["./**/*.{ts,js}", "!./**/*.*.*", "!./betterAuth/**"])
//
// Keys are paths relative to the functions directory, starting with "./"
// and keeping the extension ("./billing/api.ts", "./_generated/api.js").
// convex-test (dist/index.js moduleCache/findModulesRoot) takes the prefix
// of the first key containing "_generated" as the root ("./"), strips the
// extension from every key and looks functions up as prefix + "billing/api".
// So every map must contain a `_generated/` file, and `_generated` keys go
// first so no other key can be mistaken for the root.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { pathToFileURL } from "node:url";

export type ModuleLoader = () => Promise<unknown>;
export type ModuleMap = Record<string, ModuleLoader>;

const SOURCE_EXT = /\.(ts|tsx|js|jsx|mjs)$/;

/** Convex's module rule: one dot in the file name (drops tests, *.config.ts, .d.ts). */
function isFunctionModule(name: string): boolean {
  return SOURCE_EXT.test(name) && name.split(".").length === 2;
}

export function importFile(absPath: string): Promise<unknown> {
  return import(pathToFileURL(absPath).href);
}

export interface LocalComponent {
  /** The name the app mounts it under (`components.<name>`), from defineComponent("<name>"). */
  name: string;
  dir: string;
}

/** Sub-directories holding their own convex.config.ts are locally installed components. */
export function findLocalComponents(convexDir: string): LocalComponent[] {
  const found: LocalComponent[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isDirectory() || entry.name === "node_modules" || entry.name === "_generated" || entry.name.startsWith(".")) continue;
      const sub = join(dir, entry.name);
      const config = ["convex.config.ts", "convex.config.js"].map((f) => join(sub, f)).find((f) => existsSync(f));
      if (config) {
        const match = /defineComponent\(\s*["'`]([^"'`]+)["'`]/.exec(readFileSync(config, "utf8"));
        found.push({ name: match?.[1] ?? entry.name, dir: sub });
      } else {
        walk(sub);
      }
    }
  };
  walk(convexDir);
  return found;
}

export interface ModuleIndex {
  /** The map handed to convexTest / registerComponent. */
  map: ModuleMap;
  /** "billing/api" → absolute file path. */
  files: Map<string, string>;
  /** Load a module by its extension-less path ("billing/api"). */
  load(modulePath: string): Promise<Record<string, unknown>>;
}

/** All function modules under `dir`, skipping the directories in `exclude` (components). */
export function buildModuleIndex(dir: string, exclude: readonly string[] = []): ModuleIndex {
  const files = new Map<string, string>();
  const generated: string[] = [];
  const others: string[] = [];
  const walk = (d: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const abs = join(d, entry.name);
      if (entry.isDirectory()) {
        if (entry.name === "node_modules" || entry.name.startsWith(".") || exclude.includes(abs)) continue;
        walk(abs);
      } else if ((entry.isFile() || (entry.isSymbolicLink() && statSync(abs).isFile())) && isFunctionModule(entry.name)) {
        const rel = relative(dir, abs).split(sep).join("/");
        (rel.startsWith("_generated/") ? generated : others).push(rel);
      }
    }
  };
  walk(dir);
  if (!generated.some((r) => r.startsWith("_generated/"))) {
    throw new Error(`No _generated/ directory in ${dir}: run the offline codegen (pnpm codegen) first.`);
  }
  const map: ModuleMap = {};
  for (const rel of [...generated.sort(), ...others.sort()]) {
    const abs = join(dir, rel);
    map[`./${rel}`] = () => importFile(abs);
    files.set(rel.replace(SOURCE_EXT, ""), abs);
  }
  return {
    map,
    files,
    async load(modulePath) {
      const abs = files.get(modulePath);
      if (abs === undefined) throw new Error(`Could not find module for: "${modulePath}"`);
      const mod = await importFile(abs);
      if (typeof mod !== "object" || mod === null) throw new Error(`Module ${modulePath} did not load as an object`);
      return mod as Record<string, unknown>;
    },
  };
}
