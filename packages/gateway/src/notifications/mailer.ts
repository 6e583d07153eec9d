import nodemailer from 'nodemailer';

export interface Mail {
  to: string;
  subject: string;
  text: string;
}

export interface Mailer {
  send(mail: Mail): Promise<void>;
  close(): void;
}

/** SMTP through nodemailer: `smtp://user:pass@host:port` (or smtps:// for TLS from the start). */
export function smtpMailer(smtpUrl: string, from: string): Mailer {
  const transport = nodemailer.createTransport(smtpUrl);
  return {
    async send(mail) {
      await transport.sendMail({ from, to: mail.to, subject: mail.subject, text: mail.text });
    },
    close: () => transport.close(),
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
