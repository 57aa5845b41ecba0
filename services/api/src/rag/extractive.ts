// The offline answerer: the best sentences of the retrieved sections, cited [n], shaped by the reader's profile.
import type { ReaderProfile } from "@ai-book/contracts";
import { type TextAnalysis, uncachedAnalysis } from "./analysis-cache.ts";
import type { Retrieved } from "./retrieve.ts";
import { contentStems, isProse, isTableRow, sentences, topicStems, truncate } from "./text.ts";

export interface ExtractiveInput {
  message: string;
  hits: readonly Retrieved[];
  profile?: ReaderProfile | null;
  selectedText?: string;
  /** @default computed each time */
  analysis?: TextAnalysis;
}

export type Depth = "beginner" | "neutral" | "advanced";

/** Beginner if either background says so; advanced only if every stated background does. */
export function depthFor(profile: ReaderProfile | null | undefined): Depth {
  const levels = [profile?.softwareBackground, profile?.hardwareBackground].filter((l) => l != null);
  if (levels.includes("Beginner")) return "beginner";
  if (levels.length > 0 && levels.every((l) => l === "Advanced")) return "advanced";
  return "neutral";
}

/** Sentences picked per depth: a beginner gets fuller context, an expert the gist. */
const SENTENCES_FOR: Record<Depth, number> = { beginner: 6, neutral: 3, advanced: 2 };
const SENTENCE_MAX = 400;
/** A sentence is picked on its own merit only if it scores at least this share of the best one. */
const RELATIVE_FLOOR = 0.6;

interface Candidate {
  n: number;
  /** How well the candidate's section as a whole matches the question (0..1). */
  sectionCoverage: number;
  pos: number;
  text: string;
  stems: ReadonlySet<string>;
  score: number;
}

/**
 * Headings of parts that ask rather than explain: quizzes, review questions, learning objectives, exercise lists.
 * Their sentences are questions for the reader or promises of what a lesson covers, never an answer. Generic
 * words ("Exercises", "Challenge") count only as the whole heading: "Hands-on exercise: build a node" is a
 * walkthrough that explains.
 */
