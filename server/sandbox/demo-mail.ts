import crypto from 'node:crypto';
import MailComposer from 'nodemailer/lib/mail-composer';
import type Mail from 'nodemailer/lib/mailer';
import { buildBounce } from './bounce-report';

/**
 * A realistic mail generator for the demo, tests and benchmarks: customers asking for help (plain and HTML),
 * follow-ups in threads, CCs, attachments, inline images, out-of-office auto-replies, bounces, newsletters,
 * no-reply notifications, and non-ASCII names, subjects and bodies. Deterministic for a given seed.
 */

export const DEMO_MAIL_KINDS = ['question', 'html', 'attachment', 'cc', 'reply', 'auto-reply', 'bounce', 'newsletter', 'noreply', 'non-ascii'] as const;
export type DemoMailKind = (typeof DEMO_MAIL_KINDS)[number];

export interface DemoMail {
  kind: DemoMailKind;
  mime: Buffer;
  messageId: string;
  subject: string;
  from: { name: string; address: string };
}

export interface DemoMailOptions {
  /** The support address the mail is sent to. */
  to: string;
  toName?: string;
  seed?: number;
  now?: () => Date;
  /**
   * How many customers write (default and minimum: the 10 built-in ones). More spread a large backlog over
   * as many senders as a helpdesk has, instead of ten people each writing hundreds of emails.
   */
  customers?: number;
}

/** Weights of each kind in `next()`: mostly genuine requests, with the noise a real support inbox gets. */
const MIX: [DemoMailKind, number][] = [
  ['question', 30],
  ['html', 12],
  ['attachment', 10],
  ['cc', 8],
  ['reply', 14],
  ['non-ascii', 8],
  ['auto-reply', 6],
  ['bounce', 3],
  ['newsletter', 5],
  ['noreply', 4],
];

type Customer = { name: string; address: string };

const CUSTOMERS: readonly Customer[] = [
  { name: 'Jordan Miller', address: 'jordan@fabrikam.test' },
  { name: '李伟', address: 'li.wei@northwind.test' },
  { name: 'José Müller', address: 'jose.mueller@example.de' },
  { name: "Zoë O'Brien", address: 'zoe.obrien@example.ie' },
  { name: 'Priya Natarajan', address: 'priya@tailspin.example' },
  { name: '山田 太郎', address: 'taro.yamada@example.jp' },
  { name: 'Émilie Dubois', address: 'emilie.dubois@example.fr' },
  { name: 'Sam Carter', address: 'sam.carter@contractor.example' },
  { name: 'Olu Adeyemi', address: 'olu@lagos-logistics.example' },
  { name: 'Márta Kovács', address: 'marta.kovacs@example.hu' },
];

const QUESTIONS = [
  { subject: 'Cannot log in after password reset', body: "Hi,\n\nsince I reset my password this morning I can't log in any more. The page just says \"invalid credentials\". I tried twice in a private window.\n\nCan you help?\n\nThanks,\n{name}" },
  { subject: 'Invoice #{n} charged twice', body: 'Hello support team,\n\nour credit card was charged twice for invoice #{n} ({amount} EUR). Please refund the duplicate.\n\nBest regards\n{name}' },
  { subject: 'Export to CSV is missing columns', body: 'Hi there,\n\nthe CSV export no longer contains the "Region" and "Owner" columns. It worked last week. Is this a known issue?\n\n{name}' },
  { subject: 'Request: add two more seats', body: 'Hello,\n\nwe hired two people and need two more seats on our plan, starting Monday if possible.\n\nThank you!\n{name}' },
  { subject: 'Order {n} has not arrived', body: "Hi,\n\nmy order {n} was due last Tuesday and the tracking page hasn't changed in five days.\n\nCould you check with the carrier?\n\nCheers,\n{name}" },
  { subject: 'API returns 500 on /reports', body: 'Hi team,\n\nGET /reports?from=2024-01-01 returns HTTP 500 since about 09:40 UTC. Request id: {hex}.\n\nThanks,\n{name}' },
];

