// A small CLAP host for tests and benchmarks: loads a .clap, drives a synthetic transport, feeds a timeline signal, records the output.
//
// Usage: clap-host --plugin PATH.clap [--rate 48000] [--bpm 120] [--num 4] [--den 4] [--block 256]
//                  [--seconds 10] [--speed 1] [--start-ppq 0] [--out FILE.f32] [--event T:capture|T:stop|T:play|T:locate=PPQ]...
//                  [--expect-passthrough 1]   (exit 1 unless every output sample equals its input sample)
//                  [--track-name NAME] [--event T:rename=NAME]   (the track-info extension: the track's name, renamed at T)
// The input at timeline sample s is (s mod 2^24) / 2^24 on the left and its negative on the right (exact floats),
// silence while stopped. --speed 1 paces blocks in real time (0: as fast as possible). The output is written
// interleaved float32. A JSON summary (process() timings against the block budget) goes to stdout.
#include "clap/entry.h"
#include "clap/events.h"
#include "clap/plugin-factory.h"
#include "clap/host.h"
#include "clap/plugin.h"
#include "clap/process.h"
#include "clap/string-sizes.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <string>
#include <thread>
#include <vector>

namespace {

struct Event {
    double at;
    std::string what;
    double value;
    std::string text;
};

// The track-info extension of the CLAP specification (not in DPF 1.6's headers); same layout as the plugin's.
constexpr const char* kTrackInfo = "clap.track-info/1";
struct TrackInfo {
    std::uint64_t flags;
    char name[CLAP_NAME_SIZE];
    struct { std::uint8_t alpha, red, green, blue; } color;
    std::int32_t audioChannelCount;
    const char* audioPortType;
};
struct HostTrackInfo { bool(CLAP_ABI* get)(const clap_host_t*, TrackInfo*); };
struct PluginTrackInfo { void(CLAP_ABI* changed)(const clap_plugin_t*); };
std::string gTrackName; // empty: the host offers no track-info
bool CLAP_ABI trackInfoGet(const clap_host_t*, TrackInfo* info)
{
    *info = TrackInfo{};
    info->flags = 1; // CLAP_TRACK_INFO_HAS_TRACK_NAME
    std::snprintf(info->name, sizeof info->name, "%s", gTrackName.c_str());
    info->audioChannelCount = 2;
    return true;
}
const HostTrackInfo kHostTrackInfo = {trackInfoGet};

struct Options {
    std::string plugin, out;
    double rate = 48000, bpm = 120, seconds = 10, speed = 1, startPpq = 0;
    int num = 4, den = 4, block = 256;
    bool expectPassthrough = false;
    std::vector<Event> events;
};

bool parse(int argc, char** argv, Options& o)
{
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        const char* v = i + 1 < argc ? argv[i + 1] : nullptr;
        if (!v) return false;
        ++i;
        if (a == "--plugin") o.plugin = v;
        else if (a == "--out") o.out = v;
        else if (a == "--rate") o.rate = std::atof(v);
        else if (a == "--bpm") o.bpm = std::atof(v);
        else if (a == "--num") o.num = std::atoi(v);
        else if (a == "--den") o.den = std::atoi(v);
        else if (a == "--block") o.block = std::atoi(v);
        else if (a == "--seconds") o.seconds = std::atof(v);
        else if (a == "--speed") o.speed = std::atof(v);
        else if (a == "--start-ppq") o.startPpq = std::atof(v);
        else if (a == "--expect-passthrough") o.expectPassthrough = std::atoi(v) != 0;
        else if (a == "--track-name") gTrackName = v;
        else if (a == "--event") {
            const std::string e = v;
            const std::size_t colon = e.find(':');
            if (colon == std::string::npos) return false;
            Event ev{std::atof(e.substr(0, colon).c_str()), e.substr(colon + 1), 0, ""};
            const std::size_t eq = ev.what.find('=');
            if (eq != std::string::npos) {
                ev.text = ev.what.substr(eq + 1);
                ev.value = std::atof(ev.text.c_str());
                ev.what = ev.what.substr(0, eq);
            }
            o.events.push_back(ev);
        } else return false;
    }
    return !o.plugin.empty() && o.block > 0 && o.rate > 0;
}

// Input events: at most one parameter change per block.
struct InEvents {
    clap_input_events_t list{};
    clap_event_param_value_t param{};
    bool has = false;
    InEvents()
    {
        list.ctx = this;
        list.size = [](const clap_input_events_t* l) -> uint32_t { return static_cast<const InEvents*>(l->ctx)->has ? 1u : 0u; };
        list.get = [](const clap_input_events_t* l, uint32_t) -> const clap_event_header_t* {
            return &static_cast<const InEvents*>(l->ctx)->param.header;
        };
    }
    void set(clap_id id, double value)
    {
        param = clap_event_param_value_t{};
        param.header.size = sizeof param;
        param.header.time = 0;
        param.header.space_id = CLAP_CORE_EVENT_SPACE_ID;
        param.header.type = CLAP_EVENT_PARAM_VALUE;
        param.param_id = id;
        param.note_id = -1;
        param.port_index = -1;
        param.channel = -1;
        param.key = -1;
        param.value = value;
        has = true;
    }
};

