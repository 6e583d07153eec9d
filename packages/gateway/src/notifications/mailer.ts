import type { Transporter } from 'nodemailer';

export interface Mail {
  to: string;
  subject: string;
  text: string;
}

export interface Mailer {
  send(mail: Mail): Promise<void>;
  close(): void;
}

/**
 * SMTP through nodemailer: `smtp://user:pass@host:port` (or smtps:// for TLS from the start).
 * nodemailer (~30 MB resident) is imported on the first mail, not at startup.
 */
export function smtpMailer(smtpUrl: string, from: string): Mailer {
  let transport: Promise<Transporter> | undefined;
  let closed = false;
  return {
    async send(mail) {
      transport ??= import('nodemailer').then(({ default: nodemailer }) =>
        nodemailer.createTransport(smtpUrl),
      );
      const ready = await transport;
      if (closed) ready.close();
      await ready.sendMail({ from, to: mail.to, subject: mail.subject, text: mail.text });
    },
    close: () => {
      closed = true;
      transport?.then((ready) => ready.close()).catch(() => undefined);
    },
  };
}

/** Without SMTP the alert still happens: it is written to the log for the operator. */
export function logMailer(log: (mail: Mail) => void): Mailer {
  return {
    async send(mail) {
      log(mail);
    },
    close: () => undefined,
  };
}