const NON_ASCII = [
  { subject: 'Frage zur Rechnung Nr. {n} – Überweisung fehlgeschlagen', body: 'Guten Tag,\n\ndie Überweisung für Rechnung Nr. {n} ist fehlgeschlagen. Können Sie mir bitte die IBAN noch einmal schicken?\n\nMit freundlichen Grüßen\n{name}' },
  { subject: 'ログインできません（至急）', body: 'サポートご担当者様\n\n本日朝からログインできません。パスワードを再設定しても同じエラーが表示されます。\n\nよろしくお願いいたします。\n{name}' },
  { subject: 'Problème de facturation 💳 – commande {n}', body: "Bonjour,\n\nj'ai été débité deux fois pour la commande {n}. Pourriez-vous vérifier ?\n\nCordialement,\n{name}" },
  { subject: 'Szia! Nem működik az exportálás 😕', body: 'Szia,\n\naz exportálás gomb nem csinál semmit Firefoxban. Chrome-ban működik.\n\nKöszönöm,\n{name}' },
];

export class DemoMailGenerator {
  private state: number;
  private counter = 0;
  private readonly now: () => Date;
  /** Recent thread starters to follow up on (bounded: the generator may run for hours). */
  private readonly threads: { messageId: string; subject: string; from: { name: string; address: string }; references: string[] }[] = [];

  private readonly customers: readonly Customer[];
  private readonly nonAsciiCustomers: readonly Customer[];

  constructor(private readonly options: DemoMailOptions) {
    this.state = (options.seed ?? 1) >>> 0 || 1;
    this.now = options.now ?? (() => new Date());
    this.customers = [...CUSTOMERS, ...moreCustomers((options.customers ?? 0) - CUSTOMERS.length)];
    this.nonAsciiCustomers = this.customers.filter((c) => /[^\x20-\x7e]/.test(c.name) || /\.(de|jp|fr|hu)$/.test(c.address));
  }

  /** The next message; a random kind by the realistic mix unless one is asked for. */
  async next(kind?: DemoMailKind): Promise<DemoMail> {
    const k = kind ?? this.pickKind();
    switch (k) {
      case 'question':
        return this.question('question');
      case 'html':
        return this.question('html');
      case 'attachment':
        return this.question('attachment');
      case 'cc':
        return this.question('cc');
      case 'non-ascii':
        return this.question('non-ascii');
      case 'reply':
        return this.threads.length > 0 ? this.followUp() : this.question('question');
      case 'auto-reply':
        return this.autoReply();
      case 'bounce':
        return this.bounce();
      case 'newsletter':
        return this.newsletter();
      case 'noreply':
        return this.noreply();
    }
  }

  /** A customer's reply to a message they received (e.g. the helpdesk's acknowledgement). */
  async replyTo(parent: { messageId: string; subject: string; references?: string[]; from: { name: string; address: string }; to: { name: string; address: string } }): Promise<DemoMail> {
    const refs = [...(parent.references ?? []), parent.messageId];
    const subject = /^re:/i.test(parent.subject) ? parent.subject : `Re: ${parent.subject}`;
    const text = `${this.pick(['Thanks, that helped!', 'Still not working, unfortunately.', 'Any update on this?', 'Here is the extra information you asked for.'])}\n\n${parent.to.name}\n\n-----Original Message-----\nFrom: ${parent.from.name} <${parent.from.address}>\nSubject: ${parent.subject}\n`;
    return this.compose('reply', parent.to, { subject, text, inReplyTo: parent.messageId, references: refs.join(' ') }, parent.from.address);
  }

  private async question(kind: 'question' | 'html' | 'attachment' | 'cc' | 'non-ascii'): Promise<DemoMail> {
    const from = this.pick(kind === 'non-ascii' ? this.nonAsciiCustomers : this.customers);
    const template = kind === 'non-ascii' ? this.pick(NON_ASCII) : this.pick(QUESTIONS);
    const fill = (s: string): string =>
      s
        .replace(/\{name\}/g, from.name)
        .replace(/\{n\}/g, String(10000 + this.int(89999)))
        .replace(/\{amount\}/g, (10 + this.int(990)).toFixed(2))
        .replace(/\{hex\}/g, this.hex(8));
    const subject = fill(template.subject);
    const text = fill(template.body);
    const extra: Partial<Mail.Options> = {};
    if (kind === 'html') {
      extra.html = `<html><body><p>${text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/\n\n/g, '</p><p>').replace(/\n/g, '<br>')}</p><p><img src="cid:logo@demo" alt="logo"></p></body></html>`;
      extra.attachments = [{ filename: 'logo.png', content: tinyPng(), contentType: 'image/png', cid: 'logo@demo' }];
    }
    if (kind === 'attachment') {
      extra.attachments = [
        this.pick([
          { filename: 'screenshot.png', content: tinyPng(), contentType: 'image/png' },
          { filename: `invoice-${this.int(9999)}.pdf`, content: tinyPdf(subject), contentType: 'application/pdf' },
          { filename: 'export.csv', content: Buffer.from('region,owner,total\nEMEA,Ana,1200\nAPAC,Kenji,930\n'), contentType: 'text/csv' },
          { filename: 'server.log', content: Buffer.from(`2024-05-01T09:40:12Z ERROR request ${this.hex(8)} failed: 500\n`), contentType: 'text/plain' },
        ]),
      ];
    }
    if (kind === 'cc') {
      const others = this.customers.filter((c) => c.address !== from.address);
      extra.cc = [this.pick(others), this.pick(others)].filter((v, i, a) => a.findIndex((x) => x.address === v.address) === i);
    }
    const mail = await this.compose(kind, from, { subject, text, ...extra });
    this.threads.push({ messageId: mail.messageId, subject, from, references: [] });
    if (this.threads.length > 50) this.threads.shift();
    return mail;
  }

