// The ESM entry re-exports the CommonJS build instead of compiling the package
// twice: one copy of the addon state and one SimingestError class, so
// `instanceof` holds for errors whether the caller imported or required.
export {
  Appender,
  Dataset,
  Ingestor,
  LoanedFrame,
  nativeVersion,
  SimingestError,
  STATUS_CODES,
  inspectDataset,
  verifyDataset,
} from './index.js';
export type * from './index.js';
