// The copy-paste walkthrough start.ts prints: sign up with a profile, get a JWT, ask the book a question.

export interface ExampleOptions {
  authUrl: string;
  apiUrl: string;
  /** A trusted origin (the book's): Better Auth refuses cookie-less POSTs from Node/curl clients without one. */
  origin: string;
  /** Where curl keeps the session cookie. */
  cookieJar: string;
  question: string;
}

/** First and last line of the printed block, so tests (and readers) can find exactly what to run. */
export const EXAMPLE_BEGIN = "# ---- try it (bash or zsh; needs curl and node) ----";
export const EXAMPLE_END = "# ---- end ----";

const shellQuote = (s: string) => `'${s.replaceAll("'", `'"'"'`)}'`;

/** POSIX-shell commands, one request per command; the last one prints the chat answer as JSON. */
export function renderExample(o: ExampleOptions): string {
  const profile = {
    name: "Ada Reader",
    password: "correct-horse-battery-staple",
    softwareBackground: "Beginner",
    hardwareBackground: "Intermediate",
    interestArea: "humanoid robots",
  };
  // The email is unique per run, so pasting the block twice signs up a second reader instead of failing.
  const body = `'{"name":"${profile.name}","email":"'"$EMAIL"'","password":"${profile.password}","softwareBackground":"${profile.softwareBackground}","hardwareBackground":"${profile.hardwareBackground}","interestArea":"${profile.interestArea}"}'`;
  const chat = shellQuote(JSON.stringify({ message: o.question }));
  return [
    EXAMPLE_BEGIN,
    `JAR=${shellQuote(o.cookieJar)}; EMAIL="reader-$(date +%s)@example.com"`,
    "# 1. Sign up with a reader profile (the session cookie goes into $JAR)",
    `curl -sS -c "$JAR" ${o.authUrl}/api/auth/sign-up/email -H ${shellQuote(`Origin: ${o.origin}`)} -H 'Content-Type: application/json' \\`,
    `  -d ${body}; echo`,
    '# 2. Exchange the session for a JWT (or send: -H "Authorization: Bearer <token from step 1>")',
    `JWT=$(curl -sS -b "$JAR" ${o.authUrl}/api/auth/jwt | node -p 'JSON.parse(require("fs").readFileSync(0, "utf8")).token')`,
    "# 3. Ask the book; the answer cites its sources with deep links",
    `curl -sS ${o.apiUrl}/v1/chat -H "Authorization: Bearer $JWT" -H 'Content-Type: application/json' \\`,
    `  -d ${chat}; echo`,
    EXAMPLE_END,
  ].join("\n");
}

/** Extracts the example block from start.ts's output (the lines strictly between the markers). */
export function extractExample(output: string): string | undefined {
  const begin = output.indexOf(EXAMPLE_BEGIN);
  if (begin < 0) return undefined;
  const end = output.indexOf(EXAMPLE_END, begin);
  if (end < 0) return undefined;
  return output.slice(begin + EXAMPLE_BEGIN.length, end).trim();
}
