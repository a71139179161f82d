#include "segment/object_merge.h"

#include <optional>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "simdjson.h"

namespace opentrack::segment::internal {
namespace {

// Parses {"own":<own>,"batch":<batch>} and merges the two, once copying
// own's source text and once writing it from the DOM.
struct Merged {
  std::string from_text, from_dom;
  size_t foreign_from_text = 0, foreign_from_dom = 0;
};

Merged Merge(const std::string& own, const std::string& batch, std::string_view ip) {
  const std::string json = R"({"own":)" + own + R"(,"batch":)" + batch + "}";
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  EXPECT_EQ(parser.parse(json).get(root), simdjson::SUCCESS) << json;
  SourceCursor cursor(parser, json);
  std::vector<ValueText> texts;
  EXPECT_TRUE(CollectMemberTexts(&cursor, &texts));
  std::optional<simdjson::dom::element> own_value;
  if (!root["own"].is_null()) own_value = root["own"].value();
  std::optional<simdjson::dom::object> batch_object;
  if (simdjson::dom::object o; root["batch"].get_object().get(o) == simdjson::SUCCESS) {
    batch_object = o;
  }
  Merged m;
  m.foreign_from_text = AppendMergedObject(&m.from_text, own_value, &texts[0], batch_object, ip);
  m.foreign_from_dom = AppendMergedObject(&m.from_dom, own_value, nullptr, batch_object, ip);
  return m;
}

TEST(ObjectMerge, OwnTextCopiedThenBatchKeysThenIp) {
  const Merged m = Merge(R"({"a":1,"b":{"c":[]}})", R"({"b":2,"d":"x"})", "1.2.3.4");
  EXPECT_EQ(m.from_text, R"({"a":1,"b":{"c":[]},"d":"x","ip":"1.2.3.4"})");
  EXPECT_EQ(m.from_dom, m.from_text);
  EXPECT_EQ(m.foreign_from_text, std::string(R"(,"d":"x","ip":"1.2.3.4")").size());
  EXPECT_EQ(m.foreign_from_dom, m.foreign_from_text);
}

TEST(ObjectMerge, EmptyOwnWithWhitespace) {
  const Merged m = Merge("{ \n }", R"({"d":1})", "1.2.3.4");
  EXPECT_EQ(m.from_text, R"({"d":1,"ip":"1.2.3.4"})");
  EXPECT_EQ(m.from_dom, m.from_text);
}

TEST(ObjectMerge, AbsentOwn) {
  const Merged m = Merge("null", R"({"d":1})", "");
  EXPECT_EQ(m.from_text, R"({"d":1})");
  EXPECT_EQ(m.from_dom, m.from_text);
}

TEST(ObjectMerge, OwnIpWinsAndNullIpIsDropped) {
  EXPECT_EQ(Merge(R"({"ip":"9.9.9.9"})", R"({"ip":"8.8.8.8"})", "1.2.3.4").from_text,
            R"({"ip":"9.9.9.9"})");
  const Merged m = Merge(R"({"ip":null,"a":1})", R"({"b":2})", "1.2.3.4");
  EXPECT_EQ(m.from_text, R"({"a":1,"b":2,"ip":"1.2.3.4"})");
  EXPECT_EQ(m.from_dom, m.from_text);
}

TEST(ObjectMerge, WithoutClientIpNullIpStays) {
  EXPECT_EQ(Merge(R"({"ip":null})", "{}", "").from_text, R"({"ip":null})");
  EXPECT_EQ(Merge(R"({"ip":null})", R"({"x":true})", "").from_text, R"({"ip":null,"x":true})");
}

TEST(ObjectMerge, DuplicateOwnKeysAreKeptAndShadowTheBatch) {
  const Merged m = Merge(R"({"a":1,"a":2})", R"({"a":3})", "");
  EXPECT_EQ(m.from_text, R"({"a":1,"a":2})");
  EXPECT_EQ(m.foreign_from_text, 0u);
}

TEST(ObjectMerge, OwnTextKeepsTheClientsSpelling) {
  const Merged m = Merge(R"({ "s" : "\u00e9", "n" : 1.50 })", "{}", "1.2.3.4");
  EXPECT_EQ(m.from_text, R"({"s":"\u00e9","n":1.50,"ip":"1.2.3.4"})");
  EXPECT_EQ(m.from_dom, R"({"s":"é","n":1.5,"ip":"1.2.3.4"})");
}

TEST(ObjectMerge, TextThatDoesNotLineUpFallsBackToTheDom) {
  simdjson::dom::parser parser;
  simdjson::dom::element own;
  ASSERT_EQ(parser.parse(std::string(R"({"a":1})")).get(own), simdjson::SUCCESS);
  const ValueText wrong{"[1]", false};
  std::string out;
  AppendObject(&out, own, &wrong);
  EXPECT_EQ(out, R"({"a":1})");
}

}  // namespace
}  // namespace opentrack::segment::internal
