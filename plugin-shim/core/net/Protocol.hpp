// Protocol v1 on the plugin side (docs/protocol.md): host message parsing with validation, plugin message writers, audio frames.
#pragma once

#include "Json.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace sb {
namespace proto {

constexpr int kMajor = 1;
constexpr int kMinor = 1; // 1.1: capture.request

// The limits of docs/protocol.md section 7 that the plugin enforces; defaults are v1's, replaced by
// the values the host sends in `welcome.limits`.
struct Limits {
    std::size_t maxTextMessageBytes = 65536;
    std::size_t maxBinaryMessageBytes = 1048576;
    int maxChannels = 8;
    std::int64_t maxTransferFrames = 4194304;
    std::int64_t maxTransferBytes = 67108864;
    int maxCaptureBars = 32;
    double maxGain = 4.0;
    double transportRateHz = 30.0;
    int maxTakesPerPlugin = 16;
    int pingIntervalMs = 15000;
};
void applyWelcomeLimits(const JsonValue& limits, Limits& out);

// A refusal: a stable code of src/common/error-codes.ts, a message for people, the request id when readable.
struct Fault {
    std::string code;
    std::string message;
    std::int64_t id = 0; // 0: none
    std::string detailsJson; // an encoded JSON object, or empty
};

enum class HostType { Welcome, Error, Capture, TakeBegin, TakeEnd, TakeDrop, Play, Stop };
enum class At { Now, Next, Bar, Last };

// One validated message from the host to a plugin. Only the fields of its type are meaningful.
struct HostMessage {
    HostType type = HostType::Error;
    std::int64_t id = 0;
    // welcome
    int major = 0, minor = 0;
    std::string session, instanceId;
    JsonValue limits;
    // error
    std::string code, message;
    bool fatal = false;
    // capture / play / stop
    At at = At::Next;
    bool hasBar = false;
    std::int64_t bar = 0;
    int bars = 1;
    // take.*
    std::uint32_t take = 0;
    std::int64_t frames = 0;
    int sampleRate = 0;
    int channels = 0;
    std::string name;
    // play
    bool mix = false;
    double gain = 1.0;
    bool loop = true;
};

// Parses and validates one text message the host sent on /plugin. False with `fault` filled
// (PROTO_BAD_JSON, PROTO_UNKNOWN_TYPE, PROTO_WRONG_ROLE, PROTO_INVALID_MESSAGE, PROTO_LIMIT_EXCEEDED).
bool parseHostMessage(const std::string& text, const Limits& limits, HostMessage& out, Fault& fault);

// ---- plugin to host -----------------------------------------------------------------------------
struct Identity {
    std::string host = "unknown", hostVersion, format = "test", trackName, instanceId;
    int sampleRate = 48000;
    int channels = 2;
    std::int64_t latency = 0;
    std::int64_t historyFrames = 0;
};
struct Transport {
    bool playing = false;
    double bpm = 120.0;
    int meterNum = 4, meterDen = 4;
    std::int64_t bar = 0;
    double beat = 0.0, ppq = 0.0, barStartPpq = 0.0;
    std::int64_t sample = 0;
};
struct Status {
    const char* state = "idle"; // idle | armed | playing
    std::uint32_t take = 0;
    bool hasBar = false;
    std::int64_t bar = 0;
    std::int64_t takes = 0, drops = 0, underruns = 0;
};
struct Captured {
    std::int64_t id = 0, bar = 0;
    int bars = 1;
    std::int64_t startSample = 0, frames = 0;
    int sampleRate = 48000, channels = 2;
    double bpm = 120.0;
    int meterNum = 4, meterDen = 4;
};

std::string writeHello(const Identity& identity, const std::string& clientVersion);
std::string writeIdentity(const Identity& identity);
std::string writeTransport(const Transport& t);
std::string writeStatus(const Status& s);
std::string writeCaptured(const Captured& c);
std::string writeOk(std::int64_t id, bool hasBar = false, std::int64_t bar = 0);
// Since 1.1 (send only when the welcome's minor is >= 1): ask the host to capture bars already heard.
std::string writeCaptureRequest(std::int64_t bar, int bars);
std::string writeError(const Fault& f, bool fatal = false);

// ---- binary audio frames (section 6) --------------------------------------------------------------
constexpr std::size_t kFrameHeaderSize = 40;
enum FrameKind : std::uint8_t { CaptureAudio = 1, TakeAudio = 2 };
constexpr std::uint8_t kFlagLast = 1;

struct FrameHeader {
    std::uint8_t kind = CaptureAudio;
    std::uint8_t flags = 0;
    std::uint32_t id = 0;
    std::uint32_t sampleRate = 0;
    std::uint16_t channels = 0;
    std::uint32_t frameOffset = 0, frameCount = 0, totalFrames = 0;
};

// Checks one binary message. On success `samples` points at the planar float32 payload (little-endian,
// possibly unaligned: read it with readSamples). On failure: fault PROTO_BAD_FRAME; `headerReadable`
// says whether kind/id in `h` name a transfer to abort.
bool decodeFrame(const std::uint8_t* data, std::size_t len, int maxChannels, FrameHeader& h, const std::uint8_t*& samples,
                 Fault& fault, bool& headerReadable);
// Copies channel c of a decoded frame into out (frameCount floats), NaN/Inf replaced by 0.
void readSamples(const FrameHeader& h, const std::uint8_t* samples, int channel, float* out);
// Encodes one frame; channel c's samples are channels[c][0..frameCount).
std::string encodeFrame(const FrameHeader& h, const float* const* channels);
// Largest frameCount whose frame fits in maxMessageBytes.
std::uint32_t maxFramesPerChunk(std::size_t maxMessageBytes, int channels);

} // namespace proto
} // namespace sb
