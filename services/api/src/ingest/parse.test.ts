// MDX / Markdown parsing into chunks: imports, JSX prose props, admonitions, code, tables, math, comments, errors;
// the format chosen as Docusaurus chooses it.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { buildDocument } from "./document.ts";
import { ParseError } from "./parse.ts";

const BOOK_DOCS = fileURLToPath(new URL("../../../../book/docs", import.meta.url));

const MDX = `---
id: stack
title: The Robot Stack
slug: /robot-stack
sidebar_position: 2
description: Layers of a robot.
---

import Quiz from '@site/src/components/Quiz';
export const rate = 1000;

{/* an MDX comment that readers never see */}

A robot is a computer that must keep up with physics, and its software stack shows how.

## Control loops

:::tip Keep loops nested
Fast loops handle physics; slow loops handle meaning.
:::

:::warning[Never let a slow loop own safety]
Limits live in the firmware.
:::

\`\`\`python
def control(q):
    return -K * q
\`\`\`

| Layer | Rate |
|---|---|
| Joint control | 1 kHz |
| Planner | 1 Hz |

The energy is $E = \\frac{1}{2} m v^2$ and at 10:30 the loop restarts.

$$
\\tau = J^T F
$$

<details>
<summary>Why not one big network?</summary>

Because kilohertz loops need guarantees.

</details>

## Check your understanding

<Quiz
  question="Which component should enforce joint torque limits?"
  options={["The learned policy, by training", "The low-level joint controller or motor firmware"]}
  answer={1}
  className="quiz-box"
/>
`;

describe("parsing MDX into chunks", () => {
  const doc = buildDocument("01-foundations/02-stack.mdx", MDX, { chunking: { minTokens: 1 } });
  const all = doc.chunks.map((c) => c.text).join("\n\n");

  it("takes title and slug from frontmatter and drops import/export lines and MDX comments", () => {
    expect(doc.title).toBe("The Robot Stack");
    expect(doc.route).toBe("/docs/robot-stack");
    expect(all).not.toMatch(/import Quiz|export const|an MDX comment/);
    expect(doc.chunks[0]?.text).toBe(
      "A robot is a computer that must keep up with physics, and its software stack shows how.",
    );
    expect(doc.chunks[0]?.headingPath).toEqual([]);
  });

  it("keeps admonitions with their kind and title, code with its language, tables as rows, math", () => {
    const control = doc.chunks.find((c) => c.headingPath[0] === "Control loops");
    expect(control?.route).toBe("/docs/robot-stack#control-loops");
    expect(control?.text).toContain(
      "Tip: Keep loops nested\nFast loops handle physics; slow loops handle meaning.",
    );
    expect(control?.text).toContain(
      "Warning: Never let a slow loop own safety\nLimits live in the firmware.",
    );
    expect(control?.text).toContain("```python\ndef control(q):\n    return -K * q\n```");
    expect(control?.text).toContain("Layer | Rate\nJoint control | 1 kHz\nPlanner | 1 Hz");
    expect(control?.text).toContain("E = \\frac{1}{2} m v^2");
    expect(control?.text).toContain("at 10:30 the loop restarts");
    expect(control?.text).toContain("\\tau = J^T F");
    expect(control?.text).toContain("Why not one big network?\n\nBecause kilohertz loops need guarantees.");
  });

  it("leaves quiz components out (their questions and options are not prose to answer from)", () => {
    expect(doc.chunks.find((c) => c.headingPath[0] === "Check your understanding")).toBeUndefined();
    expect(all).not.toContain("Which component should enforce joint torque limits?");
    expect(all).not.toContain("The low-level joint controller or motor firmware");
    expect(all).not.toContain("quiz-box");
  });

  it("gives every chunk a deterministic id, ordinal, token count and the document ids", () => {
    const again = buildDocument("01-foundations/02-stack.mdx", MDX, { chunking: { minTokens: 1 } });
    expect(again.chunks.map((c) => c.id)).toEqual(doc.chunks.map((c) => c.id));
    expect(new Set(doc.chunks.map((c) => c.id)).size).toBe(doc.chunks.length);
    doc.chunks.forEach((c, i) => {
      expect(c.ordinal).toBe(i);
      expect(c.docId).toBe("01-foundations/02-stack.mdx");
      expect(c.path).toBe(c.docId);
      expect(c.title).toBe("The Robot Stack");
      expect(c.tokens).toBeGreaterThan(0);
    });
  });
});

