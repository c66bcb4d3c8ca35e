// VST3 factory wrapped around DPF's: adds IInfoListener (the DAW's channel name) to the edit controller, which DPF 1.6 lacks.
//
// DPF's GetPluginFactory is compiled under another name (the Makefile renames it for the VST3 main only).
// This file exports GetPluginFactory and hands out proxies, in the C layout of DPF's travesty headers:
// - the factory proxy forwards everything and wraps each component it creates;
// - the component proxy forwards everything; initialize() lets the plugin object DPF builds there find this
//   proxy's TrackNameTarget; queryInterface(IEditController) returns a controller proxy (single-component
//   plugins: DPF's component is also its controller);
// - the controller proxy forwards everything and also answers IInfoListener, whose setChannelContextInfos
//   reads "channel name" and hands it to the plugin.
// Interfaces the host asks for beyond these come from DPF's objects directly.
#include "HostTrackName.hpp"

#include "src/DistrhoDefines.h"
#include "src/travesty/base.h"
#include "src/travesty/component.h"
#include "src/travesty/edit_controller.h"
#include "src/travesty/factory.h"
#include "src/travesty/message.h"

#include <atomic>
#include <cstdint>
#include <string>

extern "C" const void* sb_dpf_GetPluginFactory(void);

namespace {

// Steinberg::Vst::ChannelContext::IInfoListener and the attribute it reads (from the VST3 specification).
constexpr v3_tuid kInfoListenerIid = V3_ID(0x0F194781, 0x8D984ADA, 0xBBA0C1EF, 0xC011D8D0);
constexpr const char* kChannelNameKey = "channel name";

struct InfoListenerVtbl : v3_funknown {
    v3_result(V3_API* set_channel_context_infos)(void* self, v3_attribute_list** list);
};

template <class Vtbl> Vtbl* vt(void* obj) { return *static_cast<Vtbl**>(obj); }

// UTF-16 (VST3 TChar) to UTF-8; stops at the first NUL.
std::string utf8(const int16_t* s, std::size_t max)
{
    std::string out;
    for (std::size_t i = 0; i < max && s[i] != 0; ++i) {
        std::uint32_t c = static_cast<std::uint16_t>(s[i]);
        if (c >= 0xD800 && c < 0xDC00 && i + 1 < max) {
            const std::uint32_t lo = static_cast<std::uint16_t>(s[i + 1]);
            if (lo >= 0xDC00 && lo < 0xE000) { c = 0x10000 + ((c - 0xD800) << 10) + (lo - 0xDC00); ++i; }
        }
        if (c < 0x80) out += static_cast<char>(c);
        else if (c < 0x800) { out += static_cast<char>(0xC0 | (c >> 6)); out += static_cast<char>(0x80 | (c & 0x3F)); }
        else if (c < 0x10000) {
            out += static_cast<char>(0xE0 | (c >> 12));
            out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (c & 0x3F));
        } else {
            out += static_cast<char>(0xF0 | (c >> 18));
            out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
            out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (c & 0x3F));
        }
    }
    return out;
}

bool isOneOf(const v3_tuid iid, std::initializer_list<const v3_tuid*> ids)
{
    for (const v3_tuid* id : ids) if (v3_tuid_match(iid, *id)) return true;
    return false;
}

struct ComponentProxy;

// ----- controller ------------------------------------------------------------------------------------
struct ControllerProxy : v3_edit_controller_cpp {
    ControllerProxy* handle = this; // the host's pointer is &handle
    InfoListenerVtbl listenerVtbl{};
    // The IInfoListener object: its first field points at its function table, as the host expects.
    struct Listener { InfoListenerVtbl* vtbl; ControllerProxy* owner; } listener{&listenerVtbl, this};
    void* inner;                                // DPF's controller (one reference held)
    ComponentProxy* owner;                      // referenced while this lives
    std::atomic<std::uint32_t> refs{1};
    ControllerProxy(void* innerController, ComponentProxy* component);
};

ControllerProxy* ctrl(void* self) { return *static_cast<ControllerProxy**>(self); }
ControllerProxy* fromListener(void* self) { return static_cast<ControllerProxy::Listener*>(self)->owner; }

// ----- component -------------------------------------------------------------------------------------
struct ComponentProxy : v3_component_cpp {
    ComponentProxy* handle = this;
    void* inner; // DPF's component (one reference held)
    std::atomic<std::uint32_t> refs{1};
    sb::TrackNameTarget target;
    ControllerProxy* controller = nullptr; // not referenced: it references us
    explicit ComponentProxy(void* innerComponent);
};

ComponentProxy* comp(void* self) { return *static_cast<ComponentProxy**>(self); }
v3_component_cpp* innerComp(ComponentProxy* p) { return vt<v3_component_cpp>(p->inner); }
v3_edit_controller_cpp* innerCtrl(ControllerProxy* p) { return vt<v3_edit_controller_cpp>(p->inner); }

