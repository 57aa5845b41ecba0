// Every scenario of the benchmark, in the order the run executes them (cheap in-process ones first).
import type { Scenario } from "../lib/context.ts";
import { authOverhead } from "./auth-overhead.ts";
import { cost } from "./cost.ts";
import { idleRss } from "./idle-rss.ts";
import { ingestThroughput } from "./ingest.ts";
import { retrievalVsLimit, searchLatencyBySize } from "./retrieval.ts";
import { searchServer } from "./search-server.ts";
import { signinOverhead } from "./signin.ts";
import { streams } from "./streams.ts";

export const SCENARIOS: Scenario[] = [
  searchLatencyBySize,
  retrievalVsLimit,
  authOverhead,
  signinOverhead,
  searchServer,
  streams,
  ingestThroughput,
  idleRss,
  cost,
];
