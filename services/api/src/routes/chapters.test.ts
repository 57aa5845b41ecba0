// POST /v1/chapters/personalize and /translate over HTTP on the sample book: offline (study guide, LLM_REQUIRED) and
// with a model (the local OpenAI-protocol stub through the real openai SDK): structure, prompts, cache, quota.
import { join } from "node:path";
import {
  chapterCapabilitiesSchema,
  chapterStreamEventSchemas,
  chapterVariantSchema,
  errorEnvelopeSchema,
} from "@ai-book/contracts";
import { type OpenAIStub, type StubChatRequest, startOpenAIStub } from "@ai-book/testkit";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { BOOK, readSse, signToken, startTestApi, type TestApi } from "../../test/harness.ts";
import { openSqliteStore } from "../adapters/vector/sqlite.ts";
import { originalMarkdown, structureProblem } from "../chapters/markdown.ts";
import type { DocumentSource } from "../rag/ports.ts";

const DOCS = join(import.meta.dirname, "../../../../book/docs");
const PID = "/docs/actuators-control/pid-and-impedance-control";
const WHAT = "/docs/foundations/what-is-physical-ai";

/** The section text the model was given (after the prompt's "Section of …:" line). */
function sectionOf(req: StubChatRequest | { body: unknown }): string {
  const { messages } = ("messages" in req ? req : req.body) as {
    messages: Array<{ role: string; content: unknown }>;
  };
  const user = messages.find((m) => m.role === "user")?.content;
  return String(user ?? "").replace(/^Section of [^\n]*:\n\n/, "");
}

