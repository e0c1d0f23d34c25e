// bnlab_native: the entry point of the addon. See lib/engine/native for the TypeScript side.

#include <omp.h>

#include "common.h"

namespace bnlab {

dnnl::engine& cpuEngine() {
  static dnnl::engine eng(dnnl::engine::kind::cpu, 0);
  return eng;
}

dnnl::stream& cpuStream() {
  static dnnl::stream s(cpuEngine());
  return s;
}

namespace {

// info() -> { dnnl: "2.6.3", threads: 2, cpuIsa: "..." }
Napi::Value Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const dnnl_version_t* v = dnnl_version();
  Napi::Object o = Napi::Object::New(env);
  o.Set("dnnl", std::to_string(v->major) + "." + std::to_string(v->minor) + "." +
                    std::to_string(v->patch));
  o.Set("threads", omp_get_max_threads());
  const char* isa = "unknown";
  switch (dnnl::get_effective_cpu_isa()) {
    case dnnl::cpu_isa::sse41: isa = "sse41"; break;
    case dnnl::cpu_isa::avx: isa = "avx"; break;
    case dnnl::cpu_isa::avx2: isa = "avx2"; break;
    case dnnl::cpu_isa::avx512_core: isa = "avx512_core"; break;
    case dnnl::cpu_isa::avx512_core_vnni: isa = "avx512_core_vnni"; break;
    case dnnl::cpu_isa::avx512_core_bf16: isa = "avx512_core_bf16"; break;
    case dnnl::cpu_isa::avx512_core_amx: isa = "avx512_core_amx"; break;
    default: break;
  }
  o.Set("cpuIsa", isa);
  return o;
}

// setThreads(n): the OpenMP thread count for oneDNN and the element-wise kernels.
Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  const int n = static_cast<int>(numberArg(info, 0, "threads"));
  if (n >= 1) omp_set_num_threads(n);
  return info.Env().Undefined();
}

}  // namespace

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("info", Napi::Function::New(env, Info, "info"));
  exports.Set("setThreads", Napi::Function::New(env, SetThreads, "setThreads"));
  registerConv(env, exports);
  registerBatchNorm(env, exports);
  registerElementwise(env, exports);
  registerBf16(env, exports);
  return exports;
}

}  // namespace bnlab

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) {
  return bnlab::Init(env, exports);
}

NODE_API_MODULE(bnlab_native, InitAddon)
