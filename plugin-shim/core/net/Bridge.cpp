// The plugin's network thread (see Bridge.hpp).
#include "Bridge.hpp"

#include "../Capture.hpp"
#include "Discovery.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace sb {

using namespace std::chrono;

Bridge::Bridge(AudioEngine& engine, BridgeOptions options) : engine_(engine), options_(std::move(options)) {}

Bridge::~Bridge() { stop(); }

void Bridge::log(const std::string& line)
{
    if (options_.log) options_.log(line);
    else std::fprintf(stderr, "stylebridge plugin: %s\n", line.c_str());
}

std::string Bridge::instanceId() const
{
    std::lock_guard<std::mutex> lock(identityMutex_);
    return identity_.instanceId;
}

void Bridge::start(const proto::Identity& identity)
{
    stop();
    {
        std::lock_guard<std::mutex> lock(identityMutex_);
        identity_ = identity;
    }
    log_.reset(engine_.sampleRate());
    stop_ = false;
    backoffMs_ = 0;
    nextAttempt_ = Clock::now();
    havePos_ = false;
    thread_ = std::thread([this] { run(); });
}

void Bridge::stop()
{
    if (!thread_.joinable()) return;
    stop_ = true;
    thread_.join();
    // The audio thread no longer runs: every take this side knows is freed here, lent or not.
    for (auto& kv : uploads_) delete kv.second.take;
    uploads_.clear();
    for (auto& kv : store_) delete kv.second;
    store_.clear();
    for (Take* t : zombies_) delete t;
    zombies_.clear();
    lent_.clear();
}

bool Bridge::push(const Command& c)
{
    if (!engine_.commands().tryPush(c)) return false;
    if (c.take) ++lent_[c.take];
    ++commandsPushed_;
    return true;
}

void Bridge::forget(Take* t)
{
    if (!t) return;
    if (lent_.count(t)) zombies_.insert(t);
    else delete t;
}

void Bridge::dropAllTakes()
{
    for (auto& kv : uploads_) delete kv.second.take;
    uploads_.clear();
    for (auto& kv : store_) forget(kv.second);
    store_.clear();
}

void Bridge::drainAudio()
{
    BlockRecord r;
    static const bool tracePositions = std::getenv("STYLEBRIDGE_PLUGIN_TRACE_POSITIONS") != nullptr;
    while (engine_.records().tryPop(r)) {
        if (tracePositions)
            log("block ring=" + std::to_string(r.ringFrame) + " n=" + std::to_string(r.frames) + " valid=" + std::to_string(r.pos.valid)
                + " playing=" + std::to_string(r.pos.playing) + " ppq=" + formatJsonNumber(r.pos.ppq) + " bpm=" + formatJsonNumber(r.pos.bpm)
                + " frame=" + std::to_string(r.pos.hostFrame));
        log_.append(r);
        lastRingFrame_ = r.ringFrame + r.frames;
        if (r.pos.valid) { lastPos_ = r.pos; havePos_ = true; }
        else if (havePos_) lastPos_.playing = false;
    }
    log_.prune(engine_.history().oldestReadable());
    Take* t = nullptr;
    while (engine_.returns().tryPop(t)) {
        auto it = lent_.find(t);
        if (it != lent_.end() && --it->second <= 0) {
            lent_.erase(it);
            if (zombies_.erase(t)) delete t;
        }
    }
    CaptureTrigger trig;
    while (engine_.triggers().tryPop(trig)) {
        std::int64_t bar = -1;
        if (log_.lastCompleteBarAt(trig.ringFrame, bar) && bar >= 0) {
            lastTrigger_ = bar;
            // Protocol 1.1: the host captures that bar and keeps it; with a 1.0 host (or none) the bar is only logged.
            if (client_.isOpen() && protocolMinor_ >= 1) {
                client_.sendText(proto::writeCaptureRequest(bar, 1));
                log("Capture parameter: asked the host to capture bar " + std::to_string(bar));
            } else {
                log("Capture parameter: last complete bar is bar " + std::to_string(bar) + " (no host that takes capture requests)");
            }
        } else {
            log("Capture parameter: no complete bar heard (transport stopped or no position)");
        }
    }
}

