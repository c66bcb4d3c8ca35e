// Protocol v1 on the plugin side (see Protocol.hpp and docs/protocol.md).
#include "Protocol.hpp"

#include <cmath>
#include <cstring>

namespace sb {
namespace proto {

namespace {

constexpr double kU31 = 2147483647.0;
constexpr double kU32 = 4294967295.0;
constexpr double kMaxSafe = 9007199254740991.0;

struct Checker {
    const JsonValue& m;
    Fault& fault;
    std::int64_t id = 0;

    bool invalid(const std::string& path, const std::string& reason)
    {
        fault.code = "PROTO_INVALID_MESSAGE";
        fault.message = "Field \"" + path + "\" " + reason + ".";
        fault.id = id;
        fault.detailsJson = JsonWriter().beginObject().key("path").value("/" + path).key("reason").value(reason).endObject().str();
        return false;
    }
    bool integer(const char* key, double min, double max, std::int64_t& out, bool required = true, bool* present = nullptr)
    {
        const JsonValue* v = m.get(key);
        if (present) *present = v != nullptr;
        if (!v) return required ? invalid(key, "is required") : true;
        if (!v->isNumber() || v->number() != std::floor(v->number())) return invalid(key, "must be an integer");
        if (v->number() < min || v->number() > max)
            return invalid(key, "must be between " + formatJsonNumber(min) + " and " + formatJsonNumber(max));
        out = static_cast<std::int64_t>(v->number());
        return true;
    }
    bool number(const char* key, double min, double& out)
    {
        const JsonValue* v = m.get(key);
        if (!v) return invalid(key, "is required");
        if (!v->isNumber()) return invalid(key, "must be a number");
        if (v->number() < min) return invalid(key, "must be at least " + formatJsonNumber(min));
        out = v->number();
        return true;
    }
    bool string(const char* key, std::size_t minLen, std::size_t maxLen, std::string& out, bool required = true)
    {
        const JsonValue* v = m.get(key);
        if (!v) return required ? invalid(key, "is required") : true;
        if (!v->isString()) return invalid(key, "must be a string");
        if (v->string().size() < minLen || v->string().size() > maxLen) return invalid(key, "has a length out of range");
        out = v->string();
        return true;
    }
    bool oneOf(const char* key, std::initializer_list<const char*> options, std::string& out)
    {
        const JsonValue* v = m.get(key);
        if (!v) return invalid(key, "is required");
        if (v->isString())
            for (const char* o : options)
                if (v->string() == o) { out = o; return true; }
        std::string list;
        for (const char* o : options) list += (list.empty() ? "" : ", ") + std::string(o);
        return invalid(key, "must be one of " + list);
    }
};

bool over(Fault& fault, std::int64_t id, const char* limit, double max, double value)
{
    fault.code = "PROTO_LIMIT_EXCEEDED";
    fault.message = std::string(limit) + " is " + formatJsonNumber(max) + "; got " + formatJsonNumber(value) + ".";
    fault.id = id;
    fault.detailsJson =
        JsonWriter().beginObject().key("limit").value(limit).key("max").value(max).key("value").value(value).endObject().str();
    return false;
}

At atFrom(const std::string& s)
{
    return s == "now" ? At::Now : s == "bar" ? At::Bar : s == "last" ? At::Last : At::Next;
}

} // namespace

void applyWelcomeLimits(const JsonValue& limits, Limits& out)
{
    auto num = [&](const char* k, double lo, double hi, double& dst) {
        const JsonValue* v = limits.get(k);
        if (v && v->isNumber() && v->number() >= lo && v->number() <= hi) dst = v->number();
    };
    double d = 0;
    d = static_cast<double>(out.maxTextMessageBytes); num("maxTextMessageBytes", 1024, 1 << 24, d); out.maxTextMessageBytes = static_cast<std::size_t>(d);
    d = static_cast<double>(out.maxBinaryMessageBytes); num("maxBinaryMessageBytes", 4096, 1 << 28, d); out.maxBinaryMessageBytes = static_cast<std::size_t>(d);
    d = out.maxChannels; num("maxChannels", 1, 64, d); out.maxChannels = static_cast<int>(d);
    d = static_cast<double>(out.maxTransferFrames); num("maxTransferFrames", 1, kU32, d); out.maxTransferFrames = static_cast<std::int64_t>(d);
    d = static_cast<double>(out.maxTransferBytes); num("maxTransferBytes", 1, 1ull << 34, d); out.maxTransferBytes = static_cast<std::int64_t>(d);
    d = out.maxCaptureBars; num("maxCaptureBars", 1, 65535, d); out.maxCaptureBars = static_cast<int>(d);
    num("maxGain", 0, 1000, out.maxGain);
    num("transportRateHz", 0.1, 1000, out.transportRateHz);
    d = out.maxTakesPerPlugin; num("maxTakesPerPlugin", 1, 4096, d); out.maxTakesPerPlugin = static_cast<int>(d);
    d = out.pingIntervalMs; num("pingIntervalMs", 100, 3600000, d); out.pingIntervalMs = static_cast<int>(d);
}

bool parseHostMessage(const std::string& text, const Limits& limits, HostMessage& out, Fault& fault)
{
    out = HostMessage();
    fault = Fault();
    JsonValue m;
    std::string why;
    JsonLimits jl;
    jl.maxBytes = limits.maxTextMessageBytes;
    if (!parseJson(text, m, why, jl) || !m.isObject() || !m.get("type") || !m.get("type")->isString()) {
        fault.code = "PROTO_BAD_JSON";
        fault.message = why.empty() ? "A text message must be a JSON object with a string \"type\"." : "Invalid JSON: " + why + ".";
        return false;
    }
    const std::string type = m.get("type")->string();
    Checker c{m, fault};
    // A readable id makes a refusal the reply to that request.
    if (const JsonValue* idv = m.get("id"))
        if (idv->isNumber() && idv->number() >= 1 && idv->number() <= kU31 && idv->number() == std::floor(idv->number()))
            c.id = static_cast<std::int64_t>(idv->number());
    std::int64_t i = 0;
    std::string s;

    if (type == "welcome") {
        out.type = HostType::Welcome;
        const JsonValue* pv = m.get("protocol");
        if (!pv || !pv->isObject()) return c.invalid("protocol", "must be an object");
        Checker pc{*pv, fault};
        std::int64_t major = 0, minor = 0;
        if (!pc.integer("major", 0, 65535, major) || !pc.integer("minor", 0, 65535, minor)) return false;
        out.major = static_cast<int>(major);
        out.minor = static_cast<int>(minor);
        if (!c.string("session", 1, 64, out.session)) return false;
        if (!c.string("instanceId", 1, 64, out.instanceId, false)) return false;
        const JsonValue* sv = m.get("server");
        if (!sv || !sv->isObject()) return c.invalid("server", "must be an object");
        const JsonValue* lv = m.get("limits");
        if (!lv || !lv->isObject()) return c.invalid("limits", "must be an object");
        for (const auto& kv : lv->object())
            if (!kv.second.isNumber()) return c.invalid("limits/" + kv.first, "must be a number");
        out.limits = *lv;
        return true;
    }
    if (type == "error") {
        out.type = HostType::Error;
        bool hasId = false;
        if (!c.integer("id", 1, kU31, out.id, false, &hasId)) return false;
        if (!c.string("code", 1, 64, out.code) || !c.string("message", 0, 4096, out.message)) return false;
        for (char ch : out.code)
            if (!((ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_')) return c.invalid("code", "must be an upper-case code");
        const JsonValue* f = m.get("fatal");
        if (!f || !f->isBool()) return c.invalid("fatal", "must be a boolean");
        out.fatal = f->boolean();
        return true;
    }
    if (type == "capture") {
        out.type = HostType::Capture;
        if (!c.integer("id", 1, kU31, out.id)) return false;
        if (!c.oneOf("at", {"bar", "last"}, s)) return false;
        out.at = atFrom(s);
        if (!c.integer("bar", 0, kMaxSafe, out.bar, false, &out.hasBar)) return false;
        if (out.at == At::Bar && !out.hasBar) return c.invalid("bar", "is required when at is \"bar\"");
        if (!c.integer("bars", 1, 65535, i)) return false;
        out.bars = static_cast<int>(i);
        if (out.bars > limits.maxCaptureBars) return over(fault, out.id, "maxCaptureBars", limits.maxCaptureBars, out.bars);
        return true;
    }
    if (type == "take.begin") {
        out.type = HostType::TakeBegin;
        if (!c.integer("id", 1, kU31, out.id) || !c.integer("take", 1, kU32, i)) return false;
        out.take = static_cast<std::uint32_t>(i);
        if (!c.integer("frames", 1, kU32, out.frames)) return false;
        if (!c.integer("sampleRate", 22050, 192000, i)) return false;
        out.sampleRate = static_cast<int>(i);
        if (!c.integer("channels", 1, 65535, i)) return false;
        out.channels = static_cast<int>(i);
        if (!c.string("name", 0, 128, out.name, false)) return false;
        if (out.channels > limits.maxChannels) return over(fault, out.id, "maxChannels", limits.maxChannels, out.channels);
        if (out.frames > limits.maxTransferFrames)
            return over(fault, out.id, "maxTransferFrames", static_cast<double>(limits.maxTransferFrames), static_cast<double>(out.frames));
        const double bytes = 4.0 * out.channels * static_cast<double>(out.frames);
        if (bytes > static_cast<double>(limits.maxTransferBytes))
            return over(fault, out.id, "maxTransferBytes", static_cast<double>(limits.maxTransferBytes), bytes);
        return true;
    }
    if (type == "take.end" || type == "take.drop") {
        out.type = type == "take.end" ? HostType::TakeEnd : HostType::TakeDrop;
        if (!c.integer("id", 1, kU31, out.id) || !c.integer("take", 1, kU32, i)) return false;
        out.take = static_cast<std::uint32_t>(i);
        return true;
    }
    if (type == "play") {
        out.type = HostType::Play;
        if (!c.integer("id", 1, kU31, out.id) || !c.integer("take", 1, kU32, i)) return false;
        out.take = static_cast<std::uint32_t>(i);
        if (!c.oneOf("at", {"next", "bar"}, s)) return false;
        out.at = atFrom(s);
        if (!c.integer("bar", 0, kMaxSafe, out.bar, false, &out.hasBar)) return false;
        if (out.at == At::Bar && !out.hasBar) return c.invalid("bar", "is required when at is \"bar\"");
        if (!c.oneOf("mode", {"replace", "mix"}, s)) return false;
        out.mix = s == "mix";
        if (!c.number("gain", 0.0, out.gain)) return false;
        if (const JsonValue* l = m.get("loop")) {
            if (!l->isBool()) return c.invalid("loop", "must be a boolean");
            out.loop = l->boolean();
        }
        if (out.gain > limits.maxGain) return over(fault, out.id, "maxGain", limits.maxGain, out.gain);
        return true;
    }
    if (type == "stop") {
        out.type = HostType::Stop;
        if (!c.integer("id", 1, kU31, out.id)) return false;
        if (!c.oneOf("at", {"now", "next", "bar"}, s)) return false;
        out.at = atFrom(s);
        if (!c.integer("bar", 0, kMaxSafe, out.bar, false, &out.hasBar)) return false;
        if (out.at == At::Bar && !out.hasBar) return c.invalid("bar", "is required when at is \"bar\"");
        return true;
    }
    fault.id = c.id;
    if (type == "hello" || type == "identity" || type == "transport" || type == "status" || type == "captured" || type == "ok"
        || type == "capture.request" || type == "call" || type == "result" || type == "event") {
        fault.code = "PROTO_WRONG_ROLE";
        fault.message = "The host does not send \"" + type + "\" to a plugin.";
        return false;
    }
    fault.code = "PROTO_UNKNOWN_TYPE";
    fault.message = "Unknown message type \"" + type + "\".";
    fault.detailsJson = JsonWriter().beginObject().key("type").value(type).endObject().str();
    return false;
}

namespace {
void identityFields(JsonWriter& w, const Identity& id)
{
    w.beginObject().key("host").value(id.host);
    if (!id.hostVersion.empty()) w.key("hostVersion").value(id.hostVersion);
    w.key("format").value(id.format).key("trackName").value(id.trackName).key("instanceId").value(id.instanceId);
    w.key("sampleRate").value(id.sampleRate).key("channels").value(id.channels).key("latency").value(id.latency);
    w.key("historyFrames").value(id.historyFrames).endObject();
}
} // namespace

std::string writeHello(const Identity& identity, const std::string& clientVersion)
{
    JsonWriter w;
    w.beginObject().key("type").value("hello");
    w.key("protocol").beginObject().key("major").value(kMajor).key("minor").value(kMinor).endObject();
    w.key("role").value("plugin");
    w.key("client").beginObject().key("name").value("stylebridge-plugin").key("version").value(clientVersion).endObject();
    w.key("identity");
    identityFields(w, identity);
    return w.endObject().str();
}

std::string writeIdentity(const Identity& identity)
{
    JsonWriter w;
    w.beginObject().key("type").value("identity").key("identity");
    identityFields(w, identity);
    return w.endObject().str();
}

std::string writeTransport(const Transport& t)
{
    JsonWriter w;
    w.beginObject().key("type").value("transport").key("playing").value(t.playing).key("bpm").value(t.bpm);
    w.key("meterNum").value(t.meterNum).key("meterDen").value(t.meterDen).key("bar").value(t.bar).key("beat").value(t.beat);
    w.key("ppq").value(t.ppq).key("barStartPpq").value(t.barStartPpq).key("sample").value(t.sample);
    return w.endObject().str();
}

std::string writeStatus(const Status& s)
{
    JsonWriter w;
    w.beginObject().key("type").value("status").key("state").value(s.state).key("take").value(s.take);
    if (s.hasBar) w.key("bar").value(s.bar);
    w.key("takes").value(s.takes).key("drops").value(s.drops).key("underruns").value(s.underruns);
    return w.endObject().str();
}

std::string writeCaptured(const Captured& c)
{
    JsonWriter w;
    w.beginObject().key("type").value("captured").key("id").value(c.id).key("bar").value(c.bar).key("bars").value(c.bars);
    w.key("startSample").value(c.startSample).key("frames").value(c.frames).key("sampleRate").value(c.sampleRate);
    w.key("channels").value(c.channels).key("bpm").value(c.bpm).key("meterNum").value(c.meterNum).key("meterDen").value(c.meterDen);
    return w.endObject().str();
}

std::string writeOk(std::int64_t id, bool hasBar, std::int64_t bar)
{
    JsonWriter w;
    w.beginObject().key("type").value("ok").key("id").value(id);
    if (hasBar) w.key("bar").value(bar);
    return w.endObject().str();
}

std::string writeCaptureRequest(std::int64_t bar, int bars)
{
    JsonWriter w;
    w.beginObject().key("type").value("capture.request").key("bar").value(bar).key("bars").value(bars);
    return w.endObject().str();
}

std::string writeError(const Fault& f, bool fatal)
{
    JsonWriter w;
    w.beginObject().key("type").value("error");
    if (f.id > 0) w.key("id").value(f.id);
    w.key("code").value(f.code).key("message").value(f.message).key("fatal").value(fatal);
    if (!f.detailsJson.empty()) w.key("details").raw(f.detailsJson);
    return w.endObject().str();
}

// ---- frames ----

namespace {
std::uint16_t rd16(const std::uint8_t* p) { return static_cast<std::uint16_t>(p[0] | (p[1] << 8)); }
std::uint32_t rd32(const std::uint8_t* p)
{
    return static_cast<std::uint32_t>(p[0]) | (static_cast<std::uint32_t>(p[1]) << 8) | (static_cast<std::uint32_t>(p[2]) << 16)
           | (static_cast<std::uint32_t>(p[3]) << 24);
}
void wr16(std::string& s, std::size_t at, std::uint16_t v) { s[at] = static_cast<char>(v & 0xff); s[at + 1] = static_cast<char>(v >> 8); }
void wr32(std::string& s, std::size_t at, std::uint32_t v)
{
    for (int i = 0; i < 4; ++i) s[at + i] = static_cast<char>((v >> (8 * i)) & 0xff);
}
bool badFrame(Fault& f, const std::string& why)
{
    f.code = "PROTO_BAD_FRAME";
    f.message = "Malformed audio frame: " + why + ".";
    return false;
}
} // namespace

bool decodeFrame(const std::uint8_t* d, std::size_t len, int maxChannels, FrameHeader& h, const std::uint8_t*& samples,
                 Fault& fault, bool& headerReadable)
{
    headerReadable = false;
    samples = nullptr;
    fault = Fault();
    if (len < kFrameHeaderSize) return badFrame(fault, "shorter than the 40-byte header");
    if (std::memcmp(d, "SBAF", 4) != 0) return badFrame(fault, "bad magic");
    if (rd16(d + 4) != 1) return badFrame(fault, "header version is not 1");
    if (rd16(d + 6) != kFrameHeaderSize) return badFrame(fault, "header size is not 40");
    h.kind = d[8];
    h.flags = d[9];
    h.id = rd32(d + 12);
    h.sampleRate = rd32(d + 16);
    h.channels = rd16(d + 20);
    h.frameOffset = rd32(d + 24);
    h.frameCount = rd32(d + 28);
    h.totalFrames = rd32(d + 32);
    if (h.kind != CaptureAudio && h.kind != TakeAudio) return badFrame(fault, "unknown kind");
    headerReadable = true;
    if (h.channels < 1 || h.channels > maxChannels) return badFrame(fault, "channel count out of range");
    if (h.frameCount < 1) return badFrame(fault, "no frames");
    if (static_cast<std::uint64_t>(h.frameOffset) + h.frameCount > h.totalFrames) return badFrame(fault, "beyond the transfer's total");
    const std::uint64_t expected = kFrameHeaderSize + 4ull * h.channels * h.frameCount;
    if (len != expected) return badFrame(fault, "length does not match channels x frames");
    const bool last = static_cast<std::uint64_t>(h.frameOffset) + h.frameCount == h.totalFrames;
    if (((h.flags & kFlagLast) != 0) != last) return badFrame(fault, "last-chunk flag does not match the offsets");
    samples = d + kFrameHeaderSize;
    return true;
}

void readSamples(const FrameHeader& h, const std::uint8_t* samples, int channel, float* out)
{
    const std::uint8_t* p = samples + 4ull * channel * h.frameCount;
    for (std::uint32_t i = 0; i < h.frameCount; ++i, p += 4) {
        const std::uint32_t bits = rd32(p);
        float f;
        std::memcpy(&f, &bits, 4);
        out[i] = std::isfinite(f) ? f : 0.f;
    }
}

std::string encodeFrame(const FrameHeader& h, const float* const* channels)
{
    std::string s(kFrameHeaderSize + 4ull * h.channels * h.frameCount, '\0');
    std::memcpy(&s[0], "SBAF", 4);
    wr16(s, 4, 1);
    wr16(s, 6, kFrameHeaderSize);
    s[8] = static_cast<char>(h.kind);
    s[9] = static_cast<char>(h.flags);
    wr32(s, 12, h.id);
    wr32(s, 16, h.sampleRate);
    wr16(s, 20, h.channels);
    wr32(s, 24, h.frameOffset);
    wr32(s, 28, h.frameCount);
    wr32(s, 32, h.totalFrames);
    std::size_t at = kFrameHeaderSize;
    for (int c = 0; c < h.channels; ++c)
        for (std::uint32_t i = 0; i < h.frameCount; ++i, at += 4) {
            std::uint32_t bits;
            std::memcpy(&bits, &channels[c][i], 4);
            wr32(s, at, bits);
        }
    return s;
}

std::uint32_t maxFramesPerChunk(std::size_t maxMessageBytes, int channels)
{
    if (maxMessageBytes <= kFrameHeaderSize || channels < 1) return 1;
    return static_cast<std::uint32_t>((maxMessageBytes - kFrameHeaderSize) / (4u * static_cast<unsigned>(channels)));
}

} // namespace proto
} // namespace sb