uint32_t V3_API compRef(void* self) { return ++comp(self)->refs; }
uint32_t V3_API compUnref(void* self)
{
    ComponentProxy* p = comp(self);
    const std::uint32_t n = --p->refs;
    if (n == 0) {
        innerComp(p)->unref(p->inner); // may destroy the plugin, which clears p->target first
        delete p;
    }
    return n;
}
v3_result V3_API compQuery(void* self, const v3_tuid iid, void** obj)
{
    ComponentProxy* p = comp(self);
    if (isOneOf(iid, {&v3_funknown_iid, &v3_plugin_base_iid, &v3_component_iid})) {
        ++p->refs;
        *obj = self;
        return V3_OK;
    }
    if (v3_tuid_match(iid, v3_edit_controller_iid)) {
        if (p->controller) {
            ++p->controller->refs;
            *obj = &p->controller->handle;
            return V3_OK;
        }
        void* innerController = nullptr;
        const v3_result r = innerComp(p)->query_interface(p->inner, iid, &innerController);
        if (r != V3_OK || !innerController) { *obj = nullptr; return r == V3_OK ? V3_NO_INTERFACE : r; }
        p->controller = new ControllerProxy(innerController, p);
        *obj = &p->controller->handle;
        return V3_OK;
    }
    return innerComp(p)->query_interface(p->inner, iid, obj);
}
v3_result V3_API compInitialize(void* self, v3_funknown** context)
{
    ComponentProxy* p = comp(self);
    // DPF builds the plugin object in initialize(): it finds this proxy's target there.
    sb::constructingTrackNameTarget() = &p->target;
    const v3_result r = innerComp(p)->base.initialize(p->inner, context);
    sb::constructingTrackNameTarget() = nullptr;
    return r;
}
v3_result V3_API compTerminate(void* self) { return innerComp(comp(self))->base.terminate(comp(self)->inner); }
v3_result V3_API compControllerClassId(void* self, v3_tuid id) { return innerComp(comp(self))->comp.get_controller_class_id(comp(self)->inner, id); }
v3_result V3_API compIoMode(void* self, int32_t mode) { return innerComp(comp(self))->comp.set_io_mode(comp(self)->inner, mode); }
int32_t V3_API compBusCount(void* self, int32_t type, int32_t dir) { return innerComp(comp(self))->comp.get_bus_count(comp(self)->inner, type, dir); }
v3_result V3_API compBusInfo(void* self, int32_t type, int32_t dir, int32_t idx, v3_bus_info* info)
{
    return innerComp(comp(self))->comp.get_bus_info(comp(self)->inner, type, dir, idx, info);
}
v3_result V3_API compRouting(void* self, v3_routing_info* in, v3_routing_info* out) { return innerComp(comp(self))->comp.get_routing_info(comp(self)->inner, in, out); }
v3_result V3_API compActivateBus(void* self, int32_t type, int32_t dir, int32_t idx, v3_bool state)
{
    return innerComp(comp(self))->comp.activate_bus(comp(self)->inner, type, dir, idx, state);
}
v3_result V3_API compActive(void* self, v3_bool state) { return innerComp(comp(self))->comp.set_active(comp(self)->inner, state); }
v3_result V3_API compSetState(void* self, v3_bstream** s) { return innerComp(comp(self))->comp.set_state(comp(self)->inner, s); }
v3_result V3_API compGetState(void* self, v3_bstream** s) { return innerComp(comp(self))->comp.get_state(comp(self)->inner, s); }

ComponentProxy::ComponentProxy(void* innerComponent) : inner(innerComponent)
{
    query_interface = compQuery;
    ref = compRef;
    unref = compUnref;
    base.initialize = compInitialize;
    base.terminate = compTerminate;
    comp.get_controller_class_id = compControllerClassId;
    comp.set_io_mode = compIoMode;
    comp.get_bus_count = compBusCount;
    comp.get_bus_info = compBusInfo;
    comp.get_routing_info = compRouting;
    comp.activate_bus = compActivateBus;
    comp.set_active = compActive;
    comp.set_state = compSetState;
    comp.get_state = compGetState;
}