void Bridge::run()
{
    while (!stop_) {
        drainAudio();
        if (!client_.isOpen()) {
            if (Clock::now() >= nextAttempt_) {
                if (!attempt()) {
                    backoffMs_ = backoffMs_ == 0 ? options_.backoffInitialMs : std::min(backoffMs_ * 2, options_.backoffMaxMs);
                    nextAttempt_ = Clock::now() + milliseconds(backoffMs_);
                }
            } else {
                std::this_thread::sleep_for(milliseconds(options_.loopPollMs));
            }
            continue;
        }
        ws::Message m;
        std::string err;
        switch (client_.poll(options_.loopPollMs, m, err)) {
        case ws::Client::Poll::Message:
            if (m.opcode == ws::Text) handleText(m.payload);
            else handleBinary(m.payload);
            break;
        case ws::Client::Poll::Closed: disconnected(err.empty() ? "the host closed the connection" : err); continue;
        case ws::Client::Poll::Error: disconnected("protocol error: " + err); continue;
        case ws::Client::Poll::Timeout: break;
        }
        if (client_.isOpen()) {
            if (identityChanged_.exchange(false)) {
                const proto::Identity id = currentIdentity();
                client_.sendText(proto::writeIdentity(id));
                log("track name is now \"" + id.trackName + "\"");
            }
            answerPendingPlays(false);
            sendTransportIfDue(false);
            sendStatusIfDue(false);
        }
    }
    if (client_.isOpen()) client_.close(1001, "plugin unloaded");
    connected_ = false;
}

proto::Identity Bridge::currentIdentity()
{
    proto::Identity id;
    {
        std::lock_guard<std::mutex> lock(identityMutex_);
        id = identity_;
    }
    id.historyFrames = std::max<std::int64_t>(0, engine_.history().capacity()
                                                     - static_cast<std::int64_t>(engine_.limits().marginSeconds * engine_.sampleRate()));
    return id;
}

void Bridge::setTrackName(const std::string& name)
{
    std::lock_guard<std::mutex> lock(identityMutex_);
    if (identity_.trackName == name) return;
    identity_.trackName = name;
    identityChanged_ = true;
}

bool Bridge::attempt()
{
    BridgeInfo info;
    std::string err;
    const std::string dir = options_.configDir.empty() ? configDir() : options_.configDir;
    auto failed = [&](const std::string& why) {
        if (why != lastFailure_) log("host not reachable: " + why + " (retrying with backoff)");
        lastFailure_ = why;
        return false;
    };
    if (!readBridgeFile(dir, info, err)) return failed(err);
    int status = 0;
    std::string body;
    if (!client_.connect(info.port, "/plugin", info.token, options_.connectTimeoutMs, err, status, body))
        return failed(err + (body.empty() ? "" : ": " + body.substr(0, 200)));
    client_.parser().setMaxMessageBytes(limits_.maxBinaryMessageBytes);
    identityChanged_ = false; // the hello carries the current identity
    if (!client_.sendText(proto::writeHello(currentIdentity(), options_.clientVersion))) return failed("connection lost while sending hello");
    const auto deadline = Clock::now() + milliseconds(options_.helloTimeoutMs);
    while (!stop_ && Clock::now() < deadline) {
        drainAudio();
        ws::Message m;
        const auto p = client_.poll(options_.loopPollMs, m, err);
        if (p == ws::Client::Poll::Timeout) continue;
        if (p != ws::Client::Poll::Message) return failed("connection closed during the handshake" + (err.empty() ? "" : ": " + err));
        proto::HostMessage hm;
        proto::Fault f;
        if (m.opcode != ws::Text || !proto::parseHostMessage(m.payload, limits_, hm, f)) {
            client_.close(1002, "expected welcome");
            return failed("the host's first message is not a valid welcome (" + f.message + ")");
        }
        if (hm.type == proto::HostType::Error) {
            client_.close(1000, "");
            return failed("the host refused: " + hm.code + " " + hm.message);
        }
        if (hm.type != proto::HostType::Welcome) {
            client_.close(1002, "expected welcome");
            return failed("the host's first message is not welcome");
        }
        if (hm.major != proto::kMajor) {
            client_.close(1000, "");
            return failed("the host speaks protocol " + std::to_string(hm.major));
        }
        limits_ = proto::Limits();
        proto::applyWelcomeLimits(hm.limits, limits_);
        protocolMinor_ = std::min(hm.minor, proto::kMinor);
        client_.parser().setMaxMessageBytes(limits_.maxBinaryMessageBytes);
        if (!hm.instanceId.empty()) {
            std::lock_guard<std::mutex> lock(identityMutex_);
            identity_.instanceId = hm.instanceId;
        }
        log("connected to the host on port " + std::to_string(info.port) + " (session " + hm.session + ")");
        lastFailure_.clear();
        backoffMs_ = 0;
        connected_ = true;
        ++connects_;
        sentAnyTransport_ = false;
        lastState_ = -1;
        sendTransportIfDue(true);
        sendStatusIfDue(true);
        return true;
    }
    client_.abort();
    return failed("no welcome within " + std::to_string(options_.helloTimeoutMs) + " ms");
}

