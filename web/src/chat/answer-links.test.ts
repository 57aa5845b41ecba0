// The tutor's link rules (issue 19, finding 9): citations only from [n] markers, links only to the book and its sources.
import type { Source } from "@ai-book/contracts";
import { describe, expect, it } from "vitest";
import { classifyAnswerLink, classifyBookLink } from "./answer-links.ts";
import { linkCitations } from "./citations.ts";

const BOOK = "http://localhost:3000";
const source: Source = {
  id: "c1",
  title: "Sensors",
  heading: "Sensors > IMU",
  url: `${BOOK}/docs/sensors#imu`,
  path: "sensors.md",
  score: 1,
  snippet: "",
};

/** The href and title linkCitations wrote for `[1]`. */
function citationOf(markdown: string) {
  const m = /\]\(<([^>]+)> "([^"]+)"\)/.exec(markdown);
  return { href: m?.[1], title: m?.[2] };
}

describe("classifyAnswerLink", () => {
  it("a link built from an [n] marker is a citation", () => {
    const { href, title } = citationOf(linkCitations("IMUs drift [1].", [source]));
    expect(classifyAnswerLink(href, title, [source], BOOK)).toMatchObject({
      kind: "citation",
      local: "/docs/sensors#imu",
    });
  });

  it("a fake 'Source 1' link to another site is plain text, not a citation", () => {
    expect(
      classifyAnswerLink("https://evil.example/phish", "Source 1: Sensors › IMU", [source], BOOK),
    ).toEqual({
      kind: "text",
    });
  });

  it("a 'Source 1' title on a book link is an ordinary link, not styled as a citation", () => {
    expect(classifyAnswerLink(`${BOOK}/docs/other`, "Source 1", [source], BOOK)).toMatchObject({
      kind: "link",
    });
  });

  it("links to the book and to the sources stay links; foreign and script links do not", () => {
    expect(classifyAnswerLink(`${BOOK}/docs/intro`, undefined, [source], BOOK).kind).toBe("link");
    expect(classifyAnswerLink("/docs/intro", undefined, [source], BOOK).kind).toBe("link");
    expect(classifyAnswerLink(source.url, undefined, [source], BOOK).kind).toBe("link");
    for (const foreign of ["https://evil.example/", "//evil.example/x", "javascript:alert(1)", undefined])
      expect(classifyAnswerLink(foreign, undefined, [source], BOOK).kind, String(foreign)).toBe("text");
  });
});

describe("classifyBookLink (chapter variants)", () => {
  const allowed = new Set(["https://arxiv.org/abs/1234.5678"]);
  it("keeps the book's pages and the original chapter's own links", () => {
    expect(classifyBookLink(`${BOOK}/docs/sensors#imu`, allowed, BOOK)).toEqual({
      kind: "link",
      href: `${BOOK}/docs/sensors#imu`,
      local: "/docs/sensors#imu",
    });
    expect(classifyBookLink("/docs/ros2", allowed, BOOK)).toMatchObject({
      kind: "link",
      local: "/docs/ros2",
    });
    expect(classifyBookLink("https://arxiv.org/abs/1234.5678", allowed, BOOK)).toMatchObject({
      kind: "link",
      local: undefined,
    });
  });
  it("turns any other link into text", () => {
    expect(classifyBookLink("https://evil.example/x", allowed, BOOK)).toEqual({ kind: "text" });
    expect(classifyBookLink(undefined, allowed, BOOK)).toEqual({ kind: "text" });
  });
});
