#include "services/relationships/tag_use_recorder.h"

#include "absl/time/clock.h"
#include "services/common/core/log.h"
#include "services/common/core/text.h"

namespace trustsphere::relationships {

TagUseRecorder::TagUseRecorder(IdentityDirectory* identity, absl::Duration period)
    : identity_(identity), period_(period), thread_([this] { Run(); }) {}

TagUseRecorder::~TagUseRecorder() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  thread_.join();
}

void TagUseRecorder::Add(const std::vector<identity::v1::Tag>& tags) {
  absl::MutexLock lock(&mu_);
  for (const auto& tag : tags) {
    // Keyed as identity will normalise it, so "Rust" and "rust" add up.
    auto [it, inserted] = pending_.try_emplace({tag.kind(), NormalizeKey(tag.key())}, tag);
    it->second.set_use_count(inserted ? 1 : it->second.use_count() + 1);
  }
}

void TagUseRecorder::Run() {
  for (bool last = false; !last;) {
    std::map<std::pair<int, std::string>, identity::v1::Tag> uses;
    {
      absl::MutexLock lock(&mu_);
      mu_.AwaitWithTimeout(absl::Condition(&stopping_), period_);
      last = stopping_;
      uses.swap(pending_);
    }
    if (!uses.empty()) Send(std::move(uses));
  }
}

void TagUseRecorder::Send(std::map<std::pair<int, std::string>, identity::v1::Tag> uses) {
  constexpr size_t kTagsPerCall = 50;  // identity's RecordTagUse limit
  std::vector<identity::v1::Tag> chunk;
  for (auto it = uses.begin(); it != uses.end();) {
    chunk.push_back(std::move(it->second));
    ++it;
    if (chunk.size() < kTagsPerCall && it != uses.end()) continue;
    if (absl::Status sent = identity_->RecordTagUse(chunk, absl::Now() + absl::Seconds(5));
        !sent.ok()) {
      Log(LogLevel::kWarning, "tag use not recorded",
          {F("error", sent.ToString()), F("tags", static_cast<int64_t>(uses.size()))});
      return;
    }
    chunk.clear();
  }
}

}  // namespace trustsphere::relationships
