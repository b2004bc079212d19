// --tls-cert/--tls-key: HTTPS and gRPC over TLS with a certificate made for
// the test by openssl; curl and a grpc-js client verify it against that CA.
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { scratchDir } from './helpers';
import { startServer } from './server_support';

const run = promisify(execFile);
const root = path.resolve(__dirname, '..', '..');
const TOKEN = 'tls-token-0123456789abcdef';

test('HTTPS and gRPC over TLS with the given certificate', async (t) => {
  const dir = scratchDir(t);
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1',
    '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', key, '-out', cert]);
  const { handle } = await startServer(t, { grpcPort: 0, token: TOKEN, tls: { cert: readFileSync(cert), key: readFileSync(key) } });
  const { url } = handle.address().http;
  assert.match(url, /^https:\/\/127\.0\.0\.1:\d+$/);
  const { stdout } = await run('curl', ['-sS', '--cacert', cert, '-H', `Authorization: Bearer ${TOKEN}`,
    '-H', 'Content-Type: application/json', '--data-binary', '{"step":1,"time":0,"columns":{"energy":[2],"count":[3]}}', `${url}/v1/streams/diag/frames`]);
  assert.equal(stdout, '{"framesAccepted":1}');
  // Plain HTTP to the TLS port is not served.
  await assert.rejects(fetch(url.replace('https', 'http') + '/healthz'));

  const definition = protoLoader.loadSync(path.join(root, 'proto', 'simingest', 'v1', 'simingest.proto'), { keepCase: true, longs: String });
  const pkg = grpc.loadPackageDefinition(definition) as unknown as { simingest: { v1: { Ingest: new (t: string, c: grpc.ChannelCredentials) => grpc.Client & { GetStatus(r: unknown, m: grpc.Metadata, cb: (e: grpc.ServiceError | null, v: { totals: { frames_accepted: string } }) => void): void } } } };
  const client = new pkg.simingest.v1.Ingest(handle.address().grpc!.target, grpc.credentials.createSsl(readFileSync(cert)));
  t.after(() => client.close());
  const metadata = new grpc.Metadata();
  metadata.set('authorization', `Bearer ${TOKEN}`);
  const status = await new Promise<{ totals: { frames_accepted: string } }>((resolve, reject) => client.GetStatus({}, metadata, (e, v) => (e ? reject(e) : resolve(v))));
  assert.equal(status.totals.frames_accepted, '1');
});
