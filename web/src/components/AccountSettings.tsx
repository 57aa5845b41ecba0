// Account settings of a signed-in reader: verify-email banner, two-factor enrolment (QR code), export and deletion.
import { type ReactNode, useId, useState } from "react";
import { AccountForm, FormError, PasswordField, TextField, useAttempt, useSubmit } from "./form-parts.tsx";
import styles from "./tutor.module.css";
import { useTutor } from "./tutor-context.tsx";

/** "Verify your email" with a re-send button, while the address is unverified. */
export function VerifyEmailBanner(): ReactNode {
  const { account, authClient, refresh } = useTutor();
  const [sent, setSent] = useState(false);
  const { busy, error, run } = useSubmit(async () => {
    if (!account) return;
    await authClient.resendVerification(account.email);
    setSent(true);
  });
  if (!account || account.emailVerified) return null;
  return (
    <section className={styles.banner} aria-label="Verify your email" data-testid="tutor-verify-banner">
      <p>
        Please verify <strong>{account.email}</strong>: open the link we mailed you.
      </p>
      <form onSubmit={run}>
        <FormError error={error} />
        <output aria-live="polite">{sent ? "Sent. Check your inbox." : ""}</output>
        <button type="submit" className="button button--sm button--secondary" disabled={busy}>
          {busy ? "Sending…" : "Send the link again"}
        </button>{" "}
        <button type="button" className="button button--sm button--link" onClick={() => void refresh()}>
          I have verified it
        </button>
      </form>
    </section>
  );
}

interface Enrolment {
  qr: string;
  secret: string;
  backupCodes: string[];
}

export function TwoFactorSettings(): ReactNode {
  const { account, authClient, verifySecondFactor, refresh } = useTutor();
  const id = useId();
  const [password, setPassword] = useState("");
  const [code, setCode] = useState("");
  const [enrolment, setEnrolment] = useState<Enrolment | null>(null);
  const [done, setDone] = useState<string>("");
  const enable = useSubmit(async () => {
    const started = await authClient.enableTwoFactor(password);
    // Loaded on demand: most readers never open this, and the QR encoder is the heaviest part of the view.
    const { toDataURL } = await import("qrcode");
    setEnrolment({
      qr: await toDataURL(started.totpURI, { margin: 1, width: 192 }),
      secret: new URL(started.totpURI).searchParams.get("secret") ?? "",
      backupCodes: started.backupCodes,
    });
    setPassword("");
  });
  const confirm = useSubmit(async () => {
    await verifySecondFactor(code.trim(), { backup: false, trustDevice: false });
    setEnrolment(null);
    setCode("");
    setDone("Two-factor authentication is on.");
  });
  const disable = useSubmit(async () => {
    await authClient.disableTwoFactor(password);
    setPassword("");
    await refresh();
    setDone("Two-factor authentication is off.");
  });
  if (!account) return null;
  return (
    <section className={styles.settings} aria-labelledby={`${id}-title`} data-testid="tutor-2fa-settings">
      <h3 id={`${id}-title`}>Two-factor authentication</h3>
      <output aria-live="polite">{done}</output>
      {enrolment ? (
        <AccountForm
          label="Confirm two-factor set-up"
          submit={confirm}
          submitLabel="Turn on two-factor authentication"
        >
          <p>Scan this code with an authenticator app, or type the key, then enter the code it shows.</p>
          <img src={enrolment.qr} alt="QR code for your authenticator app" width={192} height={192} />
          <p>
            Key: <code data-testid="tutor-2fa-secret">{enrolment.secret}</code>
          </p>
          <p>
            <strong>Backup codes</strong> (shown only now; keep them somewhere safe, each works once):
          </p>
          <ul className={styles.codes} data-testid="tutor-backup-codes">
            {enrolment.backupCodes.map((c) => (
              <li key={c}>
                <code>{c}</code>
              </li>
            ))}
          </ul>
          <TextField
            label="Code from the app"
            id={`${id}-code`}
            name="code"
            inputMode="numeric"
            autoComplete="one-time-code"
            value={code}
            onValue={setCode}
          />
        </AccountForm>
      ) : (
        <AccountForm
          label={account.twoFactorEnabled ? "Turn off two-factor" : "Set up two-factor"}
          submit={account.twoFactorEnabled ? disable : enable}
          submitLabel={account.twoFactorEnabled ? "Turn off two-factor" : "Set up two-factor"}
          button="button--secondary"
          disabled={enable.busy || disable.busy || !password}
        >
          <p>
            {account.twoFactorEnabled
              ? "On: signing in asks for a code from your authenticator app."
              : "Off: add a code from an authenticator app to your sign-in."}
          </p>
          <PasswordField id={`${id}-password`} value={password} onValue={setPassword} />
        </AccountForm>
      )}
    </section>
  );
}

export function DataSettings(): ReactNode {
  const { authClient, forget } = useTutor();
  const id = useId();
  const [password, setPassword] = useState("");
  const [confirming, setConfirming] = useState(false);
  const exported = useAttempt();
  const remove = useSubmit(async () => {
    await authClient.deleteAccount(password || undefined);
    forget();
  });
  const download = () =>
    exported.attempt(async () => {
      const json = await authClient.exportData();
      const url = URL.createObjectURL(new Blob([json], { type: "application/json" }));
      const a = document.createElement("a");
      a.href = url;
      a.download = "ai-book-my-data.json";
      a.click();
      URL.revokeObjectURL(url);
    });
  return (
    <section className={styles.settings} aria-labelledby={`${id}-title`} data-testid="tutor-data-settings">
      <h3 id={`${id}-title`}>Your data</h3>
      <button
        type="button"
        className="button button--secondary button--block"
        onClick={() => void download()}
      >
        Download my data
      </button>
      <FormError error={exported.error} />
      {confirming ? (
        <AccountForm
          label="Delete my account"
          submit={remove}
          submitLabel="Delete my account for good"
          busyLabel="Deleting…"
          button="button--danger"
          after={
            <button type="button" className={styles.linkButton} onClick={() => setConfirming(false)}>
              Keep my account
            </button>
          }
        >
          <p>
            This deletes your account, profile and sessions for good. Enter your password (not needed within a
            day of signing in).
          </p>
          <PasswordField id={`${id}-password`} value={password} onValue={setPassword} />
        </AccountForm>
      ) : (
        <button
          type="button"
          className="button button--outline button--danger button--block margin-top--sm"
          onClick={() => setConfirming(true)}
        >
          Delete my account…
        </button>
      )}
    </section>
  );
}
