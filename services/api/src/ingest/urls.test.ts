// Docusaurus routing rules, one case per rule: prefixes, ids, slugs, index files, base paths, anchors.
import { describe, expect, it } from "vitest";
import { buildDocument } from "./document.ts";
import { docRoute, stripNumberPrefix } from "./urls.ts";

describe("docRoute (Docusaurus docs plugin rules)", () => {
  it("uses the file path under routeBasePath", () => {
    expect(docRoute("guide/setup.md", {})).toBe("/docs/guide/setup");
    expect(docRoute("setup.mdx", {})).toBe("/docs/setup");
  });

  it("strips number prefixes from files and folders, but not dates or versions", () => {
    expect(docRoute("01-intro.md", {})).toBe("/docs/intro");
    expect(docRoute("02-kinematics/03_inverse.md", {})).toBe("/docs/kinematics/inverse");
    expect(docRoute("10 - safety/1.overview.md", {})).toBe("/docs/safety/overview");
    expect(stripNumberPrefix("2024-01-release")).toBe("2024-01-release");
    expect(stripNumberPrefix("1.2.3-notes")).toBe("1.2.3-notes");
    expect(stripNumberPrefix("01-")).toBe("01-");
  });

  it("replaces the file name with frontmatter id", () => {
    expect(docRoute("02-kinematics/01-rigid.md", { id: "transforms" })).toBe("/docs/kinematics/transforms");
  });

  it("honours an absolute slug as the whole route under routeBasePath", () => {
    expect(docRoute("02-kinematics/01-rigid.md", { slug: "/frames", id: "x" })).toBe("/docs/frames");
    expect(docRoute("a/b.md", { slug: "/" })).toBe("/docs/");
  });

  it("resolves a relative slug against the (unprefixed) folder", () => {
    expect(docRoute("02-kinematics/01-rigid.md", { slug: "rigid-bodies" })).toBe(
      "/docs/kinematics/rigid-bodies",
    );
    expect(docRoute("02-kinematics/01-rigid.md", { slug: "../top" })).toBe("/docs/top");
  });

  it("routes index.md, README.md and same-name-as-folder files to the folder", () => {
    expect(docRoute("01-foundations/index.md", {})).toBe("/docs/foundations");
    expect(docRoute("labs/lab-1/README.md", {})).toBe("/docs/labs/lab-1");
    expect(docRoute("ros2/ros2.mdx", {})).toBe("/docs/ros2");
    expect(docRoute("index.md", {})).toBe("/docs/");
    // a slug wins over the index rule
    expect(docRoute("ros2/index.md", { slug: "overview" })).toBe("/docs/ros2/overview");
  });

  it("applies baseUrl and routeBasePath", () => {
    expect(docRoute("01-intro.md", {}, { baseUrl: "/book/", routeBasePath: "/docs" })).toBe(
      "/book/docs/intro",
    );
    expect(docRoute("01-intro.md", {}, { routeBasePath: "/" })).toBe("/intro");
    expect(docRoute("a/01-b.md", {}, { baseUrl: "/x", routeBasePath: "learn" })).toBe("/x/learn/a/b");
  });
});

describe("heading anchors", () => {
  it("follow github-slugger per page, with duplicates numbered and explicit {#ids} kept (md and mdx)", () => {
    const source = [
      "# Page",
      "",
      "Lead text of the page long enough to stay alone as the lead chunk of this page for sure.",
      "",
      "## Sense, Plan & Act!",
      "",
      "Body one. ".repeat(30),
      "",
      "## Sense, Plan & Act!",
      "",
      "Body two. ".repeat(30),
      "",
      "## The `ros2` CLI {#cli}",
      "",
      "Body three. ".repeat(30),
    ].join("\n");
    for (const file of ["05-ros/tools.md", "05-ros/tools.mdx"]) {
      const doc = buildDocument(file, source, { chunking: { minTokens: 1 } });
      expect(doc.chunks.map((c) => c.route)).toEqual([
        "/docs/ros/tools",
        "/docs/ros/tools#sense-plan--act",
        "/docs/ros/tools#sense-plan--act-1",
        "/docs/ros/tools#cli",
      ]);
      expect(doc.chunks[3]?.headingPath).toEqual(["The ros2 CLI"]);
    }
  });
});
