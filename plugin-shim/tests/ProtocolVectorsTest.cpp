// Tests the plugin's protocol codec against the shared test/vectors/ files the TypeScript side uses.
#include "../core/net/Json.hpp"
#include "../core/net/Protocol.hpp"
#include "Check.hpp"

#include <fstream>
#include <sstream>

using namespace sb;
using namespace sb::proto;

namespace {

std::string dir() { return STYLEBRIDGE_VECTORS_DIR; }
std::string slurp(const std::string& path)
{
    std::ifstream f(path, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}
JsonValue readJson(const std::string& path)
{
    JsonValue v;
    std::string err;
    if (!parseJson(slurp(path), v, err, JsonLimits{1 << 24, 64})) std::printf("  cannot parse %s: %s\n", path.c_str(), err.c_str());
    return v;
}
const JsonValue& index()
{
    static JsonValue v = readJson(dir() + "/index.json");
    return v;
}
double num(const JsonValue& o, const char* k) { const JsonValue* v = o.get(k); return v && v->isNumber() ? v->number() : -1; }
std::string str(const JsonValue& o, const char* k) { const JsonValue* v = o.get(k); return v && v->isString() ? v->string() : ""; }

} // namespace

TEST_CASE("the vector index is found and lists frames and messages")
{
    CHECK(index().isObject());
    CHECK(index().get("frames") && index().get("frames")->array().size() >= 5);
    CHECK(index().get("messages") && index().get("messages")->array().size() >= 10);
}

TEST_CASE("every valid frame decodes to its JSON description and re-encodes to the same bytes")
{
    int checked = 0;
    for (const JsonValue& e : index().get("frames")->array()) {
        const std::string bin = slurp(dir() + "/" + str(e, "bin"));
        const JsonValue want = readJson(dir() + "/" + str(e, "json"));
        const JsonValue& wh = *want.get("header");
        FrameHeader h;
        const std::uint8_t* samples = nullptr;
        Fault f;
        bool readable = false;
        const bool ok = decodeFrame(reinterpret_cast<const std::uint8_t*>(bin.data()), bin.size(), 8, h, samples, f, readable);
        CHECK(ok);
        if (!ok) { std::printf("  %s: %s\n", str(e, "name").c_str(), f.message.c_str()); continue; }
        CHECK(h.kind == num(wh, "kind") && h.flags == num(wh, "flags") && h.id == num(wh, "id"));
        CHECK(h.sampleRate == num(wh, "sampleRate") && h.channels == num(wh, "channels"));
        CHECK(h.frameOffset == num(wh, "frameOffset") && h.frameCount == num(wh, "frameCount") && h.totalFrames == num(wh, "totalFrames"));
        std::vector<std::vector<float>> ch(h.channels, std::vector<float>(h.frameCount));
        std::vector<const float*> ptrs;
        for (int c = 0; c < h.channels; ++c) {
            readSamples(h, samples, c, ch[c].data());
            ptrs.push_back(ch[c].data());
            const auto& ws = want.get("samples")->array()[c].array();
            bool same = ws.size() == h.frameCount;
            for (std::size_t i = 0; same && i < ws.size(); ++i) same = static_cast<double>(ch[c][i]) == ws[i].number();
            CHECK(same);
        }
        if (e.get("roundTrip") && e.get("roundTrip")->boolean()) CHECK(encodeFrame(h, ptrs.data()) == bin);
        ++checked;
    }
    CHECK(checked >= 5);
}

TEST_CASE("every invalid frame is refused with PROTO_BAD_FRAME")
{
    for (const JsonValue& e : index().get("invalidFrames")->array()) {
        const std::string bin = slurp(dir() + "/" + str(e, "bin"));
        FrameHeader h;
        const std::uint8_t* samples = nullptr;
        Fault f;
        bool readable = false;
        const bool ok = decodeFrame(reinterpret_cast<const std::uint8_t*>(bin.data()), bin.size(), 8, h, samples, f, readable);
        CHECK(!ok);
        CHECK(f.code == str(e, "error"));
        if (ok) std::printf("  accepted %s\n", str(e, "name").c_str());
    }
}

TEST_CASE("every host-to-plugin message is accepted and its fields read")
{
    int n = 0;
    for (const JsonValue& e : index().get("messages")->array()) {
        if (str(e, "sender") != "host" || str(e, "role") != "plugin") continue;
        const std::string text = slurp(dir() + "/" + str(e, "file"));
        const JsonValue j = readJson(dir() + "/" + str(e, "file"));
        HostMessage m;
        Fault f;
        const bool ok = parseHostMessage(text, Limits{}, m, f);
        CHECK(ok);
        if (!ok) { std::printf("  %s: %s %s\n", str(e, "name").c_str(), f.code.c_str(), f.message.c_str()); continue; }
        if (j.get("id")) CHECK(m.id == num(j, "id"));
        if (j.get("take")) CHECK(m.take == num(j, "take"));
        if (j.get("bar")) CHECK(m.hasBar && m.bar == num(j, "bar"));
        if (j.get("bars")) CHECK(m.bars == num(j, "bars"));
        if (j.get("frames")) CHECK(m.frames == num(j, "frames"));
        if (j.get("channels")) CHECK(m.channels == num(j, "channels"));
        if (j.get("sampleRate")) CHECK(m.sampleRate == num(j, "sampleRate"));
        if (j.get("gain")) CHECK(m.gain == num(j, "gain"));
        if (j.get("mode")) CHECK(m.mix == (str(j, "mode") == "mix"));
        if (j.get("code")) CHECK(m.code == str(j, "code"));
        if (j.get("session")) CHECK(m.session == str(j, "session"));
        if (j.get("limits")) {
            Limits l;
            l.maxGain = 1;
            applyWelcomeLimits(m.limits, l);
            CHECK(l.maxGain == num(*j.get("limits"), "maxGain"));
        }
        ++n;
    }
    CHECK(n >= 8);
}

TEST_CASE("what the plugin writes for each plugin message's values parses to the same JSON")
{
    int n = 0;
    for (const JsonValue& e : index().get("messages")->array()) {
        if (str(e, "sender") != "plugin" || str(e, "name") == "hello-plugin-newer-minor") continue;
        const JsonValue j = readJson(dir() + "/" + str(e, "file"));
        const std::string type = str(j, "type");
        std::string written;
        auto identity = [&](const JsonValue& o) {
            Identity id;
            id.host = str(o, "host");
            id.hostVersion = str(o, "hostVersion");
            id.format = str(o, "format");
            id.trackName = str(o, "trackName");
            id.instanceId = str(o, "instanceId");
            id.sampleRate = static_cast<int>(num(o, "sampleRate"));
            id.channels = static_cast<int>(num(o, "channels"));
            id.latency = static_cast<std::int64_t>(num(o, "latency"));
            id.historyFrames = static_cast<std::int64_t>(num(o, "historyFrames"));
            return id;
        };
        if (type == "hello") written = writeHello(identity(*j.get("identity")), str(*j.get("client"), "version"));
        else if (type == "identity") written = writeIdentity(identity(*j.get("identity")));
        else if (type == "transport") {
            Transport t{j.get("playing")->boolean(), num(j, "bpm"), (int)num(j, "meterNum"), (int)num(j, "meterDen"),
                        (std::int64_t)num(j, "bar"), num(j, "beat"), num(j, "ppq"), num(j, "barStartPpq"), (std::int64_t)num(j, "sample")};
            written = writeTransport(t);
        } else if (type == "status") {
            static std::string state;
            state = str(j, "state");
            Status s{state.c_str(), (std::uint32_t)num(j, "take"), j.get("bar") != nullptr, (std::int64_t)num(j, "bar"),
                     (std::int64_t)num(j, "takes"), (std::int64_t)num(j, "drops"), (std::int64_t)num(j, "underruns")};
            written = writeStatus(s);
        } else if (type == "captured") {
            Captured c{(std::int64_t)num(j, "id"), (std::int64_t)num(j, "bar"), (int)num(j, "bars"), (std::int64_t)num(j, "startSample"),
                       (std::int64_t)num(j, "frames"), (int)num(j, "sampleRate"), (int)num(j, "channels"), num(j, "bpm"),
                       (int)num(j, "meterNum"), (int)num(j, "meterDen")};
            written = writeCaptured(c);
        } else if (type == "ok") {
            written = writeOk((std::int64_t)num(j, "id"), j.get("bar") != nullptr, (std::int64_t)num(j, "bar"));
        } else if (type == "capture.request") {
            written = writeCaptureRequest((std::int64_t)num(j, "bar"), (int)num(j, "bars"));
        } else if (type == "error") {
            Fault f;
            f.code = str(j, "code");
            f.message = str(j, "message");
            f.id = (std::int64_t)num(j, "id");
            if (j.get("details")) f.detailsJson = JsonWriter().beginObject().key("bar").value(num(*j.get("details"), "bar")).endObject().str();
            written = writeError(f, j.get("fatal")->boolean());
        } else {
            std::printf("  no writer for %s\n", type.c_str());
            CHECK(false);
            continue;
        }
        JsonValue back;
        std::string err;
        CHECK(parseJson(written, back, err));
        const bool same = back == j;
        CHECK(same);
        if (!same) std::printf("  %s: wrote %s\n", str(e, "name").c_str(), written.c_str());
        ++n;
    }
    CHECK(n >= 8);
}

TEST_CASE("every invalid host-to-plugin message is refused with the expected code")
{
    int n = 0;
    for (const JsonValue& e : index().get("invalidMessages")->array()) {
        if (str(e, "sender") != "host") continue;
        const std::string text = slurp(dir() + "/" + str(e, "file"));
        HostMessage m;
        Fault f;
        CHECK(!parseHostMessage(text, Limits{}, m, f));
        const bool same = f.code == str(e, "error");
        CHECK(same);
        if (!same) std::printf("  %s: got %s, want %s\n", str(e, "name").c_str(), f.code.c_str(), str(e, "error").c_str());
        ++n;
    }
    CHECK(n >= 5);
}

TEST_CASE("generic malformed text gets the same codes the host uses")
{
    const char* cases[][2] = {{"{\"type\":\"transport\",", "PROTO_BAD_JSON"}, {"[1,2,3]", "PROTO_BAD_JSON"},
                              {"{\"id\":3}", "PROTO_BAD_JSON"},          {"{\"type\":5}", "PROTO_BAD_JSON"},
                              {"{\"type\":\"teleport\",\"id\":5}", "PROTO_UNKNOWN_TYPE"},
                              {"{\"type\":\"transport\"}", "PROTO_WRONG_ROLE"}};
    for (auto& c : cases) {
        HostMessage m;
        Fault f;
        CHECK(!parseHostMessage(c[0], Limits{}, m, f));
        CHECK(f.code == c[1]);
    }
}

TEST_CASE("a text message over maxTextMessageBytes is refused before parsing")
{
    Limits l;
    l.maxTextMessageBytes = 64;
    std::string big = "{\"type\":\"stop\",\"id\":1,\"at\":\"now\",\"pad\":\"" + std::string(100, 'x') + "\"}";
    HostMessage m;
    Fault f;
    CHECK(!parseHostMessage(big, l, m, f));
    CHECK(f.message.find("longer than 64") != std::string::npos);
}

TEST_CASE("the JSON reader refuses deep nesting, bad UTF-8 and lone surrogates, and keeps the C locale for numbers")
{
    JsonValue v;
    std::string err;
    CHECK(!parseJson(std::string(100, '[') + std::string(100, ']'), v, err));
    CHECK(!parseJson("\"\xC3\x28\"", v, err));
    CHECK(!parseJson("\"\\ud800\"", v, err));
    CHECK(parseJson("\"\\ud83c\\udfb5\"", v, err) && v.string() == "\xF0\x9F\x8E\xB5");
    CHECK(parseJson("[1.5e3, -0.25]", v, err) && v.array()[0].number() == 1500 && v.array()[1].number() == -0.25);
    CHECK(!parseJson("01", v, err));
    CHECK(!parseJson("1e999", v, err));
    CHECK(formatJsonNumber(0.1) == "0.10000000000000001" || formatJsonNumber(0.1) == "0.1");
    CHECK(formatJsonNumber(96000) == "96000");
}

TEST_MAIN
