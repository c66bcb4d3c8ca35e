// Minimal RFC 6455 WebSocket client (see WebSocket.hpp).
#include "WebSocket.hpp"

#include <chrono>
#include <cstring>

#ifdef _WIN32
#include <winsock2.h>
#include <ws2tcpip.h>
using ssize_t = long long;
#define SB_CLOSESOCKET closesocket
#define SB_POLL WSAPoll
#else
#include <arpa/inet.h>
#include <cerrno>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#define SB_CLOSESOCKET ::close
#define SB_POLL ::poll
#endif

namespace sb {
namespace ws {

FrameParser::Result FrameParser::next(Message& out)
{
    if (failed_) return Result::Error;
    for (;;) {
        const std::size_t avail = buf_.size() - pos_;
        if (avail < 2) break;
        const auto* p = reinterpret_cast<const std::uint8_t*>(buf_.data()) + pos_;
        const bool fin = (p[0] & 0x80) != 0;
        if (p[0] & 0x70) return fail("reserved bits set (no extension was negotiated)");
        const auto op = static_cast<Opcode>(p[0] & 0x0F);
        if (p[1] & 0x80) return fail("the server masked a frame");
        std::uint64_t len = p[1] & 0x7F;
        std::size_t head = 2;
        if (len == 126) {
            if (avail < 4) break;
            len = (static_cast<std::uint64_t>(p[2]) << 8) | p[3];
            if (len < 126) return fail("non-minimal length");
            head = 4;
        } else if (len == 127) {
            if (avail < 10) break;
            len = 0;
            for (int i = 0; i < 8; ++i) len = (len << 8) | p[2 + i];
            if (len >> 63) return fail("length with the top bit set");
            if (len < 65536) return fail("non-minimal length");
            head = 10;
        }
        const bool control = (op & 0x8) != 0;
        if (control) {
            if (!fin) return fail("fragmented control frame");
            if (len > 125) return fail("control frame longer than 125 bytes");
            if (op != Close && op != Ping && op != Pong) return fail("unknown control opcode");
        } else {
            if (op != Continuation && op != Text && op != Binary) return fail("unknown data opcode");
            if (op == Continuation && !inMessage_) return fail("continuation without a message");
            if (op != Continuation && inMessage_) return fail("new message inside a fragmented one");
            if (message_.size() + len > maxMessage_) return fail("message larger than " + std::to_string(maxMessage_) + " bytes", true);
        }
        if (avail - head < len) break;
        const char* payload = buf_.data() + pos_ + head;
        pos_ += head + static_cast<std::size_t>(len);
        if (control) {
            out = Message();
            out.opcode = op;
            out.payload.assign(payload, static_cast<std::size_t>(len));
            if (op == Close) {
                if (len == 1) return fail("close frame with a 1-byte body");
                out.closeCode = len >= 2 ? static_cast<std::uint16_t>((static_cast<std::uint8_t>(payload[0]) << 8) | static_cast<std::uint8_t>(payload[1])) : 1005;
            }
            return Result::Message;
        }
        if (op != Continuation) { inMessage_ = true; messageOpcode_ = op; message_.clear(); }
        message_.append(payload, static_cast<std::size_t>(len));
        if (fin) {
            inMessage_ = false;
            out = Message();
            out.opcode = messageOpcode_;
            out.payload.swap(message_);
            message_.clear();
            return Result::Message;
        }
    }
    // Compact the consumed prefix now and then.
    if (pos_ > 0 && (pos_ > 65536 || pos_ == buf_.size())) { buf_.erase(0, pos_); pos_ = 0; }
    return Result::NeedMore;
}

std::string encodeClientFrame(Opcode op, const std::string& payload, const std::uint8_t mask[4], bool more)
{
    std::string f;
    f.reserve(payload.size() + 14);
    f += static_cast<char>((more ? 0 : 0x80) | op);
    const std::uint64_t n = payload.size();
    if (n < 126) f += static_cast<char>(0x80 | n);
    else if (n < 65536) { f += static_cast<char>(0x80 | 126); f += static_cast<char>(n >> 8); f += static_cast<char>(n & 0xff); }
    else {
        f += static_cast<char>(0x80 | 127);
        for (int i = 7; i >= 0; --i) f += static_cast<char>((n >> (8 * i)) & 0xff);
    }
    f.append(reinterpret_cast<const char*>(mask), 4);
    const std::size_t at = f.size();
    f += payload;
    for (std::size_t i = 0; i < n; ++i) f[at + i] = static_cast<char>(f[at + i] ^ mask[i & 3]);
    return f;
}

std::string base64(const std::uint8_t* d, std::size_t n)
{
    static const char* t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string o;
    for (std::size_t i = 0; i < n; i += 3) {
        const std::uint32_t v = (static_cast<std::uint32_t>(d[i]) << 16) | (i + 1 < n ? d[i + 1] << 8 : 0) | (i + 2 < n ? d[i + 2] : 0);
        o += t[(v >> 18) & 63];
        o += t[(v >> 12) & 63];
        o += i + 1 < n ? t[(v >> 6) & 63] : '=';
        o += i + 2 < n ? t[v & 63] : '=';
    }
    return o;
}

void sha1(const std::uint8_t* data, std::size_t n, std::uint8_t out[20])
{
    std::uint32_t h[5] = {0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0};
    std::vector<std::uint8_t> m(data, data + n);
    m.push_back(0x80);
    while (m.size() % 64 != 56) m.push_back(0);
    const std::uint64_t bits = static_cast<std::uint64_t>(n) * 8;
    for (int i = 7; i >= 0; --i) m.push_back(static_cast<std::uint8_t>(bits >> (8 * i)));
    auto rol = [](std::uint32_t x, int s) { return (x << s) | (x >> (32 - s)); };
    for (std::size_t b = 0; b < m.size(); b += 64) {
        std::uint32_t w[80];
        for (int i = 0; i < 16; ++i)
            w[i] = (static_cast<std::uint32_t>(m[b + 4 * i]) << 24) | (m[b + 4 * i + 1] << 16) | (m[b + 4 * i + 2] << 8) | m[b + 4 * i + 3];
        for (int i = 16; i < 80; ++i) w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
        std::uint32_t a = h[0], bb = h[1], c = h[2], d = h[3], e = h[4];
        for (int i = 0; i < 80; ++i) {
            std::uint32_t f, k;
            if (i < 20) { f = (bb & c) | (~bb & d); k = 0x5A827999; }
            else if (i < 40) { f = bb ^ c ^ d; k = 0x6ED9EBA1; }
            else if (i < 60) { f = (bb & c) | (bb & d) | (c & d); k = 0x8F1BBCDC; }
            else { f = bb ^ c ^ d; k = 0xCA62C1D6; }
            const std::uint32_t t = rol(a, 5) + f + e + k + w[i];
            e = d; d = c; c = rol(bb, 30); bb = a; a = t;
        }
        h[0] += a; h[1] += bb; h[2] += c; h[3] += d; h[4] += e;
    }
    for (int i = 0; i < 5; ++i)
        for (int j = 0; j < 4; ++j) out[4 * i + j] = static_cast<std::uint8_t>(h[i] >> (24 - 8 * j));
}

std::string acceptKey(const std::string& key)
{
    const std::string s = key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    std::uint8_t d[20];
    sha1(reinterpret_cast<const std::uint8_t*>(s.data()), s.size(), d);
    return base64(d, 20);
}

// ---- client ----

namespace {
// Limit: the HTTP response head of the handshake.
constexpr std::size_t kMaxHandshakeBytes = 16384;

bool waitFd(int fd, short events, int timeoutMs)
{
    pollfd p{};
    p.fd = fd;
    p.events = events;
    return SB_POLL(&p, 1, timeoutMs) > 0;
}
bool sendAll(int fd, const char* d, std::size_t n)
{
    while (n > 0) {
#ifdef MSG_NOSIGNAL
        const ssize_t w = ::send(fd, d, n, MSG_NOSIGNAL);
#else
        const ssize_t w = ::send(fd, d, static_cast<int>(n), 0);
#endif
        if (w < 0) {
#ifndef _WIN32
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) { if (!waitFd(fd, POLLOUT, 5000)) return false; continue; }
#endif
            return false;
        }
        d += w;
        n -= static_cast<std::size_t>(w);
    }
    return true;
}
std::string lower(std::string s)
{
    for (char& c : s) if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return s;
}
} // namespace

Client::Client() : parser_(1 << 20), rng_(std::random_device{}())
{
#ifdef _WIN32
    static const bool started = [] { WSADATA d; return WSAStartup(MAKEWORD(2, 2), &d) == 0; }();
    (void)started;
#endif
}
Client::~Client() { abort(); }

void Client::fillMask(std::uint8_t m[4])
{
    const std::uint32_t r = rng_();
    std::memcpy(m, &r, 4);
}

void Client::abort()
{
    if (fd_ >= 0) SB_CLOSESOCKET(fd_);
    fd_ = -1;
}

bool Client::connect(int port, const std::string& path, const std::string& token, int timeoutMs, std::string& error,
                     int& httpStatus, std::string& httpBody)
{
    abort();
    httpStatus = 0;
    httpBody.clear();
    parser_ = FrameParser(parser_.maxMessageBytes());
    closeSent_ = false;
    const int fd = static_cast<int>(::socket(AF_INET, SOCK_STREAM, 0));
    if (fd < 0) { error = "cannot create a socket"; return false; }
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
#ifndef _WIN32
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        if (errno != EINPROGRESS || !waitFd(fd, POLLOUT, timeoutMs)) { SB_CLOSESOCKET(fd); error = "connection refused or timed out"; return false; }
        int soerr = 0;
        socklen_t sl = sizeof soerr;
        ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
        if (soerr != 0) { SB_CLOSESOCKET(fd); error = std::string("connect: ") + std::strerror(soerr); return false; }
    }
#else
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) { SB_CLOSESOCKET(fd); error = "connection refused"; return false; }
#endif
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, reinterpret_cast<const char*>(&one), sizeof one);
#ifdef SO_NOSIGPIPE
    // macOS has no MSG_NOSIGNAL: a host that vanished must not raise SIGPIPE in the DAW.
    ::setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof one);