// ----- controller methods ----------------------------------------------------------------------------
uint32_t V3_API ctrlRef(void* self) { return ++ctrl(self)->refs; }
uint32_t V3_API ctrlUnref(void* self)
{
    ControllerProxy* p = ctrl(self);
    const std::uint32_t n = --p->refs;
    if (n == 0) {
        innerCtrl(p)->unref(p->inner);
        ComponentProxy* owner = p->owner;
        owner->controller = nullptr;
        delete p;
        compUnref(&owner->handle);
    }
    return n;
}
v3_result V3_API ctrlQuery(void* self, const v3_tuid iid, void** obj)
{
    ControllerProxy* p = ctrl(self);
    if (isOneOf(iid, {&v3_funknown_iid, &v3_plugin_base_iid, &v3_edit_controller_iid})) {
        ++p->refs;
        *obj = self;
        return V3_OK;
    }
    if (v3_tuid_match(iid, kInfoListenerIid)) {
        ++p->refs;
        *obj = &p->listener;
        return V3_OK;
    }
    return innerCtrl(p)->query_interface(p->inner, iid, obj);
}
v3_result V3_API ctrlInitialize(void* self, v3_funknown** context) { return innerCtrl(ctrl(self))->base.initialize(ctrl(self)->inner, context); }
v3_result V3_API ctrlTerminate(void* self) { return innerCtrl(ctrl(self))->base.terminate(ctrl(self)->inner); }
v3_result V3_API ctrlComponentState(void* self, v3_bstream** s) { return innerCtrl(ctrl(self))->ctrl.set_component_state(ctrl(self)->inner, s); }
v3_result V3_API ctrlSetState(void* self, v3_bstream** s) { return innerCtrl(ctrl(self))->ctrl.set_state(ctrl(self)->inner, s); }
v3_result V3_API ctrlGetState(void* self, v3_bstream** s) { return innerCtrl(ctrl(self))->ctrl.get_state(ctrl(self)->inner, s); }
int32_t V3_API ctrlParamCount(void* self) { return innerCtrl(ctrl(self))->ctrl.get_parameter_count(ctrl(self)->inner); }
v3_result V3_API ctrlParamInfo(void* self, int32_t idx, v3_param_info* info) { return innerCtrl(ctrl(self))->ctrl.get_parameter_info(ctrl(self)->inner, idx, info); }
v3_result V3_API ctrlStringForValue(void* self, v3_param_id id, double v, v3_str_128 out)
{
    return innerCtrl(ctrl(self))->ctrl.get_parameter_string_for_value(ctrl(self)->inner, id, v, out);
}
v3_result V3_API ctrlValueForString(void* self, v3_param_id id, int16_t* in, double* out)
{
    return innerCtrl(ctrl(self))->ctrl.get_parameter_value_for_string(ctrl(self)->inner, id, in, out);
}
double V3_API ctrlToPlain(void* self, v3_param_id id, double v) { return innerCtrl(ctrl(self))->ctrl.normalised_parameter_to_plain(ctrl(self)->inner, id, v); }
double V3_API ctrlToNormalised(void* self, v3_param_id id, double v) { return innerCtrl(ctrl(self))->ctrl.plain_parameter_to_normalised(ctrl(self)->inner, id, v); }
double V3_API ctrlGetNormalised(void* self, v3_param_id id) { return innerCtrl(ctrl(self))->ctrl.get_parameter_normalised(ctrl(self)->inner, id); }
v3_result V3_API ctrlSetNormalised(void* self, v3_param_id id, double v) { return innerCtrl(ctrl(self))->ctrl.set_parameter_normalised(ctrl(self)->inner, id, v); }
v3_result V3_API ctrlHandler(void* self, v3_component_handler** h) { return innerCtrl(ctrl(self))->ctrl.set_component_handler(ctrl(self)->inner, h); }
v3_plugin_view** V3_API ctrlView(void* self, const char* name) { return innerCtrl(ctrl(self))->ctrl.create_view(ctrl(self)->inner, name); }

// ----- IInfoListener (part of the controller proxy) --------------------------------------------------
v3_result V3_API listenerQuery(void* self, const v3_tuid iid, void** obj) { return ctrlQuery(&fromListener(self)->handle, iid, obj); }
uint32_t V3_API listenerRef(void* self) { return ctrlRef(&fromListener(self)->handle); }
uint32_t V3_API listenerUnref(void* self) { return ctrlUnref(&fromListener(self)->handle); }
v3_result V3_API listenerInfos(void* self, v3_attribute_list** list)
{
    if (!list) return V3_INVALID_ARG;
    int16_t name[256] = {};
    v3_attribute_list_cpp* al = vt<v3_attribute_list_cpp>(list);
    if (al->attrlist.get_string(list, kChannelNameKey, name, sizeof name - sizeof name[0]) == V3_OK) // the last one stays 0
        fromListener(self)->owner->target.set(utf8(name, 255).c_str());
    return V3_OK;
}

