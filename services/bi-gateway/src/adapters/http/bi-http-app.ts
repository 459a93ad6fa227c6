import Fastify, {
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type FastifyServerOptions,
} from 'fastify';
import { constants as tlsConstants } from 'node:crypto';
import type { Logger } from '@joinery/logging';
import type { AdmissionTicket } from '../../domain/admission.js';
import type { BiHandler } from '../../domain/bi-handler.js';
import { messageTypeLabel, resultCodeLabel, type GatewayMetrics } from '../metrics.js';
import { peerCredentialOf } from './peer-credential.js';

/** TTS's limit; PRODUCT invariant 7: bodies over 32 KiB get 413. */
export const maxBodyBytes = 32 * 1024;

export interface TlsMaterial {
  readonly certPem: string;
  readonly keyPem: string;
  /** Joinery's CA: the trust anchor for client certificates. */
  readonly caPem: string;
}

export interface BiHttpAppOptions {
  readonly handler: BiHandler;
  readonly logger: Logger;
  readonly metrics?: GatewayMetrics;
  /** HTTPS with HTTP/2 (ALPN) and HTTP/1.1, client certificates requested; absent: plain HTTP (bearer tokens only). */
  readonly tls?: TlsMaterial;
  readonly aliasPaths?: readonly string[];
  /** How long an idle connection stays open, on every listener and protocol; `defaultIdleTimeoutMs` (125 s) unless set. */
  readonly idleTimeoutMs?: number;
}

/**
 * NSs keep connections open between joins, and ChirpStack and TTS reuse them: the issue asks for at least 120 s. The
 * same value holds for HTTP/1.1 keep-alive on plain HTTP, for HTTP/1.1 over TLS (an HTTP/2 server with
 * `allowHTTP1`, where the socket timeout alone decides) and for HTTP/2 sessions.
 */
export const defaultIdleTimeoutMs = 125_000;

/** How long a client may take to send one whole request (Node checks every 30 s, so the cut comes within 45 s). */
export const requestTimeoutMs = 15_000;

function errorBody(code: string, message: string) {
  return { error: { code, message } };
}

/**
 * The Backend Interfaces HTTP edge: POST `/` (and alias paths), dispatching on `MessageType` in the body. Any body
 * is read as JSON whatever its Content-Type (clients differ), up to 32 KiB.
 */
export function buildBiHttpApp(options: BiHttpAppOptions): FastifyInstance {
  const idleMs = options.idleTimeoutMs ?? defaultIdleTimeoutMs;
  const base: FastifyServerOptions = {
    logger: false,
    bodyLimit: maxBodyBytes,
    keepAliveTimeout: idleMs,
    // The socket timeout: on the TLS listener it is what closes an idle HTTP/1.1 connection, so it may not be shorter
    // than the keep-alive. (It was 30 s, which closed TTS's and ChirpStack's HTTP/1.1 connections after 30 s idle.)
    connectionTimeout: idleMs,
    return503OnClosing: true,
  };
  const app = (options.tls === undefined
    ? Fastify(base)
    : Fastify({
        ...base,
        http2: true,
        http2SessionTimeout: idleMs,
        https: {
          allowHTTP1: true,
          cert: options.tls.certPem,
          key: options.tls.keyPem,
          ca: options.tls.caPem,
          requestCert: true,
          // Unverified or absent client certificates are not refused here: the peer may use a bearer token.
          rejectUnauthorized: false,
          // A connection keeps the client certificate it started with (peer-credential.ts caches its fingerprint).
          secureOptions: tlsConstants.SSL_OP_NO_RENEGOTIATION,
          minVersion: 'TLSv1.2',
        },
      } as unknown as FastifyServerOptions)) as unknown as FastifyInstance;

  // A request (headers and a body of at most 32 KiB) must arrive whole within `requestTimeoutMs`, however slowly it
  // trickles in: the idle timeout alone would let a client hold a connection by sending a byte every two minutes.
  // Set on the server itself, as Fastify does for its `requestTimeout` option, because Fastify applies that option
  // only to plain HTTP servers; HTTP/1.1 over TLS runs in the HTTP/2 server (allowHTTP1).
  const server = app.server as unknown as { headersTimeout?: number; requestTimeout?: number };
  server.headersTimeout = requestTimeoutMs;
  server.requestTimeout = requestTimeoutMs;

  // Every body is read as JSON whatever its Content-Type says: NSs differ, and Fastify would refuse a malformed
  // header (`application/json; charset`, `;;`) with 415 before the BI parser could answer the message.
  // Admission is decided as a request arrives, before its body is read and parsed (`Admission`), and its deadline
  // counts from here; the ticket is released once the answer is sent or the request aborted.
  const tickets = new WeakMap<FastifyRequest, AdmissionTicket>();
  app.addHook('onRequest', (request, _reply, done) => {
    tickets.set(request, options.handler.admission.arrive());
    if (request.raw.headers['content-type'] !== undefined)
      request.raw.headers['content-type'] = 'application/json';
    done();
  });
  // Only a successful answer is a sample of the join path's service time for the adaptive limit (`AdmissionTicket`).
  const measured = new WeakSet<FastifyRequest>();
  const release = (request: FastifyRequest, _reply: unknown, done: () => void) => {
    tickets.get(request)?.release({ measured: measured.has(request) });
    done();
  };
  app.addHook('onResponse', release);
  app.addHook('onRequestAbort', (request, done) => release(request, undefined, done));
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, JSON.parse(body as string));
    } catch {
      const err = Object.assign(new Error('the body is not JSON'), { statusCode: 400, code: 'bi:not_json' });
      done(err, undefined);
    }
  });
  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, _request, reply) => {
    if (err.statusCode === 413)
      return reply
        .code(413)
        .send(errorBody('bi:body_too_large', `bodies are limited to ${maxBodyBytes} bytes`));
    if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500)
      return reply
        .code(400)
        .send(errorBody(err.code === 'bi:not_json' ? 'bi:not_json' : 'bi:bad_request', err.message));
    options.logger.error({ err }, 'unexpected error in the BI edge');
    return reply.code(500).send(errorBody('internal:unexpected', 'internal error'));
  });

  const route = async (request: FastifyRequest, reply: FastifyReply) => {
    const started = process.hrtime.bigint();
    if (request.body === undefined || request.body === null)
      return reply.code(400).send(errorBody('bi:not_json', 'the body is empty'));
    const credential = peerCredentialOf(
      request.headers,
      options.tls === undefined ? undefined : request.raw.socket,
    );
    const outcome = await options.handler.handle(request.body, credential, tickets.get(request));
    if (outcome.resultCode === 'Success') measured.add(request);
    if (options.metrics !== undefined && outcome.messageType !== '') {
      const messageType = messageTypeLabel(outcome.messageType);
      options.metrics.requests.inc({
        message_type: messageType,
        result_code: resultCodeLabel(outcome.resultCode),
        net_id: outcome.netId ?? '',
      });
      options.metrics.duration.observe(
        { message_type: messageType },
        Number(process.hrtime.bigint() - started) / 1e9,
      );
    }
    reply.code(outcome.status);
    return outcome.body === undefined ? reply.send() : reply.type('application/json').send(outcome.body);
  };
  for (const path of new Set(['/', ...(options.aliasPaths ?? [])])) app.post(path, route);
  return app;
}
