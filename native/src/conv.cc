// 2-D convolution (forward, backward-data, backward-weights) on NHWC activations and HWIO
// filters, as tfjs stores them. Activations are used in place; filters are reordered into the
// blocked layout oneDNN picks (format `any`), which is what makes the jit kernels apply.
// Primitives are built once per shape and cached.
//
// Each entry point has a bf16 twin (mixed precision): activations come in as bf16 copies
// (Uint16Array, made by toBf16), filters are reordered from float32 HWIO into a bf16 blocked
// layout per call, and results (y, dx, dw) are written in float32: oneDNN accumulates in float32,
// so only the operands are rounded.

#include <memory>
#include <stdexcept>
#include <unordered_map>
#include <vector>

#include "common.h"

namespace bnlab {
namespace {

using dnnl::memory;
using tag = memory::format_tag;
using dt = memory::data_type;

// Layout of the Int32Array of parameters.
enum P { N, H, W, C, O, KH, KW, OH, OW, SH, SW, PT, PL, PB, PR, DH, DW, NPARAMS };

struct ConvEntry {
  bool bf16 = false;
  // xMd: the source as the convolution reads it (f32, or bf16 in mixed precision); dxMd: the
  // source gradient (always f32); yMd: the result (f32); dyMd: the result's gradient as read.
  memory::desc xMd, dxMd, wMd, yMd, dyMd, wAnyMd;
  memory::dims strides, dilates, padL, padR;

  dnnl::convolution_forward::primitive_desc fwdPd;
  dnnl::convolution_forward fwd;
  memory wFwd;  // filter in the forward primitive's layout (empty when HWIO is used as is)
  dnnl::reorder wToFwd;

  bool hasBwdData = false;
  dnnl::convolution_backward_data::primitive_desc bdPd;
  dnnl::convolution_backward_data bd;
  memory wBd;
  dnnl::reorder wToBd;