describe("parsing Markdown", () => {
  it("drops HTML comments, keeps <details> text, takes the title from the h1", () => {
    const md = [
      "# Sensors",
      "",
      "<!-- TODO: remove before publishing -->",
      "",
      "An IMU measures acceleration and angular velocity, which a filter integrates into orientation.",
      "",
      "<details><summary>Hint</summary>",
      "",
      "Gravity shows up in the accelerometer.",
      "",
      "</details>",
    ].join("\n");
    const doc = buildDocument("03-sensors/01-imu.md", md);
    expect(doc.title).toBe("Sensors");
    expect(doc.route).toBe("/docs/sensors/imu");
    const text = doc.chunks.map((c) => c.text).join("\n");
    expect(text).not.toContain("TODO");
    expect(text).toContain("Hint");
    expect(text).toContain("Gravity shows up in the accelerometer.");
  });

  it("reads a comment with text after it on the same line, in Markdown and in MDX (as plain Markdown)", () => {
    const body = ["# Gears", "", "<!-- editor: check --> Gear ratios trade speed for torque.", ""].join("\n");
    for (const path of ["05-gears/01-ratios.md", "05-gears/02-ratios.mdx"]) {
      const doc = buildDocument(path, body);
      const text = doc.chunks.map((c) => c.text).join("\n");
      expect(text).toContain("Gear ratios trade speed for torque.");
      expect(text).not.toContain("editor: check");
    }
  });

  it("merges tiny sections into a neighbour and splits long ones near the budget, never mid code block", () => {
    const para = (n: number) => `Sentence ${n} about balance control of legged robots on rough terrain.`;
    const long = Array.from({ length: 120 }, (_, i) => para(i)).join(" ");
    const code = `\`\`\`cpp\n${Array.from({ length: 20 }, (_, i) => `int x${i} = ${i};`).join("\n")}\n\`\`\``;
    const md = `# Balance\n\n## Intro\n\nShort.\n\n### Details\n\n${"Words about the zero moment point. ".repeat(20)}\n\n## Long\n\n${long}\n\n${code}\n`;
    const doc = buildDocument("balance.md", md);
    const intro = doc.chunks.find((c) => c.headingPath[0] === "Intro");
    expect(intro?.text.startsWith("Short.\n\nDetails\n\nWords about")).toBe(true);
    const longChunks = doc.chunks.filter((c) => c.headingPath[0] === "Long");
    expect(longChunks.length).toBeGreaterThan(1);
    for (const c of longChunks) expect(c.tokens).toBeLessThanOrEqual(500);
    expect(longChunks.filter((c) => c.text.includes("```cpp"))).toHaveLength(1);
    expect(longChunks.find((c) => c.text.includes("```cpp"))?.text).toContain("int x19 = 19;\n```");
    // overlap: the second piece repeats the last sentence of the first
    const lastSentence = longChunks[0]!.text.split(/(?<=\.) /).at(-1)!;
    expect(longChunks[1]!.text).toContain(lastSentence);
    expect(longChunks[0]!.text).not.toContain(longChunks[1]!.text.split(/(?<=\.) /).at(-1)!);
  });
});

/** A Hugging Face doc-builder page: not valid MDX (an unclosed <img>, a shorthand prop), templates, a quiz. */
const DOC_BUILDER = `# Fine-tuning a model[[fine-tuning]]

<FrameworkSwitchCourse {fw} />

<CourseFloatingBanner chapter={3}
  classNames="absolute z-10 right-0 top-0"
  notebooks={[{label: "Google Colab", value: "https://colab.example/notebook.ipynb"}]} />

<img src="https://example.org/diagram.png">

{#if fw === 'pt'}

The Trainer class runs the training loop for PyTorch models.

{:else}

Keras models are trained with the fit method.

{/if}

## Evaluation {#evaluation}

A metric compares predictions with labels.

### Quick check[[check]]

<Question
	choices={[
		{
			text: "An accuracy option nobody should index",
			explain: "An explanation of the option.",
			correct: true
		}
	]}
/>
`;

