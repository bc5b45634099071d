#include "storage/key_encoding.h"

namespace trustsphere::storage {
namespace {

template <typename T>
void AppendBigEndian(std::string& out, T value) {
  for (int shift = (sizeof(T) - 1) * 8; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((value >> shift) & 0xFF));
  }
}

template <typename T>
bool ReadBigEndian(std::string_view& in, T* value) {
  if (in.size() < sizeof(T)) return false;
  T result = 0;
  for (size_t i = 0; i < sizeof(T); ++i) {
    result = static_cast<T>((result << 8) | static_cast<uint8_t>(in[i]));
  }
  in.remove_prefix(sizeof(T));
  *value = result;
  return true;
}

}  // namespace

KeyBuilder& KeyBuilder::U8(uint8_t value) {
  key_.push_back(static_cast<char>(value));
  return *this;
}

KeyBuilder& KeyBuilder::U32(uint32_t value) {
  AppendBigEndian(key_, value);
  return *this;
}

KeyBuilder& KeyBuilder::U64(uint64_t value) {
  AppendBigEndian(key_, value);
  return *this;
}

KeyBuilder& KeyBuilder::Str(std::string_view value) {
  value = value.substr(0, kMaxKeyPartBytes);
  AppendBigEndian(key_, static_cast<uint16_t>(value.size()));
  key_.append(value);
  return *this;
}

KeyBuilder& KeyBuilder::Tail(std::string_view value) {
  key_.append(value);
  return *this;
}

bool KeyReader::U8(uint8_t* value) { return ReadBigEndian(rest_, value); }
bool KeyReader::U32(uint32_t* value) { return ReadBigEndian(rest_, value); }
bool KeyReader::U64(uint64_t* value) { return ReadBigEndian(rest_, value); }

bool KeyReader::Str(std::string* value) {
  uint16_t size = 0;
  if (!ReadBigEndian(rest_, &size) || rest_.size() < size) {
    rest_ = {};
    return false;
  }
  value->assign(rest_.substr(0, size));
  rest_.remove_prefix(size);
  return true;
}

void KeyReader::Tail(std::string* value) {
  value->assign(rest_);
  rest_ = {};
}

std::string PrefixSuccessor(std::string_view prefix) {
  std::string next(prefix);
  while (!next.empty()) {
    auto& last = reinterpret_cast<unsigned char&>(next.back());
    if (last != 0xFF) {
      ++last;
      return next;
    }
    next.pop_back();
  }
  return next;
}

}  // namespace trustsphere::storage
