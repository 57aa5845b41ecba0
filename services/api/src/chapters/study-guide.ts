// "Personalize" without a model: a study guide for one chapter built from the book itself, every item linked.
import type { ReaderProfile, StudyGuide, VariantSection } from "@ai-book/contracts";
import { fencedLines } from "../ingest/markdown-lines.ts";
import type { DocumentSource, SourceSection } from "../rag/ports.ts";
import { sourceUrl } from "../rag/sources.ts";

/** A term the book defines, where, and how. */
export interface Definition {
  term: string;
  definition: string;
  doc: DocumentSource;
  section: SourceSection;
}

/** `- **Term** — definition`, `- **Term**: definition` (a key-terms or glossary list). */
const LIST_DEFINITION = /^\s*(?:[-*+]|\d+[.)])\s+\*\*([^*\n]{2,60}?)\*\*\s*(?:—|–|-|:)\s*(.{8,})$/;
/** A sentence that introduces a bold term: "**Physical AI** is …", "**PID** (proportional …) means …". */
const SENTENCE_DEFINITION =
  /\*\*([^*\n]{2,60}?)\*\*\s*(?:\([^)\n]{1,80}\)\s*)?(?:is|are|means|refers to|denotes|describes|stands for)\b/;
/** Headings of review sections, in the words books use for them. */
const REVIEW_HEADING =
  /\b(?:review|reflection|check (?:your|for) understanding|exercises?|questions?|quiz(?:zes)?|self[- ]?(?:check|test|assessment)|assessments?|test yourself|practice|problems)\b/i;
