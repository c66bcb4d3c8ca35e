// Identity and capabilities of the Stylebridge plugin, as DPF's compile-time macros.
#ifndef STYLEBRIDGE_DISTRHO_PLUGIN_INFO_H
#define STYLEBRIDGE_DISTRHO_PLUGIN_INFO_H

#define DISTRHO_PLUGIN_BRAND "Stylebridge"
#define DISTRHO_PLUGIN_NAME  "Stylebridge"
#define DISTRHO_PLUGIN_URI   "urn:stylebridge:plugin"
#define DISTRHO_PLUGIN_CLAP_ID "org.stylebridge.plugin"
#define DISTRHO_PLUGIN_BRAND_ID Stbr
#define DISTRHO_PLUGIN_UNIQUE_ID Sbpl
#define DISTRHO_PLUGIN_AU_TYPE   aufx /* upstream DPF's AU wrapper (macOS); Debian's DPF 1.6 has no AU */

#define DISTRHO_PLUGIN_HAS_UI          0
#define DISTRHO_PLUGIN_IS_RT_SAFE      1
#define DISTRHO_PLUGIN_NUM_INPUTS      2
#define DISTRHO_PLUGIN_NUM_OUTPUTS     2
#define DISTRHO_PLUGIN_WANT_TIMEPOS    1
#define DISTRHO_PLUGIN_WANT_STATE      1
#define DISTRHO_PLUGIN_WANT_FULL_STATE 1
#define DISTRHO_PLUGIN_WANT_LATENCY    0

#define DISTRHO_PLUGIN_LV2_CATEGORY    "lv2:UtilityPlugin"
#define DISTRHO_PLUGIN_VST3_CATEGORIES "Fx|Tools"
#define DISTRHO_PLUGIN_CLAP_FEATURES   "audio-effect", "utility", "stereo", "mono"

#endif
