// libFuzzer target: the plugin's decoders of untrusted bytes (text messages, audio frames, WebSocket frames, bridge.json).
#include "../core/net/Discovery.hpp"
#include "../core/net/Protocol.hpp"
#include "../core/net/WebSocket.hpp"

#include <cstdint>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size == 0) return 0;
    // The first byte picks the decoder so one corpus exercises all three.
    const std::uint8_t* p = data + 1;
    const std::size_t n = size - 1;
    switch (data[0] % 4) {
    case 0: {
        sb::proto::HostMessage m;
        sb::proto::Fault f;
        sb::proto::Limits l;
        l.maxTextMessageBytes = 4096;
        sb::proto::parseHostMessage(std::string(reinterpret_cast<const char*>(p), n), l, m, f);
        break;
    }
    case 1: {
        sb::proto::FrameHeader h;
        const std::uint8_t* samples = nullptr;
        sb::proto::Fault f;
        bool readable = false;
        if (sb::proto::decodeFrame(p, n, 8, h, samples, f, readable)) {
            std::vector<float> out(h.frameCount);
            for (int c = 0; c < h.channels; ++c) sb::proto::readSamples(h, samples, c, out.data());
        }
        break;
    }
    case 3: {
        sb::BridgeInfo info;
        std::string err;
        sb::parseBridgeJson(std::string(reinterpret_cast<const char*>(p), n), info, err);
        break;
    }
    default: {
        sb::ws::FrameParser parser(4096);
        parser.feed(p, n);
        sb::ws::Message msg;
        while (parser.next(msg) == sb::ws::FrameParser::Result::Message) {}
        break;
    }
    }
    return 0;
}
