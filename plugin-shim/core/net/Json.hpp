// A small strict JSON reader and writer for the plugin's network thread (untrusted input, explicit limits).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace sb {

class JsonValue {
public:
    enum class Type { Null, Bool, Number, String, Array, Object };

    Type type() const noexcept { return type_; }
    bool isNull() const noexcept { return type_ == Type::Null; }
    bool isBool() const noexcept { return type_ == Type::Bool; }
    bool isNumber() const noexcept { return type_ == Type::Number; }
    bool isString() const noexcept { return type_ == Type::String; }
    bool isArray() const noexcept { return type_ == Type::Array; }
    bool isObject() const noexcept { return type_ == Type::Object; }
    bool boolean() const noexcept { return bool_; }
    double number() const noexcept { return number_; }
    const std::string& string() const noexcept { return string_; }
    const std::vector<JsonValue>& array() const noexcept { return array_; }
    const std::vector<std::pair<std::string, JsonValue>>& object() const noexcept { return object_; }
    // Object member by key (the last one if repeated), or nullptr.
    const JsonValue* get(const char* key) const noexcept;
    // Structural equality; object members compared regardless of order.
    bool operator==(const JsonValue& o) const;

    static JsonValue makeNull() { return JsonValue(); }
    static JsonValue makeBool(bool b) { JsonValue v; v.type_ = Type::Bool; v.bool_ = b; return v; }
    static JsonValue makeNumber(double d) { JsonValue v; v.type_ = Type::Number; v.number_ = d; return v; }
    static JsonValue makeString(std::string s) { JsonValue v; v.type_ = Type::String; v.string_ = std::move(s); return v; }

private:
    friend class JsonParser;
    Type type_ = Type::Null;
    bool bool_ = false;
    double number_ = 0.0;
    std::string string_;
    std::vector<JsonValue> array_;
    std::vector<std::pair<std::string, JsonValue>> object_;
};

struct JsonLimits {
    std::size_t maxBytes = 65536; // the protocol's maxTextMessageBytes
    int maxDepth = 32;            // nesting of arrays/objects
};

// Parses exactly one JSON value (RFC 8259; surrounding whitespace allowed). On failure returns false
// and says why in `error` (with the byte offset). Never throws on any input.
bool parseJson(const std::string& text, JsonValue& out, std::string& error, const JsonLimits& limits = {});

// Builds compact JSON text. Numbers are written in the C locale whatever the DAW set.
class JsonWriter {
public:
    JsonWriter& beginObject();
    JsonWriter& endObject();
    JsonWriter& key(const char* k);
    JsonWriter& value(const std::string& s);
    JsonWriter& value(const char* s) { return value(std::string(s)); }
    JsonWriter& value(double d);
    JsonWriter& value(std::int64_t i);
    JsonWriter& value(int i) { return value(static_cast<std::int64_t>(i)); }
    JsonWriter& value(std::uint32_t i) { return value(static_cast<std::int64_t>(i)); }
    JsonWriter& value(std::uint64_t i) { return value(static_cast<std::int64_t>(i)); }
    JsonWriter& value(bool b);
    JsonWriter& raw(const std::string& json); // an already-encoded value
    const std::string& str() const noexcept { return out_; }

private:
    void separator();
    std::string out_;
    std::vector<bool> first_;
    bool afterKey_ = false;
};

std::string formatJsonNumber(double d);
std::string quoteJsonString(const std::string& s);

} // namespace sb