#endif
    fd_ = fd;

    std::uint8_t nonce[16];
    for (int i = 0; i < 16; i += 4) fillMask(nonce + i);
    const std::string key = base64(nonce, 16);
    const std::string req = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port)
                            + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + key
                            + "\r\nSec-WebSocket-Version: 13\r\nAuthorization: Bearer " + token + "\r\n\r\n";
    if (!sendAll(fd_, req.data(), req.size())) { abort(); error = "cannot send the handshake"; return false; }

    std::string resp;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
    std::size_t headEnd = std::string::npos;
    char buf[4096];
    while ((headEnd = resp.find("\r\n\r\n")) == std::string::npos) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
        if (left <= 0 || !waitFd(fd_, POLLIN, static_cast<int>(left))) { abort(); error = "no handshake response in time"; return false; }
        const ssize_t r = ::recv(fd_, buf, sizeof buf, 0);
        if (r <= 0) { abort(); error = "connection closed during the handshake"; return false; }
        resp.append(buf, static_cast<std::size_t>(r));
        if (resp.size() > kMaxHandshakeBytes) { abort(); error = "handshake response too long"; return false; }
    }
    const std::string head = resp.substr(0, headEnd);
    const std::string rest = resp.substr(headEnd + 4);
    if (head.compare(0, 9, "HTTP/1.1 ") != 0 || head.size() < 12) { abort(); error = "not an HTTP response"; return false; }
    httpStatus = std::atoi(head.substr(9, 3).c_str());
    if (httpStatus != 101) {
        // The refusal body ({"code","message"}) is short; read what is already there.
        httpBody = rest;
        if (waitFd(fd_, POLLIN, 200)) {
            const ssize_t r = ::recv(fd_, buf, sizeof buf, 0);
            if (r > 0) httpBody.append(buf, static_cast<std::size_t>(r));
        }
        abort();
        error = "the host refused the WebSocket (HTTP " + std::to_string(httpStatus) + ")";
        return false;
    }
    const std::string lh = lower(head);
    const std::size_t acc = lh.find("\r\nsec-websocket-accept:");
    if (acc == std::string::npos) { abort(); error = "no Sec-WebSocket-Accept"; return false; }
    std::size_t v = acc + 23;
    while (v < head.size() && head[v] == ' ') ++v;
    const std::size_t e = head.find("\r\n", v);
    std::string got = head.substr(v, e == std::string::npos ? std::string::npos : e - v);
    while (!got.empty() && (got.back() == ' ' || got.back() == '\t')) got.pop_back();
    if (got != acceptKey(key)) { abort(); error = "wrong Sec-WebSocket-Accept"; return false; }
    if (!rest.empty()) parser_.feed(reinterpret_cast<const std::uint8_t*>(rest.data()), rest.size());
    return true;
}

