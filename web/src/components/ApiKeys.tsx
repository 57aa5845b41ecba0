// The reader's API keys in the account panel: create one with scopes and an expiry (shown once), list, revoke.
import { API_KEY_SCOPES, type ApiKeyScope } from "@ai-book/contracts";
import { type ReactNode, useCallback, useEffect, useId, useState } from "react";
import type { ApiKeySummary, NewApiKey } from "../client/auth-client.ts";
import { FormError, useAttempt } from "./form-parts.tsx";
import styles from "./tutor.module.css";
import { useTutor } from "./tutor-context.tsx";

const EXPIRY_CHOICES = [30, 90, 365] as const;

export function ApiKeys(): ReactNode {
  const { authClient } = useTutor();
  const id = useId();
  const [keys, setKeys] = useState<ApiKeySummary[] | null>(null);
  const [name, setName] = useState("");
  const [scopes, setScopes] = useState<ApiKeyScope[]>(["search"]);
  const [days, setDays] = useState<number>(90);
  const [created, setCreated] = useState<NewApiKey | null>(null);
  const { busy, error, attempt } = useAttempt();
  const reload = useCallback(
    () => attempt(async () => setKeys(await authClient.listApiKeys())),
    [attempt, authClient],
  );
  useEffect(() => {
    void reload();
  }, [reload]);

  const toggle = (scope: ApiKeyScope) =>
    setScopes((now) => (now.includes(scope) ? now.filter((s) => s !== scope) : [...now, scope]));

  return (
    <section className={styles.form} aria-labelledby={`${id}-title`} data-testid="tutor-api-keys">
      <h3 id={`${id}-title`}>API keys for your servers</h3>
      <p>
        A server exchanges a key at <code>/api/auth/api-key/exchange</code> for a 15-minute token. Keys act as
        a reader, limited to their scopes.
      </p>
      {created ? (
        <div role="status" data-testid="tutor-api-key-created">
          <p>
            Copy the key <strong>{created.name}</strong> now; it will not be shown again:
          </p>
          <code className={styles.secret} data-testid="tutor-api-key-value">
            {created.key}
          </code>
          <button
            type="button"
            className="button button--sm button--secondary"
            onClick={() => setCreated(null)}
          >
            I have stored it
          </button>
        </div>
      ) : null}
      <form
        aria-label="New API key"
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          if (busy) return;
          void attempt(async () => {
            const key = await authClient.createApiKey({ name, scopes, expiresInDays: days });
            setCreated(key);
            setName("");
            setKeys(await authClient.listApiKeys());
          });
        }}
      >
        <label htmlFor={`${id}-name`}>Name</label>
        <input
          id={`${id}-name`}
          className={styles.input}
          value={name}
          maxLength={32}
          required
          onChange={(e) => setName(e.target.value)}
        />
        <fieldset>
          <legend>Scopes</legend>
          {API_KEY_SCOPES.map((scope) => (
            <label key={scope}>
              <input type="checkbox" checked={scopes.includes(scope)} onChange={() => toggle(scope)} />{" "}
              {scope}
            </label>
          ))}
        </fieldset>
        <label htmlFor={`${id}-days`}>Expires after</label>
        <select id={`${id}-days`} value={days} onChange={(e) => setDays(Number(e.target.value))}>
          {EXPIRY_CHOICES.map((d) => (
            <option key={d} value={d}>
              {d} days
            </option>
          ))}
        </select>
        <FormError error={error} />
        <button
          type="submit"
          className="button button--primary button--block"
          disabled={busy || !name.trim() || scopes.length === 0}
        >
          Create key
        </button>
      </form>
      <ul aria-label="Your API keys" data-testid="tutor-api-key-list">
        {(keys ?? []).map((k) => (
          <li key={k.id}>
            <strong>{k.name ?? "key"}</strong> <code>{k.start ?? ""}…</code> {k.scopes.join(", ")}
            {k.expiresAt ? `, expires ${new Date(k.expiresAt).toLocaleDateString()}` : ""}{" "}
            <button
              type="button"
              className="button button--sm button--danger"
              disabled={busy}
              onClick={() =>
                void attempt(async () => {
                  await authClient.revokeApiKey(k.id);
                  setKeys(await authClient.listApiKeys());
                })
              }
            >
              Revoke
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
