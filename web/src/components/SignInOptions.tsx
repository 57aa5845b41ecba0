// The ways in besides the password form: provider buttons, "Forgot password?", the reset form and the 2FA step.
import { PASSWORD_MAX, PASSWORD_MIN } from "@ai-book/contracts";
import { type ReactNode, useId, useState } from "react";
import {
  AccountForm,
  EmailField,
  emailProblem,
  type FieldErrors,
  FormError,
  PasswordField,
  TextField,
  useAttempt,
  useSubmit,
} from "./form-parts.tsx";
import styles from "./tutor.module.css";
import { useTutor } from "./tutor-context.tsx";

const PROVIDER_LABELS: Record<string, string> = { google: "Google", github: "GitHub" };

/** "Continue with …" for each provider the auth-service has configured; nothing when there is none. */
export function ProviderButtons(): ReactNode {
  const { providers, authClient } = useTutor();
  // Busy until the browser has left for the provider.
  const { busy, error, attempt } = useAttempt({ keepBusy: true });
  if (!providers) return null;
  const buttons = [
    ...providers.social.map((id) => ({ id, label: PROVIDER_LABELS[id] ?? id })),
    ...(providers.oidc ? [{ id: providers.oidc.providerId, label: providers.oidc.name }] : []),
  ];
  if (buttons.length === 0) return null;
  const go = (id: string) =>
    attempt(async () => {
      window.location.assign(await authClient.providerSignInUrl(id));
    });
  return (
    <div className={styles.providers} data-testid="tutor-providers">
      {buttons.map((b) => (
        <button
          key={b.id}
          type="button"
          className="button button--outline button--secondary button--block margin-bottom--sm"
          disabled={busy}
          onClick={() => void go(b.id)}
        >
          Continue with {b.label}
        </button>
      ))}
      <FormError error={error} />
      <p className={styles.muted}>or with your email</p>
    </div>
  );
}

export function ForgotPasswordForm({ onDone }: { onDone(): void }): ReactNode {
  const { authClient } = useTutor();
  const id = useId();
  const [email, setEmail] = useState("");
  const [sent, setSent] = useState(false);
  const [errors, setErrors] = useState<FieldErrors>({});
  const submit = useSubmit(async () => {
    const problem = emailProblem(email);
    setErrors({ email: problem });
    if (problem) return;
    await authClient.requestPasswordReset(email.trim());
    setSent(true);
  });
  return (
    <AccountForm
      label="Reset your password"
      testId="tutor-forgot"
      submit={submit}
      submitLabel="Send reset link"
      busyLabel="Sending…"
      status={
        sent
          ? "If an account uses this address, a reset link is on its way. It works once, for 30 minutes."
          : ""
      }
      after={
        <button type="button" className={styles.linkButton} onClick={onDone}>
          Back to sign in
        </button>
      }
    >
      <p>Enter your account's email; we will mail you a link to choose a new password.</p>
      <EmailField id={`${id}-email`} error={errors.email} value={email} onValue={setEmail} />
    </AccountForm>
  );
}

/** Opened from the reset mail's link (`?tutor=reset-password&token=…`). */
export function ResetPasswordForm({ token, onDone }: { token: string; onDone(): void }): ReactNode {
  const { authClient, forget } = useTutor();
  const id = useId();
  const [password, setPassword] = useState("");
  const [errors, setErrors] = useState<FieldErrors>({});
  const [done, setDone] = useState(false);
  const submit = useSubmit(async () => {
    if (password.length < PASSWORD_MIN || password.length > PASSWORD_MAX) {
      setErrors({ password: `Use ${PASSWORD_MIN} to ${PASSWORD_MAX} characters.` });
      return;
    }
    setErrors({});
    await authClient.resetPassword(token, password);
    // Every session of the account, this one included, has just been revoked.
    forget();
    setDone(true);
  });
  if (done)
    return (
      <div data-testid="tutor-reset-done">
        <p role="status">Your password is changed and every other session is signed out.</p>
        <button type="button" className="button button--primary button--block" onClick={onDone}>
          Sign in with the new password
        </button>
      </div>
    );
  return (
    <AccountForm
      label="Choose a new password"
      testId="tutor-reset"
      submit={submit}
      submitLabel="Set new password"
      busyLabel="Saving…"
    >
      <PasswordField
        label={`New password (at least ${PASSWORD_MIN} characters)`}
        id={`${id}-password`}
        error={errors.password}
        name="newPassword"
        autoComplete="new-password"
        value={password}
        onValue={setPassword}
      />
    </AccountForm>
  );
}

/** The second sign-in step of an account with two-factor authentication. */
export function TwoFactorChallenge(): ReactNode {
  const { verifySecondFactor, forget } = useTutor();
  const id = useId();
  const [code, setCode] = useState("");
  const [backup, setBackup] = useState(false);
  const [trustDevice, setTrustDevice] = useState(false);
  const [errors, setErrors] = useState<FieldErrors>({});
  const submit = useSubmit(async () => {
    if (!code.trim()) {
      setErrors({ code: "Enter the code." });
      return;
    }
    setErrors({});
    await verifySecondFactor(code.trim(), { backup, trustDevice });
  });
  return (
    <AccountForm
      label="Two-factor code"
      testId="tutor-2fa"
      submit={submit}
      submitLabel="Verify"
      busyLabel="Checking…"
      after={
        <>
          <button type="button" className={styles.linkButton} onClick={() => setBackup(!backup)}>
            {backup ? "Use the authenticator app" : "Use a backup code instead"}
          </button>
          <button type="button" className={styles.linkButton} onClick={forget}>
            Cancel
          </button>
        </>
      }
    >
      <p>
        {backup ? "Enter one of your backup codes." : "Enter the 6-digit code from your authenticator app."}
      </p>
      <TextField
        label={backup ? "Backup code" : "Authentication code"}
        id={`${id}-code`}
        error={errors.code}
        name="code"
        inputMode={backup ? "text" : "numeric"}
        autoComplete="one-time-code"
        autoFocus
        value={code}
        onValue={setCode}
      />
      <label className={styles.checkbox}>
        <input type="checkbox" checked={trustDevice} onChange={(e) => setTrustDevice(e.target.checked)} />{" "}
        Trust this device for 30 days
      </label>
    </AccountForm>
  );
}
