// Shared helpers for the bnlab native engine (oneDNN + OpenMP behind Node-API).
#pragma once

#include <napi.h>

#include <cstdint>
#include <cstring>
#include <string>

#include "dnnl.hpp"

namespace bnlab {

// One CPU engine and one stream for the whole process (Node calls us from one thread).
dnnl::engine& cpuEngine();
dnnl::stream& cpuStream();

// A Float32Array argument, checked for type and (optionally) for its element count.
inline float* floatArg(const Napi::CallbackInfo& info, size_t i, const char* name,
                       int64_t expected = -1) {
  Napi::Value v = info[i];
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
    throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a Float32Array");
  }
  Napi::Float32Array a = v.As<Napi::Float32Array>();
  if (expected >= 0 && static_cast<int64_t>(a.ElementLength()) != expected) {
    throw Napi::RangeError::New(info.Env(), std::string(name) + " has " +
                                                std::to_string(a.ElementLength()) +
                                                " elements, expected " + std::to_string(expected));
  }
  return a.Data();
}

inline size_t floatLen(const Napi::CallbackInfo& info, size_t i) {
  return info[i].As<Napi::Float32Array>().ElementLength();
}

// An Int32Array of integer parameters.
inline const int32_t* intsArg(const Napi::CallbackInfo& info, size_t i, size_t count,
                              const char* name) {
  Napi::Value v = info[i];
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array ||
      v.As<Napi::Int32Array>().ElementLength() < count) {
    throw Napi::TypeError::New(info.Env(), std::string(name) + " must be an Int32Array of " +
                                               std::to_string(count) + " values");
  }
  return v.As<Napi::Int32Array>().Data();
}

inline double numberArg(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (!info[i].IsNumber()) {
    throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a number");
  }
  return info[i].As<Napi::Number>().DoubleValue();
}

// Runs body, turning oneDNN and standard exceptions into JavaScript errors.
template <typename F>
Napi::Value guarded(const Napi::CallbackInfo& info, const char* what, F&& body) {
  try {
    return body();
  } catch (const Napi::Error&) {
    throw;
  } catch (const dnnl::error& e) {
    throw Napi::Error::New(info.Env(), std::string(what) + ": oneDNN error " +
                                           std::to_string(static_cast<int>(e.status)) + ": " +
                                           e.what());
  } catch (const std::exception& e) {
    throw Napi::Error::New(info.Env(), std::string(what) + ": " + e.what());
  }
}

// Registration hooks, one per source file.
void registerConv(Napi::Env env, Napi::Object exports);
void registerBatchNorm(Napi::Env env, Napi::Object exports);
void registerElementwise(Napi::Env env, Napi::Object exports);
void registerBf16(Napi::Env env, Napi::Object exports);

}  // namespace bnlab
