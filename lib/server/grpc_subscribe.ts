// gRPC Subscribe: Ingestor.subscribe() written to a server stream. The
// iterator's buffer is bounded (limits.subscribeFrames) and drops the oldest
// frame when full, so a client that stops reading costs the server that many
// frames at most: the loop waits for the client (HTTP/2 flow control), never
// for memory.
import * as grpc from '@grpc/grpc-js';
import { declaredDtype, DTYPE_ARRAYS, type Config } from '../config.js';
import type { SubscribedFrame } from '../subscription.js';
import type { Service } from './service.js';

export interface SubscribeMessage {
  stream: string;
  from_step?: string | null;
}

/** Resolves once the call can take more (or is gone). */
export function drainedOrClosed(call: grpc.ServerWritableStream<unknown, unknown>): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      call.off('drain', done);
      call.off('close', done);
      call.off('cancelled', done);
      resolve();
    };
    call.on('drain', done);
    call.on('close', done);
    call.on('cancelled', done);
  });
}

/** A delivered frame as a Frame message: each column as its little-endian bytes, without a copy. */
function messageOf(frame: SubscribedFrame, config: Config) {
  const columns = Object.entries(frame.columns).map(([name, value]) => {
    const dtype = declaredDtype(config, frame.stream, name)!;
    // A scalar column arrives as its value: one element of its dtype.
    const array = ArrayBuffer.isView(value) ? value : new (DTYPE_ARRAYS[dtype] as new (v: ArrayLike<number | bigint>) => ArrayBufferView)([value as number | bigint]);
    return { name, dtype, data: Buffer.from(array.buffer, array.byteOffset, array.byteLength), compression: 'COMPRESSION_NONE' };
  });
  return { stream: frame.stream, step: String(frame.step), time: frame.time, columns, dropped_before: String(frame.droppedBefore) };
}

export async function streamSubscription(service: Service, call: grpc.ServerWritableStream<SubscribeMessage, unknown>): Promise<void> {
  const { stream, from_step } = call.request;
  // An int64 beyond 2^53 is refused by subscribe() (options.fromStep: a safe integer).
  const fromStep = from_step === undefined || from_step === null ? undefined : Number(from_step);
  const frames = service.ingestor.subscribe(stream, { fromStep, maxBuffered: service.limits.subscribeFrames });
  // Cancel, deadline or server close: unsubscribing ends the loop below, even while it waits for a frame.
  const stop = () => void frames.return?.();
  call.once('cancelled', stop);
  service.liveResponses.add(stop);
  try {
    // Headers now tell the client the subscription is in place: frames from here on reach it.
    call.sendMetadata(new grpc.Metadata());
    for await (const frame of frames) {
      if (call.cancelled || call.destroyed) break;
      if (!call.write(messageOf(frame, service.config))) await drainedOrClosed(call);
    }
  } finally {
    call.off('cancelled', stop);
    service.liveResponses.delete(stop);
  }
}
