// Finds the host: the config folder (as docs/protocol.md section 1 says) and its bridge.json.
#pragma once

#include <cstdint>
#include <string>

namespace sb {

struct BridgeInfo {
    int port = 0;
    std::string token;
    std::int64_t pid = 0;
    std::string version;
    int protocolMajor = 0, protocolMinor = 0;
};

// $STYLEBRIDGE_CONFIG_DIR as is; else %APPDATA%\stylebridge (Windows), ~/Library/Application
// Support/stylebridge (macOS), $XDG_CONFIG_HOME/stylebridge when absolute, ~/.config/stylebridge.
// Empty when no folder can be derived (no HOME).
std::string configDir();

// Limit: bridge.json larger than this is refused (the real file is ~200 bytes).
constexpr std::size_t kMaxBridgeFileBytes = 65536;

// Reads and validates <dir>/bridge.json. False with a reason when missing, unreadable or invalid.
bool readBridgeFile(const std::string& dir, BridgeInfo& out, std::string& error);
// Validates the text of a bridge.json (exposed for tests and the fuzzer).
bool parseBridgeJson(const std::string& text, BridgeInfo& out, std::string& error);

} // namespace sb
