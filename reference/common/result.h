// Errors as values: every expected failure (malformed packet, bad rule file,
// unsupported feature) is returned, never thrown across a module boundary.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace ctc {

enum class ErrorCode {
  kInvalidArgument,  // the caller's input is malformed
  kUnsupported,      // well-formed, but outside what we model
  kNotFound,
  kIo,               // file or device failure
  kTimeout,
  kInternal,         // a bug or a broken system under test
};

const char* to_string(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
};

inline Error invalid_argument(std::string message) {
  return {ErrorCode::kInvalidArgument, std::move(message)};
}
inline Error unsupported(std::string message) {
  return {ErrorCode::kUnsupported, std::move(message)};
}
inline Error io_error(std::string message) { return {ErrorCode::kIo, std::move(message)}; }
inline Error internal_error(std::string message) {
  return {ErrorCode::kInternal, std::move(message)};
}

// A value or an error (Error unless said otherwise). Debian 12's g++ 12 has
// no std::expected.
template <class T, class E = Error>
class [[nodiscard]] Result {
 public:
  Result(T value) : storage_(std::in_place_index<0>, std::move(value)) {}  // NOLINT
  Result(E error) : storage_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  bool ok() const { return storage_.index() == 0; }
  explicit operator bool() const { return ok(); }

  const T& value() const& { return std::get<0>(storage_); }
  T& value() & { return std::get<0>(storage_); }
  T&& value() && { return std::get<0>(std::move(storage_)); }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

  const E& error() const { return std::get<1>(storage_); }

 private:
  std::variant<T, E> storage_;
};

struct Ok {};
using Status = Result<Ok>;
inline Status ok_status() { return Ok{}; }

}  // namespace ctc
