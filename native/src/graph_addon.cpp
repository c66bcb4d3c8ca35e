// inspectGraph() and runGraph(): one ONNX graph opened with the addon's runtime (its own operators included), for
// `models verify` and for tests that compare a graph's outputs; off the JS thread.
#include <napi.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "addon_shared.h"
#include "ort_session.h"

namespace sb::addon {

namespace {

struct TensorMeta {
  std::string name, dtype;
  std::vector<int64_t> dims;
  std::vector<std::string> symbols;  // the symbolic name of each dimension ("" when fixed or unnamed)
};

struct Feed {
  std::string name, dtype;
  std::vector<int64_t> dims;
  std::vector<uint8_t> bytes;
};

struct Output {
  std::string name, dtype;
  std::vector<int64_t> dims;
  std::vector<uint8_t> bytes;
};

const char* dtype_name(ONNXTensorElementDataType t) {
  switch (t) {
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT: return "float32";
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_DOUBLE: return "float64";
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT16: return "float16";
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64: return "int64";
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32: return "int32";
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT8: return "int8";
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT8: return "uint8";
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_BOOL: return "bool";
    default: return "other";
  }
}

TensorMeta meta_of(const std::string& name, const Ort::TypeInfo& info) {
  TensorMeta m{name, "non-tensor", {}, {}};
  if (info.GetONNXType() != ONNX_TYPE_TENSOR) return m;
  auto t = info.GetTensorTypeAndShapeInfo();
  m.dtype = dtype_name(t.GetElementType());
  m.dims = t.GetShape();
  std::vector<const char*> sym(m.dims.size(), nullptr);
  if (!sym.empty()) t.GetSymbolicDimensions(sym.data(), sym.size());
  for (const char* s : sym) m.symbols.emplace_back(s ? s : "");
  return m;
}

/** Opens `path` on the CPU and, when `run`, runs it on `feeds` and keeps every output. */
class GraphWorker : public CodedWorker {
 public:
  GraphWorker(Napi::Env env, std::string path, std::vector<Feed> feeds, bool run, int threads)
      : CodedWorker(env), path_(std::move(path)), feeds_(std::move(feeds)), run_(run), threads_(threads) {}

 protected:
  void Work() override {
    RuntimeOptions r;
    r.provider = "cpu";
    r.intra_threads = threads_;
    r.spinning = false;
    std::unique_ptr<Ort::Session> s = open_session(path_, r, false, "MODEL_FILE_CORRUPT");
    Ort::AllocatorWithDefaultOptions alloc;
    for (size_t i = 0; i < s->GetInputCount(); ++i) {
      inputs_.push_back(meta_of(s->GetInputNameAllocated(i, alloc).get(), s->GetInputTypeInfo(i)));
    }
    for (size_t i = 0; i < s->GetOutputCount(); ++i) {
      outputs_.push_back(meta_of(s->GetOutputNameAllocated(i, alloc).get(), s->GetOutputTypeInfo(i)));
    }
    if (!run_) return;
    const Ort::MemoryInfo mem = Ort::MemoryInfo::CreateCpu(OrtArenaAllocator, OrtMemTypeDefault);
    std::vector<Ort::Value> values;
    std::vector<const char*> in_names, out_names;
    for (Feed& f : feeds_) {
      const ONNXTensorElementDataType t =
          f.dtype == "int64" ? ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64 : ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT;
      values.push_back(Ort::Value::CreateTensor(mem, f.bytes.data(), f.bytes.size(), f.dims.data(), f.dims.size(), t));
      in_names.push_back(f.name.c_str());
    }
    for (const TensorMeta& m : outputs_) out_names.push_back(m.name.c_str());
    std::vector<Ort::Value> got;
    try {
      got = s->Run(Ort::RunOptions{nullptr}, in_names.data(), values.data(), values.size(), out_names.data(),
                   out_names.size());
    } catch (const Ort::Exception& e) {
      rethrow_run_error(e, base_name(path_).c_str());
    }
    for (size_t i = 0; i < got.size(); ++i) {
      auto t = got[i].GetTensorTypeAndShapeInfo();
      Output o{outputs_[i].name, dtype_name(t.GetElementType()), t.GetShape(), {}};
      if (o.dtype != "float32" && o.dtype != "int64") {
        throw NativeError("NATIVE_RUN_FAILED", "output " + o.name + " is " + o.dtype + "; runGraph returns float32 and int64 only");
      }
      const size_t bytes = t.GetElementCount() * (o.dtype == "int64" ? 8 : 4);
      o.bytes.resize(bytes);
      if (bytes) std::memcpy(o.bytes.data(), got[i].GetTensorRawData(), bytes);
      results_.push_back(std::move(o));
    }
  }

