// An HTTPS client for Backend Interfaces messages: mTLS with the NS's Joinery-issued credentials, or a bearer
// token; keep-alive connections (TLS session reuse, no handshake per request).
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent, request as httpsRequest } from 'node:https';

/** A peer's Joinery-issued credentials, as `POST /api/v1/network-servers` returns them. */
export interface PeerCredentials {
  readonly caCertPem: string;
  readonly clientCertPem: string;
  readonly clientKeyPem: string;
}

/** An mTLS agent with keep-alive for a peer's Joinery-issued credentials. */
export function peerAgent(credentials: PeerCredentials, sockets = 16): Agent {
  return new Agent({
    keepAlive: true,
    maxSockets: sockets,
    maxFreeSockets: sockets,
    cert: credentials.clientCertPem,
    key: credentials.clientKeyPem,
    ca: credentials.caCertPem,
  });
}

export interface BiResponse {
  readonly status: number;
  /** The parsed body; undefined when the body is empty. */
  readonly json: Record<string, unknown> | undefined;
  readonly text: string;
}

export interface BiClientOptions {
  /** mTLS client credentials (https only). */
  readonly credentials?: PeerCredentials;
  /** Sent as `Authorization: Bearer <token>`. */
  readonly token?: string;
  /** Keep-alive connections at most; default 16. */
  readonly sockets?: number;
}

export interface BiClient {
  /** POSTs one message (an object, or its JSON text). Rejects on a transport error, a timeout or a non-JSON body. */
  post(body: unknown, timeoutMs?: number): Promise<BiResponse>;
  close(): void;
}

export function biClient(url: URL, options: BiClientOptions = {}): BiClient {
  const sockets = options.sockets ?? 16;
  const https = url.protocol === 'https:';
  const agent = https
    ? options.credentials === undefined
      ? new Agent({ keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets })
      : peerAgent(options.credentials, sockets)
    : new HttpAgent({ keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets });
  return {
    post: (body, timeoutMs = 10_000) => postBiMessage(url, body, agent, { timeoutMs, token: options.token }),
    close: () => agent.destroy(),
  };
}

/** POSTs one Backend Interfaces message with `agent` (which carries the client certificate, if any); no timeout
 * unless given. */
export function postBiMessage(
  url: URL,
  body: unknown,
  agent: Agent | HttpAgent,
  options: { readonly timeoutMs?: number; readonly token?: string | undefined } = {},
): Promise<BiResponse> {
  const payload = typeof body === 'string' ? body : JSON.stringify(body);
  const headers: Record<string, string | number> = {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(payload),
  };
  if (options.token !== undefined) headers['authorization'] = `Bearer ${options.token}`;
  return new Promise((resolve, reject) => {
    const common = {
      method: 'POST',
      headers,
      ...(options.timeoutMs === undefined ? {} : { timeout: options.timeoutMs }),
    };
    const req =
      url.protocol === 'https:'
        ? httpsRequest(url, { ...common, agent: agent as Agent })
        : httpRequest(url, { ...common, agent: agent as HttpAgent });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const status = res.statusCode ?? 0;
        if (text === '') return resolve({ status, json: undefined, text });
        try {
          resolve({ status, json: JSON.parse(text) as Record<string, unknown>, text });
        } catch {
          reject(new Error(`HTTP ${status} without a JSON answer: ${text.slice(0, 200)}`));
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(payload);
  });
}

/** POSTs one message and returns the parsed JSON answer; rejects when the answer is not JSON. */
export async function postBi(
  url: URL,
  body: unknown,
  agent: Agent | HttpAgent,
  options: { readonly timeoutMs?: number; readonly token?: string | undefined } = {},
): Promise<Record<string, unknown>> {
  const res = await postBiMessage(url, body, agent, options);
  if (res.json === undefined) throw new Error(`HTTP ${res.status} without a JSON answer: `);
  return res.json;
}
