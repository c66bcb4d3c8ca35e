// CLAP entry wrapped around DPF's: adds the track-info extension (the DAW's track name) that DPF 1.6 does not implement.
//
// DPF's own entry is compiled under another name (the Makefile renames `clap_entry` for the CLAP main only);
// this file exports `clap_entry`, hands out DPF's factory with create_plugin wrapped, and wraps each plugin
// object: every call goes to DPF's object, except get_extension, which also answers track-info. DPF's
// extension functions read `plugin->plugin_data`, so the wrapper carries the same plugin_data.
#include "HostTrackName.hpp"

#include "src/clap/entry.h"
#include "src/clap/host.h"
#include "src/clap/plugin-factory.h"
#include "src/clap/plugin.h"
#include "src/clap/string-sizes.h"

#include <cstdint>
#include <cstring>

extern "C" const clap_plugin_entry_t sb_dpf_clap_entry;

namespace {

// The track-info extension, declared here from the CLAP specification (DPF 1.6 ships CLAP 1.1 headers
// without it). Final id since CLAP 1.2; hosts of CLAP 1.1 use the draft id. Same layout under both.
constexpr const char* kTrackInfo = "clap.track-info/1";
constexpr const char* kTrackInfoDraft = "clap.track-info.draft/1";
constexpr std::uint64_t kHasTrackName = 1u << 0;

struct TrackInfo {
    std::uint64_t flags;
    char name[CLAP_NAME_SIZE];
    struct { std::uint8_t alpha, red, green, blue; } color;
    std::int32_t audioChannelCount;
    const char* audioPortType;
};
struct HostTrackInfo {
    bool(CLAP_ABI* get)(const clap_host_t* host, TrackInfo* info);
};
struct PluginTrackInfo {
    void(CLAP_ABI* changed)(const clap_plugin_t* plugin);
};

// `outer` first: the host's clap_plugin_t pointer is this object.
struct Wrapped {
    clap_plugin_t outer;
    const clap_plugin_t* inner;
    const clap_host_t* host;
    sb::TrackNameTarget target;
};

Wrapped* self(const clap_plugin_t* p) { return reinterpret_cast<Wrapped*>(const_cast<clap_plugin_t*>(p)); }

// [main-thread] Asks the host for the track name and passes it on.
void readTrackName(Wrapped* w)
{
    const clap_host_t* h = w->host;
    if (!h || !h->get_extension) return;
    auto* ext = static_cast<const HostTrackInfo*>(h->get_extension(h, kTrackInfo));
    if (!ext) ext = static_cast<const HostTrackInfo*>(h->get_extension(h, kTrackInfoDraft));
    if (!ext || !ext->get) return;
    TrackInfo info{};
    if (!ext->get(h, &info) || !(info.flags & kHasTrackName)) return;
    info.name[CLAP_NAME_SIZE - 1] = '\0';
    w->target.set(info.name);
}

void CLAP_ABI trackInfoChanged(const clap_plugin_t* p) { readTrackName(self(p)); }
const PluginTrackInfo kPluginTrackInfo = {trackInfoChanged};

bool CLAP_ABI wInit(const clap_plugin_t* p)
{
    Wrapped* w = self(p);
    if (!w->inner->init(w->inner)) return false;
    readTrackName(w);
    return true;
}
void CLAP_ABI wDestroy(const clap_plugin_t* p)
{
    Wrapped* w = self(p);
    w->inner->destroy(w->inner);
    delete w;
}
bool CLAP_ABI wActivate(const clap_plugin_t* p, double rate, uint32_t minFrames, uint32_t maxFrames)
{
    return self(p)->inner->activate(self(p)->inner, rate, minFrames, maxFrames);
}
void CLAP_ABI wDeactivate(const clap_plugin_t* p) { self(p)->inner->deactivate(self(p)->inner); }
bool CLAP_ABI wStart(const clap_plugin_t* p) { return self(p)->inner->start_processing(self(p)->inner); }
void CLAP_ABI wStop(const clap_plugin_t* p) { self(p)->inner->stop_processing(self(p)->inner); }
void CLAP_ABI wReset(const clap_plugin_t* p) { self(p)->inner->reset(self(p)->inner); }
clap_process_status CLAP_ABI wProcess(const clap_plugin_t* p, const clap_process_t* pr) { return self(p)->inner->process(self(p)->inner, pr); }
const void* CLAP_ABI wExtension(const clap_plugin_t* p, const char* id)
{
    if (id && (std::strcmp(id, kTrackInfo) == 0 || std::strcmp(id, kTrackInfoDraft) == 0)) return &kPluginTrackInfo;
    return self(p)->inner->get_extension(self(p)->inner, id);
}
void CLAP_ABI wMainThread(const clap_plugin_t* p) { self(p)->inner->on_main_thread(self(p)->inner); }

const clap_plugin_factory_t* dpfFactory()
{
    return static_cast<const clap_plugin_factory_t*>(sb_dpf_clap_entry.get_factory(CLAP_PLUGIN_FACTORY_ID));
}

uint32_t CLAP_ABI count(const clap_plugin_factory_t*) { return dpfFactory()->get_plugin_count(dpfFactory()); }
const clap_plugin_descriptor_t* CLAP_ABI descriptor(const clap_plugin_factory_t*, uint32_t i)
{
    return dpfFactory()->get_plugin_descriptor(dpfFactory(), i);
}

const clap_plugin_t* CLAP_ABI create(const clap_plugin_factory_t*, const clap_host_t* host, const char* id)
{
    Wrapped* w = new Wrapped{};
    w->host = host;
    // DPF constructs the plugin object inside create_plugin: it finds this wrapper's target there.
    sb::constructingTrackNameTarget() = &w->target;
    w->inner = dpfFactory()->create_plugin(dpfFactory(), host, id);
    sb::constructingTrackNameTarget() = nullptr;
    if (!w->inner) {
        delete w;
        return nullptr;
    }
    w->outer = clap_plugin_t{w->inner->desc, w->inner->plugin_data, wInit, wDestroy, wActivate, wDeactivate,
                             wStart, wStop, wReset, wProcess, wExtension, wMainThread};
    return &w->outer;
}

const clap_plugin_factory_t kFactory = {count, descriptor, create};

bool CLAP_ABI entryInit(const char* path) { return sb_dpf_clap_entry.init(path); }
void CLAP_ABI entryDeinit() { sb_dpf_clap_entry.deinit(); }
const void* CLAP_ABI entryFactory(const char* id)
{
    if (id && std::strcmp(id, CLAP_PLUGIN_FACTORY_ID) == 0) return dpfFactory() ? &kFactory : nullptr;
    return sb_dpf_clap_entry.get_factory(id);
}

} // namespace

extern "C" CLAP_EXPORT const clap_plugin_entry_t clap_entry = {CLAP_VERSION_INIT, entryInit, entryDeinit, entryFactory};
