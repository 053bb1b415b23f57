// vitest globalSetup for the example: docs/adopting.md step 1 (copy the module) before any test file loads.
import { adoptBillingModule } from "./adopt";

export default function setup(): void {
  adoptBillingModule();
}
