// The chapter variants' pure helpers: languages and direction, the section heading line, admonition blocks.
import { describe, expect, it } from "vitest";
import {
  answerLanguageOptions,
  isRtl,
  languageLabel,
  orderLanguages,
  ownLanguageLabel,
  profileSummary,
  splitAdmonitions,
  splitSectionHeading,
} from "./variant.ts";

describe("languages", () => {
  it("puts Urdu first and drops duplicates, keeping the others' order", () => {
    expect(orderLanguages(["hi", "ar", "ur", "hi"])).toEqual(["ur", "hi", "ar"]);
    expect(orderLanguages(["ur-PK", "es"])).toEqual(["ur-PK", "es"]);
  });
  it("knows right-to-left scripts by their primary subtag", () => {
    expect(isRtl("ur")).toBe(true);
    expect(isRtl("ar-EG")).toBe(true);
    expect(isRtl("hi")).toBe(false);
  });
  it("labels a language with its English and its own name", () => {
    expect(languageLabel("ur")).toMatch(/^Urdu \(.+\)$/);
    expect(languageLabel("en")).toBe("English");
  });
  it("labels an answer language with its own name first", () => {
    expect(ownLanguageLabel("ur")).toBe("اردو (Urdu)");
    expect(ownLanguageLabel("en")).toBe("English");
  });
  it("offers the book's language first, then the service's languages and the reader's current choice", () => {
    expect(answerLanguageOptions(["hi", "ur"])).toEqual([
      { value: "", label: "Same as the book" },
      { value: "ur", label: "اردو (Urdu)" },
      { value: "hi", label: ownLanguageLabel("hi") },
    ]);
    expect(answerLanguageOptions(["ur"], "ar").map((o) => o.value)).toEqual(["", "ur", "ar"]);
    expect(answerLanguageOptions(["ur"], "ur").map((o) => o.value)).toEqual(["", "ur"]);
    expect(answerLanguageOptions([], null).map((o) => o.value)).toEqual([""]);
  });
});

describe("profileSummary", () => {
  it("lists the fields set, in the tutor's words", () => {
    expect(
      profileSummary({ softwareBackground: "Beginner", hardwareBackground: null, interestArea: "drones" }),
    ).toBe("software: Beginner · interest: drones");
    expect(profileSummary(null)).toBe("");
  });
});

describe("splitSectionHeading", () => {
  it("takes the heading line off, without its {#id}", () => {
    expect(splitSectionHeading("## کیوں مشکل ہے {#why-physical-is-hard}\n\nمتن\n")).toEqual({
      level: 2,
      heading: "کیوں مشکل ہے",
      body: "\nمتن\n",
    });
    expect(splitSectionHeading("### Escaped \\{#x}\ntext")).toMatchObject({ level: 3, heading: "Escaped" });
  });
  it("leaves a lead without a heading whole", () => {
    expect(splitSectionHeading("Just prose.\n\n## Not first")).toEqual({
      body: "Just prose.\n\n## Not first",
    });
  });
});

describe("splitAdmonitions", () => {
  it("finds both title forms, nested blocks, and leaves fenced code alone", () => {
    const md = [
      "Before.",
      ":::info Physical AI versus robotics",
      "Inside.",
      "::::tip[Nested]",
      "Deeper.",
      "::::",
      ":::",
      "```text",
      ":::note",
      "not an admonition",
      "```",
      ":::warning",
      "Last.",
      ":::",
    ].join("\n");
    const parts = splitAdmonitions(md);
    expect(parts.map((p) => (p.kind === "admonition" ? `${p.type}:${p.title ?? ""}` : "md"))).toEqual([
      "md",
      "info:Physical AI versus robotics",
      "md",
      "warning:",
    ]);
    const info = parts[1];
    expect(info?.kind === "admonition" && info.parts.map((p) => p.kind)).toEqual(["markdown", "admonition"]);
    expect(parts[2]).toEqual({ kind: "markdown", text: "```text\n:::note\nnot an admonition\n```" });
  });
  it("keeps an unknown directive as text", () => {
    expect(splitAdmonitions(":::unknown\nx\n:::")).toEqual([
      { kind: "markdown", text: ":::unknown\nx\n:::" },
    ]);
  });
});
