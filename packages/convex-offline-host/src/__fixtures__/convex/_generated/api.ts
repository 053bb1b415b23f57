// Hand-written stand-in for codegen output.
import { anyApi } from "convex/server";

export const api = anyApi;
export const internal = anyApi;