  private async followUp(): Promise<DemoMail> {
    const t = this.pick(this.threads);
    const refs = [...t.references, t.messageId];
    const subject = /^re:/i.test(t.subject) ? t.subject : `Re: ${t.subject}`;
    const text = `${this.pick(['Any news on this?', 'Quick follow-up: this is still happening.', 'Adding my colleague in CC.', 'Never mind, it works again. Thanks!'])}\n\n${t.from.name}\n\nOn ${this.now().toUTCString()}, ${t.from.name} wrote:\n> ${t.subject}\n`;
    const mail = await this.compose('reply', t.from, { subject, text, inReplyTo: t.messageId, references: refs.join(' ') });
    t.references = refs;
    t.subject = subject;
    return mail;
  }

  private async autoReply(): Promise<DemoMail> {
    const from = this.pick(this.customers);
    const about = this.threads.length > 0 ? this.pick(this.threads).subject : 'Your request';
    return this.compose('auto-reply', from, {
      subject: `Automatic reply: ${about}`,
      text: `I am out of the office until ${new Date(this.now().getTime() + 7 * 86400000).toDateString()} with limited access to email.\n\nFor urgent matters please contact my colleague.\n\n${from.name}`,
      headers: { 'Auto-Submitted': 'auto-replied', 'X-Auto-Response-Suppress': 'All', 'X-MS-Exchange-Inbox-Rules-Loop': from.address },
    });
  }

  private async bounce(): Promise<DemoMail> {
    const failed = `${this.pick(['info', 'sales', 'j.doe', 'billing'])}@${this.pick(['no-such-domain.example', 'old-company.example'])}`;
    const originalId = `<${this.hex(16)}@relaydesk.local>`;
    const mime = buildBounce({
      to: this.options.to,
      from: 'MAILER-DAEMON@mx1.example.net',
      failedRecipient: failed,
      originalSubject: 'Re: Your request has been received',
      originalMessageId: originalId,
      originalHeaders: `From: ${this.options.to}\r\nTo: ${failed}\r\nSubject: Re: Your request has been received\r\nMessage-ID: ${originalId}`,
      reportingMta: 'mx1.example.net',
      date: this.now(),
      status: '5.1.1',
      diagnostic: `smtp; 550 5.1.1 <${failed}>: Recipient address rejected: User unknown`,
    });
    const messageId = /^Message-ID: (.+)$/im.exec(mime.toString('utf8'))?.[1]?.trim() ?? originalId;
    return { kind: 'bounce', mime, messageId, subject: 'Undeliverable: Re: Your request has been received', from: { name: 'Mail Delivery System', address: 'MAILER-DAEMON@mx1.example.net' } };
  }

