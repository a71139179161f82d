#include "spool/round_buffer.h"

#include <string>

#include "gtest/gtest.h"

namespace opentrack::spool {
namespace {

std::string Join(RoundBuffer& round) {
  std::string out;
  for (std::string_view piece : round.Pieces()) out.append(piece);
  return out;
}

TEST(RoundBufferTest, KeepsOrderAndReferencesOnlyLongPieces) {
  const std::string big(RoundBuffer::kReferenceBytes, 'b');
  const std::string small = "header";
  RoundBuffer round;
  round.Copy(small);
  round.Add("xy");  // short: copied, joins the previous piece
  round.Add(big);
  round.Copy("z");
  EXPECT_EQ(round.size(), small.size() + 2 + big.size() + 1);
  EXPECT_EQ(Join(round), small + "xy" + big + "z");
  const auto pieces = round.Pieces();
  ASSERT_EQ(pieces.size(), 3u);
  EXPECT_EQ(pieces[0], "headerxy");
  EXPECT_EQ(pieces[1].data(), big.data());  // not copied
  EXPECT_EQ(pieces[2], "z");
}

TEST(RoundBufferTest, CopiedPiecesSurviveTheirSourceAndGrowth) {
  RoundBuffer round;
  std::string expected;
  for (int i = 0; i < 1000; ++i) {
    std::string temporary = "record " + std::to_string(i) + ";";
    round.Copy(temporary);
    expected += temporary;
    temporary.assign(temporary.size(), '!');  // the copy must not see this
  }
  EXPECT_EQ(Join(round), expected);
}

TEST(RoundBufferTest, ClearForgetsEverything) {
  const std::string big(RoundBuffer::kReferenceBytes + 1, 'b');
  RoundBuffer round;
  round.Copy("a");
  round.Add(big);
  round.Clear();
  EXPECT_TRUE(round.empty());
  EXPECT_TRUE(round.Pieces().empty());
  round.Copy("c");
  EXPECT_EQ(Join(round), "c");
}

}  // namespace
}  // namespace opentrack::spool
