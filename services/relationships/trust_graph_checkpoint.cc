// TrustGraph::Save and Restore: the graph in a file written at a clean stop
// and read at the next start, so that a start need not rebuild it from every
// statement. Layout (little-endian, as this machine writes it):
//
//   "TSGRAPH1", tag (the store's marker of it), people, each name, facet
//   keys in id order,
//   per person: entries (raw Entry), facet ids; statements made;
//   a 64-bit checksum of all that came before.
//
// Strings are u32 length then bytes; counts are u32 (statements u64). The
// checksum catches a torn or damaged file, not a forged one: the file lives
// in the service's private data folder.

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "services/relationships/trust_graph.h"
#include "services/relationships/trust_graph_internal.h"

namespace trustsphere::relationships {
namespace {

constexpr char kMagic[8] = {'T', 'S', 'G', 'R', 'A', 'P', 'H', '1'};

// A multiply-xor hash over a byte stream, eight bytes at a time (the same
// value however the stream is cut into Add calls).
class Checksum {
 public:
  void Add(const char* data, size_t size) {
    size_t i = 0;
    while (i < size && filled_ != 0) Push(data[i++]);
    for (; i + 8 <= size; i += 8) {
      uint64_t word = 0;
      std::memcpy(&word, data + i, 8);
      Mix(word);
    }
    while (i < size) Push(data[i++]);
  }
  uint64_t value() const {
    uint64_t state = state_;
    if (filled_ != 0) state = (state ^ pending_ ^ filled_) * kPrime;
    return state ^ (state >> 29);
  }

 private:
  static constexpr uint64_t kPrime = 0x100000001b3ULL;
  void Mix(uint64_t word) {
    state_ = (state_ ^ word) * kPrime;
    state_ ^= state_ >> 32;
  }
  void Push(char byte) {
    pending_ |= uint64_t{static_cast<unsigned char>(byte)} << (8 * filled_);
    if (++filled_ == 8) {
      Mix(pending_);
      pending_ = 0;
      filled_ = 0;
    }
  }
  uint64_t state_ = 0xcbf29ce484222325ULL;
  uint64_t pending_ = 0;
  unsigned filled_ = 0;
};

class FileWriter {
 public:
  explicit FileWriter(FILE* file) : file_(file) {}
  void Bytes(const void* data, size_t size) {
    checksum_.Add(static_cast<const char*>(data), size);
    ok_ = ok_ && std::fwrite(data, 1, size, file_) == size;
  }
  template <typename T>
  void Value(T value) {
    Bytes(&value, sizeof(value));
  }
  void String(std::string_view text) {
    Value(static_cast<uint32_t>(text.size()));
    Bytes(text.data(), text.size());
  }
  bool Finish() {
    const uint64_t sum = checksum_.value();
    ok_ = ok_ && std::fwrite(&sum, 1, sizeof(sum), file_) == sizeof(sum);
    return ok_;
  }

 private:
  FILE* file_;
  Checksum checksum_;
  bool ok_ = true;
};

// Reads from the whole file in memory; every read past its end fails.
class BufferReader {
 public:
  explicit BufferReader(std::string_view data) : data_(data) {}
  bool Bytes(void* out, size_t size) {
    if (data_.size() - at_ < size) return false;
    std::memcpy(out, data_.data() + at_, size);
    at_ += size;
    return true;
  }
  template <typename T>
  bool Value(T* value) {
    return Bytes(value, sizeof(*value));
  }
  bool String(std::string_view* text) {
    uint32_t size = 0;
    if (!Value(&size) || data_.size() - at_ < size) return false;
    *text = data_.substr(at_, size);
    at_ += size;
    return true;
  }
  bool AtEnd() const { return at_ == data_.size(); }
  // Whether `count` items of `size` bytes can still be read: checked before
  // anything is sized by a count the file gives.
  bool Holds(uint64_t count, size_t size) const { return count <= (data_.size() - at_) / size; }

