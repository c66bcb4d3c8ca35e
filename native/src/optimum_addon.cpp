// Node-API surface of the Optimum-layout MusicGen: openOptimum(config) -> {provider, providerNote, generate, release}.
// The TypeScript facade (src/node/native/addon-types.ts, optimum-generator.ts) declares it once; keep both in step.
#include <cmath>
#include <memory>

#include "addon_shared.h"
#include "optimum.h"

namespace sb::addon {

namespace {

OptimumConfig read_optimum_config(const Napi::Object& o) {
  OptimumConfig c;
  c.text_encoder = str(o, "textEncoder", "");
  c.decoder = str(o, "decoder", "");
  c.codec_decode = str(o, "codecDecode", "");
  c.layers = integer(o, "layers", 0, 1, 1024);
  c.heads = integer(o, "heads", 0, 1, 1024);
  c.hidden = integer(o, "hidden", 0, 1, 1 << 16);
  c.codebooks = integer(o, "codebooks", 0, 1, 64);
  c.card = integer(o, "card", 0, 2, 1 << 20);
  c.pad_token = integer(o, "padToken", 0, 0, 1 << 20);
  c.max_positions = integer(o, "maxPositions", 0, 2, 1 << 24);
  c.runtime = read_runtime(o.Get("runtime"));
  return c;
}

OptimumRequest read_optimum_request(const Napi::Object& o) {
  OptimumRequest q;
  Napi::Value ti = o.Get("tokenIds");
  if (!ti.IsArray()) throw NativeError("INVALID_ARGUMENT", "tokenIds must be an array of integers");
  Napi::Array a = ti.As<Napi::Array>();
  for (uint32_t i = 0; i < a.Length(); i++) {
    Napi::Value x = a.Get(i);
    const double d = x.IsNumber() ? x.As<Napi::Number>().DoubleValue() : -1;
    if (d < 0 || d != std::floor(d) || d > 2147483647.0) throw NativeError("INVALID_ARGUMENT", "tokenIds must be an array of integers");
    q.token_ids.push_back(static_cast<int64_t>(d));
  }
  q.max_new_tokens = integer(o, "maxNewTokens", 0, 1, 1 << 20);
  Napi::Value gs = o.Get("guidanceScale");
  q.guidance_scale = gs.IsNull() || gs.IsUndefined() ? 0.0 : num(o, "guidanceScale", 0.0);
  q.pick = read_pick(o);
  q.seed = read_seed(o);
  q.variations = integer(o, "variations", 1, 1, 256);
  q.first_variation = integer(o, "firstVariation", 0, 0, 1 << 20);
  Napi::Value dec = o.Get("decode");
  q.decode = !dec.IsBoolean() || dec.As<Napi::Boolean>().Value();
  return q;
}

/** The handle JS gets: methods close over a slot that release() empties (running jobs keep their own reference). */
Napi::Object make_handle(Napi::Env env, std::shared_ptr<OptimumModel> model) {
  auto slot = std::make_shared<std::shared_ptr<OptimumModel>>(model);
  Napi::Object h = Napi::Object::New(env);
  h.Set("provider", model->provider());
  h.Set("providerNote", model->provider_note());
  h.Set("generate", Napi::Function::New(env, [slot](const Napi::CallbackInfo& info) -> Napi::Value {
          Napi::Env e = info.Env();
          if (info.Length() < 2 || !info[0].IsObject() || !info[1].IsFunction()) {
            throw make_error(e, "INVALID_ARGUMENT", "generate(request, onEvent)");
          }
          std::shared_ptr<OptimumModel> m = *slot;
          if (!m) throw make_error(e, "NATIVE_RELEASED", "this model was released");
          OptimumRequest q;
          try {
            q = read_optimum_request(info[0].As<Napi::Object>());
          } catch (const NativeError& err) {
            throw make_error(e, err.code, err.what());
          }
          return start_generate_job(e, info[1].As<Napi::Function>(),
                                    [m, q](GenerateSink& sink) { return m->generate(q, sink); });
        }, "generate"));
  h.Set("release", Napi::Function::New(env, [slot](const Napi::CallbackInfo& info) {
          slot->reset();  // sessions are freed once running jobs finish
          return info.Env().Undefined();
        }, "release"));
  return h;
}

class OpenOptimumWorker : public CodedWorker {
 public:
  OpenOptimumWorker(Napi::Env env, OptimumConfig config) : CodedWorker(env), config_(std::move(config)) {}
  void Work() override { model_ = OptimumModel::open(config_); }
  void OnOK() override { deferred_.Resolve(make_handle(Env(), model_)); }

 private:
  OptimumConfig config_;
  std::shared_ptr<OptimumModel> model_;
};

Napi::Value OpenOptimum(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject()) throw make_error(env, "INVALID_ARGUMENT", "openOptimum(config)");
  try {
    ensure_ort();
    auto* w = new OpenOptimumWorker(env, read_optimum_config(info[0].As<Napi::Object>()));
    Napi::Promise p = w->promise();
    w->Queue();
    return p;
  } catch (const NativeError& e) {
    throw make_error(env, e.code, e.what());
  }
}

}  // namespace

void register_optimum(Napi::Env env, Napi::Object exports) {
  exports.Set("openOptimum", Napi::Function::New(env, OpenOptimum, "openOptimum"));
}

}  // namespace sb::addon