void Bridge::disconnected(const std::string& why)
{
    connected_ = false;
    client_.abort();
    pendingPlays_.clear();
    log("disconnected: " + why + "; passing audio through and reconnecting");
    // Take numbers belong to the connection: stop playback and forget every take.
    Command stopNow;
    stopNow.kind = Command::StopNow;
    push(stopNow);
    dropAllTakes();
    backoffMs_ = options_.backoffInitialMs;
    nextAttempt_ = Clock::now() + milliseconds(backoffMs_);
}

void Bridge::sendError(const std::string& code, const std::string& message, std::int64_t id, const std::string& details)
{
    proto::Fault f;
    f.code = code;
    f.message = message;
    f.id = id;
    f.detailsJson = details;
    client_.sendText(proto::writeError(f));
}

void Bridge::handleText(const std::string& text)
{
    proto::HostMessage m;
    proto::Fault f;
    if (!proto::parseHostMessage(text, limits_, m, f)) {
        log("refused a message from the host: " + f.code + " " + f.message);
        client_.sendText(proto::writeError(f));
        return;
    }
    switch (m.type) {
    case proto::HostType::Welcome: log("ignored a second welcome"); break;
    case proto::HostType::Error: log("host error " + m.code + ": " + m.message); break;
    case proto::HostType::Capture: onCapture(m); break;
    case proto::HostType::TakeBegin: onTakeBegin(m); break;
    case proto::HostType::TakeEnd: onTakeEnd(m); break;
    case proto::HostType::TakeDrop: onTakeDrop(m); break;
    case proto::HostType::Play: onPlay(m); break;
    case proto::HostType::Stop: onStop(m); break;
    }
}

void Bridge::handleBinary(const std::string& bytes)
{
    proto::FrameHeader h;
    const std::uint8_t* samples = nullptr;
    proto::Fault f;
    bool readable = false;
    if (!proto::decodeFrame(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size(), limits_.maxChannels, h, samples, f, readable)) {
        if (readable && h.kind == proto::TakeAudio) {
            auto it = uploads_.find(h.id);
            if (it != uploads_.end()) it->second.aborted = true;
        }
        log("refused an audio frame: " + f.message);
        sendError(f.code, f.message, 0);
        return;
    }
    auto it = h.kind == proto::TakeAudio ? uploads_.find(h.id) : uploads_.end();
    if (it == uploads_.end() || it->second.aborted) {
        sendError("PROTO_UNEXPECTED_FRAME", "Audio frame for no open transfer (kind " + std::to_string(h.kind) + ", id " + std::to_string(h.id) + ").", 0);
        return;
    }
    Upload& u = it->second;
    Take* t = u.take;
    if (h.sampleRate != static_cast<std::uint32_t>(t->sampleRate) || h.channels != t->channels
        || h.totalFrames != static_cast<std::uint32_t>(t->frames) || h.frameOffset != u.received) {
        u.aborted = true;
        sendError("PROTO_UNEXPECTED_FRAME", "Audio frame does not continue take " + std::to_string(h.id) + " as announced.", 0);
        return;
    }
    for (int c = 0; c < t->channels; ++c) proto::readSamples(h, samples, c, t->data[c].data() + h.frameOffset);
    u.received += h.frameCount;
}

