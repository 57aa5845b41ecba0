// Sections as written, the placeholders a model sees, and the structure check that refuses a broken variant.
import { describe, expect, it } from "vitest";
import { buildDocument } from "../ingest/document.ts";
import { originalMarkdown, placeholderProblem, protect, restore, structureProblem } from "./markdown.ts";

const SOURCE = `---
title: Sensors
---

# Sensors

Robots *sense* the world. See [the overview](/docs/intro#why) and ![an IMU](./imu.png).

## Inertial measurement {#imu}

An IMU reports \`omega\` in rad/s; the angle is $\\theta = \\int \\omega\\,dt$.

\`\`\`python
# not a heading: inside a fence
theta += omega * dt
\`\`\`

:::warning[Drift]
## A heading inside an admonition
Integration drifts.
:::

| sensor | rate |
|---|---|
| IMU | 1 kHz |

Calibration
-----------

Calibrate before use.

## Calibration

Again, a second heading with the same text.
`;

function sections() {
  const built = buildDocument("03-sensors/01-robot-sensors.md", SOURCE);
  if (!built.source) throw new Error("no source");
  return built.source.sections;
}

describe("the source, section by section", () => {
  it("cuts the document at its section headings only, keeping each section as written", () => {
    const s = sections();
    expect(s.map((x) => [x.anchor, x.heading, x.depth])).toEqual([
      ["", "", 0],
      ["imu", "Inertial measurement", 2],
      ["calibration", "Calibration", 2],
      ["calibration-1", "Calibration", 2],
    ]);
    // The lead keeps the page title, not the frontmatter; a fenced "#" line and an admonition's heading stay inside.
    expect(s[0]?.markdown.startsWith("# Sensors\n\nRobots")).toBe(true);
    expect(s[1]?.markdown).toContain("# not a heading: inside a fence");
    expect(s[1]?.markdown).toContain("## A heading inside an admonition");
    expect(s[2]?.markdown).toBe("Calibration\n-----------\n\nCalibrate before use.");
    expect(SOURCE).toContain(
      s
        .map((x) => x.markdown)
        .join("\n\n")
        .slice(0, 40),
    );
  });
});

describe("placeholders and the structure check", () => {
  const [lead, imu, setext, duplicate] = sections();
  if (!lead || !imu || !setext || !duplicate) throw new Error("sections");
  const shapeOf = (s: typeof imu) => ({ anchor: s.anchor, depth: s.depth, mdx: false });

  it("shows the model prose only: heading, code, math, tables, admonition lines, links and images are placeholders", () => {
    const guarded = protect(imu.markdown, shapeOf(imu), { translateHeading: false });
    expect(guarded.text).not.toMatch(/##|```|theta|omega|\|---|:::|\$/);
    expect(guarded.text).toContain("Integration drifts.");
    const lead_ = protect(lead.markdown, shapeOf(lead), { translateHeading: false });
    expect(lead_.text).not.toMatch(/\/docs\/intro|imu\.png|\]\(/);
    expect(lead_.text).toContain("Robots *sense* the world.");
    // A translation sees the heading's text, and its id as a placeholder.
    const t = protect(imu.markdown, shapeOf(imu), { translateHeading: true });
    expect(t.text).toMatch(/^## Inertial measurement ⟦\d+⟧\n/);
    expect(restore(t.text, t)).toBe(originalMarkdown(imu.markdown, shapeOf(imu)));
  });

  it("writes every variant heading with the source's explicit id (also a setext or duplicate heading)", () => {
    expect(originalMarkdown(setext.markdown, shapeOf(setext))).toBe(
      "## Calibration {#calibration}\n\nCalibrate before use.",
    );
    expect(originalMarkdown(duplicate.markdown, shapeOf(duplicate))).toMatch(
      /^## Calibration \{#calibration-1\}\n/,
    );
  });

  it("refuses a model answer that drops, repeats, invents or moves a placeholder", () => {
    const guarded = protect(imu.markdown, shapeOf(imu), { translateHeading: false });
    const tokens = [...guarded.text.matchAll(/⟦\d+⟧/g)].map((m) => m[0]);
    const first = tokens[0] ?? "";
    expect(placeholderProblem(guarded.text, guarded)).toBeNull();
    expect(placeholderProblem(guarded.text.replace(first, ""), guarded)).toMatch(/appears 0 times/);
    expect(placeholderProblem(`${guarded.text}\n${first}`, guarded)).toMatch(/appears 2 times/);
    expect(placeholderProblem(`${guarded.text} ⟦99⟧`, guarded)).toMatch(/unknown placeholder/);
    const blocks = guarded.text.split("\n").filter((l) => /^⟦\d+⟧$/.test(l));
    const swapped = guarded.text
      .replace(blocks[1] ?? "", "@@")
      .replace(blocks[2] ?? "", blocks[1] ?? "")
      .replace("@@", blocks[2] ?? "");
    expect(placeholderProblem(swapped, guarded)).toBe("block placeholders moved");
  });

  it("refuses a variant whose code, link, admonition type, heading id or text changed, or whose prose vanished", () => {
    const shape = shapeOf(imu);
    const source = originalMarkdown(imu.markdown, shape);
    const check = (variant: string, sameHeadingText = true) =>
      structureProblem(source, variant, shape, { sameHeadingText });
    expect(check(source.replace("Integration drifts.", "Integration drifts slowly over time."))).toBeNull();
    expect(check(source.replace("theta += omega * dt", "theta = theta + omega * dt"))).toMatch(/code block/);
    expect(check(source.replace(":::warning[Drift]", ":::danger[Drift]"))).toMatch(/admonition/);
    expect(check(source.replace("{#imu}", "{#inertial}"))).toMatch(/heading id/);
    expect(check(source.replace("## Inertial measurement", "## Inertial sensing"))).toMatch(/heading text/);
    expect(check(source.replace("## Inertial measurement", "## Inertial sensing"), false)).toBeNull();
    expect(check(source.replace("| IMU | 1 kHz |", "| IMU | 2 kHz |"))).toMatch(/table/);
    expect(check(source.replace("$\\theta", "$\\phi"))).toMatch(/inline code or math/);
    expect(check(source.replace("## Inertial", "### Inertial"))).toMatch(/heading level/);
    const leadShape = shapeOf(lead);
    const leadSource = originalMarkdown(lead.markdown, leadShape);
    expect(
      structureProblem(leadSource, leadSource.replace("/docs/intro#why", "/docs/elsewhere"), leadShape, {
        sameHeadingText: true,
      }),
    ).toMatch(/link/);
    expect(
      structureProblem(leadSource, `${leadSource}\n\nSee [more](https://example.com).`, leadShape, {
        sameHeadingText: true,
      }),
    ).toMatch(/link/);
    const long = `## Long {#long}\n\n${"Words of the source section. ".repeat(20)}`;
    expect(
      structureProblem(
        long,
        "## Long {#long}\n\nShort.",
        { anchor: "long", depth: 2, mdx: false },
        { sameHeadingText: true },
      ),
    ).toMatch(/prose went from/);
  });
});
