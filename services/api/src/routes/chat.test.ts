// POST /v1/chat, /v1/chat/stream and /v1/search offline (no keys): real server, real SQLite index, contract JWTs.
import { chatResponseSchema, searchResponseSchema, streamEventSchemas } from "@ai-book/contracts";
import { describe, expect, it } from "vitest";
import { apiForFile, BOOK, readSse, signToken } from "../../test/harness.ts";

const file = apiForFile({ RATE_LIMIT_PER_MINUTE: "1000" });

describe("offline chat (extractive answers, lexical retrieval)", () => {
  it("answers from the book with [n] citations and deep-linked sources", async () => {
    const res = await file.api.post("/v1/chat", { message: "What is the zero moment point?" }, file.token);
    expect(res.status).toBe(200);
    const body = chatResponseSchema.parse(await res.json());
    expect(body.mode).toBe("extractive");
    expect(body.grounded).toBe(true);
    expect(body.response).toMatch(/support polygon/);
    expect(body.response).toMatch(/\[1\]/);
    const first = body.sources[0];
    expect(first?.url).toBe(`${BOOK}/docs/locomotion/balance#zero-moment-point`);
    expect(first?.path).toBe("locomotion/balance.md");
    expect(first?.heading).toBe("Zero moment point");
    expect(first?.title).toBe("Bipedal Locomotion");
    expect(first?.snippet).toMatch(/zero moment point/i);
    // Every citation points to a listed source.
    for (const m of body.response.matchAll(/\[(\d+)\]/g))
      expect(Number(m[1])).toBeLessThanOrEqual(body.sources.length);
    expect(body.processing_time_ms).toBeGreaterThanOrEqual(0);
  });

  it("collapses a near-duplicate section into one source", async () => {
    const res = await file.api.post(
      "/v1/chat",
      { message: "How does an IMU correct gyroscope drift?" },
      file.token,
    );
    const body = chatResponseSchema.parse(await res.json());
    const imuCopies = body.sources.filter(
      (s) => /accelerometer and a gyroscope/.test(s.snippet) || s.path.includes("imu"),
    );
    const paths = body.sources.map((s) => s.path);
    expect(
      paths.filter((p) => p === "appendix/imu-notes.md" || p === "sensors/imu.md").length,
    ).toBeGreaterThan(0);
    // The appendix copy has the same text as sensors/imu.md#0: only one of them is a source.
    const sameText = body.sources.filter(
      (s) => s.url.endsWith("#inertial-measurement-units") || s.url.endsWith("#imu-notes"),
    );
    expect(sameText).toHaveLength(1);
    expect(imuCopies.length).toBeGreaterThan(0);
  });

  it("refuses with grounded=false when the book does not cover the question", async () => {
    const res = await file.api.post(
      "/v1/chat",
      { message: "What is the best recipe for sourdough bread?" },
      file.token,
    );
    const body = chatResponseSchema.parse(await res.json());
    expect(body.grounded).toBe(false);
    expect(body.sources).toEqual([]);
    expect(body.response).toMatch(/could not find this in the book/i);
  });

  it("names the closest sections, without answering from them, when the book comes close but does not cover it", async () => {
    // Shares "humanoid robots" with a section about mounting the IMU, nothing about falling or stairs.
    const message = "Why do humanoid robots fall over on icy stairs?";
    const body = chatResponseSchema.parse(
      (await file.api.post("/v1/chat", { message }, file.token).then((r) => r.json())) as unknown,
    );
    expect(body.grounded).toBe(false);
    expect(body.sources.length).toBeGreaterThan(0);
    expect(body.sources.length).toBeLessThanOrEqual(2);
    // One pointer per page.
    expect(new Set(body.sources.map((s) => s.path)).size).toBe(body.sources.length);
    expect(body.sources[0]?.url).toBe(`${BOOK}/docs/sensors/imu#placement`);
    expect(body.response).toMatch(
      /^I could not find a direct answer to this in the book\. The closest it comes is /,
    );
    expect(body.response).toContain('"Sensors › Inertial measurement units › Placement" [1]');
    // Pointers only: no sentence of the section is quoted as if it answered.
    expect(body.response).not.toMatch(/pelvis|dampers/);
    const { events } = await readSse(await file.api.post("/v1/chat/stream", { message }, file.token));
    expect(streamEventSchemas.sources.parse(events[0]?.data).sources).toEqual(body.sources);
    expect(streamEventSchemas.done.parse(events.at(-1)?.data).grounded).toBe(false);
  });

  it("personalises: a beginner gets fuller context than an advanced reader, examples lean to the interest area", async () => {
    const question = { message: "How is an IMU mounted in a robot?" };
    const beginner = await signToken({
      profile: {
        softwareBackground: "Beginner",
        hardwareBackground: "Beginner",
        interestArea: "agriculture",
      },
    });
    const expert = await signToken({
      profile: { softwareBackground: "Advanced", hardwareBackground: "Advanced" },
    });
    const b = chatResponseSchema.parse(await (await file.api.post("/v1/chat", question, beginner)).json());
    const e = chatResponseSchema.parse(await (await file.api.post("/v1/chat", question, expert)).json());
    expect(b.response.length).toBeGreaterThan(e.response.length);
    expect(b.response).toMatch(/basic idea/);
    expect(b.response).toMatch(/agriculture robots the IMU also helps estimate the slope of a field/);
    expect(e.response).not.toMatch(/interest/);
  });

  it("uses the previous user turn for a follow-up question offline", async () => {
    const res = await file.api.post(
      "/v1/chat",
      {
        message: "Where is it mounted on a humanoid?",
        history: [
          { role: "user", content: "What does an inertial measurement unit measure?" },
          { role: "assistant", content: "Acceleration and angular velocity [1]." },
        ],
      },
      file.token,
    );
    const body = chatResponseSchema.parse(await res.json());
    expect(body.grounded).toBe(true);
    expect(body.sources.map((s) => s.url)).toContain(`${BOOK}/docs/sensors/imu#placement`);
    expect(body.response).toMatch(/pelvis or torso/);
  });

  it("treats selected text as the primary context", async () => {
    const res = await file.api.post(
      "/v1/chat",
      {
        message: "What does this mean?",
        selectedText: "Measuring the spring's deflection gives the output torque.",
      },
      file.token,
    );
    const body = chatResponseSchema.parse(await res.json());
    expect(body.grounded).toBe(true);
    expect(body.response).toMatch(/^About the passage you selected: Measuring the spring's deflection/);
    expect(body.sources[0]?.url).toBe(`${BOOK}/docs/actuators#series-elastic-actuators`);
  });

  it("honours the path filter", async () => {
    const res = await file.api.post(
      "/v1/chat",
      { message: "IMU drift", filters: { pathPrefix: "appendix/" } },
      file.token,
    );
    const body = chatResponseSchema.parse(await res.json());
    expect(body.sources.length).toBeGreaterThan(0);
    for (const s of body.sources) expect(s.path.startsWith("appendix/")).toBe(true);
  });
});

describe("offline stream", () => {
  it("sends sources first, then deltas, then done; parsed with eventsource-parser", async () => {
    const res = await file.api.post(
      "/v1/chat/stream",
      { message: "What is the zero moment point?" },
      file.token,
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/text\/event-stream/);
    const { events } = await readSse(res);
    const names = events.map((e) => e.event);
    expect(names[0]).toBe("sources");
    expect(names.at(-1)).toBe("done");
    expect(names.slice(1, -1).every((n) => n === "delta")).toBe(true);
    expect(names.length).toBeGreaterThan(2);
    const sources = streamEventSchemas.sources.parse(events[0]?.data).sources;
    expect(sources[0]?.url).toBe(`${BOOK}/docs/locomotion/balance#zero-moment-point`);
    const text = events
      .filter((e) => e.event === "delta")
      .map((e) => streamEventSchemas.delta.parse(e.data).text)
      .join("");
    expect(text).toMatch(/support polygon.*\[1\]/s);
    const done = streamEventSchemas.done.parse(events.at(-1)?.data);
    expect(done).toMatchObject({ mode: "extractive", grounded: true });
    // The same question answered whole gives the same text.
    const whole = chatResponseSchema.parse(
      await (
        await file.api.post("/v1/chat", { message: "What is the zero moment point?" }, file.token)
      ).json(),
    );
    expect(text).toBe(whole.response);
  });

  it("streams the refusal with grounded=false", async () => {
    const { events } = await readSse(
      await file.api.post("/v1/chat/stream", { message: "sourdough bread recipe" }, file.token),
    );
    expect(streamEventSchemas.sources.parse(events[0]?.data).sources).toEqual([]);
    expect(streamEventSchemas.done.parse(events.at(-1)?.data).grounded).toBe(false);
  });
});

describe("search", () => {
  it("returns sections best first with deep links and snippets, within the limit", async () => {
    const res = await file.api.post(
      "/v1/search",
      { query: "series elastic actuator torque", limit: 3 },
      file.token,
    );
    expect(res.status).toBe(200);
    const body = searchResponseSchema.parse(await res.json());
    expect(body.results.length).toBeGreaterThan(0);
    expect(body.results.length).toBeLessThanOrEqual(3);
    expect(body.results[0]).toMatchObject({
      url: `${BOOK}/docs/actuators#series-elastic-actuators`,
      path: "actuators.md",
      heading: "Series elastic actuators",
    });
    expect(body.results[0]?.snippet).toMatch(/spring/);
  });
});
