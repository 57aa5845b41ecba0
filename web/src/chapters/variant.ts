// Pure helpers of the chapter variants ("Personalize this chapter", "Translate this chapter"): languages, the
// sections' headings and Markdown, the admonition blocks, the reader's profile line.
import { isRtlLanguage, type PublicUser } from "@ai-book/contracts";

export function primaryTag(language: string): string {
  return language.toLowerCase().split(/[-_]/)[0] ?? language;
}

/** Written right to left: the api-service's list (the contracts'), so the page and the service agree. */
export function isRtl(language: string): boolean {
  return isRtlLanguage(language);
}

/** "Urdu"; the code itself when the browser has no name for it. */
export function languageName(language: string, locale = "en"): string {
  try {
    return new Intl.DisplayNames([locale], { type: "language" }).of(language) ?? language;
  } catch {
    return language;
  }
}

/** The English name, and the language's own when the browser knows a different one. */
function names(language: string): { english: string; native?: string } {
  const english = languageName(language);
  const native = languageName(language, language);
  return native && native !== english && native !== language ? { english, native } : { english };
}

/** "Urdu (اردو)": the English name and the language's own, for the picker. */
export function languageLabel(language: string): string {
  const { english, native } = names(language);
  return native ? `${english} (${native})` : english;
}

/** "اردو (Urdu)": the language's own name first (the reader looks for it), then the English one. */
export function ownLanguageLabel(language: string): string {
  const { english, native } = names(language);
  return native ? `${native} (${english})` : english;
}

/** The book's own language, as the answer-language picker stores it: no preference. */
export const SAME_AS_BOOK = "";

/**
 * The "Preferred language for answers" choices: the book's language (no preference) first, then the offered
 * languages (Urdu first) and the reader's current choice even if the service no longer offers it.
 */
export function answerLanguageOptions(
  offered: readonly string[],
  current?: string | null,
): { value: string; label: string }[] {
  return [
    { value: SAME_AS_BOOK, label: "Same as the book" },
    ...orderLanguages(current ? [...offered, current] : offered).map((code) => ({
      value: code,
      label: ownLanguageLabel(code),
    })),
  ];
}

/** The offered languages without duplicates, Urdu first (the book's readers asked for it first), then as given. */
export function orderLanguages(languages: readonly string[]): string[] {
  const unique = [...new Set(languages.map((l) => l.trim()).filter(Boolean))];
  return unique.sort((a, b) => Number(primaryTag(b) === "ur") - Number(primaryTag(a) === "ur"));
}

/** "software: Beginner · hardware: Advanced · interest: humanoid locomotion", or "" without a profile. */
export function profileSummary(
  user: Pick<PublicUser, "softwareBackground" | "hardwareBackground" | "interestArea"> | null,
): string {
  if (!user) return "";
  return [
    user.softwareBackground && `software: ${user.softwareBackground}`,
    user.hardwareBackground && `hardware: ${user.hardwareBackground}`,
    user.interestArea && `interest: ${user.interestArea}`,
  ]
    .filter(Boolean)
    .join(" · ");
}

/** An ATX heading line, with Docusaurus's explicit id `{#id}` (escaped `\{#id}` in MDX) and closing hashes. */
const HEADING_LINE = /^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]*\\?\{#[^}\s]+\})?(?:[ \t]+#+)?[ \t]*$/;

export interface SplitSection {
  /** Level of the section's own heading line, when its Markdown starts with one. */
  level?: number;
  /** That heading's text without its `{#id}`. */
  heading?: string;
  /** The Markdown after the heading line. */
  body: string;
}

/**
 * Takes the section's own heading off its Markdown: the page renders it itself, with the source heading's id
 * (a model may drop or reword `{#id}`; the id comes from the section's anchor, never from the model's text).
 */
export function splitSectionHeading(markdown: string): SplitSection {
  const text = markdown.replace(/^(?:[ \t]*\r?\n)+/, "");
  const end = text.indexOf("\n");
  const first = end < 0 ? text : text.slice(0, end);
  const match = HEADING_LINE.exec(first.replace(/\r$/, ""));
  if (!match) return { body: markdown };
  return {
    level: (match[1] as string).length,
    heading: (match[2] as string).trim(),
    body: end < 0 ? "" : text.slice(end + 1),
  };
}

export const ADMONITION_TYPES = [
  "note",
  "tip",
  "info",
  "warning",
  "danger",
  "caution",
  "important",
  "success",
];

export type MarkdownPart =
  | { kind: "markdown"; text: string }
  | { kind: "admonition"; type: string; title: string | undefined; parts: MarkdownPart[] };

const FENCE = /^ {0,3}(`{3,}|~{3,})/;
const ADMONITION_OPEN = /^ {0,3}(:{3,})([a-z]+)(?:\[(.*)\]|[ \t]+(.*?))?[ \t]*$/;
const ADMONITION_CLOSE = /^ {0,3}(:{3,})[ \t]*$/;

/**
 * Splits Markdown at Docusaurus admonitions (`:::tip Title` or `:::tip[Title]` … `:::`, nested ones with more
 * colons), leaving fenced code alone. remark-directive would do the parsing, but it also reads every `:word` in prose
 * as a text directive, which Docusaurus then has to turn back into text with a plugin of its own; the container
 * form is all a book's Markdown uses, and a line scan gets it exactly.
 */
export function splitAdmonitions(markdown: string): MarkdownPart[] {
  const lines = markdown.split("\n");
  let index = 0;
  const parse = (closing: string | null): MarkdownPart[] => {
    const parts: MarkdownPart[] = [];
    let text: string[] = [];
    let fence: string | null = null;
    const flush = () => {
      if (text.some((l) => l.trim())) parts.push({ kind: "markdown", text: text.join("\n") });
      text = [];
    };
    while (index < lines.length) {
      const line = lines[index] as string;
      index++;
      const fenceMatch = FENCE.exec(line);
      if (fence) {
        if (
          fenceMatch &&
          (fenceMatch[1] as string)[0] === fence[0] &&
          (fenceMatch[1] as string).length >= fence.length
        )
          fence = null;
        text.push(line);
        continue;
      }
      if (fenceMatch) {
        fence = fenceMatch[1] as string;
        text.push(line);
        continue;
      }
      const close = ADMONITION_CLOSE.exec(line);
      if (close && closing !== null && (close[1] as string).length >= closing.length) {
        flush();
        return parts;
      }
      const open = ADMONITION_OPEN.exec(line);
      if (open && ADMONITION_TYPES.includes(open[2] as string)) {
        flush();
        const title = (open[3] ?? open[4])?.trim() || undefined;
        parts.push({ kind: "admonition", type: open[2] as string, title, parts: parse(open[1] as string) });
        continue;
      }
      text.push(line);
    }
    flush();
    return parts;
  };
  return parse(null);
}
