// POST /v1/search with path filters against the real api-service over the ingested sample book.
import { searchResponseSchema } from "@ai-book/contracts";
import { ingestBook, newSecret, type ServiceProcess, startApiProcess, tempDir } from "@ai-book/testkit";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { signValid, validClaims } from "../security/hostile-jwt.ts";
import { envelopeCode, postJson } from "../security/support.ts";

// Processes start slowly on a busy machine: generous limits here guard against hangs, they are not speed targets.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 400_000 });

describe("POST /v1/search filters.pathPrefix (lexical index of the sample book)", () => {
  const dir = tempDir("ai-book-search-filters-");
  const secret = newSecret();
  let api: ServiceProcess;
  let headers: Record<string, string>;
  beforeAll(async () => {
    await ingestBook({ dataDir: dir.path });
    api = await startApiProcess({ dataDir: dir.path, jwtSecret: secret, rateLimitPerMinute: 1000 });
    headers = { authorization: `Bearer ${await signValid(secret, validClaims())}` };
  });
  afterAll(async () => {
    await api?.stop();
    dir.cleanup();
  });

  const search = async (body: unknown) =>
    postJson(`${api.url}/v1/search`, body, { headers, timeoutMs: 30_000 });
  const paths = async (query: string, pathPrefix?: string, limit = 10) => {
    const a = await search({
      query,
      limit,
      ...(pathPrefix === undefined ? {} : { filters: { pathPrefix } }),
    });
    expect(a.status, a.text).toBe(200);
    return searchResponseSchema.parse(a.json).results.map((r) => r.path);
  };

  it("keeps only sources under a folder prefix, which the unfiltered search would mix", async () => {
    const all = await paths("sensors and control of robot joints");
    expect(new Set(all.map((p) => p.split("/")[0])).size).toBeGreaterThan(1);
    const filtered = await paths("sensors and control of robot joints", "03-sensors-perception/");
    expect(filtered.length).toBeGreaterThan(0);
    for (const p of filtered) expect(p.startsWith("03-sensors-perception/")).toBe(true);
  });

  it("takes a prefix that ends inside a name, and a whole file path", async () => {
    const partial = await paths("sensors", "03-sens");
    expect(partial.length).toBeGreaterThan(0);
    for (const p of partial) expect(p.startsWith("03-sens")).toBe(true);
    const file = "03-sensors-perception/01-robot-sensors.md";
    expect(new Set(await paths("sensors", file))).toEqual(new Set([file]));
  });

  it("answers an empty list for a prefix nothing lives under", async () => {
    expect(await paths("sensors", "no-such-part/")).toEqual([]);
  });

  it("refuses an unknown filter or an over-long prefix with 400 VALIDATION_ERROR", async () => {
    for (const filters of [{ folder: "03-sensors-perception/" }, { pathPrefix: "x".repeat(513) }]) {
      const a = await search({ query: "sensors", filters });
      expect(a.status, a.text).toBe(400);
      expect(envelopeCode(a)).toBe("VALIDATION_ERROR");
    }
  });
});
