// The chapter variant client against a real local HTTP server speaking the api-service's wire format.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fetchChapterCapabilities, streamChapterVariant, type VariantSection } from "./chapters-client.ts";
import { TutorError } from "./tutor-error.ts";

let server: Server;
let apiUrl: string;
const seen: Array<{ path: string; accept?: string; body: unknown }> = [];

const SECTIONS: VariantSection[] = [
  { anchor: "", heading: "", markdown: "Lead." },
  { anchor: "why", heading: "Why", markdown: "## Why {#why}\n\nBecause." },
];

beforeAll(async () => {
  server = createServer((req, res) => {
    let raw = "";
    req.on("data", (chunk) => {
      raw += chunk;
    });
    req.on("end", () => {
      seen.push({ path: req.url ?? "", accept: req.headers.accept, body: raw ? JSON.parse(raw) : undefined });
      const doc = (seen.at(-1)?.body as { doc?: string } | undefined)?.doc;
      if (req.url === "/v1/chapters/capabilities") {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(
          JSON.stringify({
            personalize: { available: true, kind: "study-guide" },
            translate: {
              available: false,
              languages: [{ code: "ur", name: "Urdu", rtl: true }],
              defaultLanguage: "ur",
              code: "LLM_REQUIRED",
              reason: "Translation needs a language model: set OPENAI_API_KEY.",
            },
            dailyLimit: 0,
          }),
        );
        return;
      }
      if (req.url === "/v1/chapters/translate" && doc === "/docs/offline") {
        res.writeHead(503, { "content-type": "application/json" });
        res.end(
          JSON.stringify({ error: { code: "LLM_REQUIRED", message: "Set OPENAI_API_KEY.", requestId: "r" } }),
        );
        return;
      }
      if (doc === "/docs/json") {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ doc, kind: "study-guide", cached: false, sections: SECTIONS }));
        return;
      }
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(": keep-alive\n\n");
      SECTIONS.forEach((s, index) => {
        res.write(`event: section\ndata: ${JSON.stringify({ ...s, index, total: 2 })}\n\n`);
      });
      if (doc === "/docs/fails") {
        res.end(
          `event: error\ndata: ${JSON.stringify({ code: "GENERATION_FAILED", message: "Retry.", requestId: "r" })}\n\n`,
        );
        return;
      }
      if (doc === "/docs/cut") {
        res.destroy();
        return;
      }
      res.end(
        `event: done\ndata: ${JSON.stringify({ doc, kind: "translation", language: "ur", cached: true, sections: 2 })}\n\n`,
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function collect(doc: string, action: "personalize" | "translate" = "translate") {
  const sections: Array<{ section: VariantSection; index: number; total?: number }> = [];
  const promise = streamChapterVariant({
    apiUrl,
    token: "t",
    action,
    doc,
    language: "ur",
    onSection: (section, progress) => sections.push({ section, ...progress }),
  });
  return { sections, promise };
}

describe("streamChapterVariant", () => {
  it("streams the sections with their progress, then resolves with done", async () => {
    const { sections, promise } = collect("/docs/a");
    await expect(promise).resolves.toMatchObject({ kind: "translation", language: "ur", cached: true });
    expect(sections).toEqual([
      { section: SECTIONS[0], index: 0, total: 2 },
      { section: SECTIONS[1], index: 1, total: 2 },
    ]);
    expect(seen.at(-1)).toEqual({
      path: "/v1/chapters/translate",
      accept: "text/event-stream",
      body: { doc: "/docs/a", language: "ur" },
    });
  });

  it("sends no language when personalizing, and reads a JSON answer as well", async () => {
    const { sections, promise } = collect("/docs/json", "personalize");
    await expect(promise).resolves.toMatchObject({ kind: "study-guide" });
    expect(sections.map((s) => s.section)).toEqual(SECTIONS);
    expect(seen.at(-1)?.body).toEqual({ doc: "/docs/json" });
  });

  it("rejects with the service's reason: 503 LLM_REQUIRED, an error event, a cut stream", async () => {
    const offline = await collect("/docs/offline").promise.catch((e: unknown) => e);
    expect(offline).toBeInstanceOf(TutorError);
    expect((offline as TutorError).info).toMatchObject({
      code: "LLM_REQUIRED",
      status: 503,
      message: "Set OPENAI_API_KEY.",
    });
    const failed = await collect("/docs/fails").promise.catch((e: unknown) => e);
    expect((failed as TutorError).info).toMatchObject({ code: "GENERATION_FAILED", message: "Retry." });
    const cut = await collect("/docs/cut").promise.catch((e: unknown) => e);
    expect((cut as TutorError).info.kind).toBe("network");
  });
});

describe("fetchChapterCapabilities", () => {
  it("gives the languages and why translation is off", async () => {
    expect(await fetchChapterCapabilities(apiUrl, "t")).toEqual({
      languages: ["ur"],
      translateUnavailable: "Translation needs a language model: set OPENAI_API_KEY.",
      personalizeKind: "study-guide",
    });
  });
});