  private async newsletter(): Promise<DemoMail> {
    const from = { name: 'Tailspin Weekly', address: 'news@tailspin.example' };
    const subject = this.pick(['Your weekly product digest', '5 tips to get more out of your dashboard', 'We have updated our privacy policy']);
    return this.compose('newsletter', from, {
      subject,
      text: `${subject}\n\nRead online: https://tailspin.example/newsletter/${this.hex(6)}\n\nUnsubscribe: https://tailspin.example/u/${this.hex(10)}`,
      html: `<html><body><h1>${subject}</h1><p>Read it <a href="https://tailspin.example/newsletter">online</a>.</p><p><small><a href="https://tailspin.example/u">Unsubscribe</a></small></p></body></html>`,
      headers: { 'List-Unsubscribe': `<https://tailspin.example/u/${this.hex(10)}>, <mailto:unsubscribe@tailspin.example>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click', 'List-Id': 'Tailspin Weekly <weekly.tailspin.example>', Precedence: 'bulk' },
    });
  }

  private async noreply(): Promise<DemoMail> {
    const from = { name: 'Fabrikam Billing', address: 'no-reply@fabrikam.test' };
    return this.compose('noreply', from, {
      subject: `Your statement for ${this.now().toLocaleString('en-US', { month: 'long', year: 'numeric' })} is ready`,
      text: 'Your monthly statement is ready. This mailbox is not monitored; please do not reply.',
      headers: { 'Auto-Submitted': 'auto-generated', 'X-Auto-Response-Suppress': 'OOF, AutoReply' },
    });
  }

  private async compose(kind: DemoMailKind, from: { name: string; address: string }, opts: Partial<Mail.Options> & { subject: string }, to?: string): Promise<DemoMail> {
    this.counter++;
    const messageId = `<${this.hex(12)}.${this.counter}@${from.address.split('@')[1] ?? 'example.test'}>`;
    const composer = new MailComposer({
      from,
      to: to ?? (this.options.toName ? { name: this.options.toName, address: this.options.to } : this.options.to),
      date: this.now(),
      messageId,
      ...opts,
    });
    const mime = await composer.compile().build();
    return { kind, mime, messageId, subject: opts.subject, from };
  }

  private pickKind(): DemoMailKind {
    const total = MIX.reduce((n, [, w]) => n + w, 0);
    let r = this.int(total);
    for (const [k, w] of MIX) {
      if (r < w) return k;
      r -= w;
    }
    return 'question';
  }

  /** mulberry32: tiny, fast, and good enough for picking test data reproducibly. */
  private random(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  private int(n: number): number {
    return Math.floor(this.random() * n);
  }

  private pick<T>(list: readonly T[]): T {
    const v = list[this.int(list.length)];
    if (v === undefined) throw new Error('pick from an empty list');
    return v;
  }

  private hex(bytes: number): string {
    let s = '';
    for (let i = 0; i < bytes; i++) s += this.int(256).toString(16).padStart(2, '0');
    return s;
  }
}

const FIRST_NAMES = ['Ana', 'Ben', 'Chloé', 'Dmitri', 'Eva', 'Farah', 'Gábor', 'Hana', 'Ivan', 'Jun', 'Kofi', 'Lena', 'Mateo', 'Nadia', 'Oskar', 'Priya', 'Rui', 'Sofía', 'Tomás', 'Yuki'];
const LAST_NAMES = ['Berg', 'Costa', 'Dubois', 'Fischer', 'García', 'Horváth', 'Ito', 'Jensen', 'Kim', 'Lopez', 'Müller', 'Nakamura', 'Okafor', 'Patel', 'Rossi', 'Schmidt', 'Tanaka', 'Varga', 'Wong', 'Zhang'];
const DOMAINS = ['fabrikam.test', 'northwind.test', 'tailspin.example', 'example.de', 'example.jp', 'example.fr', 'example.hu', 'contractor.example', 'lagos-logistics.example', 'example.ie'];

/** `count` more customers, the same for every generator (and seed), so mail to several mailboxes shares them. */
function moreCustomers(count: number): Customer[] {
  return Array.from({ length: Math.max(0, count) }, (_, i) => {
    const first = FIRST_NAMES[i % FIRST_NAMES.length]!;
    const last = LAST_NAMES[Math.floor(i / FIRST_NAMES.length) % LAST_NAMES.length]!;
    const local = `${first}.${last}`.normalize('NFD').replace(/[^\x20-\x7e]/g, '').toLowerCase();
    return { name: `${first} ${last}`, address: `${local}.${i}@${DOMAINS[i % DOMAINS.length]}` };
  });
}

function tinyPng(): Buffer {
  return Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
}

function tinyPdf(title: string): Buffer {
  const safe = title.replace(/[^\x20-\x7e]/g, '?').replace(/[()\\]/g, '');
  return Buffer.from(`%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 300 100]/Contents 4 0 R>>endobj\n4 0 obj<</Length ${safe.length + 30}>>stream\nBT /F1 12 Tf 10 50 Td (${safe}) Tj ET\nendstream endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n`);
}

/** A random seed for callers that want variety rather than reproducibility. */
export function randomSeed(): number {
  return crypto.randomInt(1, 2 ** 31);
}
