import { X509Certificate } from 'node:crypto';
import dns from 'node:dns';
import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import tls, { type TLSSocket } from 'node:tls';

/**
 * The doctor's view of an endpoint, one stage at a time (name, connection, TLS, HTTP), so that a failure says
 * which stage broke and so which fix applies. Plain node:https with no redirects followed: the doctor must see
 * Microsoft's own first answer (a redirect to the redirect URI is itself a verdict).
 */

/** Long enough for a slow link to Microsoft; short enough that a black-holed endpoint does not hang the run. */
export const PROBE_TIMEOUT_MS = 10_000;
/** The Entra sign-in page is a few hundred kilobytes; nothing the doctor reads needs more. */
const MAX_BODY_BYTES = 2 * 1024 * 1024;

export type ProbeStage = 'dns' | 'connect' | 'tls' | 'http';

export class ProbeError extends Error {
  constructor(
    readonly stage: ProbeStage,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ProbeError';
  }
}

export interface ProbeOptions {
  /** Certificate authorities trusted besides the system's (the sandbox's). */
  extraCa?: readonly string[];
  timeoutMs?: number;
}

export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  /** Local clock when the answer's headers arrived (to compare with its Date header). */
  receivedAt: number;
  /** The certificate the server presented (https only), verified against the trusted CAs. */
  certificate: X509Certificate | undefined;
}

/** The host's addresses, or a ProbeError at stage `dns`. */
export async function resolveHost(hostname: string): Promise<string[]> {
  try {
    const found = await dns.promises.lookup(hostname, { all: true });
    return found.map((a) => a.address);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'ENOTFOUND';
    throw new ProbeError('dns', code, `${hostname} does not resolve (${code})`);
  }
}

/** One GET, redirects not followed, the TLS certificate verified against the system's CAs plus `extraCa`. */
export function httpGet(url: string, options: ProbeOptions = {}): Promise<HttpAnswer> {
  const target = new URL(url);
  const timeoutMs = options.timeoutMs ?? PROBE_TIMEOUT_MS;
  const secure = target.protocol === 'https:';
  return new Promise((resolve, reject) => {
    const requestOptions: https.RequestOptions = {
      method: 'GET',
      headers: { Accept: 'application/json, text/html;q=0.9' },
      // A fresh connection each time: the TLS stage is then really checked, not borrowed from a pooled socket.
      agent: false,
      ...(secure && options.extraCa ? { ca: [...tls.rootCertificates, ...options.extraCa] } : {}),
    };
    const request = (secure ? https : http).request(target, requestOptions, (response) => {
      const receivedAt = Date.now();
      const socket = response.socket as TLSSocket;
      const peer = secure ? socket.getPeerX509Certificate?.() : undefined;
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= MAX_BODY_BYTES) chunks.push(chunk);
      });
      response.on('end', () => {
        clearTimeout(timer);
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8'), receivedAt, certificate: peer });
      });
      response.on('error', (error) => reject(classify(error, target)));
    });
    const timer = setTimeout(() => request.destroy(new ProbeError('connect', 'ETIMEDOUT', `${target.host} did not answer within ${timeoutMs / 1000} s`)), timeoutMs);
    request.on('error', (error) => {
      clearTimeout(timer);
      reject(classify(error, target));
    });
    request.end();
  });
}

/** Node's TLS verification errors carry OpenSSL's codes (CERT_HAS_EXPIRED, UNABLE_TO_VERIFY_LEAF_SIGNATURE, ...). */
const TLS_CODE = /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ALTNAME|TLS|SSL|EPROTO/;

function classify(error: unknown, target: URL): ProbeError {
  if (error instanceof ProbeError) return error;
  const code = (error as NodeJS.ErrnoException).code ?? 'UNKNOWN';
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return new ProbeError('dns', code, `${target.hostname} does not resolve (${code})`);
  if (TLS_CODE.test(code)) return new ProbeError('tls', code, `TLS with ${target.host} failed: ${message}`);
  if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH'].includes(code)) return new ProbeError('connect', code, `cannot connect to ${target.host} (${code})`);
  return new ProbeError('http', code, `GET ${target.origin}${target.pathname} failed: ${message}`);
}

/** Milliseconds the local clock is ahead of the answer's Date header (negative: behind); undefined without one. */
export function clockOffsetMs(answer: Pick<HttpAnswer, 'headers' | 'receivedAt'>): number | undefined {
  const date = answer.headers.date;
  const sent = date ? Date.parse(date) : NaN;
  // The header has whole seconds and is written before the answer leaves: its true moment is half a second later on average.
  return Number.isNaN(sent) ? undefined : answer.receivedAt - (sent + 500);
}