void Bridge::onCapture(const proto::HostMessage& m)
{
    if (!havePos_) {
        sendError("CAPTURE_NO_TRANSPORT", "The DAW has given the plugin no musical position.", m.id);
        return;
    }
    const Meter meter = lastPos_.meter;
    const double barFrames = quartersPerBar(meter) * framesPerQuarter(engine_.sampleRate(), lastPos_.bpm);
    const double reach = static_cast<double>(engine_.history().capacity())
                         - engine_.limits().marginSeconds * engine_.sampleRate();
    if (barFrames * m.bars > reach) {
        sendError("CAPTURE_TOO_LONG", std::to_string(m.bars) + " bars at this tempo are longer than the plugin's history.", m.id,
                  JsonWriter().beginObject().key("bars").value(m.bars).key("historyFrames").value(reach).endObject().str());
        return;
    }
    std::int64_t first = m.bar;
    if (m.at == proto::At::Last) {
        std::int64_t last = -1;
        if (!log_.lastCompleteBarAt(lastRingFrame_, last) || last - m.bars + 1 < 0) {
            sendError("CAPTURE_NOT_HEARD", "No complete bar has been heard yet.", m.id);
            return;
        }
        first = last - m.bars + 1;
    }
    const CaptureResult r = cutBar(log_, engine_.history(), first, m.bars);
    if (r.status != BarStatus::Ok) {
        std::string msg = r.reason;
        if (!msg.empty()) msg[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(msg[0])));
        sendError("CAPTURE_NOT_HEARD", msg + ".", m.id,
                  JsonWriter().beginObject().key("bar").value(first).key("bars").value(m.bars).endObject().str());
        return;
    }
    proto::Captured c;
    c.id = m.id;
    c.bar = first;
    c.bars = m.bars;
    c.startSample = std::max<std::int64_t>(0, r.hostStartSample);
    c.frames = r.frames;
    c.sampleRate = static_cast<int>(std::lround(engine_.sampleRate()));
    c.channels = 2;
    c.bpm = r.bpm;
    c.meterNum = r.meter.num;
    c.meterDen = r.meter.den;
    if (!client_.sendText(proto::writeCaptured(c))) return;
    const std::uint32_t chunk = proto::maxFramesPerChunk(limits_.maxBinaryMessageBytes, 2);
    for (std::int64_t off = 0; off < r.frames;) {
        proto::FrameHeader h;
        h.kind = proto::CaptureAudio;
        h.id = static_cast<std::uint32_t>(m.id);
        h.sampleRate = static_cast<std::uint32_t>(c.sampleRate);
        h.channels = 2;
        h.frameOffset = static_cast<std::uint32_t>(off);
        h.frameCount = static_cast<std::uint32_t>(std::min<std::int64_t>(chunk, r.frames - off));
        h.totalFrames = static_cast<std::uint32_t>(r.frames);
        h.flags = off + h.frameCount == r.frames ? proto::kFlagLast : 0;
        const float* ch[2] = {r.channels[0].data() + off, r.channels[1].data() + off};
        if (!client_.sendBinary(proto::encodeFrame(h, ch))) return;
        off += h.frameCount;
        drainAudio(); // a long capture must not starve the position ring
    }
}

void Bridge::onTakeBegin(const proto::HostMessage& m)
{
    if (m.sampleRate != static_cast<int>(std::lround(engine_.sampleRate())) || m.channels > 2) {
        sendError("TAKE_FORMAT", "The plugin runs at " + formatJsonNumber(engine_.sampleRate()) + " Hz with 2 channels.", m.id);
        return;
    }
    const bool replacing = store_.count(m.take) != 0;
    if (!replacing && static_cast<int>(store_.size() + uploads_.size()) >= limits_.maxTakesPerPlugin) {
        sendError("TAKE_LIMIT", "The plugin already holds " + std::to_string(store_.size()) + " takes.", m.id);
        return;
    }
    auto old = uploads_.find(m.take);
    if (old != uploads_.end()) { delete old->second.take; uploads_.erase(old); }
    Take* t = new Take;
    t->id = m.take;
    t->sampleRate = m.sampleRate;
    t->channels = m.channels;
    t->frames = m.frames;
    for (int c = 0; c < m.channels; ++c) t->data[c].assign(static_cast<std::size_t>(m.frames), 0.f);
    uploads_[m.take] = Upload{t, 0, false};
    client_.sendText(proto::writeOk(m.id));
}

