// Starter questions for the page being read, offline: from its own section headings, before the first question.

/** Headings that frame a chapter rather than teach something to ask about. */
const FRAMING =
  /^(summary|key (takeaways|ideas|points)|takeaways|further reading|references|bibliography|next steps|what'?s next|check your understanding|review( questions)?|exercises?|quiz|learning objectives|prerequisites|introduction|overview|conclusion)$/i;

export const STARTERS_MAX = 3;

/** Up to STARTERS_MAX questions about the page's sections, in page order; none for a page without sections. */
export function starterQuestions(headings: readonly string[], max = STARTERS_MAX): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const raw of headings) {
    const heading = raw
      .replace(/[\u200b#​]/g, "")
      .replace(/\s+/g, " ")
      .replace(/[.:]+$/, "")
      .trim();
    if (heading.length < 3 || heading.length > 80 || FRAMING.test(heading)) continue;
    const key = heading.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(/\?$/.test(heading) ? heading : `What should I know about ${heading}?`);
    if (out.length >= max) break;
  }
  return out;
}