 private:
  std::string_view data_;
  size_t at_ = 0;
};

}  // namespace

absl::Status TrustGraph::Save(const std::string& path, const std::string& tag) const {
  absl::ReaderMutexLock lock(&mu_);
  const std::string temporary = path + ".tmp";
  FILE* file = std::fopen(temporary.c_str(), "wb");
  if (file == nullptr) return absl::UnavailableError(absl::StrCat("cannot write ", temporary));
  FileWriter out(file);
  out.Bytes(kMagic, sizeof(kMagic));
  out.String(tag);
  out.Value(static_cast<uint32_t>(slots_.size()));
  for (uint32_t id = 0; id < slots_.size(); ++id) out.String(Name(id));
  out.Value(static_cast<uint32_t>(facet_keys_.size()));
  for (const auto& key : facet_keys_) out.String(key);
  for (const Slot& slot : slots_) {
    const Adjacency* adjacency = slot.empty() ? nullptr : slot.front().second.get();
    const uint32_t entries = adjacency ? static_cast<uint32_t>(adjacency->entries.size()) : 0;
    const uint32_t facets = adjacency ? static_cast<uint32_t>(adjacency->facets.size()) : 0;
    out.Value(entries);
    if (entries > 0) out.Bytes(adjacency->entries.data(), entries * sizeof(Entry));
    out.Value(facets);
    if (facets > 0) out.Bytes(adjacency->facets.data(), facets * sizeof(uint32_t));
  }
  out.Value(static_cast<uint64_t>(statements_));
  bool written = out.Finish();
  written = std::fflush(file) == 0 && written;
  written = fsync(fileno(file)) == 0 && written;
  written = std::fclose(file) == 0 && written;
  std::error_code error;
  if (written) std::filesystem::rename(temporary, path, error);
  if (!written || error) {
    std::filesystem::remove(temporary, error);
    return absl::UnavailableError(absl::StrCat("cannot write the graph checkpoint ", path));
  }
  // The rename itself must survive a power loss before the store is marked.
  const std::string folder = std::filesystem::path(path).parent_path().string();
  const int directory = open(folder.empty() ? "." : folder.c_str(), O_RDONLY | O_DIRECTORY);
  const bool synced = directory >= 0 && fsync(directory) == 0;
  if (directory >= 0) close(directory);
  if (!synced) return absl::UnavailableError(absl::StrCat("cannot sync the folder of ", path));
  return absl::OkStatus();
}

absl::StatusOr<bool> TrustGraph::Restore(const std::string& path, const std::string& tag) {
  std::error_code error;
  const auto size = std::filesystem::file_size(path, error);
  if (error) return false;
  std::ifstream file(path, std::ios::binary);
  std::string data(size, '\0');
  if (!file.read(data.data(), static_cast<std::streamsize>(size))) return false;
  if (data.size() < sizeof(kMagic) + sizeof(uint64_t)) return false;
  Checksum checksum;
  const size_t body = data.size() - sizeof(uint64_t);
  checksum.Add(data.data(), body);
  uint64_t stored_sum = 0;
  std::memcpy(&stored_sum, data.data() + body, sizeof(stored_sum));
  if (stored_sum != checksum.value()) return false;

  BufferReader in(std::string_view(data).substr(0, body));
  char magic[sizeof(kMagic)];
  std::string_view stored_tag;
  if (!in.Bytes(magic, sizeof(magic)) || std::memcmp(magic, kMagic, sizeof(kMagic)) != 0 ||
      !in.String(&stored_tag) || stored_tag != tag) {
    return false;
  }

  absl::MutexLock lock(&mu_);
  if (!slots_.empty()) return absl::FailedPreconditionError("the graph is not empty");
  // Anything short of a whole graph leaves it empty again.
  auto fail = [&] {
    ids_.clear();
    slots_.clear();
    facet_ids_.clear();
    facet_keys_.clear();
    statements_ = 0;
    return false;
  };
  uint32_t people = 0;
  if (!in.Value(&people) || !in.Holds(people, sizeof(uint32_t))) return fail();
  ids_.reserve(people);
  for (uint32_t id = 0; id < people; ++id) {
    std::string_view name;
    if (!in.String(&name) || IdOf(name) != id) return fail();
  }
  uint32_t facet_count = 0;
  if (!in.Value(&facet_count)) return fail();
  for (uint32_t id = 0; id < facet_count; ++id) {
    std::string_view key;
    if (!in.String(&key) || key.empty() || !facet_ids_.emplace(std::string(key), id).second) {
      return fail();
    }
    facet_keys_.emplace_back(key);
  }
  const Version version = version_ + 1;
  for (uint32_t id = 0; id < people; ++id) {
    auto adjacency = std::make_shared<Adjacency>();
    uint32_t entries = 0;
    uint32_t facets = 0;
    if (!in.Value(&entries) || !in.Holds(entries, sizeof(Entry))) return fail();
    adjacency->entries.resize(entries);
    if (!in.Bytes(adjacency->entries.data(), entries * sizeof(Entry))) return fail();
    if (!in.Value(&facets) || !in.Holds(facets, sizeof(uint32_t))) return fail();
    adjacency->facets.resize(facets);
    if (!in.Bytes(adjacency->facets.data(), facets * sizeof(uint32_t))) return fail();
    uint64_t counted = 0;
    for (const Entry& entry : adjacency->entries) {
      if (entry.other >= people) return fail();
      counted += entry.facet_count;
    }
    if (counted != facets) return fail();
    for (uint32_t facet : adjacency->facets) {
      if ((facet & ~kOutside) >= facet_count) return fail();
    }
    slots_[id] = Slot{{version, std::move(adjacency)}};
  }
  uint64_t statements = 0;
  if (!in.Value(&statements) || !in.AtEnd()) return fail();
  statements_ = static_cast<int64_t>(statements);
  version_ = version;
  return true;
}

}  // namespace trustsphere::relationships