clap_output_events_t outEvents()
{
    clap_output_events_t o{};
    o.try_push = [](const clap_output_events_t*, const clap_event_header_t*) { return true; };
    return o;
}

} // namespace

int main(int argc, char** argv)
{
    Options o;
    if (!parse(argc, argv, o)) {
        std::fprintf(stderr, "usage: clap-host --plugin PATH.clap [--rate R] [--bpm B] [--num N] [--den D] [--block F] [--seconds S] [--speed X] [--start-ppq P] [--out FILE] [--event T:what[=v]]...\n");
        return 2;
    }
    void* lib = dlopen(o.plugin.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!lib) { std::fprintf(stderr, "cannot load %s: %s\n", o.plugin.c_str(), dlerror()); return 1; }
    auto* entry = static_cast<const clap_plugin_entry_t*>(dlsym(lib, "clap_entry"));
    if (!entry || !entry->init(o.plugin.c_str())) { std::fprintf(stderr, "no clap_entry\n"); return 1; }
    auto* factory = static_cast<const clap_plugin_factory_t*>(entry->get_factory(CLAP_PLUGIN_FACTORY_ID));
    if (!factory || factory->get_plugin_count(factory) < 1) { std::fprintf(stderr, "no plugin in the factory\n"); return 1; }
    const clap_plugin_descriptor_t* desc = factory->get_plugin_descriptor(factory, 0);

    clap_host_t host{};
    host.clap_version = CLAP_VERSION;
    host.name = "stylebridge-test-host";
    host.vendor = "Stylebridge";
    host.url = "";
    host.version = "0.1.0";
    host.get_extension = [](const clap_host_t*, const char* id) -> const void* {
        return !gTrackName.empty() && std::strcmp(id, kTrackInfo) == 0 ? &kHostTrackInfo : nullptr;
    };
    host.request_restart = [](const clap_host_t*) {};
    host.request_process = [](const clap_host_t*) {};
    host.request_callback = [](const clap_host_t*) {};

    const clap_plugin_t* plugin = factory->create_plugin(factory, &host, desc->id);
    if (!plugin || !plugin->init(plugin)) { std::fprintf(stderr, "cannot create %s\n", desc->id); return 1; }
    if (!plugin->activate(plugin, o.rate, 1, static_cast<uint32_t>(o.block))) { std::fprintf(stderr, "activate failed\n"); return 1; }
    plugin->start_processing(plugin);

    const double fpq = o.rate * 60.0 / o.bpm;
    const double qpb = o.num * 4.0 / o.den;
    const auto total = static_cast<std::int64_t>(o.seconds * o.rate);
    std::vector<float> inL(o.block), inR(o.block), outL(o.block), outR(o.block), recorded;
    recorded.reserve(static_cast<std::size_t>(o.out.empty() ? 0 : total * 2));
    float* ins[2] = {inL.data(), inR.data()};
    float* outs[2] = {outL.data(), outR.data()};
    clap_audio_buffer_t inBuf{ins, nullptr, 2, 0, 0};
    clap_audio_buffer_t outBuf{outs, nullptr, 2, 0, 0};
    InEvents in;
    clap_output_events_t outEv = outEvents();

    bool playing = true;
    std::int64_t timeline = static_cast<std::int64_t>(std::llround(o.startPpq * fpq));
    std::vector<double> us;
    us.reserve(static_cast<std::size_t>(total / o.block + 1));
    std::size_t nextEvent = 0;
    std::sort(o.events.begin(), o.events.end(), [](const Event& a, const Event& b) { return a.at < b.at; });
    float captureValue = 0.f;
    std::int64_t mismatches = 0;
    const auto start = std::chrono::steady_clock::now();
    for (std::int64_t done = 0; done < total; done += o.block) {
        in.has = false;
        const double now = static_cast<double>(done) / o.rate;
        while (nextEvent < o.events.size() && o.events[nextEvent].at <= now) {
            const Event& e = o.events[nextEvent++];
            if (e.what == "capture") { captureValue = captureValue > 0.5f ? 0.f : 1.f; in.set(0, captureValue); }
            else if (e.what == "stop") playing = false;
            else if (e.what == "play") playing = true;
            else if (e.what == "locate") timeline = static_cast<std::int64_t>(std::llround(e.value * fpq));
            else if (e.what == "rename") {
                // A host calls this on its main thread; this host has one thread.
                gTrackName = e.text;
                if (auto* ti = static_cast<const PluginTrackInfo*>(plugin->get_extension(plugin, kTrackInfo))) ti->changed(plugin);
            }
        }
        const auto n = static_cast<uint32_t>(o.block);
        for (uint32_t i = 0; i < n; ++i) {
            const float v = playing ? static_cast<float>((timeline + i) & 0xFFFFFF) / 16777216.f : 0.f;
            inL[i] = v;
            inR[i] = -v;
        }
        const double ppq = static_cast<double>(timeline) / fpq;
        clap_event_transport_t tr{};
        tr.header.size = sizeof tr;
        tr.header.space_id = CLAP_CORE_EVENT_SPACE_ID;
        tr.header.type = CLAP_EVENT_TRANSPORT;
        tr.flags = CLAP_TRANSPORT_HAS_TEMPO | CLAP_TRANSPORT_HAS_BEATS_TIMELINE | CLAP_TRANSPORT_HAS_SECONDS_TIMELINE
                   | CLAP_TRANSPORT_HAS_TIME_SIGNATURE | (playing ? CLAP_TRANSPORT_IS_PLAYING : 0);
        tr.song_pos_beats = static_cast<clap_beattime>(std::llround(ppq * CLAP_BEATTIME_FACTOR));
        tr.song_pos_seconds = static_cast<clap_sectime>(std::llround(ppq * 60.0 / o.bpm * CLAP_SECTIME_FACTOR));
        tr.tempo = o.bpm;
        const double bar = std::floor(ppq / qpb + 1e-9);
        tr.bar_start = static_cast<clap_beattime>(std::llround(bar * qpb * CLAP_BEATTIME_FACTOR));
        tr.bar_number = static_cast<int32_t>(bar);
        tr.tsig_num = static_cast<uint16_t>(o.num);
        tr.tsig_denom = static_cast<uint16_t>(o.den);

        clap_process_t p{};
        p.steady_time = done;
        p.frames_count = n;
        p.transport = &tr;
        p.audio_inputs = &inBuf;
        p.audio_outputs = &outBuf;
        p.audio_inputs_count = 1;
        p.audio_outputs_count = 1;
        p.in_events = &in.list;
        p.out_events = &outEv;
        const auto t0 = std::chrono::steady_clock::now();
        plugin->process(plugin, &p);
        us.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
        if (!o.out.empty())
            for (uint32_t i = 0; i < n; ++i) { recorded.push_back(outL[i]); recorded.push_back(outR[i]); }
        for (uint32_t i = 0; i < n; ++i) mismatches += (outL[i] != inL[i] || outR[i] != inR[i]) ? 1 : 0;
        if (playing) timeline += n;
        if (o.speed > 0)
            std::this_thread::sleep_until(start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                                      std::chrono::duration<double>((done + n) / o.rate / o.speed)));
    }
    plugin->stop_processing(plugin);
    plugin->deactivate(plugin);
    plugin->destroy(plugin);
    entry->deinit();

    if (!o.out.empty()) {
        std::FILE* f = std::fopen(o.out.c_str(), "wb");
        if (!f || std::fwrite(recorded.data(), sizeof(float), recorded.size(), f) != recorded.size()) { std::fprintf(stderr, "cannot write %s\n", o.out.c_str()); return 1; }
        std::fclose(f);
    }
    const std::size_t maxAt = us.empty() ? 0 : static_cast<std::size_t>(std::max_element(us.begin(), us.end()) - us.begin());
    std::vector<double> sorted = us;
    std::sort(sorted.begin(), sorted.end());
    double sum = 0;
    for (double u : us) sum += u;
    const double budget = o.block / o.rate * 1e6;
    std::printf("{\"plugin\":\"%s\",\"rate\":%g,\"block\":%d,\"blocks\":%zu,\"budgetUs\":%.3f,\"meanUs\":%.3f,\"p99Us\":%.3f,\"maxUs\":%.3f,\"maxAtBlock\":%zu,\"samplesDifferingFromInput\":%lld}\n",
                desc->id, o.rate, o.block, us.size(), budget, us.empty() ? 0 : sum / us.size(),
                sorted.empty() ? 0 : sorted[static_cast<std::size_t>(0.99 * (sorted.size() - 1))], sorted.empty() ? 0 : sorted.back(),
                maxAt, static_cast<long long>(mismatches));
    if (o.expectPassthrough && mismatches != 0) {
        std::fprintf(stderr, "%lld output samples differ from the input\n", static_cast<long long>(mismatches));
        return 1;
    }
    return 0;
}
