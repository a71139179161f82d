// A small ordered JSON document model for the emulator. Request bodies are
// parsed into it and resources are stored and written from it. Numbers keep
// their source text so "bad value" messages can quote what the client sent.
#ifndef OPENTRACK_EMULATOR_JSON_H_
#define OPENTRACK_EMULATOR_JSON_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace opentrack::emulator {

class Json {
 public:
  enum class Type { kNull, kBool, kNumber, kString, kArray, kObject };
  using Member = std::pair<std::string, Json>;

  Json() = default;
  static Json Bool(bool b);
  static Json Number(std::string text);
  static Json Int(int64_t v);
  static Json Str(std::string s);
  static Json Array();
  static Json Object();

  static absl::StatusOr<Json> Parse(std::string_view text);

  Type type() const { return type_; }
  bool is_null() const { return type_ == Type::kNull; }
  bool is_bool() const { return type_ == Type::kBool; }
  bool is_number() const { return type_ == Type::kNumber; }
  bool is_string() const { return type_ == Type::kString; }
  bool is_array() const { return type_ == Type::kArray; }
  bool is_object() const { return type_ == Type::kObject; }

  bool bool_value() const { return bool_; }
  // String contents, or a number's source text.
  const std::string& text() const { return text_; }
  const std::vector<Json>& items() const { return items_; }
  std::vector<Json>& items() { return items_; }
  const std::vector<Member>& members() const { return members_; }
  std::vector<Member>& members() { return members_; }

  // Object member lookup; nullptr when absent or not an object.
  const Json* Find(std::string_view key) const;
  Json* Find(std::string_view key);
  // Member value as string, "" when absent or not a string.
  std::string GetString(std::string_view key) const;
  // Member as bool (JSON bool or "true"), `fallback` when absent.
  bool GetBool(std::string_view key, bool fallback) const;
  // Member as integer (number or numeric string).
  std::optional<int64_t> GetInt(std::string_view key) const;

  // Sets (replacing) an object member; returns it.
  Json& Set(std::string key, Json value);
  void Erase(std::string_view key);
  void Push(Json value) { items_.push_back(std::move(value)); }

  std::string Dump() const;
  void DumpTo(std::string* out) const;

 private:
  Type type_ = Type::kNull;
  bool bool_ = false;
  std::string text_;
  std::vector<Json> items_;
  std::vector<Member> members_;
};

}  // namespace opentrack::emulator

#endif  // OPENTRACK_EMULATOR_JSON_H_
