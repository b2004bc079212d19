// Ingestor.subscribe(): the frames the router sends to a stream's realtime
// path, as an async iterator. The addon posts each frame from the engine's
// delivery thread (native/node/subscription.cpp); this side keeps a bounded
// buffer for a loop body slower than the stream, dropping the oldest and
// counting the gap in the next frame's droppedBefore, like the engine does.
import addon from './native.js';
import { expectArgument, type SimingestError } from './errors.js';

/** One delivered frame: columns as typed arrays (a scalar column as its value). */
export interface SubscribedFrame {
  stream: string;
  step: number;
  time: number;
  /** Frames dropped just before this one (a subscriber that fell behind). */
  droppedBefore: number;
  columns: Record<string, ArrayLike<number | bigint> | number | bigint>;
}

export interface SubscribeOptions {
  /** Frames with a step below this are skipped. Ingestor.subscribe() has no history (it starts from now);
   * Dataset.subscribe() with fromStep starts at the oldest log segment on disk. */
  fromStep?: number;
  /** Frames buffered while the loop body runs (default 1024); beyond it the oldest is dropped. */
  maxBuffered?: number;
  /**
   * Frames the engine queues for this subscriber before its delivery thread
   * hands them over, 1 .. 1048576 (default 256): simingest_subscribe_options.queue_frames.
   */
  queueFrames?: number;
  /**
   * What the engine does when that queue is full: `'dropOldest'` (default)
   * drops its oldest frame and counts it in the next frame's droppedBefore;
   * `'disconnect'` ends the subscription after what it had queued, and the
   * loop throws a SimingestError with code ERR_BACKPRESSURE.
   */
  policy?: SubscribePolicy;
}

export type SubscribePolicy = 'dropOldest' | 'disconnect';

/** The most frames the engine queues per subscriber (include/simingest.h). */
export const MAX_QUEUE_FRAMES = 1_048_576;

/** What the addon's subscribe() takes: the handle comes back, frames go to `emit`. */
export type NativeSubscribe = (
  stream: string,
  fromStep: number | null,
  emit: (frame: SubscribedFrame | null, error?: SimingestError | null) => void,
  queueFrames?: number,
  disconnect?: boolean,
) => unknown;

export function subscribe(
  nativeSubscribe: NativeSubscribe,
  stream: string,
  options: SubscribeOptions = {},
): AsyncIterableIterator<SubscribedFrame> {
  expectArgument(typeof stream === 'string', 'a string', 'stream', stream);
  const { fromStep, maxBuffered = 1024, queueFrames, policy = 'dropOldest' } = options;
  expectArgument(fromStep === undefined || Number.isSafeInteger(fromStep), 'a safe integer', 'options.fromStep', fromStep);
  expectArgument(Number.isSafeInteger(maxBuffered) && maxBuffered > 0, 'a positive integer', 'options.maxBuffered', maxBuffered);
  expectArgument(queueFrames === undefined || (Number.isSafeInteger(queueFrames) && queueFrames > 0 && queueFrames <= MAX_QUEUE_FRAMES),
                 `an integer from 1 to ${MAX_QUEUE_FRAMES}`, 'options.queueFrames', queueFrames);
  expectArgument(policy === 'dropOldest' || policy === 'disconnect', '"dropOldest" or "disconnect"', 'options.policy', policy);

  const buffered: SubscribedFrame[] = [];
  let ended = false;
  let failure: SimingestError | null = null;
  let wake: (() => void) | null = null;

  const handle = nativeSubscribe(stream, fromStep ?? null, (frame, error) => {
    if (frame === null) {
      ended = true;
      failure = error ?? null;
    } else if (!ended) {
      if (buffered.length === maxBuffered) {
        // The gap goes to the frame that followed the dropped one: the buffer's new head, or
        // this frame when the buffer holds one.
        const oldest = buffered.shift() as SubscribedFrame;
        (buffered[0] ?? frame).droppedBefore += 1 + oldest.droppedBefore;
      }
      buffered.push(frame);
    }
    const resume = wake;
    wake = null;
    resume?.();
  }, queueFrames ?? 0, policy === 'disconnect');

  const finish = (): void => {
    if (ended) return;
    ended = true;
    buffered.length = 0;
    addon.unsubscribe(handle);
  };

  const iterator: AsyncIterableIterator<SubscribedFrame> = {
    async next(): Promise<IteratorResult<SubscribedFrame>> {
      for (;;) {
        const frame = buffered.shift();
        if (frame !== undefined) return { value: frame, done: false };
        if (ended) {
          if (failure !== null) {
            const error = failure;
            failure = null;
            throw error;
          }
          return { value: undefined, done: true };
        }
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
    },
    // `break` out of a for await loop: unsubscribe.
    async return(): Promise<IteratorResult<SubscribedFrame>> {
      finish();
      return { value: undefined, done: true };
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}
