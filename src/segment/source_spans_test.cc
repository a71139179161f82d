#include "segment/source_spans.h"

#include <fstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "simdjson.h"

namespace opentrack::segment::internal {
namespace {

// simdjson's own minified text of a value: equal for equal values.
std::string Canonical(simdjson::dom::element value) { return simdjson::minify(value); }

std::string CanonicalOfText(std::string_view text) {
  simdjson::dom::parser parser;
  simdjson::dom::element value;
  if (parser.parse(std::string(text)).get(value) != simdjson::SUCCESS) return "<invalid>";
  return Canonical(value);
}

// Checks, for the value at `cursor` and all values inside it, that the text
// the cursor finds parses to the value the DOM holds, and that the
// whitespace flag is right. Moves `cursor` past the value.
void ExpectSpansMatch(SourceCursor* cursor, simdjson::dom::element dom) {
  SourceCursor skipping = *cursor;
  const ValueText value = skipping.SkipValue();
  ASSERT_FALSE(skipping.failed());
  EXPECT_EQ(CanonicalOfText(value.text), Canonical(dom)) << value.text;
  std::string minified;
  AppendValueText(&minified, value);
  EXPECT_EQ(minified.size() != value.text.size(), value.has_whitespace) << value.text;
  EXPECT_EQ(CanonicalOfText(minified), Canonical(dom)) << minified;

  simdjson::dom::object object;
  simdjson::dom::array array;
  if (dom.get_object().get(object) == simdjson::SUCCESS) {
    ASSERT_TRUE(cursor->Enter());
    for (const simdjson::dom::key_value_pair field : object) {
      ASSERT_TRUE(cursor->NextMember()) << field.key;
      ExpectSpansMatch(cursor, field.value);
    }
    EXPECT_FALSE(cursor->NextMember());
  } else if (dom.get_array().get(array) == simdjson::SUCCESS) {
    ASSERT_TRUE(cursor->Enter());
    for (const simdjson::dom::element element : array) {
      ASSERT_TRUE(cursor->NextElement());
      ExpectSpansMatch(cursor, element);
    }
    EXPECT_FALSE(cursor->NextElement());
  } else {
    cursor->SkipValue();
  }
  ASSERT_FALSE(cursor->failed());
  EXPECT_EQ(cursor->Peek(), skipping.Peek()) << "the walk and the skip end apart";
}

void ExpectDocumentSpansMatch(const std::string& json) {
  SCOPED_TRACE(json);
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  ASSERT_EQ(parser.parse(json).get(root), simdjson::SUCCESS);
  SourceCursor cursor(parser, json);
  ExpectSpansMatch(&cursor, root);
  EXPECT_EQ(cursor.Peek(), '\0');
}

TEST(SourceSpans, CompactValues) {
  ExpectDocumentSpansMatch(R"({"a":1,"b":"x y","c":true,"d":null,"e":-1.5e3,"f":false})");
}

TEST(SourceSpans, WhitespaceEverywhere) {
  ExpectDocumentSpansMatch(
      " \n{ \"a\" : [ 1 , 2 ,\t{ } , [ ] ] ,\r\n \"b\" : \"x  y\" , \"c\":true ,"
      " \"d\" : null , \"e\":-1.5e3 , \"f\" : { \"g\" : { } } }  \n");
}

TEST(SourceSpans, EscapedStringsWithStructuralCharacters) {
  ExpectDocumentSpansMatch(
      R"({"k\"ey":"a\"b\\","\u00e9":"\/\u00e9\ud83d\ude00","x":["]","}",":",",","{","["],)"
      R"("y":"\\","z":{"\\\"":"\"\\"}})");
}

TEST(SourceSpans, NestedAndEmptyContainers) {
  ExpectDocumentSpansMatch(R"([[[]],[[1,[2]],{}],{},[],{"a":{},"b":[],"c":[{}]},[[[[]]]]])");
  ExpectDocumentSpansMatch("{}");
  ExpectDocumentSpansMatch("[ ]");
  ExpectDocumentSpansMatch("{ \"a\" : { } }");
}

TEST(SourceSpans, ScalarDocuments) {
  ExpectDocumentSpansMatch("  42  ");
  ExpectDocumentSpansMatch("\"s\"");
  ExpectDocumentSpansMatch("null");
}

TEST(SourceSpans, DuplicateKeysKeepTheirOwnSpans) {
  ExpectDocumentSpansMatch(R"({"a":1,"a":{"b":2},"a":[3]})");
}

TEST(SourceSpans, WhitespaceFlag) {
  simdjson::dom::parser parser;
  const std::string json = R"({"a":{"b":1},"c":{ "d":1},"e":{"f":"x y"},"g":[1 ]})";
  ASSERT_EQ(parser.parse(json).error(), simdjson::SUCCESS);
  SourceCursor cursor(parser, json);
  std::vector<ValueText> texts;
  ASSERT_TRUE(CollectMemberTexts(&cursor, &texts));
  ASSERT_EQ(texts.size(), 4u);
  EXPECT_EQ(texts[0].text, R"({"b":1})");
  EXPECT_FALSE(texts[0].has_whitespace);
  EXPECT_EQ(texts[1].text, R"({ "d":1})");
  EXPECT_TRUE(texts[1].has_whitespace);
  EXPECT_EQ(texts[2].text, R"({"f":"x y"})");
  EXPECT_FALSE(texts[2].has_whitespace);
  EXPECT_EQ(texts[3].text, "[1 ]");
  EXPECT_TRUE(texts[3].has_whitespace);
}

