// What this Joinery offers, read from its own OpenAPI document: the console shows a page or an action only when
// the server has the call behind it, and says so otherwise, instead of failing on a 404.
import { useEffect, useState } from 'react';

export interface Capabilities {
  /** `GET /api/v1/devices/{devEui}` style: path templates as the document names them. */
  has(method: string, path: string): boolean;
  /** Whether the operation takes this query parameter. */
  takes(method: string, path: string, parameter: string): boolean;
  /** The values a query parameter allows (its schema's `enum`); empty when it lists none. */
  allowed(method: string, path: string, parameter: string): readonly string[];
}

interface OpenApiDocument {
  paths?: Record<
    string,
    Record<string, { parameters?: { name: string; in: string; schema?: { enum?: unknown[] } }[] }>
  >;
}

export function capabilitiesOf(doc: OpenApiDocument): Capabilities {
  const paths = doc.paths ?? {};
  const op = (method: string, path: string) => paths[path]?.[method.toLowerCase()];
  const query = (method: string, path: string, parameter: string) =>
    (op(method, path)?.parameters ?? []).find((p) => p.in === 'query' && p.name === parameter);
  return {
    has: (method, path) => op(method, path) !== undefined,
    takes: (method, path, parameter) => query(method, path, parameter) !== undefined,
    allowed: (method, path, parameter) =>
      (query(method, path, parameter)?.schema?.enum ?? []).filter((v): v is string => typeof v === 'string'),
  };
}

let loading: Promise<Capabilities> | undefined;

export function loadCapabilities(): Promise<Capabilities> {
  loading ??= fetch('/api/v1/openapi.json')
    .then((res) => (res.ok ? (res.json() as Promise<OpenApiDocument>) : {}))
    .catch(() => ({}))
    .then(capabilitiesOf);
  return loading;
}

export function useCapabilities(): Capabilities | undefined {
  const [caps, setCaps] = useState<Capabilities>();
  useEffect(() => {
    let live = true;
    void loadCapabilities().then((c) => live && setCaps(c));
    return () => {
      live = false;
    };
  }, []);
  return caps;
}
