// `simingest serve DATASET --config run.json`: the service (lib/server/) as a
// process. SIGTERM or SIGINT stops accepting, drains requests in progress,
// flushes and exits 0; a second signal exits at once (committed data is safe:
// the engine's commit protocol, docs/RELIABILITY.md).
import { readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { Command, InvalidArgumentError } from 'commander';
import { positive } from './cli_query.js';
import type { Config } from './config.js';
import { SimingestError } from './errors.js';
import type { ServeOptions } from './server/index.js';

export function port(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0 || value > 65535) throw new InvalidArgumentError('expected a port from 0 to 65535');
  return value;
}

function readText(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new SimingestError(`${what} ${file}: ${(error as Error).message}`, 'ERR_INVALID_ARGUMENT');
  }
}

interface ServeCommandOptions {
  config: string;
  host: string;
  port: number;
  grpcPort: number;
  grpc: boolean;
  tokenFile?: string;
  tlsCert?: string;
  tlsKey?: string;
  maxBodyMib?: number;
}

async function runServe(dataset: string, options: ServeCommandOptions): Promise<void> {
  let config: Config;
  try {
    config = JSON.parse(readText(options.config, '--config')) as Config;
  } catch (error) {
    if (error instanceof SimingestError) throw error;
    throw new SimingestError(`--config ${options.config}: not valid JSON (${(error as Error).message})`, 'ERR_CONFIG');
  }
  if ((options.tlsCert === undefined) !== (options.tlsKey === undefined)) {
    throw new SimingestError('--tls-cert and --tls-key go together', 'ERR_INVALID_ARGUMENT');
  }
  const serveOptions: ServeOptions = {
    dataset,
    config,
    host: options.host,
    port: options.port,
    grpcPort: options.grpc ? options.grpcPort : null,
  };
  if (options.tokenFile !== undefined) {
    const token = readText(options.tokenFile, '--token-file').trim();
    if (token.length === 0) throw new SimingestError(`--token-file ${options.tokenFile}: empty`, 'ERR_INVALID_ARGUMENT');
    serveOptions.token = token;
  }
  if (options.tlsCert !== undefined && options.tlsKey !== undefined) {
    serveOptions.tls = { cert: readText(options.tlsCert, '--tls-cert'), key: readText(options.tlsKey, '--tls-key') };
  }
  if (options.maxBodyMib !== undefined) serveOptions.limits = { bodyBytes: options.maxBodyMib * 2 ** 20 };

  // Loaded here: gRPC, pino and prom-client are not needed by the other commands.
  const { serve } = require('./server/index.js') as typeof import('./server/index.js');
  closeOnSignals(await serve(serveOptions));
}

/** SIGTERM/SIGINT: drain, flush, exit 0; a second signal exits at once. */
export function closeOnSignals(handle: { close(): Promise<void> }): void {
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) {
      // Frames not yet committed are lost; committed ones are safe.
      process.exit(128 + (constants.signals[signal] ?? 1));
    }
    signalled = true;
    handle.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`simingest serve: closing failed: ${(error as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

export function addServeCommand(program: Command): void {
  program
    .command('serve')
    .description('ingest frames over REST and gRPC into DATASET (docs/SERVER.md)')
    .argument('<dataset>', 'dataset directory (opened or created)')
    .requiredOption('--config <file>', 'configuration JSON (streams, columns, limits)')
    .option('--host <address>', 'address to bind; anything but loopback needs --token-file', '127.0.0.1')
    .option('--port <n>', 'REST port (0: any free port)', port, 7070)
    .option('--grpc-port <n>', 'gRPC port (0: any free port)', port, 7071)
    .option('--no-grpc', 'do not start the gRPC listener')
    .option('--token-file <file>', 'file holding the bearer token every request but /healthz must carry')
    .option('--tls-cert <file>', 'PEM certificate: HTTPS and gRPC over TLS (with --tls-key)')
    .option('--tls-key <file>', 'PEM private key of --tls-cert')
    .option('--max-body-mib <n>', 'largest REST request body in MiB (default 64)', positive)
    .action(runServe);
}