// Without an index (texts made by hand) the text is scanned byte by byte.
TEST(SourceSpans, AppendValueTextWithoutIndexMinifiesOutsideStrings) {
  std::string out = "x";
  AppendValueText(&out, ValueText{"{ \"a b\" :\n[ 1 , \"c \\\" d\" , \"e\\\\\" ] }", true});
  EXPECT_EQ(out, R"(x{"a b":[1,"c \" d","e\\"]})");
  AppendValueText(&out, ValueText{"{\"e\":2}", false});
  EXPECT_EQ(out, R"(x{"a b":[1,"c \" d","e\\"]}{"e":2})");
}

// Python's json.dumps writes ", " and ": ".
TEST(SourceSpans, AppendValueTextWithIndexRemovesEveryGap) {
  const std::string json =
      "{\"o\": {\"a b\": [1, \"c \\\" d \", {}, [ ]],  \"e\\\\\" :\t\"f\" ,\"g\":null }\n}";
  simdjson::dom::parser parser;
  ASSERT_EQ(parser.parse(json).error(), simdjson::SUCCESS);
  SourceCursor cursor(parser, json);
  std::vector<ValueText> texts;
  ASSERT_TRUE(CollectMemberTexts(&cursor, &texts));
  ASSERT_EQ(texts.size(), 1u);
  ASSERT_TRUE(texts[0].has_whitespace);
  ASSERT_NE(texts[0].structurals, nullptr);
  std::string out;
  AppendValueText(&out, texts[0]);
  EXPECT_EQ(out, R"({"a b":[1,"c \" d ",{},[]],"e\\":"f","g":null})");
}

TEST(SourceSpans, CollectMemberTextsScalarsAreTrimmed) {
  simdjson::dom::parser parser;
  const std::string json = "{\"a\" : 12 , \"b\":\"s\"\n,\"c\":true\t}";
  ASSERT_EQ(parser.parse(json).error(), simdjson::SUCCESS);
  SourceCursor cursor(parser, json);
  std::vector<ValueText> texts;
  ASSERT_TRUE(CollectMemberTexts(&cursor, &texts));
  ASSERT_EQ(texts.size(), 3u);
  EXPECT_EQ(texts[0].text, "12");
  EXPECT_EQ(texts[1].text, "\"s\"");
  EXPECT_EQ(texts[2].text, "true");
}

TEST(SourceSpans, BadIndexFailsWithoutReadingOutOfBounds) {
  const std::string json = R"({"a":[1,2]})";
  // Positions that do not match the text, or run past it.
  const uint32_t wrong[] = {0, 5, 100, 2};
  SourceCursor cursor(json, wrong, 4);
  std::vector<ValueText> texts;
  EXPECT_FALSE(CollectMemberTexts(&cursor, &texts));
  EXPECT_TRUE(cursor.failed());
  EXPECT_EQ(cursor.Peek(), '\0');
  EXPECT_TRUE(cursor.SkipValue().text.empty());

  const uint32_t unclosed[] = {0, 1, 4, 5};  // { "a" : [  and nothing after
  SourceCursor open(json, unclosed, 4);
  ASSERT_TRUE(open.Enter());
  ASSERT_TRUE(open.NextMember());
  EXPECT_TRUE(open.SkipValue().text.empty());
  EXPECT_TRUE(open.failed());

  SourceCursor empty(json, nullptr, 0);
  EXPECT_TRUE(empty.failed());
  EXPECT_FALSE(empty.Enter());
}

// The structural index comes from whichever stage-1 kernel simdjson picks at
// run time; every one this machine supports must give the same spans.
TEST(SourceSpans, EverySupportedImplementation) {
  const simdjson::implementation* active = simdjson::get_active_implementation();
  for (const simdjson::implementation* impl : simdjson::get_available_implementations()) {
    if (!impl->supported_by_runtime_system()) continue;
    SCOPED_TRACE(impl->name());
    simdjson::get_active_implementation() = impl;
    ExpectDocumentSpansMatch(" { \"a\" : [ 1 , { } ] , \"b\":\"\\\" }\", \"c\":{\"d\":[[]]} } ");
    ExpectDocumentSpansMatch(R"({"k\"ey":"a\"b\\","x":["]","}",":"],"y":-1.5e3})");
  }
  simdjson::get_active_implementation() = active;
}

// `json` with whitespace before every token and after every ',' and ':', as
// pretty printers and Python's json.dumps write.
std::string Spaced(const std::string& json) {
  simdjson::dom::parser parser;
  EXPECT_EQ(parser.parse(json).error(), simdjson::SUCCESS);
  const uint32_t* index = parser.implementation->structural_indexes.get();
  const size_t count = parser.implementation->n_structural_indexes;
  std::string out;
  size_t from = 0;
  for (size_t i = 0; i < count; ++i) {
    out.append(json, from, index[i] - from);
    out.append(i % 2 == 0 ? " " : "\n\t");
    from = index[i];
  }
  out.append(json, from);
  return out;
}

TEST(SourceSpans, EverySampleEvent) {
  std::ifstream in(OPENTRACK_SAMPLE_EVENTS);
  size_t lines = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    ++lines;
    ExpectDocumentSpansMatch(line);
    ExpectDocumentSpansMatch(Spaced(line));
  }
  EXPECT_GT(lines, 0u);
}

}  // namespace
}  // namespace opentrack::segment::internal
