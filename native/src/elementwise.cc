// Memory-bound element-wise kernels and reductions, multithreaded with OpenMP (the same runtime
// oneDNN uses). Inputs below ~128k elements run on the calling thread: there a parallel region
// costs about what it saves, and when another process holds the other core the region waits for
// a scheduler time slice (milliseconds).

#include <omp.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "common.h"

namespace bnlab {
namespace {

constexpr int64_t kParallelMin = 131072;

inline int threadsFor(int64_t work) {
  return work < kParallelMin ? 1 : omp_get_max_threads();
}

// ---------------------------------------------------------------------------------------------
// Unary

// relu(x, y): y = max(x, 0), keeping NaN.
Napi::Value Relu(const Napi::CallbackInfo& info) {
  return guarded(info, "relu", [&]() -> Napi::Value {
    const int64_t n = static_cast<int64_t>(floatLen(info, 0));
    const float* x = floatArg(info, 0, "x");
    float* y = floatArg(info, 1, "y", n);
#pragma omp parallel for simd num_threads(threadsFor(n)) schedule(static)
    for (int64_t i = 0; i < n; ++i) y[i] = x[i] <= 0.f ? 0.f : x[i];  // -0 -> +0, NaN stays
    return info.Env().Undefined();
  });
}

// step(x, y, alpha): y = x > 0 ? 1 : alpha, NaN stays NaN (tfjs's Step).
Napi::Value Step(const Napi::CallbackInfo& info) {
  return guarded(info, "step", [&]() -> Napi::Value {
    const int64_t n = static_cast<int64_t>(floatLen(info, 0));
    const float* x = floatArg(info, 0, "x");
    float* y = floatArg(info, 1, "y", n);
    const float alpha = static_cast<float>(numberArg(info, 2, "alpha"));
#pragma omp parallel for simd num_threads(threadsFor(n)) schedule(static)
    for (int64_t i = 0; i < n; ++i) {
      const float v = x[i];
      y[i] = v > 0.f ? 1.f : (v != v ? v : alpha);
    }
    return info.Env().Undefined();
  });
}

// reluGrad(dy, x, dx): dx = x > 0 ? dy : 0 (what mul(dy, step(x)) computes, in one pass).
Napi::Value ReluGrad(const Napi::CallbackInfo& info) {
  return guarded(info, "reluGrad", [&]() -> Napi::Value {
    const int64_t n = static_cast<int64_t>(floatLen(info, 0));
    const float* dy = floatArg(info, 0, "dy");
    const float* x = floatArg(info, 1, "x", n);
    float* dx = floatArg(info, 2, "dx", n);
#pragma omp parallel for simd num_threads(threadsFor(n)) schedule(static)
    for (int64_t i = 0; i < n; ++i) {
      const float v = x[i];
      const float s = v > 0.f ? 1.f : (v == v ? 0.f : v);  // step(x), NaN stays NaN
      dx[i] = dy[i] * s;
    }
    return info.Env().Undefined();
  });
}

// fill(y, value)
Napi::Value Fill(const Napi::CallbackInfo& info) {
  return guarded(info, "fill", [&]() -> Napi::Value {
    const int64_t n = static_cast<int64_t>(floatLen(info, 0));
    float* y = floatArg(info, 0, "y");
    const float v = static_cast<float>(numberArg(info, 1, "value"));
#pragma omp parallel for simd num_threads(threadsFor(n)) schedule(static)
    for (int64_t i = 0; i < n; ++i) y[i] = v;
    return info.Env().Undefined();
  });
}

// bf16 of f, rounded to nearest even (NaN stays a quiet NaN), as oneDNN's reorder rounds.
inline uint16_t toBf16Bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  if ((u & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((u >> 16) | 0x40u);
  u += 0x7fffu + ((u >> 16) & 1u);
  return static_cast<uint16_t>(u >> 16);
}

// affine(x, m, a, b, h, y, relu, yh): y[..., c] = (x[..., c] − m[c]) · a[c] + b[c] (+ h[...]), then
// max(·, 0) when relu is true. C = a.length; m and h may be null (no centering, no add). Batch norm
// (training with batch statistics, or eval), fused with the residual add and relu that follow it
// when the TypeScript side sees them coming. yh (optional): y in bf16 as well, written from the
// row still in cache, for the bf16 convolution that reads y next.
template <bool CENTER, bool ADD, bool RELU>
void affineRows(const float* x, const float* m, const float* a, const float* b, const float* h,
                float* y, uint16_t* yh, int64_t rows, int64_t c, int nt) {
#pragma omp parallel for num_threads(nt) schedule(static)
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * c;
    const float* hr = ADD ? h + r * c : nullptr;
    float* yr = y + r * c;
#pragma omp simd
    for (int64_t j = 0; j < c; ++j) {
      float v = CENTER ? (xr[j] - m[j]) * a[j] + b[j] : xr[j] * a[j] + b[j];
      if constexpr (ADD) v += hr[j];
      if constexpr (RELU) v = v <= 0.f ? 0.f : v;
      yr[j] = v;
    }
    if (yh) {
      uint16_t* hr16 = yh + r * c;
#pragma omp simd
      for (int64_t j = 0; j < c; ++j) hr16[j] = toBf16Bits(yr[j]);
    }
  }
}

template <bool CENTER>
void affineDispatch(const float* x, const float* m, const float* a, const float* b, const float* h,
                    float* y, uint16_t* yh, int64_t rows, int64_t c, int nt, bool relu) {
  if (h && relu) affineRows<CENTER, true, true>(x, m, a, b, h, y, yh, rows, c, nt);
  else if (h) affineRows<CENTER, true, false>(x, m, a, b, h, y, yh, rows, c, nt);
  else if (relu) affineRows<CENTER, false, true>(x, m, a, b, h, y, yh, rows, c, nt);
  else affineRows<CENTER, false, false>(x, m, a, b, h, y, yh, rows, c, nt);
}

inline bool isNull(const Napi::Value& v) { return v.IsNull() || v.IsUndefined(); }

Napi::Value Affine(const Napi::CallbackInfo& info) {
  return guarded(info, "affine", [&]() -> Napi::Value {
    const int64_t n = static_cast<int64_t>(floatLen(info, 0));
    const int64_t c = static_cast<int64_t>(floatLen(info, 2));
    if (c == 0 || n % c != 0) throw Napi::RangeError::New(info.Env(), "x is not a multiple of C");
    const float* x = floatArg(info, 0, "x");
    const float* m = isNull(info[1]) ? nullptr : floatArg(info, 1, "m", c);
    const float* a = floatArg(info, 2, "a", c);
    const float* b = floatArg(info, 3, "b", c);
    const float* h = isNull(info[4]) ? nullptr : floatArg(info, 4, "h", n);
    float* y = floatArg(info, 5, "y", n);
    const bool relu = info[6].ToBoolean().Value();
    uint16_t* yh = nullptr;
    if (info.Length() > 7 && !isNull(info[7])) {
      if (!info[7].IsTypedArray() || info[7].As<Napi::TypedArray>().TypedArrayType() != napi_uint16_array ||
          static_cast<int64_t>(info[7].As<Napi::Uint16Array>().ElementLength()) != n) {
        throw Napi::TypeError::New(info.Env(), "yh must be a Uint16Array (bf16) as long as y");
      }
      yh = info[7].As<Napi::Uint16Array>().Data();
    }
    const int64_t rows = n / c;
    const int nt = threadsFor(n);
    if (m) affineDispatch<true>(x, m, a, b, h, y, yh, rows, c, nt, relu);
    else affineDispatch<false>(x, m, a, b, h, y, yh, rows, c, nt, relu);
    return info.Env().Undefined();
  });
}

template <bool CENTER, bool ADD>
void reluGradAffineRows(const float* dy, const float* x, const float* m, const float* a,
                        const float* b, const float* h, float* dx, int64_t rows, int64_t c, int nt) {
  // Rows go in blocks of k (about 512 values) against per-channel parameters repeated k times,
  // so that the loops are long and vectorise well even for few channels.
  const int64_t k = std::max<int64_t>(1, 512 / c);
  const int64_t span = k * c;
  std::vector<float> mk(static_cast<size_t>(span)), ak(mk.size()), bk(mk.size());
  for (int64_t i = 0; i < span; ++i) {
    mk[i] = CENTER ? m[i % c] : 0.f;
    ak[i] = a[i % c];
    bk[i] = b[i % c];
  }
  const int64_t blocks = (rows + k - 1) / k;
#pragma omp parallel num_threads(nt)
  {
    std::vector<float> tmp(static_cast<size_t>(span));
    float* t = tmp.data();
    const float *M = mk.data(), *A = ak.data(), *B = bk.data();
#pragma omp for schedule(static)
    for (int64_t q = 0; q < blocks; ++q) {
      const int64_t o = q * span;
      const int64_t len = std::min(span, rows * c - o);
      const float* xr = x + o;
      const float* dyr = dy + o;
      const float* hr = ADD ? h + o : nullptr;
      float* dxr = dx + o;
      // relu's input, recomputed: (x − m) · a + b (+ h)
#pragma omp simd
      for (int64_t j = 0; j < len; ++j) {
        float v = (xr[j] - M[j]) * A[j] + B[j];
        if constexpr (ADD) v += hr[j];
        t[j] = v;
      }
      // dy · step(v), NaN propagating as tfjs's mul(dy, step(v)) does
#pragma omp simd
      for (int64_t j = 0; j < len; ++j) {
        const float v = t[j];
        const float s = v > 0.f ? 1.f : (v == v ? 0.f : v);
        dxr[j] = dyr[j] * s;
      }
    }
  }
}

// reluGradAffine(dy, x, m, a, b, h, dx): relu's gradient where relu's input was the deferred
// affine above (never written out): dx = dy · step((x − m) · a + b (+ h)).
Napi::Value ReluGradAffine(const Napi::CallbackInfo& info) {
  return guarded(info, "reluGradAffine", [&]() -> Napi::Value {
    const int64_t n = static_cast<int64_t>(floatLen(info, 0));
    const int64_t c = static_cast<int64_t>(floatLen(info, 3));
    if (c == 0 || n % c != 0) throw Napi::RangeError::New(info.Env(), "dy is not a multiple of C");
    const float* dy = floatArg(info, 0, "dy");
    const float* x = floatArg(info, 1, "x", n);
    const float* m = isNull(info[2]) ? nullptr : floatArg(info, 2, "m", c);
    const float* a = floatArg(info, 3, "a", c);
    const float* b = floatArg(info, 4, "b", c);
    const float* h = isNull(info[5]) ? nullptr : floatArg(info, 5, "h", n);
    float* dx = floatArg(info, 6, "dx", n);
    const int64_t rows = n / c;
    const int nt = threadsFor(n);
    if (m && h) reluGradAffineRows<true, true>(dy, x, m, a, b, h, dx, rows, c, nt);
    else if (m) reluGradAffineRows<true, false>(dy, x, m, a, b, h, dx, rows, c, nt);
    else if (h) reluGradAffineRows<false, true>(dy, x, m, a, b, h, dx, rows, c, nt);
    else reluGradAffineRows<false, false>(dy, x, m, a, b, h, dx, rows, c, nt);
    return info.Env().Undefined();
  });
}

// bnStats(x, mean, variance): per-channel mean and biased variance over all rows of x [..., C],
// C = mean.length. One pass: sums of (x − k) and (x − k)² with k the first row (which removes
// most of the cancellation of E[x²] − E[x]²), in float over short runs, then in double.
Napi::Value BnStats(const Napi::CallbackInfo& info) {
  return guarded(info, "bnStats", [&]() -> Napi::Value {
    const int64_t n = static_cast<int64_t>(floatLen(info, 0));
    const int64_t c = static_cast<int64_t>(floatLen(info, 1));
    if (c == 0 || n == 0 || n % c != 0) throw Napi::RangeError::New(info.Env(), "x is not a non-empty multiple of C");
    const float* x = floatArg(info, 0, "x");
    float* mean = floatArg(info, 1, "mean");
    float* var = floatArg(info, 2, "variance", c);
    const int64_t rows = n / c;
    const int nt = threadsFor(n);
    std::vector<double> s1(static_cast<size_t>(nt * c), 0.0), s2(static_cast<size_t>(nt * c), 0.0);
    // Rows go in spans of k rows (about 512 values) so that the loops are long; each float
    // accumulator takes at most 16 spans before it is added into the double sums.
    const int64_t k = std::max<int64_t>(1, 512 / c);
    const int64_t span = k * c;
    std::vector<float> shift(static_cast<size_t>(span));
    for (int64_t i = 0; i < span; ++i) shift[i] = x[i % c];
    const int64_t spans = (rows + k - 1) / k;
#pragma omp parallel num_threads(nt)
    {
      const int t = omp_get_thread_num(), T = omp_get_num_threads();
      const int64_t chunk = (spans + T - 1) / T;
      const int64_t lo = std::min(spans, t * chunk), hi = std::min(spans, lo + chunk);
      std::vector<float> f1(static_cast<size_t>(span)), f2(static_cast<size_t>(span));
      float* a1 = f1.data();
      float* a2 = f2.data();
      const float* K = shift.data();
      double* d1 = s1.data() + t * c;
      double* d2 = s2.data() + t * c;
      for (int64_t q0 = lo; q0 < hi; q0 += 16) {
        const int64_t q1 = std::min(hi, q0 + 16);
        std::fill(f1.begin(), f1.end(), 0.f);
        std::fill(f2.begin(), f2.end(), 0.f);
        for (int64_t q = q0; q < q1; ++q) {
          const int64_t o = q * span;
          const int64_t len = std::min(span, n - o);
          const float* xr = x + o;
#pragma omp simd
          for (int64_t j = 0; j < len; ++j) {
            const float d = xr[j] - K[j];
            a1[j] += d;
            a2[j] += d * d;
          }
        }
        for (int64_t j = 0; j < span; ++j) {
          d1[j % c] += a1[j];
          d2[j % c] += a2[j];
        }
      }
    }
    for (int64_t j = 0; j < c; ++j) {
      double t1 = 0, t2 = 0;
      for (int t = 0; t < nt; ++t) {
        t1 += s1[t * c + j];
        t2 += s2[t * c + j];
      }
      const double md = t1 / rows;  // mean of x − k
      mean[j] = static_cast<float>(x[j] + md);
      var[j] = static_cast<float>(std::max(0.0, t2 / rows - md * md));
    }
    return info.Env().Undefined();
  });
}

// ---------------------------------------------------------------------------------------------
// Binary with broadcasting. The caller collapses the shapes to rank r <= 6 and passes, for the
// output dims, the element strides of a and b (0 along broadcast dims). The innermost dim has
// stride 0 or 1 in each operand.

enum Op { ADD = 0, SUB = 1, MUL = 2, DIV = 3, NOPS };

template <int OP>
inline float apply(float a, float b) {
  if constexpr (OP == ADD) return a + b;
  if constexpr (OP == SUB) return a - b;
  if constexpr (OP == MUL) return a * b;
  return a / b;
}

template <int OP>
inline void row(const float* a, bool va, const float* b, bool vb, float* o, int64_t len) {
  if (va && vb) {
#pragma omp simd
    for (int64_t i = 0; i < len; ++i) o[i] = apply<OP>(a[i], b[i]);
  } else if (va) {
    const float bv = *b;
#pragma omp simd
    for (int64_t i = 0; i < len; ++i) o[i] = apply<OP>(a[i], bv);
  } else if (vb) {
    const float av = *a;
#pragma omp simd
    for (int64_t i = 0; i < len; ++i) o[i] = apply<OP>(av, b[i]);
  } else {
    const float v = apply<OP>(*a, *b);
    for (int64_t i = 0; i < len; ++i) o[i] = v;
  }
}

template <int OP>
void binaryImpl(const float* a, const float* b, float* out, int r, const int32_t* dims,
                const int32_t* sa, const int32_t* sb) {
  const int64_t len = dims[r - 1];
  const bool va = sa[r - 1] != 0, vb = sb[r - 1] != 0;
  int64_t rows = 1;
  for (int d = 0; d < r - 1; ++d) rows *= dims[d];
  const int64_t total = rows * len;
  const int nt = threadsFor(total);
  if (rows >= nt * 4 || nt == 1) {
#pragma omp parallel for num_threads(nt) schedule(static)
    for (int64_t q = 0; q < rows; ++q) {
      int64_t rem = q, offA = 0, offB = 0;
      for (int d = r - 2; d >= 0; --d) {
        const int64_t i = rem % dims[d];
        rem /= dims[d];
        offA += i * sa[d];
        offB += i * sb[d];
      }
      row<OP>(a + offA, va, b + offB, vb, out + q * len, len);
    }
  } else {
    // Few long rows: split each row among the threads.
    for (int64_t q = 0; q < rows; ++q) {
      int64_t rem = q, offA = 0, offB = 0;
      for (int d = r - 2; d >= 0; --d) {
        const int64_t i = rem % dims[d];
        rem /= dims[d];
        offA += i * sa[d];
        offB += i * sb[d];
      }
#pragma omp parallel num_threads(nt)
      {
        const int t = omp_get_thread_num(), T = omp_get_num_threads();
        const int64_t chunk = (len + T - 1) / T;
        const int64_t lo = std::min(len, t * chunk), hi = std::min(len, lo + chunk);
        if (hi > lo) {
          row<OP>(a + offA + (va ? lo : 0), va, b + offB + (vb ? lo : 0), vb, out + q * len + lo,
                  hi - lo);
        }
      }
    }
  }
}

// binary(op, a, b, out, layout) with layout = [r, dims[r], stridesA[r], stridesB[r]]
Napi::Value Binary(const Napi::CallbackInfo& info) {
  return guarded(info, "binary", [&]() -> Napi::Value {
    const int op = static_cast<int>(numberArg(info, 0, "op"));
    if (op < 0 || op >= NOPS) throw Napi::RangeError::New(info.Env(), "unknown binary op");
    const int32_t* head = intsArg(info, 4, 1, "layout");
    const int r = head[0];
    if (r < 1 || r > 6) throw Napi::RangeError::New(info.Env(), "rank must be 1..6");
    const int32_t* lay = intsArg(info, 4, 1 + 3 * r, "layout");
    const int32_t* dims = lay + 1;
    const int32_t* sa = dims + r;
    const int32_t* sb = sa + r;
    int64_t total = 1, spanA = 1, spanB = 1;
    for (int d = 0; d < r; ++d) {
      total *= dims[d];
      spanA += int64_t(dims[d] - 1) * sa[d];
      spanB += int64_t(dims[d] - 1) * sb[d];
      if ((sa[d] != 0 && sa[d] < 0) || (sb[d] != 0 && sb[d] < 0)) {
        throw Napi::RangeError::New(info.Env(), "negative stride");
      }
    }
    if (sa[r - 1] > 1 || sb[r - 1] > 1) {
      throw Napi::RangeError::New(info.Env(), "innermost stride must be 0 or 1");
    }
    const float* a = floatArg(info, 1, "a");
    const float* b = floatArg(info, 2, "b");
    float* out = floatArg(info, 3, "out", total);
    if (static_cast<int64_t>(floatLen(info, 1)) < spanA ||
        static_cast<int64_t>(floatLen(info, 2)) < spanB) {
      throw Napi::RangeError::New(info.Env(), "operand smaller than its layout");
    }
    switch (op) {
      case ADD: binaryImpl<ADD>(a, b, out, r, dims, sa, sb); break;
      case SUB: binaryImpl<SUB>(a, b, out, r, dims, sa, sb); break;
      case MUL: binaryImpl<MUL>(a, b, out, r, dims, sa, sb); break;
      default: binaryImpl<DIV>(a, b, out, r, dims, sa, sb); break;
    }
    return info.Env().Undefined();
  });
}

// ---------------------------------------------------------------------------------------------
// reduceSum(x, out, outer, mid, inner, scale): out[o, i] = scale * sum_m x[o, m, i], accumulated
// in double.
Napi::Value ReduceSum(const Napi::CallbackInfo& info) {
  return guarded(info, "reduceSum", [&]() -> Napi::Value {
    const int64_t outer = static_cast<int64_t>(numberArg(info, 2, "outer"));
    const int64_t mid = static_cast<int64_t>(numberArg(info, 3, "mid"));
    const int64_t inner = static_cast<int64_t>(numberArg(info, 4, "inner"));
    const double scale = numberArg(info, 5, "scale");
    if (outer < 1 || mid < 1 || inner < 1) throw Napi::RangeError::New(info.Env(), "empty reduce");
    const float* x = floatArg(info, 0, "x", outer * mid * inner);
    float* out = floatArg(info, 1, "out", outer * inner);
    const int nt = threadsFor(outer * mid * inner);

    if (outer >= nt * 2 || nt == 1) {
#pragma omp parallel num_threads(nt)
      {
        std::vector<double> acc(static_cast<size_t>(inner));
#pragma omp for schedule(static)
        for (int64_t o = 0; o < outer; ++o) {
          const float* xo = x + o * mid * inner;
          if (inner == 1) {
            double s = 0;
#pragma omp simd reduction(+ : s)
            for (int64_t m = 0; m < mid; ++m) s += xo[m];
            out[o] = static_cast<float>(s * scale);
          } else {
            std::fill(acc.begin(), acc.end(), 0.0);
            double* ac = acc.data();
            for (int64_t m = 0; m < mid; ++m) {
              const float* xm = xo + m * inner;
#pragma omp simd
              for (int64_t i = 0; i < inner; ++i) ac[i] += xm[i];
            }
            for (int64_t i = 0; i < inner; ++i) out[o * inner + i] = static_cast<float>(ac[i] * scale);
          }
        }
      }
    } else {
      // Few outputs rows: each thread sums a slice of `mid`, then the partials are added.
      std::vector<double> partial(static_cast<size_t>(nt * inner));
      for (int64_t o = 0; o < outer; ++o) {
        const float* xo = x + o * mid * inner;
        std::fill(partial.begin(), partial.end(), 0.0);
#pragma omp parallel num_threads(nt)
        {
          const int t = omp_get_thread_num(), T = omp_get_num_threads();
          const int64_t chunk = (mid + T - 1) / T;
          const int64_t lo = std::min(mid, t * chunk), hi = std::min(mid, lo + chunk);
          double* ac = partial.data() + t * inner;
          if (inner == 1) {
            double s = 0;
#pragma omp simd reduction(+ : s)
            for (int64_t m = lo; m < hi; ++m) s += xo[m];
            ac[0] = s;
          } else {
            for (int64_t m = lo; m < hi; ++m) {
              const float* xm = xo + m * inner;
#pragma omp simd
              for (int64_t i = 0; i < inner; ++i) ac[i] += xm[i];
            }
          }
        }
        for (int64_t i = 0; i < inner; ++i) {
          double s = 0;
          for (int t = 0; t < nt; ++t) s += partial[t * inner + i];
          out[o * inner + i] = static_cast<float>(s * scale);
        }
      }
    }
    return info.Env().Undefined();
  });
}

}  // namespace

void registerElementwise(Napi::Env env, Napi::Object exports) {
  exports.Set("relu", Napi::Function::New(env, Relu, "relu"));
  exports.Set("step", Napi::Function::New(env, Step, "step"));
  exports.Set("reluGrad", Napi::Function::New(env, ReluGrad, "reluGrad"));
  exports.Set("fill", Napi::Function::New(env, Fill, "fill"));
  exports.Set("affine", Napi::Function::New(env, Affine, "affine"));
  exports.Set("reluGradAffine", Napi::Function::New(env, ReluGradAffine, "reluGradAffine"));
  exports.Set("bnStats", Napi::Function::New(env, BnStats, "bnStats"));
  exports.Set("binary", Napi::Function::New(env, Binary, "binary"));
  exports.Set("reduceSum", Napi::Function::New(env, ReduceSum, "reduceSum"));
}

}  // namespace bnlab