void Bridge::onTakeEnd(const proto::HostMessage& m)
{
    auto it = uploads_.find(m.take);
    if (it == uploads_.end()) {
        sendError("TAKE_UNKNOWN", "No upload of take " + std::to_string(m.take) + " is open.", m.id);
        return;
    }
    Upload u = it->second;
    uploads_.erase(it);
    if (u.aborted || u.received != u.take->frames) {
        const std::string msg = "Take " + std::to_string(m.take) + " ended after " + std::to_string(u.received) + " of "
                                + std::to_string(u.take->frames) + " frames" + (u.aborted ? " (a frame was refused)." : ".");
        delete u.take;
        sendError("TAKE_INCOMPLETE", msg, m.id);
        return;
    }
    auto prev = store_.find(m.take);
    if (prev != store_.end()) forget(prev->second);
    store_[m.take] = u.take;
    client_.sendText(proto::writeOk(m.id));
}

void Bridge::onTakeDrop(const proto::HostMessage& m)
{
    auto it = store_.find(m.take);
    if (it == store_.end()) {
        sendError("TAKE_UNKNOWN", "The plugin does not hold take " + std::to_string(m.take) + ".", m.id);
        return;
    }
    forget(it->second);
    store_.erase(it);
    client_.sendText(proto::writeOk(m.id));
}

void Bridge::onPlay(const proto::HostMessage& m)
{
    auto it = store_.find(m.take);
    if (it == store_.end()) {
        sendError("TAKE_UNKNOWN", "The plugin does not hold take " + std::to_string(m.take) + ".", m.id);
        return;
    }
    if (m.at == proto::At::Bar && havePos_ && lastPos_.playing && barStartPpq(m.bar, lastPos_.meter) < lastPos_.ppq - kPpqEpsilon) {
        sendError("PLAY_BAD_BAR", "Bar " + std::to_string(m.bar) + " has already passed.", m.id,
                  JsonWriter().beginObject().key("bar").value(m.bar).endObject().str());
        return;
    }
    int bars = 1;
    if (havePos_) {
        // The loop length in bars follows from the take's length at the current tempo and meter.
        const double barFrames = quartersPerBar(lastPos_.meter) * framesPerQuarter(engine_.sampleRate(), lastPos_.bpm);
        bars = std::max(1, static_cast<int>(std::lround(static_cast<double>(it->second->frames) / barFrames)));
    }
    Command c;
    c.kind = Command::Play;
    c.take = it->second;
    c.startBar = m.at == proto::At::Bar ? m.bar : Playback::kNextBar;
    c.params = PlayParams{m.mix, static_cast<float>(m.gain), m.loop, bars};
    if (!push(c)) {
        sendError("INTERNAL", "The playback command queue is full.", m.id);
        return;
    }
    if (m.at == proto::At::Bar) {
        client_.sendText(proto::writeOk(m.id, true, m.bar));
        return;
    }
    // "Next bar line" is resolved by the audio thread in its next rolling block: the reply waits for it (a
    // short while) so the host learns the bar the take starts at.
    pendingPlays_.push_back(PendingPlay{m.id, commandsPushed_, it->second->id, Clock::now() + milliseconds(options_.playReplyWaitMs)});
    answerPendingPlays(false);
}

void Bridge::answerPendingPlays(bool flush)
{
    if (pendingPlays_.empty()) return;
    PlaybackReport& r = engine_.report();
    const std::uint64_t applied = r.applied.load(std::memory_order_acquire);
    const std::int64_t pendingBar = r.pendingBar.load(std::memory_order_relaxed);
    const int state = r.state.load(std::memory_order_relaxed);
    const std::uint32_t take = r.take.load(std::memory_order_relaxed);
    const std::int64_t bar = r.bar.load(std::memory_order_relaxed);
    const auto now = Clock::now();
    for (auto it = pendingPlays_.begin(); it != pendingPlays_.end();) {
        std::int64_t startBar = -1;
        bool answer = flush || now >= it->deadline;
        if (applied > it->command) answer = true; // a later command superseded it: no bar to promise
        else if (applied == it->command) {
            // The audio thread took it: armed at a resolved bar, or already switched to it within that block.
            if (pendingBar >= 0) startBar = pendingBar;
            else if (state == 2 && take == it->take && bar >= 0) startBar = bar;
            answer = answer || startBar >= 0;
        }
        if (!answer) { ++it; continue; }
        client_.sendText(proto::writeOk(it->id, startBar >= 0, startBar));
        it = pendingPlays_.erase(it);
    }
}

