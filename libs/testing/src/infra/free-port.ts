import { createServer } from 'node:net';

/** Ports handed out by this process, so parallel starts never get the same one. */
const handedOut = new Set<number>();

/** Below the Linux ephemeral range (32768–60999), so an outgoing connection can never be holding it. */
export const portRange = { min: 20000, max: 32767 } as const;

/**
 * A TCP port on 127.0.0.1 that was free a moment ago and is below 32768. The caller binds it soon after;
 * a server started on it that fails to bind is reported by its own readiness check.
 */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = portRange.min + Math.floor(Math.random() * (portRange.max - portRange.min + 1));
    if (handedOut.has(port)) continue;
    if (await canBind(port, host)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`no free TCP port on ${host} in ${portRange.min}-${portRange.max} after 200 attempts`);
}

export function canBind(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}
