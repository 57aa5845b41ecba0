// Language codes as the reader and the model see them: display names, and whether two codes name one language.

const DISPLAY = new Intl.DisplayNames(["en"], { type: "language" });

/** "Urdu" for "ur", "Brazilian Portuguese" for "pt-BR"; the code itself when unknown. */
export function languageName(code: string): string {
  try {
    return DISPLAY.of(code) ?? code;
  } catch {
    return code;
  }
}

/** True when two BCP 47 tags share their primary language ("en" and "en-GB"): no translation between them. */
export function sameLanguage(a: string, b: string): boolean {
  const primary = (code: string) => code.split("-")[0]?.toLowerCase() ?? "";
  return primary(a) === primary(b);
}
