// Minimal RFC 6455 WebSocket client for loopback: framing (masking, fragmentation, ping/pong, close) and the opening handshake.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace sb {
namespace ws {

enum Opcode : std::uint8_t { Continuation = 0, Text = 1, Binary = 2, Close = 8, Ping = 9, Pong = 10 };

struct Message {
    Opcode opcode = Text;
    std::string payload;
    std::uint16_t closeCode = 0; // for Close (1005 when the frame had no code)
};

// Incremental parser of frames a server sends (unmasked). Reassembles fragmented messages; control
// frames may arrive between fragments. Any violation is an Error with a reason (the caller closes
// with 1002, or 1009 when `tooBig`).
class FrameParser {
public:
    // Limit: the largest reassembled message accepted (the protocol's maxBinaryMessageBytes).
    explicit FrameParser(std::size_t maxMessageBytes) : maxMessage_(maxMessageBytes) {}
    enum class Result { NeedMore, Message, Error };

    void feed(const std::uint8_t* data, std::size_t n) { buf_.append(reinterpret_cast<const char*>(data), n); }
    Result next(Message& out);
    const std::string& error() const noexcept { return error_; }
    bool tooBig() const noexcept { return tooBig_; }
    void setMaxMessageBytes(std::size_t n) noexcept { maxMessage_ = n; }
    std::size_t maxMessageBytes() const noexcept { return maxMessage_; }

private:
    Result fail(const std::string& why, bool big = false) { error_ = why; tooBig_ = big; failed_ = true; return Result::Error; }
    std::string buf_;
    std::size_t pos_ = 0;
    std::size_t maxMessage_;
    bool inMessage_ = false;
    Opcode messageOpcode_ = Text;
    std::string message_;
    std::string error_;
    bool tooBig_ = false;
    bool failed_ = false;
};

// One client frame (FIN set unless `more`), masked with `mask` as RFC 6455 requires of clients.
std::string encodeClientFrame(Opcode op, const std::string& payload, const std::uint8_t mask[4], bool more = false);

std::string base64(const std::uint8_t* data, std::size_t n);
void sha1(const std::uint8_t* data, std::size_t n, std::uint8_t out[20]);
// Sec-WebSocket-Accept for a Sec-WebSocket-Key.
std::string acceptKey(const std::string& key);

// A blocking-with-timeouts client on a plain TCP socket to 127.0.0.1. Used by one thread only.
class Client {
public:
    Client();
    ~Client();
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    // Connects and completes the opening handshake, sending `Authorization: Bearer <token>`.
    // On failure returns false; `error` says why, `httpStatus` is set when the server refused.
    bool connect(int port, const std::string& path, const std::string& token, int timeoutMs, std::string& error,
                 int& httpStatus, std::string& httpBody);
    bool isOpen() const noexcept { return fd_ >= 0; }

    bool sendText(const std::string& s) { return sendFrame(Text, s); }
    bool sendBinary(const std::string& s) { return sendFrame(Binary, s); }
    bool sendFrame(Opcode op, const std::string& payload);
    // Sends Close with code and reason, waits briefly for the server's Close, closes the socket.
    void close(std::uint16_t code, const std::string& reason);
    void abort(); // closes the socket at once

    // Waits up to timeoutMs for one data message. Pings are answered, pongs and fragments absorbed.
    enum class Poll { Timeout, Message, Closed, Error };
    Poll poll(int timeoutMs, Message& out, std::string& error);
    FrameParser& parser() noexcept { return parser_; }

private:
    void fillMask(std::uint8_t m[4]);
    int fd_ = -1;
    FrameParser parser_;
    std::mt19937 rng_;
    bool closeSent_ = false;
};

} // namespace ws
} // namespace sb
