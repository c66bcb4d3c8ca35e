// The plugin's parameters: one enum and one table (symbol, name, range, default, hints).
#pragma once

#include <cstdint>

namespace sb {

enum ParameterId : std::uint32_t {
    kParamCapture = 0, // rising edge: capture the last complete bar (automate it to script captures)
    kParamMode,        // 0 as the app asks, 1 replace, 2 mix
    kParamGain,        // dB trim on the take
    kParamMonitor,     // 0: pass-through while keeping the take in phase
    kParamConnected,   // output: 1 while connected to the app
    kParamCount
};

struct ParameterSpec {
    const char* symbol;
    const char* name;
    const char* unit;
    float min, max, def;
    bool automatable, boolean, integer, output;
};

constexpr ParameterSpec kParameters[kParamCount] = {
    {"capture", "Capture", "", 0.f, 1.f, 0.f, true, true, true, false},
    {"mode", "Mode", "", 0.f, 2.f, 0.f, true, false, true, false},
    {"gain", "Take gain", "dB", -60.f, 12.f, 0.f, true, false, false, false},
    {"monitor", "Monitor", "", 0.f, 1.f, 1.f, true, true, true, false},
    {"connected", "Connected", "", 0.f, 1.f, 0.f, false, true, true, true},
};

constexpr const char* kModeLabels[3] = {"As sent", "Replace", "Mix"};

} // namespace sb
