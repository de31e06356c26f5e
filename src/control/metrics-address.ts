/** `--metrics-listen [ADDR:]PORT`, parsed apart from metrics.ts so that prom-client loads only when it is used. */
import { OptionError } from '../errors.js';

/** Where to listen. */
export interface MetricsAddress {
  host: string;
  port: number;
}

/** Parse `[ADDR:]PORT` (`9187`, `0.0.0.0:9187`, `[::1]:9187`); loopback when no address. */
export function parseMetricsListen(text: string): MetricsAddress {
  const m = /^(?:(\[[0-9a-fA-F:.]+\]|[^:[\]]+):)?(\d{1,5})$/.exec(text.trim());
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535) throw new OptionError(`--metrics-listen: "${text}" is not [ADDR:]PORT (e.g. 9187 or 0.0.0.0:9187)`);
  const host = m[1] === undefined ? '127.0.0.1' : m[1].replace(/^\[|\]$/g, '');
  return { host, port };
}