bool Client::sendFrame(Opcode op, const std::string& payload)
{
    if (fd_ < 0) return false;
    std::uint8_t m[4];
    fillMask(m);
    const std::string f = encodeClientFrame(op, payload, m);
    if (!sendAll(fd_, f.data(), f.size())) { abort(); return false; }
    return true;
}

void Client::close(std::uint16_t code, const std::string& reason)
{
    if (fd_ < 0) return;
    if (!closeSent_) {
        std::string body;
        body += static_cast<char>(code >> 8);
        body += static_cast<char>(code & 0xff);
        body += reason.substr(0, 120);
        closeSent_ = true;
        sendFrame(Close, body);
    }
    Message m;
    std::string err;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(500);
    while (fd_ >= 0 && std::chrono::steady_clock::now() < deadline) {
        const Poll p = poll(50, m, err);
        if (p == Poll::Closed || p == Poll::Error) break;
    }
    abort();
}

Client::Poll Client::poll(int timeoutMs, Message& out, std::string& error)
{
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
    for (;;) {
        if (fd_ < 0) return Poll::Closed;
        const FrameParser::Result r = parser_.next(out);
        if (r == FrameParser::Result::Error) {
            error = parser_.error();
            if (!closeSent_) {
                const std::uint16_t code = parser_.tooBig() ? 1009 : 1002;
                std::string body{static_cast<char>(code >> 8), static_cast<char>(code & 0xff)};
                closeSent_ = true;
                sendFrame(Close, body);
            }
            abort();
            return Poll::Error;
        }
        if (r == FrameParser::Result::Message) {
            if (out.opcode == Ping) { sendFrame(Pong, out.payload); continue; }
            if (out.opcode == Pong) continue;
            if (out.opcode == Close) {
                if (!closeSent_) {
                    std::string body;
                    if (out.closeCode != 1005) body = out.payload.substr(0, 2);
                    closeSent_ = true;
                    sendFrame(Close, body);
                }
                abort();
                return Poll::Closed;
            }
            return Poll::Message;
        }
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
        if (left <= 0 || !waitFd(fd_, POLLIN, static_cast<int>(left))) return Poll::Timeout;
        char buf[65536];
        const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
        if (n == 0) { abort(); error = "the host closed the connection"; return Poll::Closed; }
        if (n < 0) {
#ifndef _WIN32
            if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
#endif
            abort();
            error = "socket error";
            return Poll::Error;
        }
        parser_.feed(reinterpret_cast<const std::uint8_t*>(buf), static_cast<std::size_t>(n));
    }
}

} // namespace ws
} // namespace sb
