// The DPF plugin: a thin adapter from the plugin API to the framework-free core (AudioEngine + Bridge).
#include "DistrhoPlugin.hpp"
#include "DistrhoPluginUtils.hpp"

#include "AudioEngine.hpp"
#include "HostPosition.hpp"
#include "HostTrackName.hpp"
#include "Parameters.hpp"
#include "net/Bridge.hpp"

#include <atomic>
#include <cstring>
#include <cmath>
#include <memory>
#include <mutex>
#include <random>
#include <string>

#if defined(__linux__)
#include <unistd.h>
#endif

START_NAMESPACE_DISTRHO

namespace {

// The wrapper this binary was built for. DPF asks plugins not to branch on it; the position decoder
// must, to undo each wrapper's own bar arithmetic (see core/HostPosition.hpp).
sb::PluginFormat buildFormat()
{
    const std::string f = getPluginFormatName();
    return f == "VST3" ? sb::PluginFormat::Vst3 : f == "CLAP" ? sb::PluginFormat::Clap : f == "LV2" ? sb::PluginFormat::Lv2 : sb::PluginFormat::Other;
}

const char* formatName()
{
    switch (buildFormat()) {
    case sb::PluginFormat::Vst3: return "vst3";
    case sb::PluginFormat::Clap: return "clap";
    case sb::PluginFormat::Lv2: return "lv2";
    default: return "test";
    }
}

// The DAW's name for `identity.host`: the executable's name where the OS tells it.
std::string hostName()
{
#if defined(__linux__)
    char buf[512];
    const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n > 0) {
        std::string p(buf, static_cast<std::size_t>(n));
        const std::size_t slash = p.find_last_of('/');
        std::string name = slash == std::string::npos ? p : p.substr(slash + 1);
        if (!name.empty()) return name.substr(0, 128);
    }
#endif
    return "unknown";
}

std::string randomInstanceId()
{
    std::random_device rd;
    std::mt19937_64 rng((static_cast<std::uint64_t>(rd()) << 32) ^ rd());
    static const char* hex = "0123456789abcdef";
    std::string id;
    for (int i = 0; i < 16; ++i) id += hex[rng() & 15];
    return id;
}

} // namespace

class StylebridgePlugin : public Plugin {
public:
    StylebridgePlugin()
        : Plugin(sb::kParamCount, 0, 1), decoder_(buildFormat()), bridge_(new sb::Bridge(engine_)), instanceId_(randomInstanceId())
    {
        for (uint32_t i = 0; i < sb::kParamCount; ++i) values_[i] = sb::kParameters[i].def;
        // Built inside a format adapter that knows the DAW's track name (CLAP track-info, VST3 channel context).
        trackTarget_ = sb::constructingTrackNameTarget();
        if (trackTarget_) {
            trackTarget_->ctx = this;
            trackTarget_->deliver = [](void* self, const char* name) { static_cast<StylebridgePlugin*>(self)->setTrackName(name); };
        }
    }

    ~StylebridgePlugin() override
    {
        if (trackTarget_) trackTarget_->deliver = nullptr;
        bridge_->stop();
        engine_.deactivate();
    }

protected:
    const char* getLabel() const override { return "Stylebridge"; }
    const char* getDescription() const override
    {
        return "Bridges a DAW track to the Stylebridge app: captures bars sample-exactly and plays variations in step with the transport.";
    }
    const char* getMaker() const override { return "Stylebridge"; }
    const char* getHomePage() const override { return "https://stylebridge.invalid/"; }
    const char* getLicense() const override { return "Proprietary"; }
    uint32_t getVersion() const override { return d_version(0, 1, 0); }
    int64_t getUniqueId() const override { return d_cconst('S', 'b', 'p', 'l'); }

    void initParameter(uint32_t index, Parameter& p) override
    {
        if (index >= sb::kParamCount) return;
        const sb::ParameterSpec& s = sb::kParameters[index];
        p.symbol = s.symbol;
        p.name = s.name;
        p.unit = s.unit;
        p.ranges.min = s.min;
        p.ranges.max = s.max;
        p.ranges.def = s.def;
        p.hints = 0;
        if (s.automatable) p.hints |= kParameterIsAutomatable;
        if (s.boolean) p.hints |= kParameterIsBoolean;
        if (s.integer) p.hints |= kParameterIsInteger;
        if (s.output) p.hints |= kParameterIsOutput;
        if (index == sb::kParamMode) {
            p.enumValues.count = 3;
            p.enumValues.restrictedMode = true;
            ParameterEnumerationValue* v = new ParameterEnumerationValue[3];
            for (int i = 0; i < 3; ++i) { v[i].value = static_cast<float>(i); v[i].label = sb::kModeLabels[i]; }
            p.enumValues.values = v;
        }
    }

