// Finds the host through bridge.json (see Discovery.hpp).
#include "Discovery.hpp"

#include "Json.hpp"

#include <cstdio>
#include <cstdlib>

namespace sb {

namespace {
std::string env(const char* name)
{
    const char* v = std::getenv(name);
    return v ? std::string(v) : std::string();
}
} // namespace

std::string configDir()
{
    const std::string own = env("STYLEBRIDGE_CONFIG_DIR");
    if (!own.empty()) return own;
#if defined(_WIN32)
    const std::string appData = env("APPDATA");
    if (!appData.empty()) return appData + "\\stylebridge";
    const std::string profile = env("USERPROFILE");
    return profile.empty() ? std::string() : profile + "\\AppData\\Roaming\\stylebridge";
#elif defined(__APPLE__)
    const std::string home = env("HOME");
    return home.empty() ? std::string() : home + "/Library/Application Support/stylebridge";
#else
    const std::string xdg = env("XDG_CONFIG_HOME");
    if (!xdg.empty() && xdg[0] == '/') return xdg + "/stylebridge";
    const std::string home = env("HOME");
    return home.empty() ? std::string() : home + "/.config/stylebridge";
#endif
}

bool parseBridgeJson(const std::string& text, BridgeInfo& out, std::string& error)
{
    JsonValue v;
    if (!parseJson(text, v, error, JsonLimits{kMaxBridgeFileBytes, 8})) return false;
    if (!v.isObject()) { error = "not a JSON object"; return false; }
    const JsonValue* port = v.get("port");
    if (!port || !port->isNumber() || port->number() < 1 || port->number() > 65535 || port->number() != static_cast<int>(port->number())) {
        error = "\"port\" must be an integer 1..65535";
        return false;
    }
    const JsonValue* token = v.get("token");
    bool hex = token && token->isString() && token->string().size() == 64;
    if (hex)
        for (char c : token->string()) hex = hex && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
    if (!hex) { error = "\"token\" must be 64 lowercase hex characters"; return false; }
    out = BridgeInfo();
    out.port = static_cast<int>(port->number());
    out.token = token->string();
    if (const JsonValue* pid = v.get("pid"))
        if (pid->isNumber()) out.pid = static_cast<std::int64_t>(pid->number());
    if (const JsonValue* ver = v.get("version"))
        if (ver->isString()) out.version = ver->string();
    if (const JsonValue* proto = v.get("protocol")) {
        const JsonValue* ma = proto->get("major");
        const JsonValue* mi = proto->get("minor");
        if (ma && ma->isNumber()) out.protocolMajor = static_cast<int>(ma->number());
        if (mi && mi->isNumber()) out.protocolMinor = static_cast<int>(mi->number());
    }
    return true;
}

bool readBridgeFile(const std::string& dir, BridgeInfo& out, std::string& error)
{
    if (dir.empty()) { error = "no config folder (HOME is not set)"; return false; }
#ifdef _WIN32
    const std::string path = dir + "\\bridge.json";
#else
    const std::string path = dir + "/bridge.json";
#endif
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) { error = "no " + path + " (is stylebridge running?)"; return false; }
    std::string text;
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) {
        text.append(buf, n);
        if (text.size() > kMaxBridgeFileBytes) { std::fclose(f); error = path + " is larger than 64 KiB"; return false; }
    }
    std::fclose(f);
    if (!parseBridgeJson(text, out, error)) { error = path + ": " + error; return false; }
    return true;
}

} // namespace sb
