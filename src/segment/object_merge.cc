#include "segment/object_merge.h"

#include "common/json_text.h"
#include "segment/element_text.h"

namespace opentrack::segment::internal {
namespace {

using simdjson::dom::element;
using simdjson::dom::object;

// The common case, no batch-level object: copies `own` whole and appends
// "ip":client_ip when it has no "ip". Returns the appended bytes, or nullopt
// when `own` has "ip":null to replace (left to AppendMergedObject).
std::optional<size_t> AppendWithIp(std::string* out, const std::optional<element>& own_value,
                                   const ValueText* own_text, std::string_view client_ip) {
  object own;
  const bool have_own = own_value && own_value->get_object().get(own) == simdjson::SUCCESS;
  element ip;
  const bool own_has_ip = have_own && own.at_key("ip").get(ip) == simdjson::SUCCESS;
  if (!client_ip.empty() && own_has_ip && ip.is_null()) return std::nullopt;
  if (have_own) {
    AppendObject(out, *own_value, own_text);
  } else {
    out->append("{}");
  }
  if (client_ip.empty() || own_has_ip) return 0;
  const size_t before = out->size();
  out->pop_back();  // the closing '}'; what precedes it is minified
  if (out->back() != '{') out->push_back(',');
  out->append("\"ip\":");
  AppendJsonString(out, client_ip);
  out->push_back('}');
  return out->size() - before;
}

// Appends "key":value after a ',' unless it is the object's *first member.
void AppendMember(std::string* out, bool* first, std::string_view key, element value) {
  if (!*first) out->push_back(',');
  *first = false;
  AppendJsonString(out, key);
  out->push_back(':');
  AppendElement(out, value);
}

// Whether `own`'s text can be copied whole into a merge: not when a null "ip"
// must be dropped. Sets *has_ip when it has a non-null "ip".
bool CanCopyWhole(object own, bool fill_ip, bool* has_ip) {
  if (!fill_ip) return true;
  for (const simdjson::dom::key_value_pair field : own) {
    if (field.key != "ip") continue;
    if (field.value.is_null()) return false;
    *has_ip = true;
  }
  return true;
}

// Opens the merged object with `own`'s members (none if absent), leaving it
// without its closing '}'. With `fill_ip`, a null "ip" is dropped and *has_ip
// set when a non-null one is kept. Returns whether no member was written.
bool AppendOwnMembers(std::string* out, const std::optional<object>& own, const ValueText* own_text,
                      bool fill_ip, bool* has_ip) {
  if (own && own_text != nullptr && own_text->text.starts_with('{') &&
      CanCopyWhole(*own, fill_ip, has_ip)) {
    AppendValueText(out, *own_text);  // minified: '{' precedes '}' iff it is empty
    out->pop_back();
    return out->back() == '{';
  }
  *has_ip = false;
  out->push_back('{');
  bool first = true;
  if (!own) return first;
  for (const simdjson::dom::key_value_pair field : *own) {
    if (fill_ip && field.key == "ip") {
      if (field.value.is_null()) continue;  // a null ip counts as absent
      *has_ip = true;
    }
    AppendMember(out, &first, field.key, field.value);
  }
  return first;
}

}  // namespace

void AppendObject(std::string* out, element value, const ValueText* text) {
  // The '{' check guards against texts that do not line up with the DOM.
  if (text != nullptr && text->text.starts_with('{')) {
    AppendValueText(out, *text);
  } else {
    AppendElement(out, value);
  }
}

size_t AppendMergedObject(std::string* out, const std::optional<element>& own_value,
                          const ValueText* own_text, const std::optional<object>& batch,
                          std::string_view client_ip) {
  const bool batch_empty = !batch || batch->begin() == batch->end();
  if (batch_empty) {
    if (const std::optional<size_t> added = AppendWithIp(out, own_value, own_text, client_ip)) {
      return *added;
    }
  }
  std::optional<object> own;
  if (object o; own_value && own_value->get_object().get(o) == simdjson::SUCCESS) own = o;
  const bool fill_ip = !client_ip.empty();
  bool has_ip = false;
  bool first = AppendOwnMembers(out, own, own_text, fill_ip, &has_ip);
  size_t foreign = 0;
  if (!batch_empty) {
    for (const simdjson::dom::key_value_pair field : *batch) {
      if (own && own->at_key(field.key).error() == simdjson::SUCCESS) continue;
      if (fill_ip && field.key == "ip") {
        if (field.value.is_null()) continue;
        has_ip = true;
      }
      const size_t before = out->size();
      AppendMember(out, &first, field.key, field.value);
      foreign += out->size() - before;
    }
  }
  if (fill_ip && !has_ip) {
    const size_t before = out->size();
    if (!first) out->push_back(',');
    out->append("\"ip\":");
    AppendJsonString(out, client_ip);
    foreign += out->size() - before;
  }
  out->push_back('}');
  return foreign;
}

}  // namespace opentrack::segment::internal
