// The analysis cache: remembered per chunk and text, checked against the text, bounded, and equal to the uncached path.
import { describe, expect, it } from "vitest";
import { createAnalysisCache, uncachedAnalysis } from "./analysis-cache.ts";

const chunk = (id: string, text: string) => ({ id, title: "Sensors", headingPath: ["IMU"], text });

describe("createAnalysisCache", () => {
  it("gives what the uncached analysis gives, and the same object for a repeated chunk or text", () => {
    const cache = createAnalysisCache();
    const c = chunk("a", "The gyroscope drifts over time. An accelerometer measures gravity.");
    expect([...cache.chunkStems(c)].sort()).toEqual([...uncachedAnalysis.chunkStems(c)].sort());
    expect(cache.chunkShingles(c)).toEqual(uncachedAnalysis.chunkShingles(c));
    expect(cache.analysedSentences(c.text)).toEqual(uncachedAnalysis.analysedSentences(c.text));
    expect(cache.chunkStems(c)).toBe(cache.chunkStems(c));
    expect(cache.analysedSentences(c.text)).toBe(cache.analysedSentences(c.text));
  });

  it("analyses again when a chunk id comes back with other text", () => {
    const cache = createAnalysisCache();
    const before = cache.chunkStems(chunk("a", "gyroscope drift"));
    const after = cache.chunkStems(chunk("a", "servo torque"));
    expect(after).not.toBe(before);
    expect(after.has("servo")).toBe(true);
  });

  it("forgets the least recently used chunk past its bound", () => {
    const cache = createAnalysisCache({ chunks: 2 });
    const first = cache.chunkStems(chunk("a", "gyroscope drift"));
    cache.chunkStems(chunk("b", "servo torque"));
    cache.chunkStems(chunk("c", "lidar range"));
    expect(cache.chunkStems(chunk("a", "gyroscope drift"))).not.toBe(first);
  });
});
