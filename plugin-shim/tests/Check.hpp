// Minimal test support for the plugin core: named test cases, CHECK with a message, exit code for ctest.
#pragma once

#include <cstdio>
#include <functional>
#include <string>
#include <vector>

namespace sbtest {

struct Case {
    const char* name;
    std::function<void()> fn;
};
inline std::vector<Case>& cases() { static std::vector<Case> c; return c; }
inline int& failures() { static int f = 0; return f; }
struct Register {
    Register(const char* name, std::function<void()> fn) { cases().push_back({name, std::move(fn)}); }
};

inline int runAll()
{
    for (const Case& c : cases()) {
        const int before = failures();
        c.fn();
        std::printf("%s %s\n", failures() == before ? "ok  " : "FAIL", c.name);
    }
    std::printf("%zu cases, %d failed checks\n", cases().size(), failures());
    return failures() == 0 ? 0 : 1;
}

} // namespace sbtest

#define SB_CAT2(a, b) a##b
#define SB_CAT(a, b) SB_CAT2(a, b)
#define TEST_CASE(name) \
    static void SB_CAT(sbCase, __LINE__)(); \
    static sbtest::Register SB_CAT(sbReg, __LINE__)(name, SB_CAT(sbCase, __LINE__)); \
    static void SB_CAT(sbCase, __LINE__)()
#define CHECK(cond) \
    do { if (!(cond)) { ++sbtest::failures(); std::printf("  %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); } } while (0)
#define CHECK_EQ(a, b) \
    do { const auto sbA = (a); const auto sbB = (b); if (!(sbA == sbB)) { ++sbtest::failures(); \
        std::printf("  %s:%d: %s == %s failed: %s vs %s\n", __FILE__, __LINE__, #a, #b, std::to_string(sbA).c_str(), std::to_string(sbB).c_str()); } } while (0)
#define TEST_MAIN int main() { return sbtest::runAll(); }
