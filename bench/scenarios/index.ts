// Every scenario of the benchmark, in the order the run executes them (cheap in-process ones first).
import type { Scenario } from "../lib/context.ts";
import { retrievalVsLimit, searchLatencyBySize } from "./retrieval.ts";
import { signinOverhead } from "./signin.ts";

export const SCENARIOS: Scenario[] = [searchLatencyBySize, retrievalVsLimit, signinOverhead];
