// Issue 19, findings 2, 3, 6, 7 and 8 against a real auth-service on embedded PGlite: sign-up enumeration timing, password policy, session tokens kept from page scripts, file modes, name caps.
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import {
  clientAddress,
  closeAddressAgents,
  fromAddress,
  newSecret,
  type ServiceProcess,
  startAuthProcess,
  TRUSTED_ORIGIN,
  tempDir,
} from "@ai-book/testkit";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type Answer, envelopeCode, figure, median, postJson } from "./support.ts";

// Processes start slowly on a busy machine: generous limits here guard against hangs, they are not speed targets.
vi.setConfig({ testTimeout: 240_000, hookTimeout: 400_000 });

const GOOD_PASSWORD = "a long and unusual passphrase";
/** Each test signs up from addresses of its own, so the per-address sign-up limit never interferes. */
let nextAddress = 0;
const address = () => fromAddress(clientAddress(nextAddress++));
const email = (tag: string) => `${tag}-${newSecret().slice(0, 10).toLowerCase()}@example.test`;

describe("issue 19: account hardening on the real auth-service (PGlite)", () => {
  const dir = tempDir("ai-book-accounts-");
  let auth: ServiceProcess;

  const signUp = (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
    postJson(
      `${auth.url}/api/auth/sign-up/email`,
      { name: "Reader", password: GOOD_PASSWORD, ...body },
      { headers: { origin: TRUSTED_ORIGIN, ...headers }, dispatcher: address() },
    );

  beforeAll(async () => {
    // PGlite on purpose (finding 7 is about its files), whatever DATABASE_URL says.
    auth = await startAuthProcess({ dataDir: join(dir.path, "data"), jwtSecret: newSecret() });
  });
  afterAll(async () => {
    await auth?.stop();
    await closeAddressAgents();
    dir.cleanup();
  });

  describe("finding 3: password policy", () => {
    const refused = (a: Answer, code: string, rule: RegExp) => {
      expect(a.status, a.text).toBe(400);
      expect(envelopeCode(a)).toBe(code);
      expect((a.json as { error: { message: string } }).error.message).toMatch(rule);
    };

    it("refuses short, overlong and common passwords with a 400 naming the rule; accepts a good one", async () => {
      refused(await signUp({ email: email("pw"), password: "password" }), "VALIDATION_ERROR", /at least 12/);
      refused(
        await signUp({ email: email("pw"), password: "elevenchars" }),
        "VALIDATION_ERROR",
        /at least 12/,
      );
      refused(
        await signUp({ email: email("pw"), password: "x".repeat(129) }),
        "VALIDATION_ERROR",
        /at most 128/,
      );
      for (const common of ["qwerty123456", "1q2w3e4r5t6y", "Password2024!", "iloveyou123456"])
        refused(await signUp({ email: email("pw"), password: common }), "PASSWORD_COMPROMISED", /common/);
      const ok = await signUp({ email: email("pw"), password: GOOD_PASSWORD });
      expect(ok.status, ok.text).toBe(200);
    });

    it("refuses a common password on change-password too", async () => {
      const up = await signUp({ email: email("chg") });
      const token = (up.json as { token: string }).token;
      const change = await postJson(
        `${auth.url}/api/auth/change-password`,
        { currentPassword: GOOD_PASSWORD, newPassword: "qwertyuiop123" },
        { headers: { origin: TRUSTED_ORIGIN, authorization: `Bearer ${token}` } },
      );
      refused(change, "PASSWORD_COMPROMISED", /common/);
    });
  });

  describe("finding 2: sign-up enumeration", () => {
    it("answers an existing email no faster than a new one (the password is hashed either way)", async () => {
      const existing = email("dup");
      expect((await signUp({ email: existing })).status).toBe(200);
      const dupMs: number[] = [];
      const newMs: number[] = [];
      // Interleaved, so a burst of load on the machine hits both sides alike.
      for (let i = 0; i < 6; i++) {
        const dup = await signUp({ email: existing });
        expect(dup.status, dup.text).toBe(422);
        expect(envelopeCode(dup)).toBe("USER_ALREADY_EXISTS");
        dupMs.push(dup.ms);
        const fresh = await signUp({ email: email("new") });
        expect(fresh.status, fresh.text).toBe(200);
        newMs.push(fresh.ms);
      }
      // Before the fix the duplicate answered in a tenth of the time; the bound is loose on purpose (a busy machine).
      expect(median(dupMs)).toBeGreaterThan(median(newMs) * 0.4);
      figure(
        "security",
        `sign-up timing: existing email median ${median(dupMs).toFixed(0)} ms, new email ${median(newMs).toFixed(0)} ms`,
      );
    });
  });

  describe("finding 6: the session token is not readable by page scripts", () => {
    const BROWSER = { "sec-fetch-site": "same-site", "sec-fetch-mode": "cors" };

    it("a browser gets only the httpOnly cookie; a non-browser client keeps its bearer token", async () => {
      const up = await signUp({ email: email("browser") }, BROWSER);
      expect(up.status, up.text).toBe(200);
      expect(up.json).not.toHaveProperty("token");
      expect(up.headers.get("set-auth-token")).toBeNull();
      const cookie = up.headers
        .getSetCookie()
        .map((c) => c.split(";")[0])
        .join("; ");
      expect(up.headers.getSetCookie().join("\n")).toMatch(/HttpOnly/i);
      for (const path of ["/api/auth/get-session", "/api/auth/list-sessions"]) {
        const res = await fetch(`${auth.url}${path}`, {
          headers: { cookie, origin: TRUSTED_ORIGIN, ...BROWSER },
        });
        const text = await res.text();
        expect(res.status, `${path}: ${text}`).toBe(200);
        expect(text, path).not.toMatch(/"token"/);
      }
      // The same account signed in by a non-browser client (no Sec-Fetch-Site) still gets its bearer token.
      const cli = await postJson(
        `${auth.url}/api/auth/sign-in/email`,
        { email: (up.json as { user: { email: string } }).user.email, password: GOOD_PASSWORD },
        { headers: { origin: TRUSTED_ORIGIN }, dispatcher: address() },
      );
      expect(cli.status, cli.text).toBe(200);
      expect(typeof (cli.json as { token?: unknown }).token).toBe("string");
    });

    it("CORS does not expose set-auth-token to browser origins", async () => {
      const res = await fetch(`${auth.url}/api/auth/get-session`, { headers: { origin: TRUSTED_ORIGIN } });
      await res.text();
      const exposed = res.headers.get("access-control-expose-headers") ?? "";
      expect(exposed.toLowerCase()).toContain("set-auth-jwt");
      expect(exposed.toLowerCase()).not.toContain("set-auth-token");
    });
  });

  describe("finding 8: name caps", () => {
    it("refuses a display name over 100 characters on sign-up and update-user, with a 400 naming the field", async () => {
      const long = await signUp({ email: email("name"), name: "N".repeat(12_000) });
      expect(long.status, long.text.slice(0, 200)).toBe(400);
      expect(envelopeCode(long)).toBe("VALIDATION_ERROR");
      expect(long.text).toMatch(/name: must be at most 100/);
      const up = await signUp({ email: email("name"), name: "N".repeat(100) });
      expect(up.status, up.text).toBe(200);
      const token = (up.json as { token: string }).token;
      const update = await postJson(
        `${auth.url}/api/auth/update-user`,
        { name: "M".repeat(101) },
        { headers: { origin: TRUSTED_ORIGIN, authorization: `Bearer ${token}` } },
      );
      expect(update.status, update.text).toBe(400);
      expect(envelopeCode(update)).toBe("VALIDATION_ERROR");
      const interest = await postJson(
        `${auth.url}/api/auth/update-user`,
        { interestArea: "i".repeat(65) },
        { headers: { origin: TRUSTED_ORIGIN, authorization: `Bearer ${token}` } },
      );
      expect(interest.status, interest.text).toBe(400);
    });
  });

  describe("finding 7: file modes", () => {
    it("creates nothing under DATA_DIR/auth that group or others may read or write", () => {
      const open: string[] = [];
      let files = 0;
      const walk = (p: string) => {
        const st = statSync(p);
        files++;
        if ((st.mode & 0o077) !== 0)
          open.push(`${p.slice(dir.path.length)} ${(st.mode & 0o777).toString(8)}`);
        if (st.isDirectory()) for (const entry of readdirSync(p)) walk(join(p, entry));
      };
      walk(join(dir.path, "data", "auth"));
      expect(files).toBeGreaterThan(10);
      expect(open.slice(0, 10), `${open.length} of ${files} entries open to group/others`).toEqual([]);
      figure("security", `file modes: ${files} entries under DATA_DIR/auth, none open to group/others`);
    });
  });
});