const ASKING_PHRASE =
  /\b(?:check your understanding|self[- ]?(?:check|assessment|test)|test your(?:self| knowledge| understanding)|(?:review|practice|discussion|study|comprehension) questions|learning (?:objectives|outcomes|goals)|what you(?:'|’)?ll learn|what you will learn|quiz(?:zes)?)\b/i;
const ASKING_WHOLE =
  /^(?:[\d.]+\s*)?(?:exercises?|objectives|challenges?|assignments?|homework|try it yourself|questions)$/i;

/** Whether a heading opens a part that asks (quiz, review questions, exercises, learning objectives). */
export function isAskingHeading(s: string): boolean {
  return ASKING_PHRASE.test(s) || ASKING_WHOLE.test(s.trim());
}

/**
 * How an answer names a section it points to: "Title › Heading"; a part that only asks (a quiz, learning objectives)
 * by its page's title, so the reader is sent to the page, never told its questions are where the answer is.
 */
export function pointerName(chunk: { title: string; headingPath: readonly string[] }): string {
  return chunk.headingPath.some(isAskingHeading)
    ? chunk.title
    : [chunk.title, ...chunk.headingPath].join(" › ");
}

/** A line of a chunk that reads as a heading: short, no closing punctuation (merged sections keep theirs so). */
function isHeadingLine(s: string): boolean {
  return s.length <= 80 && !/[.!?:;,)"'”]$/.test(s) && !s.startsWith("- ") && !/^\d+\./.test(s);
}

/** A question to the reader (an exercise, a rhetorical lead-in): not an answer, whatever words it shares. */
function isQuestion(s: string): boolean {
  return /\?["'’”)\]]*$/.test(s);
}

function candidatesOf(hits: readonly Retrieved[], analysis: TextAnalysis): Candidate[] {
  return hits.flatMap((h) => {
    if (h.chunk.headingPath.some(isAskingHeading)) return [];
    const out: Candidate[] = [];
    let asking = false;
    analysis.analysedSentences(h.chunk.text).forEach(({ text, stems }, pos) => {
      if (isHeadingLine(text)) asking = isAskingHeading(text);
      if (asking || isQuestion(text) || !isProse(text)) return;
      out.push({
        n: h.n,
        sectionCoverage: h.coverage,
        pos,
        text: truncate(text, SENTENCE_MAX),
        stems,
        score: 0,
      });
    });
    return out;
  });
}

/** Scores sentences by the question words they contain, rarer words weighing more, earlier sources a little more. */
function score(cands: Candidate[], terms: readonly string[]): void {
  const df = new Map<string, number>();
  for (const t of terms) df.set(t, cands.filter((c) => c.stems.has(t)).length);
  for (const c of cands) {
    let s = 0;
    for (const t of terms) if (c.stems.has(t)) s += Math.log(1 + cands.length / (df.get(t) ?? 1));
    // The opening sentence of a section usually states what the section is about.
    // A sentence of a section that matches the question as a whole counts more than a stray match elsewhere.
    c.score = (s + (c.pos === 0 ? 0.25 : 0)) * (0.5 + c.sectionCoverage) - 0.05 * (c.n - 1);
  }
}

function cite(groups: Map<number, Candidate[]>): string[] {
  return [...groups.entries()]
    .sort(([a], [b]) => a - b)
    .map(
      ([n, cs]) =>
        `${cs
          .sort((a, b) => a.pos - b.pos)
          .map((c) => c.text)
          .join(" ")} [${n}]`,
    );
}

export function extractiveAnswer(input: ExtractiveInput): string {
  const depth = depthFor(input.profile);
  const terms = topicStems(input.message);
  const cands = candidatesOf(input.hits, input.analysis ?? uncachedAnalysis);
  score(cands, terms);
  const want = SENTENCES_FOR[depth];
  const ranked = [...cands].sort((a, b) => b.score - a.score || a.n - b.n || a.pos - b.pos);
  const top = ranked[0]?.score ?? 0;
  // Only sentences about as relevant as the best one; weak partial matches read as non sequiturs.
  const chosen = ranked.filter((c) => c.score > 0.3 && c.score >= top * RELATIVE_FLOOR).slice(0, want);
  if (chosen.length === 0 && ranked[0]) chosen.push(ranked[0]);
  // The answer opens with the best-ranked section that has a sentence to give: retrieval weighed the whole
  // section (title, headings, document, phrases), which a sentence's word count cannot, so [1] leads.
  const lead = ranked.find((c) => c.n === Math.min(...cands.map((x) => x.n)));
  if (lead && !chosen.some((c) => c.n === lead.n)) {
    if (chosen.length >= want) chosen.pop();
    chosen.unshift(lead);
  }
  // Then the sentences around the picked ones (what follows a definition usually explains it; a beginner
  // also gets what comes before), until the depth's budget is used.
  const neighbour = (c: Candidate, d: number) => cands.find((p) => p.n === c.n && p.pos === c.pos + d);
  const steps = depth === "beginner" ? [1, -1] : [1];
  for (let round = 0; round < 3 && chosen.length < want; round++) {
    for (const c of [...chosen]) {
      for (const d of steps) {
        const next = neighbour(c, d);
        // Context is prose: a neighbouring table row is another row, not an explanation.
        if (next && !chosen.includes(next) && chosen.length < want && !isTableRow(next.text))
          chosen.push(next);
      }
    }
  }
  const groups = new Map<number, Candidate[]>();
  for (const c of chosen) groups.set(c.n, [...(groups.get(c.n) ?? []), c]);
  const body = cite(groups);
  // The best-ranked section holds no sentence to quote (code, a table, a list of commands): name it first, so the
  // reader is sent where retrieval found the answer rather than only to weaker sections.
  // When that section only asks (learning objectives, a quiz), its page is still where retrieval found the answer:
  // the page is named, never the asking part's text.
  const first = input.hits[0];
  if (first && !groups.has(first.n)) {
    const where = pointerName(first.chunk);
    body.unshift(`The book covers this in "${where}" [${first.n}].`);
  }

  const parts: string[] = [];
  if (input.selectedText?.trim()) {
    const sel = sentences(input.selectedText).map((text, pos) => ({
      text,
      pos,
      stems: new Set(contentStems(text)),
    }));
    const best = sel
      .map((s) => ({ ...s, hits: terms.filter((t) => s.stems.has(t)).length }))
      .sort((a, b) => b.hits - a.hits || a.pos - b.pos)
      .slice(0, depth === "advanced" ? 1 : 2)
      .sort((a, b) => a.pos - b.pos);
    parts.push(
      `About the passage you selected: ${best.map((s) => truncate(s.text, SENTENCE_MAX)).join(" ")}`,
    );
    if (body.length > 0) parts.push(`The book explains: ${body.join(" ")}`);
  } else if (depth === "beginner") {
    // Point to the section the answer starts from (the first hit may be one that only asks).
    const top = input.hits.find((h) => h.n === chosen[0]?.n) ?? input.hits[0];
    const where = top ? [top.chunk.title, ...top.chunk.headingPath].at(-1) : undefined;
    parts.push(`Here is what the book says, starting from the basic idea:\n\n${body.join("\n\n")}`);
    if (where && top) parts.push(`To learn more, read the section "${where}" [${top.n}].`);
  } else if (depth === "advanced") {
    parts.push(body.join(" "));
  } else {
    parts.push(`According to the book: ${body.join(" ")}`);
  }

  const interest = input.profile?.interestArea;
  if (interest) {
    const interestTerms = contentStems(interest);
    const interestHits = (c: Candidate) => interestTerms.filter((t) => c.stems.has(t)).length;
    const related = cands
      .filter((c) => !chosen.includes(c) && interestHits(c) > 0)
      .sort((a, b) => interestHits(b) - interestHits(a) || b.score - a.score)[0];
    if (related) parts.push(`Related to your interest in ${interest}: ${related.text} [${related.n}]`);
  }
  return parts.join("\n\n");
}
