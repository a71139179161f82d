#include "loader/spooled_request.h"

#include <limits>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace opentrack::loader {
namespace {

constexpr uint64_t kMaxU16 = std::numeric_limits<uint16_t>::max();
constexpr uint64_t kMaxU32 = std::numeric_limits<uint32_t>::max();
constexpr int kMaxEndpoint = static_cast<int>(segment::Endpoint::kBatch);

// Little-endian, whatever the host's order (like the spool's own framing).
void PutLE(uint64_t v, int bytes, std::string* out) {
  for (int i = 0; i < bytes; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

absl::Status TooLong(std::string_view field, uint64_t value, uint64_t max) {
  return absl::InvalidArgumentError(
      absl::StrCat("spool request record: ", absl::string_view(field.data(), field.size()), " is ",
                   value, "; at most ", max, " fits"));
}

// Takes fields off the front of a record; every read is checked against
// what is left, so a truncated or garbled length fails instead of overreading.
class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}

  bool Int(int bytes, uint64_t* v) {
    if (data_.size() < static_cast<size_t>(bytes)) return false;
    *v = 0;
    for (int i = 0; i < bytes; ++i) {
      *v |= uint64_t{static_cast<unsigned char>(data_[i])} << (8 * i);
    }
    data_.remove_prefix(bytes);
    return true;
  }
  bool Bytes(uint64_t n, std::string_view* out) {
    if (data_.size() < n) return false;
    *out = data_.substr(0, n);
    data_.remove_prefix(n);
    return true;
  }
  std::string_view rest() const { return data_; }

 private:
  std::string_view data_;
};

absl::Status Malformed(std::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("spool request record: ", absl::string_view(what.data(), what.size())));
}

}  // namespace

absl::StatusOr<std::string> EncodeSpooledRequestHeader(const SpooledRequest& request) {
  if (request.source.empty()) return Malformed("empty source");
  if (request.source.size() > kMaxU16) {
    return TooLong("source size", request.source.size(), kMaxU16);
  }
  if (request.client_ip.size() > kMaxU16) {
    return TooLong("client IP size", request.client_ip.size(), kMaxU16);
  }
  const segment::Limits& l = request.limits;
  for (size_t limit : {l.max_event_bytes, l.max_batch_bytes, l.max_batch_events, l.max_depth}) {
    if (limit > kMaxU32) return TooLong("a limit", limit, kMaxU32);
  }
  if (request.rejected_indexes.size() > kMaxU32) {
    return TooLong("rejected count", request.rejected_indexes.size(), kMaxU32);
  }
  std::string out;
  out.reserve(kSpooledRequestFixedBytes + 2 + request.source.size() + 2 + request.client_ip.size() +
              4 + 4 * request.rejected_indexes.size());
  out.push_back(kSpooledRequestMarker);
  out.push_back(static_cast<char>(kSpooledRequestVersion));
  out.push_back(static_cast<char>(request.endpoint));
  out.push_back('\0');
  PutLE(static_cast<uint64_t>(absl::ToUnixMicros(request.received_at)), 8, &out);
  PutLE(request.message_id_seed.hi, 8, &out);
  PutLE(request.message_id_seed.lo, 8, &out);
  for (size_t limit : {l.max_event_bytes, l.max_batch_bytes, l.max_batch_events, l.max_depth}) {
    PutLE(limit, 4, &out);
  }
  PutLE(request.source.size(), 2, &out);
  out.append(request.source);
  PutLE(request.client_ip.size(), 2, &out);
  out.append(request.client_ip);
  PutLE(request.rejected_indexes.size(), 4, &out);
  for (size_t i = 0; i < request.rejected_indexes.size(); ++i) {
    const size_t index = request.rejected_indexes[i];
    if (index > kMaxU32) return TooLong("a rejected index", index, kMaxU32);
    if (i > 0 && index <= request.rejected_indexes[i - 1]) {
      return Malformed("rejected indexes are not ascending");
    }
    PutLE(index, 4, &out);
  }
  return out;
}

absl::StatusOr<std::string> EncodeSpooledRequest(const SpooledRequest& request) {
  absl::StatusOr<std::string> record = EncodeSpooledRequestHeader(request);
  if (record.ok()) record->append(request.body);
  return record;
}

absl::StatusOr<SpooledRequest> DecodeSpooledRequest(std::string_view record) {
  Reader in(record);
  uint64_t marker, version, endpoint, reserved;
  if (!in.Int(1, &marker) || !in.Int(1, &version) || !in.Int(1, &endpoint) ||
      !in.Int(1, &reserved)) {
    return Malformed("truncated before its version");
  }
  if (marker != static_cast<unsigned char>(kSpooledRequestMarker)) return Malformed("no marker");
  if (version != kSpooledRequestVersion) {
    return Malformed(absl::StrCat("unknown version ", version));
  }
  if (endpoint > kMaxEndpoint) return Malformed(absl::StrCat("unknown endpoint ", endpoint));
  if (reserved != 0) return Malformed(absl::StrCat("reserved byte is ", reserved));

  SpooledRequest request;
  request.endpoint = static_cast<segment::Endpoint>(endpoint);
  uint64_t micros, limits[4];
  if (!in.Int(8, &micros) || !in.Int(8, &request.message_id_seed.hi) ||
      !in.Int(8, &request.message_id_seed.lo) || !in.Int(4, &limits[0]) || !in.Int(4, &limits[1]) ||
      !in.Int(4, &limits[2]) || !in.Int(4, &limits[3])) {
    return Malformed("truncated in its fixed fields");
  }
  request.received_at = absl::FromUnixMicros(static_cast<int64_t>(micros));
  request.limits = {limits[0], limits[1], limits[2], limits[3]};

  uint64_t n;
  if (!in.Int(2, &n) || !in.Bytes(n, &request.source)) return Malformed("truncated source");
  if (request.source.empty()) return Malformed("empty source");
  if (!in.Int(2, &n) || !in.Bytes(n, &request.client_ip)) return Malformed("truncated client IP");
  if (!in.Int(4, &n)) return Malformed("truncated rejected count");
  // Checked before reserving, so a garbled count cannot ask for gigabytes.
  if (n > in.rest().size() / 4) return Malformed("truncated rejected indexes");
  request.rejected_indexes.reserve(n);
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t index;
    in.Int(4, &index);  // cannot fail: the count was checked against the size
    if (i > 0 && index <= request.rejected_indexes.back()) {
      return Malformed("rejected indexes are not ascending");
    }
    request.rejected_indexes.push_back(index);
  }
  request.body = in.rest();
  if (request.body.empty()) return Malformed("empty body");
  return request;
}

}  // namespace opentrack::loader
