// The plugin's network thread: finds and joins the host, answers captures, receives takes, drives playback through rings.
#pragma once

#include "../AudioEngine.hpp"
#include "../PositionLog.hpp"
#include "Protocol.hpp"
#include "WebSocket.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace sb {

// Every limit and timing of the network side, with its default.
struct BridgeOptions {
    int backoffInitialMs = 500;     // first retry after the host was away
    int backoffMaxMs = 10000;       // retries never wait longer than this
    int connectTimeoutMs = 2000;    // TCP connect + HTTP upgrade
    int helloTimeoutMs = 5000;      // waiting for `welcome`
    int loopPollMs = 5;             // how often the audio rings are drained at the least
    int statusHeartbeatMs = 1000;   // status sent at least this often
    int statusMinIntervalMs = 250;  // and at most this often, unless the playback state changed
    int playReplyWaitMs = 250;      // a `play` at the next bar line waits this long for the audio thread to name the bar
    std::string clientVersion = "0.1.0";
    std::string configDir;          // empty: sb::configDir()
    std::function<void(const std::string&)> log; // empty: one line on stderr
};

class Bridge {
public:
    Bridge(AudioEngine& engine, BridgeOptions options = {});
    ~Bridge();
    Bridge(const Bridge&) = delete;
    Bridge& operator=(const Bridge&) = delete;

    // Not real-time. Starts the network thread; the engine must be active (its rings exist).
    void start(const proto::Identity& identity);
    // Not real-time. Closes the connection, joins the thread and frees every take it owns. The
    // audio thread must not run any more (call from deactivate, before AudioEngine::deactivate).
    void stop();

    bool connected() const noexcept { return connected_.load(std::memory_order_acquire); }
    std::string instanceId() const;       // possibly reassigned by the host's welcome
    std::int64_t lastTriggeredBar() const noexcept { return lastTrigger_.load(); } // -1: none yet
    std::uint64_t connects() const noexcept { return connects_.load(); }
    // Not real-time (any thread). The DAW's track name changed: sent in the next hello, and at once as
    // `identity` when connected.
    void setTrackName(const std::string& name);

private:
    using Clock = std::chrono::steady_clock;
    void run();
    void drainAudio();
    bool attempt();
    void disconnected(const std::string& why);
    void handleText(const std::string& text);
    void handleBinary(const std::string& bytes);
    void onCapture(const proto::HostMessage& m);
    void onTakeBegin(const proto::HostMessage& m);
    void onTakeEnd(const proto::HostMessage& m);
    void onTakeDrop(const proto::HostMessage& m);
    void onPlay(const proto::HostMessage& m);
    void onStop(const proto::HostMessage& m);
    void sendError(const std::string& code, const std::string& message, std::int64_t id, const std::string& details = "");
    void sendTransportIfDue(bool force);
    void sendStatusIfDue(bool force);
    proto::Identity currentIdentity();
    void forget(Take* t);      // no longer in the store: free now, or when the audio thread gives it back
    void dropAllTakes();
    void log(const std::string& line);
    bool push(const Command& c);
    void answerPendingPlays(bool flush);

    AudioEngine& engine_;
    BridgeOptions options_;
    proto::Limits limits_;
    proto::Identity identity_;
    mutable std::mutex identityMutex_;
    PositionLog log_;
    ws::Client client_;
    std::thread thread_;
    std::atomic<bool> stop_{false};
    std::atomic<bool> connected_{false};
    std::atomic<std::int64_t> lastTrigger_{-1};
    std::atomic<std::uint64_t> connects_{0};
    std::atomic<bool> identityChanged_{false};

    // Takes: the store (by the host's take number), uploads in progress, and lent-out counts.
    std::map<std::uint32_t, Take*> store_;
    struct Upload { Take* take = nullptr; std::int64_t received = 0; bool aborted = false; };
    std::map<std::uint32_t, Upload> uploads_;
    std::map<Take*, int> lent_;
    std::set<Take*> zombies_; // forgotten while lent

    // Replies to `play` at the next bar line, held until the audio thread has resolved that bar.
    struct PendingPlay { std::int64_t id = 0; std::uint64_t command = 0; std::uint32_t take = 0; Clock::time_point deadline{}; };
    std::vector<PendingPlay> pendingPlays_;
    std::uint64_t commandsPushed_ = 0;

    // Reconnection and reporting state.
    int protocolMinor_ = 0; // negotiated in welcome
    int backoffMs_ = 0;
    Clock::time_point nextAttempt_{};
    std::string lastFailure_;
    HostPosition lastPos_{};
    std::int64_t lastRingFrame_ = 0;
    bool havePos_ = false;
    Clock::time_point lastTransportSent_{};
    HostPosition lastSentPos_{};
    bool sentAnyTransport_ = false;
    Clock::time_point lastStatusSent_{};
    int lastState_ = -1;
    std::uint32_t lastTake_ = 0;
    std::int64_t lastBar_ = -2, lastDrops_ = -1, lastUnderruns_ = -1, lastTakes_ = -1;
};

} // namespace sb
