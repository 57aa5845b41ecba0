// The plugin's options: defaults, the chapter tools switch, and refusals that name the option.
import { describe, expect, it } from "vitest";
import { resolveTutorOptions } from "./options.ts";

describe("resolveTutorOptions", () => {
  it("turns the chapter tools on by default, and off with chapterTools: false", () => {
    expect(resolveTutorOptions({}).chapterTools).toBe(true);
    expect(resolveTutorOptions({ chapterTools: false })).toMatchObject({
      chapterTools: false,
      authUrl: "http://localhost:3001",
      id: "default",
    });
  });
  it("refuses a chapterTools that is not a boolean, and a URL option that is one", () => {
    expect(() => resolveTutorOptions({ chapterTools: "no" })).toThrow(
      'option "chapterTools" must be true or false',
    );
    expect(() => resolveTutorOptions({ apiUrl: true })).toThrow('option "apiUrl" must be a non-empty string');
  });
});