  bool hasBwdWeights = false;
  dnnl::convolution_backward_weights::primitive_desc bwPd;
  dnnl::convolution_backward_weights bw;
  memory dwBlocked;  // empty when the primitive writes HWIO directly
  dnnl::reorder dwToHwio;
};

std::unordered_map<std::string, std::unique_ptr<ConvEntry>>& convCache() {
  static std::unordered_map<std::string, std::unique_ptr<ConvEntry>> cache;
  return cache;
}

std::string cacheKey(const int32_t* p, bool bf16) {
  std::string key(reinterpret_cast<const char*>(p), sizeof(int32_t) * NPARAMS);
  key.push_back(bf16 ? 'h' : 'f');
  return key;
}

// oneDNN's reference kernels are correct but orders of magnitude slower: a bf16 convolution that
// only has one is refused, and the caller runs it in float32.
void requireJit(const char* what, const std::string& impl) {
  if (impl.rfind("ref", 0) == 0) throw std::runtime_error(std::string(what) + ": no optimised bf16 kernel (" + impl + ")");
}

ConvEntry& entryFor(const int32_t* p, bool bf16 = false) {
  std::string key = cacheKey(p, bf16);
  auto& cache = convCache();
  auto it = cache.find(key);
  if (it != cache.end()) return *it->second;

  auto e = std::make_unique<ConvEntry>();
  auto& eng = cpuEngine();
  const dt act = bf16 ? dt::bf16 : dt::f32;
  e->bf16 = bf16;
  e->xMd = memory::desc({p[N], p[C], p[H], p[W]}, act, tag::nhwc);
  e->dxMd = memory::desc({p[N], p[C], p[H], p[W]}, dt::f32, tag::nhwc);
  e->yMd = memory::desc({p[N], p[O], p[OH], p[OW]}, dt::f32, tag::nhwc);
  e->dyMd = memory::desc({p[N], p[O], p[OH], p[OW]}, act, tag::nhwc);
  e->wMd = memory::desc({p[O], p[C], p[KH], p[KW]}, dt::f32, tag::hwio);
  e->wAnyMd = memory::desc({p[O], p[C], p[KH], p[KW]}, act, tag::any);
  e->strides = {p[SH], p[SW]};
  e->dilates = {p[DH] - 1, p[DW] - 1};
  e->padL = {p[PT], p[PL]};
  e->padR = {p[PB], p[PR]};

  dnnl::convolution_forward::desc fd(dnnl::prop_kind::forward_training,
                                     dnnl::algorithm::convolution_direct, e->xMd, e->wAnyMd,
                                     e->yMd, e->strides, e->dilates, e->padL, e->padR);
  e->fwdPd = dnnl::convolution_forward::primitive_desc(fd, eng);
  if (bf16) requireJit("convolution forward", e->fwdPd.impl_info_str());
  e->fwd = dnnl::convolution_forward(e->fwdPd);
  if (e->fwdPd.weights_desc() != e->wMd) {
    e->wFwd = memory(e->fwdPd.weights_desc(), eng);
    e->wToFwd = dnnl::reorder(dnnl::reorder::primitive_desc(eng, e->wMd, eng, e->fwdPd.weights_desc()));
  }
  ConvEntry& ref = *e;
  cache.emplace(std::move(key), std::move(e));
  return ref;
}

void ensureBwdData(ConvEntry& e) {
  if (e.hasBwdData) return;
  auto& eng = cpuEngine();
  dnnl::convolution_backward_data::desc bd(dnnl::algorithm::convolution_direct, e.dxMd, e.wAnyMd,
                                           e.dyMd, e.strides, e.dilates, e.padL, e.padR);
  e.bdPd = dnnl::convolution_backward_data::primitive_desc(bd, eng, e.fwdPd);
  if (e.bf16) requireJit("convolution backward-data", e.bdPd.impl_info_str());
  e.bd = dnnl::convolution_backward_data(e.bdPd);
  if (e.bdPd.weights_desc() != e.wMd) {
    e.wBd = memory(e.bdPd.weights_desc(), eng);
    e.wToBd = dnnl::reorder(dnnl::reorder::primitive_desc(eng, e.wMd, eng, e.bdPd.weights_desc()));
  }
  e.hasBwdData = true;
}

void ensureBwdWeights(ConvEntry& e) {
  if (e.hasBwdWeights) return;
  auto& eng = cpuEngine();
  // Weight gradients accumulate and leave in float32 whatever the operands' precision.
  const memory::desc dwAny = e.bf16 ? memory::desc(e.wAnyMd.dims(), dt::f32, tag::any) : e.wAnyMd;
  dnnl::convolution_backward_weights::desc bw(dnnl::algorithm::convolution_direct, e.xMd,
                                              dwAny, e.dyMd, e.strides, e.dilates, e.padL,
                                              e.padR);
  e.bwPd = dnnl::convolution_backward_weights::primitive_desc(bw, eng, e.fwdPd);
  if (e.bf16) requireJit("convolution backward-weights", e.bwPd.impl_info_str());
  e.bw = dnnl::convolution_backward_weights(e.bwPd);
  if (e.bwPd.diff_weights_desc() != e.wMd) {
    e.dwBlocked = memory(e.bwPd.diff_weights_desc(), eng);
    e.dwToHwio = dnnl::reorder(dnnl::reorder::primitive_desc(eng, e.bwPd.diff_weights_desc(), eng, e.wMd));
  }
  e.hasBwdWeights = true;
}

// A forward convolution with an epilogue: y = [relu](conv(x, w · scale[o]) + shift[o] [+ h]).
// This is a batch norm in eval mode (and the residual add and relu after it) folded into the
// convolution, so its output is written once; y may be bf16 when only a bf16 convolution reads
// it next. Cached per shape and epilogue.
struct FusedEntry {
  dnnl::convolution_forward::primitive_desc pd;
  dnnl::convolution_forward prim;
  memory::desc biasMd, yMd, hMd;
  memory wBlocked;
  dnnl::reorder wToBlocked;
  std::vector<float> scaled;  // HWIO filter times scale
};

FusedEntry& fusedEntryFor(const int32_t* p, bool bias, bool relu, bool bf16, bool residual, bool bf16Out) {
  std::string key = cacheKey(p, bf16);
  key.push_back(bias ? 'b' : '-');
  key.push_back(relu ? 'r' : '-');
  key.push_back(residual ? 'h' : '-');
  key.push_back(bf16Out ? 'o' : '-');
  static std::unordered_map<std::string, std::unique_ptr<FusedEntry>> cache;
  auto it = cache.find(key);
  if (it != cache.end()) return *it->second;
  ConvEntry& base = entryFor(p, bf16);
  auto e = std::make_unique<FusedEntry>();
  auto& eng = cpuEngine();
  e->biasMd = memory::desc({p[O]}, dt::f32, tag::x);
  e->yMd = memory::desc({p[N], p[O], p[OH], p[OW]}, bf16Out ? dt::bf16 : dt::f32, tag::nhwc);
  e->hMd = memory::desc({p[N], p[O], p[OH], p[OW]}, dt::f32, tag::nhwc);
  dnnl::primitive_attr attr;
  dnnl::post_ops po;
  // The residual before the relu: relu(conv + shift + h), as the block computes it.
  if (residual) po.append_binary(dnnl::algorithm::binary_add, e->hMd);
  if (relu) po.append_eltwise(1.f, dnnl::algorithm::eltwise_relu, 0.f, 0.f);
  attr.set_post_ops(po);
  auto fd = bias ? dnnl::convolution_forward::desc(dnnl::prop_kind::forward_inference,
                                                   dnnl::algorithm::convolution_direct, base.xMd,
                                                   base.wAnyMd, e->biasMd, e->yMd, base.strides,
                                                   base.dilates, base.padL, base.padR)
                 : dnnl::convolution_forward::desc(dnnl::prop_kind::forward_inference,
                                                   dnnl::algorithm::convolution_direct, base.xMd,
                                                   base.wAnyMd, e->yMd, base.strides,
                                                   base.dilates, base.padL, base.padR);
  e->pd = dnnl::convolution_forward::primitive_desc(fd, attr, eng);
  // A residual or bf16 result is an optimisation: with only a reference kernel, the caller does
  // without it.
  if (bf16 || residual || bf16Out) requireJit("fused convolution", e->pd.impl_info_str());
  e->prim = dnnl::convolution_forward(e->pd);
  if (e->pd.weights_desc() != base.wMd) {
    e->wBlocked = memory(e->pd.weights_desc(), eng);
    e->wToBlocked = dnnl::reorder(dnnl::reorder::primitive_desc(eng, base.wMd, eng, e->pd.weights_desc()));
  }
  FusedEntry& ref = *e;
  cache.emplace(std::move(key), std::move(e));
  return ref;
}

int64_t xSize(const int32_t* p) { return int64_t(p[N]) * p[H] * p[W] * p[C]; }
int64_t ySize(const int32_t* p) { return int64_t(p[N]) * p[OH] * p[OW] * p[O]; }
int64_t wSize(const int32_t* p) { return int64_t(p[KH]) * p[KW] * p[C] * p[O]; }

// An activation operand: a Float32Array (float32) or a Uint16Array of bf16 values (mixed
// precision), with its element count checked.
void* activationArg(const Napi::CallbackInfo& info, size_t i, const char* name, int64_t expected,
                    bool& bf16) {
  Napi::Value v = info[i];
  if (v.IsTypedArray() && v.As<Napi::TypedArray>().TypedArrayType() == napi_uint16_array) {
    Napi::Uint16Array a = v.As<Napi::Uint16Array>();
    if (static_cast<int64_t>(a.ElementLength()) != expected) {
      throw Napi::RangeError::New(info.Env(), std::string(name) + " has " +
                                                  std::to_string(a.ElementLength()) +
                                                  " bf16 elements, expected " + std::to_string(expected));
    }
    bf16 = true;
    return a.Data();
  }
  bf16 = false;
  return floatArg(info, i, name, expected);
}

// The filter in the layout (and precision) the primitive wants: reordered per call, since the
// weights change every step.
memory filterFor(memory& user, memory& blocked, dnnl::reorder& toBlocked, dnnl::stream& s) {
  if (!blocked) return user;
  toBlocked.execute(s, user, blocked);
  return blocked;
}

// convForward(x, filter, y, params); x: Float32Array, or Uint16Array (bf16)
Napi::Value ConvForward(const Napi::CallbackInfo& info) {
  return guarded(info, "convForward", [&]() -> Napi::Value {
    const int32_t* p = intsArg(info, 3, NPARAMS, "params");
    bool bf16 = false;
    void* x = activationArg(info, 0, "x", xSize(p), bf16);
    float* w = floatArg(info, 1, "filter", wSize(p));
    float* y = floatArg(info, 2, "y", ySize(p));
    ConvEntry& e = entryFor(p, bf16);
    auto& eng = cpuEngine();
    auto& s = cpuStream();
    memory xm(e.xMd, eng, x), wm(e.wMd, eng, w), ym(e.yMd, eng, y);
    memory wUse = filterFor(wm, e.wFwd, e.wToFwd, s);
    e.fwd.execute(s, {{DNNL_ARG_SRC, xm}, {DNNL_ARG_WEIGHTS, wUse}, {DNNL_ARG_DST, ym}});
    s.wait();
    return info.Env().Undefined();
  });
}

// convPrepare(params, bf16 = false): builds (and caches) the forward primitive, so that an
// unsupported convolution is refused here, while the caller can still fall back, not when it
// runs later. In bf16 the backward primitives are built too (a training step needs them, and a
// shape oneDNN has no fast bf16 kernel for must run in float32 throughout).
Napi::Value ConvPrepare(const Napi::CallbackInfo& info) {
  return guarded(info, "convPrepare", [&]() -> Napi::Value {
    const bool bf16 = info.Length() > 1 && info[1].ToBoolean().Value();
    ConvEntry& e = entryFor(intsArg(info, 0, NPARAMS, "params"), bf16);
    if (bf16) {
      ensureBwdData(e);
      ensureBwdWeights(e);
    }
    return info.Env().Undefined();
  });
}

// convForwardFused(x, filter, y, params, scale | null, shift | null, relu, h = null); x as for
// convForward; y: Float32Array, or Uint16Array (bf16, x must be bf16 too); h: a Float32Array of
// y's size added before the relu (a residual).
Napi::Value ConvForwardFused(const Napi::CallbackInfo& info) {
  return guarded(info, "convForwardFused", [&]() -> Napi::Value {
    const int32_t* p = intsArg(info, 3, NPARAMS, "params");
    bool bf16 = false, bf16Out = false;
    void* x = activationArg(info, 0, "x", xSize(p), bf16);
    float* w = floatArg(info, 1, "filter", wSize(p));
    void* y = activationArg(info, 2, "y", ySize(p), bf16Out);
    if (bf16Out && !bf16) throw Napi::TypeError::New(info.Env(), "a bf16 y needs a bf16 x");
    const bool hasScale = !info[4].IsNull() && !info[4].IsUndefined();
    const bool hasShift = !info[5].IsNull() && !info[5].IsUndefined();
    const float* scale = hasScale ? floatArg(info, 4, "scale", p[O]) : nullptr;
    float* shift = hasShift ? floatArg(info, 5, "shift", p[O]) : nullptr;
    const bool relu = info[6].ToBoolean().Value();
    const bool hasH = info.Length() > 7 && !info[7].IsNull() && !info[7].IsUndefined();
    float* h = hasH ? floatArg(info, 7, "h", ySize(p)) : nullptr;
    ConvEntry& base = entryFor(p, bf16);
    FusedEntry& e = fusedEntryFor(p, hasShift, relu, bf16, hasH, bf16Out);
    auto& eng = cpuEngine();
    auto& s = cpuStream();
    float* wUse = w;
    if (hasScale) {
      const int64_t n = wSize(p), o = p[O];
      e.scaled.resize(static_cast<size_t>(n));
      for (int64_t i = 0; i < n; ++i) e.scaled[i] = w[i] * scale[i % o];
      wUse = e.scaled.data();
    }
    memory wm(base.wMd, eng, wUse), xm(base.xMd, eng, x), ym(e.yMd, eng, y);
    memory wArg = filterFor(wm, e.wBlocked, e.wToBlocked, s);
    std::unordered_map<int, memory> args{{DNNL_ARG_SRC, xm}, {DNNL_ARG_WEIGHTS, wArg}, {DNNL_ARG_DST, ym}};
    if (hasShift) args.emplace(DNNL_ARG_BIAS, memory(e.biasMd, eng, shift));
    if (hasH) args.emplace(DNNL_ARG_ATTR_MULTIPLE_POST_OP(0) | DNNL_ARG_SRC_1, memory(e.hMd, eng, h));
    e.prim.execute(s, args);
    s.wait();
    return info.Env().Undefined();
  });
}

// convBackwardData(dy, filter, dx, params); dy: Float32Array, or Uint16Array (bf16); dx float32
Napi::Value ConvBackwardData(const Napi::CallbackInfo& info) {
  return guarded(info, "convBackwardData", [&]() -> Napi::Value {
    const int32_t* p = intsArg(info, 3, NPARAMS, "params");
    bool bf16 = false;
    void* dy = activationArg(info, 0, "dy", ySize(p), bf16);
    float* w = floatArg(info, 1, "filter", wSize(p));
    float* dx = floatArg(info, 2, "dx", xSize(p));
    ConvEntry& e = entryFor(p, bf16);
    ensureBwdData(e);
    auto& eng = cpuEngine();
    auto& s = cpuStream();
    memory dym(e.dyMd, eng, dy), wm(e.wMd, eng, w), dxm(e.dxMd, eng, dx);
    memory wUse = filterFor(wm, e.wBd, e.wToBd, s);
    e.bd.execute(s, {{DNNL_ARG_DIFF_DST, dym}, {DNNL_ARG_WEIGHTS, wUse}, {DNNL_ARG_DIFF_SRC, dxm}});
    s.wait();
    return info.Env().Undefined();
  });
}

// convBackwardWeights(x, dy, dw, params); x and dy both float32 or both bf16; dw float32
Napi::Value ConvBackwardWeights(const Napi::CallbackInfo& info) {
  return guarded(info, "convBackwardWeights", [&]() -> Napi::Value {
    const int32_t* p = intsArg(info, 3, NPARAMS, "params");
    bool bf16 = false, dyBf16 = false;
    void* x = activationArg(info, 0, "x", xSize(p), bf16);
    void* dy = activationArg(info, 1, "dy", ySize(p), dyBf16);
    if (bf16 != dyBf16) throw Napi::TypeError::New(info.Env(), "x and dy must both be float32 or both bf16");
    float* dw = floatArg(info, 2, "dw", wSize(p));
    ConvEntry& e = entryFor(p, bf16);
    ensureBwdWeights(e);
    auto& eng = cpuEngine();
    auto& s = cpuStream();
    memory xm(e.xMd, eng, x), dym(e.dyMd, eng, dy), dwm(e.wMd, eng, dw);
    memory dwOut = e.dwBlocked ? e.dwBlocked : dwm;
    e.bw.execute(s, {{DNNL_ARG_SRC, xm}, {DNNL_ARG_DIFF_DST, dym}, {DNNL_ARG_DIFF_WEIGHTS, dwOut}});
    if (e.dwBlocked) e.dwToHwio.execute(s, e.dwBlocked, dwm);
    s.wait();
    return info.Env().Undefined();
  });
}

// convImplInfo(params, bf16 = false) -> { forward, backwardData, backwardWeights }: the kernels oneDNN chose.
Napi::Value ConvImplInfo(const Napi::CallbackInfo& info) {
  return guarded(info, "convImplInfo", [&]() -> Napi::Value {
    const int32_t* p = intsArg(info, 0, NPARAMS, "params");
    ConvEntry& e = entryFor(p, info.Length() > 1 && info[1].ToBoolean().Value());
    ensureBwdData(e);
    ensureBwdWeights(e);
    Napi::Object o = Napi::Object::New(info.Env());
    o.Set("forward", e.fwdPd.impl_info_str());
    o.Set("backwardData", e.bdPd.impl_info_str());
    o.Set("backwardWeights", e.bwPd.impl_info_str());
    return o;
  });
}

}  // namespace

void registerConv(Napi::Env env, Napi::Object exports) {
  exports.Set("convForward", Napi::Function::New(env, ConvForward, "convForward"));
  exports.Set("convBackwardData", Napi::Function::New(env, ConvBackwardData, "convBackwardData"));
  exports.Set("convBackwardWeights",
              Napi::Function::New(env, ConvBackwardWeights, "convBackwardWeights"));
  exports.Set("convPrepare", Napi::Function::New(env, ConvPrepare, "convPrepare"));
  exports.Set("convForwardFused", Napi::Function::New(env, ConvForwardFused, "convForwardFused"));
  exports.Set("convImplInfo", Napi::Function::New(env, ConvImplInfo, "convImplInfo"));
}

}  // namespace bnlab
