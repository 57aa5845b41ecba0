// Options of the Docusaurus plugin, validated when the site's config loads.

export interface TutorOptions {
  /** Origin of the auth-service. @default "http://localhost:3001" */
  authUrl?: string;
  /** Origin of the api-service. @default "http://localhost:8000" */
  apiUrl?: string;
  /** CSS selector of the content where selecting text offers "Ask about this". @default ".theme-doc-markdown" */
  selectionSelector?: string;
  /**
   * "Personalize this chapter" and "Translate this chapter" at the top of every doc page (the api-service's
   * /v1/chapters/*). `false` leaves the doc pages as the theme renders them. @default true
   */
  chapterTools?: boolean;
}
export type ResolvedTutorOptions = Required<TutorOptions>;

/** What the plugin hands to the browser through Docusaurus global data. */
export type TutorGlobalData = ResolvedTutorOptions;

export const DEFAULT_OPTIONS: ResolvedTutorOptions = {
  authUrl: "http://localhost:3001",
  apiUrl: "http://localhost:8000",
  selectionSelector: ".theme-doc-markdown",
  chapterTools: true,
};

const BOOLEAN_OPTIONS = new Set<string>(["chapterTools"]);

/** Fills defaults and rejects unknown keys or non-http(s) URLs with a message naming the option. */
export function resolveTutorOptions(input: unknown): ResolvedTutorOptions & { id: string } {
  const options = (input ?? {}) as Record<string, unknown>;
  if (typeof options !== "object" || Array.isArray(options)) throw new Error("options must be an object");
  const resolved: Record<string, string | boolean> = { ...DEFAULT_OPTIONS };
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined || key === "id") continue;
    if (!(key in DEFAULT_OPTIONS)) throw new Error(`unknown option "${key}"`);
    if (BOOLEAN_OPTIONS.has(key)) {
      if (typeof value !== "boolean") throw new Error(`option "${key}" must be true or false`);
      resolved[key] = value;
      continue;
    }
    if (typeof value !== "string" || value.length === 0)
      throw new Error(`option "${key}" must be a non-empty string`);
    if (key !== "selectionSelector" && !/^https?:\/\/[^\s/]+/.test(value)) {
      throw new Error(`option "${key}" must be an http(s) URL, got "${value}"`);
    }
    resolved[key] = value;
  }
  // Docusaurus namespaces plugin data by `id`; validateOptions must hand it back.
  return {
    ...(resolved as unknown as ResolvedTutorOptions),
    id: typeof options.id === "string" ? options.id : "default",
  };
}
