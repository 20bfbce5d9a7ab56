/**
 * A test double of a self-hosted Nx remote cache (GET/PUT /v1/cache/{hash}, bearer tokens), on
 * 127.0.0.1 only. `readToken` may read; `writeToken` may read and write.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export class TestCacheServer {
  readonly entries = new Map<string, Buffer>();
  readonly requests: Array<{ method: string; hash: string; status: number }> = [];
  private server: Server | undefined;
  url = '';

  constructor(
    readonly writeToken = 'write-token',
    readonly readToken = 'read-token',
  ) {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const m = /^\/v1\/cache\/([^/?]+)$/.exec(req.url ?? '');
      const auth = req.headers.authorization ?? '';
      const token = auth.startsWith('Bearer ') ? auth.slice(7) : '';
      const reply = (status: number, body?: Buffer) => {
        this.requests.push({ method: req.method ?? '', hash: m?.[1] ?? '', status });
        res.writeHead(status, body ? { 'content-type': 'application/octet-stream' } : {});
        res.end(body);
      };
      if (!m) return reply(404);
      const hash = m[1] as string;
      if (token !== this.writeToken && token !== this.readToken) return reply(401);
      if (req.method === 'GET') {
        const body = this.entries.get(hash);
        return body ? reply(200, body) : reply(404);
      }
      if (req.method === 'PUT') {
        if (token !== this.writeToken) return reply(403);
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          if (this.entries.has(hash)) return reply(409);
          this.entries.set(hash, Buffer.concat(chunks));
          reply(200);
        });
        return;
      }
      reply(405);
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server?.address() as AddressInfo).port}`;
  }

  trialKeys(): string[] {
    return [...this.entries.keys()].filter((k) => k.startsWith('nx-hpo-trial-'));
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}