/** A well-behaved model: every prose line changed, every placeholder kept where it was. */
function adaptProse(text: string, mark: string): string {
  return text
    .split("\n")
    .map((line) => {
      const withoutTokens = line.replace(/⟦\d+⟧/g, "");
      if (!/\p{L}/u.test(withoutTokens)) return line;
      if (/^#{1,6} /.test(line)) return line.replace(/^(#{1,6} ).*?(\s*⟦\d+⟧)?$/, `$1${mark}$2`);
      return `${line} ${mark}`;
    })
    .join("\n");
}

const systemOf = (req: StubChatRequest | { body: unknown }) =>
  String(
    (req.body as { messages: Array<{ role: string; content: string }> }).messages.find(
      (m) => m.role === "system",
    )?.content ?? "",
  );

let sources: DocumentSource[];

async function readSources(api: TestApi): Promise<DocumentSource[]> {
  const store = openSqliteStore({ path: api.config.INDEX_PATH });
  try {
    return await store.documentSources();
  } finally {
    await store.close();
  }
}

describe("chapters offline (no LLM): the study guide, and translation refused", () => {
  let api: TestApi;
  let token: string;
  beforeAll(async () => {
    api = await startTestApi({}, { docsDir: DOCS });
    sources = await readSources(api);
    token = await signToken({ profile: { softwareBackground: "Beginner" } });
  });
  afterAll(async () => api?.stop());

  it("says up front that translation needs a model, and personalization is a study guide", async () => {
    const res = await fetch(`${api.url}/v1/chapters/capabilities`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(200);
    const caps = chapterCapabilitiesSchema.parse(await res.json());
    expect(caps.personalize.kind).toBe("study-guide");
    expect(caps.translate).toMatchObject({ available: false, code: "LLM_REQUIRED", defaultLanguage: "ur" });
    expect(caps.translate.reason).toMatch(/OPENAI_API_KEY/);
    expect(caps.translate.languages).toEqual([{ code: "ur", name: "Urdu", rtl: true }]);
  });

  it("personalize answers a study guide built from the book, every item linked to a heading of the book", async () => {
    const res = await api.post("/v1/chapters/personalize", { doc: PID }, token);
    expect(res.status).toBe(200);
    const body = chapterVariantSchema.parse(await res.json());
    expect(body).toMatchObject({ doc: PID, kind: "study-guide", cached: false });
    const guide = body.studyGuide;
    if (!guide) throw new Error("no studyGuide");
    // The chapter's own quiz questions, linked to its review section.
    expect(guide.questions.length).toBeGreaterThanOrEqual(2);
    for (const q of guide.questions) expect(q.url).toBe(`${BOOK}${PID}#check-your-understanding`);
    expect(guide.keyTerms.map((k) => k.term)).toContain("Admittance control");
    expect(guide.prerequisites.length).toBeGreaterThan(0);
    const anchors = new Map(sources.map((d) => [d.route, new Set(d.sections.map((s) => s.anchor))]));
    const links = [...guide.prerequisites, ...guide.keyTerms, ...guide.questions].map((i) => i.url);
    for (const url of links) {
      const [page, anchor] = url.slice(BOOK.length).split("#");
      expect(anchors.get(page ?? "")?.has(anchor ?? ""), url).toBe(true);
    }
    // Prerequisites come from earlier chapters only.
    for (const p of guide.prerequisites) expect(p.url).not.toContain("/docs/humanoids/");
    expect(body.sections.map((s) => s.anchor)).toEqual([
      "",
      "study-guide-prerequisites",
      "study-guide-key-terms",
      "study-guide-review-questions",
    ]);
    expect(body.sections[3]?.markdown).toContain(guide.questions[0]?.question.slice(0, 40));
  });

  it("streams the study guide as section events, then done", async () => {
    const res = await api.post("/v1/chapters/personalize", { doc: `${PID}/` }, token, {
      headers: { accept: "text/event-stream" },
    });
    expect(res.headers.get("content-type")).toMatch(/text\/event-stream/);
    const { events } = await readSse(res);
    expect(events.map((e) => e.event)).toEqual(["section", "section", "section", "section", "done"]);
    const first = chapterStreamEventSchemas.section.parse(events[0]?.data);
    expect(first).toMatchObject({ index: 0, total: 4 });
    expect(chapterStreamEventSchemas.done.parse(events[4]?.data)).toMatchObject({
      doc: PID,
      kind: "study-guide",
      sections: 4,
    });
  });

  it("translate is 503 LLM_REQUIRED naming the missing model key, never a fake translation", async () => {
    const res = await api.post("/v1/chapters/translate", { doc: PID, language: "ur" }, token);
    expect(res.status).toBe(503);
    const { error } = errorEnvelopeSchema.parse(await res.json());
    expect(error.code).toBe("LLM_REQUIRED");
    expect(error.message).toMatch(/OPENAI_API_KEY/);
  });

  it("refuses an unknown doc (404), a bad body (400), a missing token (401)", async () => {
    const unknown = await api.post("/v1/chapters/personalize", { doc: "/docs/no/such/page" }, token);
    expect(unknown.status).toBe(404);
    expect(errorEnvelopeSchema.parse(await unknown.json()).error.code).toBe("CHAPTER_NOT_FOUND");
    for (const body of [{}, { doc: "not-a-path" }, { doc: PID, extra: 1 }, { doc: 42 }]) {
      const bad = await api.post("/v1/chapters/personalize", body, token);
      expect(bad.status, JSON.stringify(body)).toBe(400);
      expect(errorEnvelopeSchema.parse(await bad.json()).error.code).toBe("VALIDATION_ERROR");
    }
    const anonymous = await api.post("/v1/chapters/personalize", { doc: PID }, null);
    expect(anonymous.status).toBe(401);
  });
});

describe("chapters with a model (local OpenAI-protocol stub, real openai SDK)", () => {
  let stub: OpenAIStub;
  let api: TestApi;
  beforeAll(async () => {
    stub = await startOpenAIStub();
    api = await startTestApi(
      {
        OPENAI_API_KEY: "sk-test-not-a-real-key",
        OPENAI_BASE_URL: stub.baseURL,
        LLM_MAX_RETRIES: "0",
        TRANSLATION_LANGUAGES: "ur,hi",
        VARIANT_DAILY_LIMIT: "0",
      },
      { docsDir: DOCS },
    );
    sources = await readSources(api);
  });
  afterAll(async () => {
    await api?.stop();
    await stub?.close();
  });
  beforeEach(() => {
    stub.reset();
    stub.setReply((req) => adaptProse(sectionOf(req), "(adapted)"));
  });

  it("personalizes section by section from the JWT profile, with the book-only rule in every prompt", async () => {
    const token = await signToken({
      profile: {
        softwareBackground: "Beginner",
        hardwareBackground: "Advanced",
        interestArea: "Agriculture",
      },
    });
    const res = await api.post("/v1/chapters/personalize", { doc: WHAT }, token);
    expect(res.status).toBe(200);
    const body = chapterVariantSchema.parse(await res.json());
    const source = sources.find((d) => d.route === WHAT);
    if (!source) throw new Error("no source");
    expect(body).toMatchObject({ doc: WHAT, kind: "personalized", cached: false });
    expect(body.sections.map((s) => s.anchor)).toEqual(source.sections.map((s) => s.anchor));
    expect(body.sections.every((s) => !s.original)).toBe(true);
    expect(body.sections[2]?.markdown).toMatch(
      /^## Why the physical world is hard \{#why-physical-is-hard\}\n/,
    );
    expect(body.sections[2]?.markdown).toContain("(adapted)");
    // One request per section with prose; every prompt forbids new facts and carries the profile.
    const requests = stub.chatRequests();
    expect(requests.length).toBe(source.sections.length);
    for (const r of requests) {
      const system = systemOf(r);
      expect(system).toMatch(/do not add facts/);
      expect(system).toMatch(/new to programming/);
      expect(system).toMatch(/Skip intuitive explanations of physical basics/);
      expect(system).toMatch(/"agriculture"/);
    }
  });

  it("a second reader with the same profile bucket gets the cached variant with zero LLM calls", async () => {
    const profile = {
      softwareBackground: "Intermediate",
      hardwareBackground: "Beginner",
      interestArea: null,
    } as const;
    const first = await api.post("/v1/chapters/personalize", { doc: PID }, await signToken({ profile }));
    const made = chapterVariantSchema.parse(await first.json());
    expect(made.cached).toBe(false);
    const calls = stub.chatRequests().length;
    expect(calls).toBeGreaterThan(0);
    const second = await api.post("/v1/chapters/personalize", { doc: PID }, await signToken({ profile }), {
      headers: { accept: "text/event-stream" },
    });
    const { events } = await readSse(second);
    expect(stub.chatRequests().length).toBe(calls);
    const done = chapterStreamEventSchemas.done.parse(events.at(-1)?.data);
    expect(done).toMatchObject({ cached: true, kind: "personalized" });
    expect(
      events.filter((e) => e.event === "section").map((e) => (e.data as { markdown: string }).markdown),
    ).toEqual(made.sections.map((s) => s.markdown));
    // Another bucket is another variant.
    await api.post(
      "/v1/chapters/personalize",
      { doc: PID },
      await signToken({ profile: { ...profile, softwareBackground: "Advanced" } }),
    );
    expect(stub.chatRequests().length).toBeGreaterThan(calls);
  });

  it("a section whose output mangles the code is retried once, then shown as the source, marked original", async () => {
    stub.setReply((req) => {
      const text = sectionOf(req);
      // The section with the C++ listing: the model "fixes" the code instead of keeping its placeholder.
      if (text.includes("Three details separate a textbook PID"))
        return text.replace(/\n⟦\d+⟧\n?/, "\n```cpp\nint broken;\n```\n");
      return adaptProse(text, "(adapted)");
    });
    const token = await signToken({ profile: { softwareBackground: "Advanced" } });
    const body = chapterVariantSchema.parse(
      await (await api.post("/v1/chapters/personalize", { doc: PID }, token)).json(),
    );
    const source = sources.find((d) => d.route === PID);
    const i = source?.sections.findIndex((s) => s.anchor === "implementing-pid-on-a-computer") ?? -1;
    const section = body.sections[i];
    const original = source?.sections[i];
    if (!section || !original || !source) throw new Error("no section");
    expect(section.original).toBe(true);
    expect(section.markdown).toBe(originalMarkdown(original.markdown, { ...original, mdx: source.mdx }));
    expect(section.markdown).not.toContain("int broken;");
    const attempts = stub
      .chatRequests()
      .filter((r) => sectionOf(r).includes("Three details separate a textbook PID"));
    expect(attempts.length).toBe(2);
    expect(body.sections.filter((s) => s.original).length).toBe(1);
  });

  it("translates with the heading ids kept, code untouched, and the term rule in the prompt", async () => {
    stub.setReply((req) => adaptProse(sectionOf(req), "ترجمہ"));
    const token = await signToken();
    const res = await api.post("/v1/chapters/translate", { doc: PID }, token, {
      headers: { accept: "text/event-stream" },
    });
    const { events } = await readSse(res);
    const done = chapterStreamEventSchemas.done.parse(events.at(-1)?.data);
    expect(done).toMatchObject({ kind: "translation", language: "ur", cached: false });
    const source = sources.find((d) => d.route === PID);
    const sections = events
      .filter((e) => e.event === "section")
      .map((e) => chapterStreamEventSchemas.section.parse(e.data));
    expect(sections.map((s) => s.anchor)).toEqual(source?.sections.map((s) => s.anchor));
    const pid = sections.find((s) => s.anchor === "implementing-pid-on-a-computer");
    expect(pid?.heading).toBe("ترجمہ");
    expect(pid?.markdown).toMatch(/^## ترجمہ \{#implementing-pid-on-a-computer\}/);
    expect(pid?.markdown).toContain("#include <algorithm>");
    // The page's own "# Title" in the lead is translated too (it has no anchor of its own).
    expect(sections[0]?.markdown).toMatch(/\n# ترجمہ\n/);
    expect(sections[0]?.markdown).toMatch(/^import KeyIdea from '@site\/src\/components\/KeyIdea';\n/);
    const system = systemOf(stub.chatRequests()[0] ?? { body: { messages: [] } });
    expect(system).toMatch(/into Urdu \(ur\)/);
    expect(system).toMatch(/English term in parentheses/);
    expect(system).toMatch(/identifiers, code/);
  });

  it("refuses a language outside TRANSLATION_LANGUAGES, naming the ones offered", async () => {
    const res = await api.post("/v1/chapters/translate", { doc: PID, language: "fr" }, await signToken());
    expect(res.status).toBe(400);
    const { error } = errorEnvelopeSchema.parse(await res.json());
    expect(error.code).toBe("LANGUAGE_NOT_SUPPORTED");
    expect(error.message).toMatch(/ur, hi/);
  });

  it("keeps every structure invariant on every section of the sample book (personalize and translate)", async () => {
    const token = await signToken({
      profile: { softwareBackground: "Beginner", hardwareBackground: "Beginner" },
    });
    let checked = 0;
    for (const source of sources) {
      for (const [path, mark, body] of [
        ["/v1/chapters/personalize", "(adapted)", { doc: source.route }],
        ["/v1/chapters/translate", "ترجمہ", { doc: source.route, language: "hi" }],
      ] as const) {
        stub.setReply((req) => adaptProse(sectionOf(req), mark));
        const res = await api.post(path, body, token);
        const json = await res.json();
        expect(res.status, `${path} ${source.route}: ${JSON.stringify(json)}`).toBe(200);
        const variant = chapterVariantSchema.parse(json);
        expect(variant.sections.map((s) => s.anchor)).toEqual(source.sections.map((s) => s.anchor));
        for (const [i, section] of variant.sections.entries()) {
          const original = source.sections[i];
          if (!original) throw new Error("section count");
          const shape = { anchor: original.anchor, depth: original.depth, mdx: source.mdx };
          const problem = structureProblem(
            originalMarkdown(original.markdown, shape),
            section.markdown,
            shape,
            {
              sameHeadingText: path.endsWith("personalize"),
            },
          );
          expect(problem, `${source.docId}#${original.anchor}`).toBeNull();
          expect(section.original ?? false, `${source.docId}#${original.anchor}`).toBe(false);
          checked += 1;
        }
      }
    }
    expect(checked).toBe(2 * sources.reduce((n, d) => n + d.sections.length, 0));
  });
});

describe("chapters quota (VARIANT_DAILY_LIMIT, local OpenAI-protocol stub)", () => {
  let stub: OpenAIStub;
  let api: TestApi;
  beforeAll(async () => {
    stub = await startOpenAIStub();
    stub.setReply((req) => adaptProse(sectionOf(req), "(adapted)"));
    api = await startTestApi(
      {
        OPENAI_API_KEY: "sk-test",
        OPENAI_BASE_URL: stub.baseURL,
        LLM_MAX_RETRIES: "0",
        VARIANT_DAILY_LIMIT: "1",
      },
      { docsDir: DOCS },
    );
  });
  afterAll(async () => {
    await api?.stop();
    await stub?.close();
  });

  it("past the daily limit a new variant is 429 with Retry-After; cached ones still open", async () => {
    const token = await signToken({ userId: "quota-reader" });
    expect((await api.post("/v1/chapters/personalize", { doc: PID }, token)).status).toBe(200);
    const over = await api.post("/v1/chapters/translate", { doc: PID }, token);
    expect(over.status).toBe(429);
    expect(Number(over.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(Number(over.headers.get("retry-after"))).toBeLessThanOrEqual(86_400);
    expect(errorEnvelopeSchema.parse(await over.json()).error.code).toBe("VARIANT_QUOTA_EXCEEDED");
    // The same bucket's variant is cached: no quota needed.
    const again = await api.post("/v1/chapters/personalize", { doc: PID }, token);
    expect(again.status).toBe(200);
    expect(chapterVariantSchema.parse(await again.json()).cached).toBe(true);
  });

  it("a model that fails even on the retry is 502 GENERATION_FAILED: nothing kept, the day's count given back", async () => {
    const token = await signToken({ userId: "quota-failure", profile: { softwareBackground: "Beginner" } });
    stub.failNext(200, 500, { endpoint: "chat" });
    const failed = await api.post("/v1/chapters/personalize", { doc: WHAT }, token);
    expect(failed.status).toBe(502);
    expect(errorEnvelopeSchema.parse(await failed.json()).error.code).toBe("GENERATION_FAILED");
    stub.reset();
    stub.setReply((req) => adaptProse(sectionOf(req), "(adapted)"));
    const retried = await api.post("/v1/chapters/personalize", { doc: WHAT }, token);
    expect(retried.status).toBe(200);
    expect(chapterVariantSchema.parse(await retried.json())).toMatchObject({
      cached: false,
      kind: "personalized",
    });
  });
});