void Bridge::onStop(const proto::HostMessage& m)
{
    if (m.at == proto::At::Bar && havePos_ && lastPos_.playing && barStartPpq(m.bar, lastPos_.meter) < lastPos_.ppq - kPpqEpsilon) {
        sendError("PLAY_BAD_BAR", "Bar " + std::to_string(m.bar) + " has already passed.", m.id);
        return;
    }
    Command c;
    c.kind = m.at == proto::At::Now ? Command::StopNow : Command::Stop;
    c.startBar = m.at == proto::At::Bar ? m.bar : Playback::kNextBar;
    if (!push(c)) {
        sendError("INTERNAL", "The playback command queue is full.", m.id);
        return;
    }
    client_.sendText(proto::writeOk(m.id, m.at == proto::At::Bar, m.bar));
}

void Bridge::sendTransportIfDue(bool force)
{
    if (!havePos_ || lastPos_.ppq < 0 || lastPos_.bpm < 20 || lastPos_.bpm > 999 || lastPos_.meter.num > 32 || lastPos_.meter.den > 32)
        return;
    const auto now = Clock::now();
    const bool changed = !sentAnyTransport_ || lastPos_.playing != lastSentPos_.playing || lastPos_.bpm != lastSentPos_.bpm
                         || lastPos_.meter.num != lastSentPos_.meter.num || lastPos_.meter.den != lastSentPos_.meter.den;
    const bool due = lastPos_.playing && now - lastTransportSent_ >= duration<double>(1.0 / limits_.transportRateHz);
    if (!force && !changed && !due) return;
    // While the rate allows it only: a change right after a send waits for the next slot.
    if (!force && now - lastTransportSent_ < duration<double>(1.0 / limits_.transportRateHz)) return;
    proto::Transport t;
    t.playing = lastPos_.playing;
    t.bpm = lastPos_.bpm;
    t.meterNum = lastPos_.meter.num;
    t.meterDen = lastPos_.meter.den;
    t.bar = barAtPpq(lastPos_.ppq, lastPos_.meter);
    t.barStartPpq = barStartPpq(t.bar, lastPos_.meter);
    t.ppq = lastPos_.ppq;
    t.beat = std::max(0.0, (t.ppq - t.barStartPpq) * lastPos_.meter.den / 4.0);
    t.sample = std::max<std::int64_t>(0, lastPos_.hostFrame);
    if (client_.sendText(proto::writeTransport(t))) {
        lastTransportSent_ = now;
        lastSentPos_ = lastPos_;
        sentAnyTransport_ = true;
    }
}

void Bridge::sendStatusIfDue(bool force)
{
    auto& rep = engine_.report();
    auto& cnt = engine_.counters();
    const int state = rep.state.load(std::memory_order_relaxed);
    const std::uint32_t take = rep.take.load(std::memory_order_relaxed);
    const std::int64_t bar = rep.bar.load(std::memory_order_relaxed);
    const std::int64_t drops = static_cast<std::int64_t>(cnt.droppedRecords.load() + cnt.droppedEvents.load());
    const std::int64_t underruns = static_cast<std::int64_t>(cnt.underruns.load());
    const std::int64_t takes = static_cast<std::int64_t>(store_.size());
    const auto now = Clock::now();
    const bool stateChanged = state != lastState_ || take != lastTake_ || bar != lastBar_;
    const bool countersChanged = drops != lastDrops_ || underruns != lastUnderruns_ || takes != lastTakes_;
    const auto since = now - lastStatusSent_;
    if (!force && !stateChanged && !(countersChanged && since >= milliseconds(options_.statusMinIntervalMs))
        && since < milliseconds(options_.statusHeartbeatMs))
        return;
    proto::Status s;
    s.state = state == 2 ? "playing" : state == 1 ? "armed" : "idle";
    s.take = take;
    s.hasBar = bar >= 0;
    s.bar = bar;
    s.takes = takes;
    s.drops = drops;
    s.underruns = underruns;
    if (client_.sendText(proto::writeStatus(s))) {
        lastStatusSent_ = now;
        lastState_ = state;
        lastTake_ = take;
        lastBar_ = bar;
        lastDrops_ = drops;
        lastUnderruns_ = underruns;
        lastTakes_ = takes;
    }
}

} // namespace sb
