// A small strict JSON reader and writer (see Json.hpp).
#include "Json.hpp"

#include <cmath>
#include <cstdio>
#include <locale>
#include <sstream>

namespace sb {

const JsonValue* JsonValue::get(const char* key) const noexcept
{
    if (type_ != Type::Object) return nullptr;
    const JsonValue* found = nullptr;
    for (const auto& kv : object_)
        if (kv.first == key) found = &kv.second;
    return found;
}

bool JsonValue::operator==(const JsonValue& o) const
{
    if (type_ != o.type_) return false;
    switch (type_) {
    case Type::Null: return true;
    case Type::Bool: return bool_ == o.bool_;
    case Type::Number: return number_ == o.number_;
    case Type::String: return string_ == o.string_;
    case Type::Array: return array_ == o.array_;
    case Type::Object:
        if (object_.size() != o.object_.size()) return false;
        for (const auto& kv : object_) {
            const JsonValue* other = o.get(kv.first.c_str());
            if (!other || !(*other == kv.second)) return false;
        }
        return true;
    }
    return false;
}

class JsonParser {
public:
    JsonParser(const std::string& t, const JsonLimits& l) : s_(t), limits_(l) {}

    bool run(JsonValue& out, std::string& error)
    {
        if (s_.size() > limits_.maxBytes) return fail(error, "text longer than " + std::to_string(limits_.maxBytes) + " bytes");
        skipWs();
        if (!parseValue(out, 0)) return fail(error, why_);
        skipWs();
        if (pos_ != s_.size()) return fail(error, "trailing characters");
        return true;
    }

private:
    bool fail(std::string& error, const std::string& why)
    {
        error = why + " at byte " + std::to_string(pos_);
        return false;
    }
    bool bad(const char* why) { why_ = why; return false; }
    void skipWs()
    {
        while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) ++pos_;
    }
    bool literal(const char* word)
    {
        std::size_t n = 0;
        while (word[n]) ++n;
        if (s_.compare(pos_, n, word) != 0) return bad("invalid literal");
        pos_ += n;
        return true;
    }
    bool parseValue(JsonValue& v, int depth)
    {
        if (pos_ >= s_.size()) return bad("unexpected end");
        const char c = s_[pos_];
        switch (c) {
        case '{': return parseObject(v, depth + 1);
        case '[': return parseArray(v, depth + 1);
        case '"': v.type_ = JsonValue::Type::String; return parseString(v.string_);
        case 't': v.type_ = JsonValue::Type::Bool; v.bool_ = true; return literal("true");
        case 'f': v.type_ = JsonValue::Type::Bool; v.bool_ = false; return literal("false");
        case 'n': v.type_ = JsonValue::Type::Null; return literal("null");
        default: v.type_ = JsonValue::Type::Number; return parseNumber(v.number_);
        }
    }
    bool parseObject(JsonValue& v, int depth)
    {
        if (depth > limits_.maxDepth) return bad("nesting deeper than the limit");
        v.type_ = JsonValue::Type::Object;
        ++pos_;
        skipWs();
        if (pos_ < s_.size() && s_[pos_] == '}') { ++pos_; return true; }
        for (;;) {
            skipWs();
            if (pos_ >= s_.size() || s_[pos_] != '"') return bad("expected a string key");
            std::string key;
            if (!parseString(key)) return false;
            skipWs();
            if (pos_ >= s_.size() || s_[pos_] != ':') return bad("expected ':'");
            ++pos_;
            skipWs();
            v.object_.emplace_back(std::move(key), JsonValue());
            if (!parseValue(v.object_.back().second, depth)) return false;
            skipWs();
            if (pos_ < s_.size() && s_[pos_] == ',') { ++pos_; continue; }
            if (pos_ < s_.size() && s_[pos_] == '}') { ++pos_; return true; }
            return bad("expected ',' or '}'");
        }
    }
    bool parseArray(JsonValue& v, int depth)
    {
        if (depth > limits_.maxDepth) return bad("nesting deeper than the limit");
        v.type_ = JsonValue::Type::Array;
        ++pos_;
        skipWs();
        if (pos_ < s_.size() && s_[pos_] == ']') { ++pos_; return true; }
        for (;;) {
            skipWs();
            v.array_.emplace_back();
            if (!parseValue(v.array_.back(), depth)) return false;
            skipWs();
            if (pos_ < s_.size() && s_[pos_] == ',') { ++pos_; continue; }
            if (pos_ < s_.size() && s_[pos_] == ']') { ++pos_; return true; }
            return bad("expected ',' or ']'");
        }
    }
    static int hex(char c)
    {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    }
    bool read4(unsigned& cp)
    {
        if (pos_ + 4 > s_.size()) return bad("truncated \\u escape");
        cp = 0;
        for (int i = 0; i < 4; ++i) {
            const int h = hex(s_[pos_ + i]);
            if (h < 0) return bad("invalid \\u escape");
            cp = cp * 16 + static_cast<unsigned>(h);
        }
        pos_ += 4;
        return true;
    }
    static void utf8(std::string& out, unsigned cp)
    {
        if (cp < 0x80) out += static_cast<char>(cp);
        else if (cp < 0x800) { out += static_cast<char>(0xC0 | (cp >> 6)); out += static_cast<char>(0x80 | (cp & 0x3F)); }
        else if (cp < 0x10000) {
            out += static_cast<char>(0xE0 | (cp >> 12));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        } else {
            out += static_cast<char>(0xF0 | (cp >> 18));
            out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        }
    }
    // Validates one UTF-8 sequence starting at pos_ and appends it.
    bool utf8Sequence(std::string& out)
    {
        const auto b0 = static_cast<unsigned char>(s_[pos_]);
        int len = b0 < 0x80 ? 1 : (b0 >> 5) == 6 ? 2 : (b0 >> 4) == 14 ? 3 : (b0 >> 3) == 30 ? 4 : 0;
        if (len == 0 || pos_ + len > s_.size()) return bad("invalid UTF-8");
        unsigned cp = len == 1 ? b0 : len == 2 ? (b0 & 0x1F) : len == 3 ? (b0 & 0x0F) : (b0 & 0x07);
        for (int i = 1; i < len; ++i) {
            const auto b = static_cast<unsigned char>(s_[pos_ + i]);
            if ((b >> 6) != 2) return bad("invalid UTF-8");
            cp = (cp << 6) | (b & 0x3F);
        }
        static const unsigned minCp[5] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < minCp[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return bad("invalid UTF-8");
        out.append(s_, pos_, static_cast<std::size_t>(len));
        pos_ += static_cast<std::size_t>(len);
        return true;
    }
    bool parseString(std::string& out)
    {
        ++pos_; // opening quote
        for (;;) {
            if (pos_ >= s_.size()) return bad("unterminated string");
            const char c = s_[pos_];
            if (c == '"') { ++pos_; return true; }
            if (static_cast<unsigned char>(c) < 0x20) return bad("control character in string");
            if (c != '\\') {
                if (!utf8Sequence(out)) return false;
                continue;
            }
            if (++pos_ >= s_.size()) return bad("unterminated escape");
            const char e = s_[pos_++];
            switch (e) {
            case '"': out += '"'; break;
            case '\\': out += '\\'; break;
            case '/': out += '/'; break;
            case 'b': out += '\b'; break;
            case 'f': out += '\f'; break;
            case 'n': out += '\n'; break;
            case 'r': out += '\r'; break;
            case 't': out += '\t'; break;
            case 'u': {
                unsigned cp = 0;
                if (!read4(cp)) return false;
                if (cp >= 0xD800 && cp <= 0xDBFF) {
                    unsigned lo = 0;
                    if (pos_ + 2 > s_.size() || s_[pos_] != '\\' || s_[pos_ + 1] != 'u') return bad("lone surrogate");
                    pos_ += 2;
                    if (!read4(lo)) return false;
                    if (lo < 0xDC00 || lo > 0xDFFF) return bad("lone surrogate");
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                    return bad("lone surrogate");
                }
                utf8(out, cp);
                break;
            }
            default: return bad("invalid escape");
            }
        }
    }
    bool parseNumber(double& out)
    {
        const std::size_t start = pos_;
        auto digit = [&](std::size_t p) { return p < s_.size() && s_[p] >= '0' && s_[p] <= '9'; };
        if (pos_ < s_.size() && s_[pos_] == '-') ++pos_;
        if (!digit(pos_)) return bad("invalid value");
        if (s_[pos_] == '0') ++pos_;
        else while (digit(pos_)) ++pos_;
        if (pos_ < s_.size() && s_[pos_] == '.') {
            ++pos_;
            if (!digit(pos_)) return bad("invalid number");
            while (digit(pos_)) ++pos_;
        }
        if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
            ++pos_;
            if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
            if (!digit(pos_)) return bad("invalid number");
            while (digit(pos_)) ++pos_;
        }
        std::istringstream in(s_.substr(start, pos_ - start));
        in.imbue(std::locale::classic());
        in >> out;
        if (in.fail() || !std::isfinite(out)) return bad("number out of range");
        return true;
    }