/** A quiz component's question: a prop (`question="…"`, `question={"…"}`) or a key of its data (`question: "…"`). */
const QUESTION_PROP = /\bquestion\s*[=:]\s*(?:\{\s*)?(["'`])((?:(?!\1)[^\\]|\\.){8,500}?)\1/g;

/**
 * Markdown inline syntax removed: what a reader reads. Regular expressions rather than a parse: a study guide reads
 * every definition of the book, and a parse per sentence made one guide of a 100-doc book take seconds.
 */
export function plain(markdown: string): string {
  return markdown
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/<[^>]+>/g, "")
    .replace(/(\*\*|\*|`)(?=\S)([^*`]*?\S)\1/g, "$2")
    .replace(/(?<![\p{L}\p{N}])(__|_)(?=\S)(.*?\S)\1(?![\p{L}\p{N}])/gu, "$2")
    .replace(/\\([\\`*_{}[\]()#+\-.!])/g, "$1")
    .replace(/\s+/g, " ")
    .trim();
}

/** Sentences of a paragraph (enough for definitions: the one holding the bold term). */
const SENTENCES = new Intl.Segmenter("en", { granularity: "sentence" });

/** Lines outside code fences (definitions and questions are never inside code). */
function proseLines(markdown: string): string[] {
  const lines = markdown.split("\n");
  const fenced = fencedLines(lines);
  return lines.filter((_, i) => !fenced[i]);
}

/** The terms one section defines, with the book's own words. */
export function definitionsIn(doc: DocumentSource, section: SourceSection): Definition[] {
  const out: Definition[] = [];
  const seen = new Set<string>();
  const add = (term: string, definition: string) => {
    const t = plain(term).replace(/[.:,]$/, "");
    const key = t.toLowerCase();
    if (!t || seen.has(key) || definition.length < 8) return;
    seen.add(key);
    out.push({ term: t, definition, doc, section });
  };
  for (const line of proseLines(section.markdown)) {
    const listed = LIST_DEFINITION.exec(line);
    if (listed) {
      add(listed[1] ?? "", plain(listed[2] ?? ""));
      continue;
    }
    if (!line.includes("**")) continue;
    for (const { segment } of SENTENCES.segment(line)) {
      const m = SENTENCE_DEFINITION.exec(segment);
      if (m) add(m[1] ?? "", plain(segment));
    }
  }
  return out;
}

/** The review questions of one document: quiz components' questions and the questions of its review sections. */
export function questionsIn(doc: DocumentSource): Array<{ question: string; section: SourceSection }> {
  const out: Array<{ question: string; section: SourceSection }> = [];
  const seen = new Set<string>();
  const add = (question: string, section: SourceSection) => {
    const q = question.replace(/\\(.)/g, "$1").replace(/\s+/g, " ").trim();
    if (q.length < 8 || seen.has(q)) return;
    seen.add(q);
    out.push({ question: q, section });
  };
  for (const section of doc.sections) {
    for (const m of section.markdown.matchAll(QUESTION_PROP)) add(m[2] ?? "", section);
    if (!REVIEW_HEADING.test(section.heading)) continue;
    for (const line of proseLines(section.markdown)) {
      // A list item, a numbered line or a heading that asks something.
      const item =
        /^\s*(?:[-*+]|\d+[.)]|#{2,6})\s+(.+\?[*_]*)\s*$/.exec(line) ??
        /^\s*([^<|:#\s].*\?[*_]*)\s*$/.exec(line);
      if (item) add(plain(item[1] ?? ""), section);
    }
  }
  return out;
}

/** Book order: each path segment by its number prefix (or sidebar_position for the file), then by name. */
export function bookOrder(a: DocumentSource, b: DocumentSource): number {
  const key = (d: DocumentSource) =>
    d.docId.split("/").map((part, i, all) => {
      const name = part.replace(/\.mdx?$/i, "");
      const prefix = /^(\d+)[-_.\s]/.exec(name)?.[1];
      const last = i === all.length - 1;
      const index = last && /^(?:index|readme)$/i.test(name);
      const position =
        last && d.position !== null ? d.position : prefix !== undefined ? Number(prefix) : null;
      return { rank: index ? -1 : (position ?? Number.POSITIVE_INFINITY), file: last ? 0 : 1, name };
    });
  const ka = key(a);
  const kb = key(b);
  for (let i = 0; i < Math.min(ka.length, kb.length); i++) {
    const x = ka[i];
    const y = kb[i];
    if (!x || !y) break;
    if (x.rank !== y.rank) return x.rank - y.rank;
    // A file before a folder at the same rank (intro.md before 01-foundations/).
    if (x.file !== y.file) return x.file - y.file;
    const byName = x.name.localeCompare(y.name, "en", { numeric: true });
    if (byName !== 0) return byName;
  }
  return ka.length - kb.length;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** How often `term` occurs in `text` as a word (plural s/es too), case-insensitive. */
function occurrences(term: string, text: string): number {
  const re = new RegExp(`(?<![\\p{L}\\p{N}])${escapeRegExp(term)}(?:e?s)?(?![\\p{L}\\p{N}])`, "giu");
  return text.match(re)?.length ?? 0;
}

/** How many prerequisite sections a reader gets: beginners the most. */
const PREREQUISITES: Record<string, number> = { Beginner: 8, Intermediate: 5, Advanced: 3 };

export interface StudyGuideResult {
  guide: StudyGuide;
  sections: VariantSection[];
}

/**
 * The study guide of `doc` for a reader: the sections of earlier chapters defining terms this chapter uses (more
 * for a software beginner), the terms this chapter defines with its own definitions, and its review questions.
 */
export function buildStudyGuide(
  doc: DocumentSource,
  book: DocumentSource[],
  profile: ReaderProfile | null,
  bookBaseUrl: string,
): StudyGuideResult {
  const url = (d: DocumentSource, s: SourceSection) =>
    sourceUrl(bookBaseUrl, s.anchor ? `${d.route}#${s.anchor}` : d.route);
  const ordered = [...book].sort(bookOrder);
  const at = ordered.findIndex((d) => d.docId === doc.docId);
  const earlier = at >= 0 ? ordered.slice(0, at) : [];
  const own = doc.sections.flatMap((s) => definitionsIn(doc, s));
  const ownTerms = new Set(own.map((d) => d.term.toLowerCase()));
  const chapterText = plain(doc.sections.map((s) => s.markdown).join("\n\n"));

  // Each earlier section that defines a term this chapter uses (and does not define itself).
  const bySection = new Map<
    string,
    { doc: DocumentSource; section: SourceSection; terms: string[]; uses: number }
  >();
  for (const d of earlier) {
    for (const s of d.sections) {
      for (const def of definitionsIn(d, s)) {
        if (ownTerms.has(def.term.toLowerCase())) continue;
        const uses = occurrences(def.term, chapterText);
        if (uses === 0) continue;
        const key = `${d.docId}#${s.anchor}`;
        const entry = bySection.get(key) ?? { doc: d, section: s, terms: [], uses: 0 };
        if (!entry.terms.some((t) => t.toLowerCase() === def.term.toLowerCase())) entry.terms.push(def.term);
        entry.uses += uses;
        bySection.set(key, entry);
      }
    }
  }
  const keep = PREREQUISITES[profile?.softwareBackground ?? "Intermediate"] ?? 5;
  const rank = (e: { doc: DocumentSource }) => ordered.indexOf(e.doc);
  const prerequisites = [...bySection.values()]
    .sort((a, b) => b.uses - a.uses || rank(a) - rank(b))
    .slice(0, keep)
    .sort((a, b) => rank(a) - rank(b))
    .map((e) => ({
      title: e.doc.title,
      heading: e.section.heading,
      url: url(e.doc, e.section),
      terms: e.terms,
    }));
  const keyTerms = own.map((d) => ({ term: d.term, definition: d.definition, url: url(doc, d.section) }));
  const questions = questionsIn(doc).map((q) => ({ question: q.question, url: url(doc, q.section) }));
  const guide: StudyGuide = { prerequisites, keyTerms, questions };
  return { guide, sections: studyGuideSections(guide, doc.title) };
}

/** Markdown text inside link brackets or emphasis must not close them early. */
const escapeMd = (s: string) => s.replace(/([\\[\]*_`<>])/g, "\\$1");

/** The guide as Markdown sections (what the page shows). */
export function studyGuideSections(guide: StudyGuide, title: string): VariantSection[] {
  const prerequisites =
    guide.prerequisites.length > 0
      ? [
          "These sections of earlier chapters define terms this chapter uses:",
          "",
          ...guide.prerequisites.map(
            (p) =>
              `- [${escapeMd(p.title)}${p.heading ? ` › ${escapeMd(p.heading)}` : ""}](${p.url}) — ${p.terms
                .map((t) => `*${escapeMd(t)}*`)
                .join(", ")}`,
          ),
        ]
      : ["This chapter builds on no terms defined in earlier chapters."];
  const keyTerms =
    guide.keyTerms.length > 0
      ? guide.keyTerms.map(
          (k) => `- **${escapeMd(k.term)}** — ${escapeMd(k.definition)} ([in the chapter](${k.url}))`,
        )
      : ["The chapter marks no terms as definitions."];
  const questions =
    guide.questions.length > 0
      ? guide.questions.map((q, i) => `${i + 1}. ${escapeMd(q.question)} ([section](${q.url}))`)
      : ["This chapter has no review questions of its own."];
  const section = (anchor: string, heading: string, body: string[]): VariantSection => ({
    anchor,
    heading,
    markdown: `## ${heading} {#${anchor}}\n\n${body.join("\n")}`,
  });
  return [
    {
      anchor: "",
      heading: "",
      markdown: `Study guide for *${escapeMd(title)}*, built from the book itself (no language model is configured).`,
    },
    section("study-guide-prerequisites", "Before you start", prerequisites),
    section("study-guide-key-terms", "Key terms", keyTerms),
    section("study-guide-review-questions", "Review questions", questions),
  ];
}
