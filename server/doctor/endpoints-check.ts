import { fail, ok, warn, type CheckResult } from './check-result';
import type { MicrosoftTarget } from './microsoft-target';
import { clockOffsetMs, httpGet, ProbeError, resolveHost, type HttpAnswer } from './probe';

/**
 * Microsoft's endpoints as this machine reaches them: the authority's host (DNS, TLS), its OpenID metadata,
 * and Graph. Graph is only asked, without a token, whether it answers as Graph does (401
 * InvalidAuthenticationToken); nothing is read from any mailbox here.
 */

export interface ClockSample {
  source: string;
  /** Local clock minus the answer's Date header, in milliseconds. */
  offsetMs: number;
}

export interface EndpointFindings {
  results: CheckResult[];
  clockSamples: ClockSample[];
  /** From the metadata, for the app registration checks; undefined when it could not be read. */
  authorizationEndpoint: string | undefined;
}

interface OpenIdMetadata {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  jwks_uri: string;
}

export async function checkEndpoints(target: MicrosoftTarget, apiAuthority?: string): Promise<EndpointFindings> {
  const findings: EndpointFindings = { results: [], clockSamples: [], authorizationEndpoint: undefined };
  const identity = await reach('identity endpoint', metadataUrl(target.authority), target, target.variables.authority);
  findings.results.push(identity.result);
  if (identity.answer) {
    sample(findings, new URL(target.authority).host, identity.answer);
    const metadata = metadataVerdict('OpenID metadata', identity.answer, target, target.variables.tenant);
    findings.results.push(metadata.result);
    findings.authorizationEndpoint = metadata.metadata?.authorization_endpoint;
  }
  // The API's callers may be checked against another authority (AUTH_AUTHORITY): its metadata must be readable too.
  if (apiAuthority && apiAuthority.replace(/\/+$/, '') !== target.authority) {
    const api = await reach('OpenID metadata (AUTH_AUTHORITY)', metadataUrl(apiAuthority), target, 'AUTH_AUTHORITY');
    findings.results.push(api.answer ? metadataVerdict('OpenID metadata (AUTH_AUTHORITY)', api.answer, target, 'AUTH_AUTHORITY').result : api.result);
  }
  const graph = await reach('Graph endpoint', `${target.graphBaseUrl}/me`, target, target.variables.graph);
  if (graph.answer) {
    sample(findings, new URL(target.graphBaseUrl).host, graph.answer);
    findings.results.push(graphVerdict(graph.answer, target));
  } else {
    findings.results.push(graph.result);
  }
  return findings;
}

/** Where MSAL and the token verifier read an authority's metadata (the v2.0 endpoints). */
export function metadataUrl(authority: string): string {
  return `${authority.replace(/\/+$/, '')}/v2.0/.well-known/openid-configuration`;
}

/** DNS, then one GET (connection and TLS): the row for the stage that failed, or ok with the answer. */
async function reach(check: string, url: string, target: MicrosoftTarget, variable: string): Promise<{ result: CheckResult; answer?: HttpAnswer }> {
  const { hostname, host } = new URL(url);
  try {
    const addresses = await resolveHost(hostname);
    const answer = await httpGet(url, target.extraCa ? { extraCa: target.extraCa } : {});
    const tls = answer.certificate ? `, TLS verified (certificate valid until ${new Date(answer.certificate.validTo).toISOString().slice(0, 10)})` : '';
    return { result: ok(check, `${hostname} resolves (${addresses.slice(0, 2).join(', ')})${tls}`), answer };
  } catch (error) {
    if (!(error instanceof ProbeError)) throw error;
    return { result: fail(check, error.stage, error.message, stageFix(error, host, target, variable), variable) };
  }
}

function stageFix(error: ProbeError, host: string, target: MicrosoftTarget, variable: string): string {
  if (target.mode === 'sandbox') return 'Restart the server (or npm run sandbox) with this DATA_DIR and SANDBOX_PORT, and run the doctor again.';
  switch (error.stage) {
    case 'dns':
      return `Check ${variable} for a typo, and this machine's DNS resolver (resolvectl status; /etc/resolv.conf).`;
    case 'connect':
      return `Allow outbound HTTPS (port 443) from this machine to ${host}.`;
    case 'tls':
      return `The certificate of ${host} is not trusted here: behind a TLS-inspecting proxy, give Node its CA (NODE_EXTRA_CA_CERTS=/path/ca.pem); otherwise check ${variable}.`;
    default:
      return `Check ${variable} and the network path to ${host}.`;
  }
}

function metadataVerdict(check: string, answer: HttpAnswer, target: MicrosoftTarget, tenantVariable: string): { result: CheckResult; metadata?: OpenIdMetadata } {
  const body = parseJson(answer.body) as Partial<OpenIdMetadata> & { error_codes?: unknown; error_description?: unknown };
  if (answer.status === 200 && body && typeof body.issuer === 'string' && typeof body.authorization_endpoint === 'string' && typeof body.token_endpoint === 'string' && typeof body.jwks_uri === 'string') {
    return { result: ok(check, `issuer ${body.issuer}`), metadata: body as OpenIdMetadata };
  }
  const codes = Array.isArray(body?.error_codes) ? body.error_codes : [];
  // AADSTS90002: the tenant segment names no tenant Entra knows.
  if (codes.includes(90002)) {
    return { result: fail(check, 'tenant_not_found', `the authority does not know the tenant in ${target.authority} (AADSTS90002)`, 'Set MICROSOFT_TENANT to your Directory (tenant) ID or a verified domain, or organizations.', tenantVariable) };
  }
  const what = typeof body?.error_description === 'string' ? body.error_description.split(/\r?\n| Trace ID:/)[0] : `HTTP ${answer.status}`;
  return { result: fail(check, 'bad_metadata', `${metadataUrl(target.authority)}: ${what}`, 'The authority must be an Entra ID authority: check MICROSOFT_AUTHORITY_HOST and MICROSOFT_TENANT.', tenantVariable) };
}

function graphVerdict(answer: HttpAnswer, target: MicrosoftTarget): CheckResult {
  const check = 'Graph endpoint';
  const code = (parseJson(answer.body) as { error?: { code?: unknown } } | undefined)?.error?.code;
  const host = new URL(target.graphBaseUrl).host;
  if (typeof code !== 'string') {
    return fail(check, 'not_graph', `${target.graphBaseUrl} answers ${answer.status}, but not as Graph does`, "Set MICROSOFT_GRAPH_URL to Graph's versioned root, e.g. https://graph.microsoft.com/v1.0.", target.variables.graph);
  }
  if (answer.status >= 500) {
    return warn(check, 'graph_unavailable', `${host} answers ${answer.status} ${code}`, 'Microsoft Graph is having trouble: see the service health in the Microsoft 365 admin center; the server retries meanwhile.', target.variables.graph);
  }
  return ok(check, `${host} answers as Graph (${answer.status} ${code} without a token, as expected)`);
}

function sample(findings: EndpointFindings, source: string, answer: HttpAnswer): void {
  const offsetMs = clockOffsetMs(answer);
  if (offsetMs !== undefined) findings.clockSamples.push({ source, offsetMs });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