    float getParameterValue(uint32_t index) const override
    {
        if (index == sb::kParamConnected) return bridge_->connected() ? 1.f : 0.f;
        return index < sb::kParamCount ? values_[index].load(std::memory_order_relaxed) : 0.f;
    }

    void setParameterValue(uint32_t index, float value) override
    {
        if (index < sb::kParamCount && !sb::kParameters[index].output) values_[index].store(value, std::memory_order_relaxed);
    }

    void initState(uint32_t index, State& state) override
    {
        if (index != 0) return;
        state.key = "instanceId";
        state.defaultValue = "";
        state.label = "Instance id";
        state.hints = kStateIsOnlyForDSP;
    }

    String getState(const char* key) const override
    {
        if (std::strcmp(key, "instanceId") != 0) return String();
        const std::string id = bridge_->instanceId();
        return String(id.empty() ? instanceId_.c_str() : id.c_str());
    }

    void setState(const char* key, const char* value) override
    {
        if (std::strcmp(key, "instanceId") == 0 && value && *value) instanceId_ = value;
    }

    void activate() override
    {
        engine_.activate(getSampleRate(), getBufferSize());
        decoder_.setSampleRate(getSampleRate());
        decoder_.reset();
        sb::proto::Identity id;
        id.host = hostName();
        id.format = formatName();
        id.instanceId = instanceId_;
        {
            std::lock_guard<std::mutex> lock(trackNameMutex_);
            id.trackName = trackName_;
        }
        id.sampleRate = static_cast<int>(std::lround(getSampleRate()));
        id.channels = 2;
        id.latency = 0;
        bridge_->start(id);
    }

    void deactivate() override
    {
        bridge_->stop();
        engine_.deactivate();
    }

    // [rt]
    void run(const float** inputs, float** outputs, uint32_t frames) override
    {
        const TimePosition& t = getTimePosition();
        sb::DpfTimeFields f;
        f.playing = t.playing;
        f.frame = t.frame;
        f.bbtValid = t.bbt.valid;
        f.bar = t.bbt.bar;
        f.beat = t.bbt.beat;
        f.tick = t.bbt.tick;
        f.ticksPerBeat = t.bbt.ticksPerBeat;
        f.beatsPerBar = t.bbt.beatsPerBar;
        f.beatType = t.bbt.beatType;
        f.beatsPerMinute = t.bbt.beatsPerMinute;
        const sb::HostPosition pos = decoder_.decode(f, frames);
        sb::Controls c;
        c.capture = values_[sb::kParamCapture].load(std::memory_order_relaxed);
        c.playback.modeOverride = static_cast<int>(values_[sb::kParamMode].load(std::memory_order_relaxed) + 0.5f);
        c.playback.trim = std::pow(10.f, values_[sb::kParamGain].load(std::memory_order_relaxed) / 20.f);
        c.playback.monitor = values_[sb::kParamMonitor].load(std::memory_order_relaxed) >= 0.5f;
        engine_.process(inputs, outputs, frames, pos, c);
    }

    void sampleRateChanged(double) override
    {
        if (engine_.active()) { deactivate(); activate(); }
    }

private:
    // [main thread] The DAW renamed the track (or told its name first): kept for the next activation and sent
    // to the app at once when connected (protocol 4.1). At most 256 bytes, cut on a UTF-8 character boundary.
    void setTrackName(const char* utf8)
    {
        std::string name(utf8);
        if (name.size() > 256) {
            std::size_t n = 256;
            while (n > 0 && (static_cast<unsigned char>(name[n]) & 0xC0) == 0x80) --n;
            name.resize(n);
        }
        {
            std::lock_guard<std::mutex> lock(trackNameMutex_);
            trackName_ = name;
        }
        bridge_->setTrackName(name);
    }

    sb::AudioEngine engine_;
    sb::PositionDecoder decoder_;
    std::unique_ptr<sb::Bridge> bridge_;
    std::string instanceId_;
    std::atomic<float> values_[sb::kParamCount];
    sb::TrackNameTarget* trackTarget_ = nullptr;
    std::mutex trackNameMutex_;
    std::string trackName_;

    DISTRHO_DECLARE_NON_COPYABLE_WITH_LEAK_DETECTOR(StylebridgePlugin)
};

Plugin* createPlugin() { return new StylebridgePlugin(); }

END_NAMESPACE_DISTRHO
