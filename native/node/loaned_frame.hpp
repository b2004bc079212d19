// A loaned frame seen from JavaScript (simingest.h "Loaned frames"): each
// column is a typed array over the engine's own buffer, created as an
// external ArrayBuffer, so what the solver writes is what the engine encodes.
//
// What must stay true: no JavaScript value reaches engine memory the frame no
// longer owns. So every ArrayBuffer is detached (napi_detach_arraybuffer) on
// the JavaScript thread *before* the engine takes the buffer back: at
// commit(), at abort(), and when the ingestor closes (Ingestor::Close
// detaches the loans still open; the engine then counts them leaked).
// A detached typed array has length 0: reads give undefined, writes do
// nothing, and a new typed array over it throws. The simingest_frame handle
// is freed only when the frame object and every ArrayBuffer made over it have
// been collected (LoanState::refs), so a typed array kept past a collected
// frame object still points at memory the open loan holds.
// JavaScript thread only.
#pragma once

#include <napi.h>

#include <vector>

#include "simingest.h"

namespace simingest_node {

class Ingestor;

struct LoanState {
  simingest_frame* frame = nullptr;
  const simingest_ingestor* handle = nullptr;  // the lending ingestor, as its error key only
  Ingestor* owner = nullptr;                   // while open: it detaches us if it closes first
  LoanState* prev = nullptr;                   // the owner's list of open loans
  LoanState* next = nullptr;
  int refs = 1;                                // the frame object, plus one per ArrayBuffer alive
  bool open = false;
  bool reclaimed = false;                      // its ingestor closed while it was open
  std::vector<Napi::Reference<Napi::ArrayBuffer>> buffers;  // weak: they must not keep themselves alive

  // Detaches every ArrayBuffer of the frame and leaves the owner's list.
  void DetachAll();
  void Release();  // drops one ref; the last frees the handle and this
};

class LoanedFrame : public Napi::ObjectWrap<LoanedFrame> {
 public:
  static Napi::Function Define(Napi::Env env);
  // ingestor.frameBegin(stream, step, time, rows) (ingestor.cpp) -> NativeLoanedFrame
  static Napi::Value Begin(Napi::Env env, Ingestor* owner, Napi::Object owner_object, simingest_ingestor* handle,
                           const Napi::CallbackInfo& info);

  explicit LoanedFrame(const Napi::CallbackInfo& info);
  ~LoanedFrame() override;

 private:
  // -> {name: TypedArray} (the same object every time, until the frame ends)
  Napi::Value Columns(const Napi::CallbackInfo& info);
  // (name) -> the column's typed array; an undeclared name or an ended frame throws the engine's error
  Napi::Value Column(const Napi::CallbackInfo& info);
  Napi::Value Commit(const Napi::CallbackInfo& info);
  Napi::Value Abort(const Napi::CallbackInfo& info);
  Napi::Value End(const Napi::CallbackInfo& info, simingest_status (*end)(simingest_frame*));

  LoanState* state_ = nullptr;
  Napi::ObjectReference columns_;
  Napi::ObjectReference owner_object_;  // keeps the ingestor alive while the frame lives
};

}  // namespace simingest_node