ControllerProxy::ControllerProxy(void* innerController, ComponentProxy* component) : inner(innerController), owner(component)
{
    ++owner->refs;
    query_interface = ctrlQuery;
    ref = ctrlRef;
    unref = ctrlUnref;
    base.initialize = ctrlInitialize;
    base.terminate = ctrlTerminate;
    ctrl.set_component_state = ctrlComponentState;
    ctrl.set_state = ctrlSetState;
    ctrl.get_state = ctrlGetState;
    ctrl.get_parameter_count = ctrlParamCount;
    ctrl.get_parameter_info = ctrlParamInfo;
    ctrl.get_parameter_string_for_value = ctrlStringForValue;
    ctrl.get_parameter_value_for_string = ctrlValueForString;
    ctrl.normalised_parameter_to_plain = ctrlToPlain;
    ctrl.plain_parameter_to_normalised = ctrlToNormalised;
    ctrl.get_parameter_normalised = ctrlGetNormalised;
    ctrl.set_parameter_normalised = ctrlSetNormalised;
    ctrl.set_component_handler = ctrlHandler;
    ctrl.create_view = ctrlView;
    listenerVtbl.query_interface = listenerQuery;
    listenerVtbl.ref = listenerRef;
    listenerVtbl.unref = listenerUnref;
    listenerVtbl.set_channel_context_infos = listenerInfos;
}

// ----- factory ---------------------------------------------------------------------------------------
struct FactoryProxy : v3_plugin_factory_cpp {
    FactoryProxy* handle = this;
    void* inner;
    std::atomic<std::uint32_t> refs{1};
    explicit FactoryProxy(void* innerFactory);
};

FactoryProxy* fac(void* self) { return *static_cast<FactoryProxy**>(self); }
v3_plugin_factory_cpp* innerFac(FactoryProxy* p) { return vt<v3_plugin_factory_cpp>(p->inner); }

uint32_t V3_API facRef(void* self) { return ++fac(self)->refs; }
uint32_t V3_API facUnref(void* self)
{
    FactoryProxy* p = fac(self);
    const std::uint32_t n = --p->refs;
    if (n == 0) {
        innerFac(p)->unref(p->inner);
        delete p;
    }
    return n;
}
v3_result V3_API facQuery(void* self, const v3_tuid iid, void** obj)
{
    if (isOneOf(iid, {&v3_funknown_iid, &v3_plugin_factory_iid, &v3_plugin_factory_2_iid, &v3_plugin_factory_3_iid})) {
        ++fac(self)->refs;
        *obj = self;
        return V3_OK;
    }
    *obj = nullptr;
    return V3_NO_INTERFACE;
}
v3_result V3_API facInfo(void* self, v3_factory_info* info) { return innerFac(fac(self))->v1.get_factory_info(fac(self)->inner, info); }
int32_t V3_API facCount(void* self) { return innerFac(fac(self))->v1.num_classes(fac(self)->inner); }
v3_result V3_API facClass(void* self, int32_t i, v3_class_info* info) { return innerFac(fac(self))->v1.get_class_info(fac(self)->inner, i, info); }
v3_result V3_API facClass2(void* self, int32_t i, v3_class_info_2* info) { return innerFac(fac(self))->v2.get_class_info_2(fac(self)->inner, i, info); }
v3_result V3_API facClass3(void* self, int32_t i, v3_class_info_3* info) { return innerFac(fac(self))->v3.get_class_info_utf16(fac(self)->inner, i, info); }
v3_result V3_API facContext(void* self, v3_funknown** host) { return innerFac(fac(self))->v3.set_host_context(fac(self)->inner, host); }
v3_result V3_API facCreate(void* self, const v3_tuid cls, const v3_tuid iid, void** instance)
{
    void* obj = nullptr;
    const v3_result r = innerFac(fac(self))->v1.create_instance(fac(self)->inner, cls, iid, &obj);
    if (r != V3_OK || !obj) { *instance = obj; return r; }
    // A component (asked for as IComponent or FUnknown) is wrapped; anything else is DPF's own object.
    void* asComponent = nullptr;
    if (vt<v3_funknown>(obj)->query_interface(obj, v3_component_iid, &asComponent) == V3_OK && asComponent) {
        vt<v3_funknown>(asComponent)->unref(asComponent);
        *instance = &(new ComponentProxy(obj))->handle;
        return V3_OK;
    }
    *instance = obj;
    return V3_OK;
}

FactoryProxy::FactoryProxy(void* innerFactory) : inner(innerFactory)
{
    query_interface = facQuery;
    ref = facRef;
    unref = facUnref;
    v1.get_factory_info = facInfo;
    v1.num_classes = facCount;
    v1.get_class_info = facClass;
    v1.create_instance = facCreate;
    v2.get_class_info_2 = facClass2;
    v3.get_class_info_utf16 = facClass3;
    v3.set_host_context = facContext;
}

} // namespace

DISTRHO_PLUGIN_EXPORT const void* GetPluginFactory(void);

const void* GetPluginFactory(void)
{
    void* inner = const_cast<void*>(sb_dpf_GetPluginFactory());
    if (!inner) return nullptr;
    return &(new FactoryProxy(inner))->handle;
}
