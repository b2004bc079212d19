// `asGrid: true`: a query's frames stacked into one typed array per column,
// shaped [frames, ...grid] (C order), with one step and time per frame. The
// query asks for one batch per frame, so a frame's rows are its batch.
import { SimingestError } from './errors.js';
import { arrayClassOf, type QueryReader, type ResultArray } from './query.js';

export interface GridResult {
  /** The step of each frame. */
  step: BigInt64Array;
  /** The time of each frame. */
  time: Float64Array;
  /** [frames, ...grid]; for a stream without a grid [frames, rows per frame]. */
  shape: number[];
  /** Each selected column, frames one after another, each frame in C order. */
  columns: Record<string, ResultArray>;
}

export async function readGrid(reader: QueryReader, grid: readonly number[]): Promise<GridResult> {
  const frames: Map<string, ResultArray>[] = [];
  for await (const batch of reader) frames.push(batch.columns);
  const cells = grid.length > 0 ? grid.reduce((a, b) => a * b, 1) : (frames[0]?.get('step')?.length ?? 0);
  for (const frame of frames) {
    const rows = frame.get('step')!.length;
    if (rows !== cells) {
      throw new SimingestError(
        grid.length > 0
          ? `asGrid: a frame has ${rows} rows, the grid ${cells}`
          : `asGrid: the stream has no grid and its frames have different row counts (${cells}, ${rows})`,
        grid.length > 0 ? 'ERR_INTERNAL' : 'ERR_INVALID_ARGUMENT',
      );
    }
  }
  const step = new BigInt64Array(frames.length);
  const time = new Float64Array(frames.length);
  frames.forEach((frame, i) => {
    step[i] = (frame.get('step') as BigInt64Array)[0]!;
    time[i] = (frame.get('time') as Float64Array)[0]!;
  });
  const columns: Record<string, ResultArray> = {};
  for (const field of reader.fields) {
    if (field.name === 'step' || field.name === 'time') continue;
    const out = new (arrayClassOf(field.format))(frames.length * cells);
    frames.forEach((frame, i) => (out.set as (a: ResultArray, o: number) => void)(frame.get(field.name)!, i * cells));
    columns[field.name] = out;
  }
  return { step, time, shape: [frames.length, ...(grid.length > 0 ? grid : [cells])], columns };
}
