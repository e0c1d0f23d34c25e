// Float32 ⇄ bf16 conversion for mixed precision: the bf16 copies of activations that the
// convolutions read (round to nearest even, oneDNN's jit reorder). bf16 data travels as
// Uint16Array (the upper 16 bits of the float32 pattern).

#include <memory>
#include <unordered_map>

#include "common.h"

namespace bnlab {
namespace {

using dnnl::memory;
using tag = memory::format_tag;
using dt = memory::data_type;

struct Conversion {
  memory::desc f32Md, bf16Md;
  dnnl::reorder toBf16, toF32;
};

Conversion& conversionFor(int64_t n) {
  static std::unordered_map<int64_t, std::unique_ptr<Conversion>> cache;
  auto it = cache.find(n);
  if (it != cache.end()) return *it->second;
  auto c = std::make_unique<Conversion>();
  auto& eng = cpuEngine();
  c->f32Md = memory::desc({n}, dt::f32, tag::x);
  c->bf16Md = memory::desc({n}, dt::bf16, tag::x);
  c->toBf16 = dnnl::reorder(dnnl::reorder::primitive_desc(eng, c->f32Md, eng, c->bf16Md));
  c->toF32 = dnnl::reorder(dnnl::reorder::primitive_desc(eng, c->bf16Md, eng, c->f32Md));
  Conversion& ref = *c;
  cache.emplace(n, std::move(c));
  return ref;
}

uint16_t* bf16Arg(const Napi::CallbackInfo& info, size_t i, const char* name, int64_t expected) {
  Napi::Value v = info[i];
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_uint16_array) {
    throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a Uint16Array (bf16)");
  }
  Napi::Uint16Array a = v.As<Napi::Uint16Array>();
  if (static_cast<int64_t>(a.ElementLength()) != expected) {
    throw Napi::RangeError::New(info.Env(), std::string(name) + " has " + std::to_string(a.ElementLength()) +
                                                " elements, expected " + std::to_string(expected));
  }
  return a.Data();
}

// toBf16(src: Float32Array, dst: Uint16Array)
Napi::Value ToBf16(const Napi::CallbackInfo& info) {
  return guarded(info, "toBf16", [&]() -> Napi::Value {
    float* src = floatArg(info, 0, "src");
    const int64_t n = static_cast<int64_t>(floatLen(info, 0));
    uint16_t* dst = bf16Arg(info, 1, "dst", n);
    if (n == 0) return info.Env().Undefined();
    Conversion& c = conversionFor(n);
    auto& eng = cpuEngine();
    auto& s = cpuStream();
    memory a(c.f32Md, eng, src), b(c.bf16Md, eng, dst);
    c.toBf16.execute(s, a, b);
    s.wait();
    return info.Env().Undefined();
  });
}

// fromBf16(src: Uint16Array, dst: Float32Array)
Napi::Value FromBf16(const Napi::CallbackInfo& info) {
  return guarded(info, "fromBf16", [&]() -> Napi::Value {
    float* dst = floatArg(info, 1, "dst");
    const int64_t n = static_cast<int64_t>(floatLen(info, 1));
    uint16_t* src = bf16Arg(info, 0, "src", n);
    if (n == 0) return info.Env().Undefined();
    Conversion& c = conversionFor(n);
    auto& eng = cpuEngine();
    auto& s = cpuStream();
    memory a(c.bf16Md, eng, src), b(c.f32Md, eng, dst);
    c.toF32.execute(s, a, b);
    s.wait();
    return info.Env().Undefined();
  });
}

}  // namespace

void registerBf16(Napi::Env env, Napi::Object exports) {
  exports.Set("toBf16", Napi::Function::New(env, ToBf16, "toBf16"));
  exports.Set("fromBf16", Napi::Function::New(env, FromBf16, "fromBf16"));
}

}  // namespace bnlab
