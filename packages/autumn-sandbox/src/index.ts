// Public entry of the sandbox package: start one in-process (tests, the dev
// host) or through main.ts (pnpm sandbox).
export { AutumnSandbox, type SandboxOptions } from "./server.js";
export { catalogFromConfig, loadCatalog } from "./seed.js";
export { TEST_CARDS } from "./checkout.js";
export type { CatalogBody } from "./catalog.js";
export type { FaultInput, FaultMode } from "./faults.js";