describe("MDX that does not parse", () => {
  it("is read as plain Markdown with a warning naming file:line; templates, component tags and quizzes dropped", () => {
    const doc = buildDocument("chapter3/3.mdx", DOC_BUILDER, { chunking: { minTokens: 1 } });
    expect(doc.warnings).toHaveLength(1);
    expect(doc.warnings[0]).toMatchObject({ path: "chapter3/3.mdx", line: 3 });
    expect(doc.warnings[0]?.message).toMatch(/^not valid MDX \(.+\); indexed as plain Markdown$/);
    expect(doc.title).toBe("Fine-tuning a model");
    const all = doc.chunks.map((c) => c.text).join("\n");
    expect(all).toContain("The Trainer class runs the training loop for PyTorch models.");
    expect(all).toContain("Keras models are trained with the fit method.");
    expect(all).not.toMatch(/\{[#:/](?:if|else)|FrameworkSwitchCourse|CourseFloatingBanner|colab|classNames/);
    expect(all).not.toMatch(/accuracy option|explain:|choices/);
  });

  it("honours [[anchor]] and {#id} heading ids", () => {
    const doc = buildDocument("chapter3/3.mdx", DOC_BUILDER, { chunking: { minTokens: 1 } });
    const evaluation = doc.chunks.find((c) => c.headingPath.at(-1) === "Evaluation");
    expect(evaluation?.route).toBe("/docs/chapter3/3#evaluation");
    const md = buildDocument("a.md", "# A\n\n## Setting up[[setup]]\n\nInstall the library first.\n", {
      chunking: { minTokens: 1 },
    });
    expect(md.chunks.find((c) => c.headingPath[0] === "Setting up")?.route).toBe("/docs/a#setup");
  });

  it("stays a ParseError with strict", () => {
    expect(() => buildDocument("chapter3/3.mdx", DOC_BUILDER, { strict: true })).toThrow(ParseError);
  });
});

describe("malformed files", () => {
  it("report path, line and column (strict)", () => {
    const bad = "# Title\n\nFine line.\n\n<Broken prop={unclosed\n\nmore\n";
    const err = (() => {
      try {
        buildDocument("ch/bad.mdx", bad, { strict: true });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ParseError);
    expect((err as ParseError).path).toBe("ch/bad.mdx");
    expect((err as ParseError).line).toBeGreaterThanOrEqual(5);
    expect((err as ParseError).message).toMatch(/^ch\/bad\.mdx:\d+:\d+: /);
  });

  it("report bad frontmatter at its line", () => {
    const err = (() => {
      try {
        buildDocument("x.md", "---\ntitle: ok\nslug: [unclosed\n---\n\nText.\n");
      } catch (e) {
        return e;
      }
    })() as ParseError;
    expect(err).toBeInstanceOf(ParseError);
    expect(err.line).toBeGreaterThanOrEqual(3);
  });
});

describe("the format, as Docusaurus chooses it", () => {
  const texts = (rel: string, source: string) =>
    buildDocument(rel, source, { chunking: { minTokens: 1 } }).chunks.map((c) => c.text);

  it("reads .md as CommonMark + GFM: braces and angle brackets are text, indentation is code", () => {
    const source = "# A\n\nThe set {x | x > 0} is open <b>here</b>.\n\n    indented();\n";
    const md = buildDocument("a.md", source, { chunking: { minTokens: 1 } });
    expect(md.warnings).toEqual([]);
    expect(md.chunks.map((c) => c.text)).toEqual([
      "The set {x | x > 0} is open here.\n\n```\nindented();\n```",
    ]);
  });

  it("reads .mdx as MDX: {expressions} are not text", () => {
    expect(texts("a.mdx", "# A\n\nThe value {props.x} is set.\n")).toEqual(["The value  is set."]);
  });

  it("lets front matter choose the format over the extension", () => {
    expect(texts("a.mdx", "---\nformat: md\n---\n\nThe set {x} is open.\n")).toEqual([
      "The set {x} is open.",
    ]);
    expect(texts("a.md", "---\nformat: mdx\n---\n\nThe value {1} is set.\n")).toEqual(["The value  is set."]);
  });

  it("drops <!-- --> comments in MDX, as Docusaurus's MDX 1 compatibility does (no fallback)", () => {
    const doc = buildDocument("a.mdx", "# A\n\n<!-- TODO: links -->\n\nText that stays.\n", {
      chunking: { minTokens: 1 },
    });
    expect(doc.warnings).toEqual([]);
    expect(doc.chunks.map((c) => c.text)).toEqual(["Text that stays."]);
  });

  it("reads every file of the sample book in its own format, without a warning", () => {
    const files = readdirSync(BOOK_DOCS, { recursive: true, encoding: "utf8" }).filter((f) =>
      /\.mdx?$/.test(f),
    );
    expect(files.length).toBeGreaterThan(10);
    for (const f of files) {
      const doc = buildDocument(f, readFileSync(join(BOOK_DOCS, f), "utf8"));
      expect(doc.warnings, f).toEqual([]);
      expect(doc.chunks.length, f).toBeGreaterThan(0);
    }
  });
});