  void OnOK() override {
    Napi::Env env = Env();
    auto metas = [&](const std::vector<TensorMeta>& ms) {
      Napi::Array a = Napi::Array::New(env, ms.size());
      for (size_t i = 0; i < ms.size(); ++i) {
        Napi::Object o = Napi::Object::New(env);
        o.Set("name", ms[i].name);
        o.Set("dtype", ms[i].dtype);
        Napi::Array shape = Napi::Array::New(env, ms[i].dims.size());
        for (size_t d = 0; d < ms[i].dims.size(); ++d) {
          if (ms[i].dims[d] >= 0) shape.Set(d, Napi::Number::New(env, static_cast<double>(ms[i].dims[d])));
          else shape.Set(d, Napi::String::New(env, ms[i].symbols[d]));
        }
        o.Set("shape", shape);
        a.Set(i, o);
      }
      return a;
    };
    Napi::Object out = Napi::Object::New(env);
    out.Set("inputs", metas(inputs_));
    out.Set("outputs", metas(outputs_));
    if (run_) {
      Napi::Object values = Napi::Object::New(env);
      for (const Output& o : results_) {
        Napi::Object v = Napi::Object::New(env);
        v.Set("dtype", o.dtype);
        Napi::Array dims = Napi::Array::New(env, o.dims.size());
        for (size_t d = 0; d < o.dims.size(); ++d) dims.Set(d, Napi::Number::New(env, static_cast<double>(o.dims[d])));
        v.Set("dims", dims);
        Napi::ArrayBuffer buf = Napi::ArrayBuffer::New(env, o.bytes.size());
        if (!o.bytes.empty()) std::memcpy(buf.Data(), o.bytes.data(), o.bytes.size());
        if (o.dtype == "int64") v.Set("data", Napi::BigInt64Array::New(env, o.bytes.size() / 8, buf, 0));
        else v.Set("data", Napi::Float32Array::New(env, o.bytes.size() / 4, buf, 0));
        values.Set(o.name, v);
      }
      out.Set("values", values);
    }
    deferred_.Resolve(out);
  }