    const std::string& s_;
    JsonLimits limits_;
    std::size_t pos_ = 0;
    const char* why_ = "invalid JSON";
};

bool parseJson(const std::string& text, JsonValue& out, std::string& error, const JsonLimits& limits)
{
    out = JsonValue();
    JsonParser p(text, limits);
    return p.run(out, error);
}

std::string formatJsonNumber(double d)
{
    if (!std::isfinite(d)) return "0";
    if (d == std::floor(d) && std::fabs(d) < 9007199254740992.0) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(d));
        return buf;
    }
    std::ostringstream o;
    o.imbue(std::locale::classic());
    o.precision(17);
    o << d;
    return o.str();
}

std::string quoteJsonString(const std::string& s)
{
    std::string o = "\"";
    for (unsigned char c : s) {
        switch (c) {
        case '"': o += "\\\""; break;
        case '\\': o += "\\\\"; break;
        case '\n': o += "\\n"; break;
        case '\r': o += "\\r"; break;
        case '\t': o += "\\t"; break;
        default:
            if (c < 0x20) {
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\u%04x", c);
                o += buf;
            } else {
                o += static_cast<char>(c);
            }
        }
    }
    return o + "\"";
}

void JsonWriter::separator()
{
    if (afterKey_) { afterKey_ = false; return; }
    if (!first_.empty()) {
        if (!first_.back()) out_ += ',';
        first_.back() = false;
    }
}
JsonWriter& JsonWriter::beginObject() { separator(); out_ += '{'; first_.push_back(true); return *this; }
JsonWriter& JsonWriter::endObject() { out_ += '}'; first_.pop_back(); return *this; }
JsonWriter& JsonWriter::key(const char* k) { separator(); out_ += quoteJsonString(k); out_ += ':'; afterKey_ = true; return *this; }
JsonWriter& JsonWriter::value(const std::string& s) { separator(); out_ += quoteJsonString(s); return *this; }
JsonWriter& JsonWriter::value(double d) { separator(); out_ += formatJsonNumber(d); return *this; }
JsonWriter& JsonWriter::value(std::int64_t i) { separator(); out_ += std::to_string(i); return *this; }
JsonWriter& JsonWriter::value(bool b) { separator(); out_ += b ? "true" : "false"; return *this; }
JsonWriter& JsonWriter::raw(const std::string& json) { separator(); out_ += json; return *this; }

} // namespace sb
