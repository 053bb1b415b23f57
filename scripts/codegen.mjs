// Offline Convex codegen (platform-notes §3). The deployment-backed
// `convex codegen` cannot run without network, so this runs the CLI's local
// codegen for the app and for the locally installed better-auth component,
// then appends the `components` export that deployment codegen would add.
// Output is committed, so a fresh clone typechecks without running this.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(fileURLToPath(new URL(".", import.meta.url)), "..");
const convexBin = resolve(root, "node_modules/.bin/convex");
const run = () => execFileSync(convexBin, ["codegen", "--system-udfs", "--typecheck", "disable"], { cwd: root, stdio: "inherit" });

// 1. The better-auth component's own _generated/, via a temporary convex.json.
const convexJson = resolve(root, "convex.json");
const saved = existsSync(convexJson) ? readFileSync(convexJson, "utf8") : null;
writeFileSync(convexJson, JSON.stringify({ functions: "convex/betterAuth/" }));
try {
  run();
} finally {
  if (saved === null) rmSync(convexJson);
  else writeFileSync(convexJson, saved);
}

// 2. The app.
run();

// 3. `components` (one entry per app.use in convex/convex.config.ts).
const apiJs = resolve(root, "convex/_generated/api.js");
let js = readFileSync(apiJs, "utf8");
if (!js.includes("componentsGeneric")) {
  js = js.replace(/import \{ anyApi(.*?) \} from "convex\/server";/, 'import { anyApi$1, componentsGeneric } from "convex/server";');
  js += "\nexport const components = componentsGeneric();\n";
  writeFileSync(apiJs, js);
}
const apiDts = resolve(root, "convex/_generated/api.d.ts");
let dts = readFileSync(apiDts, "utf8");
if (!dts.includes("export declare const components")) {
  dts += `
export declare const components: {
  betterAuth: import("@convex-dev/better-auth/_generated/component.js").ComponentApi<"betterAuth">;
};
`;
  writeFileSync(apiDts, dts);
}
console.log("codegen: convex/_generated and convex/betterAuth/_generated written");