 private:
  std::string path_;
  std::vector<Feed> feeds_;
  bool run_;
  int threads_;
  std::vector<TensorMeta> inputs_, outputs_;
  std::vector<Output> results_;
};

/** The feeds object of runGraph: name -> {dtype: 'float32' | 'int64', dims, data}. */
std::vector<Feed> read_feeds(Napi::Env env, const Napi::Object& feeds) {
  std::vector<Feed> out;
  const Napi::Array names = feeds.GetPropertyNames();
  for (uint32_t i = 0; i < names.Length(); ++i) {
    const std::string name = names.Get(i).As<Napi::String>().Utf8Value();
    const Napi::Value v = feeds.Get(name);
    if (!v.IsObject()) throw make_error(env, "INVALID_ARGUMENT", "feed " + name + " must be {dtype, dims, data}");
    const Napi::Object o = v.As<Napi::Object>();
    Feed f{name, str(o, "dtype", ""), {}, {}};
    if (f.dtype != "float32" && f.dtype != "int64") {
      throw make_error(env, "INVALID_ARGUMENT", "feed " + name + ": dtype must be float32 or int64");
    }
    const Napi::Value dv = o.Get("dims");
    if (!dv.IsArray()) throw make_error(env, "INVALID_ARGUMENT", "feed " + name + ": dims must be an array");
    const Napi::Array dims = dv.As<Napi::Array>();
    size_t count = 1;
    for (uint32_t d = 0; d < dims.Length(); ++d) {
      const Napi::Value x = dims.Get(d);
      const double n = x.IsNumber() ? x.As<Napi::Number>().DoubleValue() : -1;
      if (!(n >= 0 && n <= 1e9) || n != static_cast<double>(static_cast<int64_t>(n))) {
        throw make_error(env, "INVALID_ARGUMENT", "feed " + name + ": dims must be integers 0..1e9");
      }
      f.dims.push_back(static_cast<int64_t>(n));
      count *= static_cast<size_t>(n);
    }
    const Napi::Value data = o.Get("data");
    const bool want64 = f.dtype == "int64";
    if (!data.IsTypedArray() ||
        data.As<Napi::TypedArray>().TypedArrayType() != (want64 ? napi_bigint64_array : napi_float32_array)) {
      throw make_error(env, "INVALID_ARGUMENT", "feed " + name + ": data must be a " + (want64 ? "BigInt64Array" : "Float32Array"));
    }
    const Napi::TypedArray ta = data.As<Napi::TypedArray>();
    if (ta.ElementLength() != count) {
      throw make_error(env, "INVALID_ARGUMENT", "feed " + name + ": data holds " + std::to_string(ta.ElementLength()) +
                                                    " values, dims need " + std::to_string(count));
    }
    f.bytes.resize(ta.ByteLength());
    if (!f.bytes.empty()) {
      std::memcpy(f.bytes.data(), static_cast<const uint8_t*>(ta.ArrayBuffer().Data()) + ta.ByteOffset(), ta.ByteLength());
    }
    out.push_back(std::move(f));
  }
  return out;
}

Napi::Value start(const Napi::CallbackInfo& info, bool run) {
  Napi::Env env = info.Env();
  const char* usage = run ? "runGraph(path: string, feeds: object, threads?: 1..64)" : "inspectGraph(path: string)";
  if (info.Length() < 1 || !info[0].IsString() || (run && (info.Length() < 2 || !info[1].IsObject()))) {
    throw make_error(env, "INVALID_ARGUMENT", usage);
  }
  int threads = 1;
  if (run && info.Length() > 2 && !info[2].IsUndefined()) {
    const double t = info[2].IsNumber() ? info[2].As<Napi::Number>().DoubleValue() : 0;
    if (!(t >= 1 && t <= 64) || t != static_cast<int>(t)) throw make_error(env, "INVALID_ARGUMENT", usage);
    threads = static_cast<int>(t);
  }
  std::vector<Feed> feeds;
  try {
    ensure_ort();
    if (run) feeds = read_feeds(env, info[1].As<Napi::Object>());
  } catch (const NativeError& e) {
    throw make_error(env, e.code, e.what());
  } catch (const std::bad_alloc&) {
    throw make_error(env, "NATIVE_OUT_OF_MEMORY", "out of memory copying the feeds");
  }
  auto* w = new GraphWorker(env, info[0].As<Napi::String>().Utf8Value(), std::move(feeds), run, threads);
  Napi::Promise p = w->promise();
  w->Queue();
  return p;
}

}  // namespace

void register_graph(Napi::Env env, Napi::Object exports) {
  exports.Set("inspectGraph", Napi::Function::New(env, [](const Napi::CallbackInfo& i) { return start(i, false); }, "inspectGraph"));
  exports.Set("runGraph", Napi::Function::New(env, [](const Napi::CallbackInfo& i) { return start(i, true); }, "runGraph"));
}

}  // namespace sb::addon
