// A real SMTP server (smtp-server) on a free local port that keeps every message it receives, parsed (mailparser).
import { waitFor } from "@ai-book/testkit";
import { simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";

export interface ReceivedMail {
  to: string;
  from: string;
  subject: string;
  text: string;
  /** The first http(s) link of the text part. */
  link: string;
}

export interface MailServer {
  /** smtp://127.0.0.1:<port> (no TLS: loopback only). */
  url: string;
  mails: ReceivedMail[];
  /** Waits (hang guard: 20 s) for the `nth` (1-based) mail to `to` whose subject matches. */
  waitForMail(to: string, subject: RegExp, nth?: number): Promise<ReceivedMail>;
  mailsTo(to: string, subject?: RegExp): ReceivedMail[];
  stop(): Promise<void>;
}

export async function startMailServer(): Promise<MailServer> {
  const mails: ReceivedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then((parsed) => {
          const text = parsed.text ?? "";
          const to = Array.isArray(parsed.to) ? parsed.to[0]?.text : parsed.to?.text;
          mails.push({
            to: to ?? "",
            from: parsed.from?.text ?? "",
            subject: parsed.subject ?? "",
            text,
            link: text.match(/https?:\/\/\S+/)?.[0] ?? "",
          });
          callback();
        })
        .catch((err: Error) => callback(err));
    },
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.server.address();
      resolve(typeof address === "object" && address ? address.port : 0);
    });
  });
  const mailsTo = (to: string, subject?: RegExp) =>
    mails.filter((m) => m.to.includes(to) && (!subject || subject.test(m.subject)));
  return {
    url: `smtp://127.0.0.1:${port}`,
    mails,
    mailsTo,
    async waitForMail(to, subject, nth = 1) {
      await waitFor(() => mailsTo(to, subject).length >= nth, 20_000);
      return mailsTo(to, subject)[nth - 1]!;
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
